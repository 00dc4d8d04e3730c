package io.jkad.bench;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One {@code kad run} process ({@link FloodTarget}: memory store, a small heap, a configured
 * memory budget) serving honest peers ({@link HonestLoad}: jkad nodes in this JVM on 127.0.0.1,
 * each its own peer id, paced well under the per-peer request budgets) while attackers flood it
 * ({@link FloodAttack}: stalled handshakes from many addresses of other /24s, and abusers on
 * addresses of their own that pass admission and then misbehave). After an uncounted warm-up (the
 * JIT), two phases of the same length: quiet, then flooded. For each, {@link FloodReport} gives the
 * honest operations' p50/p95 latency and success, and the node's peak RSS and thread count, and
 * checks issue 11's aims: honest p95 at most twice the quiet one, success unchanged, peak RSS
 * under the budget ({@code -Xmx} + {@code --max-memory} + {@code --jvm-overhead} for the JVM's own
 * memory: metaspace, code, thread stacks). A measurement, not a timed test: written to
 * {@code <out>/<name>.md} and {@code .json}.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.jkad.bench.FloodBench [--jar kad-node/target/kad.jar]
 *      [--heap 256m] [--max-memory 64m] [--jvm-overhead 128] [--honest 8] [--interval-ms 250]
 *      [--warmup 10] [--phase 20] [--settle 3] [--pre-auth 200] [--pre-auth-ips 40] [--abusers 2]
 *      [--request-streams 8] [--ping-streams 16] [--frame-streams 24] [--out bench/results]
 *      [--name flood-&lt;date&gt;] [--target-cpus 0] [--attack-cpus 1]
 * </pre>
 * {@code --target-cpus} runs the node under {@code taskset -c} on those CPUs, {@code --attack-cpus}
 * runs the attackers in a JVM of their own ({@link AttackProcess}) on those (by default neither:
 * everything shares every CPU). On a small machine the attackers are then kept off the CPUs that
 * the node and the honest peers use, as they would be on machines of their own; the honest
 * peers stay in this JVM (pin it with {@code taskset}, e.g. through {@code BENCH_CPUS} of
 * {@code bench/run-flood-bench.sh}).
 * Durations in seconds; {@code --abusers} per kind of abuse (four kinds). {@code bench/run-flood-bench.sh}
 * builds both jars and runs it. Linux only ({@code /proc}, all of 127.0.0.0/8 local).
 */
public final class FloodBench {

    private FloodBench() {}

    /** The command line. */
    record Options(Path jar, String heap, String maxMemory, long jvmOverheadMib, int honest, Duration interval,
                   Duration warmUp, Duration phase, Duration settle, FloodAttack.Sizes sizes, Path out, String name,
                   String targetCpus, String attackCpus) {

        private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

        static {
            DEFAULTS.put("jar", "kad-node/target/kad.jar");
            DEFAULTS.put("heap", "256m");
            DEFAULTS.put("max-memory", "64m");
            DEFAULTS.put("jvm-overhead", "128");
            DEFAULTS.put("honest", "8");
            DEFAULTS.put("interval-ms", "250");
            DEFAULTS.put("warmup", "10");
            DEFAULTS.put("phase", "20");
            DEFAULTS.put("settle", "3");
            DEFAULTS.put("pre-auth", "200");
            DEFAULTS.put("pre-auth-ips", "40");
            DEFAULTS.put("abusers", "2");
            DEFAULTS.put("request-streams", "8");
            DEFAULTS.put("ping-streams", "16");
            DEFAULTS.put("frame-streams", "24");
            DEFAULTS.put("out", "bench/results");
            DEFAULTS.put("name", "flood-" + LocalDate.now(ZoneOffset.UTC));
            DEFAULTS.put("target-cpus", "");
            DEFAULTS.put("attack-cpus", "");
        }

        static Options parse(String[] args) {
            Map<String, String> m = new LinkedHashMap<>(DEFAULTS);
            for (int i = 0; i < args.length; i++) {
                String name = args[i].startsWith("--") ? args[i].substring(2) : null;
                if (name == null || i + 1 >= args.length || !DEFAULTS.containsKey(name)) {
                    throw new IllegalArgumentException("options are --name value, names " + DEFAULTS.keySet() + ": "
                            + String.join(" ", args));
                }
                m.put(name, args[++i]);
            }
            return new Options(Path.of(m.get("jar")), m.get("heap"), m.get("max-memory"),
                    Long.parseLong(m.get("jvm-overhead")), Integer.parseInt(m.get("honest")),
                    Duration.ofMillis(Long.parseLong(m.get("interval-ms"))), seconds(m, "warmup"), seconds(m, "phase"),
                    seconds(m, "settle"), new FloodAttack.Sizes(Integer.parseInt(m.get("pre-auth")),
                            Integer.parseInt(m.get("pre-auth-ips")), Integer.parseInt(m.get("abusers")),
                            Integer.parseInt(m.get("request-streams")), Integer.parseInt(m.get("ping-streams")),
                            Integer.parseInt(m.get("frame-streams"))),
                    Path.of(m.get("out")), m.get("name"), m.get("target-cpus"), m.get("attack-cpus"));
        }

        private static Duration seconds(Map<String, String> m, String name) {
            return Duration.ofSeconds(Long.parseLong(m.get(name)));
        }

        /** {@code -Xmx} + {@code --max-memory} + the JVM's own allowance, MiB. */
        long rssBudgetMib() {
            return mib(heap) + mib(maxMemory) + jvmOverheadMib;
        }

        static long mib(String size) {
            String s = size.trim().toLowerCase();
            long n = Long.parseLong(s.replaceAll("[kmg]$", ""));
            return switch (s.charAt(s.length() - 1)) {
                case 'k' -> n / 1024;
                case 'm' -> n;
                case 'g' -> n * 1024;
                default -> n >> 20;
            };
        }
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        PrintStream out = System.out;
        Path work = Files.createTempDirectory("jkad-flood-");
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("date", ZonedDateTime.now(ZoneOffset.UTC).withNano(0).toString());
        report.put("heap", o.heap());
        report.put("target_cpus", o.targetCpus().isBlank() ? "any" : o.targetCpus());
        report.put("attack_cpus", o.attackCpus().isBlank() ? "this JVM" : o.attackCpus());
        report.put("max_memory", o.maxMemory());
        report.put("rss_budget_mib", o.rssBudgetMib());
        report.put("honest_nodes", o.honest());
        report.put("honest_interval_ms", o.interval().toMillis());
        report.put("warmup_s", o.warmUp().toSeconds());
        report.put("phase_s", o.phase().toSeconds());
        report.put("flood_sizes", o.sizes());
        report.put("cores", Runtime.getRuntime().availableProcessors());
        report.put("load_average_at_start", loadAverage());
        report.put("java", System.getProperty("java.version"));
        try (FloodTarget target = FloodTarget.start(o.jar(), o.heap(), o.maxMemory(), o.targetCpus(), work);
             HonestLoad honest = HonestLoad.start(o.honest(), o.interval(), target)) {
            out.printf("target %s at %s (pid %d, -Xmx%s, --max-memory %s); %d honest nodes, one op each every %d ms%n",
                    target.id, target.address, target.pid(), o.heap(), o.maxMemory(), honest.size(),
                    o.interval().toMillis());
            report.put("target_threads_at_start", target.status("Threads"));
            if (!o.warmUp().isZero()) {
                out.printf("warm-up: %d s, not counted%n", o.warmUp().toSeconds());
                honest.run("warm-up", o.warmUp());
            }
            out.printf("quiet phase: %d s%n", o.phase().toSeconds());
            Phase quiet = honest.run("quiet", o.phase());
            out.println("quiet: " + quiet.json());

            out.printf("flood phase: %s; %d s to build up, then %d s counted%n", o.sizes(), o.settle().toSeconds(),
                    o.phase().toSeconds());
            Phase flooded;
            if (o.attackCpus().isBlank()) {
                try (FloodAttack flood = FloodAttack.start(target.id, target.address, o.sizes())) {
                    Thread.sleep(o.settle().toMillis());
                    flooded = honest.run("flood", o.phase());
                    report.put("flood", flood.stats());
                }
            } else {
                AttackProcess flood = AttackProcess.start(target, o.sizes(), o.attackCpus(), work.resolve("attack.log"));
                try {
                    Thread.sleep(o.settle().toMillis());
                    flooded = honest.run("flood", o.phase());
                } finally {
                    flood.close();
                }
                report.put("flood", flood.stats());
            }
            out.println("flood: " + flooded.json());
            boolean alive = target.isAlive();
            report.put("target_alive_after", alive);
            if (alive) {
                Thread.sleep(2000); // the attackers' connections close
                report.put("target_threads_after", target.status("Threads"));
            } else {
                report.put("target_exit_code", target.process.exitValue());
                report.put("target_exit_reason", target.exitReason());
            }
            report.put("load_average_at_end", loadAverage());
            report.put("quiet", quiet.json());
            report.put("flooded", flooded.json());
            report.put("aims", FloodReport.aims(quiet, flooded, o.rssBudgetMib()));
            report.put("target_log_tail", target.logTail(15));
        }
        Files.createDirectories(o.out());
        Gson gson = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();
        Files.writeString(o.out().resolve(o.name() + ".json"), gson.toJson(report) + "\n");
        String md = FloodReport.markdown(report);
        Files.writeString(o.out().resolve(o.name() + ".md"), md);
        out.println(md);
        System.exit(0); // the hosts' event loops are not daemon threads
    }

    /** The 1-minute load average of the machine (the bench shares it), or null. */
    static Double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (Exception e) {
            return null;
        }
    }
}
