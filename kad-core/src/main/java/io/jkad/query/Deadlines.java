package io.jkad.query;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;

/** Deadline arithmetic that saturates at {@link Instant#MAX} instead of throwing. */
final class Deadlines {

    private Deadlines() {}

    /** {@code now + timeout}, or {@link Instant#MAX} when that lies beyond it. */
    static Instant plus(Instant now, Duration timeout) {
        try {
            return now.plus(timeout);
        } catch (DateTimeException | ArithmeticException e) {
            return Instant.MAX;
        }
    }
}
