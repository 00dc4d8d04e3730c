package io.jkad.net;

import io.jkad.interop.InteropPeer;

/** {@link WireSuite} against go-libp2p (interop/go). */
class WireGoIT extends WireSuite {

    @Override
    InteropPeer.Options options() {
        return InteropSupport.peerOptions(InteropPeer.Kind.GO);
    }

    @Override
    InteropPeer.Options rsaOptions(String pkcs8Hex) {
        return options().keyType("rsa"); // go generates its own 2048-bit key
    }
}
