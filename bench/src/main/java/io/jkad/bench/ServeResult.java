package io.jkad.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * What one phase of {@link ServeLoad} measured: answers, errors by kind, requests shed, latency
 * (HdrHistogram, recorded from every connection's IO thread), and the CPU the target and the load
 * generator used; {@link #json} is its row in the results file.
 */
final class ServeResult {
    final String type;
    final String mode;
    final double seconds;
    /** Microseconds, 3 significant digits; recorded from every connection's IO thread. */
    final ConcurrentHistogram latency = new ConcurrentHistogram(3);
    final LongAdder ok = new LongAdder();
    final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    final LongAdder shed = new LongAdder();
    double offeredRate = Double.NaN;
    long targetCpuMs;
    long loadCpuMs;

    ServeResult(String type, String mode, double seconds) {
        this.type = type;
        this.mode = mode;
        this.seconds = seconds;
    }

    void record(long nanos, String error) {
        if (error == null) {
            ok.increment();
            latency.recordValue(Math.max(0, nanos / 1000));
        } else {
            errors.computeIfAbsent(error, k -> new LongAdder()).increment();
        }
    }

    long errorCount() {
        return errors.values().stream().mapToLong(LongAdder::sum).sum();
    }

    double rate() {
        return ok.sum() / seconds;
    }

    Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        m.put("mode", mode);
        m.put("seconds", seconds);
        if (!Double.isNaN(offeredRate)) {
            m.put("offered_per_s", Math.round(offeredRate));
            m.put("shed", shed.sum());
        }
        m.put("ok", ok.sum());
        m.put("per_s", Math.round(rate()));
        m.put("p50_ms", round3(percentileMs(latency, 50)));
        m.put("p99_ms", round3(percentileMs(latency, 99)));
        m.put("errors", errorCount());
        Map<String, Long> kinds = new LinkedHashMap<>();
        errors.forEach((k, v) -> kinds.put(k, v.sum()));
        m.put("error_kinds", kinds);
        m.put("target_cpu_pct", Math.round(targetCpuMs / seconds / 10));
        // answers per second of the target's CPU time: what the target would serve on a core of its own
        m.put("per_target_cpu_s", targetCpuMs > 0 ? Math.round(ok.sum() * 1000.0 / targetCpuMs) : null);
        m.put("load_cpu_pct", Math.round(loadCpuMs / seconds / 10));
        return m;
    }

    /** The {@code percentile} (0..100) in milliseconds; NaN when nothing was recorded. */
    static double percentileMs(ConcurrentHistogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
    }

    static double round3(double v) {
        return Double.isNaN(v) ? v : Math.round(v * 1000) / 1000.0;
    }
}
