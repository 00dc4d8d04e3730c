package io.jkad.bench;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What the store benchmarks read from system properties, which {@link StoreBenchReport} hands to
 * every JMH fork: where the persistent data sets live, the PostgreSQL server, and the data set
 * sizes (smaller in tests).
 */
final class BenchEnv {

    /** Folder of the persistent data sets; default {@code <java.io.tmpdir>/jkad-store-bench}. */
    static final String DIR = "jkad.bench.dir";
    /** JDBC URL of a PostgreSQL server without the database name, e.g. {@code jdbc:postgresql://127.0.0.1:5432/}. */
    static final String PG_URL = "jkad.bench.pg.url";
    /** PostgreSQL user (default {@code postgres}, no password). */
    static final String PG_USER = "jkad.bench.pg.user";
    /** Records of the get/put data sets (default 100,000). */
    static final String RECORDS = "jkad.bench.records";
    /** Keys of the provider data set, 20 providers each (default 2,000). */
    static final String PROVIDER_KEYS = "jkad.bench.provider.keys";
    /** Records of the expiry sweep data set (default 1,000,000). */
    static final String SWEEP_RECORDS = "jkad.bench.sweep.records";
    /** Keys the local peer provides in the provided-keys data set (default 30,000). */
    static final String PROVIDED_KEYS = "jkad.bench.provided.keys";

    static final int DEFAULT_RECORDS = 100_000;
    static final int DEFAULT_PROVIDER_KEYS = 2_000;
    static final int DEFAULT_SWEEP_RECORDS = 1_000_000;
    static final int DEFAULT_PROVIDED_KEYS = 30_000;
    /** Providers of every key of the provider data set. */
    static final int PROVIDERS_PER_KEY = 20;
    /** Value size of the sweep data set. */
    static final int SWEEP_VALUE_BYTES = 256;

    private BenchEnv() {}

    static Path dir() {
        String d = System.getProperty(DIR);
        return d != null ? Path.of(d) : Path.of(System.getProperty("java.io.tmpdir"), "jkad-store-bench");
    }

    static Optional<String> postgresUrl() {
        return Optional.ofNullable(System.getProperty(PG_URL)).filter(s -> !s.isBlank());
    }

    static String postgresUser() {
        return System.getProperty(PG_USER, "postgres");
    }

    static int records() {
        return Integer.getInteger(RECORDS, DEFAULT_RECORDS);
    }

    static int providerKeys() {
        return Integer.getInteger(PROVIDER_KEYS, DEFAULT_PROVIDER_KEYS);
    }

    static int sweepRecords() {
        return Integer.getInteger(SWEEP_RECORDS, DEFAULT_SWEEP_RECORDS);
    }

    static int providedKeys() {
        return Integer.getInteger(PROVIDED_KEYS, DEFAULT_PROVIDED_KEYS);
    }
}
