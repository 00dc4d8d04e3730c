package io.jkad.store.rocksdb;

import static io.jkad.store.rocksdb.KeyLayout.KIND_RECORD;

import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.jkad.store.rocksdb.ValueCodec.CorruptValueException;
import io.jkad.store.rocksdb.ValueCodec.RecordHead;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The value records of a {@link RocksDbRecordStore} in the {@code records} column family, with
 * their expiry index entries (key layouts: {@link KeyLayout}; values: {@link ValueCodec}): reading
 * a record's head, writing and removing a record with its index entry, and a sweep's part for a
 * record whose entry it reached. Since layout 4 a record's one index entry may precede its expiry:
 * a put that extends the expiry writes the record alone, with the entry's instant in it, and the
 * sweep moves the entry on. It holds no lock and no count: the store calls it holding the key's
 * lock (writes) or every key lock (sweeps) and keeps the counts, as it does {@link ProviderIndex}.
 */
final class ValueRecords {

    private static final Logger LOG = LoggerFactory.getLogger(ValueRecords.class);
    private static final byte[] EMPTY = new byte[0];

    private final RocksDbResources res;
    private final Path directory;

    ValueRecords(RocksDbResources res, Path directory) {
        this.res = res;
        this.directory = directory;
    }

    /**
     * The head (expiry and index instant) of the record under {@code k}, read without copying the
     * value out of RocksDB; null if there is none. If the record is damaged its head is unknown
     * ({@link RecordHead#NONE}): a write goes on (so that a damaged record can be replaced or
     * removed), and its index entry, if any, is left for a sweep to find stale and drop.
     */
    RecordHead readHead(RecordKey key, byte[] k) throws RocksDBException {
        byte[] head = new byte[ValueCodec.RECORD_HEADER_BYTES];
        int length = res.db.get(res.records, k, head);
        if (length == RocksDB.NOT_FOUND) {
            return null;
        }
        try {
            return ValueCodec.recordHead(head, Math.min(length, head.length));
        } catch (CorruptValueException e) {
            LOG.warn("rocksdb store {}: replacing an undecodable value record under key {}: {}", directory, key,
                    e.getMessage());
            return RecordHead.NONE;
        }
    }

    /**
     * Writes {@code record} under {@code k}, replacing the one whose head is {@code old} (null if
     * the key is new). If the old index entry still serves the new expiry (one that moved later,
     * or the same) the record alone is written, carrying that entry's instant; otherwise one batch
     * writes the record, deletes the old entry and puts one at the new expiry.
     *
     * @return whether an index entry was put (at the record's expiry)
     */
    boolean write(byte[] k, DhtRecord record, RecordHead old) throws RocksDBException {
        Optional<Instant> expires = record.expires();
        Optional<Instant> indexed = old == null ? Optional.empty() : old.indexed();
        if (old != null && ExpirySweeper.indexStillEarly(indexed, expires)) {
            // the index entry stays where it is (at or before the new expiry): one write
            res.db.put(res.records, res.writeOptions, k, ValueCodec.encodeRecord(record, indexed));
            return false;
        }
        try (WriteBatch batch = new WriteBatch()) {
            batch.put(res.records, k, ValueCodec.encodeRecord(record));
            if (indexed.isPresent()) {
                batch.delete(res.expiry, KeyLayout.expiryKey(indexed.get(), KIND_RECORD, k));
            }
            if (expires.isPresent()) {
                batch.put(res.expiry, KeyLayout.expiryKey(expires.get(), KIND_RECORD, k), EMPTY);
            }
            res.db.write(res.writeOptions, batch);
        }
        return expires.isPresent();
    }

    /** Removes the record under {@code k}, whose head is {@code old}, and its index entry, in one batch. */
    void delete(byte[] k, RecordHead old) throws RocksDBException {
        try (WriteBatch batch = new WriteBatch()) {
            batch.delete(res.records, k);
            if (old.indexed().isPresent()) {
                batch.delete(res.expiry, KeyLayout.expiryKey(old.indexed().get(), KIND_RECORD, k));
            }
            res.db.write(res.writeOptions, batch);
        }
    }

    /**
     * For a sweep at {@code now} that reached the value record {@code key}'s index entry at
     * {@code t} (which the sweep deletes): adds to {@code batch} the record's removal if it has
     * expired, or, if a put extended it past {@code now} since it was indexed, its index entry at
     * its expiry and the record without the earlier instant.
     *
     * @return whether it was removed
     */
    boolean sweep(WriteBatch batch, byte[] key, Instant t, Instant now) throws RocksDBException {
        byte[] head = new byte[ValueCodec.RECORD_HEADER_BYTES];
        int length = res.db.get(res.records, key, head);
        if (length == RocksDB.NOT_FOUND) {
            return false;
        }
        try {
            RecordHead h = ValueCodec.recordHead(head, Math.min(length, head.length));
            if (!h.indexed().equals(Optional.of(t))) {
                return false; // a stale index entry: the record was replaced and its expiry moved
            }
            Instant expires = h.expires().orElseThrow(); // an index instant comes with an expiry
            if (expires.isAfter(now)) {
                // the whole record: its first bytes if that is all of it, else read again
                byte[] value = length <= head.length ? Arrays.copyOf(head, length) : res.db.get(res.records, key);
                batch.put(res.records, key, ValueCodec.indexedAtExpiry(value));
                batch.put(res.expiry, KeyLayout.expiryKey(expires, KIND_RECORD, key), EMPTY);
                return false;
            }
        } catch (CorruptValueException e) {
            LOG.warn("rocksdb store {}: removing an undecodable value record under key {}, expired at {}: {}",
                    directory, RocksDbRecordStore.keyText(key), t, e.getMessage());
        }
        batch.delete(res.records, key);
        return true;
    }
}
