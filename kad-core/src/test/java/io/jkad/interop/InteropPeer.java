package io.jkad.interop;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.opentest4j.TestAbortedException;

/**
 * An interop peer process hosting one or more Kademlia nodes of another implementation, driven
 * through the JSON-line protocol they share (interop/js/README.md): js-libp2p
 * ({@code interop/js/peer.mjs}), go-libp2p-kad-dht ({@code interop/go}) or rust-libp2p
 * ({@code interop/rust}). Test code.
 *
 * <pre>{@code
 * try (InteropPeer a = InteropPeer.start(Kind.GO);
 *         InteropPeer b = InteropPeer.start(InteropPeer.options(Kind.GO).bootstrap(a.dialAddr()))) {
 *     a.put(key, value);
 *     byte[] v = b.get(key).value();
 * }
 * }</pre>
 *
 * <p>Starting finds the kind's toolchain ({@code node}, {@code go}, {@code cargo}: a system
 * property or environment variable, the PATH, or the usual install place) and its directory
 * ({@code -Djkad.interop.<kind>.dir=…}, or upwards from the working directory); for js it runs
 * {@code npm ci} once when {@code node_modules} is missing, for go and rust {@code go build} or
 * {@code cargo build --release --locked} once per JVM (incremental: the binary in
 * {@code interop/<kind>/target} is reused while the sources are unchanged). Without the toolchain
 * the calling test is skipped, except under CI ({@code $CI} set), where it fails. The process's
 * stderr goes to {@code target/<kind>-peer-logs/<kind>-peer-<pid>.log} (and its last lines into
 * error messages). {@link #close()} stops the process (and kills it if it does not stop); the
 * process also exits by itself when this JVM goes away (its stdin closes).
 *
 * <p>The command methods of {@link PeerCommands} on an {@code InteropPeer} address node 0;
 * {@link #node(int)} addresses the others. Thread-safe: commands may be sent concurrently.
 */
public final class InteropPeer implements PeerCommands, AutoCloseable {

    /** Default time for one command. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration GRACE = Duration.ofSeconds(10);
    private static final int STDERR_TAIL_LINES = 60;

    private final Kind kind;
    private final Process process;
    private final BufferedWriter stdin;
    private final Path logFile;
    private final Map<Long, CompletableFuture<Map<String, Object>>> pending = new ConcurrentHashMap<>();
    private final CompletableFuture<Map<String, Object>> ready = new CompletableFuture<>();
    private final AtomicLong ids = new AtomicLong();
    private final Deque<String> stderrTail = new ArrayDeque<>();
    private final Thread stdoutReader;
    private final Thread stderrReader;
    private final Duration timeout;
    private volatile List<NodeInfo> nodes = List.of();
    private volatile boolean closed;

    private InteropPeer(Kind kind, Process process, Path logFile, Duration timeout) throws IOException {
        this.kind = kind;
        this.process = process;
        this.logFile = logFile;
        this.timeout = timeout;
        this.stdin = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        Writer log = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8);
        this.stderrReader = daemon(kind.label + "-peer-stderr-" + process.pid(), () -> drainStderr(process.getErrorStream(), log));
        this.stdoutReader = daemon(kind.label + "-peer-stdout-" + process.pid(), () -> readStdout(process.getInputStream()));
    }

    /** Options for a js peer with the defaults: one node, any port on 127.0.0.1, a random key, no bootstrap. */
    public static Options options() {
        return new Options(Kind.JS);
    }

    /** Options for a peer of {@code kind}, with the same defaults as {@link #options()}. */
    public static Options options(Kind kind) {
        return new Options(kind);
    }

    /** Starts one js node with the default options. */
    public static InteropPeer start() {
        return start(options());
    }

    /** Starts one node of {@code kind} with the default options. */
    public static InteropPeer start(Kind kind) {
        return start(options(kind));
    }

    /**
     * Starts a peer process and waits for its nodes to listen.
     *
     * @throws TestAbortedException if the kind's toolchain is not installed and {@code $CI} is not set
     * @throws IllegalStateException if the toolchain is missing under CI, or the peer's build fails
     * @throws PeerException if the process does not start within the start timeout
     */
    public static InteropPeer start(Options options) {
        Kind kind = options.kind;
        Path logDir = Path.of(System.getProperty("jkad.interop.logDir", "target/" + kind.label + "-peer-logs"))
                .toAbsolutePath();
        Launch launch = kind.prepare(logDir);

        List<String> command = new ArrayList<>(options.commandPrefix);
        command.addAll(launch.command());
        command.addAll(List.of("--host", options.host, "--port", Integer.toString(options.port),
                "--nodes", Integer.toString(options.nodes)));
        if (!options.listen.isEmpty()) {
            command.addAll(List.of("--listen", String.join(",", options.listen)));
        }
        options.keyHex.ifPresent(k -> command.addAll(List.of("--key", k)));
        options.keyPkcs8Hex.ifPresent(k -> command.addAll(List.of("--key-pkcs8", k)));
        options.keyType.ifPresent(t -> command.addAll(List.of("--key-type", t)));
        if (options.seed >= 0) {
            command.addAll(List.of("--seed", Long.toString(options.seed)));
        }
        if (!options.bootstrap.isEmpty()) {
            command.addAll(List.of("--bootstrap", String.join(",", options.bootstrap)));
        }
        if (options.interconnect) {
            command.add("--interconnect");
        }
        if (!options.announce.isEmpty()) {
            command.addAll(List.of("--announce", String.join(",", options.announce)));
        }
        options.yamuxKeepAlive.ifPresent(d -> command.addAll(List.of("--yamux-keepalive", Long.toString(d.toMillis()))));
        ProcessBuilder pb = new ProcessBuilder(command).directory(launch.dir().toFile());
        pb.environment().putAll(options.env);

        InteropPeer peer;
        try {
            Files.createDirectories(logDir);
            Process process = pb.start();
            peer = new InteropPeer(kind, process, logDir.resolve(kind.label + "-peer-" + process.pid() + ".log"),
                    options.timeout);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
        try {
            Map<String, Object> ready = peer.ready.get(options.startTimeout.toMillis(), TimeUnit.MILLISECONDS);
            peer.nodes = Results.objects(ready, "nodes").stream()
                    .map(n -> new NodeInfo((int) Results.number(n, "node"), Results.string(n, "peerId"),
                            Results.strings(n, "addrs")))
                    .toList();
            return peer;
        } catch (TimeoutException | InterruptedException | ExecutionException | RuntimeException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            peer.close();
            throw new PeerException("ProcessError", kind.label + " peer did not start within " + options.startTimeout
                    + " (" + command + "); log " + peer.logFile + ":\n" + peer.stderrTail(), e);
        }
    }

    /** Which implementation a peer process runs. */
    public enum Kind {
        /** js-libp2p with {@code @libp2p/kad-dht}: {@code interop/js/peer.mjs} on Node.js. */
        JS("js"),
        /** go-libp2p-kad-dht: {@code interop/go}, built with the Go toolchain. */
        GO("go"),
        /** rust-libp2p's {@code libp2p-kad}: {@code interop/rust}, built with cargo. */
        RUST("rust");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        /** {@code js}, {@code go} or {@code rust}. */
        public String label() {
            return label;
        }

        /** Finds the toolchain, installs or builds the peer if needed; the command that runs it. */
        Launch prepare(Path logDir) {
            switch (this) {
                case JS: {
                    Path node = findTool("node", "jkad.node", "JKAD_NODE", List.of(), "Node.js 20 or newer");
                    Path dir = findInteropDir("js", "peer.mjs");
                    ensureInstalled(dir, node, logDir);
                    return new Launch(dir, List.of(node.toString(), "peer.mjs"));
                }
                case GO: {
                    Path go = findTool("go", "jkad.go", "JKAD_GO", List.of(Path.of("/usr/local/go/bin/go")),
                            "the Go toolchain (1.25 or newer)");
                    Path dir = findInteropDir("go", "go.mod");
                    Path binary = dir.resolve("target").resolve("jkad-go-peer");
                    build(this, dir, logDir, List.of(go.toString(), "build", "-o", binary.toString(), "."));
                    return new Launch(dir, List.of(binary.toString()));
                }
                case RUST: {
                    Path cargo = findTool("cargo", "jkad.cargo", "JKAD_CARGO",
                            List.of(Path.of(System.getProperty("user.home"), ".cargo", "bin", "cargo")),
                            "the Rust toolchain (cargo, Rust 1.88 or newer)");
                    Path dir = findInteropDir("rust", "Cargo.toml");
                    build(this, dir, logDir, List.of(cargo.toString(), "build", "--release", "--locked"));
                    return new Launch(dir, List.of(dir.resolve("target").resolve("release").resolve("jkad-rust-peer").toString()));
                }
                default:
                    throw new AssertionError(this);
            }
        }
    }

    /** Where to run a peer and the command (before its options). */
    record Launch(Path dir, List<String> command) {}

    /** The nodes of this process, in index order. */
    public List<PeerCommands> nodes() {
        List<PeerCommands> all = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            all.add(node(i));
        }
        return all;
    }

    /** Node {@code index} of this process. */
    public PeerCommands node(int index) {
        if (index < 0 || index >= nodes.size()) {
            throw new IllegalArgumentException("no node " + index + " in a " + kind.label + " peer of " + nodes.size());
        }
        return new Node(index, timeout);
    }

    /** The js process id. */
    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Where the process's stderr goes. */
    public Path logFile() {
        return logFile;
    }

    @Override
    public NodeInfo info() {
        return nodes.get(0);
    }

    @Override
    public Duration timeout() {
        return timeout;
    }

    @Override
    public PeerCommands withTimeout(Duration timeout) {
        return new Node(0, timeout);
    }

    @Override
    public Map<String, Object> call(String cmd, Map<String, Object> args) {
        return send(0, cmd, args, timeout);
    }

    /**
     * Stops the nodes ({@code stop}), then kills the process if it has not exited within 5 s.
     * Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (process.isAlive()) {
            try {
                writeLine(Json.write(Map.of("id", -1, "cmd", "stop")));
            } catch (IOException ignored) {
                // already gone: fall through to the kill
            }
            try {
                stdin.close();
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroy();
                    if (!process.waitFor(5, TimeUnit.SECONDS)) {
                        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    }
                }
            } catch (IOException ignored) {
                process.destroyForcibly();
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        try {
            stdoutReader.join(2_000);
            stderrReader.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failPending(kind.label + " peer closed");
    }

    @Override
    public String toString() {
        return "InteropPeer[" + kind.label + ", pid=" + process.pid() + ", nodes=" + nodes + "]";
    }

    // ---- protocol ------------------------------------------------------------------------

    private Map<String, Object> send(int node, String cmd, Map<String, Object> args, Duration timeout) {
        if (closed || !process.isAlive()) {
            throw new PeerException("ProcessError", kind.label + " peer " + process.pid() + " is not running; log "
                    + logFile + ":\n" + stderrTail());
        }
        long id = ids.incrementAndGet();
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("id", id);
        line.put("cmd", cmd);
        line.put("node", node);
        line.put("timeoutMs", Math.max(1, timeout.toMillis()));
        line.putAll(args);
        CompletableFuture<Map<String, Object>> answer = new CompletableFuture<>();
        pending.put(id, answer);
        Map<String, Object> reply;
        try {
            writeLine(Json.write(line));
            reply = answer.get(timeout.plus(GRACE).toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new PeerException("TimeoutError", kind.label + " node " + node + " did not answer " + cmd
                    + " within " + timeout.plus(GRACE), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PeerException("ProcessError", "interrupted waiting for " + cmd, e);
        } catch (ExecutionException e) {
            throw new PeerException("ProcessError", e.getCause().getMessage(), e.getCause());
        } catch (IOException e) {
            throw new PeerException("ProcessError", "cannot write to " + kind.label + " peer " + process.pid() + ": " + e
                    + "; log " + logFile + ":\n" + stderrTail(), e);
        } finally {
            pending.remove(id);
        }
        if (Boolean.TRUE.equals(reply.get("ok"))) {
            Object result = reply.get("result");
            if (result instanceof Map<?, ?>) {
                @SuppressWarnings("unchecked")
                Map<String, Object> r = (Map<String, Object>) result;
                return r;
            }
            throw new PeerException("ProtocolError", kind.label + " answer without a result object: " + reply);
        }
        String name = reply.get("errorName") instanceof String s ? s : "Error";
        throw new PeerException(name, kind.label + " node " + node + ": " + cmd + " failed: " + name + ": " + reply.get("error"));
    }

    private void writeLine(String line) throws IOException {
        synchronized (stdin) {
            stdin.write(line);
            stdin.write('\n');
            stdin.flush();
        }
    }

    private void readStdout(InputStream in) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                Map<String, Object> msg;
                try {
                    msg = Json.parseObject(line);
                } catch (IllegalArgumentException e) {
                    rememberStderr("(stdout, not JSON) " + line);
                    continue;
                }
                if ("ready".equals(msg.get("event"))) {
                    ready.complete(msg);
                } else if (msg.get("id") instanceof Long id) {
                    CompletableFuture<Map<String, Object>> f = pending.get(id);
                    if (f != null) {
                        f.complete(msg);
                    }
                } else {
                    rememberStderr("(stdout, unmatched) " + line);
                }
            }
        } catch (IOException e) {
            rememberStderr("(stdout read failed) " + e);
        }
        // EOF: the process is gone or going.
        String why = kind.label + " peer " + process.pid() + " exited" + exitCode() + "; log " + logFile + ":\n" + stderrTail();
        ready.completeExceptionally(new PeerException("ProcessError", why));
        failPending(why);
    }

    private String exitCode() {
        try {
            return process.waitFor(2, TimeUnit.SECONDS) ? " with code " + process.exitValue() : "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private void failPending(String why) {
        for (CompletableFuture<Map<String, Object>> f : pending.values()) {
            f.completeExceptionally(new PeerException("ProcessError", why));
        }
    }

    private void drainStderr(InputStream in, Writer log) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                Writer out = log) {
            String line;
            while ((line = reader.readLine()) != null) {
                out.write(line);
                out.write('\n');
                out.flush();
                rememberStderr(line);
            }
        } catch (IOException e) {
            rememberStderr("(stderr read failed) " + e);
        }
    }

    private void rememberStderr(String line) {
        synchronized (stderrTail) {
            stderrTail.addLast(line);
            while (stderrTail.size() > STDERR_TAIL_LINES) {
                stderrTail.removeFirst();
            }
        }
    }

    private String stderrTail() {
        synchronized (stderrTail) {
            return String.join("\n", stderrTail);
        }
    }

    private static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** A handle on one node of the process. */
    private final class Node implements PeerCommands {
        private final int index;
        private final Duration timeout;

        Node(int index, Duration timeout) {
            this.index = index;
            this.timeout = Objects.requireNonNull(timeout, "timeout");
        }

        @Override
        public Duration timeout() {
            return timeout;
        }

        @Override
        public PeerCommands withTimeout(Duration timeout) {
            return new Node(index, timeout);
        }

        @Override
        public Map<String, Object> call(String cmd, Map<String, Object> args) {
            return send(index, cmd, args, timeout);
        }

        @Override
        public NodeInfo info() {
            return nodes.get(index);
        }

        @Override
        public String toString() {
            return kind.label + "Node[" + index + ", " + info().peerId() + "]";
        }
    }

    // ---- environment ---------------------------------------------------------------------

    /** This peer's implementation. */
    public Kind kind() {
        return kind;
    }

    /**
     * A tool: the system property {@code property}, the environment variable {@code envVar}, the
     * first {@code name} on the PATH, or one of {@code fallbacks}. Missing: the test is skipped,
     * except under CI ({@code $CI} set), where it fails.
     */
    static Path findTool(String name, String property, String envVar, List<Path> fallbacks, String what) {
        String explicit = Optional.ofNullable(System.getProperty(property)).orElse(System.getenv(envVar));
        if (explicit != null) {
            Path p = Path.of(explicit);
            if (!Files.isExecutable(p)) {
                throw new IllegalStateException(property + " / " + envVar + " is not an executable: " + explicit);
            }
            return p;
        }
        Optional<Path> found = onPath(name).or(() -> fallbacks.stream().filter(Files::isExecutable).findFirst());
        if (found.isPresent()) {
            return found.get();
        }
        String message = name + " (" + what + ") is not on the PATH; set " + envVar + " or -D" + property
                + " to run the interop tests of this kind";
        if (System.getenv("CI") != null) {
            throw new IllegalStateException(message);
        }
        throw new TestAbortedException(message);
    }

    /** The node binary (js peers): {@code -Djkad.node}, {@code $JKAD_NODE}, or the first {@code node} on the PATH. */
    static Path findNode() {
        return findTool("node", "jkad.node", "JKAD_NODE", List.of(), "Node.js 20 or newer");
    }

    private static Optional<Path> onPath(String name) {
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
        boolean windows = System.getProperty("os.name", "").toLowerCase().contains("win");
        List<String> names = windows ? List.of(name + ".exe", name + ".cmd", name) : List.of(name);
        for (String entry : path.split(File.pathSeparator)) {
            for (String n : names) {
                if (entry.isEmpty()) {
                    continue;
                }
                Path p = Path.of(entry, n);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    /** {@code interop/js}: {@code -Djkad.interop.js.dir}, or found upwards from the working directory. */
    static Path findJsDir() {
        return findInteropDir("js", "peer.mjs");
    }

    /**
     * {@code interop/<name>}, recognised by {@code marker}: {@code -Djkad.interop.<name>.dir}, or
     * found upwards from the working directory.
     */
    static Path findInteropDir(String name, String marker) {
        String property = "jkad.interop." + name + ".dir";
        String explicit = System.getProperty(property);
        if (explicit != null) {
            Path p = Path.of(explicit).toAbsolutePath();
            if (!Files.isRegularFile(p.resolve(marker))) {
                throw new IllegalStateException(property + " has no " + marker + ": " + p);
            }
            return p;
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path candidate = d.resolve("interop").resolve(name);
            if (Files.isRegularFile(candidate.resolve(marker))) {
                return candidate;
            }
        }
        throw new IllegalStateException("interop/" + name + "/" + marker + " not found above "
                + Path.of("").toAbsolutePath() + "; set -D" + property);
    }

    /** Kinds already built by this JVM: the build tools are incremental, once per JVM is enough. */
    private static final Set<Kind> BUILT = ConcurrentHashMap.newKeySet();

    /**
     * Builds a go or rust peer with its own tool ({@code go build}, {@code cargo build}: both
     * rebuild only what changed, so the binary is cached between runs in {@code interop/<kind>/target}).
     * A file lock keeps parallel JVMs from building at the same time.
     */
    static synchronized void build(Kind kind, Path dir, Path logDir, List<String> command) {
        if (BUILT.contains(kind)) {
            return;
        }
        Path log = logDir.resolve(kind.label + "-build.log");
        try {
            Files.createDirectories(logDir);
            Files.createDirectories(dir.resolve("target"));
            try (FileChannel channel = FileChannel.open(dir.resolve("target").resolve(".build.lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock lock = channel.lock()) {
                Process p = new ProcessBuilder(command)
                        .directory(dir.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
                p.getOutputStream().close();
                if (!p.waitFor(30, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                    throw new IllegalStateException(command + " in " + dir + " took over 30 minutes; see " + log);
                }
                if (p.exitValue() != 0) {
                    throw new IllegalStateException(command + " in " + dir + " failed with code " + p.exitValue()
                            + "; see " + log + ":\n" + Files.readString(log));
                }
            }
            BUILT.add(kind);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build the " + kind.label + " peer in " + dir, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building the " + kind.label + " peer", e);
        }
    }

    /**
     * Runs {@code npm ci} in {@code dir} unless {@code node_modules} is installed (npm's
     * {@code node_modules/.package-lock.json} exists). A file lock keeps parallel JVMs from
     * installing at the same time.
     */
    static synchronized void ensureInstalled(Path dir, Path node, Path logDir) {
        Path marker = dir.resolve("node_modules").resolve(".package-lock.json");
        if (Files.exists(marker)) {
            return;
        }
        try {
            Files.createDirectories(logDir);
            try (FileChannel channel = FileChannel.open(dir.resolve(".npm-ci.lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock lock = channel.lock()) {
                if (Files.exists(marker)) {
                    return; // another JVM installed it meanwhile
                }
                Path npm = Optional.of(node.resolveSibling("npm")).filter(Files::isExecutable)
                        .or(() -> onPath("npm"))
                        .orElseThrow(() -> new IllegalStateException("npm not found beside " + node + " nor on the PATH"));
                Path log = logDir.resolve("npm-ci.log");
                Process p = new ProcessBuilder(npm.toString(), "ci", "--no-audit", "--no-fund")
                        .directory(dir.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
                p.getOutputStream().close();
                if (!p.waitFor(10, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                    throw new IllegalStateException("npm ci in " + dir + " took over 10 minutes; see " + log);
                }
                if (p.exitValue() != 0) {
                    throw new IllegalStateException("npm ci in " + dir + " failed with code " + p.exitValue()
                            + "; see " + log + ":\n" + Files.readString(log));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install the js peer's packages in " + dir, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during npm ci", e);
        }
    }

    /** How to start a peer process. Mutable builder; defaults in {@link InteropPeer#options(Kind)}. */
    public static final class Options {
        private final Kind kind;
        private final List<String> commandPrefix = new ArrayList<>();
        private final List<String> listen = new ArrayList<>();
        private Optional<String> keyType = Optional.empty();
        private Optional<String> keyPkcs8Hex = Optional.empty();

        private String host = "127.0.0.1";
        private int port;
        private int nodes = 1;
        private long seed = -1;
        private Optional<String> keyHex = Optional.empty();
        private final List<String> bootstrap = new ArrayList<>();
        private boolean interconnect;
        private final List<String> announce = new ArrayList<>();
        private Optional<Duration> yamuxKeepAlive = Optional.empty();
        private Duration timeout = DEFAULT_TIMEOUT;
        private Duration startTimeout = Duration.ofSeconds(60);
        private final Map<String, String> env = new LinkedHashMap<>();

        private Options(Kind kind) {
            this.kind = Objects.requireNonNull(kind, "kind");
        }

        /** The kind of peer to start. */
        public Kind kind() {
            return kind;
        }

        /**
         * Words put before the peer's command, e.g. {@code ip netns exec jkadt-1234-h4} to run the
         * peer in a network namespace (then give {@link #host} an address of that namespace).
         * The prefix must end by executing the command in place (as {@code ip netns exec} does):
         * {@link #pid()} and {@link #close()} act on the process it starts.
         */
        public Options commandPrefix(List<String> prefix) {
            commandPrefix.clear();
            commandPrefix.addAll(prefix);
            return this;
        }

        /**
         * Node 0's listen multiaddrs (go and rust peers; e.g. {@code /ip4/0.0.0.0/tcp/4001} and
         * {@code /ip6/::/tcp/4001}), instead of {@code host} and {@code port}.
         */
        public Options listen(String... multiaddrs) {
            listen.addAll(List.of(multiaddrs));
            return this;
        }

        /**
         * The identity key type of every node, generated at random by the peer: {@code ed25519},
         * {@code secp256k1}, {@code ecdsa} or {@code rsa} (go; rust takes RSA keys only through
         * {@link #keyPkcs8Hex}).
         */
        public Options keyType(String type) {
            this.keyType = Optional.of(type);
            return this;
        }

        /** Node 0's RSA private key as PKCS#8 DER in hex (rust peers: libp2p-identity cannot generate RSA keys). */
        public Options keyPkcs8Hex(String hex) {
            this.keyPkcs8Hex = Optional.of(hex);
            return this;
        }

        /** Listen address (IPv4), default 127.0.0.1. */
        public Options host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** Listen port of node 0 (node i: port + i); 0 (default) for any free port. */
        public Options port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be in [0, 65535]: " + port);
            }
            this.port = port;
            return this;
        }

        /** Nodes in this process, default 1. */
        public Options nodes(int nodes) {
            if (nodes < 1 || nodes > 1000) {
                throw new IllegalArgumentException("nodes must be in [1, 1000]: " + nodes);
            }
            this.nodes = nodes;
            return this;
        }

        /** Deterministic Ed25519 keys: node i's from {@code seed + i}. */
        public Options seed(long seed) {
            if (seed < 0) {
                throw new IllegalArgumentException("seed must be >= 0: " + seed);
            }
            this.seed = seed;
            return this;
        }

        /** Node 0's private key, the libp2p PrivateKey protobuf in hex (one node only). */
        public Options keyHex(String keyHex) {
            this.keyHex = Optional.of(keyHex);
            return this;
        }

        /** Multiaddrs (with {@code /p2p/}) every node dials once started. */
        public Options bootstrap(String... multiaddrs) {
            bootstrap.addAll(List.of(multiaddrs));
            return this;
        }

        public Options bootstrap(List<String> multiaddrs) {
            bootstrap.addAll(multiaddrs);
            return this;
        }

        /** Nodes 1..N-1 dial node 0 at startup. */
        public Options interconnect(boolean interconnect) {
            this.interconnect = interconnect;
            return this;
        }

        /**
         * Multiaddrs every node advertises beside its listen address (js's {@code appendAnnounce}):
         * in Identify and in its peers' Kademlia answers. Any address js can parse, dialable or not.
         */
        public Options announce(String... multiaddrs) {
            announce.addAll(List.of(multiaddrs));
            return this;
        }

        /** How often js-yamux pings each connection (js's default: 30 s); at least 1 ms. */
        public Options yamuxKeepAlive(Duration interval) {
            if (interval.toMillis() < 1) {
                throw new IllegalArgumentException("yamuxKeepAlive must be at least 1 ms: " + interval);
            }
            this.yamuxKeepAlive = Optional.of(interval);
            return this;
        }

        /** Default time for each command, default 30 s. */
        public Options timeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive: " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /** Time for the process to print its ready line, default 60 s (npm ci not counted). */
        public Options startTimeout(Duration startTimeout) {
            if (startTimeout.isNegative() || startTimeout.isZero()) {
                throw new IllegalArgumentException("startTimeout must be positive: " + startTimeout);
            }
            this.startTimeout = startTimeout;
            return this;
        }

        /** An environment variable for the process, e.g. {@code DEBUG=libp2p:kad-dht*}. */
        public Options env(String name, String value) {
            env.put(name, value);
            return this;
        }

        /**
         * Turns on the peer's own debug log (its stderr, in target/KIND-peer-logs) when
         * {@code -Djkad.interop.debug=…} is set: js's {@code DEBUG} (e.g. {@code libp2p:*}), go's
         * {@code GOLOG_LOG_LEVEL} (e.g. {@code dht=debug}), rust's {@code RUST_LOG} (e.g.
         * {@code libp2p_kad=debug}). Without the property, nothing changes.
         */
        public Options debugFromSystemProperty() {
            String debug = System.getProperty("jkad.interop.debug");
            if (debug == null) {
                return this;
            }
            return switch (kind) {
                case JS -> env("DEBUG", debug);
                case GO -> env("GOLOG_LOG_LEVEL", debug);
                case RUST -> env("RUST_LOG", debug);
            };
        }
    }
}
