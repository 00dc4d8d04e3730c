package io.jkad.sim;

import io.jkad.identity.PeerId;
import io.jkad.routing.Key;
import io.jkad.routing.KeyBytes;
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
    private final List<KeyBytes> keys;
    private final Map<PeerId, Integer> index = new HashMap<>();
    private final int k;
    private final int alpha;
    private final Map<Integer, int[]> tables = new HashMap<>();

    /** A model over {@code nodes} (the live ones), with {@code k} and {@code alpha}. */
    public IdealLookup(List<PeerId> nodes, int k, int alpha) {
        this.nodes = List.copyOf(nodes);
        this.k = k;
        this.alpha = alpha;
        this.keys = new ArrayList<>(nodes.size());
        for (int i = 0; i < this.nodes.size(); i++) {
            keys.add(Key.of(this.nodes.get(i)).bytes());
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
        Comparator<Integer> byDistance = Comparator.comparing(i -> keys.get(i).distance(target));
        List<Integer> known = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        Set<Integer> asked = new HashSet<>();
        seen.add(from);
        for (int p : closestInTable(from, target)) {
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
                for (int q : closestInTable(p, target)) {
                    if (seen.add(q)) {
                        known.add(q);
                    }
                }
            }
            known.sort(byDistance);
        }
    }

    /** The k nodes of {@code node}'s perfect table closest to {@code target}. */
    private List<Integer> closestInTable(int node, KeyBytes target) {
        int[] table = tables.computeIfAbsent(node, this::table);
        List<Integer> entries = new ArrayList<>(table.length);
        for (int e : table) {
            entries.add(e);
        }
        entries.sort(Comparator.comparing(i -> keys.get(i).distance(target)));
        return entries.subList(0, Math.min(k, entries.size()));
    }

    /** A perfect table of {@code node}: per bucket, the k members of least {@link #rank}. */
    private int[] table(int node) {
        Map<Integer, List<Integer>> buckets = new HashMap<>();
        KeyBytes own = keys.get(node);
        for (int i = 0; i < keys.size(); i++) {
            if (i != node) {
                buckets.computeIfAbsent(own.distance(keys.get(i)).bucketIndex(), b -> new ArrayList<>()).add(i);
            }
        }
        List<Integer> out = new ArrayList<>();
        for (List<Integer> members : buckets.values()) {
            if (members.size() > k) {
                members.sort(Comparator.comparingLong(m -> rank(node, m)));
                out.addAll(members.subList(0, k));
            } else {
                out.addAll(members);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** A fixed pseudo-random order of the nodes a node's full buckets keep. */
    private static long rank(int node, int member) {
        long z = ((long) node << 32) ^ member ^ 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
