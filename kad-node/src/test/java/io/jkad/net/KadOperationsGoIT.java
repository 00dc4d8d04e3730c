package io.jkad.net;

import io.jkad.interop.InteropPeer;

/** {@link KadOperationsSuite} against go-libp2p-kad-dht (interop/go). */
class KadOperationsGoIT extends KadOperationsSuite {

    @Override
    InteropPeer.Options options() {
        return InteropSupport.peerOptions(InteropPeer.Kind.GO);
    }
}
