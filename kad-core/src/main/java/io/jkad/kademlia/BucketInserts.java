package io.jkad.kademlia;

/** When peers enter the routing table. */
public enum BucketInserts {
    /**
     * A peer that connects (and confirms the protocol) with a known listen address is inserted if
     * its bucket has room, or becomes the bucket's pending entry. The default.
     */
    ON_CONNECTED,
    /**
     * Peers enter the routing table only through {@link Kademlia#addAddress}; connections still
     * update the status and order of entries already there.
     */
    MANUAL
}
