package io.jkad.record;

import io.jkad.identity.PeerId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * A small in-memory {@link RecordStore} for kad-core's own tests (the state machine, the
 * simulator), which cannot use {@code kad-store-memory}: that module depends on kad-core, and
 * Maven forbids the cycle even in test scope. Written to be obviously right rather than fast:
 * every method is {@code synchronized}, iterators walk a snapshot, and one expiry index ordered by
 * instant makes {@link #removeExpired} touch only what it removes.
 *
 * <p>It is proven by the same conformance kit as the real backends: kad-testkit's
 * {@code TestRecordStoreContractTest} runs {@code RecordStoreContract} against it (kad-core
 * publishes its test classes as a test-jar). It is registered with no {@link java.util.ServiceLoader}
 * name, so it never competes with the real {@code memory} backend on a class path.
 */
public final class TestRecordStore implements RecordStore {

    /** The name in this store's {@link StoreException}s. */
    public static final String NAME = "test";

    /** An entry of the expiry index: a value record ({@code provider} null) or a provider record. */
    private record Slot(RecordKey key, PeerId provider) {}

    private final StoreConfig config;
    private final Map<RecordKey, DhtRecord> records = new LinkedHashMap<>();
    /** Each key's providers in the order first added (a {@link LinkedHashMap} keeps it on update). */
    private final Map<RecordKey, LinkedHashMap<PeerId, ProviderRecord>> providers = new LinkedHashMap<>();
    private final NavigableMap<Instant, Set<Slot>> expiries = new TreeMap<>();
    private final Map<String, byte[]> nodeState = new java.util.HashMap<>();
    private boolean closed;

    public TestRecordStore(StoreConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /** A store with the default limits for {@code localPeer}. */
    public static TestRecordStore open(PeerId localPeer) {
        return new TestRecordStore(StoreConfig.defaults(localPeer));
    }

    @Override
    public synchronized Optional<DhtRecord> get(RecordKey key) {
        Objects.requireNonNull(key, "key");
        checkOpen("get");
        return Optional.ofNullable(records.get(key));
    }

    @Override
    public synchronized void put(DhtRecord record) {
        Objects.requireNonNull(record, "record");
        checkOpen("put");
        config.checkKey(record.key(), NAME, "put");
        if (record.valueLength() > config.maxValueBytes()) {
            throw refused(StoreException.Kind.VALUE_TOO_LARGE, "put", "value of " + record.valueLength()
                    + " bytes exceeds maxValueBytes " + config.maxValueBytes());
        }
        DhtRecord old = records.get(record.key());
        if (old == null && records.size() >= config.maxRecords()) {
            throw refused(StoreException.Kind.MAX_RECORDS, "put", "the store holds " + config.maxRecords() + " records");
        }
        Slot slot = new Slot(record.key(), null);
        if (old != null) {
            unindex(old.expires(), slot);
        }
        records.put(record.key(), record);
        index(record.expires(), slot);
    }

    @Override
    public synchronized void remove(RecordKey key) {
        Objects.requireNonNull(key, "key");
        checkOpen("remove");
        DhtRecord old = records.remove(key);
        if (old != null) {
            unindex(old.expires(), new Slot(key, null));
        }
    }

    @Override
    public synchronized CloseableIterator<DhtRecord> records() {
        checkOpen("records");
        return new Snapshot<>(new ArrayList<>(records.values()), "records");
    }

    @Override
    public synchronized boolean addProvider(ProviderRecord record) {
        Objects.requireNonNull(record, "record");
        checkOpen("addProvider");
        config.checkKey(record.key(), NAME, "addProvider");
        LinkedHashMap<PeerId, ProviderRecord> list = providers.get(record.key());
        if (list == null) {
            if (providers.size() >= config.maxProvidedKeys()) {
                throw refused(StoreException.Kind.MAX_PROVIDED_KEYS, "addProvider",
                        "provider records exist for " + config.maxProvidedKeys() + " keys");
            }
            list = new LinkedHashMap<>();
            providers.put(record.key(), list);
        }
        ProviderRecord old = list.get(record.provider());
        if (old == null && list.size() >= config.maxProvidersPerKey()) {
            return false;
        }
        Slot slot = new Slot(record.key(), record.provider());
        if (old != null) {
            unindex(old.expires(), slot);
        }
        list.put(record.provider(), record);
        index(record.expires(), slot);
        return true;
    }

    @Override
    public synchronized List<ProviderRecord> providers(RecordKey key) {
        Objects.requireNonNull(key, "key");
        checkOpen("providers");
        Map<PeerId, ProviderRecord> list = providers.get(key);
        return list == null ? List.of() : List.copyOf(list.values());
    }

    @Override
    public synchronized CloseableIterator<ProviderRecord> provided() {
        checkOpen("provided");
        List<ProviderRecord> mine = new ArrayList<>();
        for (Map<PeerId, ProviderRecord> list : providers.values()) {
            ProviderRecord r = list.get(config.localPeer());
            if (r != null) {
                mine.add(r);
            }
        }
        return new Snapshot<>(mine, "provided");
    }

    @Override
    public synchronized void removeProvider(RecordKey key, PeerId provider) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(provider, "provider");
        checkOpen("removeProvider");
        ProviderRecord old = unlinkProvider(key, provider);
        if (old != null) {
            unindex(old.expires(), new Slot(key, provider));
        }
    }

    private ProviderRecord unlinkProvider(RecordKey key, PeerId provider) {
        Map<PeerId, ProviderRecord> list = providers.get(key);
        ProviderRecord old = list == null ? null : list.remove(provider);
        if (list != null && list.isEmpty()) {
            providers.remove(key);
        }
        return old;
    }

    @Override
    public synchronized long removeExpired(Instant now) {
        Objects.requireNonNull(now, "now");
        checkOpen("removeExpired");
        long removed = 0;
        NavigableMap<Instant, Set<Slot>> due = expiries.headMap(now, true);
        for (Set<Slot> slots : due.values()) {
            for (Slot slot : slots) {
                if (slot.provider() == null) {
                    records.remove(slot.key());
                } else {
                    unlinkProvider(slot.key(), slot.provider());
                }
                removed++;
            }
        }
        due.clear();
        return removed;
    }

    @Override
    public synchronized StoreCounts counts() {
        checkOpen("counts");
        return new StoreCounts(records.size(), providers.size());
    }

    @Override
    public synchronized Optional<byte[]> nodeState(String name) {
        RecordStore.checkNodeState(name, null);
        checkOpen("nodeState");
        return Optional.ofNullable(nodeState.get(name)).map(byte[]::clone);
    }

    @Override
    public synchronized void putNodeState(String name, byte[] value) {
        RecordStore.checkNodeState(name, value);
        checkOpen("putNodeState");
        nodeState.put(name, value.clone());
    }

    /** Reopening after a close: the same contents, open again (as a persistent store would be). */
    public synchronized void reopen() {
        closed = false;
    }

    @Override
    public synchronized void close() {
        closed = true;
        records.clear();
        providers.clear();
        expiries.clear();
    }

    private void index(Optional<Instant> expires, Slot slot) {
        expires.ifPresent(t -> expiries.computeIfAbsent(t, x -> new HashSet<>()).add(slot));
    }

    private void unindex(Optional<Instant> expires, Slot slot) {
        expires.ifPresent(t -> {
            Set<Slot> slots = expiries.get(t);
            if (slots != null && slots.remove(slot) && slots.isEmpty()) {
                expiries.remove(t);
            }
        });
    }

    private void checkOpen(String operation) {
        if (closed) {
            throw refused(StoreException.Kind.CLOSED, operation, "the store is closed");
        }
    }

    private static StoreException refused(StoreException.Kind kind, String operation, String message) {
        return new StoreException(kind, NAME, operation, message);
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    /** An iterator over a copy taken when it was made; it ends when closed and throws CLOSED once its store is. */
    private final class Snapshot<T> implements CloseableIterator<T> {
        private final Iterator<T> items;
        private final String operation;
        private boolean iteratorClosed;

        Snapshot(List<T> items, String operation) {
            this.items = items.iterator();
            this.operation = operation;
        }

        @Override
        public boolean hasNext() {
            if (iteratorClosed) {
                return false;
            }
            if (isClosed()) {
                throw refused(StoreException.Kind.CLOSED, operation, "the store is closed");
            }
            return items.hasNext();
        }

        @Override
        public T next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return items.next();
        }

        @Override
        public void close() {
            iteratorClosed = true;
        }
    }
}
