package io.jkad.bench;

import io.jkad.multiaddr.Multiaddr;
import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import io.jkad.util.Varint;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteOptions;

/**
 * The RocksDB store's raw engine: rocksdbjni on the store's own database (same directory, same
 * column families, same keys and value encoding), opened with the options the store opens it with
 * by default ({@code RocksDbSettings} defaults as {@code RocksDbResources} applies them: a 32 MiB
 * LRU block cache shared by the column families, a 10-bit bloom filter on {@code records},
 * {@code providers}, {@code provided} and {@code provider_peers}, LZ4 compression, 64 MiB of memtables for the whole
 * database, writes to the write-ahead log without sync, full scans that do not fill the cache).
 *
 * <p>What it does per operation is the least the layout needs: a get is one {@code db.get}; a put
 * one {@code db.put} of the encoded record (no read of the old record, no expiry index entry); the
 * providers of a key one prefix scan returning the raw entries (not decoded); an update of a
 * provider one {@code db.put} under the entry's key, which it knows beforehand (the store finds it
 * by a point lookup in {@code provider_peers}, and also rewrites that entry and moves the expiry
 * index entry). Like the expiry index, the {@code provider_peers} entry is left as it was by the raw
 * engine's update: its expiry goes stale, which neither engine's reads look at.
 */
final class RawRocksDb extends Engine {

    static {
        RocksDB.loadLibrary();
    }

    private static final long MIB = 1024L * 1024;
    /** The store's {@code RocksDbSettings} defaults. */
    static final int BLOCK_CACHE_MB = 32;
    static final int BLOOM_BITS = 10;
    static final CompressionType COMPRESSION = CompressionType.LZ4_COMPRESSION;
    /** {@link #COMPRESSION} as the store's {@code rocksdb.compression} option names it. */
    static final String COMPRESSION_NAME = "lz4";
    /** Column families read by key, which have the bloom filter (the store's {@code KeyLayout}, layout version 3). */
    private static final List<String> POINT_FAMILIES = List.of("records", "providers", "provided", "provider_peers");

    private final LRUCache cache;
    private final BloomFilter filter;
    private final DBOptions dbOptions;
    private final ColumnFamilyOptions pointOptions;
    private final ColumnFamilyOptions scanOptions;
    private final WriteOptions writeOptions;
    private final ReadOptions scanReadOptions;
    private final RocksDB db;
    private final List<ColumnFamilyHandle> handles;
    private final ColumnFamilyHandle records;
    private final ColumnFamilyHandle providersCf;
    /** The store's keyspace index of the provided keys (layout version 3); null in a database without it. */
    private final ColumnFamilyHandle providedById;

    private BenchSets.Records data;
    private BenchSets.Providers providerData;
    /** providerKeys[k][j]: the providers-family key of provider j of key k; seqs[k][j] its seq. */
    private byte[][][] providerKeys;
    private long[][] seqs;

    private RawRocksDb(Path dir) throws RocksDBException {
        cache = new LRUCache(BLOCK_CACHE_MB * MIB);
        filter = new BloomFilter(BLOOM_BITS, false);
        dbOptions = new DBOptions()
                .setCreateIfMissing(false)
                .setDbWriteBufferSize(64 * MIB)
                .setKeepLogFileNum(4)
                .setMaxLogFileSize(4 * MIB);
        pointOptions = new ColumnFamilyOptions().setCompressionType(COMPRESSION)
                .setTableFormatConfig(new BlockBasedTableConfig().setBlockCache(cache).setFilterPolicy(filter));
        scanOptions = new ColumnFamilyOptions().setCompressionType(COMPRESSION)
                .setTableFormatConfig(new BlockBasedTableConfig().setBlockCache(cache));
        writeOptions = new WriteOptions().setSync(false).setDisableWAL(false);
        scanReadOptions = new ReadOptions().setFillCache(false);
        List<byte[]> names;
        try (Options o = new Options()) {
            names = RocksDB.listColumnFamilies(o, dir.toString());
        }
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        for (byte[] name : names) {
            boolean point = POINT_FAMILIES.contains(new String(name, StandardCharsets.US_ASCII));
            descriptors.add(new ColumnFamilyDescriptor(name, point ? pointOptions : scanOptions));
        }
        handles = new ArrayList<>();
        db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
        records = handle(names, "records");
        providersCf = handle(names, "providers");
        providedById = names.stream().anyMatch(n -> Arrays.equals(n, "provided_by_id".getBytes(StandardCharsets.US_ASCII)))
                ? handle(names, "provided_by_id") : null;
    }

    private ColumnFamilyHandle handle(List<byte[]> names, String name) {
        for (int i = 0; i < names.size(); i++) {
            if (Arrays.equals(names.get(i), name.getBytes(StandardCharsets.US_ASCII))) {
                return handles.get(i);
            }
        }
        throw new IllegalStateException("the store's database has no column family '" + name + "'");
    }

    /** Opens the store's database in {@code dir} (which the store made). */
    static RawRocksDb open(Path dir) {
        try {
            return new RawRocksDb(dir);
        } catch (RocksDBException e) {
            throw new IllegalStateException("cannot open RocksDB in " + dir + ": " + e.getMessage(), e);
        }
    }

    static RawRocksDb ofRecords(Path dir, BenchSets.Records data) {
        RawRocksDb raw = open(dir);
        raw.data = data;
        return raw;
    }

    /** Opens the database and finds the entry of every provider of the data set (a scan per key). */
    static RawRocksDb ofProviders(Path dir, BenchSets.Providers data) {
        RawRocksDb raw = open(dir);
        raw.providerData = data;
        raw.providerKeys = new byte[data.size()][BenchEnv.PROVIDERS_PER_KEY][];
        raw.seqs = new long[data.size()][BenchEnv.PROVIDERS_PER_KEY];
        for (int k = 0; k < data.size(); k++) {
            byte[][] peers = new byte[BenchEnv.PROVIDERS_PER_KEY][];
            for (int j = 0; j < peers.length; j++) {
                peers[j] = BenchData.peer(BenchData.providerPeer(k, j)).toBytes();
            }
            byte[] prefix = providerPrefix(data.keyBytes[k]);
            try (RocksIterator it = raw.db.newIterator(raw.providersCf)) {
                for (it.seek(prefix); it.isValid() && startsWith(it.key(), prefix); it.next()) {
                    byte[] key = it.key();
                    byte[] peer = peerOfProviderValue(it.value());
                    for (int j = 0; j < peers.length; j++) {
                        if (Arrays.equals(peer, peers[j])) {
                            raw.providerKeys[k][j] = key;
                            raw.seqs[k][j] = ByteBuffer.wrap(key, key.length - 8, 8).getLong();
                        }
                    }
                }
            }
            for (int j = 0; j < peers.length; j++) {
                if (raw.providerKeys[k][j] == null) {
                    raw.close();
                    throw new IllegalStateException("provider " + j + " of key " + k + " is not in " + dir);
                }
            }
        }
        return raw;
    }

    static RawRocksDb ofSweep(Path dir) {
        return open(dir);
    }

    static RawRocksDb ofProvided(Path dir) {
        RawRocksDb raw = open(dir);
        if (raw.providedById == null) {
            raw.close();
            throw new IllegalStateException("the store's database in " + dir + " has no provided_by_id column family");
        }
        return raw;
    }

    /** Flushes every column family and compacts it, so that the benchmarks start from table files. */
    void flushAndCompact() {
        try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
            db.flush(flush, handles);
            for (ColumnFamilyHandle h : handles) {
                db.compactRange(h);
            }
        } catch (RocksDBException e) {
            throw new IllegalStateException("flush and compaction failed: " + e.getMessage(), e);
        }
    }

    @Override
    Object get(int i) {
        try {
            return db.get(records, data.keyBytes[i]);
        } catch (RocksDBException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    Object getMiss(int i) {
        try {
            return db.get(records, data.missBytes[i]);
        } catch (RocksDBException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    void put(int i, Instant expires) {
        try {
            db.put(records, writeOptions, data.keyBytes[i], encodeRecord(data.records[i], expires));
        } catch (RocksDBException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    Object providers(int k) {
        byte[] prefix = providerPrefix(providerData.keyBytes[k]);
        List<byte[]> values = new ArrayList<>(BenchEnv.PROVIDERS_PER_KEY);
        try (RocksIterator it = db.newIterator(providersCf)) {
            for (it.seek(prefix); it.isValid(); it.next()) {
                if (!startsWith(it.key(), prefix)) {
                    break;
                }
                values.add(it.value());
            }
        }
        return values;
    }

    @Override
    boolean addProvider(int k, int j, Instant expires) {
        ProviderRecord record = providerData.provider(k, j, expires);
        try {
            db.put(providersCf, writeOptions, providerKeys[k][j], encodeProvider(seqs[k][j], record));
        } catch (RocksDBException e) {
            throw new IllegalStateException(e);
        }
        return true;
    }

    @Override
    long fullScan(Instant now) {
        long expired = 0;
        long nowSeconds = now.getEpochSecond();
        int nowNanos = now.getNano();
        try (RocksIterator it = db.newIterator(records, scanReadOptions)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                it.key();
                byte[] v = it.value();
                if ((v[1] & 1) != 0) {
                    ByteBuffer b = ByteBuffer.wrap(v, 2, 12);
                    long s = b.getLong();
                    int n = b.getInt();
                    if (s < nowSeconds || (s == nowSeconds && n <= nowNanos)) {
                        expired++;
                    }
                }
            }
        }
        return expired;
    }

    /**
     * An iterator on {@code provided_by_id} (whose keys are {@code id ‖ key}), with the store's
     * scan read options, sought to the region's start; {@code count} entries read (key and value
     * bytes, not decoded), then closed: what the store's {@code providedFrom} does below decoding.
     */
    @Override
    long providedRegion(byte[] start, byte[] end, int count) {
        long read = 0;
        try (RocksIterator it = db.newIterator(providedById, scanReadOptions)) {
            for (it.seek(start); read < count && it.isValid(); it.next()) {
                it.key();
                it.value();
                read++;
            }
        }
        return read;
    }

    // ------------------------------------------------------------------ the store's layout (KeyLayout, ValueCodec)

    /** {@code keyLength (4) ‖ key}: the prefix of a key's entries in the providers family. */
    static byte[] providerPrefix(byte[] key) {
        return ByteBuffer.allocate(4 + key.length).putInt(key.length).put(key).array();
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    /** Value record, encoding version 1: version, flags (expiry, publisher), expiry, publisher, value. */
    static byte[] encodeRecord(DhtRecord record, Instant expires) {
        byte[] publisher = record.publisher().orElseThrow().toBytes();
        ByteBuffer out = ByteBuffer.allocate(2 + 12 + Varint.size(publisher.length) + publisher.length
                + record.valueLength());
        out.put((byte) 1).put((byte) 3).putLong(expires.getEpochSecond()).putInt(expires.getNano());
        Varint.write(out, publisher.length);
        out.put(publisher).put(record.valueBuffer());
        return out.array();
    }

    /** Provider record, encoding version 1: version, flags (expiry), seq, expiry, provider, addresses. */
    static byte[] encodeProvider(long seq, ProviderRecord record) {
        byte[] peer = record.provider().toBytes();
        List<byte[]> addresses = new ArrayList<>();
        int size = 2 + 8 + 12 + Varint.size(peer.length) + peer.length + Varint.size(record.addresses().size());
        for (Multiaddr a : record.addresses()) {
            byte[] b = a.toBytes();
            addresses.add(b);
            size += Varint.size(b.length) + b.length;
        }
        Instant t = record.expires().orElseThrow();
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put((byte) 1).put((byte) 1).putLong(seq).putLong(t.getEpochSecond()).putInt(t.getNano());
        Varint.write(out, peer.length);
        out.put(peer);
        Varint.write(out, addresses.size());
        for (byte[] b : addresses) {
            Varint.write(out, b.length);
            out.put(b);
        }
        return out.array();
    }

    /** The provider's peer id bytes in an encoded provider record. */
    private static byte[] peerOfProviderValue(byte[] value) {
        ByteBuffer in = ByteBuffer.wrap(value);
        in.position(2 + 8 + ((value[1] & 1) != 0 ? 12 : 0));
        int length = (int) Varint.read(in);
        byte[] peer = new byte[length];
        in.get(peer);
        return peer;
    }

    /** Frees the native handles in the store's order: column families, database, options, filter, cache. */
    @Override
    public void close() {
        for (ColumnFamilyHandle h : handles) {
            h.close();
        }
        db.close();
        dbOptions.close();
        pointOptions.close();
        scanOptions.close();
        writeOptions.close();
        scanReadOptions.close();
        filter.close();
        cache.close();
        closeAttached();
    }
}
