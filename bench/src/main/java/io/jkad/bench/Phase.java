package io.jkad.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One phase of {@link FloodBench}: the honest operations and what the target's process did
 * meanwhile (peak RSS from {@code VmHWM}, reset at the start of the phase; the largest sampled
 * {@code VmRSS} and thread count).
 *
 * @param ops               every honest operation of the phase
 * @param peakRssKb         {@code VmHWM} at the end, KiB (-1: the process is gone)
 * @param maxSampledRssKb   the largest {@code VmRSS} sampled every 200 ms, KiB
 * @param maxThreads        the most threads sampled
 * @param targetDiedAfterMs when the target was first seen dead, -1 if never
 * @param targetCpuPct      the target's CPU use over the phase, % of one core (the machine is shared: see the bench's)
 * @param benchCpuPct       this JVM's (the honest nodes; the attackers and proxies too unless they run in their own), % of one core
 */
record Phase(String name, List<Op> ops, long peakRssKb, long maxSampledRssKb, long maxThreads, Duration length,
             long targetDiedAfterMs, long targetCpuPct, long benchCpuPct) {

    /** One honest operation: a lookup or a get, whether it succeeded, how long it took. */
    record Op(boolean lookup, boolean ok, long nanos) {}

    /**
     * The {@code p} quantile (0 to 1, nearest rank) of the latencies in ms, over all operations
     * (what an honest peer waits, failures included) or the successful ones only; NaN if none.
     */
    double percentileMs(double p, boolean okOnly) {
        long[] ns = ops.stream().filter(o -> !okOnly || o.ok()).mapToLong(Op::nanos).sorted().toArray();
        if (ns.length == 0) {
            return Double.NaN;
        }
        int i = Math.max(0, Math.min(ns.length - 1, (int) Math.ceil(p * ns.length) - 1));
        return Math.round(ns[i] / 10_000.0) / 100.0;
    }

    double successPct() {
        return ops.isEmpty() ? 0 : Math.round(1000.0 * ops.stream().filter(Op::ok).count() / ops.size()) / 10.0;
    }

    private long count(boolean lookup, boolean okOnly) {
        return ops.stream().filter(o -> o.lookup() == lookup && (!okOnly || o.ok())).count();
    }

    Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("phase", name);
        m.put("ops", ops.size());
        m.put("ops_per_s", Math.round(10.0 * ops.size() / Math.max(1, length.toSeconds())) / 10.0);
        m.put("success_pct", successPct());
        m.put("p50_ms", percentileMs(0.50, false));
        m.put("p95_ms", percentileMs(0.95, false));
        m.put("p99_ms", percentileMs(0.99, false));
        m.put("max_ms", percentileMs(1.0, false));
        m.put("ok_p50_ms", percentileMs(0.50, true));
        m.put("ok_p95_ms", percentileMs(0.95, true));
        m.put("lookups", count(true, false));
        m.put("lookups_ok", count(true, true));
        m.put("gets", count(false, false));
        m.put("gets_ok", count(false, true));
        m.put("peak_rss_mib", peakRssKb < 0 ? null : peakRssKb / 1024);
        m.put("max_sampled_rss_mib", maxSampledRssKb <= 0 ? null : maxSampledRssKb / 1024);
        m.put("max_threads", maxThreads <= 0 ? null : maxThreads);
        m.put("target_cpu_pct", targetCpuPct);
        m.put("bench_jvm_cpu_pct", benchCpuPct);
        m.put("target_died_after_ms", targetDiedAfterMs < 0 ? null : targetDiedAfterMs);
        return m;
    }

    /** The larger of the two RSS measures, MiB (-1 if neither). */
    long peakRssMib() {
        return Math.max(peakRssKb, maxSampledRssKb) / 1024;
    }
}
