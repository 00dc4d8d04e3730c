package io.jkad.store.jdbc;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * Keeps the store's callers (the node's logic thread above all) from waiting, call after call, on
 * a database that is gone. Closed, every call goes to the database; after {@code threshold}
 * consecutive failures of the unavailable kind (a connection that cannot be had, a statement that
 * timed out) the breaker opens: for {@code cooldown} calls are refused at once, without touching
 * the pool. Then it is half-open: one call, the probe, goes to the database while the others are
 * still refused; if the probe succeeds the breaker closes, if it fails it opens for another
 * cooldown. So while the database is away the callers wait at most one probe (bounded by the
 * acquire and statement timeouts) per cooldown, and the store recovers by itself within a cooldown
 * of the database coming back.
 *
 * <p>A call that reached the database counts as a success even when it failed (a refused limit, a
 * constraint, a key too long for the index): the database answered. Only availability failures
 * open the breaker, so no content a peer sends can open it.
 *
 * <p>Thread-safe; every admitted call must end with {@link #succeeded()} or {@link #failed}.
 */
final class CircuitBreaker {

    /** Where the breaker stands. */
    enum State {
        /** Calls go to the database. */
        CLOSED,
        /** Calls are refused until the cooldown ends. */
        OPEN,
        /** The cooldown has ended; one probe call is (or may be) in flight, the others are refused. */
        HALF_OPEN
    }

    private final int threshold;
    private final Duration cooldown;
    private final Clock clock;

    private State state = State.CLOSED;
    private int consecutiveFailures;
    private Instant openUntil;
    private boolean probing;
    private String lastFailure;
    private long refused;
    private long openings;

    /**
     * @param threshold consecutive availability failures that open the breaker (at least 1)
     * @param cooldown how long an open breaker refuses calls before it lets a probe through (positive)
     * @param clock the time source (a monotonic one in production: see {@link #monotonicClock()})
     */
    CircuitBreaker(int threshold, Duration cooldown, Clock clock) {
        if (threshold < 1) {
            throw new IllegalArgumentException("threshold must be >= 1: " + threshold);
        }
        if (cooldown.isNegative() || cooldown.isZero()) {
            throw new IllegalArgumentException("cooldown must be > 0: " + cooldown);
        }
        this.threshold = threshold;
        this.cooldown = cooldown;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Whether a call may go to the database now. Open: no, until the cooldown ends; then the first
     * caller gets the probe (true) and the breaker is half-open. Half-open: no while the probe is out.
     */
    synchronized boolean tryAcquire() {
        switch (state) {
            case CLOSED:
                return true;
            case OPEN:
                if (clock.instant().isBefore(openUntil)) {
                    refused++;
                    return false;
                }
                state = State.HALF_OPEN;
                probing = true;
                return true;
            case HALF_OPEN:
            default:
                if (probing) {
                    refused++;
                    return false;
                }
                probing = true;
                return true;
        }
    }

    /**
     * Whether a call would be refused now, without taking the probe: for work that only starts
     * later (an iterator that reads its first page when first asked).
     */
    synchronized boolean refusing() {
        return state == State.OPEN ? clock.instant().isBefore(openUntil) : state == State.HALF_OPEN && probing;
    }

    /** An admitted call reached the database: the breaker closes (a probe that succeeded) or stays closed. */
    synchronized void succeeded() {
        consecutiveFailures = 0;
        probing = false;
        state = State.CLOSED;
        openUntil = null;
    }

    /**
     * An admitted call failed because the database was unavailable ({@code description} says how):
     * counts towards the threshold, or opens the breaker again after a failed probe.
     *
     * @return true if this failure opened the breaker
     */
    synchronized boolean failed(String description) {
        lastFailure = description;
        consecutiveFailures++;
        boolean wasOpen = state != State.CLOSED;
        if (state == State.HALF_OPEN || consecutiveFailures >= threshold) {
            state = State.OPEN;
            probing = false;
            openUntil = clock.instant().plus(cooldown);
            if (!wasOpen) {
                openings++;
            }
            return !wasOpen;
        }
        return false;
    }

    synchronized State state() {
        return state;
    }

    /** Until when an open breaker refuses calls; null unless open. */
    synchronized Instant openUntil() {
        return state == State.OPEN ? openUntil : null;
    }

    /** The availability failures in a row (0 after a success). */
    synchronized int consecutiveFailures() {
        return consecutiveFailures;
    }

    /** How the last availability failure went; null if there was none. */
    synchronized String lastFailure() {
        return lastFailure;
    }

    /** How many calls were refused without going to the database. */
    synchronized long refused() {
        return refused;
    }

    /** How many times the breaker opened from closed. */
    synchronized long openings() {
        return openings;
    }

    int threshold() {
        return threshold;
    }

    Duration cooldown() {
        return cooldown;
    }

    @Override
    public synchronized String toString() {
        return "CircuitBreaker[" + state + ", " + consecutiveFailures + "/" + threshold + " failures, cooldown "
                + cooldown.toMillis() + " ms]";
    }

    /**
     * A clock on {@link System#nanoTime()}: it never jumps when the wall clock is set, so a
     * cooldown lasts what it says. Only differences between its instants mean anything.
     */
    static Clock monotonicClock() {
        return new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.EPOCH.plusNanos(System.nanoTime());
            }
        };
    }
}
