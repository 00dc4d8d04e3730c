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
 * The index with each item's expiry and floor kept beside it, as the store keeps them (in its
 * record and provider values), and a sweeper that files an item's cover again when the sweep takes
 * it from the floor of an extended expiry.
 */
class ExpiryIndexTest {

    private static final Instant T = Instant.parse("2021-01-01T00:00:00.5Z");

    /** An index and the items' expiries and floors, kept in step as the store keeps them. */
    private static final class Indexed<T extends Comparable<? super T>> implements ExpiryIndex.Sweeper<T> {
        final ExpiryIndex<T> index = new ExpiryIndex<>();
        final Map<T, Instant> expiries = new HashMap<>();
        final Map<T, Long> floors = new HashMap<>();
        List<T> out = new ArrayList<>();
        int rebuilds;

        /** Sets the item's expiry; rebuilds the index when it holds more than twice its items, as the store does. */
        void set(T item, Instant expires) {
            expiries.put(item, expires);
            long old = floors.getOrDefault(item, ExpiryIndex.NONE);
            long floor = index.cover(old, Optional.of(expires), item);
            floors.put(item, floor);
            if (old != ExpiryIndex.NONE && floor != old && index.compactionDue(floors.size())) {
                index.clear();
                floors.forEach((i, f) -> index.add(f, i));
                rebuilds++;
            }
        }

        boolean remove(T item) {
            expiries.remove(item);
            Long floor = floors.remove(item);
            return floor != null && index.remove(floor, item);
        }

        long poll(Instant now, List<T> into) {
            out = into;
            return index.pollExpired(now, this);
        }

        @Override
        public Instant visit(T item, long second, Instant now) {
            Long floor = floors.get(item);
            if (floor == null || floor != second) {
                return null;
            }
            Instant expires = expiries.get(item);
            long expiresSecond = ExpiryIndex.secondOf(expires);
            if (!expires.isAfter(now) || expiresSecond == second) {
                return expires;
            }
            index.add(expiresSecond, item);
            floors.put(item, expiresSecond);
            return null;
        }

        @Override
        public boolean expire(T item, long second, Instant now) {
            assertThat(floors.get(item)).isEqualTo(second);
            expiries.remove(item);
            floors.remove(item);
            out.add(item);
            return true;
        }

        /** Whether every item has its cover: a floor at or before its expiry's second, with an entry there. */
        void assertCovered() {
            expiries.forEach((item, expires) -> {
                long floor = floors.get(item);
                assertThat(floor).isLessThanOrEqualTo(ExpiryIndex.secondOf(expires));
                assertThat(index.has(floor, item)).as("cover of %s", item).isTrue();
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
        assertThat(x.index.entries()).isEqualTo(1);
        assertThat(x.poll(T.plusSeconds(1), out)).isZero();
        assertThat(x.poll(T.plusSeconds(2), out)).isEqualTo(1);
        assertThat(x.index.entries()).isZero();
    }

    @Test
    void anExtensionLeavesTheIndexAloneAndTheSweepMovesTheCoverOnceWhenItReachesTheFloor() {
        Indexed<String> x = new Indexed<>();
        x.set("a", T);
        long floor = ExpiryIndex.secondOf(T);
        for (int i = 1; i <= 10; i++) {
            x.set("a", T.plusSeconds(100L * i)); // a republish: later each time
            assertThat(x.floors.get("a")).isEqualTo(floor);
            assertThat(x.index.entries()).isEqualTo(1);
        }
        List<String> out = new ArrayList<>();
        assertThat(x.poll(T.plusSeconds(1), out)).isZero(); // passes the floor: the cover moves to the expiry
        assertThat(x.floors.get("a")).isEqualTo(ExpiryIndex.secondOf(T.plusSeconds(1000)));
        assertThat(x.index.entries()).isEqualTo(1);
        x.assertCovered();
        assertThat(x.poll(T.plusSeconds(999), out)).isZero();
        assertThat(x.poll(T.plusSeconds(1000), out)).isEqualTo(1);
        assertThat(out).containsExactly("a");
        assertThat(x.index.entries()).isZero();
    }

    @Test
    void anExpiryBroughtBeforeTheFloorGetsANewCoverAndTheOldEntryIsDroppedUnseen() {
        Indexed<String> x = new Indexed<>();
        x.set("a", T.plusSeconds(5));
        x.set("a", T);
        assertThat(x.floors.get("a")).isEqualTo(ExpiryIndex.secondOf(T));
        assertThat(x.index.entries()).isEqualTo(2);
        x.assertCovered();
        List<String> out = new ArrayList<>();
        assertThat(x.poll(T.plusSeconds(1), out)).isEqualTo(1);
        assertThat(out).containsExactly("a");
        assertThat(x.index.entries()).isEqualTo(1); // the old entry, left for its second
        assertThat(x.poll(T.plusSeconds(6), out)).isZero();
        assertThat(x.index.entries()).isZero();
        assertThat(out).containsExactly("a");
    }

    @Test
    void aChangeWithinTheSecondOfTheFloorKeepsTheCoverAndTheSweepReadsTheNewExpiry() {
        Indexed<String> x = new Indexed<>();
        x.set("a", T.plusMillis(400));
        x.set("a", T); // earlier, but in the same second (T is at .5)
        assertThat(x.index.entries()).isEqualTo(1);
        List<String> out = new ArrayList<>();
        assertThat(x.poll(T.minusMillis(100), out)).isZero();
        assertThat(x.poll(T, out)).isEqualTo(1);
        assertThat(out).containsExactly("a");
    }

    @Test
    void noExpiryMeansNoFloorAndTheOldCoverCoversNothing() {
        ExpiryIndex<String> index = new ExpiryIndex<>();
        long floor = index.cover(ExpiryIndex.NONE, Optional.of(T), "a");
        assertThat(index.cover(floor, Optional.empty(), "a")).isEqualTo(ExpiryIndex.NONE);
        assertThat(index.cover(ExpiryIndex.NONE, Optional.empty(), "a")).isEqualTo(ExpiryIndex.NONE);
        assertThat(index.entries()).isEqualTo(1);
        List<String> visited = new ArrayList<>();
        assertThat(index.pollExpired(T.plusSeconds(1), new ExpiryIndex.Sweeper<>() {
            @Override
            public Instant visit(String item, long second, Instant now) {
                visited.add(item);
                return null; // its floor is none: the entry covers nothing
            }

            @Override
            public boolean expire(String item, long second, Instant now) {
                throw new AssertionError("nothing expires");
            }
        })).isZero();
        assertThat(visited).containsExactly("a");
        assertThat(index.entries()).isZero();
    }

    /**
     * Expiries brought back before their floor again and again (not what a republish does, but a
     * peer could) leave an entry each time; rebuilding from the floors when the entries pass twice the
     * items and the floor keeps the index within that bound.
     */
    @Test
    void rebuildingFromTheFloorsBoundsTheEntries() {
        Indexed<Integer> x = new Indexed<>();
        int items = 3_000;
        long most = 0;
        for (int round = 0; round < 40; round++) {
            for (int i = 0; i < items; i++) {
                x.set(i, T.plusSeconds(100_000L - 100L * round - i % 7)); // earlier each round
                most = Math.max(most, x.index.entries());
            }
        }
        assertThat(x.rebuilds).isPositive();
        assertThat(most).isLessThanOrEqualTo(2L * items + ExpiryIndex.COMPACT_FLOOR + 1);
        assertThat(most).isGreaterThan(items + ExpiryIndex.COMPACT_FLOOR); // it did let them pile up to the bound
        x.assertCovered();
        List<Integer> out = new ArrayList<>();
        assertThat(x.poll(T.plusSeconds(100_000), out)).isEqualTo(items);
        assertThat(out).doesNotHaveDuplicates();
        assertThat(x.index.entries()).isZero();
    }

    @Test
    void removeTakesOutTheCoverAtTheFloorOnly() {
        Indexed<String> x = new Indexed<>();
        x.set("x", T);
        x.set("y", T);
        x.set("y", T.plusSeconds(50)); // extended: its cover stays at T's second
        assertThat(x.remove("x")).isTrue();
        assertThat(x.remove("x")).isFalse();
        assertThat(x.remove("y")).isTrue();
        assertThat(x.index.entries()).isZero();
        List<String> out = new ArrayList<>();
        assertThat(x.poll(T.plusSeconds(100), out)).isZero();
    }

    @Test
    void pollStopsAtTheFirstLiveSecond() {
        Indexed<Integer> x = new Indexed<>();
        for (int i = 0; i < 10_000; i++) {
            x.set(i, T.plusSeconds(i + 1));
        }
        x.set(-1, T);
        List<Integer> visited = new ArrayList<>();
        assertThat(x.index.pollExpired(T, new ExpiryIndex.Sweeper<>() {
            @Override
            public Instant visit(Integer item, long second, Instant now) {
                visited.add(item);
                return x.visit(item, second, now);
            }

            @Override
            public boolean expire(Integer item, long second, Instant now) {
                return x.expire(item, second, now);
            }
        })).isEqualTo(1);
        assertThat(visited).containsExactly(-1);
        assertThat(x.index.entries()).isEqualTo(10_000);
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
        assertThat(x.index.entries()).isEqualTo(1);
        assertThat(x.remove("late")).isTrue();
        assertThat(x.poll(second.plusSeconds(10), out)).isZero();
        assertThat(x.index.entries()).isZero();
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

    /** Random sets (later, earlier, within the second), removes and sweeps against the expiry map as the model. */
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
            x.assertCovered();
            assertThat(x.index.entries()).isGreaterThanOrEqualTo(x.expiries.size());
        }
    }

    /** Threads covering their own items at once, moving expiries back and forth: every item ends covered. */
    @Test
    void concurrentCoversOfDifferentItemsLoseNothing() throws Exception {
        ExpiryIndex<Integer> index = new ExpiryIndex<>();
        int threads = 4;
        int itemsPerThread = 200;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Map<Integer, long[]>>> results = new ArrayList<>();
        for (int th = 0; th < threads; th++) {
            int base = th * itemsPerThread;
            results.add(pool.submit(() -> {
                Random random = new Random(base);
                Map<Integer, long[]> mine = new HashMap<>(); // item -> {floor, expiry's second}
                start.await();
                for (int step = 0; step < 20_000; step++) {
                    Integer item = base + random.nextInt(itemsPerThread);
                    Instant t = T.plusSeconds(random.nextInt(30)).plusMillis(random.nextInt(400));
                    long[] old = mine.get(item);
                    long floor = index.cover(old == null ? ExpiryIndex.NONE : old[0], Optional.of(t), item);
                    mine.put(item, new long[] {floor, ExpiryIndex.secondOf(t)});
                }
                return mine;
            }));
        }
        start.countDown();
        Map<Integer, long[]> all = new HashMap<>();
        for (Future<Map<Integer, long[]>> f : results) {
            all.putAll(f.get(60, TimeUnit.SECONDS));
        }
        pool.shutdown();
        assertThat(all).hasSize(threads * itemsPerThread);
        all.forEach((item, fs) -> {
            assertThat(fs[0]).isLessThanOrEqualTo(fs[1]);
            assertThat(index.has(fs[0], item)).isTrue();
        });
    }
}
