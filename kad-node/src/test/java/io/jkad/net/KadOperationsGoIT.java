package io.jkad.net;

import io.jkad.interop.InteropPeer;

/** {@link KadOperationsSuite} against go-libp2p-kad-dht (interop/go). */
class KadOperationsGoIT extends KadOperationsSuite {

    @Override
    InteropPeer.Options options() {
        return InteropSupport.peerOptions(InteropPeer.Kind.GO);
    }

    @Override
    boolean putReportsAcknowledgements() {
        return false; // go reports the peers it sent PUT_VALUE to (interop/go/README.md)
    }

    @Override
    boolean getReportsSources() {
        return false; // go's GetValue returns the selected value only (interop/go/README.md)
    }

    @Override
    boolean provideReportsItsTargets() {
        return false; // go's Provide does not report where it sent ADD_PROVIDER (interop/go/README.md)
    }
}
