package io.jkad.bench;

import io.jkad.record.RecordStore;

/** Opens the store or the raw engine of a data set, with its data, for a benchmark fork. */
final class Engines {

    private Engines() {}

    /** The benchmarks' {@code engine} parameter: "store" or "raw". */
    static boolean raw(String engine) {
        return switch (engine) {
            case "store" -> false;
            case "raw" -> true;
            default -> throw new IllegalArgumentException("engine must be store or raw: '" + engine + "'");
        };
    }

    static Engine records(DataSet set, boolean raw, BenchSets.Records data) {
        set.ensure();
        return switch (set.backend()) {
            case MEMORY -> {
                if (raw) {
                    yield RawMemory.ofRecords(data);
                }
                RecordStore store = set.openStore();
                for (int i = 0; i < data.size(); i++) {
                    store.put(data.records[i]);
                }
                yield new StoreEngine(store, data, null);
            }
            case ROCKSDB -> raw ? RawRocksDb.ofRecords(set.directory(), data) : new StoreEngine(set.openStore(), data, null);
            case H2, POSTGRESQL -> raw ? RawJdbc.ofRecords(set, data) : new StoreEngine(set.openStore(), data, null);
        };
    }

    static Engine providers(DataSet set, boolean raw, BenchSets.Providers data) {
        set.ensure();
        return switch (set.backend()) {
            case MEMORY -> {
                if (raw) {
                    yield RawMemory.ofProviders(data);
                }
                RecordStore store = set.openStore();
                DataSet.fillProviders(store, data);
                yield new StoreEngine(store, null, data);
            }
            case ROCKSDB -> raw ? RawRocksDb.ofProviders(set.directory(), data)
                    : new StoreEngine(set.openStore(), null, data);
            case H2, POSTGRESQL -> raw ? RawJdbc.ofProviders(set, data) : new StoreEngine(set.openStore(), null, data);
        };
    }

    /** The sweep data set's store ({@code raw} false) or raw engine. */
    static Engine sweep(DataSet set, boolean raw, BenchSets.Sweep data) {
        set.ensure();
        return switch (set.backend()) {
            case MEMORY -> {
                if (raw) {
                    yield RawMemory.ofSweep(data);
                }
                RecordStore store = set.openStore();
                for (int i = 0; i < data.size(); i++) {
                    store.put(data.record(i));
                }
                yield new StoreEngine(store, null, null);
            }
            case ROCKSDB -> raw ? RawRocksDb.ofSweep(set.directory()) : new StoreEngine(set.openStore(), null, null);
            case H2, POSTGRESQL -> raw ? RawJdbc.ofSweep(set) : new StoreEngine(set.openStore(), null, null);
        };
    }
}
