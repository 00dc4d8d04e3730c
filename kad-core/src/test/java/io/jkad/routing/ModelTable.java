package io.jkad.routing;

import static io.jkad.routing.NodeStatus.CONNECTED;
import static io.jkad.routing.NodeStatus.DISCONNECTED;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * A deliberately naive routing table for model-based tests: per bucket, two plain lists
 * (disconnected, connected) in recency order and an optional pending entry, following the
 * reference's rules one by one, with no position arithmetic and no masks.
 */
final class ModelTable<K, V> {

    static final class Bucket<K, V> {
        final List<Node<K, V>> disconnected = new ArrayList<>();
        final List<Node<K, V>> connected = new ArrayList<>();
        Node<K, V> pending;
        NodeStatus pendingStatus;
        Instant replaceAt;

        int size() {
            return disconnected.size() + connected.size();
        }

        /** The entries in bucket order: disconnected first. */
        List<EntryView<K, V>> entries() {
            List<EntryView<K, V>> out = new ArrayList<>();
            disconnected.forEach(n -> out.add(new EntryView<>(n, DISCONNECTED)));
            connected.forEach(n -> out.add(new EntryView<>(n, CONNECTED)));
            return out;
        }

        Node<K, V> first() {
            return disconnected.isEmpty() ? connected.get(0) : disconnected.get(0);
        }

        int indexIn(List<Node<K, V>> list, Key<K> key) {
            for (int i = 0; i < list.size(); i++) {
                if (list.get(i).key().equals(key)) {
                    return i;
                }
            }
            return -1;
        }

        Optional<EntryView<K, V>> find(Key<K> key) {
            return entries().stream().filter(e -> e.node().key().equals(key)).findFirst();
        }
    }

    final Key<K> local;
    final int k;
    final Duration timeout;
    final List<Bucket<K, V>> buckets = new ArrayList<>();
    final Deque<AppliedPending<K, V>> applied = new ArrayDeque<>();

    ModelTable(Key<K> local, int k, Duration timeout) {
        this.local = local;
        this.k = k;
        this.timeout = timeout;
        for (int i = 0; i < 256; i++) {
            buckets.add(new Bucket<>());
        }
    }

    int index(Key<K> key) {
        return local.distance(key).bucketIndex();
    }

    Entry.Kind kind(Key<K> key) {
        int i = index(key);
        if (i < 0) {
            return Entry.Kind.SELF;
        }
        Bucket<K, V> b = buckets.get(i);
        if (b.find(key).isPresent()) {
            return Entry.Kind.PRESENT;
        }
        return b.pending != null && b.pending.key().equals(key) ? Entry.Kind.PENDING : Entry.Kind.ABSENT;
    }

    void applyPending(int i, Instant now) {
        Bucket<K, V> b = buckets.get(i);
        if (b.pending == null || now.isBefore(b.replaceAt)) {
            return;
        }
        Node<K, V> p = b.pending;
        NodeStatus s = b.pendingStatus;
        b.pending = null;
        b.pendingStatus = null;
        b.replaceAt = null;
        if (b.size() < k) {
            (s == CONNECTED ? b.connected : b.disconnected).add(p);
            applied.add(new AppliedPending<>(p, Optional.empty()));
        } else if (!b.disconnected.isEmpty()) {
            Node<K, V> evicted = b.disconnected.remove(0);
            (s == CONNECTED ? b.connected : b.disconnected).add(p);
            applied.add(new AppliedPending<>(p, Optional.of(evicted)));
        } // else: full of connected entries, the pending entry is dropped
    }

    void applyAll(Instant now) {
        for (int i = 0; i < 256; i++) {
            applyPending(i, now);
        }
    }

    /** The order in which a closest-iterator visits the buckets: by the distance of a representative key. */
    List<Integer> bucketOrder(KeyBytes target) {
        KeyBytes l = local.bytes();
        return IntStream.range(0, 256).boxed()
                .sorted(Comparator.comparing((Integer i) -> TestKeys.at(l, bit(i)).distance(target)))
                .toList();
    }

    static Distance bit(int i) {
        long[] w = new long[4];
        w[3 - (i >>> 6)] = 1L << (i & 63);
        return new Distance(w[0], w[1], w[2], w[3]);
    }

    InsertResult<K> insert(Key<K> key, V value, NodeStatus status, Instant now) {
        Bucket<K, V> b = buckets.get(index(key));
        Node<K, V> node = new Node<>(key, value);
        if (b.size() == k) {
            if (status == DISCONNECTED || b.disconnected.isEmpty() || b.pending != null) {
                return new InsertResult.Full<>();
            }
            b.pending = node;
            b.pendingStatus = CONNECTED;
            b.replaceAt = now.plus(timeout);
            return new InsertResult.Pending<>(b.first().key());
        }
        (status == CONNECTED ? b.connected : b.disconnected).add(node);
        return new InsertResult.Inserted<>();
    }

    void update(Key<K> key, NodeStatus status) {
        Bucket<K, V> b = buckets.get(index(key));
        if (b.pending != null && b.pending.key().equals(key)) {
            b.pendingStatus = status;
            return;
        }
        boolean wasFirst = b.first().key().equals(key);
        Node<K, V> node = remove(b, key);
        if (wasFirst && status == CONNECTED) {
            b.pending = null;
            b.pendingStatus = null;
            b.replaceAt = null;
        }
        (status == CONNECTED ? b.connected : b.disconnected).add(node);
    }

    void setValue(Key<K> key, V value) {
        Bucket<K, V> b = buckets.get(index(key));
        if (b.pending != null && b.pending.key().equals(key)) {
            b.pending = new Node<>(key, value);
            return;
        }
        for (List<Node<K, V>> list : List.of(b.disconnected, b.connected)) {
            int i = b.indexIn(list, key);
            if (i >= 0) {
                list.set(i, new Node<>(key, value));
            }
        }
    }

    EntryView<K, V> remove(Key<K> key) {
        Bucket<K, V> b = buckets.get(index(key));
        if (b.pending != null && b.pending.key().equals(key)) {
            EntryView<K, V> v = new EntryView<>(b.pending, b.pendingStatus);
            b.pending = null;
            b.pendingStatus = null;
            b.replaceAt = null;
            return v;
        }
        NodeStatus status = b.indexIn(b.connected, key) >= 0 ? CONNECTED : DISCONNECTED;
        return new EntryView<>(remove(b, key), status);
    }

    private Node<K, V> remove(Bucket<K, V> b, Key<K> key) {
        int i = b.indexIn(b.disconnected, key);
        if (i >= 0) {
            return b.disconnected.remove(i);
        }
        return b.connected.remove(b.indexIn(b.connected, key));
    }

    Optional<EntryView<K, V>> view(Key<K> key) {
        int i = index(key);
        if (i < 0) {
            return Optional.empty();
        }
        Bucket<K, V> b = buckets.get(i);
        if (b.pending != null && b.pending.key().equals(key)) {
            return Optional.of(new EntryView<>(b.pending, b.pendingStatus));
        }
        return b.find(key);
    }

    List<EntryView<K, V>> allEntries() {
        List<EntryView<K, V>> out = new ArrayList<>();
        buckets.forEach(b -> out.addAll(b.entries()));
        return out;
    }
}
