package io.jkad.store.memory;

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
import java.time.Instant;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.RandomAccess;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The in-memory {@link RecordStore}, after rust-libp2p's {@code MemoryStore} (libp2p-kad 0.29) with
 * jkad's change that a full provider list ignores new providers instead of evicting the farthest.
 *
 * <p>Concurrency: reads ({@link #get}, {@link #providers}, iteration) go lock-free to
 * {@link ConcurrentHashMap}s holding immutable values (a record already wrapped in the
 * {@link Optional} that {@link #get} returns, an immutable provider list), so a read costs one
 * volatile read plus one map lookup and allocates nothing. A write holds the lock of its key, one
 * of {@value #KEY_LOCKS} striped by the key's hash: everything a write of one key changes (its
 * record, its provider list, its provided entries, their expiry index items) belongs to that key,
 * so writes of one key run one at a time, in step with one another, and writes of keys of
 * different stripes run at once. The limits are exact counts: a write that adds a key first
 * reserves its place (an atomic compare-and-set against the limit), so writers of different
 * stripes cannot both take the last place. {@link #removeExpired} and {@link #close} hold every
 * key lock. Iterators are the maps' weakly consistent ones.
 *
 * <p>Expiry: two {@link ExpiryIndex}es (values, providers) by second, so {@link #removeExpired}
 * touches only what it removes.
 *
 * <p>Each record keeps beside it its <em>floor</em>, the second of an index entry at or before its
 * expiry: a put with a later expiry, as every republish is, leaves the index alone and needs no
 * key lock ({@link RecordTable} has the rule).
 *
 * <p>A provider's entry is at its expiry's second: an update that moves it to another second adds
 * one there and leaves the old one, which the sweep drops. (A floor kept beside each provider, or
 * one a key, measured the providers read 10-25 % slower, for a reason not found:
 * {@code bench/results/store-2026-12-07-memory-floors-notes.md}.)
 *
 * <p>When entries that cover nothing make an index hold more than twice its items, the write that
 * notices takes every key lock, after its own, and rebuilds the index.
 */
final class MemoryRecordStore implements RecordStore {

    /** A provider record's identity in the expiry index. */
    private record ProviderSlot(RecordKey key, PeerId provider) implements Comparable<ProviderSlot> {
        @Override
        public int compareTo(ProviderSlot o) {
            int c = key.compareTo(o.key);
            return c != 0 ? c : provider.compareTo(o.provider);
        }

        // written out: the record's generated methods go through method handles on every index update
        @Override
        public boolean equals(Object o) {
            return o instanceof ProviderSlot s && key.equals(s.key) && provider.equals(s.provider);
        }

        @Override
        public int hashCode() {
            return key.hashCode() * 31 + provider.hashCode();
        }
    }

    /**
     * A key's providers: an immutable list over an array that is never written after the list is
     * made (an update makes a new array, one copy), so readers get it as it is, without a copy.
     */
    private static final class ProviderList extends AbstractList<ProviderRecord> implements RandomAccess {
        private final ProviderRecord[] array;

        ProviderList(ProviderRecord[] array) {
            this.array = array;
        }

        @Override
        public ProviderRecord get(int index) {
            return array[index];
        }

        @Override
        public int size() {
            return array.length;
        }
    }

    private final PeerId localPeer;
    private final StoreConfig config;
    private final int maxValueBytes;
    private final int maxProvidersPerKey;
    private final int maxProvidedKeys;

    /** The value records, their count and their expiry index. */
    private final RecordTable records;
    /** Each key's providers, in the order first added; the lists are immutable and never empty. */
    private final ConcurrentHashMap<RecordKey, ProviderList> providers;
    /** The local peer's provider record of each key it provides. */
    private final ConcurrentHashMap<RecordKey, ProviderRecord> provided;
    /** The keys of {@link #provided} in keyspace order (written under the key's lock with it). */
    private final ConcurrentSkipListMap<Position, RecordKey> providedInKeyspace = new ConcurrentSkipListMap<>();
    /** The node state entries ({@link #putNodeState}). */
    private final ConcurrentHashMap<String, byte[]> nodeState = new ConcurrentHashMap<>();

    /** A key's place in keyspace order: its Kademlia id, then the key; a null key is before every key of its id. */
    private record Position(byte[] id, RecordKey key) implements Comparable<Position> {
        @Override
        public int compareTo(Position o) {
            int c = Arrays.compareUnsigned(id, o.id);
            if (c != 0 || key == o.key) {
                return c;
            }
            return key == null ? -1 : o.key == null ? 1 : key.compareTo(o.key);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Position p && compareTo(p) == 0;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(id) * 31 + java.util.Objects.hashCode(key);
        }
    }

    /**
     * A provider update that leaves an entry covering nothing checks the rebuild bound once in this
     * many (a power of two): the check sums counters every writer writes.
     */
    private static final int CHECK_EVERY = 64;

    /** Stripes of the key locks (a power of two): many more than the threads that write at once. */
    static final int KEY_LOCKS = 64;

    /** The key locks: a write of a key holds {@link KeyLocks#of its stripe}; a sweep and close hold all. */
    private final KeyLocks keyLocks = new KeyLocks(KEY_LOCKS);
    /** Keys with providers, for {@code maxProvidedKeys}: a new key reserves its place ({@link KeyLocks#reserve}). */
    private final AtomicLong providerKeyCount = new AtomicLong();
    /** Provider records (of all keys), for the expiry index's rebuild bound; written under the key locks. */
    private final AtomicLong providerRecordCount = new AtomicLong();
    private final ExpiryIndex<ProviderSlot> providerExpiry = new ExpiryIndex<>();

    private volatile boolean closed;

    MemoryRecordStore(StoreConfig config) {
        this.localPeer = config.localPeer();
        this.config = config;
        this.maxValueBytes = config.maxValueBytes();
        this.maxProvidersPerKey = config.maxProvidersPerKey();
        this.maxProvidedKeys = config.maxProvidedKeys();
        this.records = new RecordTable(config.maxRecords(), initialCapacity(config.maxRecords()));
        this.providers = new ConcurrentHashMap<>(initialCapacity(maxProvidedKeys));
        this.provided = new ConcurrentHashMap<>();
    }

    /** Room for the limit without resizing, up to a modest size (large limits grow on demand). */
    private static int initialCapacity(int limit) {
        return Math.min(limit, 4096);
    }

    // ------------------------------------------------------------------ value records

    @Override
    public Optional<DhtRecord> get(RecordKey key) {
        Objects.requireNonNull(key, "key");
        checkOpen("get");
        if (!config.fits(key)) {
            return Optional.empty();
        }
        return records.get(key);
    }

    @Override
    public void put(DhtRecord record) {
        Objects.requireNonNull(record, "record");
        RecordKey key = record.key();
        checkOpen("put");
        config.checkKey(key, MemoryStoreProvider.NAME, "put");
        if (record.valueLength() > maxValueBytes) {
            throw new StoreException(Kind.VALUE_TOO_LARGE, MemoryStoreProvider.NAME, "put",
                    "value of " + record.valueLength() + " bytes under key " + key + " exceeds maxValueBytes "
                            + maxValueBytes);
        }
        if (records.putKeepingFloor(record)) {
            return;
        }
        ReentrantLock lock = keyLocks.of(key);
        boolean rebuild;
        lock.lock();
        try {
            checkOpen("put");
            rebuild = records.put(record);
        } finally {
            lock.unlock();
        }
        if (rebuild) {
            compactExpiryIndexes();
        }
    }

    @Override
    public void remove(RecordKey key) {
        Objects.requireNonNull(key, "key");
        if (!config.fits(key)) {
            checkOpen("remove");
            return;
        }
        ReentrantLock lock = keyLocks.of(key);
        boolean compact = false;
        lock.lock();
        try {
            checkOpen("remove");
            compact = records.remove(key);
        } finally {
            lock.unlock();
        }
        if (compact) {
            compactExpiryIndexes();
        }
    }

    @Override
    public CloseableIterator<DhtRecord> records() {
        checkOpen("records");
        return new StoreIterator<>(records.values(), "records");
    }

    // ------------------------------------------------------------------ provider records

    @Override
    public boolean addProvider(ProviderRecord record) {
        Objects.requireNonNull(record, "record");
        RecordKey key = record.key();
        checkOpen("addProvider");
        config.checkKey(key, MemoryStoreProvider.NAME, "addProvider");
        ReentrantLock lock = keyLocks.of(key);
        boolean compact = false;
        lock.lock();
        try {
            checkOpen("addProvider");
            ProviderList list = providers.get(key);
            ProviderRecord old = null;
            ProviderRecord[] array;
            if (list == null) {
                if (!KeyLocks.reserve(providerKeyCount, maxProvidedKeys)) {
                    throw new StoreException(Kind.MAX_PROVIDED_KEYS, MemoryStoreProvider.NAME, "addProvider",
                            "provider records exist for the maximum of " + maxProvidedKeys + " keys and key " + key
                                    + " is new");
                }
                array = new ProviderRecord[] {record};
            } else {
                int i = indexOf(list, record.provider());
                if (i >= 0) {
                    old = list.array[i];
                    array = list.array.clone();
                    array[i] = record;
                } else if (list.array.length >= maxProvidersPerKey) {
                    return false;
                } else {
                    array = Arrays.copyOf(list.array, list.array.length + 1);
                    array[list.array.length] = record;
                }
            }
            if (old == null) {
                providerRecordCount.incrementAndGet();
            }
            providers.put(key, new ProviderList(array));
            // a provider's floor is its expiry's second: an entry there, unless that second is the old one's
            Optional<Instant> oldExpires = old == null ? Optional.empty() : old.expires();
            Optional<Instant> expires = record.expires();
            if (!ExpiryIndex.sameSecond(oldExpires, expires)) {
                expires.ifPresent(t -> providerExpiry.add(ExpiryIndex.secondOf(t),
                        new ProviderSlot(key, record.provider())));
                // the old entry now covers nothing: now and then, see whether such entries call for a rebuild
                compact = oldExpires.isPresent() && (ThreadLocalRandom.current().nextInt() & (CHECK_EVERY - 1)) == 0
                        && providerExpiry.compactionDue(providerRecordCount.get());
            }
            if (record.provider().equals(localPeer)) {
                if (provided.put(key, record) == null) {
                    providedInKeyspace.put(new Position(Keyspace.id(key), key), key);
                }
            }
            return true;
        } finally {
            lock.unlock();
            if (compact) {
                compactExpiryIndexes();
            }
        }
    }

    @Override
    public List<ProviderRecord> providers(RecordKey key) {
        Objects.requireNonNull(key, "key");
        checkOpen("providers");
        if (!config.fits(key)) {
            return List.of();
        }
        List<ProviderRecord> list = providers.get(key);
        return list == null ? List.of() : list;
    }

    /** From the keyspace-ordered index of the provided keys; each key's record read from {@link #provided} (skipped if gone). */
    @Override
    public CloseableIterator<ProviderRecord> providedFrom(byte[] from) {
        if (from.length != Keyspace.ID_BYTES) {
            throw new IllegalArgumentException("a keyspace position is 32 bytes, not " + from.length);
        }
        checkOpen("providedFrom");
        java.util.Iterator<RecordKey> keys = providedInKeyspace.tailMap(new Position(from.clone(), null)).values().iterator();
        java.util.Iterator<ProviderRecord> records = new java.util.Iterator<>() {
            private ProviderRecord next;

            @Override
            public boolean hasNext() {
                while (next == null && keys.hasNext()) {
                    next = provided.get(keys.next());
                }
                return next != null;
            }

            @Override
            public ProviderRecord next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                ProviderRecord r = next;
                next = null;
                return r;
            }
        };
        return new StoreIterator<>(records, "providedFrom");
    }

    @Override
    public CloseableIterator<ProviderRecord> provided() {
        checkOpen("provided");
        return new StoreIterator<>(provided.values().iterator(), "provided");
    }

    @Override
    public void removeProvider(RecordKey key, PeerId provider) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(provider, "provider");
        if (!config.fits(key)) {
            checkOpen("removeProvider");
            return;
        }
        ReentrantLock lock = keyLocks.of(key);
        lock.lock();
        try {
            checkOpen("removeProvider");
            ProviderRecord old = unlinkProvider(key, provider);
            if (old != null && old.expires().isPresent()) {
                providerExpiry.remove(ExpiryIndex.secondOf(old.expires().get()), new ProviderSlot(key, provider));
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Removes {@code provider}'s record of {@code key} from the provider lists and from
     * {@link #provided}, not from the expiry index. Holds the key's lock (or all of them).
     *
     * @return the record removed, or null if there was none
     */
    private ProviderRecord unlinkProvider(RecordKey key, PeerId provider) {
        ProviderList list = providers.get(key);
        int i = list == null ? -1 : indexOf(list, provider);
        if (i < 0) {
            return null;
        }
        ProviderRecord[] array = list.array;
        if (array.length == 1) {
            providers.remove(key);
            providerKeyCount.decrementAndGet();
        } else {
            ProviderRecord[] rest = new ProviderRecord[array.length - 1];
            System.arraycopy(array, 0, rest, 0, i);
            System.arraycopy(array, i + 1, rest, i, array.length - i - 1);
            providers.put(key, new ProviderList(rest));
        }
        providerRecordCount.decrementAndGet();
        if (provider.equals(localPeer) && provided.remove(key) != null) {
            providedInKeyspace.remove(new Position(Keyspace.id(key), key));
        }
        return array[i];
    }

    private static int indexOf(ProviderList list, PeerId provider) {
        ProviderRecord[] array = list.array;
        for (int i = 0; i < array.length; i++) {
            if (array[i].provider().equals(provider)) {
                return i;
            }
        }
        return -1;
    }

    // ------------------------------------------------------------------ expiry and lifecycle

    @Override
    public long removeExpired(Instant now) {
        Objects.requireNonNull(now, "now");
        keyLocks.lockAll();
        try {
            checkOpen("removeExpired");
            long removed = records.removeExpired(now);
            removed += providerExpiry.pollExpired(now, providerSweeper);
            compactIfDue();
            return removed;
        } finally {
            keyLocks.unlockAll();
        }
    }

    /**
     * The sweep of the providers: it holds every key lock, and provider writes take the lock. A
     * provider's floor is its expiry's second, so an entry elsewhere covers nothing.
     */
    private final ExpiryIndex.Sweeper<ProviderSlot> providerSweeper = new ExpiryIndex.Sweeper<>() {
        @Override
        public Instant visit(ProviderSlot slot, long second, Instant now) {
            ProviderList list = providers.get(slot.key());
            int i = list == null ? -1 : indexOf(list, slot.provider());
            Instant expires = i < 0 ? null : list.array[i].expires().orElse(null);
            return expires != null && ExpiryIndex.secondOf(expires) == second ? expires : null;
        }

        @Override
        public boolean expire(ProviderSlot slot, long second, Instant now) {
            return unlinkProvider(slot.key(), slot.provider()) != null;
        }
    };

    /**
     * Rebuilds the expiry indexes, once a write found them holding more than twice their items.
     * Called without a key lock; takes them all.
     */
    private void compactExpiryIndexes() {
        keyLocks.lockAll();
        try {
            if (!closed) {
                compactIfDue();
            }
        } finally {
            keyLocks.unlockAll();
        }
    }

    /**
     * Rebuilds an expiry index from its items' floors if it holds more than twice its items: one
     * entry each, the cover. Holds every key lock (a put that keeps its record's cover, the one
     * write that runs beside it, keeps the floor too).
     */
    private void compactIfDue() {
        records.rebuildIfDue();
        if (providerExpiry.compactionDue(providerRecordCount.get())) {
            providerExpiry.clear();
            providers.forEach((key, list) -> {
                for (ProviderRecord p : list.array) {
                    p.expires().ifPresent(t -> providerExpiry.add(ExpiryIndex.secondOf(t),
                            new ProviderSlot(key, p.provider())));
                }
            });
        }
    }

    @Override
    public void close() {
        keyLocks.lockAll();
        try {
            if (closed) {
                return;
            }
            closed = true;
            records.clear();
            providers.clear();
            provided.clear();
            providedInKeyspace.clear();
            providerExpiry.clear();
            providerKeyCount.set(0);
            providerRecordCount.set(0);
        } finally {
            keyLocks.unlockAll();
        }
    }

    private void checkOpen(String operation) {
        if (closed) {
            throw closedException(operation);
        }
    }

    private static StoreException closedException(String operation) {
        return new StoreException(Kind.CLOSED, MemoryStoreProvider.NAME, operation, "the store is closed");
    }

    @Override
    public StoreCounts counts() {
        checkOpen("counts");
        // concurrent maps: no lock, so a scrape does not wait for a sweep (the SPI allows the two
        // numbers to be from slightly different moments)
        return new StoreCounts(records.size(), providers.size());
    }

    @Override
    public Optional<byte[]> nodeState(String name) {
        RecordStore.checkNodeState(name, null);
        checkOpen("nodeState");
        byte[] v = nodeState.get(name);
        return v == null ? Optional.empty() : Optional.of(v.clone());
    }

    @Override
    public void putNodeState(String name, byte[] value) {
        RecordStore.checkNodeState(name, value);
        checkOpen("putNodeState");
        nodeState.put(name, value.clone());
    }

    /**
     * Sizes of the maps and indexes, for tests: records, provider keys, provided, and the records and
     * provider records that are covered in the expiry index (their floor at or before their expiry's
     * second, with an entry there; every one that expires should be).
     */
    int[] sizes() {
        keyLocks.lockAll();
        try {
            int coveredProviders = 0;
            for (var e : providers.entrySet()) {
                for (ProviderRecord p : e.getValue().array) {
                    if (p.expires().isPresent() && providerExpiry.has(ExpiryIndex.secondOf(p.expires().get()),
                            new ProviderSlot(e.getKey(), p.provider()))) {
                        coveredProviders++;
                    }
                }
            }
            return new int[] {records.size(), providers.size(), provided.size(), records.covered(), coveredProviders};
        } finally {
            keyLocks.unlockAll();
        }
    }

    /** Entries the record and provider expiry indexes hold (for tests). */
    long[] expiryIndexEntries() {
        keyLocks.lockAll();
        try {
            return new long[] {records.indexEntries(), providerExpiry.entries()};
        } finally {
            keyLocks.unlockAll();
        }
    }

    /** Records without expiry, as counted for the put without the lock (for tests). */
    long recordsWithoutExpiry() {
        return records.withoutExpiry();
    }

    /** For tests: run by a sweep of the records between finding them due and removing them ({@link RecordTable#sweepWindow}). */
    void sweepWindow(Runnable hook) {
        records.sweepWindow = hook;
    }

    /** Provider records held, the count the provider index's rebuild bound uses (for tests). */
    long providerRecordCount() {
        return providerRecordCount.get();
    }

    /** The counts the limits are checked against: records, keys with providers (for tests). */
    int[] limitCounts() {
        return new int[] {(int) records.count(), (int) providerKeyCount.get()};
    }

    @Override
    public String toString() {
        return "MemoryRecordStore[" + (closed ? "closed" : records.size() + " records, " + providers.size()
                + " keys with providers") + "]";
    }

    /**
     * A map iterator that ends when closed and fails with {@code CLOSED} once its store is closed
     * (the maps are cleared then, so going on would silently return a truncated view).
     */
    private final class StoreIterator<T> implements CloseableIterator<T> {
        private final Iterator<T> delegate;
        private final String operation;
        private boolean iteratorClosed;

        StoreIterator(Iterator<T> delegate, String operation) {
            this.delegate = delegate;
            this.operation = operation;
        }

        @Override
        public boolean hasNext() {
            if (iteratorClosed) {
                return false;
            }
            if (closed) {
                throw closedException(operation);
            }
            return delegate.hasNext();
        }

        @Override
        public T next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return delegate.next();
        }

        @Override
        public void close() {
            iteratorClosed = true;
        }
    }
}
