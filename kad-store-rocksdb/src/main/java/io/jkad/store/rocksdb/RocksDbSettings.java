package io.jkad.store.rocksdb;

import io.jkad.record.StoreConfig;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.rocksdb.CompressionType;

/**
 * The {@code rocksdb.*} options of a {@link StoreConfig}, parsed and checked (the list, with the
 * defaults and why, is in {@link RocksDbStoreProvider}'s Javadoc).
 *
 * @param blockCacheMb size of the LRU block cache in MiB; 0: no block cache
 * @param bloomBits bloom filter bits per key; 0: no bloom filter
 * @param sync whether every write syncs the write-ahead log to disk before returning
 * @param compression the compression of the column families' data blocks
 */
record RocksDbSettings(int blockCacheMb, int bloomBits, boolean sync, CompressionType compression) {

    static final String PREFIX = "rocksdb.";
    static final String BLOCK_CACHE_MB = "rocksdb.block_cache_mb";
    static final String BLOOM_BITS = "rocksdb.bloom_bits";
    static final String SYNC = "rocksdb.sync";
    static final String COMPRESSION = "rocksdb.compression";

    static final int DEFAULT_BLOCK_CACHE_MB = 32;
    static final int MAX_BLOCK_CACHE_MB = 1 << 20;
    static final int DEFAULT_BLOOM_BITS = 10;
    static final int MAX_BLOOM_BITS = 64;
    static final boolean DEFAULT_SYNC = false;
    static final String DEFAULT_COMPRESSION = "lz4";

    /** The names {@link #COMPRESSION} accepts, and RocksDB's types for them. */
    static final Map<String, CompressionType> COMPRESSIONS = Map.of(
            "none", CompressionType.NO_COMPRESSION,
            "snappy", CompressionType.SNAPPY_COMPRESSION,
            "zlib", CompressionType.ZLIB_COMPRESSION,
            "bzip2", CompressionType.BZLIB2_COMPRESSION,
            "lz4", CompressionType.LZ4_COMPRESSION,
            "lz4hc", CompressionType.LZ4HC_COMPRESSION,
            "zstd", CompressionType.ZSTD_COMPRESSION);

    static final List<String> KNOWN = List.of(BLOCK_CACHE_MB, BLOOM_BITS, SYNC, COMPRESSION);

    /**
     * The settings of {@code config}: its {@code rocksdb.*} options, defaults for those absent.
     * Options of other backends (without the {@code rocksdb.} prefix) are ignored.
     *
     * @throws IllegalArgumentException naming the option and its value, if a value is bad or a
     *     {@code rocksdb.*} option is unknown (a misspelt option would otherwise be silently ignored)
     */
    static RocksDbSettings of(StoreConfig config) {
        for (String name : config.options().keySet()) {
            if (name.startsWith(PREFIX) && !KNOWN.contains(name)) {
                throw new IllegalArgumentException("unknown RocksDB store option '" + name + "' (value '"
                        + config.options().get(name) + "'); known options: " + KNOWN);
            }
        }
        int cache = intOption(config.option(BLOCK_CACHE_MB), BLOCK_CACHE_MB, DEFAULT_BLOCK_CACHE_MB, 0,
                MAX_BLOCK_CACHE_MB);
        int bloom = intOption(config.option(BLOOM_BITS), BLOOM_BITS, DEFAULT_BLOOM_BITS, 0, MAX_BLOOM_BITS);
        boolean sync = config.option(SYNC).map(RocksDbSettings::parseBoolean).orElse(DEFAULT_SYNC);
        String compressionName = config.option(COMPRESSION).orElse(DEFAULT_COMPRESSION);
        CompressionType compression = COMPRESSIONS.get(compressionName.trim().toLowerCase(Locale.ROOT));
        if (compression == null) {
            throw new IllegalArgumentException(COMPRESSION + " must be one of " + new TreeSet<>(COMPRESSIONS.keySet())
                    + ": '" + compressionName + "'");
        }
        return new RocksDbSettings(cache, bloom, sync, compression);
    }

    private static int intOption(Optional<String> text, String name, int defaultValue, int min, int max) {
        if (text.isEmpty()) {
            return defaultValue;
        }
        int value;
        try {
            value = Integer.parseInt(text.get().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer from " + min + " to " + max + ": '"
                    + text.get() + "'", e);
        }
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be from " + min + " to " + max + ": " + value);
        }
        return value;
    }

    private static boolean parseBoolean(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(SYNC + " must be true or false: '" + text + "'");
        };
    }
}
