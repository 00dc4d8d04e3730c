package io.jkad.routing;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * One k-bucket: at most {@code k} nodes ordered from least to most recently (dis)connected, the
 * disconnected ones (positions {@code [0, firstConnected)}) before the connected ones (positions
 * {@code [firstConnected, size)}), plus at most one pending node waiting for a slot.
 *
 * <p>Besides the nodes, the bucket keeps their key digests as a flat array of words (four per
 * node, most significant first) so that lookups and distance sorts scan contiguous memory.
 * Storage grows on demand up to {@code k}: most buckets of a table stay empty.
 *
 * <p>Keys are not checked for uniqueness here; the table guarantees it (a key has exactly one
 * bucket, and its {@link Entry} inserts only absent keys).
 */
final class KBucket<K, V> {

    private static final Node<?, ?>[] NO_NODES = new Node<?, ?>[0];
    private static final long[] NO_WORDS = new long[0];
    private static final Instant[] NO_INSTANTS = new Instant[0];

    final int index;
    private final int capacity;
    private final Duration pendingTimeout;
    /** How long the bucket takes no pending node once its least recently connected one proved alive; zero: no such wait. */
    private final Duration recheckDelay;

    private Node<K, V>[] nodes;
    /**
     * When {@code nodes[i]} was last seen connected, for disconnected nodes: the moment its last
     * connection closed; null for one that entered the bucket disconnected. Connected nodes are
     * seen now, so their slot is not read.
     */
    private Instant[] lastSeen;
    /** The key digest words of {@code nodes[i]} at {@code words[4i .. 4i+3]}. */
    long[] words;
    private int size;
    /** Position of the first connected node; {@code size} when none is connected. */
    private int firstConnected;

    private Node<K, V> pending;
    private NodeStatus pendingStatus;
    private Instant pendingReplaceAt;
    /** Until when a full bucket takes no pending node (null: it may). */
    private Instant quietUntil;

    /** Incremented on every change of the entries or the pending node; lets handles cache positions. */
    int stamp;

    @SuppressWarnings("unchecked")
    KBucket(int index, int capacity, Duration pendingTimeout, Duration recheckDelay) {
        this.index = index;
        this.capacity = capacity;
        this.pendingTimeout = pendingTimeout;
        this.recheckDelay = recheckDelay;
        this.nodes = (Node<K, V>[]) NO_NODES;
        this.lastSeen = NO_INSTANTS;
        this.words = NO_WORDS;
    }

    int size() {
        return size;
    }

    boolean isFull() {
        return size == capacity;
    }

    /**
     * Whether the bucket is full of nodes each seen connected at or after {@code since}: the
     * connected ones, and the disconnected ones whose last connection closed since then.
     */
    boolean isFullAndSeenSince(Instant since) {
        if (size < capacity) {
            return false;
        }
        for (int i = 0; i < firstConnected; i++) {
            if (lastSeen[i] == null || lastSeen[i].isBefore(since)) {
                return false;
            }
        }
        return true;
    }

    int firstConnected() {
        return firstConnected;
    }

    Node<K, V> node(int pos) {
        return nodes[pos];
    }

    NodeStatus status(int pos) {
        return pos >= firstConnected ? NodeStatus.CONNECTED : NodeStatus.DISCONNECTED;
    }

    /** The position of the node whose key digest is {@code kb}, or -1. */
    int position(KeyBytes kb) {
        long a = kb.w0;
        long b = kb.w1;
        long c = kb.w2;
        long d = kb.w3;
        long[] w = words;
        for (int i = 0, j = 0; i < size; i++, j += 4) {
            if (w[j] == a && w[j + 1] == b && w[j + 2] == c && w[j + 3] == d) {
                return i;
            }
        }
        return -1;
    }

    void setValue(int pos, V value) {
        nodes[pos] = new Node<>(nodes[pos].key(), value);
        stamp++;
    }

    // ---------------------------------------------------------------- pending node

    boolean hasPending() {
        return pending != null;
    }

    boolean isPending(KeyBytes kb) {
        return pending != null && pending.key().bytes().equals(kb);
    }

    Node<K, V> pendingNode() {
        return pending;
    }

    NodeStatus pendingStatus() {
        return pendingStatus;
    }

    Instant pendingReplaceAt() {
        return pendingReplaceAt;
    }

    void setPendingValue(V value) {
        pending = new Node<>(pending.key(), value);
        stamp++;
    }

    void updatePending(NodeStatus status) {
        pendingStatus = status;
        stamp++;
    }

    /** Drops the pending node and returns it with its status. */
    EntryView<K, V> removePending() {
        EntryView<K, V> view = new EntryView<>(pending, pendingStatus);
        clearPending();
        return view;
    }

    private void clearPending() {
        pending = null;
        pendingStatus = null;
        pendingReplaceAt = null;
        stamp++;
    }

    /**
     * Inserts the pending node if it is due at {@code now}: into a free slot if there is one;
     * otherwise in place of the least recently connected node, provided that node is
     * disconnected (if it is connected, the whole bucket is, and the pending node is dropped).
     *
     * @return the applied replacement, or {@code null} when the nodes did not change
     */
    AppliedPending<K, V> applyPending(Instant now) {
        if (pending == null || now.isBefore(pendingReplaceAt)) {
            return null;
        }
        Node<K, V> node = pending;
        NodeStatus status = pendingStatus;
        clearPending();
        if (size < capacity) {
            insertNode(node, status, seenOnEntry(status, now));
            return new AppliedPending<>(node, Optional.empty());
        }
        if (firstConnected == 0) {
            // Full of connected nodes: nobody to evict.
            return null;
        }
        Node<K, V> evicted = removeAt(0);
        insertNode(node, status, seenOnEntry(status, now));
        return new AppliedPending<>(node, Optional.of(evicted));
    }

    // ---------------------------------------------------------------- entries

    /**
     * Inserts a node that is neither present nor pending.
     *
     * <ul>
     *   <li>Connected: appended as the most recently connected node when there is room. In a
     *       full bucket it becomes the pending node, replacing the least recently connected node
     *       at {@code now + pendingTimeout}, unless the bucket already has a pending node,
     *       all its nodes are connected, or its least recently connected node proved alive less
     *       than the recheck delay ago ({@code Full}).
     *   <li>Disconnected: placed after the other disconnected nodes when there is room;
     *       {@code Full} otherwise.
     * </ul>
     */
    InsertResult<K> insert(Node<K, V> node, NodeStatus status, Instant now) {
        if (size == capacity) {
            if (status == NodeStatus.DISCONNECTED || firstConnected == 0 || pending != null
                    || (quietUntil != null && now.isBefore(quietUntil))) {
                return new InsertResult.Full<>();
            }
            pending = node;
            pendingStatus = NodeStatus.CONNECTED;
            pendingReplaceAt = now.plus(pendingTimeout);
            stamp++;
            return new InsertResult.Pending<>(nodes[0].key());
        }
        insertNode(node, status, seenOnEntry(status, now));
        return new InsertResult.Inserted<>();
    }

    /**
     * Moves the node at {@code pos} to the end of the section of {@code status}: it becomes the
     * most recently connected or disconnected node. When the least recently connected node
     * (position 0) reports being connected, the pending node, which was waiting to replace it,
     * is dropped, and the bucket takes no other pending node for the recheck delay: the node that
     * just proved alive is not checked again at once for each new peer.
     */
    void update(int pos, NodeStatus status, Instant now) {
        Node<K, V> node = removeAt(pos);
        if (pos == 0 && status == NodeStatus.CONNECTED && pending != null) {
            clearPending();
            if (!recheckDelay.isZero()) {
                quietUntil = now.plus(recheckDelay);
            }
        }
        insertNode(node, status, now);
    }

    /** Removes the node at {@code pos} and returns it with the status it had. */
    EntryView<K, V> remove(int pos) {
        NodeStatus status = status(pos);
        return new EntryView<>(removeAt(pos), status);
    }

    /** When a node entering the bucket at {@code now} was last seen connected: now if it is, never (null) if not. */
    private static Instant seenOnEntry(NodeStatus status, Instant now) {
        return status == NodeStatus.CONNECTED ? now : null;
    }

    /**
     * Inserts into a bucket with room: connected at the end, disconnected before the connected
     * ones; {@code seen} is when it was last seen connected (null: never).
     */
    private void insertNode(Node<K, V> node, NodeStatus status, Instant seen) {
        if (status == NodeStatus.CONNECTED) {
            insertAt(size, node, seen);
        } else {
            insertAt(firstConnected, node, seen);
            firstConnected++;
        }
    }

    /** Inserts at {@code pos}, shifting later nodes up; leaves {@code firstConnected} as it was. */
    private void insertAt(int pos, Node<K, V> node, Instant seen) {
        if (size == nodes.length) {
            grow();
        }
        int tail = size - pos;
        if (tail > 0) {
            System.arraycopy(nodes, pos, nodes, pos + 1, tail);
            System.arraycopy(lastSeen, pos, lastSeen, pos + 1, tail);
            System.arraycopy(words, 4 * pos, words, 4 * pos + 4, 4 * tail);
        }
        nodes[pos] = node;
        lastSeen[pos] = seen;
        KeyBytes kb = node.key().bytes();
        int j = 4 * pos;
        words[j] = kb.w0;
        words[j + 1] = kb.w1;
        words[j + 2] = kb.w2;
        words[j + 3] = kb.w3;
        size++;
        stamp++;
    }

    /** Removes the node at {@code pos}, keeping {@code firstConnected} on the same node or section. */
    private Node<K, V> removeAt(int pos) {
        Node<K, V> node = nodes[pos];
        int tail = size - pos - 1;
        if (tail > 0) {
            System.arraycopy(nodes, pos + 1, nodes, pos, tail);
            System.arraycopy(lastSeen, pos + 1, lastSeen, pos, tail);
            System.arraycopy(words, 4 * pos + 4, words, 4 * pos, 4 * tail);
        }
        size--;
        nodes[size] = null;
        lastSeen[size] = null;
        if (pos < firstConnected) {
            firstConnected--;
        }
        // A removed connected node leaves firstConnected in place: either the next connected
        // node shifted into it, or it now equals size (no connected node left).
        stamp++;
        return node;
    }

    private void grow() {
        int newLength = Math.min(capacity, Math.max(4, nodes.length * 2));
        nodes = Arrays.copyOf(nodes, newLength);
        lastSeen = Arrays.copyOf(lastSeen, newLength);
        words = Arrays.copyOf(words, 4 * newLength);
    }

    // ---------------------------------------------------------------- snapshots

    List<EntryView<K, V>> entryViews() {
        if (size == 0) {
            return List.of();
        }
        List<EntryView<K, V>> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            out.add(new EntryView<>(nodes[i], status(i)));
        }
        return Collections.unmodifiableList(out);
    }

    KBucketView<K, V> view() {
        Optional<KBucketView.PendingView<K, V>> pendingView = pending == null
                ? Optional.empty()
                : Optional.of(new KBucketView.PendingView<>(new EntryView<>(pending, pendingStatus),
                        pendingReplaceAt));
        return new BucketSnapshot<>(index, entryViews(), pendingView);
    }
}
