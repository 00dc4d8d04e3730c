package io.jkad.routing;

import java.util.Optional;

/**
 * A handle on the routing table slot of one key, from {@link KBucketsTable#entry}. Valid until
 * the table is next modified through another handle or method.
 */
public interface Entry<K, V> {

    /** What the table holds for the key. */
    enum Kind {
        /** The key is in its bucket. */
        PRESENT,
        /** The key is its bucket's pending entry. */
        PENDING,
        /** The key is not in the table. */
        ABSENT,
        /** The key is the local key, which is never inserted. */
        SELF
    }

    Kind kind();

    Key<K> key();

    /** The status of a present or pending entry. */
    Optional<NodeStatus> status();

    /** The value of a present or pending entry. */
    Optional<V> value();

    /**
     * Replaces the value of a present or pending entry.
     *
     * @throws IllegalStateException if the entry is absent or self
     */
    void setValue(V value);

    /**
     * Changes the status of a present entry (moving it to the end of its section: the most
     * recently connected or disconnected) or of a pending entry.
     *
     * @throws IllegalStateException if the entry is absent or self
     */
    void update(NodeStatus status);

    /**
     * Inserts an absent key. A connected entry goes at the end of the bucket; a disconnected one
     * after the other disconnected entries. A full bucket takes a connected key as its pending
     * entry when it has none and not all its entries are connected.
     *
     * @throws IllegalStateException if the entry is not absent
     */
    InsertResult<K> insert(V value, NodeStatus status);

    /**
     * Removes a present or pending entry and returns it.
     *
     * @throws IllegalStateException if the entry is absent or self
     */
    EntryView<K, V> remove();

    /** A snapshot of a present or pending entry. */
    Optional<EntryView<K, V>> view();
}
