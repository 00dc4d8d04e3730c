package io.jkad.bench;

import io.jkad.interop.InteropPeer;
import io.jkad.util.Samples;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The devnet workload on several networks in one run: N js-libp2p nodes ({@code @libp2p/kad-dht},
 * interop/js, one node process), N go-libp2p-kad-dht nodes (interop/go, one process), N
 * rust-libp2p nodes (interop/rust, one process) and N jkad nodes (one JVM, the memory store), each
 * on its own, one after the other, on loopback. For each: the start-up of the network (nodes started, then joined
 * in batches of 8 through a node that joined before, each running a lookup of its own id, as
 * {@code kad devnet} does), then {@code --ops} operations from random nodes, in turn put, get
 * (from a node other than the putter), provide, find providers (from a node other than the
 * provider), one at a time. jkad runs twice: with {@code kad devnet}'s quorums, and with js's
 * notion of done (every copy). Prints the rows and their ratios (jkad / each other kind) and writes
 * {@code <out>/network-<date>.md} and {@code .json}.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.jkad.bench.NetworkBench [--nodes 20] [--ops 100] [--seed 1]
 *      [--get-quorum 2] [--kinds js,go,rust] [--out bench/results]
 * </pre>
 *
 * Each side uses its own implementation's notion of each operation: a js put waits for every
 * PUT_VALUE to the closest peers it found, a jkad put for {@code --put-quorum} acknowledgements
 * (1, as devnet; N-1 in the second jkad row); a js get runs its whole lookup and collects every
 * copy, a jkad get stops at {@code --get-quorum} copies (2, as devnet: its own and one from the
 * network; N in the second jkad row); find providers runs the whole lookup on both sides. Run from the repository root (js's directory is found from
 * there); {@code bench/run-network-bench.sh} builds and runs it.
 */
public final class NetworkBench {

    static final Duration OP_TIMEOUT = Duration.ofSeconds(120);

    private NetworkBench() {}

    /** One network under test, as the workload sees it: node i does an operation. */
    interface Network extends AutoCloseable {
        String name();

        int size();

        String peerId(int node);

        /** Stores {@code value}; true if at least one other peer acknowledged it. */
        boolean put(int node, byte[] key, byte[] value) throws Exception;

        /** True if the value found is {@code value}. */
        boolean get(int node, byte[] key, byte[] value) throws Exception;

        /** Announces {@code node} as a provider of {@code multihash}; true if it was sent to a peer. */
        boolean provide(int node, byte[] multihash) throws Exception;

        /** True if {@code provider} is among the providers found. */
        boolean findProviders(int node, byte[] multihash, String provider) throws Exception;

        @Override
        void close();
    }

    /** What one network did. */
    static final class Row {
        final String name;
        /** The prefix of this row's keys in the JSON line: {@code js}, {@code go}, {@code rust}, {@code jkad}, {@code jkad_all}. */
        final String key;
        long startMs;
        /** For js: the part of the start-up until the node process printed its ready line. */
        long processMs = -1;
        final Samples put = new Samples();
        final Samples get = new Samples();
        final Samples provide = new Samples();
        final Samples find = new Samples();
        final List<String> failures = new ArrayList<>();

        Row(String name, String key) {
            this.name = name;
            this.key = key;
        }

        boolean isJkad() {
            return key.startsWith("jkad");
        }

        List<Samples> ops() {
            return List.of(put, get, provide, find);
        }
    }

    static final List<String> OP_NAMES = List.of("put", "get", "provide", "find_providers");

    // ------------------------------------------------------------------------------------------

    /** The command line: the options, checked by picocli before the run. */
    @Command(name = "NetworkBench", mixinStandardHelpOptions = true,
            description = "The devnet workload on N nodes of each kind, then on N jkad nodes; writes <out>/network-<date>.md and .json.")
    static final class Options implements Callable<Integer> {
        @Option(names = "--nodes", defaultValue = "20", description = "Nodes of each kind (>= 2; default ${DEFAULT-VALUE}).")
        int nodes;

        @Option(names = "--ops", defaultValue = "100", description = "Operations on each network (default ${DEFAULT-VALUE}).")
        int ops;

        @Option(names = "--seed", defaultValue = "1", description = "Seed of the workload (default ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--put-quorum", defaultValue = "1", description = "jkad's put quorum (default ${DEFAULT-VALUE}).")
        int putQuorum;

        @Option(names = "--get-quorum", defaultValue = "2", description = "jkad's get quorum (default ${DEFAULT-VALUE}).")
        int getQuorum;

        @Option(names = "--kinds", defaultValue = "js,go,rust", split = ",",
                description = "The other kinds to run: js, go, rust (default ${DEFAULT-VALUE}).")
        List<String> kinds;

        @Option(names = "--out", defaultValue = "bench/results", description = "Where the results go (default ${DEFAULT-VALUE}).")
        Path out;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            atLeast("--nodes", nodes, 2);
            atLeast("--ops", ops, 0);
            atLeast("--seed", seed, 0);
            atLeast("--put-quorum", putQuorum, 1);
            atLeast("--get-quorum", getQuorum, 1);
            List<InteropPeer.Kind> parsed = new ArrayList<>();
            for (String k : kinds) {
                try {
                    parsed.add(InteropPeer.Kind.valueOf(k.trim().toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw new ParameterException(spec.commandLine(), "--kinds: unknown kind " + k);
                }
            }
            run(this, parsed);
            return 0;
        }

        private void atLeast(String option, long value, long min) {
            if (value < min) {
                throw new ParameterException(spec.commandLine(), option + " must be >= " + min + ": " + value);
            }
        }
    }

    public static void main(String[] args) {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        System.exit(new CommandLine(new Options()).execute(args));
    }

    private static void run(Options opts, List<InteropPeer.Kind> kinds) throws Exception {
        int nodes = opts.nodes;
        int ops = opts.ops;
        long seed = opts.seed;
        int putQuorum = opts.putQuorum;
        int getQuorum = opts.getQuorum;
        Path out = opts.out;
        PrintStream o = System.out;

        o.printf(Locale.ROOT, "network benchmark: %d nodes of each of %s, then jkad, on loopback; %d operations"
                + " each, seed %d%n", nodes, kinds, ops, seed);
        List<Row> rows = new ArrayList<>();
        for (InteropPeer.Kind kind : kinds) {
            Row row = new Row(BenchNetworks.NAMES.get(kind), kind.label());
            try (Network net = BenchNetworks.startPeer(kind, nodes, seed, row)) {
                runWorkload(net, ops, seed, row, o);
            }
            rows.add(row);
        }
        Row jkad = new Row("jkad", "jkad");
        try (Network net = BenchNetworks.startJkad(nodes, seed, putQuorum, getQuorum, jkad)) {
            runWorkload(net, ops, seed, jkad, o);
        }
        // The same once more with js's notion of done: a put waits for every peer it stores at,
        // a get for every copy.
        Row jkadAll = new Row("jkad, all copies", "jkad_all");
        try (Network net = BenchNetworks.startJkad(nodes, seed, nodes - 1, nodes, jkadAll)) {
            runWorkload(net, ops, seed, jkadAll, o);
        }
        rows.add(jkad);
        rows.add(jkadAll);
        String md = NetworkReport.table(rows, nodes, ops, seed, putQuorum, getQuorum);
        o.println();
        o.print(md);
        String json = NetworkReport.json(rows, nodes, ops, seed, putQuorum, getQuorum);
        Files.createDirectories(out);
        String date = LocalDate.now(ZoneOffset.UTC).toString();
        Files.writeString(out.resolve("network-" + date + ".md"), md, StandardCharsets.UTF_8);
        Files.writeString(out.resolve("network-" + date + ".json"), json + "\n", StandardCharsets.UTF_8);
        o.println("wrote " + out.resolve("network-" + date + ".md") + " and .json");
        o.println(json);
    }

    // ---- the workload (kad devnet's) ---------------------------------------------------------

    static void runWorkload(Network net, int ops, long seed, Row row, PrintStream o) throws Exception {
        Random rnd = new Random(seed ^ 0x5DEECE66DL);
        List<byte[]> keys = new ArrayList<>();
        List<byte[]> values = new ArrayList<>();
        List<Integer> putters = new ArrayList<>();
        List<byte[]> provided = new ArrayList<>();
        List<Integer> providers = new ArrayList<>();
        String run = Long.toHexString(rnd.nextLong());
        for (int i = 0; i < ops; i++) {
            int kind = i % 4;
            if (kind == 1 && keys.isEmpty()) {
                kind = 0;
            } else if (kind == 3 && provided.isEmpty()) {
                kind = 2;
            }
            int node = rnd.nextInt(net.size());
            switch (kind) {
                case 0 -> {
                    byte[] key = ("/jkad/bench/" + run + "/" + i).getBytes(StandardCharsets.UTF_8);
                    byte[] value = ("value " + i + " from " + net.peerId(node)).getBytes(StandardCharsets.UTF_8);
                    long t0 = System.nanoTime();
                    boolean ok = attempt(() -> net.put(node, key, value), row, "put " + i);
                    row.put.add(ms(t0), ok);
                    if (ok) {
                        keys.add(key);
                        values.add(value);
                        putters.add(node);
                    }
                }
                case 1 -> {
                    int j = rnd.nextInt(keys.size());
                    int getter = other(net.size(), putters.get(j), rnd);
                    long t0 = System.nanoTime();
                    boolean ok = attempt(() -> net.get(getter, keys.get(j), values.get(j)), row, "get " + i);
                    row.get.add(ms(t0), ok);
                }
                case 2 -> {
                    byte[] mh = multihash("jkad-bench " + run + " " + i);
                    long t0 = System.nanoTime();
                    boolean ok = attempt(() -> net.provide(node, mh), row, "provide " + i);
                    row.provide.add(ms(t0), ok);
                    if (ok) {
                        provided.add(mh);
                        providers.add(node);
                    }
                }
                default -> {
                    int j = rnd.nextInt(provided.size());
                    int finder = other(net.size(), providers.get(j), rnd);
                    String provider = net.peerId(providers.get(j));
                    long t0 = System.nanoTime();
                    boolean ok = attempt(() -> net.findProviders(finder, provided.get(j), provider), row,
                            "find providers " + i);
                    row.find.add(ms(t0), ok);
                }
            }
            if ((i + 1) % 10 == 0 || i + 1 == ops) {
                o.printf(Locale.ROOT, "  %s: %d/%d operations%n", net.name(), i + 1, ops);
            }
        }
    }

    private interface Op {
        boolean run() throws Exception;
    }

    private static boolean attempt(Op op, Row row, String what) {
        try {
            boolean ok = op.run();
            if (!ok) {
                row.failures.add(what + ": not found / not stored");
            }
            return ok;
        } catch (Exception e) {
            row.failures.add(what + ": " + e);
            return false;
        }
    }

    private static int other(int size, int not, Random rnd) {
        int n;
        do {
            n = rnd.nextInt(size);
        } while (n == not && size > 1);
        return n;
    }

    private static double ms(long t0) {
        return (System.nanoTime() - t0) / 1e6;
    }

    static byte[] multihash(String text) {
        byte[] d = sha256(text.getBytes(StandardCharsets.UTF_8));
        byte[] mh = new byte[34];
        mh[0] = 0x12;
        mh[1] = 0x20;
        System.arraycopy(d, 0, mh, 2, 32);
        return mh;
    }

    static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
