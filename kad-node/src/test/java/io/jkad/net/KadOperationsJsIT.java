package io.jkad.net;

import io.jkad.interop.InteropPeer;

/** {@link KadOperationsSuite} against js-libp2p's @libp2p/kad-dht (interop/js). */
class KadOperationsJsIT extends KadOperationsSuite {

    @Override
    InteropPeer.Options options() {
        return InteropSupport.peerOptions(InteropPeer.Kind.JS);
    }
}
