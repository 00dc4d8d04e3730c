package io.jkad.record;

import io.jkad.identity.PeerId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where a node keeps value records and provider records. The {@code kad-testkit} conformance kit
 * is the definition of these semantics; every backend passes all of it.
 *
 * <p>Called from one logic thread at a time by a node; implementations must still be safe to call
 * from several threads (benchmarks and tools do). Errors are {@link StoreException}s: a typed
 * refusal (limits, closed) or a wrapped backend failure; a failed operation changes nothing.
 */
public interface RecordStore extends AutoCloseable {

    /** The record stored under {@code key}, expired or not. */
    Optional<DhtRecord> get(RecordKey key);

    /**
     * Stores {@code record}, replacing any record under its key.
     *
     * @throws StoreException {@code VALUE_TOO_LARGE}, {@code MAX_RECORDS} (only for a new key),
     *     {@code CLOSED}, {@code BACKEND}
     */
    void put(DhtRecord record);

    /** Removes the record under {@code key}, if any. */
    void remove(RecordKey key);

    /** All value records, in no particular order. The iterator must be closed. */
    CloseableIterator<DhtRecord> records();

    /**
     * Adds or updates a provider record. A record of a provider already listed for the key
     * replaces it in place. A new provider is added while the key has fewer than the maximum
     * providers; once the list is full, new providers are ignored (never evicting one).
     *
     * @return true if stored or updated, false if ignored because the key's provider list is full
     * @throws StoreException {@code MAX_PROVIDED_KEYS} (only for a key without providers),
     *     {@code CLOSED}, {@code BACKEND}
     */
    boolean addProvider(ProviderRecord record);

    /** The provider records of {@code key}, expired or not, in the order they were first added. */
    List<ProviderRecord> providers(RecordKey key);

    /** The provider records whose provider is the local peer (the keys this node provides). Must be closed. */
    CloseableIterator<ProviderRecord> provided();

    /** Removes the provider record of {@code provider} for {@code key}, if any. */
    void removeProvider(RecordKey key, PeerId provider);

    /**
     * Removes every value record and provider record that has expired at {@code now}, at a cost
     * proportional to what it removes.
     *
     * @return how many records (value and provider) were removed
     */
    long removeExpired(Instant now);

    /** Releases the store's resources; idempotent. Later operations throw {@code CLOSED}. */
    @Override
    void close();
}
