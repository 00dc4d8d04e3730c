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
 * Writes a database of an earlier layout version, 1 or 2, with plain RocksDB, entry by entry as the
 * store of that version wrote it: the column families of that version (version 1: five, without
 * {@code provider_peers}; version 2: six, without {@code provided_by_id}), its marker, records and
 * provider entries with their expiry index entries, their {@code provider_peers} entries (version
 * 2) and the local peer's copies in {@code provided}. The keys and values of those families did not
 * change since, so {@link KeyLayout} and {@link ValueCodec} make them.
 */
final class OldLayoutDatabase implements AutoCloseable {

    /** The column families of layout version 1. */
    static final List<String> FAMILIES_1 = List.of(KeyLayout.CF_DEFAULT, KeyLayout.CF_RECORDS, KeyLayout.CF_PROVIDERS,
            KeyLayout.CF_PROVIDED, KeyLayout.CF_EXPIRY);

    /** The column families of layout version 2. */
    static final List<String> FAMILIES_2 = List.of(KeyLayout.CF_DEFAULT, KeyLayout.CF_RECORDS, KeyLayout.CF_PROVIDERS,
            KeyLayout.CF_PROVIDED, KeyLayout.CF_EXPIRY, KeyLayout.CF_PROVIDER_PEERS);

    private final int version;
    private final List<String> families;
    private final DBOptions options;
    private final RocksDB db;
    private final List<ColumnFamilyHandle> handles = new ArrayList<>();
    private long nextSeq;

    /** A database of layout version 1, with its marker. */
    static OldLayoutDatabase v1(Path directory) throws RocksDBException {
        return new OldLayoutDatabase(directory, 1, true);
    }

    /** A database of layout version 2, with its marker. */
    static OldLayoutDatabase v2(Path directory) throws RocksDBException {
        return new OldLayoutDatabase(directory, 2, true);
    }

    /**
     * With {@code marker} false, without the version marker (as an open that died before writing it
     * would leave a version 1 database).
     */
    OldLayoutDatabase(Path directory, int version, boolean marker) throws RocksDBException {
        if (version != 1 && version != 2) {
            throw new IllegalArgumentException("layout version 1 or 2: " + version);
        }
        RocksDB.loadLibrary();
        this.version = version;
        this.families = version == 1 ? FAMILIES_1 : FAMILIES_2;
        options = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        for (String name : families) {
            descriptors.add(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.US_ASCII)));
        }
        db = RocksDB.open(options, directory.toString(), descriptors, handles);
        if (marker) {
            db.put(family(KeyLayout.CF_DEFAULT), KeyLayout.FORMAT_KEY, new byte[] {(byte) version});
        }
    }

    private ColumnFamilyHandle family(String name) {
        return handles.get(families.indexOf(name));
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
        if (version >= 2) {
            db.put(family(KeyLayout.CF_PROVIDER_PEERS), KeyLayout.providerPeerKey(k, record.provider().toBytes()),
                    ValueCodec.encodeProviderHead(seq, record.expires()));
        }
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
