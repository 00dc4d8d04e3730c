package io.jkad.util;

import java.util.Arrays;

/**
 * Measurements of one kind (latencies, lookup rounds) and how many of them were successes, with
 * the summary figures every report of jkad prints: the median (the mean of the two middle values
 * when their count is even), nearest-rank percentiles and the mean. The simulator, the devnet and
 * the network benches all report through this class, so that their figures mean the same thing.
 *
 * <p>Not thread-safe: one thread adds, or the caller synchronizes.
 */
public final class Samples {
    private double[] values = new double[16];
    private int count;
    private int ok;
    private boolean sorted = true;

    /** Adds a successful measurement. */
    public void add(double value) {
        add(value, true);
    }

    /** Adds a measurement; {@code success} counts it toward {@link #ok()}. */
    public void add(double value, boolean success) {
        if (count == values.length) {
            values = Arrays.copyOf(values, count * 2);
        }
        sorted = sorted && (count == 0 || values[count - 1] <= value);
        values[count++] = value;
        if (success) {
            ok++;
        }
    }

    /** How many measurements were added. */
    public int count() {
        return count;
    }

    /** How many of them were successes. */
    public int ok() {
        return ok;
    }

    /** The fraction of the measurements that were successes; 1 when there are none (nothing failed). */
    public double successRate() {
        return count == 0 ? 1.0 : (double) ok / count;
    }

    /** The median, the mean of the two middle values for an even count; NaN when empty. */
    public double median() {
        if (count == 0) {
            return Double.NaN;
        }
        sort();
        return count % 2 == 1 ? values[count / 2] : (values[count / 2 - 1] + values[count / 2]) / 2;
    }

    /**
     * The {@code p} quantile (0 to 1) by nearest rank: the smallest value at least a fraction
     * {@code p} of the measurements do not exceed; NaN when empty.
     */
    public double percentile(double p) {
        if (p < 0 || p > 1) {
            throw new IllegalArgumentException("percentile must be in [0, 1]: " + p);
        }
        if (count == 0) {
            return Double.NaN;
        }
        sort();
        int index = (int) Math.ceil(p * count) - 1;
        return values[Math.max(0, Math.min(count - 1, index))];
    }

    /** The arithmetic mean; NaN when empty. */
    public double mean() {
        if (count == 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (int i = 0; i < count; i++) {
            sum += values[i];
        }
        return sum / count;
    }

    private void sort() {
        if (!sorted) {
            Arrays.sort(values, 0, count);
            sorted = true;
        }
    }
}
