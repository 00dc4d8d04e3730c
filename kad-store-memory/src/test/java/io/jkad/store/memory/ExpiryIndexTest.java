package io.jkad.store.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The index with a map of each item's current expiry beside it, as the store keeps it (the store's
 * records are that map): every item in the bucket of its expiry's second only.
 */
class ExpiryIndexTest {

    private static final Instant T = Instant.parse("2021-01-01T00:00:00.5Z");

    /** An index and the items' expiries, kept in step as the store keeps them. */
    private static final class Indexed<T extends Comparable<? super T>> {
        final ExpiryIndex<T> index = new ExpiryIndex<>();
        final Map<T, Instant> expiries = new HashMap<>();

        /** Sets the item's expiry; compacts when the move says so, as the store does. */
        void set(T item, Instant expires) {
            if (index.move(Optional.ofNullable(expiries.put(item, expires)), Optional.of(expires), item)) {
                index.compact(expiries::get);
            }
        }

        boolean remove(T item) {
            Instant old = expiries.remove(item);
            return old != null && index.remove(old, item);
        }

        long poll(Instant now, List<T> out) {
            return index.pollExpired(now, expiries::get, item -> {
                expiries.remove(item);
                out.add(item);
            });
        }
    }

    @Test
    void pollsExpiredItemsEarliestFirstIncludingThoseAtNow() {
        Indexed<String> x = new Indexed<>();
        x.set("c", T.plusSeconds(2));
        x.set("b", T);
        x.set("a", T.minusNanos(1));
        x.set("a2", T);
        List<String> out = new ArrayList<>();
        assertThat(x.poll(T, out)).isEqualTo(3);
        assertThat(out).containsExactly("a", "a2", "b");
        assertThat(x.index.size()).isEqualTo(1);
        assertThat(x.poll(T.plusSeconds(1), out)).isZero();
        assertThat(x.poll(T.plusSeconds(2), out)).isEqualTo(1);
        assertThat(x.index.size()).isZero();
    }

    @Test
    void aMoveWithinASecondLeavesTheItemWhereItIsAndTheSweepReadsItsNewExpiry() {
        Indexed<String> x = new Indexed<>();
        x.set("a", T);
        x.set("a", T.plusMillis(400)); // same second (T is at .5)
        assertThat(x.index.size()).isEqualTo(1);
        List<String> out = new ArrayList<>();
        assertThat(x.poll(T.plusMillis(100), out)).isZero(); // its expiry is now later than the sweep
        assertThat(x.poll(T.plusMillis(400), out)).isEqualTo(1);
        assertThat(out).containsExactly("a");
    }

    @Test
    void aMoveToAnotherSecondLeavesAStaleEntryThatTheSweepDropsWithoutHandingItOver() {
        Indexed<String> x = new Indexed<>();
        x.set("a", T);
        x.set("a", T.plusSeconds(5));
        assertThat(x.index.size()).isEqualTo(1);
        assertThat(x.index.entries()).isEqualTo(2);
        List<String> out = new ArrayList<>();
        assertThat(x.poll(T.plusSeconds(1), out)).isZero();
        assertThat(x.index.entries()).isEqualTo(1);
        assertThat(x.poll(T.plusSeconds(5), out)).isEqualTo(1);
        assertThat(out).containsExactly("a");
        assertThat(x.index.entries()).isZero();
    }

    @Test
    void anItemMovedBackToASecondWhereItHasAStaleEntryIsHandedOverOnce() {
        Indexed<String> x = new Indexed<>();
        x.set("a", T);
        x.set("a", T.plusSeconds(5));
        x.set("a", T.plusMillis(100)); // back in T's second: the stale entry there is live again
        assertThat(x.index.size()).isEqualTo(1);
        assertThat(x.index.entries()).isEqualTo(2);
        List<String> out = new ArrayList<>();
        assertThat(x.poll(T.plusSeconds(1), out)).isEqualTo(1);
        assertThat(x.poll(T.plusSeconds(6), out)).isZero(); // what is left in T + 5 s is stale
        assertThat(out).containsExactly("a");
        assertThat(x.index.entries()).isZero();
        assertThat(x.index.size()).isZero();
    }

    @Test
    void aMoveToNoExpiryLeavesAStaleEntryOnly() {
        ExpiryIndex<String> index = new ExpiryIndex<>();
        index.add(T, "a");
        assertThat(index.move(Optional.of(T), Optional.empty(), "a")).isFalse();
        assertThat(index.size()).isZero();
        List<String> out = new ArrayList<>();
        assertThat(index.pollExpired(T.plusSeconds(1), s -> null, out::add)).isZero();
        assertThat(index.entries()).isZero();
    }

    /**
     * Items that move to a new second on every write (a republish) leave a stale entry each time;
     * compacting when a move says so keeps the index within about twice its live items plus the floor.
     */
    @Test
    void compactionBoundsTheStaleEntries() {
        Indexed<Integer> x = new Indexed<>();
        int items = 3_000;
        long most = 0;
        for (int round = 0; round < 40; round++) {
            for (int i = 0; i < items; i++) {
                x.set(i, T.plusSeconds(100L * round + i % 7));
                most = Math.max(most, x.index.entries());
            }
        }
        assertThat(x.index.size()).isEqualTo(items);
        // stale entries are checked now and then, so a little over the threshold
        assertThat(most).isLessThan(2L * items + ExpiryIndex.COMPACT_FLOOR + 2_000);
        assertThat(most).isGreaterThan(items + ExpiryIndex.COMPACT_FLOOR); // it did let them pile up to the threshold
        x.index.compact(x.expiries::get);
        assertThat(x.index.entries()).isEqualTo(items);
        List<Integer> out = new ArrayList<>();
        assertThat(x.poll(T.plusSeconds(100_000), out)).isEqualTo(items);
        assertThat(out).doesNotHaveDuplicates();
    }

    @Test
    void removeTakesOutOnlyTheGivenItem() {
        ExpiryIndex<String> index = new ExpiryIndex<>();
        index.add(T, "x");
        index.add(T, "y");
        assertThat(index.remove(T, "x")).isTrue();
        assertThat(index.remove(T, "x")).isFalse();
        assertThat(index.remove(T.plusSeconds(5), "y")).isFalse();
        List<String> out = new ArrayList<>();
        index.pollExpired(T.plusSeconds(1), s -> T, out::add);
        assertThat(out).containsExactly("y");
    }

    @Test
    void pollStopsAtTheFirstLiveEntry() {
        Indexed<Integer> x = new Indexed<>();
        for (int i = 0; i < 10_000; i++) {
            x.set(i, T.plusSeconds(i + 1));
        }
        x.set(-1, T);
        List<Integer> out = new ArrayList<>();
        assertThat(x.poll(T, out)).isEqualTo(1);
        assertThat(out).containsExactly(-1);
        assertThat(x.index.size()).isEqualTo(10_000);
    }

    @Test
    void sweepsWithinASecondOnlyTheEntriesAtOrBeforeNow() {
        Indexed<String> x = new Indexed<>();
        Instant second = Instant.parse("2021-01-01T00:00:00Z");
        x.set("late", second.plusMillis(900));
        x.set("early", second.plusMillis(100));
        x.set("middle", second.plusMillis(500));
        List<String> out = new ArrayList<>();
        assertThat(x.poll(second.plusMillis(500), out)).isEqualTo(2);
        assertThat(out).containsExactly("early", "middle");
        assertThat(x.index.size()).isEqualTo(1);
        assertThat(x.remove("late")).isTrue();
        assertThat(x.poll(second.plusSeconds(10), out)).isZero();
        assertThat(x.index.size()).isZero();
    }

    @Test
    void aSecondWhoseEntriesWereRemovedTakesNewOnes() {
        Indexed<String> x = new Indexed<>();
        x.set("a", T);
        x.set("b", T.plusNanos(1));
        assertThat(x.remove("a")).isTrue();
        assertThat(x.remove("b")).isTrue();
        assertThat(x.index.size()).isZero();
        x.set("c", T.plusNanos(2));
        List<String> out = new ArrayList<>();
        assertThat(x.poll(T.plusSeconds(1), out)).isEqualTo(1);
        assertThat(out).containsExactly("c");
    }

    @Test
    void anItemRemovedAndAddedBackWhereItHasAStaleEntryCountsOnce() {
        Indexed<String> x = new Indexed<>();
        x.set("a", T);
        x.set("a", T.plusSeconds(3)); // stale entry in T's second
        assertThat(x.remove("a")).isTrue();
        assertThat(x.index.size()).isZero();
        x.index.add(T, "a"); // new again, in T's second
        assertThat(x.index.size()).isEqualTo(1);
        assertThat(x.index.entries()).isEqualTo(1);
        assertThat(x.index.remove(T, "a")).isTrue();
        assertThat(x.index.remove(T, "a")).isFalse();
        assertThat(x.index.size()).isZero();
    }

    @Test
    void instantsBefore1970AreOrderedToo() {
        Indexed<String> x = new Indexed<>();
        x.set("b", Instant.parse("1969-12-31T23:59:59.9Z"));
        x.set("a", Instant.parse("1969-12-31T23:59:58.5Z"));
        x.set("c", Instant.EPOCH);
        List<String> out = new ArrayList<>();
        assertThat(x.poll(Instant.parse("1969-12-31T23:59:59.95Z"), out)).isEqualTo(2);
        assertThat(out).containsExactly("a", "b");
    }

    /** Random sets, removes and sweeps against the expiry map as the model. */
    @Test
    void agreesWithTheModel() {
        Random random = new Random(7);
        Indexed<Integer> x = new Indexed<>();
        Instant now = T;
        for (int step = 0; step < 20_000; step++) {
            int op = random.nextInt(10);
            Instant t = now.plusMillis(random.nextInt(5_000) - 500);
            Integer item = random.nextInt(200);
            if (op < 6) {
                x.set(item, t);
            } else if (op < 9) {
                boolean listed = x.expiries.containsKey(item);
                assertThat(x.remove(item)).isEqualTo(listed);
            } else {
                now = now.plusMillis(random.nextInt(1_500));
                Instant at = now;
                List<Integer> expected = x.expiries.entrySet().stream()
                        .filter(e -> !e.getValue().isAfter(at))
                        .sorted(Map.Entry.<Integer, Instant>comparingByValue().thenComparing(Map.Entry.comparingByKey()))
                        .map(Map.Entry::getKey).toList();
                List<Integer> out = new ArrayList<>();
                assertThat(x.poll(now, out)).isEqualTo(expected.size());
                assertThat(out).isEqualTo(expected);
            }
            assertThat(x.index.size()).isEqualTo(x.expiries.size());
            assertThat(x.index.entries()).isGreaterThanOrEqualTo(x.index.size());
        }
        x.index.compact(x.expiries::get);
        assertThat(x.index.entries()).isEqualTo(x.expiries.size());
    }

    /** Threads moving their own items between a few seconds at once: every item ends in exactly one bucket. */
    @Test
    void concurrentMovesOfDifferentItemsLoseNothing() throws Exception {
        ExpiryIndex<Integer> index = new ExpiryIndex<>();
        int threads = 4;
        int itemsPerThread = 200;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Map<Integer, Instant>>> results = new ArrayList<>();
        for (int th = 0; th < threads; th++) {
            int base = th * itemsPerThread;
            results.add(pool.submit(() -> {
                Random random = new Random(base);
                Map<Integer, Instant> mine = new HashMap<>();
                start.await();
                for (int step = 0; step < 20_000; step++) {
                    Integer item = base + random.nextInt(itemsPerThread);
                    Instant t = T.plusSeconds(random.nextInt(3)).plusMillis(random.nextInt(400));
                    index.move(Optional.ofNullable(mine.put(item, t)), Optional.of(t), item);
                }
                return mine;
            }));
        }
        start.countDown();
        Map<Integer, Instant> all = new HashMap<>();
        for (Future<Map<Integer, Instant>> f : results) {
            all.putAll(f.get(60, TimeUnit.SECONDS));
        }
        pool.shutdown();
        assertThat(index.size()).isEqualTo(all.size());
        List<Integer> out = new ArrayList<>();
        assertThat(index.pollExpired(T.plusSeconds(10), all::get, out::add)).isEqualTo(all.size());
        assertThat(out).containsExactlyInAnyOrderElementsOf(all.keySet());
    }
}
