package io.jkad.bench;

import com.google.gson.Gson;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@link FloodBench}'s verdict on issue 11's aims and its Markdown write-up. */
final class FloodReport {

    /** How far the flood's success may fall below the quiet one and still count as unchanged, in points. */
    static final double SUCCESS_TOLERANCE_PCT = 1.0;

    private FloodReport() {}

    /**
     * Issue 11's aims: honest p95 under the flood at most twice the quiet one; success unchanged
     * (within {@value #SUCCESS_TOLERANCE_PCT} point); the node's peak RSS in either phase under the budget.
     */
    static Map<String, Object> aims(Phase quiet, Phase flooded, long rssBudgetMib) {
        Map<String, Object> m = new LinkedHashMap<>();
        double qp95 = quiet.percentileMs(0.95, false);
        double fp95 = flooded.percentileMs(0.95, false);
        double ratio = Math.round(100 * fp95 / qp95) / 100.0;
        m.put("p95_ratio", ratio);
        m.put("p95_within_2x", ratio <= 2.0);
        m.put("success_change_pct", Math.round(10 * (flooded.successPct() - quiet.successPct())) / 10.0);
        m.put("success_unchanged", flooded.successPct() >= quiet.successPct() - SUCCESS_TOLERANCE_PCT);
        long peak = Math.max(quiet.peakRssMib(), flooded.peakRssMib());
        m.put("peak_rss_mib", peak);
        m.put("rss_budget_mib", rssBudgetMib);
        m.put("rss_under_budget", peak >= 0 && peak < rssBudgetMib && flooded.targetDiedAfterMs() < 0);
        return m;
    }

    @SuppressWarnings("unchecked")
    static String markdown(Map<String, Object> r) {
        Map<String, Object> q = (Map<String, Object>) r.get("quiet");
        Map<String, Object> f = (Map<String, Object>) r.get("flooded");
        Map<String, Object> aims = (Map<String, Object>) r.get("aims");
        FloodAttack.Sizes s = (FloodAttack.Sizes) r.get("flood_sizes");
        StringBuilder b = new StringBuilder();
        b.append("# Flood benchmark, ").append(r.get("date")).append("\n\n");
        b.append("One `kad run` (memory store, -Xmx").append(r.get("heap")).append(", --max-memory ")
                .append(r.get("max_memory")).append("; ").append(r.get("cores")).append(" cores, Java ")
                .append(r.get("java")).append(", load average ").append(r.get("load_average_at_start"))
                .append(" at the start, ").append(r.get("load_average_at_end")).append(" at the end); ")
                .append(r.get("honest_nodes")).append(" honest jkad nodes on 127.0.0.1, each one operation every ")
                .append(r.get("honest_interval_ms")).append(" ms (lookups and gets alternately), ")
                .append(r.get("phase_s")).append(" s per phase after a ").append(r.get("warmup_s"))
                .append(" s warm-up.\n\nFlood, from other loopback addresses: ").append(s.preAuth())
                .append(" stalled pre-handshake connections from ").append(s.preAuthIps())
                .append(" addresses of 127.0.1.0/24 and 127.0.3.0/24; ").append(s.abusersPerKind() * 4)
                .append(" abusers on addresses of 127.0.2.0/24 that pass admission, ").append(s.abusersPerKind())
                .append(" of each kind: ").append(s.requestStreams()).append(" FIND_NODE/GET_VALUE loops; ")
                .append(s.pingStreams()).append(" ping streams whose echoes are never read; Yamux pings in bulk, "
                        + "socket never read; ").append(s.frameStreams())
                .append(" Kademlia frames of 4 MiB (over the request limit) and 60 KiB, one byte short.\n\n");
        b.append("| phase | honest ops | ops/s | success | p50 ms | p95 ms | p99 ms | max ms | lookups ok | gets ok"
                + " | peak RSS (VmHWM) MiB | max sampled RSS MiB | max threads | target CPU % | bench JVM CPU %"
                + " | target died after ms |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Map<String, Object> p : List.of(q, f)) {
            b.append("| ").append(p.get("phase")).append(" | ").append(p.get("ops")).append(" | ")
                    .append(p.get("ops_per_s")).append(" | ").append(p.get("success_pct")).append(" % | ")
                    .append(p.get("p50_ms")).append(" | ").append(p.get("p95_ms")).append(" | ")
                    .append(p.get("p99_ms")).append(" | ").append(p.get("max_ms")).append(" | ")
                    .append(p.get("lookups_ok")).append('/').append(p.get("lookups")).append(" | ")
                    .append(p.get("gets_ok")).append('/').append(p.get("gets")).append(" | ")
                    .append(p.get("peak_rss_mib")).append(" | ").append(p.get("max_sampled_rss_mib")).append(" | ")
                    .append(p.get("max_threads")).append(" | ").append(p.get("target_cpu_pct")).append(" | ")
                    .append(p.get("bench_jvm_cpu_pct")).append(" | ")
                    .append(p.get("target_died_after_ms") == null ? "-" : p.get("target_died_after_ms")).append(" |\n");
        }
        b.append("\nAims (issue 11): honest p95 flooded / quiet = ").append(aims.get("p95_ratio"))
                .append(aims.get("p95_within_2x").equals(true) ? " (met: ≤ 2)" : " (**missed**: > 2)")
                .append("; success change ").append(aims.get("success_change_pct")).append(" points")
                .append(aims.get("success_unchanged").equals(true) ? " (met)" : " (**missed**)")
                .append("; peak RSS ").append(aims.get("peak_rss_mib")).append(" MiB against a budget of ")
                .append(aims.get("rss_budget_mib")).append(" MiB (heap + --max-memory + JVM allowance)")
                .append(aims.get("rss_under_budget").equals(true) ? " (met)" : " (**missed**)").append(".\n");
        b.append("\nTarget alive after the flood: ").append(r.get("target_alive_after"));
        if (r.containsKey("target_exit_code")) {
            b.append(" (exit code ").append(r.get("target_exit_code")).append(": ").append(r.get("target_exit_reason"))
                    .append(')');
        } else {
            b.append("; threads at the start ").append(r.get("target_threads_at_start")).append(", 2 s after the flood ")
                    .append(r.get("target_threads_after"));
        }
        b.append(".\n\nFlood counters: ").append(new Gson().toJson(r.get("flood"))).append("\n");
        return b.toString();
    }
}
