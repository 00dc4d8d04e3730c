package io.jkad.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.jkad.testkit.PostgresCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.NoBenchmarksException;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the store benchmarks ({@link StoreRecordBenchmark}, {@link StoreProviderBenchmark},
 * {@link StoreProvidedBenchmark}, {@link StoreSweepBenchmark}, {@link StoreScanBenchmark}) with settings short enough for a small
 * shared machine (one fork each, a few one-second iterations), then writes
 * {@code store-<date>.json} (JMH's JSON results with the computed ratios), {@code store-<date>.md}
 * (the tables) and {@code store-<date>.png} (a chart of the ratios) to the output folder.
 *
 * <p>Starts a throwaway PostgreSQL server for the {@code postgresql} rows where its binaries are
 * installed (else leaves those rows out, saying so). The persistent data sets are built once in a
 * data folder and reused by every fork; the folder is deleted at the end unless it was given.
 *
 * <p>Options:
 * <pre>
 *   --quick               256-byte values, one thread, fewer and shorter iterations, no 10% sweep
 *   --backends a,b        of memory, rocksdb, h2, postgresql (default: all)
 *   --out DIR             where the report goes (default bench/results)
 *   --name NAME           base name of the report files (default store-&lt;date&gt;, store-&lt;date&gt;-quick)
 *   --data-dir DIR        where the data sets are built (kept); default a temporary folder, deleted
 *   --include REGEX       only the benchmarks whose name matches too
 *   --prof NAME           a JMH profiler for every benchmark (gc, stack, ...)
 *   --report FILE         no run: the report of a JMH JSON file, or again that of a report's JSON
 *                         (same date, command, settings; written over it unless --name/--out say otherwise)
 * </pre>
 */
public final class StoreBenchReport {

    private StoreBenchReport() {}

    /** One JMH run: a set of benchmarks with their settings. */
    private record Group(String name, String include, int threads, Map<String, String> params, int warmups,
                         int measurements, boolean timed) {}

    public static void main(String[] args) throws Exception {
        Args a;
        try {
            a = Args.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        String date = LocalDate.now(ZoneOffset.UTC).toString();
        String command = System.getProperty("jkad.bench.command", "StoreBenchReport")
                + (args.length == 0 ? "" : " " + String.join(" ", args));
        Path base = a.out.resolve(a.name != null ? a.name : "store-" + date + (a.quick ? "-quick" : ""));
        if (a.report != null) {
            String text = Files.readString(a.report, StandardCharsets.UTF_8);
            JsonElement root = JsonParser.parseString(text);
            StoreReport.Context context;
            JsonArray jmh;
            if (root.isJsonObject()) {
                // a report of ours: the same run, so its date, command, settings and machine
                JsonObject o = root.getAsJsonObject();
                jmh = o.getAsJsonArray("jmh");
                context = new StoreReport.Context(o.get("date").getAsString(), o.get("command").getAsString(),
                        strings(o.getAsJsonObject("settings")), strings(o.getAsJsonObject("machine")));
                if (a.name == null) {
                    base = a.out.resolve("store-" + context.date() + (a.quick ? "-quick" : ""));
                }
            } else {
                jmh = root.getAsJsonArray();
                context = new StoreReport.Context(date, command, Map.of("from", a.report.toString()), machine());
            }
            StoreReport report = StoreReport.fromJmhJson(jmh.toString());
            report.write(base, context);
            System.out.println("Wrote " + base + ".{md,json,png}");
            return;
        }
        System.exit(run(a, date, command, base));
    }

    private static int run(Args a, String date, String command, Path base) throws IOException, RunnerException {
        Map<String, String> settings = new LinkedHashMap<>();
        List<Backend> backends = new ArrayList<>(a.backends);
        PostgresCluster postgres = null;
        Path dataDir = a.dataDir != null ? a.dataDir : Files.createTempDirectory("jkad-store-bench-");
        List<String> jvmArgs = new ArrayList<>(List.of("-Xmx3g", "-D" + BenchEnv.DIR + "=" + dataDir.toAbsolutePath()));
        try {
            if (backends.contains(Backend.POSTGRESQL)) {
                if (PostgresCluster.findBinaries().isEmpty()) {
                    backends.remove(Backend.POSTGRESQL);
                    settings.put("postgresql", "left out: no PostgreSQL binaries installed");
                    System.out.println("# No PostgreSQL binaries: the postgresql rows are left out");
                } else {
                    postgres = PostgresCluster.start();
                    System.out.println("# Started " + postgres);
                    jvmArgs.add("-D" + BenchEnv.PG_URL + "=" + postgres.jdbcUrl(""));
                    settings.put("postgresql", postgres.version() + ", throwaway local server on loopback, fsync off,"
                            + " synchronous_commit off");
                }
            }
            if (backends.isEmpty()) {
                System.err.println("No backend to run");
                return 2;
            }
            for (String p : List.of(BenchEnv.RECORDS, BenchEnv.PROVIDER_KEYS, BenchEnv.SWEEP_RECORDS,
                    BenchEnv.PROVIDED_KEYS)) {
                if (System.getProperty(p) != null) {
                    jvmArgs.add("-D" + p + "=" + System.getProperty(p));
                }
            }
            String backendList = backends.stream().map(b -> b.param).collect(Collectors.joining(","));
            settings.put("mode", a.quick ? "quick" : "full");
            settings.put("backends", backendList);
            settings.put("forks", "1");
            settings.put("records", String.valueOf(BenchEnv.records()));
            settings.put("provider keys", BenchEnv.providerKeys() + " x " + BenchEnv.PROVIDERS_PER_KEY + " providers");
            settings.put("sweep records", String.valueOf(BenchEnv.sweepRecords()));
            settings.put("provided keys", BenchEnv.providedKeys() + " (every other one with a second provider)");
            settings.put("fork JVM", String.join(" ", jvmArgs.subList(0, 1)));

            List<Group> groups = groups(a.quick);
            for (Group g : groups) {
                settings.put(g.name, g.timed
                        ? g.warmups + " x 1 s warmup, " + g.measurements + " x 1 s measured"
                        : g.warmups + " warmup shots, " + g.measurements + " measured shots");
            }
            List<JsonElement> all = new ArrayList<>();
            loadAverage().ifPresent(l -> settings.put("load average at the start", l));
            long t0 = System.nanoTime();
            for (Group g : groups) {
                Path result = Files.createTempFile("jkad-jmh-", ".json");
                try {
                    String include = a.include == null ? g.include : "^(?=.*(" + a.include + "))(?=.*" + g.include + ").*";
                    ChainedOptionsBuilder o = new OptionsBuilder()
                            .include(include)
                            .forks(1)
                            .threads(g.threads)
                            .warmupIterations(g.warmups)
                            .measurementIterations(g.measurements)
                            .jvmArgsAppend(jvmArgs.toArray(String[]::new))
                            .param("backend", backends.stream().map(b -> b.param).toArray(String[]::new))
                            .resultFormat(ResultFormatType.JSON)
                            .result(result.toString())
                            .shouldFailOnError(false);
                    if (g.timed) {
                        o.warmupTime(TimeValue.seconds(1)).measurementTime(TimeValue.seconds(1));
                    }
                    for (Map.Entry<String, String> p : g.params.entrySet()) {
                        o.param(p.getKey(), p.getValue().split(","));
                    }
                    if (a.profiler != null) {
                        int colon = a.profiler.indexOf(':');
                        if (colon < 0) {
                            o.addProfiler(a.profiler);
                        } else {
                            o.addProfiler(a.profiler.substring(0, colon), a.profiler.substring(colon + 1));
                        }
                    }
                    System.out.println("# ===== " + g.name + " =====");
                    try {
                        new Runner(o.build()).run();
                    } catch (NoBenchmarksException e) {
                        // --include left no benchmark of this group
                        System.out.println("# no benchmark of " + g.name + " matches");
                    }
                    if (Files.size(result) > 0) {
                        JsonElement parsed = JsonParser.parseString(Files.readString(result, StandardCharsets.UTF_8));
                        parsed.getAsJsonArray().forEach(all::add);
                    }
                } finally {
                    Files.deleteIfExists(result);
                }
            }
            long minutes = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
            settings.put("run time", String.format(Locale.ROOT, "%d min %02d s", minutes / 60, minutes % 60));
            loadAverage().ifPresent(l -> settings.put("load average at the end", l));
            JsonArray jmh = new JsonArray();
            all.forEach(jmh::add);
            StoreReport report = StoreReport.fromJmhJson(jmh.toString());
            report.write(base, new StoreReport.Context(date, command, settings, machine()));
            System.out.println();
            System.out.println(Files.readString(Path.of(base + ".md"), StandardCharsets.UTF_8));
            System.out.println("Wrote " + base + ".{md,json,png}");
            return report.unpaired().isEmpty() ? 0 : 1;
        } finally {
            if (postgres != null) {
                postgres.close();
            }
            if (a.dataDir == null) {
                DataSet.deleteTree(dataDir);
            }
        }
    }

    private static List<Group> groups(boolean quick) {
        String throughput = "io\\.jkad\\.bench\\.Store(Record|Provider)Benchmark\\.";
        String sweep = "io\\.jkad\\.bench\\.StoreSweepBenchmark\\.";
        String scan = "io\\.jkad\\.bench\\.StoreScanBenchmark\\.";
        String provided = "io\\.jkad\\.bench\\.StoreProvidedBenchmark\\.";
        if (quick) {
            return List.of(
                    new Group("throughput, 1 thread", throughput, 1, Map.of("bytes", "256"), 2, 2, true),
                    new Group("provided keys in keyspace order", provided, 1, Map.of(), 2, 3, true),
                    new Group("sweep 0.1%", sweep, 1, Map.of("expiredPercent", "0.1"), 3, 5, false),
                    new Group("full scan", scan, 1, Map.of(), 1, 2, false));
        }
        return List.of(
                new Group("throughput, 1 thread", throughput, 1, Map.of("bytes", "256,4096"), 2, 4, true),
                new Group("throughput, 2 threads", throughput, 2, Map.of("bytes", "256,4096"), 2, 4, true),
                new Group("provided keys in keyspace order", provided, 1, Map.of(), 2, 4, true),
                new Group("sweep 0.1%", sweep, 1, Map.of("expiredPercent", "0.1"), 5, 5, false),
                new Group("sweep 10%", sweep, 1, Map.of("expiredPercent", "10"), 1, 3, false),
                new Group("full scan", scan, 1, Map.of(), 1, 3, false));
    }

    private static Map<String, String> strings(JsonObject o) {
        Map<String, String> m = new LinkedHashMap<>();
        if (o != null) {
            o.entrySet().forEach(e -> m.put(e.getKey(), e.getValue().getAsString()));
        }
        return m;
    }

    /** The machine the benchmarks ran on, as far as the JVM can tell. */
    static Map<String, String> machine() {
        Map<String, String> m = new LinkedHashMap<>();
        cpuModel().ifPresent(cpu -> m.put("CPU", cpu));
        m.put("cores", String.valueOf(Runtime.getRuntime().availableProcessors()));
        memory().ifPresent(mem -> m.put("memory", mem));
        m.put("OS", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        m.put("Java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        return m;
    }

    private static Optional<String> cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The machine's 1, 5 and 15 minute load averages (others share it: a load above the cores skews results). */
    private static Optional<String> loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return Optional.of(parts[0] + " " + parts[1] + " " + parts[2]);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> memory() {
        try {
            return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal:"))
                    .map(l -> Long.parseLong(l.replaceAll("\\D", "")) / (1024 * 1024) + " GiB").findFirst();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The command line. */
    static final class Args {
        boolean quick;
        List<Backend> backends = Arrays.asList(Backend.values());
        Path out = Path.of("bench", "results");
        String name;
        Path dataDir;
        String include;
        String profiler;
        Path report;

        /**
         * Parses the options of the class comment.
         *
         * @throws IllegalArgumentException naming an unknown option, a missing value or a bad backend
         */
        static Args parse(String[] args) {
            Args a = new Args();
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "--quick" -> a.quick = true;
                    case "--backends" -> a.backends = Arrays.stream(value(args, ++i, arg).split(","))
                            .filter(s -> !s.isBlank()).map(Backend::of).distinct().toList();
                    case "--out" -> a.out = Path.of(value(args, ++i, arg));
                    case "--name" -> a.name = value(args, ++i, arg);
                    case "--data-dir" -> a.dataDir = Path.of(value(args, ++i, arg));
                    case "--include" -> a.include = value(args, ++i, arg);
                    case "--prof" -> a.profiler = value(args, ++i, arg);
                    case "--report" -> a.report = Path.of(value(args, ++i, arg));
                    default -> throw new IllegalArgumentException("unknown option '" + arg + "'; options: --quick,"
                            + " --backends memory,rocksdb,h2,postgresql, --out DIR, --name NAME, --data-dir DIR,"
                            + " --include REGEX, --prof PROFILER, --report JSON");
                }
            }
            if (a.backends.isEmpty()) {
                throw new IllegalArgumentException("--backends names no backend");
            }
            return a;
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length || args[i].startsWith("--")) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[i];
        }
    }
}
