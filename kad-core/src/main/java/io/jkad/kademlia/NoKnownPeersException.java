package io.jkad.kademlia;

/** An operation needs at least one peer in the routing table and there is none. */
public final class NoKnownPeersException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public NoKnownPeersException() {
        super("No known peers: add a bootstrap peer with addAddress first");
    }
}
