package io.jkad.node;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A {@code kad run} in a process of its own: the shaded jar ({@code target/kad.jar}, which Failsafe
 * finds since it runs after {@code package}), or this JVM's class path when the jar is missing (a
 * run from an IDE). Each process gets a free port for its node and its API; stdout and stderr go to
 * {@code target/kad-process-logs/}. {@link #close()} kills it if it still runs. Test code.
 */
public final class KadProcess implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    final String name;
    final Path dataDir;
    final int port;
    final int apiPort;
    final List<String> extraArgs;
    private final Path log;
    private Process process;

    KadProcess(String name, Path dataDir, List<String> extraArgs) {
        this.name = name;
        this.dataDir = dataDir;
        this.port = KadRun.freePort();
        this.apiPort = KadRun.freePort();
        this.extraArgs = List.copyOf(extraArgs);
        Path logs = Path.of("target", "kad-process-logs");
        try {
            Files.createDirectories(logs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.log = logs.resolve(name + "-" + System.nanoTime() + ".log").toAbsolutePath();
    }

    /** {@code 127.0.0.1:<api port>}. */
    String api() {
        return "127.0.0.1:" + apiPort;
    }

    /** The node's address without its peer id. */
    String listenAddress() {
        return "/ip4/127.0.0.1/tcp/" + port;
    }

    static List<String> javaCommand() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path jar = Path.of(System.getProperty("kad.jar", Path.of("target", "kad.jar").toString())); // another build to compare
        if (Files.isRegularFile(jar)) {
            return List.of(java, "-Xmx256m", "-XX:+ExitOnOutOfMemoryError", "-jar", jar.toAbsolutePath().toString());
        }
        return List.of(java, "-Xmx256m", "-XX:+ExitOnOutOfMemoryError", "-cp", System.getProperty("java.class.path"),
                KadCommand.class.getName());
    }

    /** Starts (or starts again) the process and waits until {@code kad status} answers. */
    KadProcess start(String... moreArgs) throws Exception {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is running");
        }
        List<String> cmd = new ArrayList<>(javaCommand());
        cmd.addAll(List.of("run", "--listen", listenAddress(), "--data-dir", dataDir.toString(),
                "--api", api(), "--log-level", "debug"));
        cmd.addAll(extraArgs);
        cmd.addAll(List.of(moreArgs));
        Files.writeString(log, "$ " + String.join(" ", cmd) + "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        process = pb.start();
        awaitReady();
        return this;
    }

    /**
     * Starts the process as {@link #start} does, but with {@code jvmOptions} (instead of the heap
     * and out-of-memory options of {@link #javaCommand()}) and {@code mainClass} (a test wrapper of
     * {@link KadCommand#main}, found in the test classes) instead of the jar's main class; waits
     * until {@code kad status} answers.
     */
    KadProcess startWith(List<String> jvmOptions, String mainClass, String... moreArgs) throws Exception {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is running");
        }
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path jar = Path.of("target", "kad.jar");
        String classPath = Files.isRegularFile(jar)
                ? jar.toAbsolutePath() + File.pathSeparator + Path.of("target", "test-classes").toAbsolutePath()
                : System.getProperty("java.class.path");
        List<String> cmd = new ArrayList<>(List.of(javaBin));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", classPath, mainClass));
        cmd.addAll(List.of("run", "--listen", listenAddress(), "--data-dir", dataDir.toString(),
                "--api", api(), "--log-level", "debug"));
        cmd.addAll(extraArgs);
        cmd.addAll(List.of(moreArgs));
        Files.writeString(log, "$ " + String.join(" ", cmd) + "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        awaitReady();
        return this;
    }

    /** Waits up to {@code timeout} for the process to exit by itself; its exit code. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(name + " still runs after " + timeout + ":\n" + tail());
        }
        return process.exitValue();
    }

    /** The process id, while it runs (for /proc/&lt;pid&gt;/status). */
    public long pid() {
        return process.pid();
    }

    private void awaitReady() {
        try {
            Awaitility.await(name + " ready").atMost(READY_TIMEOUT).pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(200)).until(this::answersStatus);
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException(name + " not ready within " + READY_TIMEOUT + ":\n" + tail(), e);
        }
    }

    /** Whether the API answers {@code /v1/status}; throws (ending the wait) once the process has exited. */
    private boolean answersStatus() {
        if (!process.isAlive()) {
            throw new IllegalStateException(name + " exited with " + process.exitValue() + " before it was ready:\n"
                    + tail());
        }
        try {
            return new ApiClient(ApiClient.parseAddress(api())).get("/v1/status").ok();
        } catch (IOException e) {
            return false; // not listening yet
        }
    }

    /** The peer id from {@code kad status}. */
    String peerId() {
        KadRun r = KadRun.kad("status", "--api", api(), "--json");
        if (r.exitCode() != 0) {
            throw new IllegalStateException(name + ": status failed: " + r.err() + "\n" + tail());
        }
        return (String) r.json().get("peer_id");
    }

    /** The node's address with its peer id. */
    String dialAddress() {
        return listenAddress() + "/p2p/" + peerId();
    }

    /** Runs a client command against this node, with {@code --json}. */
    KadRun kad(String... args) {
        String[] all = new String[args.length + 3];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--api";
        all[args.length + 1] = api();
        all[args.length + 2] = "--json";
        return KadRun.kad(all);
    }

    /** SIGKILL: no shutdown hook, no routing table save, the store not closed. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(20, TimeUnit.SECONDS);
    }

    /** SIGTERM: the graceful stop; returns the exit code. */
    int terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(name + " did not stop within 30 s of SIGTERM:\n" + tail());
        }
        return process.exitValue();
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    String tail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    String logText() throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---- for tests in other packages (io.jkad.net's hostile suites) ----

    /** A process named {@code name} with its data in {@code dataDir}, not started. */
    public static KadProcess create(String name, Path dataDir, List<String> extraArgs) {
        return new KadProcess(name, dataDir, extraArgs);
    }

    /** {@link #start}. */
    public KadProcess launch(String... moreArgs) throws Exception {
        return start(moreArgs);
    }

    /** The node's TCP port on 127.0.0.1. */
    public int nodePort() {
        return port;
    }

    /** The node's peer id (base58), from {@code kad status}. */
    public String nodePeerId() {
        return peerId();
    }

    /** Whether the process runs. */
    public boolean running() {
        return isAlive();
    }

    /** Everything the process logged so far. */
    public String log() throws IOException {
        return logText();
    }

    /** The last lines of its log, for failure messages. */
    public String logTail() {
        return tail();
    }

    /** The body of {@code GET path} on its API, as JSON. */
    public java.util.Map<String, Object> apiGet(String path) throws IOException {
        ApiClient.Response r = new ApiClient(ApiClient.parseAddress(api())).get(path);
        if (!r.ok()) {
            throw new IOException(path + " answered " + r.status() + ": " + r.json());
        }
        return r.json();
    }

    /** The text of {@code GET path} on its API (the Prometheus metrics). */
    public String apiText(String path) throws IOException {
        return new ApiClient(ApiClient.parseAddress(api())).get(path).text();
    }

    /**
     * The CPU time the process used so far (user + system, from {@code /proc/<pid>/stat}; Linux),
     * in nanoseconds.
     */
    public long cpuNanos() throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"), StandardCharsets.US_ASCII);
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // After the command name: state is field 3 of the man page, utime 14 and stime 15.
        long ticks = Long.parseLong(f[14 - 3]) + Long.parseLong(f[15 - 3]);
        return ticks * 10_000_000L; // USER_HZ is 100 on Linux
    }

    /** Resident memory now, in bytes (from {@code /proc/<pid>/status}). */
    public long rssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IOException("no VmRSS");
    }

    /** The process's thread count now ({@code Threads} of {@code /proc/<pid>/status}; Linux). */
    public int threads() throws IOException {
        return threadsOf(process.pid());
    }

    /** The thread count of process {@code pid} ({@code Threads} of {@code /proc/<pid>/status}; Linux). */
    public static int threadsOf(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("Threads:")) {
                return Integer.parseInt(line.substring("Threads:".length()).trim());
            }
        }
        throw new IOException("no Threads in /proc/" + pid + "/status");
    }

    /** The body of {@code POST path} with the JSON {@code body} on its API, whatever the status. */
    public java.util.Map<String, Object> apiPost(String path, java.util.Map<String, Object> body) throws IOException {
        return new ApiClient(ApiClient.parseAddress(api())).post(path, body).json();
    }

    /** Closes all, never throwing. */
    static void closeAll(List<KadProcess> processes) {
        for (KadProcess p : processes) {
            p.close();
        }
    }
}
