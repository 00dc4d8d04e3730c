package io.jkad.routing;

import java.time.Instant;
import java.util.Arrays;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Iterates the entries in ascending distance to a target. For an entry {@code n} of bucket
 * {@code i}, {@code d(n, target) = d(n, local) XOR d(local, target)} agrees with
 * {@code D = d(local, target)} above bit {@code i} and differs from it at bit {@code i}. So
 * of two buckets {@code i > j}, bucket {@code i} holds the closer entries iff bit {@code i}
 * of {@code D} is set. The order of the buckets is therefore: the indices of the set bits of
 * {@code D} descending ("zooming in"), then the indices of its clear bits ascending ("zooming
 * out"). Empty buckets are skipped through the occupancy mask; only the entries of the bucket
 * being visited are sorted. (Split from {@link KBucketsTable}, whose masks and buckets it reads.)
 */
final class ClosestIterator<K, V, T> implements Iterator<T> {

    private final KBucketsTable<K, V> table;

    /** The target's words, most significant first. */
    private final long[] target;
    private final long[] d;
    private final Instant now;
    private final boolean views;

    /** 0: zooming in (set bits of d, descending); 1: zooming out (clear bits, ascending); 2: done. */
    private int phase;
    /** Zooming in: the next index is below it. Zooming out: the next index is at or above it. */
    private int cursor = KBucketsTable.NUM_BUCKETS;

    @SuppressWarnings("unchecked")
    private Node<K, V>[] buf = (Node<K, V>[]) new Node<?, ?>[0];
    private boolean[] bufConnected = new boolean[0];
    private long[] bufPacked = new long[0];
    private int bufPos;
    private int bufLen;
    private int expectedModCount;

    ClosestIterator(KBucketsTable<K, V> table, KeyBytes target, Instant now, boolean views) {
        this.table = table;
        this.target = new long[] {target.w0, target.w1, target.w2, target.w3};
        this.d = KBucketsTable.distanceBits(table.local, target);
        this.now = now;
        this.views = views;
        this.expectedModCount = table.modCount;
    }

    @Override
    public boolean hasNext() {
        checkForComodification();
        while (bufPos == bufLen) {
            int i = nextBucket();
            if (i < 0) {
                return false;
            }
            load(table.buckets[i]);
        }
        return true;
    }

    @Override
    @SuppressWarnings("unchecked")
    public T next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        int p = bufPos++;
        Node<K, V> node = buf[p];
        buf[p] = null;
        if (views) {
            return (T) new EntryView<>(node, bufConnected[p] ? NodeStatus.CONNECTED : NodeStatus.DISCONNECTED);
        }
        return (T) node.key();
    }

    private void checkForComodification() {
        if (table.modCount != expectedModCount) {
            throw new ConcurrentModificationException("the routing table changed during iteration");
        }
    }

    private long candidates(int w) {
        long m = table.occupied[w];
        if (now != null) {
            m |= table.withPending[w];
        }
        return m;
    }

    /** The index of the next bucket worth visiting, or -1 when all have been. */
    private int nextBucket() {
        if (phase == 0) {
            // Highest index below cursor whose bit in d is set and whose bucket may hold entries.
            for (int w = (cursor - 1) >> 6; w >= 0; w--) {
                long bits = d[w] & candidates(w);
                int top = cursor - (w << 6); // bits at positions >= top are already visited
                if (top < 64) {
                    bits &= (1L << top) - 1;
                }
                if (bits != 0) {
                    cursor = (w << 6) | (63 - Long.numberOfLeadingZeros(bits));
                    return cursor;
                }
            }
            phase = 1;
            cursor = 0;
        }
        if (phase == 1) {
            for (int w = cursor >> 6; w < 4; w++) {
                long bits = ~d[w] & candidates(w);
                int low = cursor - (w << 6); // bits below low are already visited
                if (low > 0) {
                    bits &= -1L << low;
                }
                if (bits != 0) {
                    int i = (w << 6) | Long.numberOfTrailingZeros(bits);
                    cursor = i + 1;
                    return i;
                }
            }
            phase = 2;
        }
        return -1;
    }

    /**
     * Copies the entries of {@code bucket} into the buffer, sorted by distance to the target.
     *
     * <p>The distances of the entries of bucket {@code i} to the target all agree above bit
     * {@code i}, and at bit {@code i} too, so they are ordered by their bits {@code i - 1}
     * down to {@code i - 63}. Each entry becomes one long: those bits, with the entry's slot
     * in the lowest {@code s} bits (enough for the bucket's size), sorted as primitives. Two
     * entries whose distances agree on all the bits kept (a chance of about 2^-57 for random
     * keys) are then put in order by comparing their whole distances.
     */
    private void load(KBucket<K, V> bucket) {
        if (now != null && bucket.hasPending()) {
            table.applyPending(bucket, now);
            expectedModCount = table.modCount;
        }
        int n = bucket.size();
        if (buf.length < n) {
            buf = Arrays.copyOf(buf, n);
            bufConnected = new boolean[n];
            bufPacked = new long[n];
        }
        long[] w = bucket.words;
        int f = 3 - (bucket.index >>> 6); // the word holding bit i
        int b = bucket.index & 63;        // bit i's position in it
        long tf = target[f];
        boolean spill = f < 3 && b < 63;  // bits below i continue in the next word
        long tn = spill ? target[f + 1] : 0;
        int slotBits = 32 - Integer.numberOfLeadingZeros(Math.max(n - 1, 1));
        long slotMask = (1L << slotBits) - 1;
        long[] packed = bufPacked;
        for (int s = 0; s < n; s++) {
            int j = 4 * s;
            // Bits i-1 .. i-64 of the distance, left-aligned (bit i itself is shifted out).
            long x = b == 0 ? 0 : (w[j + f] ^ tf) << (64 - b);
            if (spill) {
                x |= (w[j + f + 1] ^ tn) >>> b;
            }
            // Flip the sign bit so that the signed sort orders the bits as unsigned.
            packed[s] = ((x & ~slotMask) | s) ^ Long.MIN_VALUE;
        }
        Arrays.sort(packed, 0, n);
        for (int p = 1; p < n; p++) {
            if ((packed[p] & ~slotMask) == (packed[p - 1] & ~slotMask)) {
                fixTies(w, packed, p, slotMask);
            }
        }
        int firstConnected = bucket.firstConnected();
        for (int p = 0; p < n; p++) {
            int slot = (int) (packed[p] & slotMask);
            buf[p] = bucket.node(slot);
            bufConnected[p] = slot >= firstConnected;
        }
        bufPos = 0;
        bufLen = n;
    }

    /** Moves {@code packed[p]} back among the earlier entries with the same kept bits, by whole distance. */
    private void fixTies(long[] w, long[] packed, int p, long slotMask) {
        long v = packed[p];
        int q = p;
        while (q > 0 && (packed[q - 1] & ~slotMask) == (v & ~slotMask)
                && compareSlots(w, (int) (packed[q - 1] & slotMask), (int) (v & slotMask)) > 0) {
            packed[q] = packed[q - 1];
            q--;
        }
        packed[q] = v;
    }

    /** Compares the distances to the target of the entries in slots {@code a} and {@code b}. */
    private int compareSlots(long[] w, int a, int b) {
        for (int q = 0; q < 4; q++) {
            long da = w[4 * a + q] ^ target[q];
            long db = w[4 * b + q] ^ target[q];
            if (da != db) {
                return Long.compareUnsigned(da, db);
            }
        }
        return 0;
    }
}
