package io.jkad.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jkad.multiaddr.Multiaddr;
import io.jkad.record.CloseableIterator;
import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStore;
import io.jkad.record.StoreConfig;
import io.jkad.record.StoreException;
import io.jkad.record.StoreException.Kind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The record store conformance kit: the definition of {@link RecordStore}'s semantics. A backend's
 * test extends this class, implements {@link #openStore} (and {@link #persistent()} for a store
 * that survives a restart) and must pass every test without overriding any.
 *
 * <pre>{@code
 * class RocksDbRecordStoreTest extends RecordStoreContract {
 *     protected RecordStore openStore(StoreConfig config) { return new RocksDbStoreProvider().open(config); }
 *     protected boolean persistent() { return true; }
 * }
 * }</pre>
 *
 * <p>Every config the kit passes has its own fresh data directory under a {@link TempDir}, so
 * {@link #openStore} must return an empty store for a data directory not used before and, for a
 * persistent store, the same store again for a data directory used before (after the kit closed
 * it). Stores the kit opens are closed after each test. Instants come from a {@link ManualClock}
 * with nanoseconds; the tests are deterministic apart from the two-thread ones, and the whole kit
 * runs in a few seconds on a fast store.
 *
 * <p>The kit is one chain of parts, each of a few hundred lines: {@link StoreContractBase} (the
 * fixture), {@link ValueRecordsContract}, {@link ProviderRecordsContract}, {@link IterationContract}
 * and this class (two threads at once, and persistence).
 */
public abstract class RecordStoreContract extends IterationContract {
    // ------------------------------------------------------------------ node state

    /**
     * Node state entries: absent until put, replaced by a put, copies in and out, invisible to the
     * records, provider records and counts, names and sizes checked, kept across a reopen.
     */
    @Test
    void nodeStateIsKeptBesideTheRecords() {
        StoreConfig config = config();
        RecordStore s = open(config);
        assertThat(s.nodeState("reprovide.schedule")).isEmpty();
        byte[] value = bytes("cycle 1");
        s.putNodeState("reprovide.schedule", value);
        value[0] = 'X';
        assertThat(s.nodeState("reprovide.schedule")).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("cycle 1")));
        s.nodeState("reprovide.schedule").orElseThrow()[0] = 'Y';
        assertThat(s.nodeState("reprovide.schedule").orElseThrow()).isEqualTo(bytes("cycle 1"));
        s.putNodeState("reprovide.schedule", bytes("cycle 2"));
        s.putNodeState("other_entry-2", new byte[0]);
        byte[] largest = randomBytes(new java.util.Random(7), RecordStore.MAX_NODE_STATE_BYTES);
        s.putNodeState("z", largest);
        assertThat(s.nodeState("reprovide.schedule").orElseThrow()).isEqualTo(bytes("cycle 2"));
        assertThat(s.nodeState("other_entry-2").orElseThrow()).isEmpty();
        assertThat(s.nodeState("reprovide")).isEmpty();
        assertThat(records(s)).isEmpty();
        assertThat(provided(s)).isEmpty();
        assertThat(s.counts()).isEqualTo(new io.jkad.record.StoreCounts(0, 0));
        assertThatThrownBy(() -> s.putNodeState("", new byte[1])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> s.putNodeState("Upper", new byte[1])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> s.putNodeState("x".repeat(RecordStore.MAX_NODE_STATE_NAME + 1), new byte[1]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> s.putNodeState("big", new byte[RecordStore.MAX_NODE_STATE_BYTES + 1]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> s.nodeState("a/b")).isInstanceOf(IllegalArgumentException.class);
        assertThat(s.nodeState("big")).isEmpty();
        if (persistent()) {
            RecordStore again = reopen(s, config);
            assertThat(again.nodeState("reprovide.schedule").orElseThrow()).isEqualTo(bytes("cycle 2"));
            assertThat(again.nodeState("other_entry-2").orElseThrow()).isEmpty();
            assertThat(again.nodeState("z").orElseThrow()).isEqualTo(largest);
            again.close();
            assertThatThrownBy(() -> again.nodeState("z")).isInstanceOf(StoreException.class)
                    .extracting(e -> ((StoreException) e).kind()).isEqualTo(Kind.CLOSED);
        } else {
            s.close();
            assertThatThrownBy(() -> s.putNodeState("z", new byte[1])).isInstanceOf(StoreException.class);
        }
    }

    // ------------------------------------------------------------------ two threads

    @Test
    @Timeout(30)
    void concurrentWritesAreNotLost() throws Exception {
        int perThread = 500;
        RecordStore s = open(config(2 * perThread, 1024, 100, 2 * perThread + 1));
        RecordKey shared = key("shared");
        List<Integer> results = runTwice(t -> {
            for (int i = 0; i < perThread; i++) {
                s.put(record(key(t + "-" + i), "v" + i));
                if (i % 10 == 0) {
                    s.addProvider(provider(shared, peer(t * 1000 + i)));
                }
                if (i % 50 == 0) {
                    s.addProvider(provider(key(t + "-" + i), t == 0 ? localPeer : peer(i)));
                }
            }
            return 0;
        });
        assertThat(results).containsExactly(0, 0);
        Map<RecordKey, DhtRecord> all = byKey(records(s));
        assertThat(all).hasSize(2 * perThread);
        for (int t = 0; t < 2; t++) {
            for (int i = 0; i < perThread; i++) {
                assertThat(all.get(key(t + "-" + i))).isEqualTo(record(key(t + "-" + i), "v" + i));
            }
        }
        assertThat(s.providers(shared)).hasSize(2 * perThread / 10);
        assertThat(provided(s)).hasSize(perThread / 50);
    }

    @Test
    @Timeout(30)
    void limitsHoldUnderConcurrentWrites() throws Exception {
        RecordStore s = open(config(100, 1024, 10, 50));
        RecordKey shared = key("shared");
        List<Integer> stored = runTwice(t -> {
            int ok = 0;
            for (int i = 0; i < 100; i++) {
                try {
                    s.put(record(key("r" + t + "-" + i), "v"));
                    ok++;
                } catch (StoreException e) {
                    assertThat(e.kind()).isEqualTo(Kind.MAX_RECORDS);
                }
            }
            return ok;
        });
        assertThat(stored.get(0) + stored.get(1)).isEqualTo(100);
        assertThat(records(s)).hasSize(100);

        List<Integer> added = runTwice(t -> {
            int ok = 0;
            for (int i = 0; i < 20; i++) {
                if (s.addProvider(provider(shared, peer(t * 100 + i)))) {
                    ok++;
                }
            }
            return ok;
        });
        assertThat(added.get(0) + added.get(1)).isEqualTo(10);
        assertThat(s.providers(shared)).hasSize(10);

        List<Integer> keys = runTwice(t -> {
            int ok = 0;
            for (int i = 0; i < 50; i++) {
                try {
                    s.addProvider(provider(key("p" + t + "-" + i), localPeer));
                    ok++;
                } catch (StoreException e) {
                    assertThat(e.kind()).isEqualTo(Kind.MAX_PROVIDED_KEYS);
                }
            }
            return ok;
        });
        assertThat(keys.get(0) + keys.get(1)).isEqualTo(49); // "shared" holds one slot
        assertThat(provided(s)).hasSize(49);
    }

    @Test
    @Timeout(30)
    void readersSeeWholeRecordsWhileAWriterReplacesThem() throws Exception {
        RecordStore s = open();
        RecordKey k = key("k");
        DhtRecord a = record(k, bytes("aaaaaaaa"), peer(1), clock.instant().plusSeconds(1));
        DhtRecord b = record(k, bytes("bbbbbbbbbbbbbbbb"), peer(2), null);
        s.put(a);
        AtomicBoolean writing = new AtomicBoolean(true);
        List<Integer> reads = runTwice(t -> {
            if (t == 0) {
                for (int i = 0; i < 2000; i++) {
                    s.put(i % 2 == 0 ? b : a);
                }
                writing.set(false);
                return 0;
            }
            int n = 0;
            while (writing.get() || n < 100) {
                DhtRecord r = s.get(k).orElseThrow();
                assertThat(r).isIn(a, b);
                n++;
            }
            return n;
        });
        assertThat(reads.get(1)).isPositive();
    }

    @Test
    @Timeout(30)
    void iterationFromOneThreadWhileAnotherWrites() throws Exception {
        RecordStore s = open();
        int stable = 300;
        for (int i = 0; i < stable; i++) {
            s.put(record(key("stable-" + i), "s"));
        }
        AtomicBoolean iterating = new AtomicBoolean(true);
        List<Integer> done = runTwice(t -> {
            if (t == 0) {
                int i = 0;
                while (iterating.get()) {
                    s.put(record(key("churn-" + (i % 200)), "c" + i));
                    s.remove(key("churn-" + ((i + 100) % 200)));
                    i++;
                }
                return i;
            }
            try {
                for (int round = 0; round < 20; round++) {
                    Set<RecordKey> seen = new HashSet<>();
                    try (CloseableIterator<DhtRecord> it = s.records()) {
                        while (it.hasNext()) {
                            RecordKey key = it.next().key();
                            assertThat(seen.add(key)).as("key %s returned twice", key).isTrue();
                        }
                    }
                    for (int i = 0; i < stable; i++) {
                        assertThat(seen).contains(key("stable-" + i));
                    }
                }
            } finally {
                iterating.set(false);
            }
            return 20;
        });
        assertThat(done.get(1)).isEqualTo(20);
    }

    /** Runs {@code task.apply(0)} and {@code task.apply(1)} on two threads started together; rethrows failures. */
    static List<Integer> runTwice(Function<Integer, Integer> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> futures = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int thread = t;
                Callable<Integer> c = () -> {
                    start.await();
                    return task.apply(thread);
                };
                futures.add(pool.submit(c));
            }
            start.countDown();
            List<Integer> results = new ArrayList<>();
            for (Future<Integer> f : futures) {
                try {
                    results.add(f.get(25, TimeUnit.SECONDS));
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof Exception ex) {
                        throw ex;
                    }
                    throw (Error) e.getCause();
                }
            }
            return results;
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    // ------------------------------------------------------------------ persistence

    @Test
    void reopenKeepsValueRecordsExactly() {
        assumeTrue(persistent(), "the store is not persistent");
        StoreConfig config = config();
        RecordStore s = open(config);
        List<DhtRecord> stored = List.of(
                record(key("full"), bytes("value"), peer(1), clock.instant().plusSeconds(3600).plusNanos(1)),
                record(key("no publisher"), bytes("v"), null, clock.instant().plus(Duration.ofHours(36))),
                record(key("no expiry"), bytes("v"), peer(2), null),
                DhtRecord.of(key("empty"), new byte[0]),
                record(RecordKey.of(new byte[] {0, (byte) 0xff, 0}), new byte[] {(byte) 0xff, 0, 1}, null, null),
                DhtRecord.of(key("largest"), randomBytes(new Random(2), StoreConfig.DEFAULT_MAX_VALUE_BYTES)));
        stored.forEach(s::put);
        s.put(record(key("replaced"), bytes("first"), peer(1), clock.instant().plusSeconds(1)));
        DhtRecord replacement = record(key("replaced"), bytes("second"), null, null);
        s.put(replacement);
        s.put(record(key("removed"), "gone"));
        s.remove(key("removed"));

        s = reopen(s, config);
        for (DhtRecord r : stored) {
            assertThat(s.get(r.key())).contains(r);
        }
        assertThat(s.get(key("replaced"))).contains(replacement);
        assertThat(s.get(key("removed"))).isEmpty();
        List<DhtRecord> all = new ArrayList<>(stored);
        all.add(replacement);
        assertThat(byKey(records(s)).values()).containsExactlyInAnyOrderElementsOf(all);
    }

    @Test
    void reopenKeepsProviderRecordsTheirOrderAndProvided() {
        assumeTrue(persistent(), "the store is not persistent");
        StoreConfig config = config();
        RecordStore s = open(config);
        RecordKey k = key("k");
        Instant t = clock.instant().plus(Duration.ofHours(24)).plusNanos(7);
        for (int i : new int[] {5, 1, 8}) {
            s.addProvider(provider(k, peer(i), t.plusSeconds(i)));
        }
        s.addProvider(provider(k, localPeer, t));
        s.addProvider(provider(k, peer(0)));
        s.addProvider(provider(k, peer(1), t.plusSeconds(100))); // update in place
        s.removeProvider(k, peer(8));
        s.addProvider(provider(key("mine"), localPeer));
        s.addProvider(provider(key("gone"), localPeer));
        s.removeProvider(key("gone"), localPeer);
        List<ProviderRecord> before = s.providers(k);
        List<ProviderRecord> providedBefore = provided(s);

        s = reopen(s, config);
        assertThat(s.providers(k)).containsExactlyElementsOf(before).containsExactly(
                provider(k, peer(5), t.plusSeconds(5)), provider(k, peer(1), t.plusSeconds(100)),
                provider(k, localPeer, t), provider(k, peer(0)));
        assertThat(provided(s)).containsExactlyInAnyOrderElementsOf(providedBefore).containsExactlyInAnyOrder(
                provider(k, localPeer, t), provider(key("mine"), localPeer));
        assertThat(s.providers(key("gone"))).isEmpty();
        // the order goes on after reopening
        s.addProvider(provider(k, peer(3)));
        assertThat(s.providers(k)).last().isEqualTo(provider(k, peer(3)));
    }

    @Test
    void reopenKeepsProviderAddresses() {
        assumeTrue(persistent(), "the store is not persistent");
        List<Multiaddr> addresses = addresses();
        StoreConfig config = config();
        RecordStore s = open(config);
        ProviderRecord remote = new ProviderRecord(key("k"), peer(1), Optional.of(clock.instant()), addresses);
        ProviderRecord local = new ProviderRecord(key("k"), localPeer, Optional.empty(), addresses.subList(1, 2));
        s.addProvider(remote);
        s.addProvider(local);
        s = reopen(s, config);
        assertThat(s.providers(key("k"))).containsExactly(remote, local);
        assertThat(s.providers(key("k")).get(0).addresses()).containsExactlyElementsOf(addresses);
        assertThat(provided(s)).containsExactly(local);
    }

    @Test
    void reopenKeepsExpiriesExactly() {
        assumeTrue(persistent(), "the store is not persistent");
        StoreConfig config = config();
        RecordStore s = open(config);
        Instant t = clock.instant().plusSeconds(60);
        s.put(record(key("at t"), bytes("1"), null, t));
        s.put(record(key("just after t"), bytes("2"), null, t.plusNanos(1)));
        s.put(record(key("never"), bytes("3"), null, null));
        s.addProvider(provider(key("p"), peer(1), t));
        s.addProvider(provider(key("p"), localPeer, t.plusNanos(1)));
        s.put(record(key("rescheduled"), bytes("4"), null, t));
        s.put(record(key("rescheduled"), bytes("4"), null, t.plusSeconds(60)));

        s = reopen(s, config);
        assertThat(s.get(key("just after t")).orElseThrow().expires()).contains(t.plusNanos(1));
        assertThat(s.removeExpired(t)).isEqualTo(2);
        assertThat(s.get(key("at t"))).isEmpty();
        assertThat(s.get(key("rescheduled"))).isPresent();
        assertThat(provided(s)).containsExactly(provider(key("p"), localPeer, t.plusNanos(1)));

        s = reopen(s, config);
        assertThat(s.removeExpired(t.plusNanos(1))).isEqualTo(2);
        assertThat(provided(s)).isEmpty();
        assertThat(s.providers(key("p"))).isEmpty();
        assertThat(s.removeExpired(t.plusSeconds(60))).isEqualTo(1);
        assertThat(byKey(records(s)).keySet()).containsExactly(key("never"));
    }

    @Test
    void reopenKeepsTheCountsThatLimitsUse() {
        assumeTrue(persistent(), "the store is not persistent");
        StoreConfig config = config(2, 1024, 2, 2);
        RecordStore s = open(config);
        s.put(record(key(0), "0"));
        s.put(record(key(1), "1"));
        s.addProvider(provider(key(0), peer(0)));
        s.addProvider(provider(key(0), peer(1)));
        s.addProvider(provider(key(1), localPeer));

        RecordStore r = reopen(s, config);
        assertRefused(Kind.MAX_RECORDS, "put", () -> r.put(record(key(2), "2")));
        assertRefused(Kind.MAX_PROVIDED_KEYS, "addProvider", () -> r.addProvider(provider(key(2), peer(2))));
        assertThat(r.addProvider(provider(key(0), peer(2)))).isFalse();
        r.remove(key(0));
        r.removeProvider(key(1), localPeer);
        RecordStore again = reopen(r, config);
        again.put(record(key(2), "2"));
        assertThat(again.addProvider(provider(key(2), peer(2)))).isTrue();
        assertThat(provided(again)).isEmpty();
    }
}
