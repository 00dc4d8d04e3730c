package io.jkad.store.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.identity.PeerId;
import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.StoreConfig;
import io.jkad.record.StoreCounts;
import io.jkad.record.StoreException;
import io.jkad.record.StoreException.Kind;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The RocksDB store's striped key locks under many writers: threads put records and add, update
 * and remove providers of the same keys and of different keys (more keys and providers than the
 * limits allow) while another sweeps. Afterwards the limits hold exactly, the in-memory counts equal
 * what is stored (and what a reopen counts), and on disk every record and provider with an expiry
 * has exactly one expiry index entry, every provider one {@code provider_peers} entry and the local
 * peer's providers their {@code provided} and {@code provided_by_id} entries: each written in the
 * same batch as its record under the key's lock.
 */
class RocksDbKeyLockTest {

    private static final Instant T0 = Instant.parse("2030-06-01T12:00:00Z");
    private static final PeerId LOCAL = PeerId.random(new Random(1));
    private static final int THREADS = 6;
    private static final int KEYS = 210;

    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void limitsCountsAndIndexesStayExactUnderManyWriters() throws Exception {
        int maxRecords = 150;
        int maxProvidersPerKey = 5;
        int maxProvidedKeys = 40;
        StoreConfig config = StoreConfig.defaults(LOCAL).withDataDirectory(dir.resolve("db"))
                .withLimits(maxRecords, 1024, maxProvidersPerKey, maxProvidedKeys);
        List<PeerId> peers = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            peers.add(i == 0 ? LOCAL : PeerId.random(new Random(100 + i)));
        }
        int records = 0;
        int recordsWithExpiry = 0;
        int keysWithProviders = 0;
        int providerCount = 0;
        int providersWithExpiry = 0;
        Set<RecordKey> provided = new HashSet<>();
        try (RocksDbRecordStore store = (RocksDbRecordStore) new RocksDbStoreProvider().open(config)) {
            ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                writers.add(pool.submit(() -> {
                    Random random = new Random(thread);
                    start.await();
                    for (int op = 0; op < 3_000; op++) {
                        // keys 0-9 every thread writes; 10-209 spread over the threads (more than the limits)
                        int k = random.nextInt(4) == 0 ? random.nextInt(10) : 10 + random.nextInt(KEYS - 10);
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
                for (int s = 0; s < 60; s++) {
                    store.removeExpired(T0.plusMillis(s * 100L));
                }
                return null;
            });
            start.countDown();
            for (Future<?> w : writers) {
                w.get(120, TimeUnit.SECONDS);
            }
            sweeper.get(120, TimeUnit.SECONDS);
            pool.shutdown();

            for (int k = 0; k < KEYS; k++) {
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
                providerCount += list.size();
                for (ProviderRecord p : list) {
                    providersWithExpiry += p.expires().isPresent() ? 1 : 0;
                    if (p.provider().equals(LOCAL)) {
                        provided.add(key);
                    }
                }
            }
            assertThat(records).isLessThanOrEqualTo(maxRecords);
            assertThat(keysWithProviders).isLessThanOrEqualTo(maxProvidedKeys);
            assertThat(records + keysWithProviders).as("the writers reached the stores' keys").isPositive();
            assertThat(store.counts()).isEqualTo(new StoreCounts(records, keysWithProviders));
        }
        try (RawDb raw = new RawDb(dir.resolve("db"))) {
            assertThat(raw.keys(KeyLayout.CF_EXPIRY)).as("one expiry index entry each")
                    .hasSize(recordsWithExpiry + providersWithExpiry);
            assertThat(raw.keys(KeyLayout.CF_PROVIDER_PEERS)).hasSize(providerCount);
            assertThat(raw.keys(KeyLayout.CF_PROVIDERS)).hasSize(providerCount);
            assertThat(raw.keys(KeyLayout.CF_PROVIDED)).hasSize(provided.size());
            assertThat(raw.keys(KeyLayout.CF_PROVIDED_BY_ID)).hasSize(provided.size());
        }
        try (RocksDbRecordStore reopened = (RocksDbRecordStore) new RocksDbStoreProvider().open(config)) {
            assertThat(reopened.counts()).isEqualTo(new StoreCounts(records, keysWithProviders));
        }
    }
}
