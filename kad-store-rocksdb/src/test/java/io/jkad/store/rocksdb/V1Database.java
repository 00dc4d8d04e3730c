package io.jkad.store.rocksdb;

import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * Writes a database of layout version 1 with plain RocksDB, entry by entry as the version 1 store
 * wrote it: the five column families of that version (no {@code provider_peers}), the marker 1,
 * records and provider entries with their expiry index entries and the local peer's copies. The
 * keys and values of those families did not change in version 2, so {@link KeyLayout} and
 * {@link ValueCodec} make them.
 */
final class V1Database implements AutoCloseable {

    /** The column families of layout version 1. */
    static final List<String> FAMILIES = List.of(KeyLayout.CF_DEFAULT, KeyLayout.CF_RECORDS, KeyLayout.CF_PROVIDERS,
            KeyLayout.CF_PROVIDED, KeyLayout.CF_EXPIRY);

    private final DBOptions options;
    private final RocksDB db;
    private final List<ColumnFamilyHandle> handles = new ArrayList<>();
    private long nextSeq;

    V1Database(Path directory) throws RocksDBException {
        this(directory, true);
    }

    /** With {@code marker} false, without the version marker (as an open that died before writing it would leave it). */
    V1Database(Path directory, boolean marker) throws RocksDBException {
        RocksDB.loadLibrary();
        options = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        for (String name : FAMILIES) {
            descriptors.add(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.US_ASCII)));
        }
        db = RocksDB.open(options, directory.toString(), descriptors, handles);
        if (marker) {
            db.put(family(KeyLayout.CF_DEFAULT), KeyLayout.FORMAT_KEY, new byte[] {KeyLayout.FORMAT_VERSION_1});
        }
    }

    private ColumnFamilyHandle family(String name) {
        return handles.get(FAMILIES.indexOf(name));
    }

    void put(DhtRecord record) throws RocksDBException {
        byte[] k = record.key().toBytes();
        db.put(family(KeyLayout.CF_RECORDS), k, ValueCodec.encodeRecord(record));
        if (record.expires().isPresent()) {
            db.put(family(KeyLayout.CF_EXPIRY), KeyLayout.expiryKey(record.expires().get(), KeyLayout.KIND_RECORD, k),
                    new byte[0]);
        }
    }

    /** Adds a provider entry under a new seq (the caller makes sure the provider is new to the key); returns the seq. */
    long addProvider(ProviderRecord record, boolean local) throws RocksDBException {
        long seq = nextSeq++;
        byte[] k = record.key().toBytes();
        byte[] providerKey = KeyLayout.providerKey(k, seq);
        byte[] value = ValueCodec.encodeProvider(seq, record);
        db.put(family(KeyLayout.CF_PROVIDERS), providerKey, value);
        if (record.expires().isPresent()) {
            db.put(family(KeyLayout.CF_EXPIRY),
                    KeyLayout.expiryKey(record.expires().get(), KeyLayout.KIND_PROVIDER, providerKey), new byte[0]);
        }
        if (local) {
            db.put(family(KeyLayout.CF_PROVIDED), k, value);
        }
        return seq;
    }

    void raw(String family, byte[] key, byte[] value) throws RocksDBException {
        db.put(family(family), key, value);
    }

    @Override
    public void close() {
        handles.forEach(ColumnFamilyHandle::close);
        db.close();
        options.close();
    }
}
