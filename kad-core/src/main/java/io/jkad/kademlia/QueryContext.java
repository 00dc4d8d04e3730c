package io.jkad.kademlia;

/** Why a put or provide query runs. */
public enum QueryContext {
    /** The user called {@code putRecord} or {@code startProviding}. */
    PUBLISH,
    /** The periodic republication of what this node published or provides. */
    REPUBLISH,
    /** The periodic replication of a record received from another node. */
    REPLICATE,
    /** Write-back caching after a {@code getRecord} with a quorum of 1. */
    CACHE,
    /** The user called {@code putRecordTo}. */
    CUSTOM
}
