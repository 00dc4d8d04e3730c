package io.jkad.bench;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.kademlia.Caching;
import io.jkad.kademlia.KademliaConfig;
import io.jkad.kademlia.QueryResult;
import io.jkad.kademlia.Quorum;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.net.Host;
import io.jkad.net.HostConfig;
import io.jkad.net.KademliaNode;
import io.jkad.net.KademliaNodeConfig;
import io.jkad.net.StreamChannel;
import io.jkad.net.UvarintFrameDecoder;
import io.jkad.net.UvarintFrameEncoder;
import io.jkad.protocol.KadCodec;
import io.jkad.protocol.KadRequest;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One {@code kad run} process (the shaded {@code kad.jar}, {@code --store memory}, a small heap)
 * under a flood, while honest jkad nodes (real hosts in this JVM) keep doing lookups against it.
 * Two phases of the same length, after an uncounted warm-up (the JIT): quiet, then flooded. For each: the honest operations' p50/p95
 * latency and success, and the node's peak resident memory ({@code VmHWM} of
 * {@code /proc/<pid>/status}, reset between phases through {@code clear_refs}, and the largest
 * {@code VmRSS} sampled). Not a timed test: a measurement, written to
 * {@code <out>/flood-<date>.md} and {@code .json}.
 *
 * <p>The flood, all of it from this JVM on loopback:
 * <ul>
 *   <li>{@code --pre-auth N} plain TCP connections that send the multistream header and then
 *       nothing, kept open (one that the node closes is opened again): they hold the slots of
 *       connections still in the handshake;</li>
 *   <li>{@code --abusers A} peers that complete the handshake (real jkad hosts, each its own
 *       identity) and then, each on its one connection: {@code --ping-streams} ping streams whose
 *       echoes they never read (so never grant Yamux window back) while they keep writing;
 *       {@code --partial-streams} Kademlia streams each announcing a 4 MiB frame and sending all of
 *       it but its last byte; {@code --request-streams} Kademlia streams (with the partial ones, 32 by default:
 *       the node's limit of Kademlia streams per connection) each sending FIND_NODE
 *       after FIND_NODE as fast as the answers come.</li>
 * </ul>
 * Honest operations, {@code --honest H} nodes each one at a time, alternating: a lookup of a
 * random key ({@code getClosestPeers}; success: it completed and the target answered) and a get
 * of a record stored at the target (success: the target returned it; copies cached at honest
 * nodes do not count). Latency percentiles are over all operations, failed ones included (what an
 * honest peer waits), and over the successful ones ({@code ok_p50_ms}…). Each has {@value #OP_TIMEOUT_S} s.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.jkad.bench.FloodBench [--jar kad-node/target/kad.jar]
 *      [--heap 256m] [--honest 4] [--phase 20] [--pre-auth 200] [--abusers 3] [--ping-streams 16]
 *      [--partial-streams 24] [--request-streams 8] [--out bench/results]
 * </pre>
 * {@code bench/run-flood-bench.sh} builds both jars and runs it.
 */
public final class FloodBench {

    static final int OP_TIMEOUT_S = 10;
    private static final String KAD = "/ipfs/kad/1.0.0";
    private static final String PING = "/ipfs/ping/1.0.0";
    private static final int PARTIAL_FRAME = 4 * 1024 * 1024;

    private FloodBench() {}

    /** The command line. */
    record Options(Path jar, String heap, int honest, Duration phase, int preAuth, int abusers, int pingStreams,
                   int partialStreams, int requestStreams, Path out) {

        static Options parse(String[] args) {
            Map<String, String> m = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i++) {
                if (!args[i].startsWith("--") || i + 1 >= args.length) {
                    throw new IllegalArgumentException("options are --name value: " + String.join(" ", args));
                }
                m.put(args[i].substring(2), args[++i]);
            }
            Options o = new Options(Path.of(m.getOrDefault("jar", "kad-node/target/kad.jar")),
                    m.getOrDefault("heap", "256m"), Integer.parseInt(m.getOrDefault("honest", "4")),
                    Duration.ofSeconds(Long.parseLong(m.getOrDefault("phase", "20"))),
                    Integer.parseInt(m.getOrDefault("pre-auth", "200")),
                    Integer.parseInt(m.getOrDefault("abusers", "3")),
                    Integer.parseInt(m.getOrDefault("ping-streams", "16")),
                    Integer.parseInt(m.getOrDefault("partial-streams", "24")),
                    Integer.parseInt(m.getOrDefault("request-streams", "8")),
                    Path.of(m.getOrDefault("out", "bench/results")));
            m.keySet().removeAll(List.of("jar", "heap", "honest", "phase", "pre-auth", "abusers", "ping-streams",
                    "partial-streams", "request-streams", "out"));
            if (!m.isEmpty()) {
                throw new IllegalArgumentException("unknown options: " + m.keySet());
            }
            return o;
        }
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        PrintStream out = System.out;
        Path work = Files.createTempDirectory("jkad-flood-");
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("date", ZonedDateTime.now(ZoneOffset.UTC).withNano(0).toString());
        report.put("heap", o.heap());
        report.put("honest_nodes", o.honest());
        report.put("phase_s", o.phase().toSeconds());
        report.put("pre_auth_connections", o.preAuth());
        report.put("abusers", o.abusers());
        report.put("ping_streams_per_abuser", o.pingStreams());
        report.put("partial_4mib_streams_per_abuser", o.partialStreams());
        report.put("request_streams_per_abuser", o.requestStreams());
        report.put("cores", Runtime.getRuntime().availableProcessors());
        report.put("java", System.getProperty("java.version"));
        List<KademliaNode> honest = new ArrayList<>();
        try (Target target = Target.start(o.jar(), o.heap(), work)) {
            out.printf("target %s at %s (pid %d, -Xmx%s)%n", target.id, target.address, target.pid(), o.heap());
            RecordKey key = RecordKey.ofUtf8("/flood-bench/record");
            for (int i = 0; i < o.honest(); i++) {
                // no write-back caching: the record stays at the target only, so a get needs the target
                KademliaNode n = KademliaNode.start(KademliaNodeConfig.builder(Ed25519KeyPair.generate())
                        .kademlia(KademliaConfig.builder().caching(Caching.DISABLED).build())
                        .listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).build());
                honest.add(n);
                n.addAddress(target.id, target.address).get(10, TimeUnit.SECONDS);
                n.bootstrap().get(60, TimeUnit.SECONDS);
            }
            QueryResult.PutRecord put = honest.get(0).putRecordTo(DhtRecord.of(key, "held by the target"
                    .getBytes(StandardCharsets.UTF_8)), List.of(target.id), Quorum.ONE).get(30, TimeUnit.SECONDS);
            if (!put.isOk()) {
                throw new IllegalStateException("the record could not be stored at the target: " + put);
            }

            Duration warmUp = o.phase().compareTo(Duration.ofSeconds(10)) < 0 ? o.phase() : Duration.ofSeconds(10);
            out.printf("warm-up: %d s of honest operations, not counted%n", warmUp.toSeconds());
            Phase.run("warm-up", honest, target, key, warmUp, null);
            out.printf("quiet phase: %d s of honest operations%n", o.phase().toSeconds());
            Phase quiet = Phase.run("quiet", honest, target, key, o.phase(), null);
            out.println(quiet.summary());

            out.printf("flood phase: %d pre-auth connections, %d abusive peers; %d s of honest operations%n",
                    o.preAuth(), o.abusers(), o.phase().toSeconds());
            Phase flooded;
            try (Flood flood = Flood.start(o, target)) {
                Thread.sleep(3000); // the flood builds up before the honest operations are counted
                flooded = Phase.run("flood", honest, target, key, o.phase(), flood);
                report.put("flood", flood.stats());
            }
            out.println(flooded.summary());
            boolean alive = target.process.isAlive();
            report.put("target_alive_after", alive);
            if (!alive) {
                report.put("target_exit_code", target.process.exitValue());
                report.put("target_exit_reason", target.exitReason());
            }
            report.put("quiet", quiet.json());
            report.put("flooded", flooded.json());
            report.put("target_log_tail", target.logTail(15));
        } finally {
            for (KademliaNode n : honest) {
                n.close();
            }
        }
        Files.createDirectories(o.out());
        String stem = "flood-" + LocalDate.now(ZoneOffset.UTC);
        Gson gson = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();
        Files.writeString(o.out().resolve(stem + ".json"), gson.toJson(report) + "\n");
        String md = markdown(report);
        Files.writeString(o.out().resolve(stem + ".md"), md);
        out.println(md);
        out.println(new Gson().toJson(report));
        System.exit(0); // the hosts' event loops are not daemon threads
    }

    @SuppressWarnings("unchecked")
    static String markdown(Map<String, Object> r) {
        Map<String, Object> q = (Map<String, Object>) r.get("quiet");
        Map<String, Object> f = (Map<String, Object>) r.get("flooded");
        StringBuilder b = new StringBuilder();
        b.append("# Flood benchmark, ").append(r.get("date")).append("\n\n");
        b.append("One `kad run` (memory store, -Xmx").append(r.get("heap")).append(", ")
                .append(r.get("cores")).append(" cores, Java ").append(r.get("java")).append("); ")
                .append(r.get("honest_nodes")).append(" honest jkad nodes alternating lookups and gets against it for ")
                .append(r.get("phase_s")).append(" s per phase. Flood: ").append(r.get("pre_auth_connections"))
                .append(" stalled pre-handshake connections, ").append(r.get("abusers"))
                .append(" abusive peers each with ").append(r.get("ping_streams_per_abuser"))
                .append(" unread ping streams, ").append(r.get("partial_4mib_streams_per_abuser"))
                .append(" unfinished 4 MiB Kademlia frames, ").append(r.get("request_streams_per_abuser"))
                .append(" FIND_NODE request loops.\n\n");
        b.append("| phase | honest ops | ops/s | success | p50 ms | p95 ms | p99 ms | max ms | lookups ok | gets ok"
                + " | peak RSS (VmHWM) MiB | max sampled RSS MiB | target died after ms |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Map<String, Object> p : List.of(q, f)) {
            b.append("| ").append(p.get("phase")).append(" | ").append(p.get("ops")).append(" | ")
                    .append(p.get("ops_per_s")).append(" | ")
                    .append(p.get("success_pct")).append(" % | ").append(p.get("p50_ms")).append(" | ")
                    .append(p.get("p95_ms")).append(" | ").append(p.get("p99_ms")).append(" | ")
                    .append(p.get("max_ms")).append(" | ").append(p.get("lookups_ok")).append('/')
                    .append(p.get("lookups")).append(" | ").append(p.get("gets_ok")).append('/').append(p.get("gets"))
                    .append(" | ").append(p.get("peak_rss_mib")).append(" | ").append(p.get("max_sampled_rss_mib"))
                    .append(" | ").append(p.get("target_died_after_ms") == null ? "-" : p.get("target_died_after_ms"))
                    .append(" |\n");
        }
        b.append("\nTarget alive after the flood: ").append(r.get("target_alive_after"));
        if (r.containsKey("target_exit_code")) {
            b.append(" (exit code ").append(r.get("target_exit_code")).append(": ").append(r.get("target_exit_reason"))
                    .append(')');
        }
        b.append(".\n\nFlood counters: ").append(new Gson().toJson(r.get("flood"))).append("\n");
        return b.toString();
    }

    // ------------------------------------------------------------------------------------------

    /** The {@code kad run} child process. */
    static final class Target implements AutoCloseable {
        final Process process;
        final PeerId id;
        final Multiaddr address;
        final Path log;

        private Target(Process process, PeerId id, Multiaddr address, Path log) {
            this.process = process;
            this.id = id;
            this.address = address;
            this.log = log;
        }

        static Target start(Path jar, String heap, Path work) throws Exception {
            if (!Files.isRegularFile(jar)) {
                throw new IllegalArgumentException("no " + jar + ": build it (./mvnw -DskipTests -pl kad-node -am package)");
            }
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Path log = work.resolve("target.log");
            Path stdoutLog = work.resolve("target-stdout.log");
            List<String> cmd = List.of(java, "-Xmx" + heap, "-XX:+ExitOnOutOfMemoryError", "-jar",
                    jar.toAbsolutePath().toString(), "run", "--listen", "/ip4/127.0.0.1/tcp/0",
                    "--api", "127.0.0.1:" + freePort(), "--store", "memory", "--data-dir",
                    work.resolve("target").toString(), "--log-level", "warn");
            Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
            CompletableFuture<JsonObject> ready = new CompletableFuture<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        Files.writeString(stdoutLog, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                                StandardOpenOption.APPEND);
                        if (line.startsWith("{") && line.contains("\"ready\"")) {
                            ready.complete(JsonParser.parseString(line).getAsJsonObject());
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    ready.completeExceptionally(e);
                }
                ready.completeExceptionally(new IllegalStateException("kad run ended before it was ready"));
            }, "target-stdout");
            reader.setDaemon(true);
            reader.start();
            JsonObject json = ready.get(60, TimeUnit.SECONDS);
            PeerId id = PeerId.parse(json.get("peer_id").getAsString());
            Multiaddr address = Multiaddr.parse(json.getAsJsonArray("listen_addrs").get(0).getAsString()
                    .replaceAll("/p2p/.*$", ""));
            return new Target(p, id, address, log);
        }

        long pid() {
            return process.pid();
        }

        /** A field of {@code /proc/<pid>/status} in KiB; -1 if unreadable (the process is gone). */
        long statusKb(String field) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
                    if (line.startsWith(field + ":")) {
                        return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
                    }
                }
            } catch (IOException | RuntimeException e) {
                return -1;
            }
            return -1;
        }

        /** Resets the process's peak RSS (Linux: {@code echo 5 > /proc/<pid>/clear_refs}); false if it cannot. */
        boolean resetPeak() {
            try {
                Files.writeString(Path.of("/proc", Long.toString(pid()), "clear_refs"), "5");
                return true;
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }

        /** The JVM's last words on stdout or stderr about running out of memory, if any. */
        String exitReason() {
            for (Path p : List.of(log.resolveSibling("target-stdout.log"), log)) {
                try {
                    for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
                        if (line.contains("OutOfMemoryError") || line.contains("fatal")) {
                            return line.strip();
                        }
                    }
                } catch (IOException e) {
                    // next
                }
            }
            return null;
        }

        String logTail(int lines) {
            try {
                List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
                return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
            } catch (IOException e) {
                return "";
            }
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    // ------------------------------------------------------------------------------------------

    /** One phase of honest operations and what the target's memory did meanwhile. */
    record Phase(String name, List<long[]> samples, long peakRssKb, long maxSampledRssKb, Duration length,
                 long targetDiedAfterMs) {

        /** {@code samples}: {type (0 lookup, 1 get), ok (0/1), latency ns}. */
        static Phase run(String name, List<KademliaNode> honest, Target target, RecordKey key, Duration length,
                         Flood flood) throws InterruptedException {
            target.resetPeak();
            List<long[]> samples = Collections.synchronizedList(new ArrayList<>());
            AtomicLong maxRss = new AtomicLong();
            AtomicLong diedAfterMs = new AtomicLong(-1);
            long start = System.nanoTime();
            long end = start + length.toNanos();
            List<Thread> threads = new ArrayList<>();
            Thread sampler = new Thread(() -> {
                while (System.nanoTime() < end) {
                    maxRss.accumulateAndGet(target.statusKb("VmRSS"), Math::max);
                    if (!target.process.isAlive() && diedAfterMs.get() < 0) {
                        diedAfterMs.set((System.nanoTime() - start) / 1_000_000);
                    }
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "rss-sampler");
            sampler.start();
            for (int i = 0; i < honest.size(); i++) {
                KademliaNode n = honest.get(i);
                Random random = new Random(i);
                Thread t = new Thread(() -> {
                    int op = 0;
                    while (System.nanoTime() < end) {
                        long t0 = System.nanoTime();
                        boolean ok;
                        int type = op++ % 2;
                        try {
                            if (type == 0) {
                                byte[] k = new byte[16];
                                random.nextBytes(k);
                                QueryResult.GetClosestPeers r = n.getClosestPeers(RecordKey.of(k))
                                        .get(OP_TIMEOUT_S, TimeUnit.SECONDS);
                                ok = r.isOk() && r.peers().contains(target.id);
                            } else {
                                // the target's copy counts, not one cached at another honest node
                                ok = n.getRecord(key, Quorum.ONE).get(OP_TIMEOUT_S, TimeUnit.SECONDS)
                                        instanceof QueryResult.GetRecord.Ok r
                                        && r.records().stream().anyMatch(p -> p.peer().equals(Optional.of(target.id)));
                            }
                        } catch (Exception e) {
                            ok = false;
                        }
                        samples.add(new long[] {type, ok ? 1 : 0, System.nanoTime() - t0});
                    }
                }, "honest-" + i);
                t.start();
                threads.add(t);
            }
            for (Thread t : threads) {
                t.join();
            }
            sampler.join();
            return new Phase(name, List.copyOf(samples), target.statusKb("VmHWM"), maxRss.get(), length,
                    diedAfterMs.get());
        }

        private double percentileMs(double p, boolean okOnly) {
            List<Long> ns = new ArrayList<>();
            for (long[] s : samples) {
                if (!okOnly || s[1] == 1) {
                    ns.add(s[2]);
                }
            }
            if (ns.isEmpty()) {
                return Double.NaN;
            }
            Collections.sort(ns);
            int i = (int) Math.ceil(p * ns.size()) - 1;
            return Math.round(ns.get(Math.max(0, Math.min(ns.size() - 1, i))) / 10_000.0) / 100.0;
        }

        private long count(int type, boolean okOnly) {
            return samples.stream().filter(s -> s[0] == type && (!okOnly || s[1] == 1)).count();
        }

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            long ok = samples.stream().filter(s -> s[1] == 1).count();
            m.put("phase", name);
            m.put("ops", samples.size());
            m.put("success_pct", samples.isEmpty() ? 0 : Math.round(1000.0 * ok / samples.size()) / 10.0);
            m.put("ops_per_s", Math.round(10.0 * samples.size() / Math.max(1, length.toSeconds())) / 10.0);
            m.put("p50_ms", percentileMs(0.50, false));
            m.put("p95_ms", percentileMs(0.95, false));
            m.put("p99_ms", percentileMs(0.99, false));
            m.put("max_ms", percentileMs(1.0, false));
            m.put("ok_p50_ms", percentileMs(0.50, true));
            m.put("ok_p95_ms", percentileMs(0.95, true));
            m.put("lookups", count(0, false));
            m.put("lookups_ok", count(0, true));
            m.put("gets", count(1, false));
            m.put("gets_ok", count(1, true));
            m.put("peak_rss_mib", peakRssKb < 0 ? null : peakRssKb / 1024);
            m.put("max_sampled_rss_mib", maxSampledRssKb <= 0 ? null : maxSampledRssKb / 1024);
            m.put("target_died_after_ms", targetDiedAfterMs < 0 ? null : targetDiedAfterMs);
            return m;
        }

        String summary() {
            return name + ": " + json();
        }
    }

    // ------------------------------------------------------------------------------------------

    /** The abusive traffic; {@link #close()} stops all of it. */
    static final class Flood implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Socket> preAuth = new CopyOnWriteArrayList<>();
        private final List<Host> abusers = new ArrayList<>();
        private final ConcurrentLinkedQueue<ScheduledFuture<?>> writers = new ConcurrentLinkedQueue<>();
        private final AtomicLong preAuthOpened = new AtomicLong();
        private final AtomicLong preAuthClosedByTarget = new AtomicLong();
        private final AtomicLong preAuthRefused = new AtomicLong();
        private final AtomicLong streamsOpened = new AtomicLong();
        private final AtomicLong streamsFailed = new AtomicLong();
        private final AtomicLong bytesPushed = new AtomicLong();
        private final AtomicLong requestsAnswered = new AtomicLong();
        private final AtomicLong abuserDialFailures = new AtomicLong();
        private Thread keeper;

        static Flood start(Options o, Target target) {
            Flood f = new Flood();
            f.startPreAuth(o.preAuth(), target.address);
            for (int i = 0; i < o.abusers(); i++) {
                f.startAbuser(o, target);
            }
            return f;
        }

        /** Sockets that send the multistream header and stall; one closed by the target is opened again. */
        private void startPreAuth(int n, Multiaddr address) {
            if (n <= 0) {
                return;
            }
            InetSocketAddress to = address.toTcpSocketAddress().orElseThrow();
            byte[] header = "\u0013/multistream/1.0.0\n".getBytes(StandardCharsets.US_ASCII);
            keeper = new Thread(() -> {
                while (running.get()) {
                    for (Socket s : preAuth) {
                        if (closedByPeer(s)) {
                            preAuth.remove(s);
                            preAuthClosedByTarget.incrementAndGet();
                            closeQuietly(s);
                        }
                    }
                    while (running.get() && preAuth.size() < n) {
                        try {
                            Socket s = new Socket();
                            s.connect(to, 2000);
                            s.setSoTimeout(1);
                            s.getOutputStream().write(header);
                            preAuth.add(s);
                            preAuthOpened.incrementAndGet();
                        } catch (IOException e) {
                            preAuthRefused.incrementAndGet();
                            break;
                        }
                    }
                    sleep(200);
                }
            }, "flood-pre-auth");
            keeper.setDaemon(true);
            keeper.start();
        }

        private static boolean closedByPeer(Socket s) {
            try {
                InputStream in = s.getInputStream();
                byte[] buf = new byte[256];
                return in.read(buf) < 0;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException e) {
                return true;
            }
        }

        private void startAbuser(Options o, Target target) {
            Host host;
            try {
                host = Host.start(HostConfig.builder(Ed25519KeyPair.generate()).idleTimeout(Duration.ZERO)
                        .build());
                abusers.add(host);
                host.dial(target.id, List.of(target.address)).get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                abuserDialFailures.incrementAndGet();
                return;
            }
            for (int i = 0; i < o.pingStreams(); i++) {
                open(host, target.id, PING, ch -> {
                    ch.config().setAutoRead(false); // never read the echoes: never grant window back
                    push(ch, Long.MAX_VALUE);
                });
            }
            for (int i = 0; i < o.partialStreams(); i++) {
                open(host, target.id, KAD, ch -> {
                    byte[] prefix = uvarint(PARTIAL_FRAME);
                    ch.writeAndFlush(Unpooled.wrappedBuffer(prefix));
                    push(ch, PARTIAL_FRAME - 1L);
                });
            }
            KadCodec codec = KadCodec.defaults();
            for (int i = 0; i < o.requestStreams(); i++) {
                requestLoop(host, target.id, codec, new Random(i));
            }
        }

        private interface StreamUse {
            void use(StreamChannel ch);
        }

        private void open(Host host, PeerId peer, String protocol, StreamUse use) {
            host.openStream(peer, protocol, ch -> { }).whenComplete((ch, e) -> {
                if (e != null) {
                    streamsFailed.incrementAndGet();
                    return;
                }
                streamsOpened.incrementAndGet();
                use.use(ch);
            });
        }

        /** Writes 16 KiB chunks while the stream is writable, up to {@code total} bytes. */
        private void push(StreamChannel ch, long total) {
            ByteBuf chunk = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(new byte[16 * 1024]));
            AtomicLong left = new AtomicLong(total);
            ScheduledFuture<?> f = ch.eventLoop().scheduleAtFixedRate(() -> {
                boolean wrote = false;
                while (running.get() && ch.isActive() && ch.isWritable() && left.get() > 0) {
                    int n = (int) Math.min(chunk.capacity(), left.get());
                    ch.write(chunk.retainedSlice(0, n));
                    left.addAndGet(-n);
                    bytesPushed.addAndGet(n);
                    wrote = true;
                }
                if (wrote) {
                    ch.flush();
                }
            }, 0, 5, TimeUnit.MILLISECONDS);
            writers.add(f);
        }

        /** FIND_NODE after FIND_NODE on one stream as fast as answers come; a new stream when one ends. */
        private void requestLoop(Host host, PeerId peer, KadCodec codec, Random random) {
            if (!running.get()) {
                return;
            }
            host.openStream(peer, KAD, ch -> ch.pipeline().addLast(new UvarintFrameDecoder(),
                    new UvarintFrameEncoder(), new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ReferenceCountUtil.release(msg);
                            requestsAnswered.incrementAndGet();
                            if (running.get()) {
                                ctx.writeAndFlush(request(codec, random));
                            }
                        }

                        @Override
                        public void channelInactive(ChannelHandlerContext ctx) {
                            if (running.get()) {
                                ctx.channel().eventLoop().schedule(() -> requestLoop(host, peer, codec, random),
                                        50, TimeUnit.MILLISECONDS);
                            }
                        }
                    })).whenComplete((ch, e) -> {
                        if (e != null) {
                            streamsFailed.incrementAndGet();
                            if (running.get() && !host.isClosed()) {
                                CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS)
                                        .execute(() -> requestLoop(host, peer, codec, random));
                            }
                            return;
                        }
                        streamsOpened.incrementAndGet();
                        ch.writeAndFlush(request(codec, random));
                    });
        }

        private static ByteBuf request(KadCodec codec, Random random) {
            byte[] k = new byte[32];
            random.nextBytes(k);
            return Unpooled.wrappedBuffer(codec.encodeRequest(new KadRequest.FindNode(RecordKey.of(k)), Instant.now()));
        }

        private static byte[] uvarint(long v) {
            byte[] out = new byte[10];
            int n = 0;
            while ((v & ~0x7FL) != 0) {
                out[n++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            out[n++] = (byte) v;
            return java.util.Arrays.copyOf(out, n);
        }

        Map<String, Object> stats() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pre_auth_opened", preAuthOpened.get());
            m.put("pre_auth_closed_by_target", preAuthClosedByTarget.get());
            m.put("pre_auth_connect_failures", preAuthRefused.get());
            m.put("abuser_dial_failures", abuserDialFailures.get());
            m.put("abuse_streams_opened", streamsOpened.get());
            m.put("abuse_streams_failed", streamsFailed.get());
            m.put("abuse_bytes_pushed_mib", bytesPushed.get() / (1024 * 1024));
            m.put("flood_find_node_answered", requestsAnswered.get());
            return m;
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            for (ScheduledFuture<?> f : writers) {
                f.cancel(false);
            }
            if (keeper != null) {
                keeper.join(5000);
            }
            for (Socket s : preAuth) {
                closeQuietly(s);
            }
            for (Host h : abusers) {
                h.close();
            }
        }

        private static void closeQuietly(Socket s) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }

        private static void sleep(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
