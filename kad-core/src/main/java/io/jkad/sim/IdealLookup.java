package io.jkad.sim;

import io.jkad.identity.PeerId;
import io.jkad.routing.Key;
import io.jkad.routing.KeyBytes;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The ideal model of a lookup, to measure real lookups against: every node has a perfect routing
 * table (each k-bucket holds k of the nodes whose distance falls in it, all of them when fewer; which
 * k is a fixed pseudo-random choice), every request is answered, and the lookup goes in rounds:
 * each round asks the α closest peers not asked yet, all answer with the k closest to the target
 * in their tables, and the lookup is done when the k closest peers known have all answered. Its
 * messages per lookup are the least an iteration of this kind needs; a real lookup needs more for
 * stale tables, lost messages and the peers its strategy asks beyond that.
 *
 * <p>Tables are built on first use and kept (about k·log2(N/k) entries per node asked).
 */
public final class IdealLookup {
    private final List<PeerId> nodes;
    /** Node {@code i}'s key digest at {@code words[4i .. 4i+3]}, most significant word first. */
    private final long[] words;
    private final Map<PeerId, Integer> index = new HashMap<>();
    private final int k;
    private final int alpha;
    private final Map<Integer, int[]> tables = new HashMap<>();

    /** A model over {@code nodes} (the live ones), with {@code k} and {@code alpha}. */
    public IdealLookup(List<PeerId> nodes, int k, int alpha) {
        this.nodes = List.copyOf(nodes);
        this.k = k;
        this.alpha = alpha;
        this.words = new long[4 * this.nodes.size()];
        for (int i = 0; i < this.nodes.size(); i++) {
            ByteBuffer b = ByteBuffer.wrap(Key.of(this.nodes.get(i)).bytes().toByteArray());
            for (int w = 0; w < 4; w++) {
                words[4 * i + w] = b.getLong();
            }
            index.put(this.nodes.get(i), i);
        }
    }

    /** The result of one ideal lookup: the requests it sent and its rounds. */
    public record Outcome(int messages, int rounds) {}

    /**
     * Runs the ideal lookup of {@code target} from {@code source}.
     *
     * @throws IllegalArgumentException if {@code source} is not one of the model's nodes
     */
    public Outcome lookup(PeerId source, KeyBytes target) {
        Integer from = index.get(source);
        if (from == null) {
            throw new IllegalArgumentException("not a node of the model: " + source);
        }
        long[] t = words(target);
        Comparator<Integer> byDistance = (a, b) -> compareDistance(a, b, t);
        List<Integer> known = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        Set<Integer> asked = new HashSet<>();
        seen.add(from);
        for (int p : closestInTable(from, t)) {
            if (seen.add(p)) {
                known.add(p);
            }
        }
        known.sort(byDistance);
        int messages = 0;
        int rounds = 0;
        while (true) {
            List<Integer> round = new ArrayList<>(alpha);
            boolean done = true;
            for (int i = 0; i < Math.min(k, known.size()); i++) {
                if (!asked.contains(known.get(i))) {
                    done = false;
                    break;
                }
            }
            if (done) {
                return new Outcome(messages, rounds);
            }
            for (int p : known) {
                if (round.size() == alpha) {
                    break;
                }
                if (!asked.contains(p)) {
                    round.add(p);
                }
            }
            rounds++;
            for (int p : round) {
                asked.add(p);
                messages++;
                for (int q : closestInTable(p, t)) {
                    if (seen.add(q)) {
                        known.add(q);
                    }
                }
            }
            known.sort(byDistance);
        }
    }

    private static long[] words(KeyBytes key) {
        ByteBuffer b = ByteBuffer.wrap(key.toByteArray());
        return new long[] {b.getLong(), b.getLong(), b.getLong(), b.getLong()};
    }

    /** Compares the distances of nodes {@code a} and {@code b} to the target words {@code t}. */
    private int compareDistance(int a, int b, long[] t) {
        for (int w = 0; w < 4; w++) {
            long da = words[4 * a + w] ^ t[w];
            long db = words[4 * b + w] ^ t[w];
            if (da != db) {
                return Long.compareUnsigned(da, db);
            }
        }
        return 0;
    }

    /** The k nodes of {@code node}'s perfect table closest to {@code target}. */
    private List<Integer> closestInTable(int node, long[] target) {
        int[] table = tables.computeIfAbsent(node, this::table);
        List<Integer> entries = new ArrayList<>(table.length);
        for (int e : table) {
            entries.add(e);
        }
        entries.sort((a, b) -> compareDistance(a, b, target));
        return entries.subList(0, Math.min(k, entries.size()));
    }

    /** The bucket of node {@code j} around node {@code i}: the highest set bit of their keys' XOR; -1 if equal. */
    private int bucketIndex(int i, int j) {
        for (int w = 0; w < 4; w++) {
            long x = words[4 * i + w] ^ words[4 * j + w];
            if (x != 0) {
                return 255 - 64 * w - Long.numberOfLeadingZeros(x);
            }
        }
        return -1;
    }

    /**
     * A perfect table of {@code node}: per bucket, the k members of least {@link #rank} (ties, which
     * a 64-bit hash all but never has, to the lower index). Each bucket keeps its k best in a
     * bounded max-heap, so a table costs one pass over the nodes rather than a sort of each bucket.
     */
    private int[] table(int node) {
        int n = nodes.size();
        // per bucket, a max-heap of its best members so far: ranks and indices, k slots each
        long[][] heapRank = new long[256][];
        int[][] heapIndex = new int[256][];
        int[] heapSize = new int[256];
        for (int i = 0; i < n; i++) {
            if (i == node) {
                continue;
            }
            int b = bucketIndex(node, i);
            if (heapRank[b] == null) {
                heapRank[b] = new long[k];
                heapIndex[b] = new int[k];
            }
            long r = rank(node, i);
            long[] hr = heapRank[b];
            int[] hi = heapIndex[b];
            int size = heapSize[b];
            if (size < k) {
                // sift up
                int c = size;
                while (c > 0) {
                    int parent = (c - 1) >>> 1;
                    if (!worse(r, i, hr[parent], hi[parent])) {
                        break;
                    }
                    hr[c] = hr[parent];
                    hi[c] = hi[parent];
                    c = parent;
                }
                hr[c] = r;
                hi[c] = i;
                heapSize[b] = size + 1;
            } else if (worse(hr[0], hi[0], r, i)) {
                // replace the worst, then sift down
                int c = 0;
                while (true) {
                    int l = 2 * c + 1;
                    if (l >= size) {
                        break;
                    }
                    int m = l + 1 < size && worse(hr[l + 1], hi[l + 1], hr[l], hi[l]) ? l + 1 : l;
                    if (!worse(hr[m], hi[m], r, i)) {
                        break;
                    }
                    hr[c] = hr[m];
                    hi[c] = hi[m];
                    c = m;
                }
                hr[c] = r;
                hi[c] = i;
            }
        }
        int total = 0;
        for (int b = 0; b < 256; b++) {
            total += heapSize[b];
        }
        int[] out = new int[total];
        int o = 0;
        for (int b = 0; b < 256; b++) {
            for (int j = 0; j < heapSize[b]; j++) {
                out[o++] = heapIndex[b][j];
            }
        }
        return out;
    }

    /** Whether member {@code (r1, i1)} comes after {@code (r2, i2)} in a bucket's order (rank, then index). */
    private static boolean worse(long r1, int i1, long r2, int i2) {
        return r1 > r2 || (r1 == r2 && i1 > i2);
    }

    /** A fixed pseudo-random order of the nodes a node's full buckets keep. */
    private static long rank(int node, int member) {
        long z = ((long) node << 32) ^ member ^ 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
