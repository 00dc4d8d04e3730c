package io.jkad.netns;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.opentest4j.TestAbortedException;

/**
 * A test network of Linux network namespaces: hosts {@code h1…hN}, each a namespace with its own
 * IPv4 address ({@code 10.201.0.(i+1)/24}) and IPv6 address ({@code fd00:201::(i+1)/64}) on an
 * {@code eth0} that is one end of a veth pair whose other end is a port of a bridge living in a
 * namespace of its own. Nothing is created in the root namespace, so the machine's own network is
 * not touched and all traffic stays between the namespaces. Each host's {@code eth0} sends through
 * {@code tc netem} (a delay spread over 20–80 ms across the hosts, 1 % loss) where the kernel has
 * netem; where it has not, there is no delay, and the loss is made by an nftables rule on the
 * bridge (when {@code nft} is installed); see {@link #shaping()}. Test code.
 *
 * <pre>{@code
 * try (NetNs net = NetNs.create(NetNs.options().hosts(4))) {
 *     NetNs.Host h1 = net.host(1);
 *     Process p = new ProcessBuilder(h1.command("some-server", "--listen", h1.ipv4())).start();
 *     net.cut(h1);      // h1's link down: it is cut off from the others
 *     net.restore(h1);  // and back
 * }
 * }</pre>
 *
 * <p><b>Names.</b> Every namespace is called {@code jkadt-<pid>-<name>}, {@code <pid>} being this
 * JVM's process id. {@link #create} first removes the namespaces of that prefix whose JVM is gone
 * (a run that was killed), killing what still runs in them, so namespaces never pile up, while
 * a run in another JVM at the same time keeps its own.
 *
 * <p><b>Cleanup.</b> {@link #close()} kills every process still running in the namespaces, then
 * deletes them; it runs at JVM exit too (a shutdown hook), so a failed or interrupted test leaves
 * nothing behind. Idempotent.
 *
 * <p><b>Availability.</b> Making namespaces needs root (CAP_SYS_ADMIN) and iproute2's {@code ip}.
 * Without them {@link #create} aborts the calling test (JUnit skips it with the reason), except
 * under CI ({@code $CI} set), where it fails, as {@code InteropPeer} does without node.
 */
public final class NetNs implements AutoCloseable {

    /** The prefix of every namespace this class makes. */
    public static final String PREFIX = "jkadt-";
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(20);

    /** One host: a namespace with one interface, {@code eth0}. */
    public record Host(String name, int index, String ipv4, String ipv6, Duration delay, String bridgePort) {

        /** {@code ip netns exec <name>}: put before a command to run it in this host. */
        public List<String> exec() {
            return List.of(ip(), "netns", "exec", name);
        }

        /** {@code command} run in this host: {@link #exec()} followed by {@code command}. */
        public List<String> command(String... command) {
            return command(List.of(command));
        }

        public List<String> command(List<String> command) {
            List<String> all = new ArrayList<>(exec());
            all.addAll(command);
            return all;
        }

        /** {@code /ip4/<ipv4>/tcp/<port>}. */
        public String tcp4(int port) {
            return "/ip4/" + ipv4 + "/tcp/" + port;
        }

        /** {@code /ip6/<ipv6>/tcp/<port>}. */
        public String tcp6(int port) {
            return "/ip6/" + ipv6 + "/tcp/" + port;
        }
    }

    /** What a command printed, and its exit code. */
    public record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    /** How to build the network. Mutable builder. */
    public static final class Options {
        private int hosts = 4;
        private Duration minDelay = Duration.ofMillis(20);
        private Duration maxDelay = Duration.ofMillis(80);
        private double lossPercent = 1.0;
        private boolean requireShaping = Boolean.getBoolean("jkad.netns.requireShaping");

        private Options() {}

        /** Number of hosts, 1 to 200; default 4. */
        public Options hosts(int hosts) {
            if (hosts < 1 || hosts > 200) {
                throw new IllegalArgumentException("hosts must be in [1, 200]: " + hosts);
            }
            this.hosts = hosts;
            return this;
        }

        /** One-way delay added on each host's link: h1 gets {@code min}, the last host {@code max}, the others between. */
        public Options delay(Duration min, Duration max) {
            if (min.isNegative() || max.compareTo(min) < 0) {
                throw new IllegalArgumentException("need 0 <= min <= max: " + min + ", " + max);
            }
            this.minDelay = min;
            this.maxDelay = max;
            return this;
        }

        /** Packet loss on each host's link, in percent; default 1. */
        public Options loss(double percent) {
            if (percent < 0 || percent > 100) {
                throw new IllegalArgumentException("loss must be in [0, 100]: " + percent);
            }
            this.lossPercent = percent;
            return this;
        }

        /**
         * Whether a kernel without netem fails {@link #create} instead of giving an unshaped network
         * (default: {@code -Djkad.netns.requireShaping}, false).
         */
        public Options requireShaping(boolean require) {
            this.requireShaping = require;
            return this;
        }
    }

    private final String prefix;
    private final String bridge;
    private final List<Host> hosts = new ArrayList<>();
    private final List<String> namespaces = new ArrayList<>();
    private final Thread shutdownHook;
    private String shaping = "not applied";
    private boolean closed;

    public static Options options() {
        return new Options();
    }

    /**
     * Builds the network: removes stale namespaces of earlier runs, makes the bridge and the hosts.
     *
     * @throws TestAbortedException when namespaces cannot be made here and {@code $CI} is not set
     * @throws IllegalStateException when they cannot be made under CI, or a step fails
     */
    public static NetNs create(Options options) {
        Objects.requireNonNull(options, "options");
        checkAvailable();
        removeStale();
        NetNs net = new NetNs(PREFIX + ProcessHandle.current().pid() + "-");
        try {
            net.build(options);
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
        return net;
    }

    private NetNs(String prefix) {
        this.prefix = prefix;
        this.bridge = prefix + "br";
        this.shutdownHook = new Thread(this::close, "netns-cleanup");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    private void build(Options o) {
        addNamespace(bridge);
        must(ip(), "-n", bridge, "link", "set", "lo", "up");
        // No STP (ports forward at once), no multicast snooping (IPv6 neighbour discovery is flooded).
        must(ip(), "-n", bridge, "link", "add", "br0", "type", "bridge", "stp_state", "0", "mcast_snooping", "0");
        must(ip(), "-n", bridge, "link", "set", "br0", "up");
        boolean netem = true;
        for (int i = 1; i <= o.hosts; i++) {
            String name = prefix + "h" + i;
            String port = "p" + i;
            long span = o.maxDelay.toMillis() - o.minDelay.toMillis();
            Duration delay = Duration.ofMillis(o.minDelay.toMillis() + (o.hosts == 1 ? 0 : span * (i - 1) / (o.hosts - 1)));
            Host h = new Host(name, i, "10.201.0." + (i + 1), "fd00:201::" + Integer.toHexString(i + 1), delay, port);
            addNamespace(name);
            must(ip(), "-n", name, "link", "set", "lo", "up");
            // Both ends made directly in their namespaces: nothing appears in the root namespace.
            must(ip(), "link", "add", "eth0", "netns", name, "type", "veth", "peer", "name", port, "netns", bridge);
            must(ip(), "-n", bridge, "link", "set", port, "master", "br0");
            must(ip(), "-n", bridge, "link", "set", port, "up");
            must(ip(), "-n", name, "addr", "add", h.ipv4() + "/24", "dev", "eth0");
            must(ip(), "-n", name, "-6", "addr", "add", h.ipv6() + "/64", "dev", "eth0", "nodad");
            must(ip(), "-n", name, "link", "set", "eth0", "up");
            if (netem) {
                Result r = run(h.command(tc(), "qdisc", "add", "dev", "eth0", "root", "netem",
                        "delay", delay.toMillis() + "ms", "loss", o.lossPercent + "%"));
                if (!r.ok()) {
                    netem = false;
                    shaping = "no delay: tc netem failed (" + r.output().strip() + "), the kernel lacks sch_netem";
                    if (o.requireShaping) {
                        throw new IllegalStateException("tc netem is required (jkad.netns.requireShaping) but failed: "
                                + r.output().strip());
                    }
                }
            }
            hosts.add(h);
        }
        if (netem) {
            shaping = "netem delay " + o.minDelay.toMillis() + "–" + o.maxDelay.toMillis() + " ms (per host), loss "
                    + o.lossPercent + " %";
        } else if (o.lossPercent > 0) {
            shaping += "; " + bridgeLoss(o.lossPercent);
        }
    }

    /**
     * Loss without netem: nftables on the bridge drops that share of the frames it forwards
     * between hosts (each frame crosses the bridge once, as it would cross one netem).
     */
    private String bridgeLoss(double percent) {
        Optional<String> nft = findTool("nft");
        if (nft.isEmpty()) {
            return "no loss either (nft not installed)";
        }
        long perTenThousand = Math.round(percent * 100);
        List<List<String>> steps = List.of(
                List.of("add", "table", "bridge", "jkadt"),
                List.of("add", "chain", "bridge", "jkadt", "forward",
                        "{ type filter hook forward priority 0 ; policy accept ; }"),
                List.of("add", "rule", "bridge", "jkadt", "forward",
                        "numgen", "random", "mod", "10000", "lt", Long.toString(perTenThousand), "counter", "drop"));
        for (List<String> step : steps) {
            List<String> cmd = new ArrayList<>(List.of(ip(), "netns", "exec", bridge, nft.get()));
            cmd.addAll(step);
            Result r = run(cmd);
            if (!r.ok()) {
                return "no loss either (nft failed: " + r.output().strip() + ")";
            }
        }
        return "loss " + percent + " % by nftables on the bridge";
    }

    private void addNamespace(String name) {
        must(ip(), "netns", "add", name);
        namespaces.add(name);
    }

    /** The hosts, h1 first. */
    public List<Host> hosts() {
        return List.copyOf(hosts);
    }

    /** Host {@code hN} (1-based). */
    public Host host(int n) {
        if (n < 1 || n > hosts.size()) {
            throw new IllegalArgumentException("no host h" + n + " in a network of " + hosts.size());
        }
        return hosts.get(n - 1);
    }

    /** What the links do: the netem settings, or why there are none. */
    public String shaping() {
        return shaping;
    }

    /** Whether netem delay and loss are on the links (not the nftables loss alone). */
    public boolean shaped() {
        return shaping.startsWith("netem");
    }

    /** The nftables loss rule with its counter of dropped frames, or empty when netem (or nothing) makes the loss. */
    public Optional<String> nftLoss() {
        Optional<String> nft = findTool("nft");
        if (shaped() || nft.isEmpty() || !shaping.contains("nftables")) {
            return Optional.empty();
        }
        Result r = run(List.of(ip(), "netns", "exec", bridge, nft.get(), "list", "table", "bridge", "jkadt"));
        return r.ok() ? Optional.of(r.output().strip()) : Optional.empty();
    }

    /** Cuts {@code host} off: its bridge port goes down (its {@code eth0} loses carrier). */
    public void cut(Host host) {
        must(ip(), "-n", bridge, "link", "set", host.bridgePort(), "down");
    }

    /** Reconnects a host that was {@link #cut}. */
    public void restore(Host host) {
        must(ip(), "-n", bridge, "link", "set", host.bridgePort(), "up");
    }

    /** Runs {@code command} in {@code host} and waits for it (20 s at most). */
    public Result run(Host host, String... command) {
        return run(host.command(command));
    }

    /** Kills every process still running in the namespaces, then deletes them. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = namespaces.size() - 1; i >= 0; i--) {
            remove(namespaces.get(i));
        }
        namespaces.clear();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyExiting) {
            // close() is the hook itself
        }
    }

    @Override
    public String toString() {
        return "NetNs" + hosts.stream().map(h -> h.name() + "=" + h.ipv4() + "," + h.ipv6()).toList();
    }

    // --- environment ---

    private static void checkAvailable() {
        String why = null;
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            why = "network namespaces need Linux";
        } else if (findTool("ip").isEmpty()) {
            why = "iproute2's ip is not installed (apt-get install iproute2)";
        } else {
            String probe = PREFIX + ProcessHandle.current().pid() + "-probe";
            Result r = run(List.of(ip(), "netns", "add", probe));
            if (r.ok()) {
                run(List.of(ip(), "netns", "del", probe));
            } else {
                why = "cannot create a network namespace (root needed): " + r.output().strip();
            }
        }
        if (why == null) {
            return;
        }
        if (System.getenv("CI") != null) {
            throw new IllegalStateException(why);
        }
        throw new TestAbortedException(why);
    }

    /** Removes the namespaces of {@link #PREFIX} whose JVM has exited, killing what runs in them. */
    static void removeStale() {
        Result list = run(List.of(ip(), "netns", "list"));
        for (String line : list.output().split("\\R")) {
            String name = line.strip().split("\\s+")[0];
            if (!name.startsWith(PREFIX)) {
                continue;
            }
            String rest = name.substring(PREFIX.length());
            int dash = rest.indexOf('-');
            long owner;
            try {
                owner = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
            } catch (NumberFormatException e) {
                continue; // not of our form: left alone
            }
            if (owner == ProcessHandle.current().pid() || ProcessHandle.of(owner).map(ProcessHandle::isAlive).orElse(false)) {
                continue;
            }
            remove(name);
        }
    }

    private static void remove(String namespace) {
        Result pids = run(List.of(ip(), "netns", "pids", namespace));
        if (pids.ok()) {
            for (String p : pids.output().split("\\s+")) {
                if (p.isBlank()) {
                    continue;
                }
                ProcessHandle.of(Long.parseLong(p.strip())).ifPresent(ph -> {
                    ph.destroyForcibly();
                    try {
                        ph.onExit().get(5, TimeUnit.SECONDS);
                    } catch (Exception ignored) {
                        // deleted below anyway; the namespace lives on until it exits
                    }
                });
            }
        }
        Result del = run(List.of(ip(), "netns", "del", namespace));
        if (!del.ok() && !del.output().contains("No such file")) {
            System.err.println("netns: could not delete " + namespace + ": " + del.output().strip());
        }
    }

    private static void must(String... command) {
        Result r = run(List.of(command));
        if (!r.ok()) {
            throw new IllegalStateException(String.join(" ", command) + " failed (" + r.exitCode() + "): "
                    + r.output().strip());
        }
    }

    /** Runs a command (in the root namespace unless it says otherwise) and waits for it. */
    public static Result run(List<String> command) {
        try {
            Path out = Files.createTempFile("netns-", ".out");
            try {
                Process p = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(out.toFile()).redirectInput(new File("/dev/null")).start();
                if (!p.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    return new Result(-1, "timed out after " + COMMAND_TIMEOUT + ": " + command);
                }
                return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            if (command.isEmpty()) {
                throw new UncheckedIOException(e);
            }
            return new Result(-1, "cannot run " + command + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted: " + command);
        }
    }

    private static String ip() {
        return findTool("ip").orElse("ip");
    }

    private static String tc() {
        return findTool("tc").orElse("tc");
    }

    /** A tool on the PATH or in the sbin directories (not always on a non-root PATH). */
    private static Optional<String> findTool(String name) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        for (String d : dirs) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, name))) {
                return Optional.of(Path.of(d, name).toString());
            }
        }
        return Optional.empty();
    }
}
