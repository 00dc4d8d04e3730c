package io.jkad.store.rocksdb;

import io.jkad.record.RecordStore;
import io.jkad.record.RecordStoreProvider;
import io.jkad.record.StoreConfig;
import io.jkad.record.StoreException;
import io.jkad.record.StoreException.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.rocksdb.RocksDB;

/**
 * The {@code rocksdb} record store backend: a persistent store in a RocksDB database (rocksdbjni)
 * in {@link StoreConfig#dataDirectory()}, which is required. Found by
 * {@link io.jkad.record.RecordStores#open RecordStores.open("rocksdb", config)}. Enforces the
 * limits of {@link StoreConfig}.
 *
 * <p>Options ({@link StoreConfig#option}); a bad value, or an unknown option starting with
 * {@code rocksdb.}, is an {@link IllegalArgumentException} naming it and its value:
 * <table>
 *   <caption>RocksDB store options</caption>
 *   <tr><th>option</th><th>values</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code rocksdb.block_cache_mb}</td><td>0 to 1048576</td><td>32</td>
 *       <td>size in MiB of the LRU cache of data blocks, shared by the column families; 0: no cache</td></tr>
 *   <tr><td>{@code rocksdb.bloom_bits}</td><td>0 to 64</td><td>10</td>
 *       <td>bloom filter bits per key of the column families read by key (about 1% false positives
 *       at 10); 0: no bloom filter</td></tr>
 *   <tr><td>{@code rocksdb.sync}</td><td>{@code true}, {@code false}</td><td>{@code false}</td>
 *       <td>whether every write also syncs (fsyncs) the write-ahead log before it returns</td></tr>
 *   <tr><td>{@code rocksdb.compression}</td>
 *       <td>{@code none}, {@code snappy}, {@code lz4}, {@code lz4hc}, {@code zlib}, {@code zstd}, {@code bzip2}</td>
 *       <td>{@code lz4}</td><td>compression of the data blocks</td></tr>
 * </table>
 *
 * <p>Durability, and why {@code rocksdb.sync} defaults to {@code false}: every write is appended to
 * RocksDB's write-ahead log and handed to the operating system before the call returns, with or
 * without sync. So with the default, a write that returned survives the process being killed
 * ({@code kill -9}, a crash of the JVM): the operating system still writes the log out, and
 * reopening replays it (the crash test {@code RocksDbCrashIT} checks exactly this). It does not
 * survive a power loss or an operating system crash, which may lose the last writes (never
 * corrupting the database: RocksDB recovers to a consistent point). {@code rocksdb.sync=true}
 * survives those too, at the price of an fsync per write (milliseconds on most disks). A DHT
 * node's records are copies that their publishers republish, so the default favours throughput;
 * choose {@code true} for a node whose records must outlive a power cut.
 *
 * <p>The database directory is created if missing; one store at a time may have it open (RocksDB
 * locks it: a second open fails with {@code BACKEND}).
 */
public final class RocksDbStoreProvider implements RecordStoreProvider {

    /** The backend's name: {@code rocksdb}. */
    public static final String NAME = "rocksdb";

    /** For {@link java.util.ServiceLoader}. */
    public RocksDbStoreProvider() {}

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Opens (creating if needed) the store in {@code config.dataDirectory()}. The store is
     * thread-safe and must be closed.
     *
     * @throws IllegalArgumentException if the data directory is not set, or an option is bad or unknown
     * @throws StoreException {@code BACKEND} (operation {@code open}) if the native library cannot be
     *     loaded, the directory cannot be made, or RocksDB cannot open the database (locked by another
     *     store, damaged, of a layout version this build does not read)
     * @throws NullPointerException if {@code config} is null
     */
    @Override
    public RecordStore open(StoreConfig config) {
        Objects.requireNonNull(config, "config");
        Path directory = config.dataDirectory().orElseThrow(() -> new IllegalArgumentException(
                "the rocksdb store needs a data directory: StoreConfig.dataDirectory is empty"
                        + " (set it with StoreConfig.withDataDirectory, or --data-dir on the command line)"));
        RocksDbSettings settings = RocksDbSettings.of(config);
        try {
            RocksDB.loadLibrary();
        } catch (RuntimeException | LinkageError e) {
            throw new StoreException(Kind.BACKEND, NAME, "open", "cannot load RocksDB's native library: " + e, e);
        }
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new StoreException(Kind.BACKEND, NAME, "open", "cannot create the data directory " + directory
                    + ": " + e, e);
        }
        return RocksDbRecordStore.open(directory, config, settings);
    }
}
