package io.jkad.bench;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Latencies in microseconds, recorded from many threads without a lock: a log-linear histogram
 * of 32 buckets per power of two (values under 32 µs exact, others within about 3 %), from 1 µs
 * to over an hour. Enough for p50/p99 of {@link ServeLoad}'s requests, which a sorted array of
 * every sample would also give, at hundreds of thousands of samples a phase and a sort.
 */
final class LatencyHistogram {

    private static final int SUB = 32;
    private static final int SUB_BITS = 5;
    private final AtomicLongArray counts = new AtomicLongArray(40 * SUB);

    void recordNanos(long nanos) {
        counts.incrementAndGet(index(Math.max(0, nanos / 1000)));
    }

    static int index(long micros) {
        if (micros < SUB) {
            return (int) micros;
        }
        int exp = 63 - Long.numberOfLeadingZeros(micros);
        int i = (exp - SUB_BITS + 1) * SUB + (int) ((micros >> (exp - SUB_BITS)) & (SUB - 1));
        return Math.min(i, 40 * SUB - 1);
    }

    /** The middle of bucket {@code i}, µs. */
    static double value(int i) {
        if (i < SUB) {
            return i;
        }
        int exp = i / SUB + SUB_BITS - 1;
        long width = 1L << (exp - SUB_BITS);
        long lower = (long) (SUB + i % SUB) << (exp - SUB_BITS);
        return lower + (width - 1) / 2.0;
    }

    long count() {
        long n = 0;
        for (int i = 0; i < counts.length(); i++) {
            n += counts.get(i);
        }
        return n;
    }

    /** The {@code p}-quantile (0..1) in milliseconds; NaN when empty. */
    double percentileMs(double p) {
        long total = count();
        if (total == 0) {
            return Double.NaN;
        }
        long rank = Math.max(1, (long) Math.ceil(p * total));
        long seen = 0;
        for (int i = 0; i < counts.length(); i++) {
            seen += counts.get(i);
            if (seen >= rank) {
                return value(i) / 1000.0;
            }
        }
        return value(counts.length() - 1) / 1000.0;
    }
}
