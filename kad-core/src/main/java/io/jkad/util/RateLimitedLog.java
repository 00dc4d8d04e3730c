package io.jkad.util;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * At most one log line per interval per reason, with the count of the lines it held back. For
 * what a peer can make us log as often as it likes (refused handshakes, refused connections): a
 * line per event lets one peer fill the disk and spend our CPU on formatting, while one line per
 * reason every few seconds, saying how many more there were, keeps what the operator needs.
 *
 * <p>The first line of a reason is written at once; later ones only when the interval has passed
 * since the last written line of that reason, and then carry {@code (+N more in the last T s)}
 * where N counts the lines held back since. Held-back lines are not built (their message is a
 * {@link Supplier}). A count held back at the end of a burst is reported with the next line of its
 * reason. At most {@value #MAX_REASONS} reasons are tracked; reasons are meant to be a few
 * constants, and lines of further reasons are dropped and counted in {@link #dropped()}.
 * Thread-safe.
 */
public final class RateLimitedLog {

    /** The most reasons tracked. */
    public static final int MAX_REASONS = 256;

    private final long intervalNanos;
    private final LongSupplier nanoTime;
    private final Consumer<String> sink;
    private final Map<String, State> reasons = new ConcurrentHashMap<>();
    private volatile long dropped;

    private static final class State {
        boolean written;
        long lastWritten;
        long suppressed;
    }

    /**
     * @param interval the least time between two lines of one reason
     * @param sink where written lines go (for instance {@code LOG::info})
     */
    public RateLimitedLog(Duration interval, Consumer<String> sink) {
        this(interval, System::nanoTime, sink);
    }

    /** With a clock of its own (tests). */
    public RateLimitedLog(Duration interval, LongSupplier nanoTime, Consumer<String> sink) {
        Objects.requireNonNull(interval, "interval");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be > 0: " + interval);
        }
        this.intervalNanos = interval.toNanos();
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    /**
     * Logs {@code message} under {@code reason} unless a line of that reason was written less
     * than the interval ago.
     *
     * @return whether the line was written
     */
    public boolean log(String reason, Supplier<String> message) {
        Objects.requireNonNull(reason, "reason");
        State state = reasons.get(reason);
        if (state == null) {
            if (reasons.size() >= MAX_REASONS) {
                synchronized (this) {
                    dropped++;
                }
                return false;
            }
            state = reasons.computeIfAbsent(reason, r -> new State());
        }
        long now = nanoTime.getAsLong();
        long held;
        long since;
        synchronized (state) {
            if (state.written && now - state.lastWritten < intervalNanos) {
                state.suppressed++;
                return false;
            }
            held = state.suppressed;
            since = now - state.lastWritten;
            state.suppressed = 0;
            state.written = true;
            state.lastWritten = now;
        }
        String line = message.get();
        if (held > 0) {
            line += " (+" + held + " more in the last " + Math.max(1, Math.round(since / 1e9)) + " s)";
        }
        sink.accept(line);
        return true;
    }

    /** Lines dropped because {@value #MAX_REASONS} other reasons were tracked already. */
    public long dropped() {
        return dropped;
    }
}
