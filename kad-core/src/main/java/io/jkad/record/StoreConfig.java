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
 * @param maxKeyBytes the longest key in bytes, of value records and provider records alike
 *     (default {@value #DEFAULT_MAX_KEY_BYTES}; see {@link #DEFAULT_MAX_KEY_BYTES} for why)
 * @param maxProvidersPerKey the most providers of one key (default 20)
 * @param maxProvidedKeys the most keys with provider records (default 1024)
 * @param options backend-specific settings
 */
public record StoreConfig(PeerId localPeer, Optional<Path> dataDirectory, int maxRecords, int maxValueBytes,
                          int maxKeyBytes, int maxProvidersPerKey, int maxProvidedKeys, Map<String, String> options) {

    public static final int DEFAULT_MAX_RECORDS = 1024;
    public static final int DEFAULT_MAX_VALUE_BYTES = 65 * 1024;
    /**
     * 1 KiB. Neither reference has a key-size limit of its own: rust-libp2p's kad bounds keys
     * only by its 16 KiB maximum packet; go-libp2p-kad-dht refuses provider keys over 80 bytes
     * (GET_PROVIDERS, ADD_PROVIDER) and takes only value keys its validators accept ({@code /pk/}
     * and {@code /ipns/} followed by a multihash or peer id: well under 100 bytes). Real keys are
     * thus tens of bytes; 1 KiB leaves room for other namespaces, is what {@link RecordStore}
     * always promised to accept, and stays well under PostgreSQL's B-tree index row limit (about
     * 2.7 KB), which the JDBC store's indexes on keys (with a peer id beside) must fit in.
     */
    public static final int DEFAULT_MAX_KEY_BYTES = 1024;
    public static final int DEFAULT_MAX_PROVIDERS_PER_KEY = 20;
    public static final int DEFAULT_MAX_PROVIDED_KEYS = 1024;

    public StoreConfig {
        Objects.requireNonNull(localPeer, "localPeer");
        Objects.requireNonNull(dataDirectory, "dataDirectory");
        positive("maxRecords", maxRecords);
        positive("maxValueBytes", maxValueBytes);
        positive("maxKeyBytes", maxKeyBytes);
        positive("maxProvidersPerKey", maxProvidersPerKey);
        positive("maxProvidedKeys", maxProvidedKeys);
        options = Map.copyOf(options);
    }

    /** The configuration with the default {@code maxKeyBytes}, as before it was configurable. */
    public StoreConfig(PeerId localPeer, Optional<Path> dataDirectory, int maxRecords, int maxValueBytes,
                       int maxProvidersPerKey, int maxProvidedKeys, Map<String, String> options) {
        this(localPeer, dataDirectory, maxRecords, maxValueBytes, DEFAULT_MAX_KEY_BYTES, maxProvidersPerKey,
                maxProvidedKeys, options);
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0: " + value);
        }
    }

    /** The defaults for {@code localPeer}, in memory. */
    public static StoreConfig defaults(PeerId localPeer) {
        return new StoreConfig(localPeer, Optional.empty(), DEFAULT_MAX_RECORDS, DEFAULT_MAX_VALUE_BYTES,
                DEFAULT_MAX_KEY_BYTES, DEFAULT_MAX_PROVIDERS_PER_KEY, DEFAULT_MAX_PROVIDED_KEYS, Map.of());
    }

    public StoreConfig withDataDirectory(Path directory) {
        return new StoreConfig(localPeer, Optional.of(directory), maxRecords, maxValueBytes, maxKeyBytes, maxProvidersPerKey,
                maxProvidedKeys, options);
    }

    public StoreConfig withLimits(int maxRecords, int maxValueBytes, int maxProvidersPerKey, int maxProvidedKeys) {
        return new StoreConfig(localPeer, dataDirectory, maxRecords, maxValueBytes, maxKeyBytes, maxProvidersPerKey,
                maxProvidedKeys, options);
    }

    /** @throws IllegalArgumentException if {@code bytes} is not positive */
    public StoreConfig withMaxKeyBytes(int bytes) {
        return new StoreConfig(localPeer, dataDirectory, maxRecords, maxValueBytes, bytes, maxProvidersPerKey,
                maxProvidedKeys, options);
    }

    /**
     * Refuses a key longer than {@link #maxKeyBytes()}: every backend calls this before a write
     * reaches its storage, so they all agree on what is too long whatever the backend itself
     * could hold.
     *
     * @param store the store's provider name, for the message
     * @param operation the refused operation
     * @throws StoreException {@code KEY_TOO_LARGE}
     */
    public void checkKey(RecordKey key, String store, String operation) {
        if (key.length() > maxKeyBytes) {
            throw new StoreException(StoreException.Kind.KEY_TOO_LARGE, store, operation, "key of " + key.length()
                    + " bytes exceeds maxKeyBytes " + maxKeyBytes);
        }
    }

    /** Whether {@code key} fits {@link #maxKeyBytes()}: nothing is ever stored under a key that does not. */
    public boolean fits(RecordKey key) {
        return key.length() <= maxKeyBytes;
    }

    public StoreConfig withOption(String name, String value) {
        var copy = new java.util.HashMap<>(options);
        copy.put(name, value);
        return new StoreConfig(localPeer, dataDirectory, maxRecords, maxValueBytes, maxKeyBytes, maxProvidersPerKey,
                maxProvidedKeys, copy);
    }

    public Optional<String> option(String name) {
        return Optional.ofNullable(options.get(name));
    }
}
