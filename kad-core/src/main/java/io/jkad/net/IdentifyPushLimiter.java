package io.jkad.net;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many Identify pushes of one connection are processed: a token bucket of {@link #BURST}
 * pushes refilled at one per {@link #INTERVAL_NANOS}. A push beyond it is dropped (the peer's
 * previous Identify stays in force); drops are logged at debug level, at most once per
 * {@link #LOG_INTERVAL_NANOS} with their count. An honest peer pushes when its addresses or
 * protocols change, a few times per connection; issue 11's 60 pushes of 7,400 addresses in a row
 * are cut to a few. Thread-safe.
 */
final class IdentifyPushLimiter {

    /** Pushes taken in a row: a peer that registers a few protocols at start pushes a few times. */
    static final int BURST = 3;
    /** One more push allowed per second. */
    static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private static final Logger LOG = LoggerFactory.getLogger(IdentifyPushLimiter.class);

    private final LongSupplier nanoTime;
    private double tokens = BURST;
    private long refilledAt;
    private long dropped;
    private long loggedAt;
    private boolean loggedOnce;

    IdentifyPushLimiter() {
        this(System::nanoTime);
    }

    IdentifyPushLimiter(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.refilledAt = nanoTime.getAsLong();
    }

    /** Whether a push from {@code remote} that just arrived is processed; false: drop it. */
    synchronized boolean tryAcquire(Object remote) {
        long now = nanoTime.getAsLong();
        tokens = Math.min(BURST, tokens + (double) (now - refilledAt) / INTERVAL_NANOS);
        refilledAt = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        dropped++;
        if (!loggedOnce || now - loggedAt >= LOG_INTERVAL_NANOS) {
            LOG.debug("dropping identify pushes from {}: more than one per second ({} dropped so far)", remote, dropped);
            loggedOnce = true;
            loggedAt = now;
        }
        return false;
    }

    /** Pushes dropped so far. */
    synchronized long dropped() {
        return dropped;
    }
}
