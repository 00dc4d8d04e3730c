package io.jkad.kademlia;

/** What a running query does. */
public enum QueryKind {
    BOOTSTRAP,
    GET_CLOSEST_PEERS,
    GET_PROVIDERS,
    ADD_PROVIDER,
    GET_RECORD,
    PUT_RECORD,
    /** A step of the reprovide sweep: exploring a keyspace region, or announcing its keys. */
    REPROVIDE,
    /** {@link Kademlia#auditProvider}: does the key's closest peers hold this node's provider record? */
    PROVIDER_AUDIT
}
