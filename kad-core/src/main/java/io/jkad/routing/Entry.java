package io.jkad.routing;

import java.util.Optional;

/**
 * A handle on the routing table slot of one key, from {@link KBucketsTable#entry}. The handle
 * reads the table on every call: {@link #kind()} is always the key's current state, even after
 * the table changed through other handles or methods. It does not apply pending entries itself;
 * {@link KBucketsTable#entry} did so for the key's bucket when the handle was made.
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

    /** The status of a present or pending entry; empty otherwise. */
    Optional<NodeStatus> status();

    /** The value of a present or pending entry; empty otherwise. */
    Optional<V> value();

    /**
     * Replaces the value of a present or pending entry; its position does not change.
     *
     * @throws IllegalStateException if the entry is absent or self
     * @throws NullPointerException if {@code value} is null
     */
    void setValue(V value);

    /**
     * Changes the status of a present entry (moving it to the end of its section: the most
     * recently connected or disconnected) or of a pending entry. When the least recently
     * connected entry of a bucket becomes connected, the bucket's pending entry, which was
     * waiting to replace it, is dropped.
     *
     * @throws IllegalStateException if the entry is absent or self
     */
    void update(NodeStatus status);

    /**
     * Inserts an absent key. A connected entry goes at the end of the bucket; a disconnected one
     * after the other disconnected entries. A full bucket takes a connected key as its pending
     * entry when it has none and not all its entries are connected; the pending entry becomes due
     * at the handle's instant plus the pending timeout.
     *
     * @return {@code Inserted}, {@code Pending} (naming the entry it will replace if that one is
     *     still disconnected when it becomes due) or {@code Full}
     * @throws IllegalStateException if the entry is not absent
     * @throws NullPointerException if an argument is null
     */
    InsertResult<K> insert(V value, NodeStatus status);

    /**
     * Removes a present or pending entry and returns it.
     *
     * @throws IllegalStateException if the entry is absent or self
     */
    EntryView<K, V> remove();

    /** A snapshot of a present or pending entry; empty otherwise. */
    Optional<EntryView<K, V>> view();
}
