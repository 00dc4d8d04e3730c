package io.jkad.store.memory;

import io.jkad.record.DhtRecord;
import io.jkad.record.KeyLocks;
import io.jkad.record.RecordKey;
import io.jkad.record.StoreException;
import io.jkad.record.StoreException.Kind;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory store's value records: the map, its count against {@code maxRecords}, and the expiry
 * index with each record's floor. {@link MemoryRecordStore} does the checks and holds the key locks
 * each method names.
 *
 * <p>Each record keeps beside it its <em>floor</em>: a second at or before its expiry's, with an
 * index entry of the record at or before it. A put whose expiry is at or after the floor, as every
 * republish's is, leaves the index alone and replaces the old value without the key's lock, in one
 * {@code computeIfPresent} ({@link #putKeepingFloor}; atomic for its key, and the sweep, which holds
 * every key lock but not this put out, removes or rewrites a record only if it is still the value
 * it read). When the new expiry is also at or after every record's floor ({@link #floorCeiling})
 * and every record expires, the put does not even read the old value: it gives the new one the
 * ceiling as its floor. The sweep, which reaches an extended record at an entry before its expiry's
 * second, files the entry again at the expiry. A put that brings an expiry before its floor adds an
 * entry ({@link #put}); when entries make the index hold more than twice the records, the store
 * rebuilds it from the floors ({@link #rebuildIfDue}).
 */
final class RecordTable {

    /**
     * A record in the {@code Optional} that {@link #get} hands out (made once, at the put), and its
     * floor ({@link ExpiryIndex#NONE} if it does not expire). Immutable: a write replaces it, so a
     * compare-and-set on the map sees any write in between.
     */
    static final class Stored {
        final Optional<DhtRecord> record;
        final long floor;

        Stored(Optional<DhtRecord> record, long floor) {
            this.record = record;
            this.floor = floor;
        }

        Instant expires() {
            return record.get().expires().orElseThrow();
        }
    }

    private final int maxRecords;
    private final ConcurrentHashMap<RecordKey, Stored> records;
    /** Keys with a value record, for {@code maxRecords}: a new key reserves its place ({@link KeyLocks#reserve}). */
    private final AtomicLong count = new AtomicLong();
    /**
     * No record's floor is above this second. Raised before a record with a higher floor is put in
     * the map, so a put that reads a record and then this finds it at or above that record's floor.
     */
    private final AtomicLong floorCeiling = new AtomicLong(Long.MIN_VALUE);
    /** Records that do not expire (and so have no floor); changed under the key lock, before the map. */
    private final AtomicLong withoutExpiry = new AtomicLong();
    private final ExpiryIndex<RecordKey> expiry = new ExpiryIndex<>();

    /**
     * For tests: run by a sweep between finding records due and removing them, in the sweeping
     * thread (which holds every key lock), to write in that window as a put without the lock could.
     */
    volatile Runnable sweepWindow;

    RecordTable(int maxRecords, int initialCapacity) {
        this.maxRecords = maxRecords;
        this.records = new ConcurrentHashMap<>(initialCapacity);
    }

    Optional<DhtRecord> get(RecordKey key) {
        Stored stored = records.get(key);
        return stored != null ? stored.record : Optional.empty();
    }

    /**
     * Replaces the record of {@code record}'s key without a lock if the key has one whose floor is at
     * or before the new expiry (a republish); the count and the index do not change.
     *
     * @return whether it did; if not, the caller takes the key's lock and calls {@link #put}
     */
    boolean putKeepingFloor(DhtRecord record) {
        Optional<Instant> expires = record.expires();
        if (expires.isEmpty()) {
            return false;
        }
        long second = ExpiryIndex.secondOf(expires.get());
        Optional<DhtRecord> value = Optional.of(record);
        Stored now = records.computeIfPresent(record.key(), (k, old) -> {
            // read after the old value: at or above its floor; when at or before the new expiry and
            // every record expires, the new floor, without a look at the old value (a cache miss)
            long ceiling = floorCeiling.get();
            long floor = ceiling <= second && withoutExpiry.get() == 0 ? ceiling : old.floor;
            return floor <= second ? new Stored(value, floor) : old;
        });
        return now != null && now.record == value;
    }

    /**
     * Puts {@code record}, a new key's or one that moves its expiry before its floor, or takes it
     * away. Holds the key's lock.
     *
     * @return whether entries that cover nothing now call for {@link #rebuildIfDue}
     * @throws StoreException {@code MAX_RECORDS} if the key is new and the table is full
     */
    boolean put(DhtRecord record) {
        RecordKey key = record.key();
        Stored old = records.get(key);
        if (old == null && !KeyLocks.reserve(count, maxRecords)) {
            throw new StoreException(Kind.MAX_RECORDS, MemoryStoreProvider.NAME, "put",
                    "the store holds its maximum of " + maxRecords + " records and key " + key + " is new");
        }
        long oldFloor = old == null ? ExpiryIndex.NONE : old.floor;
        long floor = expiry.cover(oldFloor, record.expires(), key);
        if (floor == ExpiryIndex.NONE) {
            if (old == null || oldFloor != ExpiryIndex.NONE) {
                withoutExpiry.incrementAndGet();
            }
        } else {
            raiseCeiling(floor);
            if (old != null && oldFloor == ExpiryIndex.NONE) {
                withoutExpiry.decrementAndGet();
            }
        }
        records.put(key, new Stored(Optional.of(record), floor));
        // the old cover now covers nothing: count it against the rebuild bound
        return oldFloor != ExpiryIndex.NONE && floor != oldFloor && expiry.compactionDue(count.get());
    }

    /**
     * Removes the record of {@code key}, if any. Holds the key's lock.
     *
     * @return whether entries that cover nothing now call for {@link #rebuildIfDue}
     */
    boolean remove(RecordKey key) {
        Stored old = records.remove(key);
        if (old == null) {
            return false;
        }
        count.decrementAndGet();
        if (old.floor == ExpiryIndex.NONE) {
            withoutExpiry.decrementAndGet();
            return false;
        }
        // an entry before its floor is left for the sweep, which finds the record gone
        return !expiry.remove(old.floor, key) && expiry.compactionDue(count.get());
    }

    /** Raises {@link #floorCeiling} to {@code floor} if it is below. */
    private void raiseCeiling(long floor) {
        floorCeiling.accumulateAndGet(floor, Math::max);
    }

    /** Removes the records that expire at or before {@code now}; returns how many. Holds every key lock. */
    long removeExpired(Instant now) {
        return expiry.pollExpired(now, sweeper);
    }

    /**
     * The sweep. It holds every key lock, but {@link #putKeepingFloor} may still replace a record:
     * so each decision is made on one value read from the map and written back only if that value is
     * still there (else it is made again). A record's floor is not always the second of its entry (a
     * put may give it the ceiling), so the sweep cannot tell the entry that covers a record from
     * another: it files every entry it takes of a record that does not expire yet at the record's
     * expiry (entries of one record then meet in one second).
     */
    private final ExpiryIndex.Sweeper<RecordKey> sweeper = new ExpiryIndex.Sweeper<>() {
        @Override
        public Instant visit(RecordKey key, long second, Instant now) {
            while (true) {
                Stored s = records.get(key);
                if (s == null || s.floor == ExpiryIndex.NONE) {
                    return null; // gone, or no expiry: the entry covers nothing
                }
                Instant expires = s.expires();
                long expiresSecond = ExpiryIndex.secondOf(expires);
                if (!expires.isAfter(now) || expiresSecond == second) {
                    return expires; // due, or not yet but its cover is where it belongs
                }
                if (recover(key, s, expiresSecond)) {
                    return null;
                }
            }
        }

        @Override
        public boolean expire(RecordKey key, long second, Instant now) {
            while (true) {
                Stored s = records.get(key);
                if (s == null || s.floor == ExpiryIndex.NONE) {
                    return false;
                }
                Instant expires = s.expires();
                if (!expires.isAfter(now)) {
                    if (records.remove(key, s)) {
                        count.decrementAndGet();
                        return true;
                    }
                } else if (recover(key, s, ExpiryIndex.secondOf(expires))) {
                    return false; // extended since the sweep saw it
                }
            }
        }

        @Override
        public void beforeExpiring() {
            Runnable hook = sweepWindow;
            if (hook != null) {
                hook.run();
            }
        }

        /**
         * Files an entry of the record {@code s} of {@code key} at {@code second}, its expiry's, which
         * becomes its floor; false if the record changed meanwhile.
         */
        private boolean recover(RecordKey key, Stored s, long second) {
            expiry.add(second, key);
            if (s.floor == second) {
                return true;
            }
            raiseCeiling(second);
            return records.replace(key, s, new Stored(s.record, second));
        }
    };

    /**
     * Rebuilds the index from the floors, one entry a record, if it holds more than twice the
     * records. Holds every key lock ({@link #putKeepingFloor}, the one write that runs beside it,
     * keeps the floor).
     */
    void rebuildIfDue() {
        if (expiry.compactionDue(count.get())) {
            expiry.clear();
            records.forEach((key, s) -> {
                if (s.floor != ExpiryIndex.NONE) {
                    expiry.add(s.floor, key);
                }
            });
        }
    }

    /** The records, in the map's weakly consistent order. */
    Iterator<DhtRecord> values() {
        Iterator<Stored> values = records.values().iterator();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return values.hasNext();
            }

            @Override
            public DhtRecord next() {
                return values.next().record.get();
            }
        };
    }

    int size() {
        return records.size();
    }

    /** Empties the table. Holds every key lock. */
    void clear() {
        records.clear();
        expiry.clear();
        count.set(0);
        withoutExpiry.set(0);
    }

    /** The count the limit is checked against (for tests). */
    long count() {
        return count.get();
    }

    /** Records without expiry, as counted for {@link #putKeepingFloor} (for tests). */
    long withoutExpiry() {
        return withoutExpiry.get();
    }

    /** Entries the index holds (for tests). */
    long indexEntries() {
        return expiry.entries();
    }

    /**
     * The records covered in the index: floor at or before the expiry's second and the ceiling, with
     * an entry at or before the floor (for tests; every record that expires should be).
     */
    int covered() {
        int covered = 0;
        Map<RecordKey, Long> earliest = expiry.earliestEntries();
        for (var e : records.entrySet()) {
            Stored s = e.getValue();
            if (s.floor != ExpiryIndex.NONE && s.floor <= ExpiryIndex.secondOf(s.expires())
                    && s.floor <= floorCeiling.get()
                    && earliest.getOrDefault(e.getKey(), ExpiryIndex.NONE) <= s.floor) {
                covered++;
            }
        }
        return covered;
    }
}
