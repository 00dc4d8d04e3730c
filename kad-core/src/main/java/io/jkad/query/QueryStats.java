package io.jkad.query;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Execution statistics of a query: requests sent, successful and failed responses, and when it
 * started (first polled) and ended.
 */
public record QueryStats(int requests, int success, int failure, Optional<Instant> start, Optional<Instant> end) {

    public static QueryStats empty() {
        return new QueryStats(0, 0, 0, Optional.empty(), Optional.empty());
    }

    /** The requests still waiting for an answer (or a timeout). */
    public int numPending() {
        return requests - (success + failure);
    }

    /** From start to end (or to {@code now} while running); empty before the start. */
    public Optional<Duration> duration(Instant now) {
        return start.map(s -> Duration.between(s, end.orElse(now)));
    }

    /**
     * The statistics of two phases of one query: counters summed, the earlier start and the
     * later end.
     */
    public QueryStats merge(QueryStats other) {
        throw new UnsupportedOperationException("not implemented");
    }
}
