package io.jkad.bench;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.jkad.identity.PeerId;
import io.jkad.interop.InteropPeer;
import io.jkad.multiaddr.Multiaddr;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The one node {@link ServeBench} loads: a {@code kad run} process (the shaded {@code kad.jar},
 * memory or RocksDB store), a js-libp2p peer ({@code interop/js/peer.mjs}) or a go-libp2p-kad-dht
 * peer ({@code interop/go}), each a process of its own, under {@code taskset -c <cpus>} when
 * given, so that each gets the same one core. {@link #limits} says which of its limits the bench
 * raised, and why.
 */
final class ServeTarget implements AutoCloseable {

    final String name;
    final PeerId id;
    final Multiaddr address;
    final long pid;
    final List<String> limits;
    private final AutoCloseable process;

    private ServeTarget(String name, PeerId id, Multiaddr address, long pid, List<String> limits,
                        AutoCloseable process) {
        this.name = name;
        this.id = id;
        this.address = address;
        this.pid = pid;
        this.limits = limits;
        this.process = process;
    }

    /** The flags {@code kad run} gets beside its listen address, API, store and data directory. */
    static final List<String> JKAD_FLAGS = List.of("--request-limits", "1000000:1000000",
            "--max-handshakes-per-ip", "256",
            // info: the node's reasons for refusing or resetting a stream reach stderr.log
            "--log-level", "info");

    /**
     * Starts {@code kad run --store <store>} with {@code -Xmx<heap>}; {@code SERVE_TARGET_JAVA_OPTS}
     * adds JVM options (a flight recording), {@code SERVE_TARGET_JAVA} names another {@code java}
     * (default: this JVM's).
     */
    static ServeTarget jkad(Path jar, String store, String heap, String cpus, Path work) throws Exception {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException("no " + jar + ": build it (./mvnw -DskipTests -pl kad-node -am package)");
        }
        String java = System.getenv().getOrDefault("SERVE_TARGET_JAVA",
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Path dir = work.resolve("jkad-" + store);
        Files.createDirectories(dir);
        List<String> cmd = new ArrayList<>();
        if (!cpus.isBlank()) {
            cmd.addAll(List.of("taskset", "-c", cpus));
        }
        cmd.add(java);
        String extra = System.getenv("SERVE_TARGET_JAVA_OPTS");
        if (extra != null && !extra.isBlank()) {
            cmd.addAll(List.of(extra.trim().replace("{store}", store).split("\\s+")));
        }
        cmd.addAll(List.of("-Xmx" + heap, "-XX:+ExitOnOutOfMemoryError", "-jar", jar.toAbsolutePath().toString(),
                "run", "--listen", "/ip4/127.0.0.1/tcp/0", "--api", "127.0.0.1:" + FloodTarget.freePort(),
                "--store", store, "--data-dir", dir.toString()));
        cmd.addAll(JKAD_FLAGS);
        Process p = new ProcessBuilder(cmd).redirectError(dir.resolve("stderr.log").toFile()).start();
        CompletableFuture<JsonObject> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("{") && line.contains("\"ready\"")) {
                        ready.complete(JsonParser.parseString(line).getAsJsonObject());
                    }
                }
            } catch (IOException | RuntimeException e) {
                ready.completeExceptionally(e);
            }
            ready.completeExceptionally(new IllegalStateException("kad run ended before it was ready: see " + dir));
        }, "serve-target-stdout");
        reader.setDaemon(true);
        reader.start();
        JsonObject json;
        try {
            json = ready.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            p.destroyForcibly();
            throw e;
        }
        PeerId id = PeerId.parse(json.get("peer_id").getAsString());
        Multiaddr address = Multiaddr.parse(json.getAsJsonArray("listen_addrs").get(0).getAsString()
                .replaceAll("/p2p/.*$", ""));
        List<String> limits = List.of(
                "--request-limits 1000000:1000000: the per-peer budgets (FIND_NODE, GET_VALUE, GET_PROVIDERS 20/s "
                        + "after a burst of 100, ADD_PROVIDER 20/s after 500) would refuse all but a few hundred "
                        + "requests a second from the bench's connections; go and js have no per-peer request budget",
                "--max-handshakes-per-ip 256: every connection of the bench comes from 127.0.0.1 (default 32 in "
                        + "the handshake at once, then 8 new a second)",
                "-Xmx" + heap + " (memory budget for buffered bytes: the default quarter of it)");
        return new ServeTarget("jkad-" + store, id, address, p.pid(), limits, () -> {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        });
    }

    /** Starts a js or go peer process with one node. */
    static ServeTarget peer(InteropPeer.Kind kind, String cpus) {
        InteropPeer.Options o = InteropPeer.options(kind).nodes(1);
        if (!cpus.isBlank()) {
            o = o.commandPrefix(List.of("taskset", "-c", cpus));
        }
        InteropPeer peer = InteropPeer.start(o);
        Multiaddr address = Multiaddr.parse(peer.info().addrs().get(0).replaceAll("/p2p/.*$", ""));
        List<String> limits = kind == InteropPeer.Kind.JS ? List.of(
                "none raised by the bench; interop/js/peer.mjs already raises connectionManager."
                        + "inboundConnectionThreshold (5 a second per host by default) to 10,000 and maxConnections to 1,000",
                "kad-dht's maxInboundStreams (32 per connection) kept: the bench keeps at most --depth (<= 16) "
                        + "requests outstanding per connection")
                : List.of("none raised by the bench; interop/go runs without a resource manager "
                        + "(network.NullResourceManager), so no stream or connection limit applies; "
                        + "go-libp2p-kad-dht has no per-peer request budget");
        return new ServeTarget(BenchNetworks.NAMES.get(kind), PeerId.parse(peer.info().peerId()), address, peer.pid(),
                limits, peer);
    }

    boolean isAlive() {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    @Override
    public void close() throws Exception {
        process.close();
    }
}
