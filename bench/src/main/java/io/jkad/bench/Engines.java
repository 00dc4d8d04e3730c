package io.jkad.bench;

import io.jkad.record.RecordStore;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

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
            case H2, POSTGRESQL -> warmed(set, List.of(
                    "SELECT rkey FROM kad_records ORDER BY rkey",
                    "SELECT rkey, val, publisher, expires_at FROM kad_records"),
                    raw ? RawJdbc.ofRecords(set, data) : new StoreEngine(set.openStore(), data, null));
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
            case H2, POSTGRESQL -> warmed(set, List.of(
                    "SELECT pkey, seq FROM kad_providers ORDER BY pkey, seq",
                    "SELECT pkey, peer, seq, expires_at, addrs FROM kad_providers ORDER BY pkey, peer",
                    "SELECT pkey, providers FROM kad_provider_keys"),
                    raw ? RawJdbc.ofProviders(set, data) : new StoreEngine(set.openStore(), null, data));
        };
    }

    /**
     * Reads the data set's tables and indexes once, so that the store and the raw engine both
     * start measuring with the database's cache as warm as reading can make it (an H2 file opened
     * anew reads its pages from the file on first use: throughput climbs for seconds, longer than
     * the warmup iterations). The connection stays open with the engine: it also keeps an
     * embedded H2 database open, and with it its cache.
     */
    private static Engine warmed(DataSet set, List<String> queries, Engine engine) {
        try {
            Connection c = RawJdbc.connect(set.backend(), set.jdbcUrl());
            engine.attach(c);
            if (set.backend() == Backend.POSTGRESQL) {
                c.setAutoCommit(false);
            }
            try (Statement s = c.createStatement()) {
                s.setFetchSize(1_000);
                for (String q : queries) {
                    try (ResultSet rs = s.executeQuery(q)) {
                        int columns = rs.getMetaData().getColumnCount();
                        while (rs.next()) {
                            for (int i = 1; i <= columns; i++) {
                                rs.getObject(i);
                            }
                        }
                    }
                }
            }
            if (set.backend() == Backend.POSTGRESQL) {
                c.rollback();
            }
            return engine;
        } catch (SQLException e) {
            engine.close();
            throw new IllegalStateException("cannot read " + set.jdbcUrl() + ": " + e.getMessage(), e);
        }
    }

    /** The provided-keys data set's store ({@code raw} false) or raw engine. */
    static Engine provided(DataSet set, boolean raw, BenchSets.Provided data) {
        set.ensure();
        return switch (set.backend()) {
            case MEMORY -> {
                if (raw) {
                    yield RawMemory.ofProvided(data);
                }
                RecordStore store = set.openStore();
                DataSet.fillProvided(store, data);
                yield new StoreEngine(store, null, null);
            }
            case ROCKSDB -> raw ? RawRocksDb.ofProvided(set.directory()) : new StoreEngine(set.openStore(), null, null);
            case H2, POSTGRESQL -> warmed(set, List.of(
                    "SELECT pkey, expires_at, addrs FROM kad_providers WHERE keyspace_id IS NOT NULL"
                            + " ORDER BY peer, keyspace_id, pkey"),
                    raw ? RawJdbc.ofProvided(set) : new StoreEngine(set.openStore(), null, null));
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
