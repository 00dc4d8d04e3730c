package io.jkad.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link Clock} that stands still until a test moves it. Thread-safe; clocks made with
 * {@link #withZone} share the same time.
 *
 * <pre>{@code
 * ManualClock clock = new ManualClock();
 * Instant expiry = clock.instant().plusSeconds(10);
 * clock.advance(Duration.ofSeconds(10));   // clock.instant() is now expiry
 * }</pre>
 */
public final class ManualClock extends Clock {

    /**
     * Where a clock made with {@link #ManualClock()} starts: 2021-01-01T00:00:00.123456789Z (with
     * nanoseconds, so that a store that rounds instants is caught).
     */
    public static final Instant DEFAULT_START = Instant.parse("2021-01-01T00:00:00.123456789Z");

    private final AtomicReference<Instant> now;
    private final ZoneId zone;

    /** A clock at {@link #DEFAULT_START}, in UTC. */
    public ManualClock() {
        this(DEFAULT_START);
    }

    /** A clock at {@code start}, in UTC. */
    public ManualClock(Instant start) {
        this(new AtomicReference<>(Objects.requireNonNull(start, "start")), ZoneOffset.UTC);
    }

    private ManualClock(AtomicReference<Instant> now, ZoneId zone) {
        this.now = now;
        this.zone = zone;
    }

    /** The current instant of this clock (it changes only through {@link #advance} and {@link #set}). */
    @Override
    public Instant instant() {
        return now.get();
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    /** A clock in {@code zone} that shares this clock's time (advancing either moves both). */
    @Override
    public ManualClock withZone(ZoneId zone) {
        return new ManualClock(now, Objects.requireNonNull(zone, "zone"));
    }

    /**
     * Moves the clock forward by {@code duration}.
     *
     * @return the new instant
     * @throws IllegalArgumentException if {@code duration} is negative
     */
    public Instant advance(Duration duration) {
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative()) {
            throw new IllegalArgumentException("a manual clock only moves forward; use set(Instant) to go back: "
                    + duration);
        }
        return now.updateAndGet(t -> t.plus(duration));
    }

    /** Sets the clock to {@code instant}, forward or back. */
    public void set(Instant instant) {
        now.set(Objects.requireNonNull(instant, "instant"));
    }

    @Override
    public String toString() {
        return "ManualClock[" + now.get() + ", " + zone + "]";
    }
}
