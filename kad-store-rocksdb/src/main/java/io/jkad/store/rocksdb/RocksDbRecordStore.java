package io.jkad.store.rocksdb;


import io.jkad.identity.PeerId;
import io.jkad.record.CloseableIterator;
import io.jkad.record.DhtRecord;
import io.jkad.record.KeyLocks;
import io.jkad.record.Keyspace;
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
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.FlushOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * The RocksDB {@link RecordStore}: value records, provider records, the local peer's provided keys
 * and an expiry index in column families of one database (layout: {@link KeyLayout}; values:
 * {@link ValueCodec}).
 *
 * <p>Writes: every change of more than one key (a put that moves a record's expiry earlier or adds
 * one, a new provider or one whose expiry moves earlier, any removal, a sweep) is one
 * {@link WriteBatch}, so a crash leaves either all of it or none. A put or provider update that
 * extends the expiry writes one key: its index entry stays where it was until a sweep moves it. A
 * write returns once RocksDB has appended it to its write-ahead log (and synced the log, with
 * {@code rocksdb.sync=true}). {@link #removeExpired} writes one batch per
 * {@value #SWEEP_CHUNK} expired index entries and lets other writers in between: each batch is
 * whole, but a sweep larger than one batch that fails part way keeps the batches written before.
 *
 * <p>Concurrency: reads ({@link #get}, {@link #providers}, iteration) go straight to RocksDB,
 * which is thread-safe; a read sees a write batch whole or not at all. Read-modify-write sequences
 * (every write: read the old record's head or the provider's {@code provider_peers} entry, check the
 * limits, write a batch, update the counts) hold the lock of their record key, one of
 * {@value #KEY_LOCKS} locks striped by the key's hash: everything a write of one key reads and
 * writes (its record, its provider entries and {@code provider_peers} entries, its provided
 * entries, their expiry index entries) is named by that key, so writes of one key run one at a
 * time and writes of keys of different stripes run at once (RocksDB groups their batches into one
 * write of its log). A sweep chunk, which removes entries of any keys, holds every key lock. Every
 * operation also holds the read side of {@link #closeGuard}, which {@link #close()} takes
 * exclusively, so no native handle is ever used after it is freed (that would crash the JVM, not
 * throw).
 *
 * <p>Limits: {@code maxRecords} and {@code maxProvidedKeys} are checked against exact counts held
 * in memory: counted at open (one pass over the keys of the records and providers column families)
 * and kept up to date by every write. A write that adds a key reserves its place in the count
 * first (an atomic compare-and-set against the limit, so writers of different stripes cannot both
 * take the last place) and gives it back if its batch fails. A store reopened with a smaller limit
 * than its contents keeps them and refuses new keys until it is back under the limit.
 *
 * <p>Iterators ({@link #records()}, {@link #provided()}, {@link #providedFrom}) are RocksDB
 * iterators, each a consistent point-in-time view of its column family from when it was made:
 * writes meanwhile are not seen and never disturb it. They hold native resources until closed or exhausted; {@link #close()} closes
 * those still open.
 *
 * <p>Node state ({@link #putNodeState}) is one key each in the {@code default} column family
 * ({@link KeyLayout#nodeStateKey}), written with one {@code put} under the same write options as
 * the records (so durable as they are when it returns) and outside the key locks: it shares
 * no count or limit with the records, and RocksDB orders single writes itself.
 *
 * <p>Damaged data: a value that cannot be decoded makes the read that meets it throw
 * {@code BACKEND} naming the key (an iterator skips past it, so the caller may go on). Writes read
 * only what they replace: a put replaces a damaged value record, and an {@code addProvider} of the
 * provider of a damaged provider record replaces it (its {@code provider_peers} entry names it);
 * other providers of the key are added, updated and removed as usual. A damaged
 * {@code provider_peers} entry makes the writes of that provider throw {@code BACKEND}. A sweep
 * removes a damaged value record or provider record whose expiry index entry says it has expired.
 *
 * <p>Parts: this class keeps the locks, the counts and the limits; the value records' column
 * family is {@link ValueRecords}'s, the provider column families are {@link ProviderIndex}'s, the
 * expiry sweep is {@link ExpirySweeper}'s and iteration is {@link StoreIterator}'s. They are
 * called under this class's locks (the sweeper only guards its own note of where to start). It
 * stays somewhat over 500 lines because each of the eight operations of the SPI carries here, and
 * only here, its close guard, its hold of the key lock, its limit checks, its count update and
 * its mapping of RocksDB errors.
 *
 * <p>Layout versions: a database of layout version 1, 2 or 3 is migrated when opened
 * ({@link LayoutMigration}); one of a later version than {@link KeyLayout#FORMAT_VERSION} is refused.
 */
final class RocksDbRecordStore implements RecordStore {

    private static final String NAME = RocksDbStoreProvider.NAME;

    /** Expiry index entries a sweep handles in one write batch (and one hold of every key lock). */
    static final int SWEEP_CHUNK = 1024;

    /** Stripes of the key locks (a power of two): many more than the threads that write at once. */
    static final int KEY_LOCKS = 64;

    private final RocksDbResources res;
    private final Path directory;
    private final PeerId localPeer;
    private final int maxRecords;
    private final int maxValueBytes;
    private final int maxProvidersPerKey;
    private final int maxProvidedKeys;

    /** Read side: any operation; write side: {@link #close()}. */
    private final ReentrantReadWriteLock closeGuard = new ReentrantReadWriteLock();
    /** The key locks: a write of a record key holds {@link KeyLocks#of its stripe}; a sweep chunk holds all. */
    private final KeyLocks keyLocks = new KeyLocks(KEY_LOCKS);
    private volatile boolean closed;

    /**
     * Value records in the store. A put of a new key reserves its place (see {@link #reserve}) under
     * the key's lock; {@link #counts()} reads it without.
     */
    private final AtomicLong recordCount = new AtomicLong();
    /** Keys that have at least one provider record; kept as {@link #recordCount} is. */
    private final AtomicLong providedKeyCount = new AtomicLong();
    /**
     * The {@code seq} of the next provider entry. Taken by a provider that is new to its key, under
     * the key's lock; a failed write leaves a gap, which is harmless (seqs only order a key's entries).
     */
    private final AtomicLong nextSeq = new AtomicLong();

    /** The provider column families. Writes through it hold the key's lock. */
    private final ProviderIndex providerIndex;
    /** The value records and their index entries. */
    private final ValueRecords valueRecords;
    /** The expiry sweep. Chunks run holding every key lock. */
    private final ExpirySweeper sweeper;

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
        this.providerIndex = new ProviderIndex(res, directory, localPeer);
        this.valueRecords = new ValueRecords(res, directory);
        this.sweeper = new ExpirySweeper(res, directory, providerIndex, valueRecords);
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
            LayoutMigration.checkFormat(res, directory);
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

    /** Counts the records and the keys with providers, and finds the largest provider {@code seq}. */
    private void countAtOpen() throws RocksDBException {
        long records = 0;
        try (RocksIterator it = res.db.newIterator(res.records, res.scanReadOptions)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                records++;
            }
            it.status();
        }
        ProviderIndex.OpenCounts providerCounts = providerIndex.countAtOpen();
        recordCount.set(records);
        providedKeyCount.set(providerCounts.keys());
        nextSeq.set(providerCounts.maxSeq() + 1);
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
            ReentrantLock lock = keyLocks.of(key);
            lock.lock();
            boolean reserved = false;
            try {
                ValueCodec.RecordHead old = valueRecords.readHead(key, k);
                if (old == null && !(reserved = KeyLocks.reserve(recordCount, maxRecords))) {
                    throw new StoreException(Kind.MAX_RECORDS, NAME, "put", "the store holds its maximum of "
                            + maxRecords + " records and key " + key + " is new");
                }
                if (valueRecords.write(k, record, old)) {
                    sweeper.noteIndexed(record.expires().orElseThrow());
                }
                reserved = false; // the new record holds its place now
            } finally {
                if (reserved) {
                    recordCount.decrementAndGet();
                }
                lock.unlock();
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
            // without the key locks, so a scrape does not wait for a write or a sweep chunk
            return new StoreCounts(recordCount.get(), providedKeyCount.get());
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
            ReentrantLock lock = keyLocks.of(key);
            lock.lock();
            try {
                ValueCodec.RecordHead old = valueRecords.readHead(key, k);
                if (old == null) {
                    return;
                }
                valueRecords.delete(k, old);
                recordCount.decrementAndGet();
            } finally {
                lock.unlock();
            }
        } catch (RocksDBException e) {
            throw backend("remove", "removing key " + key, e);
        } finally {
            guard.unlock();
        }
    }

    @Override
    public CloseableIterator<DhtRecord> records() {
        Lock guard = enter("records");
        try {
            return new StoreIterator<>(res, closeGuard, openIterators, directory, "records", "value record", res.records,
                    null, k -> k, (k, v) -> ValueCodec.decodeRecord(RecordKey.of(k), v));
        } finally {
            guard.unlock();
        }
    }

    // ------------------------------------------------------------------ provider records

    /**
     * Adds the provider or updates it in place: one point lookup of its {@code provider_peers}
     * entry says whether it is listed and, if so, which {@code providers} entry to replace and where
     * its expiry index entry is (an update that extends the expiry leaves that entry for the sweep
     * to move, and writes the provider's entry alone: {@link ProviderIndex#putEntry}). Only a
     * provider that is new reads more: the key's
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
            byte[] headBuffer = new byte[ValueCodec.PROVIDER_HEAD_MAX_BYTES];
            ReentrantLock lock = keyLocks.of(key);
            lock.lock();
            boolean reserved = false;
            try (WriteBatch batch = new WriteBatch()) {
                ProviderHead old = providerIndex.readHead(key, peerKey, headBuffer, "addProvider");
                long seq;
                if (old != null) {
                    seq = old.seq(); // updated in place: same seq, so the same position
                } else {
                    int listed = providerIndex.count(k, maxProvidersPerKey);
                    if (listed == 0 && !(reserved = KeyLocks.reserve(providedKeyCount, maxProvidedKeys))) {
                        throw new StoreException(Kind.MAX_PROVIDED_KEYS, NAME, "addProvider",
                                "provider records exist for the maximum of " + maxProvidedKeys + " keys and key "
                                        + key + " is new");
                    }
                    if (listed >= maxProvidersPerKey) {
                        return false;
                    }
                    seq = nextSeq.getAndIncrement();
                }
                providerIndex.putEntry(batch, k, peerKey, seq, record, old);
                res.db.write(res.writeOptions, batch);
                reserved = false; // the key, new, holds its place now
                expires.ifPresent(sweeper::noteIndexed);
                return true;
            } finally {
                if (reserved) {
                    providedKeyCount.decrementAndGet();
                }
                lock.unlock();
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
            return providerIndex.list(key);
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
            return new StoreIterator<>(res, closeGuard, openIterators, directory, "provided", "provided record", res.provided,
                    null, k -> k, (k, v) -> ValueCodec.decodeProvider(RecordKey.of(k), v).record());
        } finally {
            guard.unlock();
        }
    }

    /**
     * A seek to {@code from} in {@code provided_by_id}, whose keys ({@code id ‖ key}) are in keyspace
     * order, and a scan from there: the cost of what is read, not of the store's size.
     */
    @Override
    public CloseableIterator<ProviderRecord> providedFrom(byte[] from) {
        if (from.length != Keyspace.ID_BYTES) {
            throw new IllegalArgumentException("a keyspace position is 32 bytes, not " + from.length);
        }
        Lock guard = enter("providedFrom");
        try {
            return new StoreIterator<>(res, closeGuard, openIterators, directory, "providedFrom", "provided record",
                    res.providedById, from.clone(), KeyLayout::recordKeyOfProvidedIdKey,
                    (k, v) -> ValueCodec.decodeProvider(RecordKey.of(KeyLayout.recordKeyOfProvidedIdKey(k)), v).record());
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
            ReentrantLock lock = keyLocks.of(key);
            lock.lock();
            try (WriteBatch batch = new WriteBatch()) {
                ProviderHead head = providerIndex.readHead(key, peerKey, headBuffer, "removeProvider");
                if (head == null) {
                    return;
                }
                providerIndex.deleteEntry(batch, k, peerKey, head, provider);
                boolean last = !providerIndex.hasOther(k, peerKey);
                res.db.write(res.writeOptions, batch);
                if (last) {
                    providedKeyCount.decrementAndGet();
                }
            } finally {
                lock.unlock();
            }
        } catch (RocksDBException e) {
            throw backend("removeProvider", "removing a provider of key " + key, e);
        } finally {
            guard.unlock();
        }
    }

    // ------------------------------------------------------------------ node state

    @Override
    public Optional<byte[]> nodeState(String name) {
        RecordStore.checkNodeState(name, null);
        Lock guard = enter("nodeState");
        try {
            // db.get returns a new array: the caller's copy
            return Optional.ofNullable(res.db.get(res.defaultCf, KeyLayout.nodeStateKey(name)));
        } catch (RocksDBException e) {
            throw backend("nodeState", "reading node state entry " + name, e);
        } finally {
            guard.unlock();
        }
    }

    /** One put to the {@code default} column family, appended to the write-ahead log before it returns. */
    @Override
    public void putNodeState(String name, byte[] value) {
        Objects.requireNonNull(value, "value");
        RecordStore.checkNodeState(name, value);
        Lock guard = enter("putNodeState");
        try {
            // RocksDB copies the value into its write batch: later changes of the caller's array do not reach it
            res.db.put(res.defaultCf, res.writeOptions, KeyLayout.nodeStateKey(name), value);
        } catch (RocksDBException e) {
            throw backend("putNodeState", "writing node state entry " + name, e);
        } finally {
            guard.unlock();
        }
    }

    // ------------------------------------------------------------------ expiry

    @Override
    public long removeExpired(Instant now) {
        Objects.requireNonNull(now, "now");
        Lock guard = enter("removeExpired");
        try {
            long removed = 0;
            while (true) {
                keyLocks.lockAll(); // a chunk removes entries of any keys; writers wait between chunks
                try {
                    ExpirySweeper.Chunk chunk = sweeper.sweepChunk(now);
                    recordCount.addAndGet(-chunk.recordsRemoved());
                    providedKeyCount.addAndGet(-chunk.keysFreed());
                    removed += chunk.removed();
                    if (!chunk.more()) {
                        return removed;
                    }
                } finally {
                    keyLocks.unlockAll();
                }
            }
        } catch (RocksDBException e) {
            throw backend("removeExpired", "sweeping up to " + now, e);
        } finally {
            guard.unlock();
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
                it.endByClose();
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
        return backend(directory, operation, what, cause);
    }

    /** A {@code BACKEND} error of the store in {@code directory}. */
    static StoreException backend(Path directory, String operation, String what, Exception cause) {
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

    static String hex(byte[] bytes) {
        return java.util.HexFormat.of().formatHex(bytes);
    }

    static String keyText(byte[] key) {
        return key.length == 0 ? "(empty)" : RecordKey.of(key).toString();
    }
}
