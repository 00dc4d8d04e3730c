package io.jkad.store.memory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The items that expire, found by expiry instant: a sweep costs what it removes, not the number of
 * items. Not thread-safe: the store guards it with its write lock.
 *
 * <p>Entries are grouped in buckets of one second of expiry (by epoch second): a hash map from the
 * second to its bucket, a bucket being one entry or a hash set of entries. Adding and removing an
 * entry are hash operations (a store's put moves a record's entry on every write, so they must be
 * cheap: a sorted tree of the entries made every put walk about log2(n) scattered nodes). The
 * seconds that have buckets are also kept in order ({@link #seconds}), to find the expired ones;
 * a second is added there when its bucket is made, and dropped only by a sweep that reaches it,
 * not when its bucket empties (so it holds at most one number per second that had entries since
 * the last sweep passed it, and a put that empties a bucket does not walk the tree). A sweep takes the seconds before {@code now}'s whole and looks
 * through the bucket of {@code now}'s own second, so besides what it removes it reads at most the
 * entries expiring in the rest of that second. It hands the expired items over earliest first
 * (ties by item).
 */
final class ExpiryIndex<T extends Comparable<? super T>> {

    private record Entry<T extends Comparable<? super T>>(Instant expires, T item) implements Comparable<Entry<T>> {
        @Override
        public int compareTo(Entry<T> o) {
            int c = expires.compareTo(o.expires);
            return c != 0 ? c : item.compareTo(o.item);
        }

        // written out: the record's generated methods go through method handles on every update
        @Override
        public boolean equals(Object o) {
            return o instanceof Entry<?> e && expires.equals(e.expires) && item.equals(e.item);
        }

        @Override
        public int hashCode() {
            return expires.hashCode() * 31 + item.hashCode();
        }
    }

    /** Epoch second -> an {@link Entry} or a {@code HashSet<Entry>} of two or more. */
    private final HashMap<Long, Object> buckets = new HashMap<>();
    /** Every second that has a bucket, and some whose bucket emptied since the last sweep passed them. */
    private final TreeSet<Long> seconds = new TreeSet<>();

    void add(Instant expires, T item) {
        Entry<T> entry = new Entry<>(Objects.requireNonNull(expires), Objects.requireNonNull(item));
        Long second = expires.getEpochSecond();
        Object bucket = buckets.get(second);
        if (bucket == null) {
            buckets.put(second, entry);
            seconds.add(second);
        } else if (bucket instanceof Entry<?> single) {
            if (single.equals(entry)) {
                return;
            }
            HashSet<Entry<T>> set = new HashSet<>(4);
            set.add(cast(single));
            set.add(entry);
            buckets.put(second, set);
        } else {
            set(bucket).add(entry);
        }
    }

    /** Removes the entry of {@code item} at {@code expires}; returns whether there was one. */
    boolean remove(Instant expires, T item) {
        Long second = expires.getEpochSecond();
        Object bucket = buckets.get(second);
        if (bucket == null) {
            return false;
        }
        Entry<T> entry = new Entry<>(expires, item);
        if (bucket instanceof Entry<?> single) {
            if (!single.equals(entry)) {
                return false;
            }
            buckets.remove(second);
        } else {
            HashSet<Entry<T>> set = set(bucket);
            if (!set.remove(entry)) {
                return false;
            }
            if (set.isEmpty()) {
                buckets.remove(second);
            }
        }
        return true;
    }

    /**
     * Removes every entry that expires at or before {@code now}, earliest first, handing each item
     * to {@code expired}.
     *
     * @return how many entries were removed
     */
    long pollExpired(Instant now, Consumer<T> expired) {
        long nowSecond = now.getEpochSecond();
        List<Entry<T>> out = new ArrayList<>();
        while (!seconds.isEmpty() && seconds.first() <= nowSecond) {
            Long second = seconds.first();
            Object bucket = buckets.get(second);
            if (second < nowSecond) {
                seconds.pollFirst();
                if (bucket != null) {
                    buckets.remove(second);
                    take(bucket, out);
                }
                continue;
            }
            // the bucket of now's second: only what expires at or before now
            if (bucket instanceof Entry<?> single) {
                if (!single.expires().isAfter(now)) {
                    out.add(cast(single));
                    buckets.remove(second);
                    seconds.pollFirst();
                }
            } else if (bucket != null) {
                HashSet<Entry<T>> set = set(bucket);
                for (Iterator<Entry<T>> it = set.iterator(); it.hasNext(); ) {
                    Entry<T> e = it.next();
                    if (!e.expires().isAfter(now)) {
                        out.add(e);
                        it.remove();
                    }
                }
                if (set.isEmpty()) {
                    buckets.remove(second);
                    seconds.pollFirst();
                }
            } else {
                seconds.pollFirst();
            }
            break;
        }
        Collections.sort(out);
        for (Entry<T> e : out) {
            expired.accept(e.item());
        }
        return out.size();
    }

    private void take(Object bucket, List<Entry<T>> out) {
        if (bucket instanceof Entry<?> single) {
            out.add(cast(single));
        } else {
            out.addAll(set(bucket));
        }
    }

    /** The number of entries (a walk over the buckets: for tests). */
    int size() {
        int n = 0;
        for (Object bucket : buckets.values()) {
            n += bucket instanceof Entry<?> ? 1 : set(bucket).size();
        }
        return n;
    }

    void clear() {
        buckets.clear();
        seconds.clear();
    }

    @SuppressWarnings("unchecked")
    private Entry<T> cast(Entry<?> e) {
        return (Entry<T>) e;
    }

    @SuppressWarnings("unchecked")
    private HashSet<Entry<T>> set(Object bucket) {
        return (HashSet<Entry<T>>) bucket;
    }
}
