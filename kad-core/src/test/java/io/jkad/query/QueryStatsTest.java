package io.jkad.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class QueryStatsTest {

    private static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");

    @Test
    void mergeSumsTheCountersAndSpansBothPhases() {
        QueryStats first = new QueryStats(5, 3, 1, Optional.of(T0), Optional.of(T0.plusSeconds(4)));
        QueryStats second = new QueryStats(7, 2, 4, Optional.of(T0.plusSeconds(4)), Optional.of(T0.plusSeconds(9)));
        QueryStats expected = new QueryStats(12, 5, 5, Optional.of(T0), Optional.of(T0.plusSeconds(9)));
        assertThat(first.merge(second)).isEqualTo(expected);
        assertThat(second.merge(first)).isEqualTo(expected);
        assertThat(first.merge(second).duration(T0.plusSeconds(100))).contains(Duration.ofSeconds(9));
    }

    @Test
    void mergeKeepsWhicheverTimeIsPresent() {
        QueryStats running = new QueryStats(2, 1, 0, Optional.of(T0.plusSeconds(3)), Optional.empty());
        QueryStats notStarted = QueryStats.empty();
        assertThat(running.merge(notStarted)).isEqualTo(running);
        assertThat(notStarted.merge(running)).isEqualTo(running);
        assertThat(notStarted.merge(notStarted)).isEqualTo(QueryStats.empty());

        QueryStats ended = new QueryStats(1, 1, 0, Optional.of(T0), Optional.of(T0.plusSeconds(1)));
        QueryStats merged = running.merge(ended);
        assertThat(merged.start()).contains(T0);
        assertThat(merged.end()).contains(T0.plusSeconds(1));
        assertThat(merged.numPending()).isEqualTo(1);
    }

    @Test
    void durationRunsToNowUntilTheEnd() {
        QueryStats running = new QueryStats(2, 1, 0, Optional.of(T0), Optional.empty());
        assertThat(running.duration(T0.plusSeconds(5))).contains(Duration.ofSeconds(5));
        assertThat(QueryStats.empty().duration(T0)).isEmpty();
        assertThat(running.numPending()).isEqualTo(1);
    }
}
