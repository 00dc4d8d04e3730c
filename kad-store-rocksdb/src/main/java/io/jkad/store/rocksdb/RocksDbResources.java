package io.jkad.store.rocksdb;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Cache;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.Filter;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;

/**
 * The native handles of one open RocksDB store: the database, its column family handles, and the
 * option, filter and cache objects they were made with. Every one of these is a C++ object that the
 * garbage collector does not free; {@link #close()} frees them all in a fixed order. Not
 * thread-safe to close: the store calls {@link #close()} once, holding its lifecycle lock exclusively.
 */
final class RocksDbResources {

    /** 1 MiB. */
    private static final long MIB = 1024L * 1024;

    // Made first, closed last: the table configs of both column family options point at them.
    private final Cache cache;      // null if the block cache is off
    private final Filter filter;    // null if the bloom filter is off
    private final DBOptions dbOptions;
    /** Column families read by key: records, providers, provided, provider_peers (with the bloom filter). */
    private final ColumnFamilyOptions pointOptions;
    /**
     * Column families only scanned or barely used: default, expiry, provided_by_id (no bloom filter:
     * it would never be asked).
     */
    private final ColumnFamilyOptions scanOptions;
    final WriteOptions writeOptions;
    /** For full scans (records(), provided(), counting at open): they do not push hot blocks out of the cache. */
    final ReadOptions scanReadOptions;
    final RocksDB db;
    private final List<ColumnFamilyHandle> handles;
    final ColumnFamilyHandle defaultCf;
    final ColumnFamilyHandle records;
    final ColumnFamilyHandle providers;
    final ColumnFamilyHandle provided;
    final ColumnFamilyHandle expiry;
    final ColumnFamilyHandle providerPeers;
    final ColumnFamilyHandle providedById;

    private boolean closed;

    private RocksDbResources(Cache cache, Filter filter, DBOptions dbOptions, ColumnFamilyOptions pointOptions,
                             ColumnFamilyOptions scanOptions, WriteOptions writeOptions, ReadOptions scanReadOptions,
                             RocksDB db, List<ColumnFamilyHandle> handles) {
        this.cache = cache;
        this.filter = filter;
        this.dbOptions = dbOptions;
        this.pointOptions = pointOptions;
        this.scanOptions = scanOptions;
        this.writeOptions = writeOptions;
        this.scanReadOptions = scanReadOptions;
        this.db = db;
        this.handles = handles;
        // handles come back in the order of the descriptors: KeyLayout.COLUMN_FAMILIES
        this.defaultCf = handles.get(0);
        this.records = handles.get(1);
        this.providers = handles.get(2);
        this.provided = handles.get(3);
        this.expiry = handles.get(4);
        this.providerPeers = handles.get(5);
        this.providedById = handles.get(6);
    }

    /**
     * Opens (creating if needed) the database in {@code directory} with its column families.
     * On failure, frees whatever it had made before throwing.
     *
     * @throws RocksDBException if RocksDB cannot open it (locked by another process, damaged,
     *     a compression type not built in, …)
     */
    static RocksDbResources open(Path directory, RocksDbSettings settings) throws RocksDBException {
        // Everything made so far, so that a failure part-way frees it (in reverse order).
        List<AutoCloseable> made = new ArrayList<>();
        try {
            Cache cache = null;
            if (settings.blockCacheMb() > 0) {
                cache = track(made, new LRUCache(settings.blockCacheMb() * MIB));
            }
            Filter filter = null;
            if (settings.bloomBits() > 0) {
                filter = track(made, new BloomFilter(settings.bloomBits(), false));
            }
            DBOptions dbOptions = track(made, new DBOptions()
                    .setCreateIfMissing(true)
                    .setCreateMissingColumnFamilies(true)
                    // memtables of all column families together: bounded, flushed when full
                    .setDbWriteBufferSize(64 * MIB)
                    // RocksDB's own LOG files: a few, small
                    .setKeepLogFileNum(4)
                    .setMaxLogFileSize(4 * MIB));
            ColumnFamilyOptions pointOptions = track(made, columnFamilyOptions(settings, cache, filter));
            ColumnFamilyOptions scanOptions = track(made, columnFamilyOptions(settings, cache, null));
            // sync=false: the write-ahead log is written (to the OS) before a write returns, so an
            // acknowledged write survives the process being killed; sync=true also fsyncs it, so it
            // survives a power loss or an OS crash, at the cost of one fsync per write.
            WriteOptions writeOptions = track(made, new WriteOptions().setSync(settings.sync()).setDisableWAL(false));
            ReadOptions scanReadOptions = track(made, new ReadOptions().setFillCache(false));

            List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
            for (String name : KeyLayout.COLUMN_FAMILIES) {
                boolean point = name.equals(KeyLayout.CF_RECORDS) || name.equals(KeyLayout.CF_PROVIDERS)
                        || name.equals(KeyLayout.CF_PROVIDED) || name.equals(KeyLayout.CF_PROVIDER_PEERS);
                descriptors.add(new ColumnFamilyDescriptor(name.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                        point ? pointOptions : scanOptions));
            }
            List<ColumnFamilyHandle> handles = new ArrayList<>();
            RocksDB db;
            try {
                db = RocksDB.open(dbOptions, directory.toString(), descriptors, handles);
            } finally {
                // on failure RocksDB may still have handed out some handles; they go before the options
                made.addAll(handles);
            }
            made.removeAll(handles);
            return new RocksDbResources(cache, filter, dbOptions, pointOptions, scanOptions, writeOptions,
                    scanReadOptions, db, List.copyOf(handles));
        } catch (RocksDBException | RuntimeException | Error e) {
            for (int i = made.size() - 1; i >= 0; i--) {
                try {
                    made.get(i).close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /** Every column family handle, in the order of {@link KeyLayout#COLUMN_FAMILIES}. */
    List<ColumnFamilyHandle> handles() {
        return handles;
    }

    private static ColumnFamilyOptions columnFamilyOptions(RocksDbSettings settings, Cache cache, Filter filter) {
        BlockBasedTableConfig table = new BlockBasedTableConfig();
        if (cache != null) {
            table.setBlockCache(cache);
        } else {
            table.setNoBlockCache(true);
        }
        if (filter != null) {
            table.setFilterPolicy(filter);
        }
        return new ColumnFamilyOptions()
                .setCompressionType(settings.compression())
                .setTableFormatConfig(table);
    }

    private static <T extends AutoCloseable> T track(List<AutoCloseable> made, T resource) {
        made.add(resource);
        return resource;
    }

    /**
     * Frees every native handle, in this order (after the store has closed its iterators, which
     * point into the database):
     * <ol>
     *   <li>the column family handles, which belong to the database;
     *   <li>the database (its background work stops; the write-ahead log is closed);
     *   <li>the database and column family options, which the database no longer reads;
     *   <li>the write and read options;
     *   <li>the bloom filter and the block cache, which the table configs of the options point at.
     * </ol>
     * Idempotent.
     */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (ColumnFamilyHandle handle : handles) {
            handle.close();
        }
        db.close();
        dbOptions.close();
        pointOptions.close();
        scanOptions.close();
        writeOptions.close();
        scanReadOptions.close();
        if (filter != null) {
            filter.close();
        }
        if (cache != null) {
            cache.close();
        }
    }
}
