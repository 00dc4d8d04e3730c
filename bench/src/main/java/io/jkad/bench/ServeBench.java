package io.jkad.bench;

import com.google.gson.GsonBuilder;
import io.jkad.identity.Ed25519KeyPair;
import io.jkad.interop.InteropPeer;
import io.jkad.kademlia.KademliaConfig;
import io.jkad.kademlia.RequestLimits;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.net.KademliaNode;
import io.jkad.net.KademliaNodeConfig;
import io.jkad.record.StoreConfig;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * How many Kademlia requests one node serves: one target process at a time ({@link ServeTarget}:
 * {@code kad run} on the memory store, {@code kad run} on RocksDB, a go-libp2p-kad-dht peer, a
 * js-libp2p peer), each pinned to the same CPU, loaded by this JVM ({@link ServeLoad}: many
 * connections, each its own peer id; pin it to another CPU) with FIND_NODE, GET_VALUE,
 * GET_PROVIDERS and ADD_PROVIDER, one type at a time. Per target: the target's routing table is
 * filled by {@code --fillers} jkad nodes of this JVM that join through it (so FIND_NODE answers
 * carry peers), the store by {@link ServeLoad#prefill} (records and provider records, every one
 * read back and checked); then a warm-up of every type (not counted), then per type a closed loop
 * ({@code --connections} x {@code --depth} outstanding: the peak rate) and an open loop at half of
 * the peak for that type (p50/p99 at a fixed rate): a jkad target's own peak, for go and js the
 * first jkad target's. Every answer is checked;
 * wrong ones are errors, reported. Writes {@code <out>/<name>.md} and {@code .json}.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.jkad.bench.ServeBench [--jar kad-node/target/kad.jar]
 *      [--targets jkad-memory,jkad-rocksdb,go,js] [--connections 32] [--depth 8] [--warmup 12] [--lead 1]
 *      [--phase 4] [--open-fraction 0.5] [--records 1000] [--provider-keys 1000] [--value-bytes 256]
 *      [--fillers 20] [--heap 1g] [--target-cpus 0] [--out bench/results] [--name serve-&lt;date&gt;]
 * </pre>
 * Durations in seconds. Run from the repository root; {@code bench/run-serve-bench.sh} builds
 * the jars and pins this JVM ({@code taskset -c 1}) and the targets ({@code --target-cpus 0}).
 */
public final class ServeBench {

    private ServeBench() {}

    record Options(Path jar, List<String> targets, int connections, int depth, Duration warmup, Duration lead,
                   Duration phase, Duration openPhase, double openFraction, int records, int providerKeys, int valueBytes, int fillers,
                   String heap, String targetCpus, Path out, String name) {

        private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

        static {
            DEFAULTS.put("jar", "kad-node/target/kad.jar");
            DEFAULTS.put("targets", "jkad-memory,jkad-rocksdb,go,js");
            DEFAULTS.put("connections", "32");
            DEFAULTS.put("depth", "8");
            DEFAULTS.put("warmup", "12");
            DEFAULTS.put("lead", "1");
            DEFAULTS.put("phase", "4");
            DEFAULTS.put("open-phase", "");
            DEFAULTS.put("open-fraction", "0.5");
            DEFAULTS.put("records", "1000");
            DEFAULTS.put("provider-keys", "1000");
            DEFAULTS.put("value-bytes", "256");
            DEFAULTS.put("fillers", "20");
            DEFAULTS.put("heap", "1g");
            DEFAULTS.put("target-cpus", "");
            DEFAULTS.put("out", "bench/results");
            DEFAULTS.put("name", "serve-" + LocalDate.now(ZoneOffset.UTC));
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
            int depth = Integer.parseInt(m.get("depth"));
            if (depth < 1 || depth > 16) {
                throw new IllegalArgumentException("--depth must be 1..16 (js-libp2p's kad-dht takes 32 inbound "
                        + "streams per connection): " + depth);
            }
            return new Options(Path.of(m.get("jar")), List.of(m.get("targets").split(",")),
                    Integer.parseInt(m.get("connections")), depth, seconds(m, "warmup"), seconds(m, "lead"),
                    seconds(m, "phase"), m.get("open-phase").isBlank() ? seconds(m, "phase") : seconds(m, "open-phase"),
                    Double.parseDouble(m.get("open-fraction")), Integer.parseInt(m.get("records")),
                    Integer.parseInt(m.get("provider-keys")), Integer.parseInt(m.get("value-bytes")),
                    Integer.parseInt(m.get("fillers")), m.get("heap"), m.get("target-cpus"), Path.of(m.get("out")),
                    m.get("name"));
        }

        private static Duration seconds(Map<String, String> m, String name) {
            return Duration.ofMillis(Math.round(Double.parseDouble(m.get(name)) * 1000));
        }
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        PrintStream out = System.out;
        Path work = Files.createTempDirectory("jkad-serve-");
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("date", ZonedDateTime.now(ZoneOffset.UTC).withNano(0).toString());
        // the script passes its own command line on (it adds --jar and --target-cpus itself)
        report.put("command", System.getenv().getOrDefault("SERVE_COMMAND",
                "java io.jkad.bench.ServeBench " + String.join(" ", args)));
        report.put("cores", onlineCpus());
        report.put("target_cpus", o.targetCpus().isBlank() ? "any" : o.targetCpus());
        report.put("java", System.getProperty("java.version"));
        report.put("load_java_options", String.join(" ",
                java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()));
        report.put("target_java", System.getenv().getOrDefault("SERVE_TARGET_JAVA", "the same"));
        report.put("load_average_at_start", FloodBench.loadAverage());
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("connections", o.connections());
        settings.put("depth", o.depth());
        settings.put("warmup_s", o.warmup().toMillis() / 1000.0);
        settings.put("lead_s", o.lead().toMillis() / 1000.0);
        settings.put("phase_s", o.phase().toMillis() / 1000.0);
        settings.put("open_phase_s", o.openPhase().toMillis() / 1000.0);
        settings.put("open_fraction", o.openFraction());
        settings.put("records", o.records());
        settings.put("provider_keys", o.providerKeys());
        settings.put("value_bytes", o.valueBytes());
        settings.put("fillers", o.fillers());
        settings.put("jkad_heap", o.heap());
        report.put("settings", settings);

        List<KademliaNode> fillers = startFillers(o.fillers());
        List<Map<String, Object>> targets = new ArrayList<>();
        Map<ServeLoad.Type, Double> reference = new EnumMap<>(ServeLoad.Type.class);
        String referenceName = null;
        try {
            for (String t : o.targets()) {
                long t0 = System.nanoTime();
                Map<String, Object> row = new LinkedHashMap<>();
                try (ServeTarget target = start(t.trim(), o, work)) {
                    out.printf(Locale.ROOT, "%s: %s at %s (pid %d)%n", target.name, target.id, target.address, target.pid);
                    row.put("target", target.name);
                    row.put("limits_raised", target.limits);
                    join(fillers, target);
                    try (ServeLoad load = ServeLoad.connect(target.id, target.address, o.connections(), 1)) {
                        load.resetEndsAddProvider(target.name.equals(BenchNetworks.NAMES.get(InteropPeer.Kind.JS)));
                        load.prefill(o.records(), o.providerKeys(), o.valueBytes());
                        // go and js take a peer into their table only after checks of their own
                        // (Identify, then a FIND_NODE or a ping): up to 10 s for the fillers to show
                        int closer = load.closerPeers();
                        long until = System.nanoTime() + 10_000_000_000L;
                        while (closer < Math.min(o.fillers(), 20) && System.nanoTime() < until) {
                            Thread.sleep(250);
                            closer = load.closerPeers();
                        }
                        row.put("find_node_closer_peers", closer);
                        out.printf(Locale.ROOT, "  %d connections, prefilled %d records and %d provider keys (all read "
                                + "back); FIND_NODE answers carry %d peers%n", load.connections(), o.records(),
                                o.providerKeys(), closer);
                        Duration warm = o.warmup().dividedBy(ServeLoad.Type.values().length);
                        for (ServeLoad.Type type : ServeLoad.Type.values()) {
                            load.closedLoop(type, o.depth(), Duration.ZERO, warm, target.pid);
                        }
                        List<Map<String, Object>> closed = new ArrayList<>();
                        Map<ServeLoad.Type, Double> peak = new EnumMap<>(ServeLoad.Type.class);
                        for (ServeLoad.Type type : ServeLoad.Type.values()) {
                            ServeResult r = load.closedLoop(type, o.depth(), o.lead(), o.phase(), target.pid);
                            peak.put(type, r.rate());
                            closed.add(r.json());
                            out.println("  " + r.json());
                        }
                        if (referenceName == null && target.name.startsWith("jkad")) {
                            referenceName = target.name;
                            reference.putAll(peak);
                        }
                        List<Map<String, Object>> open = new ArrayList<>();
                        for (ServeLoad.Type type : ServeLoad.Type.values()) {
                            // A jkad target at a fraction of its own peak (the aim: its p99 at half its
                            // peak); go and js at the first jkad target's, so that all see the same load.
                            double rate = o.openFraction() * (target.name.startsWith("jkad") ? peak.get(type)
                                    : reference.getOrDefault(type, peak.get(type)));
                            ServeResult r = load.openLoop(type, Math.max(1, rate),
                                    o.connections() * o.depth(), o.lead(), o.openPhase(), target.pid);
                            open.add(r.json());
                            out.println("  " + r.json());
                        }
                        row.put("add_provider_ended_by_reset", load.addProviderResets());
                        row.put("closed", closed);
                        row.put("open", open);
                    }
                    row.put("alive_after", target.isAlive());
                } catch (Exception e) {
                    out.println("  " + t + " failed: " + e);
                    e.printStackTrace(out);
                    row.putIfAbsent("target", t);
                    row.put("failed", String.valueOf(e));
                }
                row.put("wall_s", Math.round((System.nanoTime() - t0) / 1e8) / 10.0);
                targets.add(row);
            }
        } finally {
            fillers.parallelStream().forEach(KademliaNode::close);
        }
        report.put("open_rate_reference", referenceName);
        report.put("open_rate_jkad", "own_peak"); // runs before 2026-12-06 (no such key): every target at the reference's
        report.put("targets", targets);
        report.put("load_average_at_end", FloodBench.loadAverage());
        Files.createDirectories(o.out());
        Files.writeString(o.out().resolve(o.name() + ".json"), new GsonBuilder().setPrettyPrinting()
                .serializeSpecialFloatingPointValues().create().toJson(report) + "\n");
        String md = ServeReport.markdown(report);
        Files.writeString(o.out().resolve(o.name() + ".md"), md);
        out.println(md);
        System.exit(0); // the hosts' event loops are not daemon threads
    }

    /** The machine's CPUs ({@code /sys/devices/system/cpu/online}, e.g. 0-1), not this JVM's share. */
    private static String onlineCpus() {
        try {
            return Files.readString(Path.of("/sys/devices/system/cpu/online")).trim();
        } catch (Exception e) {
            return Integer.toString(Runtime.getRuntime().availableProcessors());
        }
    }

    private static ServeTarget start(String name, Options o, Path work) throws Exception {
        return switch (name) {
            case "jkad-memory" -> ServeTarget.jkad(o.jar(), "memory", o.heap(), o.targetCpus(), work);
            case "jkad-rocksdb" -> ServeTarget.jkad(o.jar(), "rocksdb", o.heap(), o.targetCpus(), work);
            case "go" -> ServeTarget.peer(InteropPeer.Kind.GO, o.targetCpus());
            case "js" -> ServeTarget.peer(InteropPeer.Kind.JS, o.targetCpus());
            default -> throw new IllegalArgumentException("targets are jkad-memory, jkad-rocksdb, go, js: " + name);
        };
    }

    /**
     * jkad nodes in this JVM (memory store, one IO thread each) that join each target, so that its
     * routing table, and with it every answer's closer peers, is that of a node with peers.
     */
    private static List<KademliaNode> startFillers(int n) throws Exception {
        List<KademliaNode> nodes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Ed25519KeyPair id = Ed25519KeyPair.fromSeed(ServeLoad.sha256(("serve-bench-filler-" + i)
                    .getBytes(StandardCharsets.UTF_8)));
            nodes.add(KademliaNode.start(KademliaNodeConfig.builder(id)
                    .listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0"))
                    .kademlia(KademliaConfig.builder().requestLimits(RequestLimits.UNLIMITED).build())
                    .ioThreads(1)
                    .openStore("memory", StoreConfig.defaults(id.peerId()))
                    .build()));
        }
        return nodes;
    }

    /** The fillers join through the target (each adds it and runs a bootstrap through it). */
    private static void join(List<KademliaNode> fillers, ServeTarget target) {
        List<CompletableFuture<?>> joins = new ArrayList<>();
        for (KademliaNode f : fillers) {
            joins.add(f.addAddress(target.id, target.address).thenCompose(u -> f.bootstrap()));
        }
        for (CompletableFuture<?> j : joins) {
            try {
                j.get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                // the closer peers of the target's answers show what came of it
            }
        }
    }
}
