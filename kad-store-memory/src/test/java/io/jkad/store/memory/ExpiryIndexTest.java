package io.jkad.store.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class ExpiryIndexTest {

    private static final Instant T = Instant.parse("2021-01-01T00:00:00.5Z");

    @Test
    void pollsExpiredItemsEarliestFirstIncludingThoseAtNow() {
        ExpiryIndex<String> index = new ExpiryIndex<>();
        index.add(T.plusSeconds(2), "c");
        index.add(T, "b");
        index.add(T.minusNanos(1), "a");
        index.add(T, "a2");
        List<String> out = new ArrayList<>();
        assertThat(index.pollExpired(T, out::add)).isEqualTo(3);
        assertThat(out).containsExactly("a", "a2", "b");
        assertThat(index.size()).isEqualTo(1);
        assertThat(index.pollExpired(T.plusSeconds(1), out::add)).isZero();
        assertThat(index.pollExpired(T.plusSeconds(2), out::add)).isEqualTo(1);
        assertThat(index.size()).isZero();
    }

    @Test
    void removeTakesOutOnlyTheGivenEntry() {
        ExpiryIndex<String> index = new ExpiryIndex<>();
        index.add(T, "x");
        index.add(T, "y");
        index.add(T.plusSeconds(1), "x");
        assertThat(index.remove(T, "x")).isTrue();
        assertThat(index.remove(T, "x")).isFalse();
        assertThat(index.remove(T.plusSeconds(5), "y")).isFalse();
        List<String> out = new ArrayList<>();
        index.pollExpired(T.plusSeconds(1), out::add);
        assertThat(out).containsExactly("y", "x");
    }

    @Test
    void pollStopsAtTheFirstLiveEntry() {
        ExpiryIndex<Integer> index = new ExpiryIndex<>();
        for (int i = 0; i < 10_000; i++) {
            index.add(T.plusSeconds(i + 1), i);
        }
        index.add(T, -1);
        List<Integer> out = new ArrayList<>();
        assertThat(index.pollExpired(T, out::add)).isEqualTo(1);
        assertThat(out).containsExactly(-1);
        assertThat(index.size()).isEqualTo(10_000);
    }

    @Test
    void sweepsWithinASecondOnlyTheEntriesAtOrBeforeNow() {
        ExpiryIndex<String> index = new ExpiryIndex<>();
        Instant second = Instant.parse("2021-01-01T00:00:00Z");
        index.add(second.plusMillis(900), "late");
        index.add(second.plusMillis(100), "early");
        index.add(second.plusMillis(500), "middle");
        List<String> out = new ArrayList<>();
        assertThat(index.pollExpired(second.plusMillis(500), out::add)).isEqualTo(2);
        assertThat(out).containsExactly("early", "middle");
        assertThat(index.size()).isEqualTo(1);
        assertThat(index.remove(second.plusMillis(900), "late")).isTrue();
        assertThat(index.pollExpired(second.plusSeconds(10), out::add)).isZero();
        assertThat(index.size()).isZero();
    }

    @Test
    void aSecondWhoseEntriesWereRemovedTakesNewOnes() {
        ExpiryIndex<String> index = new ExpiryIndex<>();
        index.add(T, "a");
        index.add(T.plusNanos(1), "b");
        assertThat(index.remove(T, "a")).isTrue();
        assertThat(index.remove(T.plusNanos(1), "b")).isTrue();
        assertThat(index.size()).isZero();
        index.add(T.plusNanos(2), "c");
        List<String> out = new ArrayList<>();
        assertThat(index.pollExpired(T.plusSeconds(1), out::add)).isEqualTo(1);
        assertThat(out).containsExactly("c");
    }

    @Test
    void addingAnEntryTwiceKeepsOne() {
        ExpiryIndex<String> index = new ExpiryIndex<>();
        index.add(T, "a");
        index.add(T, "a");
        index.add(T, "b");
        index.add(T, "b");
        assertThat(index.size()).isEqualTo(2);
        assertThat(index.remove(T, "a")).isTrue();
        assertThat(index.remove(T, "a")).isFalse();
        assertThat(index.size()).isEqualTo(1);
    }

    @Test
    void instantsBefore1970AreOrderedToo() {
        ExpiryIndex<String> index = new ExpiryIndex<>();
        index.add(Instant.parse("1969-12-31T23:59:59.9Z"), "b");
        index.add(Instant.parse("1969-12-31T23:59:58.5Z"), "a");
        index.add(Instant.EPOCH, "c");
        List<String> out = new ArrayList<>();
        assertThat(index.pollExpired(Instant.parse("1969-12-31T23:59:59.95Z"), out::add)).isEqualTo(2);
        assertThat(out).containsExactly("a", "b");
    }

    /** Random adds, removes and sweeps against a sorted set of (instant, item) as the model. */
    @Test
    void agreesWithASortedModel() {
        Random random = new Random(7);
        ExpiryIndex<Integer> index = new ExpiryIndex<>();
        TreeSet<Object[]> model = new TreeSet<>((x, y) -> {
            int c = ((Instant) x[0]).compareTo((Instant) y[0]);
            return c != 0 ? c : Integer.compare((Integer) x[1], (Integer) y[1]);
        });
        Instant now = T;
        for (int step = 0; step < 20_000; step++) {
            int op = random.nextInt(10);
            Instant t = now.plusMillis(random.nextInt(5_000) - 500);
            Integer item = random.nextInt(200);
            if (op < 6) {
                index.add(t, item);
                model.add(new Object[] {t, item});
            } else if (op < 9) {
                Object[] existing = model.isEmpty() || random.nextBoolean() ? null
                        : model.ceiling(new Object[] {t, -1});
                Instant rt = existing != null ? (Instant) existing[0] : t;
                Integer ri = existing != null ? (Integer) existing[1] : item;
                assertThat(index.remove(rt, ri)).isEqualTo(model.remove(new Object[] {rt, ri}));
            } else {
                now = now.plusMillis(random.nextInt(1_500));
                List<Integer> out = new ArrayList<>();
                List<Integer> expected = new ArrayList<>();
                while (!model.isEmpty() && !((Instant) model.first()[0]).isAfter(now)) {
                    expected.add((Integer) model.pollFirst()[1]);
                }
                assertThat(index.pollExpired(now, out::add)).isEqualTo(expected.size());
                assertThat(out).isEqualTo(expected);
            }
            assertThat(index.size()).isEqualTo(model.size());
        }
    }
}
