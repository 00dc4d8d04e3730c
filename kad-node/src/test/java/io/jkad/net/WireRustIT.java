package io.jkad.net;

import io.jkad.interop.InteropPeer;

/** {@link WireSuite} against rust-libp2p (interop/rust). */
class WireRustIT extends WireSuite {

    @Override
    InteropPeer.Options options() {
        return InteropSupport.peerOptions(InteropPeer.Kind.RUST);
    }

    @Override
    InteropPeer.Options rsaOptions(String pkcs8Hex) {
        return options().keyPkcs8Hex(pkcs8Hex); // libp2p-identity cannot generate RSA keys
    }
}
