package io.jkad.routing;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The Kademlia routing table: 256 k-buckets around a local key. Bucket {@code i} holds the
 * entries whose distance to the local key has its highest set bit at position {@code i}.
 *
 * <p>Within a bucket, entries are ordered from least to most recently connected: disconnected
 * entries first, then connected ones. A bucket holds at most {@code k} entries and at most one
 * pending entry. A pending entry replaces the least recently connected entry once the pending
 * timeout has elapsed, if that entry is still disconnected by then; replacements are applied when
 * the bucket is next accessed through {@link #entry}, {@link #bucket}, {@link #buckets} or the
 * {@code closest} iterators that take an instant, and are reported by
 * {@link #takeAppliedPending()}.
 *
 * <p>Time is always a parameter; the table never reads a clock. Not thread-safe.
 *
 * @param <K> the preimage type of the keys (for peers, {@code PeerId})
 * @param <V> the value type of the entries (for peers, {@link Addresses}); never null
 */
public final class KBucketsTable<K, V> {

    /** The number of buckets: one per bit of a 256-bit distance. */
    public static final int NUM_BUCKETS = 256;

    private final Key<K> localKey;
    final KeyBytes local;
    private final int k;
    private final Duration pendingTimeout;
    private final Duration recheckDelay;
    final KBucket<K, V>[] buckets;

    /** Bit {@code i} (word {@code i >>> 6}, bit {@code i & 63}) is set iff bucket {@code i} has entries. */
    final long[] occupied = new long[4];
    /** Bit {@code i} is set iff bucket {@code i} has a pending entry. */
    final long[] withPending = new long[4];

    private final ArrayDeque<AppliedPending<K, V>> applied = new ArrayDeque<>();
    private int size;
    /** Changes whenever the entries (not the pending ones) of any bucket change: fail-fast iterators. */
    int modCount;

    /** An empty table that behaves as the reference's: {@code KBucketsTable(localKey, k, pendingTimeout, Duration.ZERO)}. */
    public KBucketsTable(Key<K> localKey, int k, Duration pendingTimeout) {
        this(localKey, k, pendingTimeout, Duration.ZERO);
    }

    /**
     * An empty table.
     *
     * @param localKey the key of the local node, which is never inserted
     * @param k the maximum number of entries per bucket (the reference uses 20)
     * @param pendingTimeout how long a pending entry waits before it may replace the least
     *     recently connected entry of its full bucket (the reference uses 60 s)
     * @param recheckDelay how long a full bucket whose least recently connected entry reconnected
     *     while a pending entry waited (which drops the pending one) takes no new pending entry;
     *     zero in the reference, where the next new peer becomes pending at once
     * @throws IllegalArgumentException if {@code k} &lt;= 0 or a duration is negative
     * @throws NullPointerException if an argument is null
     */
    @SuppressWarnings("unchecked")
    public KBucketsTable(Key<K> localKey, int k, Duration pendingTimeout, Duration recheckDelay) {
        this.localKey = Objects.requireNonNull(localKey, "localKey");
        Objects.requireNonNull(pendingTimeout, "pendingTimeout");
        Objects.requireNonNull(recheckDelay, "recheckDelay");
        if (k <= 0) {
            throw new IllegalArgumentException("k must be > 0: " + k);
        }
        if (pendingTimeout.isNegative() || recheckDelay.isNegative()) {
            throw new IllegalArgumentException("pending timeout and recheck delay must not be negative: " + pendingTimeout
                    + ", " + recheckDelay);
        }
        this.local = localKey.bytes();
        this.k = k;
        this.pendingTimeout = pendingTimeout;
        this.recheckDelay = recheckDelay;
        // Buckets are made on first use: most of them stay empty, and a simulation holds many tables.
        this.buckets = (KBucket<K, V>[]) new KBucket<?, ?>[NUM_BUCKETS];
    }

    public Key<K> localKey() {
        return localKey;
    }

    /** The maximum number of entries per bucket. */
    public int k() {
        return k;
    }

    public Duration pendingTimeout() {
        return pendingTimeout;
    }

    /**
     * The entry for {@code key}, after applying the due pending entry of its bucket. The handle
     * reads the table on every call, so it stays usable after the table changes ({@link
     * Entry#kind()} always tells the current state); {@code now} is also the instant it uses
     * to schedule a pending insertion.
     *
     * @throws NullPointerException if an argument is null
     */
    public Entry<K, V> entry(Key<K> key, Instant now) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(now, "now");
        int i = bucketIndex(local, key.bytes());
        if (i < 0) {
            return new Handle(key, null, now);
        }
        KBucket<K, V> bucket = buckets[i];
        if (bucket == null) {
            bucket = new KBucket<>(i, k, pendingTimeout, recheckDelay);
            buckets[i] = bucket;
        } else {
            applyPending(bucket, now);
        }
        return new Handle(key, bucket, now);
    }

    /**
     * Snapshots of all 256 buckets, index 0 (the closest to the local key) first, after applying
     * their due pending entries.
     */
    public List<KBucketView<K, V>> buckets(Instant now) {
        Objects.requireNonNull(now, "now");
        applyAllPending(now);
        return Collections.unmodifiableList(peekBuckets());
    }

    /** A snapshot of the bucket {@code key} falls in, after applying its due pending entry; empty for the local key. */
    public Optional<KBucketView<K, V>> bucket(Key<K> key, Instant now) {
        Objects.requireNonNull(now, "now");
        int i = bucketIndex(local, key.bytes());
        if (i < 0) {
            return Optional.empty();
        }
        return Optional.of(view(i, now));
    }

    /**
     * Whether the bucket {@code key} falls in holds k entries, each seen connected at or after
     * {@code since}: connected now, or disconnected since then. False for the local key.
     */
    public boolean isFullAndSeenSince(Key<K> key, Instant since) {
        int i = bucketIndex(local, key.bytes());
        return i >= 0 && buckets[i] != null && buckets[i].isFullAndSeenSince(since);
    }

    /** Snapshots of all buckets as they are, without applying due pending entries (for tests). */
    List<KBucketView<K, V>> peekBuckets() {
        List<KBucketView<K, V>> out = new ArrayList<>(NUM_BUCKETS);
        for (int i = 0; i < NUM_BUCKETS; i++) {
            out.add(view(i, null));
        }
        return out;
    }

    /** A snapshot of bucket {@code i}, after applying its due pending entry if {@code now} is given. */
    private KBucketView<K, V> view(int i, Instant now) {
        KBucket<K, V> bucket = buckets[i];
        if (bucket == null) {
            return new BucketSnapshot<>(i, List.of(), Optional.empty());
        }
        if (now != null) {
            applyPending(bucket, now);
        }
        return bucket.view();
    }

    /** Removes and returns the oldest not yet reported pending-entry replacement. */
    public Optional<AppliedPending<K, V>> takeAppliedPending() {
        return Optional.ofNullable(applied.pollFirst());
    }

    /**
     * The keys of all entries (not pending ones) in ascending distance to {@code target}, lazily:
     * buckets are visited in the order of their distance to the target and only the entries of
     * the visited buckets are sorted, so taking the first n costs about the buckets visited, not
     * a sort of the table. Due pending entries are not applied (see {@link #closestKeys(KeyBytes,
     * Instant)}).
     *
     * <p>The iterator is fail-fast: it throws {@link ConcurrentModificationException} if the
     * table's entries change while it is in use. It does not support {@code remove()}.
     */
    public Iterator<Key<K>> closestKeys(KeyBytes target) {
        return new ClosestIterator<>(this, target, null, false);
    }

    /**
     * Like {@link #closestKeys(KeyBytes)}, and applies the due pending entry of each bucket as
     * the iterator reaches it (as the reference does), reporting it through {@link
     * #takeAppliedPending()}.
     */
    public Iterator<Key<K>> closestKeys(KeyBytes target, Instant now) {
        return new ClosestIterator<>(this, target, Objects.requireNonNull(now, "now"), false);
    }

    /** Like {@link #closestKeys(KeyBytes)}, with the entries' values and status. */
    public Iterator<EntryView<K, V>> closest(KeyBytes target) {
        return new ClosestIterator<>(this, target, null, true);
    }

    /** Like {@link #closestKeys(KeyBytes, Instant)}, with the entries' values and status. */
    public Iterator<EntryView<K, V>> closest(KeyBytes target, Instant now) {
        return new ClosestIterator<>(this, target, Objects.requireNonNull(now, "now"), true);
    }

    /**
     * The number of entries closer to {@code target} than the local key is, i.e. entries
     * {@code n} with {@code d(n, target) < d(local, target)}; pending entries do not count.
     *
     * <p>An entry {@code n} of bucket {@code i} and the local key differ first at bit {@code i},
     * so {@code d(n, target)} and {@code d(local, target)} do too: {@code n} is the closer one
     * exactly when bit {@code i} of {@code d(local, target)} is set. The count is therefore the
     * total size of the buckets whose index is a set bit of {@code d(local, target)}, found
     * without looking at a single entry. Zero when the target is the local key.
     */
    public int countNodesBetween(KeyBytes target) {
        long[] d = distanceBits(local, target);
        int count = 0;
        for (int w = 0; w < 4; w++) {
            long bits = d[w] & occupied[w];
            while (bits != 0) {
                int i = (w << 6) | Long.numberOfTrailingZeros(bits);
                count += buckets[i].size();
                bits &= bits - 1;
            }
        }
        return count;
    }

    /** The number of entries in all buckets, pending entries excluded. */
    public int size() {
        return size;
    }

    @Override
    public String toString() {
        return "KBucketsTable{local=" + localKey + ", k=" + k + ", size=" + size + "}";
    }

    // ---------------------------------------------------------------- internals

    /** The index of the bucket of {@code key} around {@code local}: the highest set bit of their XOR; -1 if equal. */
    static int bucketIndex(KeyBytes local, KeyBytes key) {
        long x = local.w0 ^ key.w0;
        if (x != 0) {
            return 255 - Long.numberOfLeadingZeros(x);
        }
        x = local.w1 ^ key.w1;
        if (x != 0) {
            return 191 - Long.numberOfLeadingZeros(x);
        }
        x = local.w2 ^ key.w2;
        if (x != 0) {
            return 127 - Long.numberOfLeadingZeros(x);
        }
        x = local.w3 ^ key.w3;
        if (x != 0) {
            return 63 - Long.numberOfLeadingZeros(x);
        }
        return -1;
    }

    /** {@code a XOR b} as four words in bucket order: bit {@code i} at word {@code i >>> 6}, bit {@code i & 63}. */
    static long[] distanceBits(KeyBytes a, KeyBytes b) {
        return new long[] {a.w3 ^ b.w3, a.w2 ^ b.w2, a.w1 ^ b.w1, a.w0 ^ b.w0};
    }

    void applyPending(KBucket<K, V> bucket, Instant now) {
        if (!bucket.hasPending()) {
            return;
        }
        int before = bucket.size();
        AppliedPending<K, V> result = bucket.applyPending(now);
        if (result != null) {
            applied.addLast(result);
            modCount++;
        }
        refresh(bucket, before);
    }

    private void applyAllPending(Instant now) {
        for (int w = 0; w < 4; w++) {
            long bits = withPending[w];
            while (bits != 0) {
                applyPending(buckets[(w << 6) | Long.numberOfTrailingZeros(bits)], now);
                bits &= bits - 1;
            }
        }
    }

    /** Brings the size and the bucket masks up to date after {@code bucket} changed. */
    private void refresh(KBucket<K, V> bucket, int sizeBefore) {
        size += bucket.size() - sizeBefore;
        int w = bucket.index >>> 6;
        long bit = 1L << (bucket.index & 63);
        if (bucket.size() > 0) {
            occupied[w] |= bit;
        } else {
            occupied[w] &= ~bit;
        }
        if (bucket.hasPending()) {
            withPending[w] |= bit;
        } else {
            withPending[w] &= ~bit;
        }
    }

    /** The handle of {@link #entry}: resolves the key's state, caching it until its bucket changes. */
    private final class Handle implements Entry<K, V> {

        private final Key<K> key;
        private final KBucket<K, V> bucket;
        private final Instant now;

        private int seenStamp;
        private Kind kind;
        private int pos;

        Handle(Key<K> key, KBucket<K, V> bucket, Instant now) {
            this.key = key;
            this.bucket = bucket;
            this.now = now;
            if (bucket == null) {
                kind = Kind.SELF;
            } else {
                resolve();
            }
        }

        private Kind resolve() {
            if (bucket != null && (kind == null || seenStamp != bucket.stamp)) {
                KeyBytes kb = key.bytes();
                pos = bucket.position(kb);
                kind = pos >= 0 ? Kind.PRESENT : bucket.isPending(kb) ? Kind.PENDING : Kind.ABSENT;
                seenStamp = bucket.stamp;
            }
            return kind;
        }

        @Override
        public Kind kind() {
            return resolve();
        }

        @Override
        public Key<K> key() {
            return key;
        }

        @Override
        public Optional<NodeStatus> status() {
            return switch (resolve()) {
                case PRESENT -> Optional.of(bucket.status(pos));
                case PENDING -> Optional.of(bucket.pendingStatus());
                default -> Optional.empty();
            };
        }

        @Override
        public Optional<V> value() {
            return switch (resolve()) {
                case PRESENT -> Optional.of(bucket.node(pos).value());
                case PENDING -> Optional.of(bucket.pendingNode().value());
                default -> Optional.empty();
            };
        }

        @Override
        public void setValue(V value) {
            Objects.requireNonNull(value, "value");
            switch (resolve()) {
                case PRESENT -> bucket.setValue(pos, value);
                case PENDING -> bucket.setPendingValue(value);
                default -> throw wrongState("set the value of");
            }
        }

        @Override
        public void update(NodeStatus status) {
            Objects.requireNonNull(status, "status");
            switch (resolve()) {
                case PRESENT -> {
                    int before = bucket.size();
                    bucket.update(pos, status, now);
                    modCount++;
                    refresh(bucket, before);
                }
                case PENDING -> bucket.updatePending(status);
                default -> throw wrongState("update");
            }
        }

        @Override
        public InsertResult<K> insert(V value, NodeStatus status) {
            Objects.requireNonNull(value, "value");
            Objects.requireNonNull(status, "status");
            if (resolve() != Kind.ABSENT) {
                throw wrongState("insert");
            }
            int before = bucket.size();
            InsertResult<K> result = bucket.insert(new Node<>(key, value), status, now);
            if (result instanceof InsertResult.Inserted<K>) {
                modCount++;
            }
            refresh(bucket, before);
            return result;
        }

        @Override
        public EntryView<K, V> remove() {
            int before = bucket == null ? 0 : bucket.size();
            EntryView<K, V> removed = switch (resolve()) {
                case PRESENT -> {
                    modCount++;
                    yield bucket.remove(pos);
                }
                case PENDING -> bucket.removePending();
                default -> throw wrongState("remove");
            };
            refresh(bucket, before);
            return removed;
        }

        @Override
        public Optional<EntryView<K, V>> view() {
            return switch (resolve()) {
                case PRESENT -> Optional.of(new EntryView<>(bucket.node(pos), bucket.status(pos)));
                case PENDING -> Optional.of(new EntryView<>(bucket.pendingNode(), bucket.pendingStatus()));
                default -> Optional.empty();
            };
        }

        private IllegalStateException wrongState(String operation) {
            return new IllegalStateException("cannot " + operation + " the " + kind + " entry " + key);
        }

        @Override
        public String toString() {
            return "Entry{" + key + ", " + resolve() + "}";
        }
    }
}
