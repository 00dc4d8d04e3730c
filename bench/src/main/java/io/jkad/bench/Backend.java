package io.jkad.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The store backends the store benchmarks measure, by the name their {@code backend} parameter takes. */
enum Backend {
    /** {@code RecordStores.open("memory", ...)}; raw engine: {@link java.util.concurrent.ConcurrentHashMap}. */
    MEMORY("memory", "memory", "memory"),
    /** {@code RecordStores.open("rocksdb", ...)}; raw engine: rocksdbjni on the same column families. */
    ROCKSDB("rocksdb", "rocksdb", "rocksdb"),
    /** {@code RecordStores.open("jdbc", ...)} on its default H2 file database; raw engine: JDBC on the same tables. */
    H2("h2", "jdbc", "jdbc/h2"),
    /** {@code RecordStores.open("jdbc", ...)} on a PostgreSQL server; raw engine: JDBC on the same tables. */
    POSTGRESQL("postgresql", "jdbc", "jdbc/postgresql");

    /** The value of the benchmarks' {@code backend} parameter. */
    final String param;
    /** The name of the store's provider ({@code RecordStores.open(provider, ...)}). */
    final String provider;
    /** How the report names it. */
    final String label;

    Backend(String param, String provider, String label) {
        this.param = param;
        this.provider = provider;
        this.label = label;
    }

    boolean persistent() {
        return this != MEMORY;
    }

    boolean jdbc() {
        return this == H2 || this == POSTGRESQL;
    }

    /**
     * The backend whose parameter is {@code param}.
     *
     * @throws IllegalArgumentException naming the value and the known ones
     */
    static Backend of(String param) {
        for (Backend b : values()) {
            if (b.param.equals(param.trim().toLowerCase(Locale.ROOT))) {
                return b;
            }
        }
        throw new IllegalArgumentException("unknown backend '" + param + "'; known: "
                + Arrays.stream(values()).map(b -> b.param).collect(Collectors.joining(", ")));
    }
}
