package io.jkad.store.memory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The items that expire, found by the second of their expiry: a sweep costs what it removes (and
 * the stale entries it passes), not the number of items.
 *
 * <p>Entries are grouped in buckets of one second of expiry (by epoch second): a concurrent hash
 * map from the second to the set of items whose expiry falls in it. A bucket holds items, not
 * (instant, item) pairs: the caller tells the index an item's second when it gains an expiry
 * ({@link #add}) or changes it ({@link #move}), and tells a sweep an item's exact current expiry
 * when it needs it ({@code expiryOf}, null when the item has none or is gone).
 *
 * <p><b>Stale entries.</b> A move does not take the item out of its old second's bucket: it only
 * puts it in the new one. The entry left behind is stale: a sweep or a compaction knows it by its
 * item's current expiry, which no longer falls in that second, and drops it. So a write that moves
 * an item costs one hash operation on one set (none if the item still has a stale entry in the new
 * second, which then counts again), and never a look at the old second. An item has exactly one
 * live entry (in its current second's bucket) and any number of stale ones, so a sweep hands each
 * expired item over once. The stale entries are counted; when they outnumber the live ones (and
 * pass {@value #COMPACT_FLOOR}), a move says so ({@link #move} returns true) and the caller, once
 * it holds the index to itself, calls {@link #compact}, which drops them all: a compaction costs
 * the entries there are, and comes only after at least as many moves, so it adds a constant per
 * move, and the index never holds more than about twice its live items plus the floor.
 * {@link #remove} takes an item's live entry out at once (a removal is rare and leaves nothing to
 * find later).
 *
 * <p>Concurrency: {@link #add}, {@link #remove} and {@link #move} may run in several threads at
 * once (the memory store calls them holding one of its key locks, for items of that key): a bucket
 * is a concurrent set, so writers of one second contend only where their items share a bin of it.
 * A bucket is therefore dropped only by a sweep or a compaction, which need the index to themselves
 * ({@link #pollExpired}, {@link #compact} and {@link #clear}: the store holds every key lock),
 * never when it empties (dropping it then could lose an item that another writer is adding to it).
 * The counts are {@link LongAdder}s, exact whenever no writer is in the middle of a call.
 *
 * <p>The seconds that have buckets are also kept in order ({@link #seconds}), to find the expired
 * ones; a second is added there when its bucket is made, and dropped with it. A sweep takes the
 * seconds before {@code now}'s whole and looks through the bucket of {@code now}'s own second,
 * asking {@code expiryOf} for each entry, so besides what it removes it reads at most the entries
 * of the rest of that second. It hands the expired items over earliest first (ties by item).
 */
final class ExpiryIndex<T extends Comparable<? super T>> {

    /** Stale entries below this many are never compacted away early (a sweep drops them in time). */
    static final int COMPACT_FLOOR = 4096;
    /** A move that leaves a stale entry checks whether a compaction is due once in this many (a power of two). */
    private static final int CHECK_EVERY = 64;

    /** Epoch second -> the items whose entry is there, live or stale (perhaps none: see the class comment). */
    private final ConcurrentHashMap<Long, Set<T>> buckets = new ConcurrentHashMap<>();
    /** Every second that has a bucket. */
    private final ConcurrentSkipListSet<Long> seconds = new ConcurrentSkipListSet<>();
    /** Entries in all buckets, live and stale. */
    private final LongAdder entries = new LongAdder();
    /** Of those, the stale ones. */
    private final LongAdder stale = new LongAdder();

    /** Whether an item expiring at {@code a} and at {@code b} sits in the same bucket (none: neither expires). */
    static boolean sameBucket(Optional<Instant> a, Optional<Instant> b) {
        if (a.isEmpty() || b.isEmpty()) {
            return a.isEmpty() && b.isEmpty();
        }
        return a.get().getEpochSecond() == b.get().getEpochSecond();
    }

    /** Puts {@code item}, which has no live entry and now expires at {@code expires}, in its second's bucket. */
    void add(Instant expires, T item) {
        if (!put(expires.getEpochSecond(), item)) {
            stale.decrement(); // its stale entry there is live again
        }
    }

    /** Puts {@code item} in the bucket of {@code second}; false if an entry of it was there already. */
    private boolean put(long second, T item) {
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

    /** Takes {@code item}'s live entry, in the bucket of {@code expires}'s second, out; returns whether it was there. */
    boolean remove(Instant expires, T item) {
        Set<T> bucket = buckets.get(expires.getEpochSecond());
        if (bucket != null && bucket.remove(item)) {
            entries.decrement();
            return true;
        }
        return false;
    }

    /**
     * The item's expiry changed from {@code from} to {@code to} (either may be none; the item's
     * live entry is in {@code from}'s second): if its second did, its entry there turns stale and
     * it gets one in {@code to}'s.
     *
     * @return whether stale entries now call for a {@link #compact} (checked now and then, not on every move)
     */
    boolean move(Optional<Instant> from, Optional<Instant> to, T item) {
        if (sameBucket(from, to)) {
            return false;
        }
        int staleChange = from.isPresent() ? 1 : 0;
        if (to.isPresent() && !put(to.get().getEpochSecond(), item)) {
            staleChange--;
        }
        if (staleChange == 0) {
            return false;
        }
        stale.add(staleChange);
        return staleChange > 0 && (ThreadLocalRandom.current().nextInt() & (CHECK_EVERY - 1)) == 0 && compactionDue();
    }

    /** Whether the stale entries pass the floor and outnumber the live ones. */
    boolean compactionDue() {
        long s = stale.sum();
        return s > COMPACT_FLOOR && s > entries.sum() - s;
    }

    /** {@code item}'s current expiry if its entry in the bucket of {@code second} is its live one, else null. */
    private static <T> Instant liveExpiry(long second, T item, Function<T, Instant> expiryOf) {
        Instant expires = expiryOf.apply(item);
        return expires != null && expires.getEpochSecond() == second ? expires : null;
    }

    /**
     * Removes every item that expires at or before {@code now}, earliest first (ties by item),
     * handing each to {@code expired}, and drops the stale entries of the seconds it passes.
     * {@code expiryOf} gives an item's current expiry, or null if it has none or is gone.
     *
     * @return how many items were removed
     */
    long pollExpired(Instant now, Function<T, Instant> expiryOf, Consumer<T> expired) {
        long nowSecond = now.getEpochSecond();
        List<Expired<T>> out = new ArrayList<>();
        long dropped = 0;
        long staleDropped = 0;
        while (!seconds.isEmpty() && seconds.first() <= nowSecond) {
            Long second = seconds.first();
            Set<T> bucket = buckets.get(second);
            if (second < nowSecond) {
                seconds.pollFirst();
                if (bucket != null) {
                    buckets.remove(second);
                    for (T item : bucket) {
                        dropped++;
                        Instant expires = liveExpiry(second, item, expiryOf);
                        if (expires != null) {
                            out.add(new Expired<>(expires, item));
                        } else {
                            staleDropped++;
                        }
                    }
                }
                continue;
            }
            // the bucket of now's second: only what expires at or before now, and what is stale
            if (bucket != null) {
                for (Iterator<T> it = bucket.iterator(); it.hasNext(); ) {
                    T item = it.next();
                    Instant expires = liveExpiry(second, item, expiryOf);
                    if (expires == null || !expires.isAfter(now)) {
                        it.remove();
                        dropped++;
                        if (expires != null) {
                            out.add(new Expired<>(expires, item));
                        } else {
                            staleDropped++;
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
        stale.add(-staleDropped);
        if (out.size() > 1) {
            out.sort(Comparator.<Expired<T>, Instant>comparing(Expired::expires).thenComparing(Expired::item));
        }
        for (Expired<T> e : out) {
            expired.accept(e.item());
        }
        return out.size();
    }

    private record Expired<T extends Comparable<? super T>>(Instant expires, T item) {}

    /**
     * Drops every stale entry (and the buckets left empty), and makes the counts exact again.
     * Needs the index to itself.
     *
     * @return how many entries were dropped
     */
    long compact(Function<T, Instant> expiryOf) {
        long dropped = 0;
        long left = 0;
        for (Iterator<Map.Entry<Long, Set<T>>> all = buckets.entrySet().iterator(); all.hasNext(); ) {
            Map.Entry<Long, Set<T>> bucket = all.next();
            long second = bucket.getKey();
            for (Iterator<T> it = bucket.getValue().iterator(); it.hasNext(); ) {
                if (liveExpiry(second, it.next(), expiryOf) == null) {
                    it.remove();
                    dropped++;
                } else {
                    left++;
                }
            }
            if (bucket.getValue().isEmpty()) {
                all.remove();
                seconds.remove(second);
            }
        }
        entries.reset();
        entries.add(left);
        stale.reset();
        return dropped;
    }

    /** The live items (one entry each). */
    long size() {
        return entries.sum() - stale.sum();
    }

    /** The entries held, live and stale. */
    long entries() {
        return entries.sum();
    }

    void clear() {
        buckets.clear();
        seconds.clear();
        entries.reset();
        stale.reset();
    }
}
