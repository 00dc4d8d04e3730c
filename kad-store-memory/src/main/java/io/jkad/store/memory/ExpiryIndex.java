package io.jkad.store.memory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.LongAdder;

/**
 * The items that expire, found by a second at or before their expiry: a sweep costs what it
 * removes (and the entries it passes), not the number of items.
 *
 * <p>Entries are grouped in buckets of one second (by epoch second): a concurrent hash map from the
 * second to the set of items that have an entry there.
 *
 * <p><b>Floors.</b> An item with an expiry has a <em>floor</em>, known to the caller (the memory
 * store keeps a record's in its map value; a provider's is its expiry's second): a second at or
 * before its expiry's, with an entry of the item at or before it; {@link #NONE} while the item has
 * no expiry. So a write that
 * keeps or extends the expiry, as every republish does, finds the new expiry at or after the floor
 * and touches nothing here ({@link #cover} returns the floor as it was). Only a write that brings the
 * expiry before its floor, or gives an item its first expiry, adds an entry (and makes the new second
 * the floor); the entry it leaves behind covers nothing. A sweep drops such entries, or files them
 * again, when it reaches them, and a caller whose entries outnumber twice its items plus
 * {@value #COMPACT_FLOOR} rebuilds the index from the floors ({@link #clear}, then {@link #add} at
 * each), so writes that keep moving an expiry back cannot grow it without bound.
 *
 * <p>A sweep ({@link #pollExpired}) takes out the entries of every second up to now's and asks a
 * {@link Sweeper} about each; for an item that does not expire yet, the sweeper files an entry at
 * the expiry's second and moves the floor there (or, when it knows the entry was not the one the
 * floor stands for, just lets it go): an item whose expiry was extended many times is moved once,
 * when the sweep reaches its old entry.
 *
 * <p>Concurrency: {@link #add}, {@link #remove} and {@link #cover} may run in several threads at
 * once (for items of different keys): a bucket is a concurrent set. A bucket is dropped only by a
 * sweep, which needs the index to itself as to writers that add (the store holds every key lock),
 * never when it empties (dropping it then could lose an item that another writer is adding to it).
 * {@link #entries} is exact whenever no writer is in the middle of a call.
 *
 * <p>The seconds that have buckets are also kept in order ({@link #seconds}), to find the ones due;
 * a second is added there when its bucket is made, and dropped with it. A sweep takes the seconds
 * before {@code now}'s whole and looks through the bucket of {@code now}'s own second, so besides
 * what it removes it reads at most the entries of the rest of that second. It hands the expired
 * items over earliest first (ties by item).
 */
final class ExpiryIndex<T extends Comparable<? super T>> {

    /** The floor of an item that has no expiry. */
    static final long NONE = Long.MAX_VALUE;
    /** Entries beyond twice the items below this many never call for a rebuild. */
    static final int COMPACT_FLOOR = 4096;

    /** Epoch second -> the items with an entry there. */
    private final ConcurrentHashMap<Long, Set<T>> buckets = new ConcurrentHashMap<>();
    /** Every second that has a bucket. */
    private final ConcurrentSkipListSet<Long> seconds = new ConcurrentSkipListSet<>();
    /** Entries in all buckets. */
    private final LongAdder entries = new LongAdder();

    /** What a sweep asks of the items whose entries it takes out. */
    interface Sweeper<T> {
        /**
         * The item's entry in the bucket of {@code second} (at or before now's) is being taken out.
         *
         * @return the item's expiry if it is at or before {@code now} (the item is then handed to
         *     {@link #expire} in order); its expiry if it is later but in {@code second} (the entry
         *     then stays); otherwise null: the entry goes, after the sweeper filed another at the
         *     item's expiry if the item needs it
         */
        Instant visit(T item, long second, Instant now);

        /**
         * Removes the item, whose entry in the bucket of {@code second} found it expired; returns
         * whether it did (the item may have been written since, or gone).
         */
        boolean expire(T item, long second, Instant now);

        /** Called once a sweep has visited every entry due and before it hands the first item to {@link #expire}. */
        default void beforeExpiring() {}
    }

    /** Whether two expiries (or none) fall in the same second. */
    static boolean sameSecond(Optional<Instant> a, Optional<Instant> b) {
        if (a.isEmpty() || b.isEmpty()) {
            return a.isEmpty() && b.isEmpty();
        }
        return secondOf(a.get()) == secondOf(b.get());
    }

    /** The second of {@code expires}, the bucket it is filed in. */
    static long secondOf(Instant expires) {
        return expires.getEpochSecond();
    }

    /**
     * The floor of an item, whose floor was {@code floor}, after its expiry becomes {@code to}: the
     * same floor if it is at or before {@code to}'s second, none if {@code to} is empty, else
     * {@code to}'s second, where the item gets an entry.
     */
    long cover(long floor, Optional<Instant> to, T item) {
        if (to.isEmpty()) {
            return NONE;
        }
        long second = secondOf(to.get());
        if (floor <= second) {
            return floor;
        }
        add(second, item);
        return second;
    }

    /** Puts {@code item} in the bucket of {@code second}; false if it had an entry there already. */
    boolean add(long second, T item) {
        Objects.requireNonNull(item);
        Set<T> bucket = buckets.get(second);
        if (bucket == null) {
            bucket = buckets.computeIfAbsent(second, s -> {
                seconds.add(s);
                return ConcurrentHashMap.newKeySet(4);
            });
        }
        if (bucket.add(item)) {
            entries.increment();
            return true;
        }
        return false;
    }

    /** Takes {@code item}'s entry in the bucket of {@code second} out; returns whether it was there. */
    boolean remove(long second, T item) {
        Set<T> bucket = buckets.get(second);
        if (bucket != null && bucket.remove(item)) {
            entries.decrement();
            return true;
        }
        return false;
    }

    /** Whether the entries are more than twice {@code items} and the floor: a rebuild from the floors is due. */
    boolean compactionDue(long items) {
        return entries.sum() > 2 * items + COMPACT_FLOOR;
    }

    /**
     * Takes out the entries of every second up to {@code now}'s (but those of now's second that the
     * sweeper keeps), and hands the items found expired to the sweeper, earliest first (ties by item).
     *
     * @return how many items the sweeper removed
     */
    long pollExpired(Instant now, Sweeper<T> sweeper) {
        long nowSecond = secondOf(now);
        List<Due<T>> due = new ArrayList<>();
        long dropped = 0;
        while (!seconds.isEmpty() && seconds.first() <= nowSecond) {
            Long second = seconds.first();
            Set<T> bucket = buckets.get(second);
            if (second < nowSecond) {
                seconds.pollFirst();
                if (bucket != null) {
                    buckets.remove(second);
                    for (T item : bucket) {
                        dropped++;
                        // a later expiry is in a later second: never kept here
                        Instant expires = sweeper.visit(item, second, now);
                        if (expires != null && !expires.isAfter(now)) {
                            due.add(new Due<>(expires, second, item));
                        }
                    }
                }
                continue;
            }
            // the bucket of now's second: what the sweeper keeps stays
            if (bucket != null) {
                for (Iterator<T> it = bucket.iterator(); it.hasNext(); ) {
                    T item = it.next();
                    Instant expires = sweeper.visit(item, second, now);
                    if (expires == null || !expires.isAfter(now)) {
                        it.remove();
                        dropped++;
                        if (expires != null) {
                            due.add(new Due<>(expires, second, item));
                        }
                    }
                }
                if (bucket.isEmpty()) {
                    buckets.remove(second);
                    seconds.pollFirst();
                }
            } else {
                seconds.pollFirst();
            }
            break;
        }
        entries.add(-dropped);
        if (due.size() > 1) {
            due.sort(Comparator.<Due<T>, Instant>comparing(Due::expires).thenComparing(Due::item));
        }
        sweeper.beforeExpiring();
        long removed = 0;
        for (Due<T> d : due) {
            if (sweeper.expire(d.item(), d.second(), now)) {
                removed++;
            }
        }
        return removed;
    }

    private record Due<T extends Comparable<? super T>>(Instant expires, long second, T item) {}

    /** The entries held. */
    long entries() {
        return entries.sum();
    }

    /** Whether {@code item} has an entry in the bucket of {@code second} (for tests). */
    boolean has(long second, T item) {
        Set<T> bucket = buckets.get(second);
        return bucket != null && bucket.contains(item);
    }

    /** Each item's earliest entry: the second of its first bucket (for tests: looks at every entry). */
    java.util.Map<T, Long> earliestEntries() {
        java.util.Map<T, Long> earliest = new java.util.HashMap<>();
        for (Long second : seconds) {
            Set<T> bucket = buckets.get(second);
            if (bucket != null) {
                bucket.forEach(item -> earliest.putIfAbsent(item, second));
            }
        }
        return earliest;
    }

    /** Drops every entry (a rebuild then adds one at each item's floor). Needs the index to itself. */
    void clear() {
        buckets.clear();
        seconds.clear();
        entries.reset();
    }
}
