package io.jkad.store.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
}
