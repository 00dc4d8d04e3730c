package io.jkad.record;

import io.jkad.identity.PeerId;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link RecordStoreProvider} needs to open a store: the local peer (whose provider
 * records are "provided" keys), the limits, a data directory for persistent stores, and
 * backend-specific options ({@code rocksdb.*}, {@code jdbc.*}).
 *
 * @param localPeer the local node's peer id
 * @param dataDirectory where a persistent store keeps its files (empty for in-memory stores)
 * @param maxRecords the most value records (default 1024)
 * @param maxValueBytes the largest value in bytes (default 65 KiB)
 * @param maxProvidersPerKey the most providers of one key (default 20)
 * @param maxProvidedKeys the most keys with provider records (default 1024)
 * @param options backend-specific settings
 */
public record StoreConfig(PeerId localPeer, Optional<Path> dataDirectory, int maxRecords, int maxValueBytes,
                          int maxProvidersPerKey, int maxProvidedKeys, Map<String, String> options) {

    public static final int DEFAULT_MAX_RECORDS = 1024;
    public static final int DEFAULT_MAX_VALUE_BYTES = 65 * 1024;
    public static final int DEFAULT_MAX_PROVIDERS_PER_KEY = 20;
    public static final int DEFAULT_MAX_PROVIDED_KEYS = 1024;

    public StoreConfig {
        Objects.requireNonNull(localPeer, "localPeer");
        Objects.requireNonNull(dataDirectory, "dataDirectory");
        positive("maxRecords", maxRecords);
        positive("maxValueBytes", maxValueBytes);
        positive("maxProvidersPerKey", maxProvidersPerKey);
        positive("maxProvidedKeys", maxProvidedKeys);
        options = Map.copyOf(options);
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0: " + value);
        }
    }

    /** The defaults for {@code localPeer}, in memory. */
    public static StoreConfig defaults(PeerId localPeer) {
        return new StoreConfig(localPeer, Optional.empty(), DEFAULT_MAX_RECORDS, DEFAULT_MAX_VALUE_BYTES,
                DEFAULT_MAX_PROVIDERS_PER_KEY, DEFAULT_MAX_PROVIDED_KEYS, Map.of());
    }

    public StoreConfig withDataDirectory(Path directory) {
        return new StoreConfig(localPeer, Optional.of(directory), maxRecords, maxValueBytes, maxProvidersPerKey,
                maxProvidedKeys, options);
    }

    public StoreConfig withLimits(int maxRecords, int maxValueBytes, int maxProvidersPerKey, int maxProvidedKeys) {
        return new StoreConfig(localPeer, dataDirectory, maxRecords, maxValueBytes, maxProvidersPerKey,
                maxProvidedKeys, options);
    }

    public StoreConfig withOption(String name, String value) {
        var copy = new java.util.HashMap<>(options);
        copy.put(name, value);
        return new StoreConfig(localPeer, dataDirectory, maxRecords, maxValueBytes, maxProvidersPerKey,
                maxProvidedKeys, copy);
    }

    public Optional<String> option(String name) {
        return Optional.ofNullable(options.get(name));
    }
}
