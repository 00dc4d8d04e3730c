package io.jkad.store.memory;

import java.time.Instant;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The items that expire, ordered by expiry instant (ties broken by the item), so that the expired
 * ones are found at the front: a sweep costs O(log n) per item it removes, nothing for the others.
 * Not thread-safe: the store guards it with its write lock.
 */
final class ExpiryIndex<T extends Comparable<? super T>> {

    private record Entry<T extends Comparable<? super T>>(Instant expires, T item) implements Comparable<Entry<T>> {
        @Override
        public int compareTo(Entry<T> o) {
            int c = expires.compareTo(o.expires);
            return c != 0 ? c : item.compareTo(o.item);
        }
    }

    private final TreeSet<Entry<T>> entries = new TreeSet<>();

    void add(Instant expires, T item) {
        entries.add(new Entry<>(Objects.requireNonNull(expires), Objects.requireNonNull(item)));
    }

    /** Removes the entry of {@code item} at {@code expires}; returns whether there was one. */
    boolean remove(Instant expires, T item) {
        return entries.remove(new Entry<>(expires, item));
    }

    /**
     * Removes every entry that expires at or before {@code now}, earliest first, handing each item
     * to {@code expired}.
     *
     * @return how many entries were removed
     */
    long pollExpired(Instant now, Consumer<T> expired) {
        long n = 0;
        while (!entries.isEmpty() && !entries.first().expires().isAfter(now)) {
            expired.accept(entries.pollFirst().item());
            n++;
        }
        return n;
    }

    int size() {
        return entries.size();
    }

    void clear() {
        entries.clear();
    }
}
