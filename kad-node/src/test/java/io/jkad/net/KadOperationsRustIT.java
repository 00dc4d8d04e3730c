package io.jkad.net;

import io.jkad.interop.InteropPeer;

/** {@link KadOperationsSuite} against rust-libp2p's libp2p-kad (interop/rust). */
class KadOperationsRustIT extends KadOperationsSuite {

    @Override
    InteropPeer.Options options() {
        return InteropSupport.peerOptions(InteropPeer.Kind.RUST);
    }

    @Override
    boolean findProvidersReportsAddresses() {
        return false; // rust-libp2p's GetProviders result holds peer ids only
    }

    @Override
    boolean provideReportsItsTargets() {
        return false; // rust-libp2p does not report where it sent ADD_PROVIDER (interop/rust/README.md)
    }
}
