package io.jkad.store.rocksdb;

import static io.jkad.store.rocksdb.KeyLayout.KIND_PROVIDER;
import static io.jkad.store.rocksdb.KeyLayout.KIND_RECORD;

import io.jkad.identity.PeerId;
import io.jkad.record.CloseableIterator;
import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStore;
import io.jkad.record.StoreConfig;
import io.jkad.record.StoreCounts;
import io.jkad.record.StoreException;
import io.jkad.record.StoreException.Kind;
import io.jkad.store.rocksdb.ValueCodec.CorruptValueException;
import io.jkad.store.rocksdb.ValueCodec.ProviderHead;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.FlushOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RocksDB {@link RecordStore}: value records, provider records, the local peer's provided keys
 * and an expiry index in column families of one database (layout: {@link KeyLayout}; values:
 * {@link ValueCodec}).
 *
 * <p>Writes: every change of more than one key (a put that moves a record's expiry, an update of a
 * provider in place, any removal, a sweep) is one {@link WriteBatch}, so a crash leaves either all
 * of it or none. A write returns once RocksDB has appended it to its write-ahead log (and synced
 * the log, with {@code rocksdb.sync=true}). {@link #removeExpired} writes one batch per
 * {@value #SWEEP_CHUNK} expired index entries and lets other writers in between: each batch is
 * whole, but a sweep larger than one batch that fails part way keeps the batches written before.
 *
 * <p>Concurrency: reads ({@link #get}, {@link #providers}, iteration) go straight to RocksDB,
 * which is thread-safe; a read sees a write batch whole or not at all. Read-modify-write sequences
 * (every write: read the old record's head or the provider's {@code provider_peers} entry, check the
 * limits, write a batch, update the counts) hold {@link #mutationLock}, one at a time. Every
 * operation also holds the read side of {@link #closeGuard}, which {@link #close()} takes
 * exclusively, so no native handle is ever used after it is freed (that would crash the JVM, not
 * throw).
 *
 * <p>Limits: {@code maxRecords} and {@code maxProvidedKeys} are checked against exact counts held
 * in memory: counted at open (one pass over the keys of the records and providers column families)
 * and kept up to date under {@link #mutationLock} after each successful write. A store reopened with
 * a smaller limit than its contents keeps them and refuses new keys until it is back under the limit.
 *
 * <p>Iterators ({@link #records()}, {@link #provided()}) are RocksDB iterators, each a consistent
 * point-in-time view of its column family from when it was made: writes meanwhile are not seen and
 * never disturb it. They hold native resources until closed or exhausted; {@link #close()} closes
 * those still open.
 *
 * <p>Damaged data: a value that cannot be decoded makes the read that meets it throw
 * {@code BACKEND} naming the key (an iterator skips past it, so the caller may go on). Writes read
 * only what they replace: a put replaces a damaged value record, and an {@code addProvider} of the
 * provider of a damaged provider record replaces it (its {@code provider_peers} entry names it);
 * other providers of the key are added, updated and removed as usual. A damaged
 * {@code provider_peers} entry makes the writes of that provider throw {@code BACKEND}. A sweep
 * removes a damaged value record or provider record whose expiry index entry says it has expired.
 *
 * <p>Layout versions: a database of layout version 1 is migrated when opened ({@link LayoutMigration});
 * one of a later version than {@link KeyLayout#FORMAT_VERSION} is refused.
 */
final class RocksDbRecordStore implements RecordStore {

    private static final Logger LOG = LoggerFactory.getLogger(RocksDbRecordStore.class);
    private static final String NAME = RocksDbStoreProvider.NAME;

    private static final byte[] EMPTY = new byte[0];

    /** Expiry index entries a sweep handles in one write batch (and one hold of the mutation lock). */
    static final int SWEEP_CHUNK = 1024;

    private final RocksDbResources res;
    private final Path directory;
    private final PeerId localPeer;
    private final int maxRecords;
    private final int maxValueBytes;
    private final int maxProvidersPerKey;
    private final int maxProvidedKeys;

    /** Read side: any operation; write side: {@link #close()}. */
    private final ReentrantReadWriteLock closeGuard = new ReentrantReadWriteLock();
    /** Held by every read-modify-write sequence; guards the counters below. */
    private final ReentrantLock mutationLock = new ReentrantLock();
    private volatile boolean closed;

    /** Value records in the store. Written under {@link #mutationLock}; {@link #counts()} reads it without. */
    private volatile long recordCount;
    /** Keys that have at least one provider record. Written under {@link #mutationLock}; {@link #counts()} reads it without. */
    private volatile long providedKeyCount;
    /** The {@code seq} of the next provider entry. Guarded by {@link #mutationLock}. */
    private long nextSeq;
    /**
     * No expiry index entry is earlier than this (null: unknown, sweep from the start). Lets a sweep
     * seek past the tombstones that earlier sweeps left. Guarded by {@link #mutationLock}.
     */
    private Instant sweepFrom;

    private final Set<StoreIterator<?>> openIterators = ConcurrentHashMap.newKeySet();

    private final StoreConfig config;

    private RocksDbRecordStore(RocksDbResources res, Path directory, StoreConfig config) {
        this.res = res;
        this.directory = directory;
        this.localPeer = config.localPeer();
        this.config = config;
        this.maxRecords = config.maxRecords();
        this.maxValueBytes = config.maxValueBytes();
        this.maxProvidersPerKey = config.maxProvidersPerKey();
        this.maxProvidedKeys = config.maxProvidedKeys();
    }

    /**
     * Opens (creating if needed) the database in {@code directory}, checks its layout version and
     * counts what the limits need.
     *
     * @throws StoreException {@code BACKEND} (operation {@code open}) if RocksDB fails or the data
     *     is not in a layout this build reads
     */
    static RocksDbRecordStore open(Path directory, StoreConfig config, RocksDbSettings settings) {
        RocksDbResources res;
        try {
            res = RocksDbResources.open(directory, settings);
        } catch (RocksDBException e) {
            throw new StoreException(Kind.BACKEND, NAME, "open", "cannot open the database in " + directory
                    + ": " + e.getMessage(), e);
        }
        try {
            RocksDbRecordStore store = new RocksDbRecordStore(res, directory, config);
            store.checkFormat();
            store.countAtOpen();
            return store;
        } catch (RocksDBException e) {
            res.close();
            throw new StoreException(Kind.BACKEND, NAME, "open", "cannot read the database in " + directory
                    + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            res.close();
            throw e;
        }
    }

    /**
     * Checks the layout version marker: version 2 is read as it is; version 1 is migrated
     * ({@link LayoutMigration}). A database without a marker is new (or was made by an open that
     * died before writing it): it gets the marker, after a migration if it holds provider entries
     * all the same (as a version 1 database would).
     *
     * @throws StoreException {@code BACKEND} for any other marker (a newer layout, or not ours)
     */
    private void checkFormat() throws RocksDBException {
        byte[] format = res.db.get(res.defaultCf, KeyLayout.FORMAT_KEY);
        if (format != null && format.length == 1 && format[0] == KeyLayout.FORMAT_VERSION) {
            return;
        }
        if (format == null && isEmpty(res.providers)) {
            res.db.put(res.defaultCf, res.writeOptions, KeyLayout.FORMAT_KEY, new byte[] {KeyLayout.FORMAT_VERSION});
            return;
        }
        if (format == null || (format.length == 1 && format[0] == KeyLayout.FORMAT_VERSION_1)) {
            LayoutMigration.v1ToV2(res, directory);
            return;
        }
        boolean newer = format.length == 1 && format[0] > KeyLayout.FORMAT_VERSION;
        throw new StoreException(Kind.BACKEND, NAME, "open", "the database in " + directory
                + " has layout version " + Arrays.toString(format)
                + (newer ? ", newer than this build knows (written by a later version of jkad?)" : "")
                + "; this build reads version " + KeyLayout.FORMAT_VERSION + " and migrates version "
                + KeyLayout.FORMAT_VERSION_1);
    }

    private boolean isEmpty(ColumnFamilyHandle family) throws RocksDBException {
        try (RocksIterator it = res.db.newIterator(family)) {
            it.seekToFirst();
            it.status();
            return !it.isValid();
        }
    }

    /** Counts the records and the keys with providers, and finds the largest provider {@code seq}. */
    private void countAtOpen() throws RocksDBException {
        long records = 0;
        try (RocksIterator it = res.db.newIterator(res.records, res.scanReadOptions)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                records++;
            }
            it.status();
        }
        long keys = 0;
        long maxSeq = -1;
        byte[] previous = null;
        int previousPrefix = 0;
        try (RocksIterator it = res.db.newIterator(res.providers, res.scanReadOptions)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                byte[] key = it.key();
                int prefix;
                try {
                    prefix = KeyLayout.providerPrefixLength(key);
                } catch (IllegalArgumentException e) {
                    throw new StoreException(Kind.BACKEND, NAME, "open", "the providers column family of "
                            + directory + " holds a malformed key 0x" + hex(key) + ": " + e.getMessage(), e);
                }
                if (previous == null || prefix != previousPrefix
                        || !Arrays.equals(key, 0, prefix, previous, 0, prefix)) {
                    keys++;
                }
                maxSeq = Math.max(maxSeq, KeyLayout.seqOfProviderKey(key));
                previous = key;
                previousPrefix = prefix;
            }
            it.status();
        }
        mutationLock.lock();
        try {
            recordCount = records;
            providedKeyCount = keys;
            nextSeq = maxSeq + 1;
        } finally {
            mutationLock.unlock();
        }
    }

    // ------------------------------------------------------------------ value records

    @Override
    public Optional<DhtRecord> get(RecordKey key) {
        Objects.requireNonNull(key, "key");
        Lock guard = enter("get");
        try {
            if (!config.fits(key)) {
                return Optional.empty();
            }
            byte[] bytes = res.db.get(res.records, key.toBytes());
            return bytes == null ? Optional.empty() : Optional.of(ValueCodec.decodeRecord(key, bytes));
        } catch (RocksDBException e) {
            throw backend("get", "reading key " + key, e);
        } catch (CorruptValueException e) {
            throw backend("get", "key " + key + ": " + e.getMessage(), e);
        } finally {
            guard.unlock();
        }
    }

    @Override
    public void put(DhtRecord record) {
        Objects.requireNonNull(record, "record");
        RecordKey key = record.key();
        Lock guard = enter("put");
        try {
            config.checkKey(key, NAME, "put");
            if (record.valueLength() > maxValueBytes) {
                throw new StoreException(Kind.VALUE_TOO_LARGE, NAME, "put", "value of " + record.valueLength()
                        + " bytes under key " + key + " exceeds maxValueBytes " + maxValueBytes);
            }
            byte[] k = key.toBytes();
            byte[] value = ValueCodec.encodeRecord(record);
            Optional<Instant> expires = record.expires();
            byte[] head = new byte[ValueCodec.RECORD_HEADER_BYTES];
            mutationLock.lock();
            try (WriteBatch batch = new WriteBatch()) {
                int oldLength = readRecordHead(k, head);
                boolean isNew = oldLength == RocksDB.NOT_FOUND;
                if (isNew && recordCount >= maxRecords) {
                    throw new StoreException(Kind.MAX_RECORDS, NAME, "put", "the store holds its maximum of "
                            + maxRecords + " records and key " + key + " is new");
                }
                Optional<Instant> oldExpires = isNew ? Optional.empty() : oldRecordExpiry(key, head, oldLength);
                batch.put(res.records, k, value);
                if (!oldExpires.equals(expires)) {
                    if (oldExpires.isPresent()) {
                        batch.delete(res.expiry, KeyLayout.expiryKey(oldExpires.get(), KIND_RECORD, k));
                    }
                    if (expires.isPresent()) {
                        batch.put(res.expiry, KeyLayout.expiryKey(expires.get(), KIND_RECORD, k), EMPTY);
                    }
                }
                res.db.write(res.writeOptions, batch);
                if (isNew) {
                    recordCount++;
                }
                expires.ifPresent(this::noteIndexed);
            } finally {
                mutationLock.unlock();
            }
        } catch (RocksDBException e) {
            throw backend("put", "writing key " + key, e);
        } finally {
            guard.unlock();
        }
    }

    /** The counts kept in memory for the limits (counted at open, then kept up to date). */
    @Override
    public StoreCounts counts() {
        Lock guard = enter("counts");
        try {
            // without the mutation lock, so a scrape does not wait for a write or a sweep chunk
            return new StoreCounts(recordCount, providedKeyCount);
        } finally {
            guard.unlock();
        }
    }

    @Override
    public void remove(RecordKey key) {
        Objects.requireNonNull(key, "key");
        Lock guard = enter("remove");
        try {
            if (!config.fits(key)) {
                return;
            }
            byte[] k = key.toBytes();
            byte[] head = new byte[ValueCodec.RECORD_HEADER_BYTES];
            mutationLock.lock();
            try (WriteBatch batch = new WriteBatch()) {
                int oldLength = readRecordHead(k, head);
                if (oldLength == RocksDB.NOT_FOUND) {
                    return;
                }
                batch.delete(res.records, k);
                Optional<Instant> oldExpires = oldRecordExpiry(key, head, oldLength);
                if (oldExpires.isPresent()) {
                    batch.delete(res.expiry, KeyLayout.expiryKey(oldExpires.get(), KIND_RECORD, k));
                }
                res.db.write(res.writeOptions, batch);
                recordCount--;
            } finally {
                mutationLock.unlock();
            }
        } catch (RocksDBException e) {
            throw backend("remove", "removing key " + key, e);
        } finally {
            guard.unlock();
        }
    }

    /**
     * The expiry of the record being replaced or removed. If its value is damaged the expiry is
     * unknown: the write goes on (so that a damaged record can be replaced or removed), and its
     * index entry, if any, is left for {@link #removeExpired} to find stale and drop.
     */
    private Optional<Instant> oldRecordExpiry(RecordKey key, byte[] head, int length) {
        try {
            return ValueCodec.recordExpiry(head, Math.min(length, head.length));
        } catch (CorruptValueException e) {
            LOG.warn("rocksdb store {}: replacing an undecodable value record under key {}: {}", directory, key,
                    e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * Reads the start of the value record under {@code k} into {@code head} (as much of it as
     * fits: the version, flags and expiry, not the value), without copying the rest out of RocksDB.
     *
     * @return the length of the whole stored value, or {@link RocksDB#NOT_FOUND}
     */
    private int readRecordHead(byte[] k, byte[] head) throws RocksDBException {
        return res.db.get(res.records, k, head);
    }

    @Override
    public CloseableIterator<DhtRecord> records() {
        Lock guard = enter("records");
        try {
            return new StoreIterator<>("records", "value record", res.records,
                    (k, v) -> ValueCodec.decodeRecord(RecordKey.of(k), v));
        } finally {
            guard.unlock();
        }
    }

    // ------------------------------------------------------------------ provider records

    /**
     * Adds the provider or updates it in place: one point lookup of its {@code provider_peers}
     * entry says whether it is listed and, if so, which {@code providers} entry to replace and which
     * expiry index entry to move. Only a provider that is new reads more: the key's
     * {@code provider_peers} keys (not their records), to count them for the limits.
     */
    @Override
    public boolean addProvider(ProviderRecord record) {
        Objects.requireNonNull(record, "record");
        RecordKey key = record.key();
        Lock guard = enter("addProvider");
        try {
            config.checkKey(key, NAME, "addProvider");
            byte[] k = key.toBytes();
            byte[] peerKey = KeyLayout.providerPeerKey(k, record.provider().toBytes());
            Optional<Instant> expires = record.expires();
            boolean local = record.provider().equals(localPeer);
            byte[] headBuffer = new byte[ValueCodec.PROVIDER_HEAD_MAX_BYTES];
            mutationLock.lock();
            try (WriteBatch batch = new WriteBatch()) {
                ProviderHead old = readProviderHead(key, peerKey, headBuffer, "addProvider");
                long seq;
                boolean keyIsNew = false;
                if (old != null) {
                    seq = old.seq(); // updated in place: same seq, so the same position
                } else {
                    int listed = countProviders(k, maxProvidersPerKey);
                    if (listed == 0 && providedKeyCount >= maxProvidedKeys) {
                        throw new StoreException(Kind.MAX_PROVIDED_KEYS, NAME, "addProvider",
                                "provider records exist for the maximum of " + maxProvidedKeys + " keys and key "
                                        + key + " is new");
                    }
                    if (listed >= maxProvidersPerKey) {
                        return false;
                    }
                    seq = nextSeq;
                    keyIsNew = listed == 0;
                }
                byte[] providerKey = KeyLayout.providerKey(k, seq);
                byte[] value = ValueCodec.encodeProvider(seq, record);
                batch.put(res.providers, providerKey, value);
                Optional<Instant> oldExpires = old == null ? Optional.empty() : old.expires();
                if (old == null || !oldExpires.equals(expires)) {
                    // the head holds the expiry: it changes with it (and the index entry moves)
                    batch.put(res.providerPeers, peerKey, ValueCodec.encodeProviderHead(seq, expires));
                    if (oldExpires.isPresent()) {
                        batch.delete(res.expiry, KeyLayout.expiryKey(oldExpires.get(), KIND_PROVIDER, providerKey));
                    }
                    if (expires.isPresent()) {
                        batch.put(res.expiry, KeyLayout.expiryKey(expires.get(), KIND_PROVIDER, providerKey), EMPTY);
                    }
                }
                if (local) {
                    batch.put(res.provided, k, value);
                }
                res.db.write(res.writeOptions, batch);
                if (old == null) {
                    nextSeq++;
                    if (keyIsNew) {
                        providedKeyCount++;
                    }
                }
                expires.ifPresent(this::noteIndexed);
                return true;
            } finally {
                mutationLock.unlock();
            }
        } catch (RocksDBException e) {
            throw backend("addProvider", "writing a provider of key " + key, e);
        } finally {
            guard.unlock();
        }
    }

    @Override
    public List<ProviderRecord> providers(RecordKey key) {
        Objects.requireNonNull(key, "key");
        Lock guard = enter("providers");
        try {
            if (!config.fits(key)) {
                return List.of();
            }
            byte[] prefix = KeyLayout.providerPrefix(key.toBytes());
            byte[] keyBuffer = new byte[prefix.length];
            List<ProviderRecord> out = new ArrayList<>();
            try (RocksIterator it = res.db.newIterator(res.providers)) {
                for (it.seek(prefix); it.isValid() && hasPrefix(it, prefix, keyBuffer); it.next()) {
                    try {
                        out.add(ValueCodec.decodeProvider(key, it.value()).record());
                    } catch (CorruptValueException e) {
                        throw backend("providers", "a provider record of key " + key + ": " + e.getMessage(), e);
                    }
                }
                it.status();
            }
            return Collections.unmodifiableList(out);
        } catch (RocksDBException e) {
            throw backend("providers", "reading the providers of key " + key, e);
        } finally {
            guard.unlock();
        }
    }

    @Override
    public CloseableIterator<ProviderRecord> provided() {
        Lock guard = enter("provided");
        try {
            return new StoreIterator<>("provided", "provided record", res.provided,
                    (k, v) -> ValueCodec.decodeProvider(RecordKey.of(k), v).record());
        } finally {
            guard.unlock();
        }
    }

    @Override
    public void removeProvider(RecordKey key, PeerId provider) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(provider, "provider");
        Lock guard = enter("removeProvider");
        try {
            if (!config.fits(key)) {
                return;
            }
            byte[] k = key.toBytes();
            byte[] peerKey = KeyLayout.providerPeerKey(k, provider.toBytes());
            byte[] headBuffer = new byte[ValueCodec.PROVIDER_HEAD_MAX_BYTES];
            mutationLock.lock();
            try (WriteBatch batch = new WriteBatch()) {
                ProviderHead head = readProviderHead(key, peerKey, headBuffer, "removeProvider");
                if (head == null) {
                    return;
                }
                byte[] providerKey = KeyLayout.providerKey(k, head.seq());
                batch.delete(res.providers, providerKey);
                batch.delete(res.providerPeers, peerKey);
                if (head.expires().isPresent()) {
                    batch.delete(res.expiry, KeyLayout.expiryKey(head.expires().get(), KIND_PROVIDER, providerKey));
                }
                if (provider.equals(localPeer)) {
                    batch.delete(res.provided, k);
                }
                boolean last = !hasOtherProvider(k, peerKey);
                res.db.write(res.writeOptions, batch);
                if (last) {
                    providedKeyCount--;
                }
            } finally {
                mutationLock.unlock();
            }
        } catch (RocksDBException e) {
            throw backend("removeProvider", "removing a provider of key " + key, e);
        } finally {
            guard.unlock();
        }
    }

    /**
     * The head ({@code seq}, expiry) of the provider entry that {@code peerKey} names, from its
     * {@code provider_peers} entry, or null if the provider is not listed.
     *
     * @param buffer at least {@link ValueCodec#PROVIDER_HEAD_MAX_BYTES}: the value is read into it
     * @throws StoreException {@code BACKEND} if the entry cannot be decoded
     */
    private ProviderHead readProviderHead(RecordKey key, byte[] peerKey, byte[] buffer, String operation)
            throws RocksDBException {
        int length = res.db.get(res.providerPeers, peerKey, buffer);
        if (length == RocksDB.NOT_FOUND) {
            return null;
        }
        try {
            return ValueCodec.decodeProviderHead(buffer, length);
        } catch (CorruptValueException e) {
            throw backend(operation, "the provider_peers entry of a provider of key " + key + ": " + e.getMessage(), e);
        }
    }

    /** The number of providers of the record key {@code k}, counted up to {@code limit}: keys of {@code provider_peers} only. */
    private int countProviders(byte[] k, int limit) throws RocksDBException {
        byte[] prefix = KeyLayout.providerPrefix(k);
        byte[] keyBuffer = new byte[prefix.length];
        int n = 0;
        try (RocksIterator it = res.db.newIterator(res.providerPeers)) {
            for (it.seek(prefix); n < limit && it.isValid() && hasPrefix(it, prefix, keyBuffer); it.next()) {
                n++;
            }
            it.status();
        }
        return n;
    }

    /** Whether the record key {@code k} has a provider besides the one {@code peerKey} names. */
    private boolean hasOtherProvider(byte[] k, byte[] peerKey) throws RocksDBException {
        byte[] prefix = KeyLayout.providerPrefix(k);
        try (RocksIterator it = res.db.newIterator(res.providerPeers)) {
            for (it.seek(prefix); it.isValid(); it.next()) {
                byte[] key = it.key();
                if (!KeyLayout.startsWith(key, prefix)) {
                    return false;
                }
                if (!Arrays.equals(key, peerKey)) {
                    return true;
                }
            }
            it.status();
        }
        return false;
    }

    /**
     * Whether the iterator's key starts with {@code prefix}, read into {@code buffer} (of the
     * prefix's length) rather than copied out whole.
     */
    private static boolean hasPrefix(RocksIterator it, byte[] prefix, byte[] buffer) {
        int length = it.key(buffer);
        return length >= prefix.length && Arrays.equals(buffer, prefix);
    }

    // ------------------------------------------------------------------ expiry

    @Override
    public long removeExpired(Instant now) {
        Objects.requireNonNull(now, "now");
        Lock guard = enter("removeExpired");
        try {
            long removed = 0;
            while (true) {
                mutationLock.lock();
                try {
                    Sweep sweep = sweepChunk(now);
                    removed += sweep.removed;
                    if (!sweep.more) {
                        return removed;
                    }
                } finally {
                    mutationLock.unlock();
                }
            }
        } catch (RocksDBException e) {
            throw backend("removeExpired", "sweeping up to " + now, e);
        } finally {
            guard.unlock();
        }
    }

    private record Sweep(long removed, boolean more) {}

    /**
     * Removes what expired at {@code now}, reading at most {@link #SWEEP_CHUNK} expiry index entries
     * from {@link #sweepFrom}, in one write batch. Holds {@link #mutationLock}.
     */
    private Sweep sweepChunk(Instant now) throws RocksDBException {
        long recordsRemoved = 0;
        long providersRemoved = 0;
        Instant last = null;
        boolean more = false;
        // keys that lost provider entries in this batch -> the seqs of those entries
        Map<RecordKey, Set<Long>> providerLosses = new HashMap<>();
        // value records removed in this batch (two index entries could name one damaged record)
        Set<RecordKey> recordLosses = new HashSet<>();
        try (WriteBatch batch = new WriteBatch(); RocksIterator it = res.db.newIterator(res.expiry)) {
            if (sweepFrom == null) {
                it.seekToFirst();
            } else {
                it.seek(KeyLayout.instantKey(sweepFrom));
            }
            int visited = 0;
            for (; it.isValid(); it.next()) {
                byte[] indexKey = it.key();
                Instant t;
                try {
                    t = KeyLayout.instantOfExpiryKey(indexKey);
                } catch (IllegalArgumentException e) {
                    LOG.warn("rocksdb store {}: dropping a malformed expiry index key 0x{}: {}", directory,
                            hex(indexKey), e.getMessage());
                    batch.delete(res.expiry, indexKey);
                    continue;
                }
                if (t.isAfter(now)) {
                    break;
                }
                if (visited == SWEEP_CHUNK) {
                    more = true;
                    break;
                }
                visited++;
                last = t;
                batch.delete(res.expiry, indexKey);
                byte kind = KeyLayout.kindOfExpiryKey(indexKey);
                byte[] identity = KeyLayout.identityOfExpiryKey(indexKey);
                if (kind == KIND_RECORD) {
                    RecordKey key = RecordKey.of(identity);
                    if (!recordLosses.contains(key) && sweepRecord(batch, identity, t)) {
                        recordLosses.add(key);
                        recordsRemoved++;
                    }
                } else if (kind == KIND_PROVIDER) {
                    if (sweepProvider(batch, identity, t, providerLosses)) {
                        providersRemoved++;
                    }
                } else {
                    LOG.warn("rocksdb store {}: dropping an expiry index entry of unknown kind {}", directory, kind);
                }
            }
            if (!it.isValid()) {
                it.status();
            }
            long keysFreed = 0;
            for (Map.Entry<RecordKey, Set<Long>> loss : providerLosses.entrySet()) {
                if (!hasProvidersBesides(loss.getKey(), loss.getValue())) {
                    keysFreed++;
                }
            }
            if (batch.count() > 0) {
                res.db.write(res.writeOptions, batch);
            }
            recordCount -= recordsRemoved;
            providedKeyCount -= keysFreed;
            if (more) {
                sweepFrom = last;
            } else if (sweepFrom == null || now.isAfter(sweepFrom)) {
                sweepFrom = now;
            }
            return new Sweep(recordsRemoved + providersRemoved, more);
        }
    }

    /** Adds the removal of the value record {@code key} to {@code batch} if it expires at {@code t}. */
    private boolean sweepRecord(WriteBatch batch, byte[] key, Instant t) throws RocksDBException {
        byte[] head = new byte[ValueCodec.RECORD_HEADER_BYTES];
        int length = readRecordHead(key, head);
        if (length == RocksDB.NOT_FOUND) {
            return false;
        }
        try {
            if (!ValueCodec.recordExpiry(head, Math.min(length, head.length)).equals(Optional.of(t))) {
                return false; // a stale index entry: the record was replaced and its expiry moved
            }
        } catch (CorruptValueException e) {
            LOG.warn("rocksdb store {}: removing an undecodable value record under key {}, expired at {}: {}",
                    directory, keyText(key), t, e.getMessage());
        }
        batch.delete(res.records, key);
        return true;
    }

    /** Adds the removal of the provider entry {@code providerKey} to {@code batch} if it expires at {@code t}. */
    private boolean sweepProvider(WriteBatch batch, byte[] providerKey, Instant t, Map<RecordKey, Set<Long>> losses)
            throws RocksDBException {
        byte[] keyBytes;
        long seq;
        try {
            keyBytes = KeyLayout.recordKeyOfProviderKey(providerKey);
            seq = KeyLayout.seqOfProviderKey(providerKey);
        } catch (IllegalArgumentException e) {
            LOG.warn("rocksdb store {}: dropping an expiry index entry with a malformed provider key 0x{}", directory,
                    hex(providerKey));
            return false;
        }
        RecordKey key = RecordKey.of(keyBytes);
        Set<Long> lost = losses.get(key);
        if (lost != null && lost.contains(seq)) {
            return false; // already removed in this batch
        }
        byte[] value = res.db.get(res.providers, providerKey);
        if (value == null) {
            return false;
        }
        PeerId peer = null;
        try {
            ProviderRecord record = ValueCodec.decodeProvider(key, value).record();
            if (!record.expires().equals(Optional.of(t))) {
                return false;
            }
            peer = record.provider();
        } catch (CorruptValueException e) {
            LOG.warn("rocksdb store {}: removing an undecodable provider record of key {}, expired at {}: {}",
                    directory, key, t, e.getMessage());
        }
        batch.delete(res.providers, providerKey);
        deleteProviderPeer(batch, key, keyBytes, peer, seq);
        // the local peer's copy, if this entry is the local peer's (only the local peer's entries
        // have one; an undecodable entry, peer null, may be)
        byte[] provided = peer == null || peer.equals(localPeer) ? res.db.get(res.provided, keyBytes) : null;
        if (provided != null) {
            try {
                if (ValueCodec.decodeProvider(key, provided).seq() == seq) {
                    batch.delete(res.provided, keyBytes);
                }
            } catch (CorruptValueException e) {
                LOG.warn("rocksdb store {}: undecodable provided record of key {}: {}", directory, key, e.getMessage());
            }
        }
        losses.computeIfAbsent(key, x -> new HashSet<>()).add(seq);
        return true;
    }

    /**
     * Adds the removal of the {@code provider_peers} entry of the provider entry {@code seq} of
     * {@code key} to {@code batch}: that of {@code peer} if it names this entry, or, when the
     * entry's record could not be decoded ({@code peer} null), the one of the key's entries whose
     * head holds {@code seq} (a scan of the key's few entries).
     */
    private void deleteProviderPeer(WriteBatch batch, RecordKey key, byte[] keyBytes, PeerId peer, long seq)
            throws RocksDBException {
        if (peer != null) {
            byte[] peerKey = KeyLayout.providerPeerKey(keyBytes, peer.toBytes());
            byte[] head = res.db.get(res.providerPeers, peerKey);
            if (head != null && seqOfHead(key, head) == seq) {
                batch.delete(res.providerPeers, peerKey);
            }
            return;
        }
        byte[] prefix = KeyLayout.providerPrefix(keyBytes);
        try (RocksIterator it = res.db.newIterator(res.providerPeers)) {
            for (it.seek(prefix); it.isValid(); it.next()) {
                byte[] peerKey = it.key();
                if (!KeyLayout.startsWith(peerKey, prefix)) {
                    break;
                }
                if (seqOfHead(key, it.value()) == seq) {
                    batch.delete(res.providerPeers, peerKey);
                    break;
                }
            }
            it.status();
        }
    }

    /** The {@code seq} of a {@code provider_peers} value, or -1 (no entry's) if it cannot be decoded. */
    private long seqOfHead(RecordKey key, byte[] head) {
        try {
            return ValueCodec.decodeProviderHead(head, head.length).seq();
        } catch (CorruptValueException e) {
            LOG.warn("rocksdb store {}: undecodable provider_peers entry of key {}: {}", directory, key, e.getMessage());
            return -1;
        }
    }

    /** Whether {@code key} has a provider entry whose seq is not in {@code removed}. */
    private boolean hasProvidersBesides(RecordKey key, Set<Long> removed) throws RocksDBException {
        byte[] prefix = KeyLayout.providerPrefix(key.toBytes());
        try (RocksIterator it = res.db.newIterator(res.providers)) {
            for (it.seek(prefix); it.isValid(); it.next()) {
                byte[] providerKey = it.key();
                if (!KeyLayout.startsWith(providerKey, prefix)) {
                    return false;
                }
                if (!removed.contains(KeyLayout.seqOfProviderKey(providerKey))) {
                    return true;
                }
            }
            it.status();
        }
        return false;
    }

    /** An expiry was indexed: the next sweep must start at or before it. Holds {@link #mutationLock}. */
    private void noteIndexed(Instant expires) {
        if (sweepFrom != null && expires.isBefore(sweepFrom)) {
            sweepFrom = expires;
        }
    }

    // ------------------------------------------------------------------ lifecycle

    /**
     * Closes the open iterators, then the native handles in {@link RocksDbResources#close()}'s
     * order. Waits for operations under way to finish; idempotent.
     */
    @Override
    public void close() {
        Lock exclusive = closeGuard.writeLock();
        exclusive.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            // 1. iterators first: they pin the database's memtables and files
            for (StoreIterator<?> it : List.copyOf(openIterators)) {
                it.endedByClose = true;
                it.release();
            }
            // 2. column family handles, database, options, filter, cache
            res.close();
        } finally {
            exclusive.unlock();
        }
    }

    /** Takes the read side of {@link #closeGuard}; throws {@code CLOSED} (holding nothing) if the store is closed. */
    private Lock enter(String operation) {
        Lock shared = closeGuard.readLock();
        shared.lock();
        if (closed) {
            shared.unlock();
            throw new StoreException(Kind.CLOSED, NAME, operation, "the store is closed");
        }
        return shared;
    }

    private StoreException backend(String operation, String what, Exception cause) {
        return new StoreException(Kind.BACKEND, NAME, operation, what + " (database " + directory + ")"
                + (cause instanceof RocksDBException ? ": " + cause.getMessage() : ""), cause);
    }

    /**
     * Flushes the memtables of every column family to table files and waits for it (for tests and
     * tools: writes are durable without it, through the write-ahead log).
     *
     * @throws StoreException {@code CLOSED}, {@code BACKEND}
     */
    void flush() {
        Lock guard = enter("flush");
        try (FlushOptions options = new FlushOptions().setWaitForFlush(true)) {
            res.db.flush(options, res.handles());
        } catch (RocksDBException e) {
            throw backend("flush", "flushing the memtables", e);
        } finally {
            guard.unlock();
        }
    }

    @Override
    public String toString() {
        return "RocksDbRecordStore[" + directory + (closed ? ", closed" : "") + "]";
    }

    private static String hex(byte[] bytes) {
        return java.util.HexFormat.of().formatHex(bytes);
    }

    // ------------------------------------------------------------------ iteration

    /** Decodes one entry of a column family. */
    @FunctionalInterface
    private interface EntryDecoder<T> {
        T decode(byte[] key, byte[] value) throws CorruptValueException;
    }

    /**
     * A {@link CloseableIterator} over a RocksDB iterator of one column family. Not for use from
     * several threads at once (like any iterator), but safe against the store closing from another
     * thread: it touches the native iterator only holding the read side of {@link #closeGuard}, and
     * the store's {@link #close()} releases it (it then ends).
     */
    private final class StoreIterator<T> implements CloseableIterator<T> {
        private final String operation;
        private final String what;
        private final EntryDecoder<T> decoder;
        private final RocksIterator iterator;
        private T buffered;
        /** Released: closed, exhausted, or its store closed. */
        private boolean ended;
        /** Released because its store closed. */
        private boolean endedByClose;

        /** Made holding the read side of {@link #closeGuard}. */
        StoreIterator(String operation, String what, ColumnFamilyHandle family, EntryDecoder<T> decoder) {
            this.operation = operation;
            this.what = what;
            this.decoder = decoder;
            this.iterator = res.db.newIterator(family, res.scanReadOptions);
            openIterators.add(this);
            iterator.seekToFirst();
        }

        @Override
        public boolean hasNext() {
            Lock shared = closeGuard.readLock();
            shared.lock();
            try {
                if (ended) {
                    return false;
                }
                if (buffered != null) {
                    return true;
                }
                if (!iterator.isValid()) {
                    try {
                        iterator.status();
                    } catch (RocksDBException e) {
                        release();
                        throw backend(operation, "iterating", e);
                    }
                    release();
                    return false;
                }
                byte[] key = iterator.key();
                byte[] value = iterator.value();
                iterator.next(); // past a damaged entry too, so that a caller may go on
                try {
                    buffered = decoder.decode(key, value);
                } catch (CorruptValueException | IllegalArgumentException e) {
                    throw backend(operation, what + " under key " + keyText(key) + ": " + e.getMessage(), e);
                }
                return true;
            } finally {
                shared.unlock();
            }
        }

        @Override
        public T next() {
            if (!hasNext()) {
                if (endedByClose) {
                    // hasNext() may have said true just before the store closed: say why there is no next
                    throw new StoreException(Kind.CLOSED, NAME, operation, "the store is closed");
                }
                throw new NoSuchElementException();
            }
            T next = buffered;
            buffered = null;
            return next;
        }

        @Override
        public void close() {
            Lock shared = closeGuard.readLock();
            shared.lock();
            try {
                release();
            } finally {
                shared.unlock();
            }
        }

        /** Frees the native iterator; idempotent. Holds either side of {@link #closeGuard}. */
        void release() {
            if (!ended) {
                ended = true;
                buffered = null;
                iterator.close();
                openIterators.remove(this);
            }
        }
    }

    private static String keyText(byte[] key) {
        return key.length == 0 ? "(empty)" : RecordKey.of(key).toString();
    }
}
