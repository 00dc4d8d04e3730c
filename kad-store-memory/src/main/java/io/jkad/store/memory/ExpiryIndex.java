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
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The items that expire, found by the second of their expiry: a sweep costs what it removes, not
 * the number of items.
 *
 * <p>Entries are grouped in buckets of one second of expiry (by epoch second): a concurrent hash
 * map from the second to the set of items whose expiry falls in it. A bucket holds items, not
 * (instant, item) pairs: the caller keeps each item in the bucket of its current expiry's second
 * and nowhere else (adding it when it gains an expiry, {@linkplain #move moving} it when the expiry
 * changes, removing it when it goes), and tells a sweep an item's exact expiry when it needs it
 * ({@code expiryOf}). So a write that changes an expiry within its second, as a republish soon
 * after the last one may, costs nothing here, and one that changes the second costs two hash
 * operations (one on the set of each second), without making an (instant, item) entry.
 *
 * <p>Concurrency: {@link #add}, {@link #remove} and {@link #move} may run in several threads at
 * once (the memory store calls them holding one of its key locks, for items of that key): a bucket
 * is a concurrent set, so writers of one second (writes at the same moment with the same lifetime
 * land in the same second) contend only where their items share a bin of it. A bucket is
 * therefore dropped only by a sweep that reaches its second, not when it empties (dropping it then
 * could lose an item that another writer is adding to it): at most one empty set per second that
 * had items since the last sweep passed it. {@link #pollExpired}, {@link #size} and {@link #clear}
 * need the index to themselves (the store holds every key lock).
 *
 * <p>The seconds that have buckets are also kept in order ({@link #seconds}), to find the expired
 * ones; a second is added there when its bucket is made, and dropped with it. A sweep takes the seconds before {@code now}'s whole and looks
 * through the bucket of {@code now}'s own second, asking {@code expiryOf} for each of its items, so
 * besides what it removes it reads at most the items expiring in the rest of that second. It hands
 * the expired items over earliest first (ties by item).
 */
final class ExpiryIndex<T extends Comparable<? super T>> {

    /** Epoch second -> the items whose expiry falls in it (perhaps none: see the class comment). */
    private final ConcurrentHashMap<Long, Set<T>> buckets = new ConcurrentHashMap<>();
    /** Every second that has a bucket. */
    private final ConcurrentSkipListSet<Long> seconds = new ConcurrentSkipListSet<>();

    /** Whether an item expiring at {@code a} and at {@code b} sits in the same bucket (none: neither expires). */
    static boolean sameBucket(Optional<Instant> a, Optional<Instant> b) {
        if (a.isEmpty() || b.isEmpty()) {
            return a.isEmpty() && b.isEmpty();
        }
        return a.get().getEpochSecond() == b.get().getEpochSecond();
    }

    /** Puts {@code item}, which expires at {@code expires}, in its second's bucket. */
    void add(Instant expires, T item) {
        Objects.requireNonNull(item);
        Long second = expires.getEpochSecond();
        Set<T> bucket = buckets.get(second);
        if (bucket == null) {
            bucket = buckets.computeIfAbsent(second, s -> {
                seconds.add(s);
                return ConcurrentHashMap.newKeySet(4);
            });
        }
        bucket.add(item);
    }

    /** Takes {@code item} out of the bucket of {@code expires}'s second; returns whether it was there. */
    boolean remove(Instant expires, T item) {
        Set<T> bucket = buckets.get(expires.getEpochSecond());
        return bucket != null && bucket.remove(item);
    }

    /** The item's expiry changed from {@code from} to {@code to} (either may be none): moves it if its second did. */
    void move(Optional<Instant> from, Optional<Instant> to, T item) {
        if (sameBucket(from, to)) {
            return;
        }
        from.ifPresent(t -> remove(t, item));
        to.ifPresent(t -> add(t, item));
    }

    /**
     * Removes every item that expires at or before {@code now}, earliest first (ties by item),
     * handing each to {@code expired}. {@code expiryOf} gives an item's current expiry (the one
     * whose second's bucket holds it).
     *
     * @return how many items were removed
     */
    long pollExpired(Instant now, Function<T, Instant> expiryOf, Consumer<T> expired) {
        long nowSecond = now.getEpochSecond();
        List<T> out = new ArrayList<>();
        while (!seconds.isEmpty() && seconds.first() <= nowSecond) {
            Long second = seconds.first();
            Set<T> bucket = buckets.get(second);
            if (second < nowSecond) {
                seconds.pollFirst();
                if (bucket != null) {
                    buckets.remove(second);
                    out.addAll(bucket);
                }
                continue;
            }
            // the bucket of now's second: only what expires at or before now
            if (bucket != null) {
                for (Iterator<T> it = bucket.iterator(); it.hasNext(); ) {
                    T item = it.next();
                    if (!expiryOf.apply(item).isAfter(now)) {
                        out.add(item);
                        it.remove();
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
        if (out.size() > 1) {
            List<Expired<T>> sorted = new ArrayList<>(out.size());
            for (T item : out) {
                sorted.add(new Expired<>(expiryOf.apply(item), item));
            }
            sorted.sort(Comparator.<Expired<T>, Instant>comparing(Expired::expires).thenComparing(Expired::item));
            for (Expired<T> e : sorted) {
                expired.accept(e.item());
            }
        } else {
            out.forEach(expired);
        }
        return out.size();
    }

    private record Expired<T extends Comparable<? super T>>(Instant expires, T item) {}

    /** The number of items (a walk over the buckets: for tests). */
    int size() {
        int n = 0;
        for (Set<T> bucket : buckets.values()) {
            n += bucket.size();
        }
        return n;
    }

    void clear() {
        buckets.clear();
        seconds.clear();
    }
}
