package io.jkad.bench;

import io.jkad.identity.PeerId;
import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The memory store's raw engine: {@link ConcurrentHashMap}s holding the same objects (records,
 * provider records) without the store's lock, limits, expiry index or checks. A key's providers
 * are an array replaced whole on a change (copy on write), found by peer as the store finds them.
 * The provided keys in keyspace order: a {@link ConcurrentSkipListMap} from {@code id ‖ key}
 * (unsigned order) to the local peer's provider record, read from a region's start.
 */
final class RawMemory extends Engine {

    private final BenchSets.Records data;
    private final BenchSets.Providers providerData;
    private final ConcurrentHashMap<RecordKey, DhtRecord> records = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<RecordKey, ProviderRecord[]> providers = new ConcurrentHashMap<>();
    private final ConcurrentSkipListMap<byte[], ProviderRecord> provided = new ConcurrentSkipListMap<>(Arrays::compareUnsigned);

    private RawMemory(BenchSets.Records data, BenchSets.Providers providerData) {
        this.data = data;
        this.providerData = providerData;
    }

    static RawMemory ofRecords(BenchSets.Records data) {
        RawMemory raw = new RawMemory(data, null);
        for (int i = 0; i < data.size(); i++) {
            raw.records.put(data.keys[i], data.records[i]);
        }
        return raw;
    }

    static RawMemory ofProviders(BenchSets.Providers data) {
        RawMemory raw = new RawMemory(null, data);
        for (int k = 0; k < data.size(); k++) {
            ProviderRecord[] list = new ProviderRecord[BenchEnv.PROVIDERS_PER_KEY];
            for (int j = 0; j < list.length; j++) {
                list[j] = data.provider(k, j, BenchData.FAR);
            }
            raw.providers.put(data.keys[k], list);
        }
        return raw;
    }

    static RawMemory ofProvided(BenchSets.Provided data) {
        RawMemory raw = new RawMemory(null, null);
        for (int i = 0; i < data.size(); i++) {
            byte[] position = Arrays.copyOf(data.ids[i], data.ids[i].length + data.keyBytes[i].length);
            System.arraycopy(data.keyBytes[i], 0, position, data.ids[i].length, data.keyBytes[i].length);
            raw.provided.put(position, data.local(i));
        }
        return raw;
    }

    static RawMemory ofSweep(BenchSets.Sweep data) {
        RawMemory raw = new RawMemory(null, null);
        for (int i = 0; i < data.size(); i++) {
            raw.records.put(data.keys[i], data.record(i));
        }
        return raw;
    }

    @Override
    Object get(int i) {
        return records.get(data.keys[i]);
    }

    @Override
    Object getMiss(int i) {
        return records.get(data.missKeys[i]);
    }

    @Override
    void put(int i, Instant expires) {
        records.put(data.keys[i], data.records[i].withExpires(Optional.of(expires)));
    }

    @Override
    Object providers(int k) {
        return providers.get(providerData.keys[k]);
    }

    @Override
    boolean addProvider(int k, int j, Instant expires) {
        ProviderRecord record = providerData.provider(k, j, expires);
        providers.compute(record.key(), (key, list) -> {
            if (list == null) {
                return new ProviderRecord[] {record};
            }
            int at = indexOf(list, record.provider());
            ProviderRecord[] copy = Arrays.copyOf(list, at >= 0 ? list.length : list.length + 1);
            copy[at >= 0 ? at : list.length] = record;
            return copy;
        });
        return true;
    }

    private static int indexOf(ProviderRecord[] list, PeerId provider) {
        for (int i = 0; i < list.length; i++) {
            if (list[i].provider().equals(provider)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    long fullScan(Instant now) {
        long expired = 0;
        for (DhtRecord r : records.values()) {
            if (r.isExpired(now)) {
                expired++;
            }
        }
        return expired;
    }

    @Override
    long providedRegion(byte[] start, byte[] end, int count) {
        long read = 0;
        // a start of 32 bytes sorts before every id ‖ key of that id
        Iterator<ProviderRecord> it = provided.tailMap(start).values().iterator();
        while (read < count && it.hasNext()) {
            it.next();
            read++;
        }
        return read;
    }

    @Override
    public void close() {
        records.clear();
        providers.clear();
        provided.clear();
        closeAttached();
    }
}
