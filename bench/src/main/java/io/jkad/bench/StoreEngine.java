package io.jkad.bench;

import io.jkad.record.CloseableIterator;
import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordStore;
import java.time.Instant;
import java.util.Optional;

/** A {@link RecordStore} opened through {@code RecordStores.open}, as the benchmarks call it. */
final class StoreEngine extends Engine {

    private final RecordStore store;
    private final BenchSets.Records records;
    private final BenchSets.Providers providers;

    /** {@code records} or {@code providers} may be null where the benchmark does not use them. */
    StoreEngine(RecordStore store, BenchSets.Records records, BenchSets.Providers providers) {
        this.store = store;
        this.records = records;
        this.providers = providers;
    }

    RecordStore store() {
        return store;
    }

    @Override
    Object get(int i) {
        return store.get(records.keys[i]);
    }

    @Override
    Object getMiss(int i) {
        return store.get(records.missKeys[i]);
    }

    @Override
    void put(int i, Instant expires) {
        store.put(records.records[i].withExpires(Optional.of(expires)));
    }

    @Override
    Object providers(int k) {
        return store.providers(providers.keys[k]);
    }

    @Override
    boolean addProvider(int k, int j, Instant expires) {
        return store.addProvider(providers.provider(k, j, expires));
    }

    @Override
    long removeExpired(Instant now) {
        return store.removeExpired(now);
    }

    @Override
    long fullScan(Instant now) {
        long expired = 0;
        try (CloseableIterator<DhtRecord> it = store.records()) {
            while (it.hasNext()) {
                if (it.next().isExpired(now)) {
                    expired++;
                }
            }
        }
        return expired;
    }

    /** {@code providedFrom(start)}, {@code count} records read, then closed (as a sweep reads one region). */
    @Override
    long providedRegion(byte[] start, byte[] end, int count) {
        long read = 0;
        try (CloseableIterator<ProviderRecord> it = store.providedFrom(start)) {
            while (read < count && it.hasNext()) {
                it.next();
                read++;
            }
        }
        return read;
    }

    @Override
    public void close() {
        store.close();
        closeAttached();
    }
}
