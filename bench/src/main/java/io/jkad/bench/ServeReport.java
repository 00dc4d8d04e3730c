package io.jkad.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Markdown page of a {@link ServeBench} run, from its JSON report: the closed-loop peaks and
 * the open-loop latencies per target and request type, the ratios of each jkad target to js and
 * go, issue 15's serving aims, and the limits the bench raised on each target.
 */
final class ServeReport {

    private ServeReport() {}

    @SuppressWarnings("unchecked")
    static String markdown(Map<String, Object> report) {
        List<Map<String, Object>> targets = (List<Map<String, Object>>) report.get("targets");
        Map<String, Object> settings = (Map<String, Object>) report.get("settings");
        boolean ownPeak = "own_peak".equals(report.get("open_rate_jkad"));
        StringBuilder md = new StringBuilder();
        md.append("# Serving benchmark, ").append(report.get("date")).append("\n\n");
        md.append("Command: `").append(report.get("command")).append("` (from the repository root).\n\n");
        md.append("Machine: CPUs ").append(report.get("cores")).append(" (load average ")
                .append(report.get("load_average_at_start")).append(" at the start, ")
                .append(report.get("load_average_at_end")).append(" at the end); Java ").append(report.get("java"))
                .append(" (kad run targets: ").append(report.getOrDefault("target_java", "the same")).append(")")
                .append(". Each target is one process pinned to CPU ").append(report.get("target_cpus"))
                .append(" (`taskset`), the load generator one JVM pinned to CPU 1 (`bench/run-serve-bench.sh`")
                .append(report.containsKey("load_java_options") ? "; its JVM options: `" + report.get("load_java_options") + "`" : "")
                .append("). The targets run one after another in the same run, under the same load.\n\n");
        md.append("Load: ").append(settings.get("connections")).append(" connections, each its own peer id (Noise, "
                + "Yamux), every request on a stream of its own (`/ipfs/kad/1.0.0`, one length-prefixed message, "
                + "the answer read and checked). Before measuring, ").append(settings.get("records"))
                .append(" records (").append(settings.get("value_bytes")).append("-byte values, `/jkad/` keys) and ")
                .append(settings.get("provider_keys")).append(" provider keys are stored with PUT_VALUE/ADD_PROVIDER and "
                        + "every one read back; ").append(settings.get("fillers")).append(" jkad nodes join through the "
                        + "target so that its answers carry closer peers. Warm-up ").append(settings.get("warmup_s"))
                .append(" s (every type, not counted). Per type: **closed loop** (")
                .append(settings.get("connections")).append(" x ").append(settings.get("depth"))
                .append(" requests outstanding: the peak) for ").append(settings.get("phase_s"))
                .append(" s, then an **open loop** at ").append(settings.get("open_fraction"))
                .append(" of the peak of that type: ").append(ownPeak ? "a jkad target's own, for go and js " : "")
                .append(report.get("open_rate_reference"))
                .append("'s (latency counted from when a request was due; a request due while "
                        + "connections x depth are out is shed) for ")
                .append(settings.getOrDefault("open_phase_s", settings.get("phase_s")))
                .append(" s, each after ").append(settings.get("lead_s")).append(" s not counted. GET_VALUE must return "
                        + "the stored value, GET_PROVIDERS the peer that provided the key, ADD_PROVIDER (a connection "
                        + "re-announcing a key it provided in the prefill, as a reprovide does) end with the "
                        + "target closing the stream: anything else is an error. jkad's store holds at most 1024 "
                        + "records and 1024 provided keys by default (the reference's limits, not raised), hence the "
                        + "prefill's size and the re-announcements.\n\n");

        md.append("## Peak (closed loop)\n\n");
        md.append("| target | request | answers/s | p50 ms | p99 ms | errors | target CPU % | answers per target CPU-s "
                + "| load CPU % |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Map<String, Object> t : targets) {
            for (Map<String, Object> r : phases(t, "closed")) {
                md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", t.get("target"),
                        n(r.get("type")), n(r.get("per_s")), n(r.get("p50_ms")), n(r.get("p99_ms")), errors(r),
                        n(r.get("target_cpu_pct")), n(r.get("per_target_cpu_s")), n(r.get("load_cpu_pct"))));
            }
            if (t.containsKey("failed")) {
                md.append("| ").append(t.get("target")).append(" | failed: ").append(t.get("failed"))
                        .append(" | | | | | | | |\n");
            }
        }
        md.append("\n## At a fixed rate (open loop, ").append(settings.get("open_fraction"))
                .append(ownPeak ? " of a jkad target's own peak; go and js at " : " of ")
                .append(report.get("open_rate_reference")).append(ownPeak ? "'s)\n\n" : "'s peak)\n\n");
        md.append("| target | request | offered/s | answers/s | p50 ms | p99 ms | errors | shed | target CPU % | load CPU % |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Map<String, Object> t : targets) {
            for (Map<String, Object> r : phases(t, "open")) {
                md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                        t.get("target"), n(r.get("type")), n(r.get("offered_per_s")), n(r.get("per_s")), n(r.get("p50_ms")),
                        n(r.get("p99_ms")), errors(r), n(r.get("shed")), n(r.get("target_cpu_pct")), n(r.get("load_cpu_pct"))));
            }
        }

        List<String> jkads = new ArrayList<>();
        Map<String, Map<String, Double>> peaks = new LinkedHashMap<>();
        Map<String, Map<String, Double>> perCpu = new LinkedHashMap<>();
        for (Map<String, Object> t : targets) {
            Map<String, Double> p = new LinkedHashMap<>();
            Map<String, Double> c = new LinkedHashMap<>();
            for (Map<String, Object> r : phases(t, "closed")) {
                p.put((String) r.get("type"), ((Number) r.get("per_s")).doubleValue());
                if (r.get("per_target_cpu_s") instanceof Number n) {
                    c.put((String) r.get("type"), n.doubleValue());
                }
            }
            String name = (String) t.get("target");
            peaks.put(name, p);
            perCpu.put(name, c);
            if (name.startsWith("jkad")) {
                jkads.add(name);
            }
        }
        String js = "js-libp2p";
        String go = "go-libp2p-kad-dht";
        md.append("\n## Ratios of peak answers/s\n\n");
        ratios(md, jkads, peaks, js, go);
        md.append("\n## Ratios of answers per second of target CPU\n\n"
                + "A target's process does not always get or use its whole CPU (see target CPU % above; other work "
                + "on the machine takes some, a single-threaded target cannot use more than one core); answers per "
                + "CPU-second of the target take that out.\n\n");
        ratios(md, jkads, perCpu, js, go);

        md.append("\n## Issue 15's serving aims\n\n");
        for (String j : jkads) {
            List<String> notJs = new ArrayList<>();
            List<String> notGo = new ArrayList<>();
            List<String> slow = new ArrayList<>();
            for (ServeLoad.Type type : ServeLoad.Type.values()) {
                double rj = rate(peaks, j, type.key());
                double rjs = rate(peaks, js, type.key());
                double rgo = rate(peaks, go, type.key());
                if (!(rj >= 5 * rjs)) {
                    notJs.add(type.key());
                }
                if (!(rj > rgo)) {
                    notGo.add(type.key());
                }
            }
            for (Map<String, Object> t : targets) {
                if (j.equals(t.get("target"))) {
                    for (Map<String, Object> r : phases(t, "open")) {
                        double p99 = ((Number) r.get("p99_ms")).doubleValue();
                        if (!(p99 < 10) || ((Number) r.get("errors")).longValue() > 0) {
                            slow.add(r.get("type") + " (" + r.get("p99_ms") + " ms)");
                        }
                    }
                }
            }
            md.append("- ").append(j).append(": >= 5x js's answers/s: ")
                    .append(peaks.containsKey(js) ? verdict(notJs) : "not measured (no js target in this run)")
                    .append("; more than go's: ")
                    .append(peaks.containsKey(go) ? verdict(notGo) : "not measured (no go target in this run)")
                    .append("; p99 under 10 ms (no errors) at the open-loop rate: ").append(verdict(slow)).append("\n");
        }

        md.append("\n## Limits raised, per target\n\n");
        for (Map<String, Object> t : targets) {
            md.append("- **").append(t.get("target")).append("**: ");
            Object limits = t.get("limits_raised");
            md.append(limits instanceof List<?> l ? String.join("; ", l.stream().map(String::valueOf).toList()) : "?");
            md.append(". FIND_NODE answers carried ").append(t.get("find_node_closer_peers")).append(" closer peers");
            Object resets = t.get("add_provider_ended_by_reset");
            if (resets instanceof Number n && n.longValue() > 0) {
                md.append("; ").append(n).append(" ADD_PROVIDERs ended by a reset, js's way of ending a stream after a "
                        + "request without answer (ServeLoad#resetEndsAddProvider), counted as done");
            }
            md.append(".\n");
        }
        md.append("- **load generator**: jkad `Host`s (one IO thread each), no limits of its own but "
                + "`--depth` per connection (at most 16, under js's 32 inbound Kademlia streams per connection).\n");
        return md.toString();
    }

    /**
     * Writes the page again from a run's JSON: {@code ServeReport <json> <md>}.
     */
    public static void main(String[] args) throws java.io.IOException {
        java.nio.file.Path json = java.nio.file.Path.of(args[0]);
        @SuppressWarnings("unchecked")
        Map<String, Object> report = new com.google.gson.Gson().fromJson(java.nio.file.Files.readString(json), Map.class);
        java.nio.file.Files.writeString(java.nio.file.Path.of(args[1]), markdown(report));
    }

    private static void ratios(StringBuilder md, List<String> jkads, Map<String, Map<String, Double>> peaks, String js,
                               String go) {
        md.append("| request |");
        for (String j : jkads) {
            md.append(" ").append(j).append(" / js | ").append(j).append(" / go |");
        }
        md.append("\n|---|");
        md.append("---:|---:|".repeat(jkads.size()));
        md.append("\n");
        for (ServeLoad.Type type : ServeLoad.Type.values()) {
            md.append("| ").append(type.key()).append(" |");
            for (String j : jkads) {
                md.append(" ").append(ratio(peaks, j, js, type.key())).append(" | ")
                        .append(ratio(peaks, j, go, type.key())).append(" |");
            }
            md.append("\n");
        }
    }

    /** A number as the JSON had it: whole ones without ".0" (Gson reads every number as a double). */
    private static Object n(Object v) {
        return v instanceof Double d && d == Math.rint(d) && !d.isInfinite() ? (Object) d.longValue() : v;
    }

    private static String verdict(List<String> failing) {
        return failing.isEmpty() ? "**met** for every type" : "**not met** for " + String.join(", ", failing);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> phases(Map<String, Object> target, String mode) {
        Object p = target.get(mode);
        return p instanceof List<?> l ? (List<Map<String, Object>>) l : List.of();
    }

    private static String errors(Map<String, Object> r) {
        Object kinds = r.get("error_kinds");
        long count = ((Number) r.get("errors")).longValue();
        return count == 0 ? "0" : count + " " + kinds;
    }

    private static double rate(Map<String, Map<String, Double>> peaks, String target, String type) {
        Map<String, Double> p = peaks.get(target);
        return p == null || !p.containsKey(type) ? Double.NaN : p.get(type);
    }

    private static String ratio(Map<String, Map<String, Double>> peaks, String a, String b, String type) {
        double x = rate(peaks, a, type);
        double y = rate(peaks, b, type);
        return Double.isNaN(x) || Double.isNaN(y) || y == 0 ? "n/a" : String.format(Locale.ROOT, "%.2f", x / y);
    }
}
