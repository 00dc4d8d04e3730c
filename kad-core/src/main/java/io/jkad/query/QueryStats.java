package io.jkad.query;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Execution statistics of a query: requests sent, successful and failed responses, and when it
 * started (first polled) and ended.
 */
public record QueryStats(int requests, int success, int failure, Optional<Instant> start, Optional<Instant> end) {

    /** @throws NullPointerException if {@code start} or {@code end} is null (use {@code Optional.empty()}) */
    public QueryStats {
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
    }

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
        Objects.requireNonNull(other, "other");
        return new QueryStats(
                requests + other.requests,
                success + other.success,
                failure + other.failure,
                pick(start, other.start, true),
                pick(end, other.end, false));
    }

    /** The earlier (or later) of two optional instants; whichever is present if only one is. */
    private static Optional<Instant> pick(Optional<Instant> a, Optional<Instant> b, boolean earlier) {
        if (a.isEmpty()) {
            return b;
        }
        if (b.isEmpty()) {
            return a;
        }
        boolean aFirst = !a.get().isAfter(b.get());
        return aFirst == earlier ? a : b;
    }
}
