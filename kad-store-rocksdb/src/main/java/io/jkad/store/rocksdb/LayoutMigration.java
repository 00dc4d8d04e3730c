package io.jkad.store.rocksdb;

import io.jkad.record.RecordKey;
import io.jkad.record.StoreException;
import io.jkad.record.StoreException.Kind;
import io.jkad.store.rocksdb.ValueCodec.CorruptValueException;
import io.jkad.store.rocksdb.ValueCodec.StoredProvider;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks the layout version of a database when the store opens it ({@link #checkFormat}) and
 * brings one of an earlier layout version to the current one ({@link KeyLayout#FORMAT_VERSION}, 4),
 * before anything else reads or writes it: version 1 to 2 ({@link #v1ToV2}), then 2 to 3
 * ({@link #v2ToV3}), then 3 to 4 ({@link #v3ToV4}). Each step writes its version marker last.
 *
 * <p>Version 2 adds the {@code provider_peers} column family (RocksDB creates it, empty, when the
 * store opens the database). The migration fills it from the {@code providers} column family, one
 * entry per provider entry, in write batches of at most {@link #BATCH} entries, then writes the
 * version marker. Each batch is whole or absent after a crash; the marker is written last, so a
 * process that dies part way leaves the marker at 1, and the next open runs the migration again
 * from the start: it clears what the interrupted run wrote and writes every entry again.
 *
 * <p>Entries that version 2 cannot index are dealt with, each with a warning. A provider record
 * that cannot be decoded is restored from the local peer's copy in {@code provided} if that copy
 * names it, and otherwise removed: its provider is unknown, so it cannot be named by provider (the
 * version 1 store could only report it as an error). A second entry of one provider under one key
 * (version 1 never wrote one: it updated the first, which is kept) is removed, and a copy in
 * {@code provided} that named it is replaced by the first's. The expiry index entries of removed
 * entries become stale, which the sweep drops.
 *
 * <p>Version 3 adds the {@code provided_by_id} column family, the local peer's provided keys in
 * keyspace order (created empty at open, as {@code provider_peers} was). The migration fills it
 * from {@code provided}: for each entry the same value under {@code SHA-256(key) ‖ key}, in write
 * batches of at most {@link #BATCH} entries, then writes the marker 3. As for version 2, a process
 * that dies part way leaves the marker at 2, and the next open clears what was written and runs
 * it again. An entry of {@code provided} that cannot be decoded is copied as it is: the store
 * reports it from {@code providedFrom} as it does from {@code provided()}.
 *
 * <p>Version 4 lets a record's or provider's expiry index entry precede its expiry: a write that
 * extends the expiry leaves the entry where it was, and the sweep moves it on ({@link KeyLayout}).
 * A provider's {@code provider_peers} head then names the entry's instant, and a value record
 * holds it in its value (a flag and 12 bytes, {@link ValueCodec}). A version 3 database, whose
 * entries are all at the expiries and whose records have no such field, is already a version 4
 * one, so the step writes the marker and nothing else. The marker keeps a build that reads
 * version 3 from opening it: that build would take an index entry before the expiry for a stale
 * one and drop it, and the item would never expire.
 */
final class LayoutMigration {

    private static final Logger LOG = LoggerFactory.getLogger(LayoutMigration.class);
    private static final String NAME = RocksDbStoreProvider.NAME;

    /** Entries written per write batch. */
    static final int BATCH = 1024;

    private LayoutMigration() {}

    /**
     * Checks the layout version marker when the store opens the database: version 4 is read as it
     * is; version 3 gets the marker 4 ({@link #v3ToV4}), version 2 is migrated first
     * ({@link #v2ToV3}), version 1 twice before that ({@link #v1ToV2}). A database without a marker is new (or was made by an open that died before
     * writing it): it gets the marker, after the migrations if it holds provider entries all the
     * same (as a version 1 database would).
     *
     * @throws StoreException {@code BACKEND} for any other marker (a newer layout, or not ours)
     */
    static void checkFormat(RocksDbResources res, Path directory) throws RocksDBException {
        byte[] format = res.db.get(res.defaultCf, KeyLayout.FORMAT_KEY);
        if (format != null && format.length == 1 && format[0] == KeyLayout.FORMAT_VERSION) {
            return;
        }
        if (format == null && isEmpty(res, res.providers)) {
            res.db.put(res.defaultCf, res.writeOptions, KeyLayout.FORMAT_KEY, new byte[] {KeyLayout.FORMAT_VERSION});
            return;
        }
        if (format == null || (format.length == 1 && format[0] == KeyLayout.FORMAT_VERSION_1)) {
            v1ToV2(res, directory);
            v2ToV3(res, directory);
            v3ToV4(res, directory);
            return;
        }
        if (format.length == 1 && format[0] == KeyLayout.FORMAT_VERSION_2) {
            v2ToV3(res, directory);
            v3ToV4(res, directory);
            return;
        }
        if (format.length == 1 && format[0] == KeyLayout.FORMAT_VERSION_3) {
            v3ToV4(res, directory);
            return;
        }
        boolean newer = format.length == 1 && format[0] > KeyLayout.FORMAT_VERSION;
        throw new StoreException(Kind.BACKEND, NAME, "open", "the database in " + directory
                + " has layout version " + Arrays.toString(format)
                + (newer ? ", newer than this build knows (written by a later version of jkad?)" : "")
                + "; this build reads version " + KeyLayout.FORMAT_VERSION + " and migrates versions "
                + KeyLayout.FORMAT_VERSION_1 + " to " + KeyLayout.FORMAT_VERSION_3);
    }

    private static boolean isEmpty(RocksDbResources res, ColumnFamilyHandle family) throws RocksDBException {
        try (RocksIterator it = res.db.newIterator(family)) {
            it.seekToFirst();
            it.status();
            return !it.isValid();
        }
    }

    /** Writes the layout version marker {@code version}. */
    private static void writeMarker(RocksDbResources res, byte version) throws RocksDBException {
        res.db.put(res.defaultCf, res.writeOptions, KeyLayout.FORMAT_KEY, new byte[] {version});
    }

    /** What a migration did. */
    record Result(long indexed, long removed, boolean finished) {}

    /**
     * Migrates a database of version 1 to version 2 and writes the marker 2.
     *
     * @throws RocksDBException if RocksDB fails (the marker stays at 1: the next open tries again)
     * @throws StoreException {@code BACKEND} if the providers column family holds a malformed key
     */
    static Result v1ToV2(RocksDbResources res, Path directory) throws RocksDBException {
        return v1ToV2(res, directory, BATCH, Long.MAX_VALUE);
    }

    /**
     * {@link #v1ToV2(RocksDbResources, Path)} with batches of {@code batchSize} entries, stopping
     * (without the marker, as a crash would) after {@code maxBatches} batches: for tests.
     */
    static Result v1ToV2(RocksDbResources res, Path directory, int batchSize, long maxBatches) throws RocksDBException {
        LOG.info("rocksdb store {}: migrating the layout from version {} to {} (indexing provider records by provider)",
                directory, KeyLayout.FORMAT_VERSION_1, KeyLayout.FORMAT_VERSION_2);
        clearProviderPeers(res);
        long indexed = 0;
        long removed = 0;
        long batches = 0;
        byte[] currentPrefix = null;
        // the providers of the key being read (peer id -> the value of its entry): to find a second entry of one
        Map<ByteBuffer, byte[]> keptOfKey = new HashMap<>();
        try (RocksIterator it = res.db.newIterator(res.providers, res.scanReadOptions)) {
            WriteBatch batch = new WriteBatch();
            try {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    byte[] providerKey = it.key();
                    byte[] keyBytes;
                    long seq;
                    try {
                        keyBytes = KeyLayout.recordKeyOfProviderKey(providerKey);
                        seq = KeyLayout.seqOfProviderKey(providerKey);
                    } catch (IllegalArgumentException e) {
                        throw new StoreException(Kind.BACKEND, NAME, "open", "the providers column family of "
                                + directory + " holds a malformed key 0x" + hex(providerKey) + ": " + e.getMessage(), e);
                    }
                    int prefixLength = KeyLayout.LENGTH_BYTES + keyBytes.length;
                    if (currentPrefix == null || currentPrefix.length != prefixLength
                            || !Arrays.equals(providerKey, 0, prefixLength, currentPrefix, 0, prefixLength)) {
                        currentPrefix = Arrays.copyOf(providerKey, prefixLength);
                        keptOfKey.clear();
                    }
                    RecordKey key = RecordKey.of(keyBytes);
                    byte[] value = it.value();
                    StoredProvider stored;
                    try {
                        stored = ValueCodec.decodeProvider(key, value);
                    } catch (CorruptValueException e) {
                        // the local peer's entry has a copy in provided: the entry can be had back from it
                        byte[] copy = providedCopy(res, key, keyBytes, seq);
                        if (copy == null) {
                            LOG.warn("rocksdb store {}: removing an undecodable provider record of key {} (it cannot be"
                                    + " indexed by provider): {}", directory, key, e.getMessage());
                            batch.delete(res.providers, providerKey);
                            removed++;
                            continue;
                        }
                        LOG.warn("rocksdb store {}: restoring an undecodable provider record of key {} from its copy in"
                                + " provided: {}", directory, key, e.getMessage());
                        value = copy;
                        stored = decodeCopy(key, copy);
                        batch.put(res.providers, providerKey, value);
                    }
                    byte[] peer = stored.record().provider().toBytes();
                    byte[] kept = keptOfKey.putIfAbsent(ByteBuffer.wrap(peer), value);
                    if (kept != null) {
                        LOG.warn("rocksdb store {}: removing a second provider record of provider {} under key {}",
                                directory, stored.record().provider(), key);
                        batch.delete(res.providers, providerKey);
                        if (providedCopy(res, key, keyBytes, seq) != null) {
                            batch.put(res.provided, keyBytes, kept); // the copy of the entry that stays
                        }
                        removed++;
                        continue;
                    }
                    // the seq of the key: the entry's name everywhere else (expiry index, provided copy)
                    batch.put(res.providerPeers, KeyLayout.providerPeerKey(keyBytes, peer),
                            ValueCodec.encodeProviderHead(seq, stored.record().expires()));
                    indexed++;
                    if (batch.count() >= batchSize) {
                        if (batches == maxBatches) {
                            return new Result(indexed, removed, false);
                        }
                        res.db.write(res.writeOptions, batch);
                        batches++;
                        batch.close();
                        batch = new WriteBatch();
                    }
                }
                it.status();
                if (batch.count() > 0) {
                    if (batches == maxBatches) {
                        return new Result(indexed, removed, false);
                    }
                    res.db.write(res.writeOptions, batch);
                }
            } finally {
                batch.close();
            }
        }
        writeMarker(res, KeyLayout.FORMAT_VERSION_2);
        LOG.info("rocksdb store {}: layout version {}: {} provider records indexed, {} removed", directory,
                KeyLayout.FORMAT_VERSION_2, indexed, removed);
        return new Result(indexed, removed, true);
    }

    /**
     * Migrates a database of version 2 to version 3 and writes the marker 3 (a version 3 one is
     * then marked 4 by {@link #v3ToV4}).
     *
     * @throws RocksDBException if RocksDB fails (the marker stays at 2: the next open tries again)
     */
    static Result v2ToV3(RocksDbResources res, Path directory) throws RocksDBException {
        return v2ToV3(res, directory, BATCH, Long.MAX_VALUE);
    }

    /**
     * {@link #v2ToV3(RocksDbResources, Path)} with batches of {@code batchSize} entries, stopping
     * (without the marker, as a crash would) after {@code maxBatches} batches: for tests.
     */
    static Result v2ToV3(RocksDbResources res, Path directory, int batchSize, long maxBatches) throws RocksDBException {
        LOG.info("rocksdb store {}: migrating the layout from version {} to {} (indexing the provided keys in keyspace order)",
                directory, KeyLayout.FORMAT_VERSION_2, KeyLayout.FORMAT_VERSION_3);
        clear(res, res.providedById);
        long indexed = 0;
        long batches = 0;
        try (RocksIterator it = res.db.newIterator(res.provided, res.scanReadOptions)) {
            WriteBatch batch = new WriteBatch();
            try {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    batch.put(res.providedById, KeyLayout.providedIdKey(RecordKey.of(it.key())), it.value());
                    indexed++;
                    if (batch.count() >= batchSize) {
                        if (batches == maxBatches) {
                            return new Result(indexed, 0, false);
                        }
                        res.db.write(res.writeOptions, batch);
                        batches++;
                        batch.close();
                        batch = new WriteBatch();
                    }
                }
                it.status();
                if (batch.count() > 0) {
                    if (batches == maxBatches) {
                        return new Result(indexed, 0, false);
                    }
                    res.db.write(res.writeOptions, batch);
                }
            } finally {
                batch.close();
            }
        }
        writeMarker(res, KeyLayout.FORMAT_VERSION_3);
        LOG.info("rocksdb store {}: layout version {}: {} provided keys indexed in keyspace order", directory,
                KeyLayout.FORMAT_VERSION_3, indexed);
        return new Result(indexed, 0, true);
    }

    /**
     * Marks a database of version 3 as version 4: its provider heads and expiry index entries, at
     * the providers' expiries, are valid version 4 ones as they are (see the class comment).
     */
    static void v3ToV4(RocksDbResources res, Path directory) throws RocksDBException {
        writeMarker(res, KeyLayout.FORMAT_VERSION);
        LOG.info("rocksdb store {}: layout version {} (expiry index entries may now precede their expiry)",
                directory, KeyLayout.FORMAT_VERSION);
    }

    /**
     * Deletes whatever {@code family} holds (what an interrupted migration wrote): one range
     * tombstone from its first key to just after its last.
     */
    private static void clear(RocksDbResources res, ColumnFamilyHandle family) throws RocksDBException {
        byte[] first;
        byte[] last;
        try (RocksIterator it = res.db.newIterator(family)) {
            it.seekToFirst();
            if (!it.isValid()) {
                it.status();
                return;
            }
            first = it.key();
            it.seekToLast();
            it.status();
            last = it.key();
        }
        // the end is exclusive: the last key followed by a zero byte is the first key after it
        res.db.deleteRange(family, res.writeOptions, first, Arrays.copyOf(last, last.length + 1));
    }

    /** Deletes whatever {@code provider_peers} holds (what an interrupted migration wrote): one range tombstone. */
    private static void clearProviderPeers(RocksDbResources res) throws RocksDBException {
        boolean empty;
        try (RocksIterator it = res.db.newIterator(res.providerPeers)) {
            it.seekToFirst();
            empty = !it.isValid();
            it.status();
        }
        if (!empty) {
            // every key starts with a non-negative 4-byte length: its first byte is below 0x80
            res.db.deleteRange(res.providerPeers, res.writeOptions, new byte[0], new byte[] {(byte) 0x80});
        }
    }

    /** The local peer's copy in {@code provided} of the provider entry {@code seq} of {@code key}, or null if it is not that. */
    private static byte[] providedCopy(RocksDbResources res, RecordKey key, byte[] keyBytes, long seq)
            throws RocksDBException {
        byte[] copy = res.db.get(res.provided, keyBytes);
        if (copy == null) {
            return null;
        }
        try {
            return ValueCodec.decodeProvider(key, copy).seq() == seq ? copy : null;
        } catch (CorruptValueException e) {
            return null;
        }
    }

    private static StoredProvider decodeCopy(RecordKey key, byte[] copy) {
        try {
            return ValueCodec.decodeProvider(key, copy);
        } catch (CorruptValueException e) {
            throw new IllegalStateException("decoded a moment ago", e);
        }
    }

    private static String hex(byte[] bytes) {
        return java.util.HexFormat.of().formatHex(bytes);
    }
}
