package io.jkad.query;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;

/** Deadline arithmetic that saturates at {@link Instant#MAX} instead of throwing. */
final class Deadlines {

    private Deadlines() {}

    /** {@code deadline}, or {@code now} if the deadline has passed. */
    static Instant notBefore(Instant deadline, Instant now) {
        return deadline.isBefore(now) ? now : deadline;
    }

    /** The earlier of {@code a} (null: none) and {@code b}. */
    static Instant earlier(Instant a, Instant b) {
        return a == null || b.isBefore(a) ? b : a;
    }

    /** {@code now + timeout}, or {@link Instant#MAX} when that lies beyond it. */
    static Instant plus(Instant now, Duration timeout) {
        try {
            return now.plus(timeout);
        } catch (DateTimeException | ArithmeticException e) {
            return Instant.MAX;
        }
    }
}
