package io.jkad.routing;

import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * The Kademlia routing table: 256 k-buckets around a local key. Bucket {@code i} holds the
 * entries whose distance to the local key has its highest set bit at position {@code i}.
 *
 * <p>Within a bucket, entries are ordered from least to most recently connected: disconnected
 * entries first, then connected ones. A bucket holds at most {@code k} entries and at most one
 * pending entry. A pending entry replaces the least recently connected entry once the pending
 * timeout has elapsed, if that entry is still disconnected by then; replacements are applied when
 * the bucket is next accessed through {@link #entry} or {@link #buckets} and are reported by
 * {@link #takeAppliedPending()}.
 *
 * <p>Time is always a parameter; the table never reads a clock. Not thread-safe.
 */
public final class KBucketsTable<K, V> {

    /**
     * @throws IllegalArgumentException if {@code k} &lt;= 0 or the timeout is negative
     */
    public KBucketsTable(Key<K> localKey, int k, Duration pendingTimeout) {
        throw new UnsupportedOperationException("not implemented");
    }

    public Key<K> localKey() {
        throw new UnsupportedOperationException("not implemented");
    }

    public int k() {
        throw new UnsupportedOperationException("not implemented");
    }

    public Duration pendingTimeout() {
        throw new UnsupportedOperationException("not implemented");
    }

    /**
     * The entry for {@code key}, after applying the due pending entry of its bucket. The returned
     * handle is valid until the table is next modified.
     */
    public Entry<K, V> entry(Key<K> key, Instant now) {
        throw new UnsupportedOperationException("not implemented");
    }

    /** Views of all 256 buckets, index 0 first, after applying their due pending entries. */
    public List<KBucketView<K, V>> buckets(Instant now) {
        throw new UnsupportedOperationException("not implemented");
    }

    /** The view of the bucket {@code key} falls in; empty for the local key. */
    public Optional<KBucketView<K, V>> bucket(Key<K> key, Instant now) {
        throw new UnsupportedOperationException("not implemented");
    }

    /** Removes and returns the oldest not yet reported pending-entry replacement. */
    public Optional<AppliedPending<K, V>> takeAppliedPending() {
        throw new UnsupportedOperationException("not implemented");
    }

    /**
     * The keys of all entries (not pending ones) in ascending distance to {@code target}, lazily:
     * taking the first n costs about the buckets visited, not a sort of the table.
     */
    public Iterator<Key<K>> closestKeys(KeyBytes target) {
        throw new UnsupportedOperationException("not implemented");
    }

    /** Like {@link #closestKeys}, with the entries' values and status. */
    public Iterator<EntryView<K, V>> closest(KeyBytes target) {
        throw new UnsupportedOperationException("not implemented");
    }

    /**
     * The number of entries closer to {@code target} than the local key is, i.e. entries
     * {@code n} with {@code d(n, target) < d(local, target)}.
     */
    public int countNodesBetween(KeyBytes target) {
        throw new UnsupportedOperationException("not implemented");
    }

    /** The number of entries in all buckets, pending entries excluded. */
    public int size() {
        throw new UnsupportedOperationException("not implemented");
    }
}
