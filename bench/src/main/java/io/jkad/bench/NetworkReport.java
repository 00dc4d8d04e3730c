package io.jkad.bench;

import com.google.gson.GsonBuilder;
import io.jkad.bench.NetworkBench.Row;
import io.jkad.util.Samples;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The network benchmark's output: the Markdown table and the JSON line of {@link NetworkBench}'s rows. */
final class NetworkReport {

    private NetworkReport() {}

    private static String ratio(double jkad, double js) {
        if (Double.isNaN(jkad) || Double.isNaN(js) || js == 0) {
            return "–";
        }
        return String.format(Locale.ROOT, "%.2f", jkad / js);
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.1f", v);
    }

    static String table(List<Row> rows, int nodes, int ops, long seed, int putQuorum, int getQuorum) {
        List<Row> others = rows.stream().filter(r -> !r.isJkad()).toList();
        List<Row> ours = rows.stream().filter(Row::isJkad).toList();
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "# Network benchmark, %s%n%n", ZonedDateTime.now(ZoneOffset.UTC)
                .withNano(0)));
        b.append(String.format(Locale.ROOT, "%d nodes of each kind, each network on its own on loopback: %s "
                + "(interop/js, interop/go, interop/rust: each kind's nodes in one process of theirs), then "
                + "jkad (one JVM, memory store). Start-up: nodes "
                + "started, then joined in batches of 8, each through an earlier node, followed by a lookup of its "
                + "own id (the other kinds' start-up includes starting their process; jkad's JVM was running "
                + "already). "
                + "Then %d operations from random nodes, one at a time: put, get (from another node), provide, "
                + "find providers (from another node); seed %d. Each kind uses its own notion of done, as its "
                + "library's put, get, provide and find-providers calls define it (interop/KIND/README.md); row `jkad` "
                + "uses `kad devnet`'s quorums (put %d, get %d: its own copy and one more), row `jkad, all "
                + "copies` js's (put %d: every other node; get %d: every copy). Find providers runs the whole "
                + "lookup everywhere. The two jkad networks run one after the other in one JVM: the first "
                + "pays its warm-up (class loading, JIT). The js nodes share one node process, so one thread; "
                + "go and rust use every core, as the jkad nodes do. %d cores, Java %s, node %s.%n%n",
                nodes, others.stream().map(r -> r.name).toList(), ops, seed, putQuorum, getQuorum, nodes - 1, nodes,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), nodeVersion()));
        b.append("| network | start-up ms | put median ms | get median ms | provide median ms "
                + "| find providers median ms | put ok | get ok | provide ok | find ok |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            b.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %d/%d | %d/%d | %d/%d | %d/%d |%n",
                    r.name, r.startMs, num(r.put.median()), num(r.get.median()), num(r.provide.median()),
                    num(r.find.median()), r.put.ok(), r.put.count(), r.get.ok(), r.get.count(), r.provide.ok(),
                    r.provide.count(), r.find.ok(), r.find.count()));
        }
        for (Row r : ours) {
            for (Row other : others) {
                b.append(String.format(Locale.ROOT, "| %s / %s | %s | %s | %s | %s | %s | | | | |%n", r.name, other.name,
                        ratio(r.startMs, other.startMs), ratio(r.put.median(), other.put.median()),
                        ratio(r.get.median(), other.get.median()), ratio(r.provide.median(), other.provide.median()),
                        ratio(r.find.median(), other.find.median())));
            }
        }
        b.append("\np95 ms (put / get / provide / find):");
        for (Row r : rows) {
            b.append(String.format(Locale.ROOT, " %s %s / %s / %s / %s;", r.name, num(r.put.percentile(0.95)), num(r.get.percentile(0.95)),
                    num(r.provide.percentile(0.95)), num(r.find.percentile(0.95))));
        }
        b.setLength(b.length() - 1);
        b.append('\n');
        boolean failed = false;
        for (Row r : rows) {
            for (String f : r.failures) {
                b.append("\n- ").append(r.name).append(" failed: ").append(f);
                failed = true;
            }
        }
        if (failed) {
            b.append('\n');
        }
        return b.toString();
    }

    static String json(List<Row> rows, int nodes, int ops, long seed, int putQuorum, int getQuorum) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("date", ZonedDateTime.now(ZoneOffset.UTC).withNano(0).toString());
        m.put("nodes", nodes);
        m.put("ops", ops);
        m.put("seed", seed);
        m.put("jkad_put_quorum", putQuorum);
        m.put("jkad_get_quorum", getQuorum);
        m.put("jkad_all_put_quorum", nodes - 1);
        m.put("jkad_all_get_quorum", nodes);
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("java", System.getProperty("java.version"));
        m.put("node", nodeVersion());
        for (Row r : rows) {
            if (!r.isJkad()) {
                m.put(r.key + "_process_ms", r.processMs);
            }
        }
        for (Row r : rows) {
            String p = r.key + "_";
            m.put(p + "start_ms", r.startMs);
            for (int i = 0; i < 4; i++) {
                Samples s = r.ops().get(i);
                m.put(p + NetworkBench.OP_NAMES.get(i) + "_ms_median", round(s.median()));
                m.put(p + NetworkBench.OP_NAMES.get(i) + "_ms_p95", round(s.percentile(0.95)));
                m.put(p + NetworkBench.OP_NAMES.get(i) + "_ok", s.ok());
                m.put(p + NetworkBench.OP_NAMES.get(i) + "_count", s.count());
            }
        }
        for (Row r : rows.stream().filter(Row::isJkad).toList()) {
            for (Row other : rows.stream().filter(x -> !x.isJkad()).toList()) {
                String p = "ratio_" + r.key + "_to_" + other.key + "_";
                m.put(p + "start", round4(r.startMs / (double) other.startMs));
                for (int i = 0; i < 4; i++) {
                    m.put(p + NetworkBench.OP_NAMES.get(i) + "_median",
                            round4(r.ops().get(i).median() / other.ops().get(i).median()));
                }
            }
        }
        // NaN (a kind with no operations) and infinity (a ratio to nothing) are written as null.
        m.replaceAll((k, v) -> v instanceof Double d && (d.isNaN() || d.isInfinite()) ? null : v);
        return new GsonBuilder().disableHtmlEscaping().serializeNulls().create().toJson(m);
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private static double round4(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }

    private static String nodeVersion() {
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 ? v : "?";
        } catch (IOException e) {
            return "?";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }
}
