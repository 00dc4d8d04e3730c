package io.jkad.record;

import io.jkad.identity.PeerId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where a node keeps value records and provider records. The {@code kad-testkit} conformance kit
 * ({@code io.jkad.testkit.RecordStoreContract}) is the definition of these semantics; every
 * backend passes all of it.
 *
 * <p>Called from one logic thread at a time by a node; implementations must still be safe to call
 * from several threads (benchmarks and tools do): concurrent writes are never lost, limits hold
 * under concurrency, and a reader sees a record either whole before or whole after a concurrent
 * write. Errors are {@link StoreException}s: a typed refusal (limits, closed) or a wrapped backend
 * failure; a failed operation changes nothing. Null arguments throw {@link NullPointerException}.
 *
 * <p>Value records and provider records live side by side: a key may have a value record, provider
 * records, both or neither, and the limits of one kind never count the other.
 *
 * <p>Limits (from {@link StoreConfig}):
 * <ul>
 *   <li>a key longer than {@code maxKeyBytes} is refused with {@code KEY_TOO_LARGE} by every write
 *       ({@link #put}, {@link #addProvider}), checked before anything else but {@code CLOSED}, and
 *       before the backend sees it (so all backends agree, whatever their own limits); reads and
 *       removals with such a key find nothing and change nothing, without error;
 *   <li>a value longer than {@code maxValueBytes} is refused with {@code VALUE_TOO_LARGE} (a value
 *       of exactly {@code maxValueBytes} bytes is accepted);
 *   <li>a value record under a new key is refused with {@code MAX_RECORDS} while the store holds
 *       {@code maxRecords} value records; replacing the record of a key already stored always works;
 *   <li>a provider record for a key that has no provider records is refused with
 *       {@code MAX_PROVIDED_KEYS} while {@code maxProvidedKeys} keys have provider records (of any
 *       provider, local or remote); the last provider record of a key removed frees its slot;
 *   <li>a key holds at most {@code maxProvidersPerKey} providers: once full, new providers are
 *       ignored ({@link #addProvider} returns false), never evicting one.
 * </ul>
 *
 * <p>Keys are any bytes (zero bytes, prefixes of other keys, invalid UTF-8) up to
 * {@code maxKeyBytes} long (every backend holds keys of {@link StoreConfig#DEFAULT_MAX_KEY_BYTES});
 * values any bytes, possibly none, up to {@code maxValueBytes}.
 *
 * <p>Expiry: a record whose expiry is at or before {@code now} has expired at {@code now}; a record
 * without expiry never expires. Reads return expired records until {@link #removeExpired} removes
 * them. Stores keep expiry instants exactly, to the nanosecond, for instants from 1970 to 2200 (a
 * persistent store may refuse others with {@code IllegalArgumentException}).
 *
 * <p>Persistent stores: what a call acknowledged (returned from normally) is there when the same
 * store is opened again, records, provider records, their order, {@link #provided()} and expiries
 * exactly as they were.
 */
public interface RecordStore extends AutoCloseable {

    /**
     * The record stored under {@code key}, expired or not; empty if there is none.
     *
     * @throws StoreException {@code CLOSED}, {@code BACKEND}
     */
    Optional<DhtRecord> get(RecordKey key);

    /**
     * Stores {@code record}, replacing any record under its key (value, publisher and expiry: the
     * old expiry no longer applies).
     *
     * @throws StoreException {@code KEY_TOO_LARGE}, {@code VALUE_TOO_LARGE} (both checked first,
     *     also for a key already stored),
     *     {@code MAX_RECORDS} (only for a new key), {@code CLOSED}, {@code BACKEND}
     */
    void put(DhtRecord record);

    /**
     * Removes the record under {@code key}, if any (a no-op otherwise). Provider records of the
     * key are not touched.
     *
     * @throws StoreException {@code CLOSED}, {@code BACKEND}
     */
    void remove(RecordKey key);

    /**
     * All value records, expired or not, in no particular order. The iterator must be closed.
     *
     * <p>The store may be written while the iterator is open (from this thread or another): the
     * iterator does not throw for that, returns no key twice, and returns every record that was in
     * the store for the whole iteration; records added, replaced or removed meanwhile may or may
     * not be seen. {@link CloseableIterator#remove()} is not supported. Once the store is closed,
     * an open iterator ends: {@code hasNext()} returns false or throws {@code CLOSED}.
     *
     * @throws StoreException {@code CLOSED}, {@code BACKEND} (also from the iterator's methods)
     */
    CloseableIterator<DhtRecord> records();

    /**
     * Adds or updates a provider record. A record of a provider already listed for the key
     * replaces it in place (same position; new expiry and addresses). A new provider is appended
     * while the key has fewer than the maximum providers; once the list is full, new providers are
     * ignored (never evicting one).
     *
     * @return true if stored or updated, false if ignored because the key's provider list is full
     * @throws StoreException {@code KEY_TOO_LARGE} (checked first), {@code MAX_PROVIDED_KEYS} (only
     *     for a key without providers),
     *     {@code CLOSED}, {@code BACKEND}
     */
    boolean addProvider(ProviderRecord record);

    /**
     * The provider records of {@code key}, expired or not, in the order they were first added
     * (an update keeps the position; a provider removed and added again goes last). Empty if the
     * key has none. The list is immutable and does not follow later changes.
     *
     * @throws StoreException {@code CLOSED}, {@code BACKEND}
     */
    List<ProviderRecord> providers(RecordKey key);

    /**
     * The provider records whose provider is the local peer ({@link StoreConfig#localPeer()}): the
     * keys this node provides, one record per key, in no particular order. Must be closed; same
     * iteration guarantees as {@link #records()}.
     *
     * @throws StoreException {@code CLOSED}, {@code BACKEND}
     */
    CloseableIterator<ProviderRecord> provided();

    /**
     * The local provider records (those of {@link #provided()}) in keyspace order ({@link Keyspace#ORDER}:
     * by the SHA-256 of their key, then by the key), from the first whose key's id is at or after
     * {@code from} (32 bytes, compared unsigned). A reprovide sweep reads one region of the keyspace
     * as the run from the region's start ({@link Keyspace#regionStart}) while the ids keep its
     * prefix, and finds the next region holding keys as the first record from
     * {@link Keyspace#nextRegionStart}. Must be closed; same iteration guarantees as {@link #records()}.
     *
     * <p>The default reads every provided record and sorts them, at each call; jkad's stores keep
     * them in this order instead (an index that the provider writes keep up to date), so that a
     * call costs what it reads.
     *
     * @throws IllegalArgumentException if {@code from} is not 32 bytes
     * @throws StoreException {@code CLOSED}, {@code BACKEND}
     */
    default CloseableIterator<ProviderRecord> providedFrom(byte[] from) {
        if (from.length != Keyspace.ID_BYTES) {
            throw new IllegalArgumentException("a keyspace position is 32 bytes, not " + from.length);
        }
        record Placed(byte[] id, ProviderRecord record) {}
        java.util.List<Placed> all = new java.util.ArrayList<>();
        try (CloseableIterator<ProviderRecord> it = provided()) {
            while (it.hasNext()) {
                ProviderRecord r = it.next();
                byte[] id = Keyspace.id(r.key());
                if (java.util.Arrays.compareUnsigned(id, from) >= 0) {
                    all.add(new Placed(id, r));
                }
            }
        }
        all.sort(java.util.Comparator.comparing(Placed::id, java.util.Arrays::compareUnsigned)
                .thenComparing(p -> p.record().key()));
        java.util.Iterator<ProviderRecord> sorted = all.stream().map(Placed::record).iterator();
        return new CloseableIterator<>() {
            private boolean closed;

            @Override
            public boolean hasNext() {
                return !closed && sorted.hasNext();
            }

            @Override
            public ProviderRecord next() {
                if (closed) {
                    throw new java.util.NoSuchElementException("closed");
                }
                return sorted.next();
            }

            @Override
            public void close() {
                closed = true;
            }
        };
    }

    /** The longest name of a node state entry ({@link #putNodeState}). */
    int MAX_NODE_STATE_NAME = 64;
    /** The largest value of a node state entry ({@link #putNodeState}): 64 KiB. */
    int MAX_NODE_STATE_BYTES = 64 * 1024;

    /**
     * The node state entry {@code name}: a small value the node keeps beside its records, such as
     * the reprovide sweep's schedule; empty if none was put. The array is a copy.
     *
     * <p>The default implementation throws {@link UnsupportedOperationException}; jkad's backends
     * all implement it, and the conformance kit checks it.
     *
     * @throws IllegalArgumentException if {@code name} is not a valid entry name (see {@link #putNodeState})
     * @throws StoreException {@code CLOSED}, {@code BACKEND}
     * @throws UnsupportedOperationException if the backend keeps no node state
     */
    default Optional<byte[]> nodeState(String name) {
        throw new UnsupportedOperationException(getClass().getName() + " keeps no node state");
    }

    /**
     * Sets the node state entry {@code name} to {@code value} (a copy is kept), replacing any value
     * it had. Names are 1 to {@value #MAX_NODE_STATE_NAME} characters of {@code a-z}, {@code 0-9},
     * {@code .}, {@code _} and {@code -}; values at most {@value #MAX_NODE_STATE_BYTES} bytes,
     * possibly none. Node state is not a record: no limit, count, iteration or expiry sees it. A
     * persistent store has it durably when this returns, as it has a put record (a {@code kill -9}
     * right after loses nothing).
     *
     * @throws IllegalArgumentException if the name is not valid or the value too large
     * @throws StoreException {@code CLOSED}, {@code BACKEND}
     * @throws UnsupportedOperationException if the backend keeps no node state
     */
    default void putNodeState(String name, byte[] value) {
        throw new UnsupportedOperationException(getClass().getName() + " keeps no node state");
    }

    /**
     * Checks a node state entry's name and value as {@link #putNodeState} requires (for backends).
     *
     * @param value the value, or null when only the name is checked
     * @throws IllegalArgumentException if either is not valid
     */
    static void checkNodeState(String name, byte[] value) {
        java.util.Objects.requireNonNull(name, "name");
        if (name.isEmpty() || name.length() > MAX_NODE_STATE_NAME || !name.chars().allMatch(
                c -> c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-')) {
            throw new IllegalArgumentException("a node state name is 1 to " + MAX_NODE_STATE_NAME
                    + " characters of a-z, 0-9, '.', '_' and '-': \"" + name + "\"");
        }
        if (value != null && value.length > MAX_NODE_STATE_BYTES) {
            throw new IllegalArgumentException("a node state value is at most " + MAX_NODE_STATE_BYTES
                    + " bytes, not " + value.length);
        }
    }

    /**
     * Removes the provider record of {@code provider} for {@code key}, if any (a no-op otherwise).
     *
     * @throws StoreException {@code CLOSED}, {@code BACKEND}
     */
    void removeProvider(RecordKey key, PeerId provider);

    /**
     * Removes every value record and provider record that has expired at {@code now} (expiry at or
     * before {@code now}), at a cost proportional to what it removes, not to the store's size. A
     * record replaced or updated with a later expiry (or none) is not removed for its old one.
     *
     * @return how many records (value and provider) were removed
     * @throws StoreException {@code CLOSED}, {@code BACKEND}
     */
    long removeExpired(Instant now);

    /**
     * How many value records and how many keys with provider records the store holds now, expired
     * or not: the counts that {@code maxRecords} and {@code maxProvidedKeys} are checked against.
     * Every store keeps these for its limits, so this is cheap (no scan): metrics read it at each
     * scrape. Under concurrent writes the two numbers may be from slightly different moments.
     *
     * <p>The default implementation throws {@link UnsupportedOperationException}; jkad's backends
     * all implement it, and the conformance kit checks it.
     *
     * @throws StoreException {@code CLOSED}, {@code BACKEND}
     * @throws UnsupportedOperationException if the backend does not count
     */
    default StoreCounts counts() {
        throw new UnsupportedOperationException(getClass().getName() + " does not implement counts()");
    }

    /**
     * Releases the store's resources; idempotent. Later operations throw {@code CLOSED}; iterators
     * still open end as {@link #records()} says, and their {@code close()} still works.
     */
    @Override
    void close();
}
