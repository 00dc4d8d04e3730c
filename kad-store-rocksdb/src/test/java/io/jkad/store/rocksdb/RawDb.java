package io.jkad.store.rocksdb;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * The store's database opened with plain RocksDB, bypassing the store: for tests that damage it
 * or look at its column families. The store must be closed meanwhile (RocksDB locks the directory).
 */
final class RawDb implements AutoCloseable {

    private final DBOptions options;
    private final RocksDB db;
    private final List<ColumnFamilyHandle> handles = new ArrayList<>();

    RawDb(Path directory) throws RocksDBException {
        RocksDB.loadLibrary();
        options = new DBOptions();
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        for (String name : KeyLayout.COLUMN_FAMILIES) {
            descriptors.add(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.US_ASCII)));
        }
        db = RocksDB.open(options, directory.toString(), descriptors, handles);
    }

    ColumnFamilyHandle family(String name) {
        return handles.get(KeyLayout.COLUMN_FAMILIES.indexOf(name));
    }

    void put(String family, byte[] key, byte[] value) throws RocksDBException {
        db.put(family(family), key, value);
    }

    /** Every entry of a column family, as hex key -> value. */
    Map<String, byte[]> entries(String family) {
        Map<String, byte[]> out = new TreeMap<>();
        try (RocksIterator it = db.newIterator(family(family))) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                out.put(java.util.HexFormat.of().formatHex(it.key()), it.value());
            }
        }
        return out;
    }

    /** The keys of a column family, in order. */
    List<byte[]> keys(String family) {
        List<byte[]> out = new ArrayList<>();
        try (RocksIterator it = db.newIterator(family(family))) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                out.add(it.key());
            }
        }
        return out;
    }

    @Override
    public void close() {
        handles.forEach(ColumnFamilyHandle::close);
        db.close();
        options.close();
    }
}
