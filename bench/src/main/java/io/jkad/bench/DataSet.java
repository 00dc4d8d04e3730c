package io.jkad.bench;

import io.jkad.record.RecordStore;
import io.jkad.record.RecordStores;
import io.jkad.record.StoreConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * One data set of one backend: what it holds ({@link Kind}, value size, size), where a persistent
 * backend keeps it (a folder under {@link BenchEnv#dir()}, or a database of the PostgreSQL server),
 * and how it is built.
 *
 * <p>A persistent data set is built once, by the first fork that needs it, and reused by the forks
 * after it (the store's and the raw engine's): a {@code .ready} file beside it holds the
 * description it was built from. Benchmarks that write keep it valid: puts replace records of the
 * set, provider updates replace providers in place, and a sweep benchmark puts back what it swept
 * (a {@code .dirty} file says a sweep benchmark is under way; a fork that finds it, after one that
 * died, puts the swept records back first).
 *
 * <p>Building: the memory store is filled in each fork. RocksDB data sets are written through the
 * store (a provider set is flushed and compacted again before each fork that uses it: see
 * {@link #settleRocksDb()}). JDBC data sets are made by the store (its schema) and filled
 * with batched upserts into its tables, then its record counter is recounted; provider and
 * provided-keys data sets go through the store everywhere (so that the keyspace index is the
 * store's own). Then each is settled as its engine would settle it in time:
 * RocksDB flushed and compacted, the H2 file rewritten compacted ({@code SHUTDOWN COMPACT}),
 * PostgreSQL vacuumed and analysed.
 *
 * @param size records (RECORDS, SWEEP) or keys (PROVIDERS, PROVIDED)
 * @param valueSize bytes per value (0 for PROVIDERS)
 */
record DataSet(Backend backend, Kind kind, int valueSize, int size) {

    /** Bump when what a data set holds changes, so that old ones are rebuilt. */
    private static final int FORMAT = 1;

    /** The most records a sweep benchmark removes: what a fork that finds a data set dirty puts back. */
    static final double MAX_SWEEP_FRACTION = 0.10;

    enum Kind { RECORDS, PROVIDERS, SWEEP, PROVIDED }

    static DataSet records(Backend backend, int valueSize) {
        return new DataSet(backend, Kind.RECORDS, valueSize, BenchEnv.records());
    }

    static DataSet providers(Backend backend) {
        return new DataSet(backend, Kind.PROVIDERS, 0, BenchEnv.providerKeys());
    }

    static DataSet sweep(Backend backend) {
        return new DataSet(backend, Kind.SWEEP, BenchEnv.SWEEP_VALUE_BYTES, BenchEnv.sweepRecords());
    }

    static DataSet provided(Backend backend) {
        return new DataSet(backend, Kind.PROVIDED, 0, BenchEnv.providedKeys());
    }

    String name() {
        return switch (kind) {
            case RECORDS -> "records-" + valueSize + "-" + size;
            case PROVIDERS -> "providers-" + size;
            case SWEEP -> "sweep-" + valueSize + "-" + size;
            case PROVIDED -> "provided-" + size;
        };
    }

    Path directory() {
        return BenchEnv.dir().resolve(backend.param).resolve(name());
    }

    private Path readyFile() {
        return BenchEnv.dir().resolve(backend.param).resolve(name() + ".ready");
    }

    private Path dirtyFile() {
        return BenchEnv.dir().resolve(backend.param).resolve(name() + ".dirty");
    }

    /** The PostgreSQL database of the data set. */
    String database() {
        return "jkad_" + name().replace('-', '_');
    }

    /** The JDBC URL of the data set's database: the store's default H2 file URL, or the server's database. */
    String jdbcUrl() {
        return switch (backend) {
            case H2 -> "jdbc:h2:file:" + directory().toAbsolutePath().normalize().resolve("records") + ";WRITE_DELAY=0";
            case POSTGRESQL -> postgresBase() + database();
            default -> throw new IllegalStateException(backend + " is not a JDBC backend");
        };
    }

    private static String postgresBase() {
        return BenchEnv.postgresUrl().orElseThrow(() -> new IllegalStateException(
                "no PostgreSQL server: set -D" + BenchEnv.PG_URL + "=jdbc:postgresql://host:port/ (StoreBenchReport"
                        + " starts one where the binaries are installed)"));
    }

    /**
     * The config the store is opened with: the local peer, limits raised above the data set's size
     * (the defaults hold 1,024 records), and where the backend keeps the data. RocksDB gets the
     * settings {@link RawRocksDb} opens the raw engine with, spelled out, so that the two compare
     * the same configuration even if the store's defaults change.
     */
    StoreConfig storeConfig() {
        StoreConfig config = StoreConfig.defaults(BenchData.localPeer())
                .withLimits(10_000_000, StoreConfig.DEFAULT_MAX_VALUE_BYTES, BenchEnv.PROVIDERS_PER_KEY, 10_000_000);
        return switch (backend) {
            case MEMORY -> config;
            case ROCKSDB -> config.withDataDirectory(directory())
                    .withOption("rocksdb.block_cache_mb", String.valueOf(RawRocksDb.BLOCK_CACHE_MB))
                    .withOption("rocksdb.bloom_bits", String.valueOf(RawRocksDb.BLOOM_BITS))
                    .withOption("rocksdb.compression", RawRocksDb.COMPRESSION_NAME)
                    .withOption("rocksdb.sync", "false");
            case H2 -> config.withDataDirectory(directory());
            case POSTGRESQL -> config.withOption("jdbc.url", jdbcUrl())
                    .withOption("jdbc.user", BenchEnv.postgresUser())
                    .withOption("jdbc.password", "");
        };
    }

    /** Opens the data set's store through {@link RecordStores#open}; a persistent set must be {@linkplain #ensure() there}. */
    RecordStore openStore() {
        return RecordStores.open(backend.provider, storeConfig());
    }

    private String description() {
        return "format " + FORMAT + ", " + backend.param + ", " + name()
                + (backend == Backend.POSTGRESQL ? ", " + jdbcUrl() : "");
    }

    /**
     * Makes sure a persistent data set is built and whole (nothing for the memory backend, whose
     * data sets live in the fork).
     */
    void ensure() {
        if (!backend.persistent()) {
            return;
        }
        try {
            String description = description();
            if (Files.exists(readyFile()) && Files.readString(readyFile(), StandardCharsets.UTF_8).equals(description)) {
                if (Files.exists(dirtyFile())) {
                    log("putting back the records of an unfinished sweep benchmark");
                    try (StoreEngine store = new StoreEngine(openStore(), null, null)) {
                        restoreSweep(store.store(), new BenchSets.Sweep(size), sweepRestoreCount());
                    }
                    Files.delete(dirtyFile());
                }
                if (backend == Backend.ROCKSDB && kind == Kind.PROVIDERS) {
                    settleRocksDb();
                }
                return;
            }
            Files.deleteIfExists(readyFile());
            Files.deleteIfExists(dirtyFile());
            wipe();
            long t0 = System.nanoTime();
            log("building");
            build();
            log(String.format("built in %.1f s", (System.nanoTime() - t0) / 1e9));
            Files.createDirectories(readyFile().getParent());
            Files.writeString(readyFile(), description, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("data set " + name() + " of " + backend.param, e);
        }
    }

    int sweepRestoreCount() {
        return (int) Math.ceil(size * MAX_SWEEP_FRACTION);
    }

    /** Marks a sweep data set as being swept (see the class comment). */
    void markDirty(boolean dirty) {
        if (!backend.persistent()) {
            return;
        }
        try {
            if (dirty) {
                Files.createDirectories(dirtyFile().getParent());
                Files.writeString(dirtyFile(), "a sweep benchmark is under way", StandardCharsets.UTF_8);
            } else {
                Files.deleteIfExists(dirtyFile());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void wipe() throws IOException {
        deleteTree(directory());
        if (backend == Backend.POSTGRESQL) {
            try (Connection c = RawJdbc.connect(backend, postgresBase() + "postgres");
                 Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + database());
                s.execute("CREATE DATABASE " + database());
            } catch (SQLException e) {
                throw new IllegalStateException("cannot make database " + database() + ": " + e.getMessage(), e);
            }
        }
    }

    private void build() {
        switch (kind) {
            case RECORDS -> {
                BenchSets.Records data = new BenchSets.Records(valueSize, size);
                if (backend.jdbc()) {
                    openStore().close(); // the store makes its schema
                    RawJdbc.load(backend, jdbcUrl(), 0, size, i -> data.records[i]);
                } else {
                    try (RecordStore store = openStore()) {
                        for (int i = 0; i < size; i++) {
                            store.put(data.records[i]);
                        }
                    }
                }
            }
            case PROVIDERS -> {
                BenchSets.Providers data = new BenchSets.Providers(size);
                try (RecordStore store = openStore()) {
                    fillProviders(store, data);
                }
            }
            case PROVIDED -> {
                try (RecordStore store = openStore()) {
                    fillProvided(store, new BenchSets.Provided(size));
                }
            }
            case SWEEP -> {
                BenchSets.Sweep data = new BenchSets.Sweep(size);
                if (backend.jdbc()) {
                    openStore().close();
                    RawJdbc.load(backend, jdbcUrl(), 0, size, data::record);
                } else {
                    try (RecordStore store = openStore()) {
                        for (int i = 0; i < size; i++) {
                            store.put(data.record(i));
                        }
                    }
                }
            }
        }
        if (backend == Backend.ROCKSDB) {
            settleRocksDb();
        }
        if (backend == Backend.H2) {
            // a file written by many small commits is spread over many chunks: rewrite it compacted
            try (Connection c = RawJdbc.connect(backend, jdbcUrl()); Statement s = c.createStatement()) {
                s.execute("SHUTDOWN COMPACT");
            } catch (SQLException e) {
                throw new IllegalStateException("cannot compact " + jdbcUrl() + ": " + e.getMessage(), e);
            }
        }
        if (backend == Backend.POSTGRESQL) {
            try (Connection c = RawJdbc.connect(backend, jdbcUrl()); Statement s = c.createStatement()) {
                s.execute("VACUUM ANALYZE");
            } catch (SQLException e) {
                throw new IllegalStateException("cannot vacuum " + jdbcUrl() + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Flushes and compacts the RocksDB data set. Done after building, and again before every fork
     * that uses a provider data set: the forks of {@code addProvider} (which JMH runs before those
     * of {@code providers}) leave hundreds of thousands of overwritten versions in memtables and
     * level-0 files, which a prefix scan must step over, so that the {@code providers} results
     * would depend on how much the forks before them wrote, and the raw engine's fork (after the
     * store's) would find more of it compacted away. It takes well under a second for a provider
     * set; the record sets are not settled again (gets run before puts).
     */
    private void settleRocksDb() {
        try (RawRocksDb raw = RawRocksDb.open(directory())) {
            raw.flushAndCompact();
        }
    }

    static void fillProviders(RecordStore store, BenchSets.Providers data) {
        for (int k = 0; k < data.size(); k++) {
            for (int j = 0; j < BenchEnv.PROVIDERS_PER_KEY; j++) {
                if (!store.addProvider(data.provider(k, j, BenchData.FAR))) {
                    throw new IllegalStateException("provider " + j + " of key " + k + " refused");
                }
            }
        }
    }

    static void fillProvided(RecordStore store, BenchSets.Provided data) {
        for (int i = 0; i < data.size(); i++) {
            if (!store.addProvider(data.local(i))) {
                throw new IllegalStateException("the local provider of key " + i + " refused");
            }
            int key = i;
            data.remote(i).ifPresent(p -> {
                if (!store.addProvider(p)) {
                    throw new IllegalStateException("the other provider of key " + key + " refused");
                }
            });
        }
    }

    /**
     * Puts records {@code 0 .. count-1} of the sweep data set back into {@code store} (after a
     * sweep removed them): through the store, or for a JDBC backend with batched upserts into its
     * table and a recount.
     */
    void restoreSweep(RecordStore store, BenchSets.Sweep data, int count) {
        if (backend.jdbc()) {
            RawJdbc.load(backend, jdbcUrl(), 0, count, data::record);
        } else {
            for (int i = 0; i < count; i++) {
                store.put(data.record(i));
            }
        }
    }

    private void log(String what) {
        System.out.println("# data set " + backend.param + "/" + name() + ": " + what);
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
