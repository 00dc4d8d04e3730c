package io.jkad.bench;

import io.jkad.identity.PeerId;
import io.jkad.routing.Distance;
import io.jkad.routing.Entry;
import io.jkad.routing.InsertResult;
import io.jkad.routing.KBucketsTable;
import io.jkad.routing.Key;
import io.jkad.routing.KeyBytes;
import io.jkad.routing.NodeStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The routing table's hot paths on a table of 2,000 peers: 20 entries (k = 20) in each of the
 * 100 farthest buckets (255 down to 156), a table as full as k = 20 allows for that many peers.
 * Targets are random and change at every call.
 *
 * <p>Baselines: sorting all 2,000 keys by distance to the target, with the distances computed in
 * the comparator ({@code naiveSort}) or once per key before sorting ({@code naiveSortPrecomputed}).
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar RoutingBenchmark -f 1 -wi 3 -i 5 -w 1 -r 1}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RoutingBenchmark {

    private static final int PEERS = 2_000;
    private static final int K = 20;
    private static final int TARGETS = 1024; // a power of two
    private static final Instant NOW = Instant.parse("2021-01-01T00:00:00Z");

    private KBucketsTable<PeerId, String> table;
    private List<Key<PeerId>> keys;
    private KeyBytes[] targets;
    private Key<PeerId>[] present;
    private Key<PeerId>[] absent;
    private Distance[] distances;
    private int next;

    @Setup
    @SuppressWarnings("unchecked")
    public void setUp() {
        Random random = new Random(2021);
        KeyBytes local = KeyBytes.fromDigest(randomBytes(random));
        table = new KBucketsTable<>(Key.withDigest(PeerId.random(random), local), K, Duration.ofSeconds(60));
        keys = new ArrayList<>(PEERS);
        for (int bucket = 255; keys.size() < PEERS; bucket--) {
            for (int i = 0; i < K; i++) {
                Key<PeerId> key = Key.withDigest(PeerId.random(random), inBucket(local, bucket, random));
                Entry<PeerId, String> e = table.entry(key, NOW);
                NodeStatus status = random.nextBoolean() ? NodeStatus.CONNECTED : NodeStatus.DISCONNECTED;
                if (!(e.insert("/ip4/10.0.0.1/tcp/" + i, status) instanceof InsertResult.Inserted<PeerId>)) {
                    throw new IllegalStateException("not inserted: " + key);
                }
                keys.add(key);
            }
        }
        if (table.size() != PEERS) {
            throw new IllegalStateException("table size " + table.size());
        }
        targets = new KeyBytes[TARGETS];
        present = (Key<PeerId>[]) new Key<?>[TARGETS];
        absent = (Key<PeerId>[]) new Key<?>[TARGETS];
        distances = new Distance[TARGETS];
        for (int i = 0; i < TARGETS; i++) {
            targets[i] = KeyBytes.fromDigest(randomBytes(random));
            present[i] = keys.get(random.nextInt(PEERS));
            absent[i] = Key.of(PeerId.random(random));
            distances[i] = targets[i].distance(local);
        }
    }

    private KeyBytes target() {
        return targets[next++ & (TARGETS - 1)];
    }

    @Benchmark
    public void closestKeys20(Blackhole bh) {
        Iterator<Key<PeerId>> it = table.closestKeys(target());
        for (int i = 0; i < K && it.hasNext(); i++) {
            bh.consume(it.next());
        }
    }

    @Benchmark
    public void closestKeysAll(Blackhole bh) {
        Iterator<Key<PeerId>> it = table.closestKeys(target());
        while (it.hasNext()) {
            bh.consume(it.next());
        }
    }

    @Benchmark
    public void closestEntries20(Blackhole bh) {
        var it = table.closest(target());
        for (int i = 0; i < K && it.hasNext(); i++) {
            bh.consume(it.next());
        }
    }

    /** Baseline: all keys sorted by distance, distances computed in the comparator. */
    @Benchmark
    public void naiveSort20(Blackhole bh) {
        KeyBytes target = target();
        List<Key<PeerId>> sorted = new ArrayList<>(keys);
        sorted.sort(Comparator.comparing(k -> k.distance(target)));
        for (int i = 0; i < K; i++) {
            bh.consume(sorted.get(i));
        }
    }

    /** Baseline: all keys sorted by distance, each distance computed once. */
    @Benchmark
    public void naiveSortPrecomputed20(Blackhole bh) {
        KeyBytes target = target();
        int n = keys.size();
        Distance[] d = new Distance[n];
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            d[i] = keys.get(i).distance(target);
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> d[a].compareTo(d[b]));
        for (int i = 0; i < K; i++) {
            bh.consume(keys.get(order[i]));
        }
    }

    @Benchmark
    public int countNodesBetween() {
        return table.countNodesBetween(target());
    }

    @Benchmark
    public Object entryPresent() {
        return table.entry(present[next++ & (TARGETS - 1)], NOW).value();
    }

    @Benchmark
    public Entry.Kind entryAbsent() {
        return table.entry(absent[next++ & (TARGETS - 1)], NOW).kind();
    }

    @Benchmark
    public Distance distance() {
        int i = next++ & (TARGETS - 1);
        return targets[i].distance(present[i].bytes());
    }

    @Benchmark
    public int distanceCompare() {
        int i = next++ & (TARGETS - 1);
        return distances[i].compareTo(distances[(i + 1) & (TARGETS - 1)]);
    }

    private static byte[] randomBytes(Random random) {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return b;
    }

    /** A random key whose distance to {@code local} has its highest set bit at {@code bucket}. */
    private static KeyBytes inBucket(KeyBytes local, int bucket, Random random) {
        byte[] d = randomBytes(random);
        int top = 31 - bucket / 8; // the byte holding the bucket's bit (big-endian)
        for (int i = 0; i < top; i++) {
            d[i] = 0;
        }
        int bit = bucket % 8;
        d[top] = (byte) ((d[top] & ((1 << bit) - 1)) | (1 << bit));
        byte[] l = local.toByteArray();
        for (int i = 0; i < 32; i++) {
            d[i] ^= l[i];
        }
        return KeyBytes.fromDigest(d);
    }
}
