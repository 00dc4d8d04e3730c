package io.jkad.query;

import io.jkad.identity.PeerId;
import io.jkad.routing.Distance;
import io.jkad.routing.Key;
import io.jkad.routing.KeyBytes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A network of random peers whose routing tables are full Kademlia tables: for every node and
 * every bucket (distance range [2^i, 2^(i+1))), the node knows all peers of that bucket when
 * there are at most {@code bucketSize} of them, and {@code bucketSize} of them picked at random
 * otherwise. A node asked about a target answers with the {@code responseSize} peers of its table
 * closest to the target. An oracle knows every node.
 *
 * <p>With such tables an iterative lookup that lets the {@code numResults} (at most
 * {@code responseSize}) closest peers it knows of all answer has found exactly the
 * {@code numResults} closest nodes of the network. Sketch: suppose a true closest node t is
 * unknown at the end, and take the final closest set S. Let s in S be closest to t (in XOR) and b
 * the bucket of t in s's table. If that bucket is complete, s knows t and, t being among the
 * numResults closest of the whole network, returned it. Otherwise s knows bucketSize other peers
 * of that bucket, which agree with t on every bit from b up; s returned either one of them or
 * responseSize peers closer to the target than all of them. Either way a returned peer, or a
 * member of S lying between it and t in distance to the target, agrees with t from bit b up, so
 * is closer to t than s: a contradiction with the choice of s, or with S being the closest known.
 */
final class SyntheticNetwork {

    final int responseSize;
    final List<PeerId> ids;
    private final KeyBytes[] keys;
    private final Map<PeerId, Integer> indexOf;
    private final int[][] tables;

    SyntheticNetwork(Random random, int size, int bucketSize, int responseSize) {
        this.responseSize = responseSize;
        List<PeerId> peers = new ArrayList<>(size);
        this.keys = new KeyBytes[size];
        this.indexOf = new HashMap<>();
        for (int i = 0; i < size; i++) {
            PeerId id = PeerId.random(random);
            peers.add(id);
            keys[i] = Key.of(id).bytes();
            indexOf.put(id, i);
        }
        this.ids = List.copyOf(peers);
        this.tables = new int[size][];
        for (int i = 0; i < size; i++) {
            @SuppressWarnings("unchecked")
            List<Integer>[] buckets = new List[256];
            for (int j = 0; j < size; j++) {
                if (j != i) {
                    int b = keys[i].distance(keys[j]).bucketIndex();
                    if (buckets[b] == null) {
                        buckets[b] = new ArrayList<>();
                    }
                    buckets[b].add(j);
                }
            }
            List<Integer> table = new ArrayList<>();
            for (List<Integer> bucket : buckets) {
                if (bucket == null) {
                    continue;
                }
                if (bucket.size() > bucketSize) {
                    Collections.shuffle(bucket, random);
                    table.addAll(bucket.subList(0, bucketSize));
                } else {
                    table.addAll(bucket);
                }
            }
            tables[i] = table.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    int size() {
        return ids.size();
    }

    boolean contains(PeerId peer) {
        return indexOf.containsKey(peer);
    }

    Distance distance(PeerId peer, KeyBytes target) {
        return keys[indexOf.get(peer)].distance(target);
    }

    /** The oracle: the {@code count} nodes closest to {@code target}, closest first. */
    List<PeerId> closestTo(KeyBytes target, int count) {
        List<PeerId> all = new ArrayList<>(ids);
        all.sort(Comparator.comparing(p -> distance(p, target)));
        return List.copyOf(all.subList(0, Math.min(count, all.size())));
    }

    /** What {@code responder} answers when asked about {@code target}. */
    List<PeerId> answer(PeerId responder, KeyBytes target) {
        int[] table = tables[indexOf.get(responder)];
        List<PeerId> known = new ArrayList<>(table.length);
        for (int j : table) {
            known.add(ids.get(j));
        }
        known.sort(Comparator.comparing(p -> distance(p, target)));
        return List.copyOf(known.subList(0, Math.min(responseSize, known.size())));
    }

    /** {@code count} distinct random nodes (the start peers of a lookup), in random order. */
    List<Key<PeerId>> randomPeers(Random random, int count) {
        List<PeerId> shuffled = new ArrayList<>(ids);
        Collections.shuffle(shuffled, random);
        List<Key<PeerId>> out = new ArrayList<>(count);
        for (PeerId id : shuffled.subList(0, Math.min(count, shuffled.size()))) {
            out.add(Key.withDigest(id, keys[indexOf.get(id)]));
        }
        return out;
    }

    /** The average routing table size. */
    double averageTableSize() {
        long total = 0;
        for (int[] t : tables) {
            total += t.length;
        }
        return (double) total / tables.length;
    }
}
