package io.jkad.net;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * A Yamux session's own keep-alive: a ping every interval while none is outstanding, and
 * {@code onTimeout} when one stays unanswered for the timeout. Answering the remote's pings is the
 * session's ({@link YamuxHandler}); this only sends ours and matches their acks. Runs on the
 * session's event loop.
 */
final class YamuxKeepAlive {

    private final EventExecutor executor;
    private final Duration interval;
    private final Duration timeout;
    /** Writes and flushes a ping SYN with the given opaque value. */
    private final LongConsumer sendPing;
    private final Runnable onTimeout;
    private int nextPingId = 1;
    /** The opaque value of the ping awaiting its ack, or -1. */
    private long outstanding = -1;
    private ScheduledFuture<?> repeatTask;
    private ScheduledFuture<?> timeoutTask;
    private boolean stopped;

    YamuxKeepAlive(EventExecutor executor, Duration interval, Duration timeout, LongConsumer sendPing,
                   Runnable onTimeout) {
        this.executor = executor;
        this.interval = interval;
        this.timeout = timeout;
        this.sendPing = sendPing;
        this.onTimeout = onTimeout;
    }

    /** Starts pinging (once; not at all if the interval is zero). */
    void start() {
        if (repeatTask != null || stopped || interval.isZero()) {
            return;
        }
        long nanos = interval.toNanos();
        repeatTask = executor.scheduleAtFixedRate(this::ping, nanos, nanos, TimeUnit.NANOSECONDS);
    }

    private void ping() {
        if (stopped || outstanding >= 0) {
            return;
        }
        outstanding = nextPingId & 0xFFFF_FFFFL;
        nextPingId++;
        sendPing.accept(outstanding);
        timeoutTask = executor.schedule(() -> {
            if (!stopped && outstanding >= 0) {
                onTimeout.run();
            }
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** A ping ack with {@code opaque} came; returns whether it answered our outstanding ping. */
    boolean onAck(long opaque) {
        if (opaque != outstanding) {
            return false;
        }
        outstanding = -1;
        if (timeoutTask != null) {
            timeoutTask.cancel(false);
            timeoutTask = null;
        }
        return true;
    }

    /** Stops for good: no more pings, no timeout. */
    void stop() {
        stopped = true;
        if (repeatTask != null) {
            repeatTask.cancel(false);
        }
        if (timeoutTask != null) {
            timeoutTask.cancel(false);
        }
    }
}
