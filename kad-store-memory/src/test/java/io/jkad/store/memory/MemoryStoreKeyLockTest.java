package io.jkad.store.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.identity.PeerId;
import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.StoreConfig;
import io.jkad.record.StoreCounts;
import io.jkad.record.StoreException;
import io.jkad.record.StoreException.Kind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The memory store's striped key locks under many writers: threads put records and add, update and
 * remove providers of the same keys and of different keys (more keys and providers than the limits
 * allow), while another sweeps; afterwards the limits hold exactly, the counts they are checked
 * against equal the maps, and every record and provider with an expiry is covered in its expiry
 * index (a floor at or before its expiry's second, with an entry there). Puts that keep their
 * record's cover, which run without the key's lock, race the sweep without losing a record or a cover.
 */
class MemoryStoreKeyLockTest {

    private static final Instant T0 = Instant.parse("2030-06-01T12:00:00Z");
    private static final PeerId LOCAL = PeerId.random(new Random(1));
    private static final int THREADS = 6;

    @Test
    @Timeout(60)
    void limitsCountsAndIndexesStayExactUnderManyWriters() throws Exception {
        int maxRecords = 150;
        int maxProvidersPerKey = 5;
        int maxProvidedKeys = 40;
        StoreConfig config = StoreConfig.defaults(LOCAL).withLimits(maxRecords, 1024, maxProvidersPerKey, maxProvidedKeys);
        List<PeerId> peers = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            peers.add(i == 0 ? LOCAL : PeerId.random(new Random(100 + i)));
        }
        try (MemoryRecordStore store = (MemoryRecordStore) new MemoryStoreProvider().open(config)) {
            ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                writers.add(pool.submit(() -> {
                    Random random = new Random(thread);
                    start.await();
                    for (int op = 0; op < 20_000; op++) {
                        // keys 0-9 every thread writes; 10-209 spread over the threads (more than the limits)
                        int k = random.nextInt(4) == 0 ? random.nextInt(10) : 10 + random.nextInt(200);
                        RecordKey key = RecordKey.ofUtf8("k" + k);
                        Optional<Instant> expires = random.nextInt(5) == 0 ? Optional.empty()
                                : Optional.of(T0.plusSeconds(random.nextInt(30)).plusMillis(random.nextInt(1000)));
                        PeerId peer = peers.get(random.nextInt(peers.size()));
                        try {
                            switch (random.nextInt(8)) {
                                case 0, 1 -> store.put(DhtRecord.of(key, new byte[] {(byte) op}, Optional.empty(), expires));
                                case 2 -> store.remove(key);
                                case 3, 4, 5 -> store.addProvider(new ProviderRecord(key, peer, expires, List.of()));
                                default -> store.removeProvider(key, peer);
                            }
                        } catch (StoreException e) {
                            assertThat(e.kind()).isIn(Kind.MAX_RECORDS, Kind.MAX_PROVIDED_KEYS);
                        }
                    }
                    return null;
                }));
            }
            Future<?> sweeper = pool.submit(() -> {
                start.await();
                for (int s = 0; s < 200; s++) {
                    store.removeExpired(T0.plusMillis(s * 50L));
                }
                return null;
            });
            start.countDown();
            for (Future<?> w : writers) {
                w.get(60, TimeUnit.SECONDS);
            }
            sweeper.get(60, TimeUnit.SECONDS);
            pool.shutdown();

            int records = 0;
            int recordsWithExpiry = 0;
            int keysWithProviders = 0;
            int providersWithExpiry = 0;
            Set<RecordKey> provided = new HashSet<>();
            for (int k = 0; k < 210; k++) {
                RecordKey key = RecordKey.ofUtf8("k" + k);
                Optional<DhtRecord> r = store.get(key);
                if (r.isPresent()) {
                    records++;
                    recordsWithExpiry += r.get().expires().isPresent() ? 1 : 0;
                }
                List<ProviderRecord> list = store.providers(key);
                assertThat(list.size()).isLessThanOrEqualTo(maxProvidersPerKey);
                assertThat(list.stream().map(ProviderRecord::provider).distinct()).hasSameSizeAs(list);
                if (!list.isEmpty()) {
                    keysWithProviders++;
                }
                for (ProviderRecord p : list) {
                    providersWithExpiry += p.expires().isPresent() ? 1 : 0;
                    if (p.provider().equals(LOCAL)) {
                        provided.add(key);
                    }
                }
            }
            assertThat(records).isLessThanOrEqualTo(maxRecords);
            assertThat(keysWithProviders).isLessThanOrEqualTo(maxProvidedKeys);
            assertThat(store.counts()).isEqualTo(new StoreCounts(records, keysWithProviders));
            assertThat(store.limitCounts()).containsExactly(records, keysWithProviders);
            assertThat(store.sizes()).containsExactly(records, keysWithProviders, provided.size(), recordsWithExpiry,
                    providersWithExpiry);
            assertThat(store.providerRecordCount()).isEqualTo(countProviders(store, 210, "k"));
            assertThat(store.recordsWithoutExpiry()).isEqualTo(records - recordsWithExpiry);

            // a sweep past every expiry leaves only what does not expire, and the counts follow
            store.removeExpired(T0.plusSeconds(60));
            int[] sizes = store.sizes();
            assertThat(sizes[3]).isZero();
            assertThat(sizes[4]).isZero();
            assertThat(store.limitCounts()).containsExactly(sizes[0], sizes[1]);
        }
    }

    /**
     * Writers that re-announce providers and records with a later expiry each time (as republishing
     * does), two threads writing the same keys, with a sweeper beside them: the entries stay within
     * twice the items plus the floor, and every item stays covered.
     */
    @Test
    @Timeout(60)
    void republishingWritersKeepTheExpiryIndexesBounded() throws Exception {
        StoreConfig config = StoreConfig.defaults(LOCAL).withLimits(10_000, 1024, 4, 2_000);
        List<PeerId> peers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            peers.add(PeerId.random(new Random(200 + i)));
        }
        int writes = 25_000;
        try (MemoryRecordStore store = (MemoryRecordStore) new MemoryStoreProvider().open(config)) {
            ExecutorService pool = Executors.newFixedThreadPool(3);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> tasks = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int thread = t;
                tasks.add(pool.submit(() -> {
                    Random random = new Random(50 + thread);
                    start.await();
                    for (int op = 0; op < writes; op++) {
                        RecordKey key = RecordKey.ofUtf8("p" + random.nextInt(1_000));
                        // every write a later second than the last, far past the sweeper's clock
                        Instant expires = T0.plusSeconds(1_000 + op);
                        store.addProvider(new ProviderRecord(key, peers.get(random.nextInt(peers.size())),
                                Optional.of(expires), List.of()));
                        store.put(DhtRecord.of(key, new byte[] {1}, Optional.empty(), Optional.of(expires)));
                    }
                    return null;
                }));
            }
            tasks.add(pool.submit(() -> {
                start.await();
                for (int s = 0; s < 100; s++) {
                    store.removeExpired(T0.plusSeconds(s));
                }
                return null;
            }));
            start.countDown();
            for (Future<?> f : tasks) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();

            int[] sizes = store.sizes();
            long[] entries = store.expiryIndexEntries();
            assertThat(sizes[3]).isEqualTo(sizes[0]); // every record expires
            long providers = countProviders(store, 1_000, "p");
            assertThat(sizes[4]).isEqualTo(providers);
            assertThat(store.providerRecordCount()).isEqualTo(providers);
            // 50,000 writes of each kind: an extension leaves the index alone, and the two threads'
            // interleaved expiries (each thread's later than its last) bring some back, which a rebuild bounds
            assertThat(entries[0]).isLessThanOrEqualTo(2L * sizes[3] + ExpiryIndex.COMPACT_FLOOR + 1);
            // a provider update checks the bound now and then (one in 64), so a little over it
            assertThat(entries[1]).isLessThan(2L * sizes[4] + ExpiryIndex.COMPACT_FLOOR + 2_000);

            store.removeExpired(T0.plusSeconds(1_000 + writes));
            assertThat(store.sizes()).containsExactly(0, 0, 0, 0, 0);
            assertThat(store.expiryIndexEntries()).containsExactly(0L, 0L);
        }
    }

    private static long countProviders(MemoryRecordStore store, int keys, String prefix) {
        long n = 0;
        for (int k = 0; k < keys; k++) {
            n += store.providers(RecordKey.ofUtf8(prefix + k)).size();
        }
        return n;
    }

    /**
     * Writers put records with expiries around a sweeper's moving clock: mostly later (a republish,
     * which replaces the record without the key's lock when its cover stays), some at or before it,
     * some brought back before the record's cover. The sweeper, holding every key lock, moves covers
     * and removes what is due meanwhile. Afterwards each key holds its last write unless that write
     * was due by the sweeper's clock, and after a sweep at that clock every record left is covered;
     * a sweep past every expiry leaves nothing.
     */
    @Test
    @Timeout(60)
    void putsThatKeepTheirCoverRaceTheSweepWithoutLosingARecordOrACover() throws Exception {
        StoreConfig config = StoreConfig.defaults(LOCAL).withLimits(10_000, 1024, 4, 2_000);
        int writers = 2;
        int keysPerWriter = 300;
        int writes = 80_000;
        AtomicLong clock = new AtomicLong(); // the sweeper's now, in ms after T0
        AtomicBoolean done = new AtomicBoolean();
        try (MemoryRecordStore store = (MemoryRecordStore) new MemoryStoreProvider().open(config)) {
            ExecutorService pool = Executors.newFixedThreadPool(writers + 1);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Map<RecordKey, DhtRecord>>> tasks = new ArrayList<>();
            for (int t = 0; t < writers; t++) {
                int thread = t;
                tasks.add(pool.submit(() -> {
                    Random random = new Random(300 + thread);
                    Map<RecordKey, DhtRecord> last = new HashMap<>();
                    start.await();
                    for (int op = 0; op < writes; op++) {
                        RecordKey key = RecordKey.ofUtf8("w" + thread + "-" + random.nextInt(keysPerWriter));
                        long c = clock.get();
                        long at = random.nextInt(10) == 0 ? c - random.nextInt(2_000) : c + random.nextInt(4_000);
                        DhtRecord r = DhtRecord.of(key, new byte[] {(byte) op, (byte) (op >> 8)}, Optional.empty(),
                                Optional.of(T0.plusMillis(at)));
                        store.put(r);
                        last.put(key, r);
                    }
                    return last;
                }));
            }
            Future<?> sweeper = pool.submit(() -> {
                start.await();
                while (!done.get()) {
                    store.removeExpired(T0.plusMillis(clock.addAndGet(7)));
                }
                return null;
            });
            start.countDown();
            Map<RecordKey, DhtRecord> last = new HashMap<>();
            for (Future<Map<RecordKey, DhtRecord>> f : tasks) {
                last.putAll(f.get(60, TimeUnit.SECONDS));
            }
            done.set(true);
            sweeper.get(60, TimeUnit.SECONDS);
            pool.shutdown();
            assertThat(clock.get()).as("the sweeper's clock moved past many floors").isGreaterThan(10_000);

            Instant end = T0.plusMillis(clock.get());
            int due = 0;
            for (DhtRecord r : last.values()) {
                if (r.expires().orElseThrow().isAfter(end)) {
                    assertThat(store.get(r.key())).as("record %s", r.key()).contains(r);
                } else {
                    due++;
                }
            }
            assertThat(due).as("some writes were due by the end").isPositive();
            store.removeExpired(end);
            int left = last.size() - due;
            assertThat(store.sizes()).containsExactly(left, 0, 0, left, 0);
            assertThat(store.limitCounts()).containsExactly(left, 0);
            store.removeExpired(end.plusSeconds(10));
            assertThat(store.sizes()).containsExactly(0, 0, 0, 0, 0);
            assertThat(store.expiryIndexEntries()).containsExactly(0L, 0L);
        }
    }

    /**
     * The race between a republish and the sweep that finds the record's earlier write due, made
     * certain: 2,000 records are due; the sweep finds them so, and in the window before it removes
     * them (a test hook) each is put again an hour later, as a put without the key's lock can be.
     * Every one is kept with its new write: a sweep that removed a record it had found due, without
     * seeing that it was written since, would lose them all. Their covers move to the new expiry.
     */
    @Test
    void aRecordWrittenAgainAfterTheSweepFoundItDueIsKept() {
        StoreConfig config = StoreConfig.defaults(LOCAL).withLimits(10_000, 1024, 4, 2_000);
        int keys = 2_000;
        try (MemoryRecordStore store = (MemoryRecordStore) new MemoryStoreProvider().open(config)) {
            for (int k = 0; k < keys; k++) {
                store.put(DhtRecord.of(RecordKey.ofUtf8("r" + k), new byte[] {1}, Optional.empty(), Optional.of(T0)));
            }
            List<DhtRecord> again = new ArrayList<>();
            store.sweepWindow(() -> {
                for (int k = 0; k < keys; k++) {
                    DhtRecord r = DhtRecord.of(RecordKey.ofUtf8("r" + k), new byte[] {2}, Optional.empty(),
                            Optional.of(T0.plusSeconds(3_600)));
                    store.put(r);
                    again.add(r);
                }
                store.sweepWindow(null);
            });
            assertThat(store.removeExpired(T0)).isZero();
            assertThat(again).hasSize(keys);
            for (DhtRecord r : again) {
                assertThat(store.get(r.key())).contains(r);
            }
            assertThat(store.sizes()).containsExactly(keys, 0, 0, keys, 0);
            assertThat(store.expiryIndexEntries()).containsExactly((long) keys, 0L);
            assertThat(store.removeExpired(T0.plusSeconds(3_599))).isZero();
            assertThat(store.removeExpired(T0.plusSeconds(3_600))).isEqualTo(keys);
        }
    }
}
