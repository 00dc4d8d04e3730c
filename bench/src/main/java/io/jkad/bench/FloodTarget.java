package io.jkad.bench;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The node under the flood of {@link FloodBench}: a {@code kad run} child process (the shaded
 * {@code kad.jar}, {@code --store memory}, {@code -Xmx<heap>}, {@code --max-memory <budget>},
 * {@code -XX:+ExitOnOutOfMemoryError}) listening on 127.0.0.1, and what {@code /proc} says about
 * it: resident memory (now and peak, the peak resettable) and threads. Linux only.
 */
final class FloodTarget implements AutoCloseable {

    final Process process;
    final PeerId id;
    final Multiaddr address;
    private final Path log;

    private FloodTarget(Process process, PeerId id, Multiaddr address, Path log) {
        this.process = process;
        this.id = id;
        this.address = address;
        this.log = log;
    }

    static FloodTarget start(Path jar, String heap, String maxMemory, String cpus, Path work) throws Exception {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException("no " + jar + ": build it (./mvnw -DskipTests -pl kad-node -am package)");
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = work.resolve("target.log");
        Path stdoutLog = work.resolve("target-stdout.log");
        List<String> cmd = new java.util.ArrayList<>();
        if (!cpus.isBlank()) {
            cmd.addAll(List.of("taskset", "-c", cpus));
        }
        cmd.add(java);
        String extra = System.getenv("FLOOD_TARGET_JAVA_OPTS"); // e.g. a flight recording of the node
        if (extra != null && !extra.isBlank()) {
            cmd.addAll(List.of(extra.trim().split("\\s+")));
        }
        cmd.addAll(List.of("-Xmx" + heap, "-XX:+ExitOnOutOfMemoryError", "-jar",
                jar.toAbsolutePath().toString(), "run", "--listen", "/ip4/127.0.0.1/tcp/0",
                "--api", "127.0.0.1:" + freePort(), "--store", "memory", "--max-memory", maxMemory, "--data-dir",
                work.resolve("target").toString(), "--log-level", "warn"));
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
        return new FloodTarget(p, id, address, log);
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** A numeric field of {@code /proc/<pid>/status} (KiB for the memory ones); -1 if unreadable (the process is gone). */
    long status(String field) {
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

    /** CPU time (user + system) of process {@code pid} so far, ms, from {@code /proc/<pid>/stat}; -1 if unreadable. */
    static long cpuMillis(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[14 - 3]) + Long.parseLong(f[15 - 3])) * 10; // utime, stime; USER_HZ 100
        } catch (IOException | RuntimeException e) {
            return -1;
        }
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

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
