package io.jkad.kademlia;

/** The phase of a running query. Single-phase lookups are always in {@link #LOOKUP}. */
public enum QueryPhase {
    /** Looking up the closest peers to the key (the first phase of a put or a provide). */
    LOOKUP,
    /** Storing the record at the peers found (or given). */
    PUT_RECORD,
    /** Announcing the local node as a provider to the peers found. */
    ADD_PROVIDER
}
