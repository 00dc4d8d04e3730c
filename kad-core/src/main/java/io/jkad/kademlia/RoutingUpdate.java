package io.jkad.kademlia;

/** The outcome of {@link Kademlia#addAddress}. */
public enum RoutingUpdate {
    /** The peer and address are in the routing table. */
    SUCCESS,
    /**
     * The peer waits as its full bucket's pending entry and is inserted if the least recently
     * connected entry does not answer in time ({@code RoutingUpdated} then follows).
     */
    PENDING,
    /** The bucket is full and its pending slot taken, or the peer is the local node. */
    FAILED
}
