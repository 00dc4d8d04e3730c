package io.jkad.bench;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * One benchmark thread's choice of records: a xorshift generator (its own seed per thread), and a
 * counter that makes every write's expiry new (so that a store moves the record's expiry index
 * entry, as a republish does).
 */
@State(Scope.Thread)
public class BenchCursor {

    private static final AtomicLong THREADS = new AtomicLong();

    private final long thread = THREADS.incrementAndGet();
    private long x = 0x9E3779B97F4A7C15L * thread;
    private long writes = thread << 40;

    /** A uniform index in {@code [0, n)}. */
    int next(int n) {
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        return (int) (((x >>> 32) * n) >>> 32);
    }

    /** An expiry no write of this thread has used: {@link BenchData#FAR} plus a few nanoseconds. */
    Instant nextExpiry() {
        return BenchData.FAR.plusNanos(++writes);
    }
}
