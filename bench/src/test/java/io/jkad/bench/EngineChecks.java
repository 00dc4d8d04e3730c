package io.jkad.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Checks that a backend's store and raw engine do the same work on the same data: the raw engine
 * reads what the store wrote and the store reads what the raw engine wrote (so the raw engine's
 * copy of the store's layout is right), and the benchmarks' own setup and calls run. Small data
 * sets; no timing.
 */
final class EngineChecks {

    static final int RECORDS = 60;
    static final int PROVIDER_KEYS = 4;
    static final int SWEEP_RECORDS = 400;
    static final int PROVIDED_KEYS = 300;
    /** Regions of the small provided-keys data set: 8, some 37 keys each. */
    static final int REGION_BITS = 3;

    private EngineChecks() {}

    /** Sets the system properties the engines read: small data sets in {@code dir}. */
    static void useSmallDataSets(Path dir) {
        System.setProperty(BenchEnv.DIR, dir.toString());
        System.setProperty(BenchEnv.RECORDS, String.valueOf(RECORDS));
        System.setProperty(BenchEnv.PROVIDER_KEYS, String.valueOf(PROVIDER_KEYS));
        System.setProperty(BenchEnv.SWEEP_RECORDS, String.valueOf(SWEEP_RECORDS));
        System.setProperty(BenchEnv.PROVIDED_KEYS, String.valueOf(PROVIDED_KEYS));
    }

    static void clearProperties() {
        for (String p : List.of(BenchEnv.DIR, BenchEnv.RECORDS, BenchEnv.PROVIDER_KEYS, BenchEnv.SWEEP_RECORDS,
                BenchEnv.PROVIDED_KEYS, BenchEnv.PG_URL)) {
            System.clearProperty(p);
        }
    }

    static void records(Backend backend) {
        DataSet set = DataSet.records(backend, 256);
        BenchSets.Records data = new BenchSets.Records(256, set.size());
        // earlier than the data set's expiry: the store then writes the record as the raw engine
        // encodes it (one that extends it would keep its index entry at the old instant and write
        // that instant in the record too: RocksDB layout 4)
        Instant byStore = BenchData.FAR.minusSeconds(1);
        Instant byRaw = BenchData.FAR.plusSeconds(2);
        try (Engine store = Engines.records(set, false, data)) {
            assertThat(store.get(7)).isEqualTo(Optional.of(data.records[7]));
            assertThat(store.getMiss(7)).isEqualTo(Optional.empty());
            store.put(7, byStore);
            assertThat(store.get(7)).isEqualTo(Optional.of(data.records[7].withExpires(Optional.of(byStore))));
        }
        try (Engine raw = Engines.records(set, true, data)) {
            Object hit = raw.get(7);
            switch (backend) {
                case MEMORY -> assertThat(hit).isEqualTo(data.records[7]);
                case ROCKSDB -> assertThat((byte[]) hit).isEqualTo(RawRocksDb.encodeRecord(data.records[7], byStore));
                case H2, POSTGRESQL -> assertThat((byte[]) hit).isEqualTo(data.records[7].value());
            }
            assertThat(raw.getMiss(7)).isNull();
            raw.put(8, byRaw);
            assertThat(raw.get(8)).isNotNull();
        }
        if (backend.persistent()) {
            try (Engine store = Engines.records(set, false, data)) {
                assertThat(store.get(8)).isEqualTo(Optional.of(data.records[8].withExpires(Optional.of(byRaw))));
            }
        }
    }

    @SuppressWarnings("unchecked")
    static void providers(Backend backend) {
        DataSet set = DataSet.providers(backend);
        BenchSets.Providers data = new BenchSets.Providers(set.size());
        // earlier than the data set's expiry: the store then writes the record as the raw engine
        // encodes it (one that extends it would keep its index entry at the old instant and write
        // that instant in the record too: RocksDB layout 4)
        Instant byStore = BenchData.FAR.minusSeconds(1);
        Instant byRaw = BenchData.FAR.plusSeconds(2);
        try (Engine store = Engines.providers(set, false, data)) {
            List<ProviderRecord> list = (List<ProviderRecord>) store.providers(2);
            assertThat(list).hasSize(BenchEnv.PROVIDERS_PER_KEY);
            for (int j = 0; j < list.size(); j++) {
                assertThat(list.get(j)).isEqualTo(data.provider(2, j, BenchData.FAR));
            }
            assertThat(store.addProvider(2, 5, byStore)).isTrue();
            assertThat(((List<ProviderRecord>) store.providers(2)).get(5)).isEqualTo(data.provider(2, 5, byStore));
        }
        try (Engine raw = Engines.providers(set, true, data)) {
            Object list = raw.providers(2);
            int size = list instanceof Object[] array ? array.length : ((List<?>) list).size();
            assertThat(size).isEqualTo(BenchEnv.PROVIDERS_PER_KEY);
            assertThat(raw.addProvider(2, 6, byRaw)).isTrue();
        }
        if (backend.persistent()) {
            try (Engine store = Engines.providers(set, false, data)) {
                List<ProviderRecord> list = (List<ProviderRecord>) store.providers(2);
                assertThat(list.get(5)).isEqualTo(data.provider(2, 5, byStore));
                assertThat(list.get(6)).isEqualTo(data.provider(2, 6, byRaw));
                assertThat(list).hasSize(BenchEnv.PROVIDERS_PER_KEY);
            }
        }
    }

    /**
     * The provided keys: the store's providedFrom from each region's start lists the region's keys
     * (the local peer's records, in keyspace order, with the region's prefix) then the next
     * region's; the store and the raw engine read as many keys from each region as it holds.
     */
    static void provided(Backend backend) {
        DataSet set = DataSet.provided(backend);
        BenchSets.Provided data = new BenchSets.Provided(set.size());
        byte[][] starts = BenchSets.Provided.regionStarts(REGION_BITS);
        int[] counts = data.regionCounts(REGION_BITS);
        assertThat(java.util.Arrays.stream(counts).sum()).isEqualTo(PROVIDED_KEYS);
        List<ProviderRecord> expected = new java.util.ArrayList<>();
        for (int i = 0; i < data.size(); i++) {
            expected.add(data.local(i));
        }
        expected.sort(io.jkad.record.Keyspace.ORDER);
        try (StoreEngine store = (StoreEngine) Engines.provided(set, false, data)) {
            int at = 0;
            for (int r = 0; r < starts.length; r++) {
                List<ProviderRecord> region = new java.util.ArrayList<>();
                try (io.jkad.record.CloseableIterator<ProviderRecord> it = store.store().providedFrom(starts[r])) {
                    for (int n = 0; n < counts[r]; n++) {
                        region.add(it.next());
                    }
                    if (r + 1 < starts.length && it.hasNext()) {
                        assertThat(io.jkad.record.Keyspace.hasPrefix(io.jkad.record.Keyspace.id(it.next().key()),
                                starts[r + 1], REGION_BITS)).as("after region %d: the next region's first key", r).isTrue();
                    }
                }
                assertThat(region).containsExactlyElementsOf(expected.subList(at, at + counts[r]));
                for (ProviderRecord p : region) {
                    assertThat(io.jkad.record.Keyspace.hasPrefix(io.jkad.record.Keyspace.id(p.key()), starts[r], REGION_BITS))
                            .isTrue();
                }
                at += counts[r];
                assertThat(store.providedRegion(starts[r], null, counts[r])).isEqualTo(counts[r]);
            }
        }
        try (Engine raw = Engines.provided(set, true, data)) {
            for (int r = 0; r < starts.length; r++) {
                assertThat(raw.providedRegion(starts[r], r + 1 < starts.length ? starts[r + 1] : null, counts[r]))
                        .as("region %d", r).isEqualTo(counts[r]);
            }
        }
    }

    static void sweep(Backend backend) {
        DataSet set = DataSet.sweep(backend);
        BenchSets.Sweep data = new BenchSets.Sweep(set.size());
        Instant now = BenchSets.Sweep.sweepInstant(3);
        try (StoreEngine store = (StoreEngine) Engines.sweep(set, false, data)) {
            assertThat(store.fullScan(now)).isEqualTo(3);
            assertThat(store.removeExpired(now)).isEqualTo(3);
            assertThat(store.fullScan(now)).isZero();
            set.restoreSweep(store.store(), data, 3);
            assertThat(store.store().get(data.keys[1])).contains(data.record(1));
            assertThat(store.fullScan(now)).isEqualTo(3);
        }
        try (Engine raw = Engines.sweep(set, true, data)) {
            assertThat(raw.fullScan(now)).isEqualTo(3);
            assertThat(raw.fullScan(BenchSets.Sweep.sweepInstant(set.size()))).isEqualTo(set.size());
        }
    }

    /** The benchmark classes' own setup, calls and teardown, as JMH makes them. */
    static void benchmarks(Backend backend) {
        BenchCursor cursor = new BenchCursor();
        for (String engine : List.of("store", "raw")) {
            StoreRecordBenchmark records = new StoreRecordBenchmark();
            records.backend = backend.param;
            records.engine = engine;
            records.bytes = 4096;
            records.open();
            assertThat(records.get(cursor)).isNotNull();
            records.getMiss(cursor);
            records.put(cursor);
            records.close();

            StoreProviderBenchmark providers = new StoreProviderBenchmark();
            providers.backend = backend.param;
            providers.engine = engine;
            providers.open();
            assertThat(providers.providers(cursor)).isNotNull();
            assertThat(providers.addProvider(cursor)).isTrue();
            providers.close();

            StoreScanBenchmark scan = new StoreScanBenchmark();
            scan.backend = backend.param;
            scan.engine = engine;
            scan.open();
            scan.fullScan();
            scan.check();
            scan.close();
        }
        for (String engine : List.of("store", "raw")) {
            StoreProvidedBenchmark provided = new StoreProvidedBenchmark();
            provided.backend = backend.param;
            provided.engine = engine;
            provided.regionBits = REGION_BITS;
            provided.open();
            StoreProvidedBenchmark.Keys keys = new StoreProvidedBenchmark.Keys();
            keys.reset();
            for (int i = 0; i < 20; i++) {
                provided.providedRegion(cursor, keys);
            }
            assertThat(keys.keys).isPositive();
            provided.close();
        }
        StoreSweepBenchmark sweep = new StoreSweepBenchmark();
        sweep.backend = backend.param;
        sweep.expiredPercent = "10";
        sweep.open();
        for (int i = 0; i < 2; i++) {
            sweep.putBack();
            assertThat(sweep.removeExpired()).isEqualTo(SWEEP_RECORDS / 10);
            sweep.check();
        }
        sweep.close();
        DhtRecord whole = new BenchSets.Sweep(SWEEP_RECORDS).record(0);
        assertThat(whole.expires()).contains(BenchData.BASE);
    }
}
