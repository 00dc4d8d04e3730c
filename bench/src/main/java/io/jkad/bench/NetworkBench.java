package io.jkad.bench;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.interop.PeerCommands;
import io.jkad.interop.InteropPeer;
import io.jkad.interop.PeerException;
import io.jkad.kademlia.KademliaConfig;
import io.jkad.kademlia.QueryResult;
import io.jkad.kademlia.Quorum;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.net.KademliaNode;
import io.jkad.net.KademliaNodeConfig;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.StoreConfig;
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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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

    private static final int BATCH = 8;
    private static final Duration OP_TIMEOUT = Duration.ofSeconds(120);

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

    public static void main(String[] args) throws Exception {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        Map<String, String> opts = parse(args);
        int nodes = intOpt(opts, "nodes", 20, 2);
        int ops = intOpt(opts, "ops", 100, 0);
        long seed = intOpt(opts, "seed", 1, 0);
        int putQuorum = intOpt(opts, "put-quorum", 1, 1);
        int getQuorum = intOpt(opts, "get-quorum", 2, 1);
        Path out = Path.of(opts.getOrDefault("out", "bench/results"));
        PrintStream o = System.out;

        List<InteropPeer.Kind> kinds = new ArrayList<>();
        for (String k : opts.getOrDefault("kinds", "js,go,rust").split(",")) {
            kinds.add(InteropPeer.Kind.valueOf(k.trim().toUpperCase(Locale.ROOT)));
        }

        o.printf(Locale.ROOT, "network benchmark: %d nodes of each of %s, then jkad, on loopback; %d operations"
                + " each, seed %d%n", nodes, kinds, ops, seed);
        List<Row> rows = new ArrayList<>();
        for (InteropPeer.Kind kind : kinds) {
            Row row = new Row(NAMES.get(kind), kind.label());
            try (Network net = startPeer(kind, nodes, seed, row)) {
                runWorkload(net, ops, seed, row, o);
            }
            rows.add(row);
        }
        Row jkad = new Row("jkad", "jkad");
        try (Network net = startJkad(nodes, seed, putQuorum, getQuorum, jkad)) {
            runWorkload(net, ops, seed, jkad, o);
        }
        // The same once more with js's notion of done: a put waits for every peer it stores at,
        // a get for every copy.
        Row jkadAll = new Row("jkad, all copies", "jkad_all");
        try (Network net = startJkad(nodes, seed, nodes - 1, nodes, jkadAll)) {
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

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- start-up ---------------------------------------------------------------------------

    /**
     * Joins nodes 1..n-1 in batches of 8: each through a random node that joined before, then its
     * own lookup; waits for each batch. {@code join(node, via)} does both steps for one node.
     */
    private interface Join {
        void join(int node, int via) throws Exception;
    }

    private static void joinInBatches(int n, long seed, Join join) throws Exception {
        Random rnd = new Random(seed);
        ExecutorService pool = Executors.newFixedThreadPool(BATCH);
        try {
            int joined = 1;
            while (joined < n) {
                int end = Math.min(n, joined + BATCH);
                List<Future<Object>> batch = new ArrayList<>();
                for (int i = joined; i < end; i++) {
                    int node = i;
                    int via = rnd.nextInt(joined);
                    batch.add(pool.submit((Callable<Object>) () -> {
                        join.join(node, via);
                        return null;
                    }));
                }
                for (Future<Object> f : batch) {
                    try {
                        f.get(OP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                    } catch (ExecutionException e) {
                        throw new IllegalStateException("joining the network failed: " + e.getCause(), e.getCause());
                    }
                }
                joined = end;
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** How each kind is named in the tables. */
    static final Map<InteropPeer.Kind, String> NAMES = Map.of(InteropPeer.Kind.JS, "js-libp2p",
            InteropPeer.Kind.GO, "go-libp2p-kad-dht", InteropPeer.Kind.RUST, "rust-libp2p");

    static Network startPeer(InteropPeer.Kind kind, int n, long seed, Row row) throws Exception {
        long t0 = System.nanoTime();
        InteropPeer peer = InteropPeer.start(InteropPeer.options(kind).nodes(n).seed(1000 + seed * 1000).timeout(OP_TIMEOUT));
        row.processMs = (System.nanoTime() - t0) / 1_000_000;
        List<PeerCommands> nodes = peer.nodes();
        try {
            joinInBatches(n, seed, (node, via) -> {
                PeerCommands c = nodes.get(node);
                String viaId = nodes.get(via).peerId();
                c.dial(nodes.get(via).dialAddr());
                // js takes a peer into its routing table only after Identify and a ping, go after
                // Identify and a FIND_NODE, rust after Identify: wait for it (jkad's bootstrap starts
                // from its routing table, which addAddress filled at once).
                long deadline = System.nanoTime() + OP_TIMEOUT.toNanos();
                while (!c.routingTable().contains(viaId)) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(c.peerId() + " never took " + viaId + " into its routing table");
                    }
                    Thread.sleep(5);
                }
                c.getClosestPeers(PeerId.parse(c.peerId()).toBytes());
            });
        } catch (Exception e) {
            peer.close();
            throw e;
        }
        row.startMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf(Locale.ROOT, "  %s: %d nodes started and joined in %d ms (the process was ready after %d ms)%n",
                row.name, n, row.startMs, row.processMs);
        return new Network() {
            @Override
            public String name() {
                return row.name;
            }

            @Override
            public int size() {
                return n;
            }

            @Override
            public String peerId(int node) {
                return nodes.get(node).peerId();
            }

            @Override
            public boolean put(int node, byte[] key, byte[] value) {
                return !nodes.get(node).put(key, value).storedAt().isEmpty();
            }

            @Override
            public boolean get(int node, byte[] key, byte[] value) {
                try {
                    return Arrays.equals(nodes.get(node).get(key).value(), value);
                } catch (PeerException e) {
                    if (e.isNotFound()) {
                        return false;
                    }
                    throw e;
                }
            }

            @Override
            public boolean provide(int node, byte[] multihash) {
                return !nodes.get(node).provide(multihash).sentTo().isEmpty();
            }

            @Override
            public boolean findProviders(int node, byte[] multihash, String provider) {
                return nodes.get(node).findProviders(multihash).stream().anyMatch(p -> p.peerId().equals(provider));
            }

            @Override
            public void close() {
                peer.close();
            }
        };
    }

    static Network startJkad(int n, long seed, int putQuorum, int getQuorum, Row row) throws Exception {
        long t0 = System.nanoTime();
        List<KademliaNode> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                Ed25519KeyPair identity = Ed25519KeyPair.fromSeed(sha256(("jkad-bench-" + seed + "-" + i)
                        .getBytes(StandardCharsets.UTF_8)));
                nodes.add(KademliaNode.start(KademliaNodeConfig.builder(identity)
                        .listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0"))
                        .kademlia(KademliaConfig.defaults())
                        .randomSeed(seed * 1_000_003L + i)
                        .ioThreads(1)
                        .openStore("memory", StoreConfig.defaults(identity.peerId()))
                        .build()));
            }
            joinInBatches(n, seed, (node, via) -> {
                KademliaNode k = nodes.get(node);
                KademliaNode v = nodes.get(via);
                await(k.addAddress(v.peerId(), v.listenAddresses().get(0)));
                QueryResult.Bootstrap b = await(k.bootstrap());
                if (!b.isOk()) {
                    throw new IllegalStateException("bootstrap of node " + node + " failed: " + b);
                }
            });
        } catch (Exception e) {
            nodes.forEach(KademliaNode::close);
            throw e;
        }
        row.startMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf(Locale.ROOT, "  %s: %d nodes started and joined in %d ms%n", row.name, n, row.startMs);
        Quorum pq = putQuorum == 1 ? Quorum.ONE : Quorum.of(putQuorum);
        Quorum gq = getQuorum == 1 ? Quorum.ONE : Quorum.of(getQuorum);
        return new Network() {
            @Override
            public String name() {
                return row.name;
            }

            @Override
            public int size() {
                return n;
            }

            @Override
            public String peerId(int node) {
                return nodes.get(node).peerId().toString();
            }

            @Override
            public boolean put(int node, byte[] key, byte[] value) throws Exception {
                return await(nodes.get(node).putRecord(DhtRecord.of(RecordKey.of(key), value), pq)).isOk();
            }

            @Override
            public boolean get(int node, byte[] key, byte[] value) throws Exception {
                return await(nodes.get(node).getRecord(RecordKey.of(key), gq)) instanceof QueryResult.GetRecord.Ok ok
                        && ok.records().stream().anyMatch(r -> Arrays.equals(r.record().value(), value));
            }

            @Override
            public boolean provide(int node, byte[] multihash) throws Exception {
                return await(nodes.get(node).startProviding(RecordKey.of(multihash))).isOk();
            }

            @Override
            public boolean findProviders(int node, byte[] multihash, String provider) throws Exception {
                return await(nodes.get(node).getProviders(RecordKey.of(multihash))).providers()
                        .contains(PeerId.parse(provider));
            }

            @Override
            public void close() {
                nodes.forEach(KademliaNode::close);
            }
        };
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> f) throws Exception {
        try {
            return f.get(OP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception c ? c : e;
        } catch (TimeoutException e) {
            throw new IllegalStateException("not done within " + OP_TIMEOUT, e);
        }
    }

    // ---- options ----------------------------------------------------------------------------

    private static Map<String, String> parse(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        List<String> known = List.of("nodes", "ops", "seed", "put-quorum", "get-quorum", "kinds", "out");
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                System.out.println("usage: NetworkBench [--nodes 20] [--ops 100] [--seed 1] [--put-quorum 1]"
                        + " [--get-quorum 2] [--kinds js,go,rust] [--out bench/results]");
                System.exit(0);
            }
            if (!a.startsWith("--") || !known.contains(a.substring(2))) {
                throw new IllegalArgumentException("unknown option: " + a + "; known: --" + String.join(", --", known));
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            m.put(a.substring(2), args[++i]);
        }
        return m;
    }

    private static int intOpt(Map<String, String> m, String name, int def, int min) {
        String v = m.get(name);
        if (v == null) {
            return def;
        }
        try {
            int n = Integer.parseInt(v);
            if (n >= min) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("--" + name + " must be an integer >= " + min + ": " + v);
    }
}
