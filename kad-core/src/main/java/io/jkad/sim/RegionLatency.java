package io.jkad.sim;

import java.time.Duration;
import java.util.Objects;
import java.util.Random;

/**
 * A latency model with a long tail for a {@link SimNetwork}'s links: every node sits in one of
 * several regions (chosen from the seed and the node's index, so the same seed places the same
 * nodes in the same regions without drawing from the simulation's random source), a message
 * between two regions takes the matrix's one-way base latency, plus a heavy-tailed jitter drawn
 * from a Lomax (Pareto type II) distribution: {@code scale * (u^(-1/shape) - 1)}, capped at
 * {@code maxJitter}. With the {@link #DEFAULT} (scale 10 ms, shape 1.3) the median jitter is
 * 7 ms, one message in 23 is delayed by more than 100 ms and one in 170 by more than 500 ms, so
 * that which peer a lookup asks, and whether it waits for a slow one, matters.
 *
 * @param oneWayMillis the base one-way latency between regions, a square symmetric matrix
 * @param jitterScaleMillis the Lomax scale
 * @param jitterShape the Lomax shape (smaller: heavier tail)
 * @param maxJitter the largest jitter
 */
public record RegionLatency(long[][] oneWayMillis, double jitterScaleMillis, double jitterShape, Duration maxJitter) {

    /**
     * Six regions, about us-east, us-west, eu-west, ap-southeast, ap-northeast and sa-east, with
     * one-way latencies of half the round trips between cloud regions.
     */
    public static final RegionLatency DEFAULT = new RegionLatency(new long[][] {
            {2, 33, 38, 108, 75, 58},
            {33, 2, 70, 85, 53, 88},
            {38, 70, 2, 80, 110, 93},
            {108, 85, 80, 2, 35, 163},
            {75, 53, 110, 35, 2, 128},
            {58, 88, 93, 163, 128, 2}}, 10.0, 1.3, Duration.ofSeconds(5));

    public RegionLatency {
        Objects.requireNonNull(oneWayMillis, "oneWayMillis");
        Objects.requireNonNull(maxJitter, "maxJitter");
        int n = oneWayMillis.length;
        if (n == 0) {
            throw new IllegalArgumentException("at least one region");
        }
        long[][] copy = new long[n][];
        for (int i = 0; i < n; i++) {
            if (oneWayMillis[i].length != n) {
                throw new IllegalArgumentException("the latency matrix must be square");
            }
            copy[i] = oneWayMillis[i].clone();
            for (int j = 0; j < n; j++) {
                if (oneWayMillis[i][j] < 0) {
                    throw new IllegalArgumentException("latencies must be >= 0");
                }
            }
        }
        oneWayMillis = copy;
        if (!(jitterScaleMillis >= 0) || !(jitterShape > 0)) {
            throw new IllegalArgumentException("jitter scale must be >= 0 and shape > 0");
        }
        if (maxJitter.isNegative()) {
            throw new IllegalArgumentException("max jitter must be >= 0");
        }
    }

    /** A copy of the matrix. */
    @Override
    public long[][] oneWayMillis() {
        long[][] copy = new long[oneWayMillis.length][];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = oneWayMillis[i].clone();
        }
        return copy;
    }

    public int regions() {
        return oneWayMillis.length;
    }

    /** The region of the node with {@code index} in a network of {@code seed}: a hash of both. */
    public int region(long seed, int index) {
        long z = seed * 0x9E3779B97F4A7C15L + index + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (int) Math.floorMod(z, (long) regions());
    }

    /** The one-way latency of a message from region {@code a} to {@code b}: one draw from {@code random}. */
    public Duration latency(int a, int b, Random random) {
        double u = 1.0 - random.nextDouble(); // (0, 1]
        double jitterMs = jitterScaleMillis * (Math.pow(u, -1.0 / jitterShape) - 1.0);
        long jitter = Math.min(maxJitter.toNanos(), (long) (jitterMs * 1_000_000));
        return Duration.ofMillis(oneWayMillis[a][b]).plusNanos(jitter);
    }
}
