package io.jkad.routing;

/** The outcome of inserting an absent key into the routing table. */
public sealed interface InsertResult<K> {

    /** The entry was inserted. */
    record Inserted<K>() implements InsertResult<K> {}

    /**
     * The bucket is full; the new entry waits as the bucket's pending entry and replaces the
     * least recently connected entry {@code disconnected} if that one is still disconnected when
     * the pending timeout elapses. The caller should try to reach {@code disconnected}.
     */
    record Pending<K>(Key<K> disconnected) implements InsertResult<K> {}

    /** The bucket is full and cannot take a pending entry. */
    record Full<K>() implements InsertResult<K> {}
}
