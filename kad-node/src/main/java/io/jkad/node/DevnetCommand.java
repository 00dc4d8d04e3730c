package io.jkad.node;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.kademlia.KademliaConfig;
import io.jkad.kademlia.KademliaEvent;
import io.jkad.kademlia.RequestLimits;
import io.jkad.kademlia.QueryResult;
import io.jkad.kademlia.Quorum;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.net.HostRuntime;
import io.jkad.net.KademliaNode;
import io.jkad.net.KademliaNodeConfig;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.StoreConfig;
import io.jkad.util.Samples;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kad devnet}: N real nodes on loopback (TCP + Noise + Yamux) in this process, bootstrapped
 * into one network, then a workload of puts, gets of what was put, provides and provider
 * look-ups from random nodes; prints a table and a final JSON line.
 */
@Command(name = "devnet", mixinStandardHelpOptions = true,
        description = {"Starts N Kademlia nodes on loopback (TCP + Noise + Yamux) in one process, bootstraps them "
                + "into one network (or into an existing one with --bootstrap), runs a put/get/provide/find-providers "
                + "workload from random nodes, and prints latencies, success counts and a final JSON line.",
                "Exits with 1 when a get or a provider look-up failed."})
public final class DevnetCommand implements Callable<Integer> {

    /** How long one operation may take before it counts as failed. */
    private static final long OP_TIMEOUT_SECONDS = 120;

    @Option(names = "--nodes", defaultValue = "20", description = "Number of nodes (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--ops", defaultValue = "100",
            description = "Operations: put, get, provide, find-providers in turn (default: ${DEFAULT-VALUE}).")
    int ops;

    @Option(names = "--store", defaultValue = "rocksdb",
            description = "Record store backend of every node: rocksdb (the embedded default), jdbc (H2 files), "
                    + "memory (default: ${DEFAULT-VALUE}).")
    String store;

    @Option(names = "--data-dir",
            description = "Directory for persistent stores (one subdirectory per node); default: a temporary "
                    + "directory, deleted afterwards.")
    Path dataDir;

    @Option(names = "--bootstrap", description = "Join an existing network through this node "
            + "(/ip4/<ip>/tcp/<port>/p2p/<peer id>) instead of starting a new one.")
    String bootstrap;

    @Option(names = "--provide-keys", defaultValue = "0", paramLabel = "N",
            description = "After the workload, node 0 provides N more keys (stored as provided, as by an earlier run) "
                    + "and announces them all at once with the reprovide sweep; reports keys per second and the audit's "
                    + "coverage of a sample (default: ${DEFAULT-VALUE}: none). The nodes then take up to 1,000 "
                    + "ADD_PROVIDERs, FIND_NODEs and GET_PROVIDERs a second from a peer (a private network's budget; "
                    + "the public default is 20), as the audit asks every node of a small network about every key.")
    int provideKeys;

    @Option(names = "--seed", defaultValue = "1",
            description = "Seed of the node identities and the workload (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--put-quorum", defaultValue = "1",
            description = "Peers that must store each put: a number, or 'majority' (default: ${DEFAULT-VALUE}).")
    String putQuorum;

    @Option(names = "--get-quorum", defaultValue = "2",
            description = "Copies each get must find, a number or 'majority'. A node's own copy counts as one, and in a "
                    + "network of at most k + 1 (21) nodes every node holds every record, so the default 2 makes each get ask "
                    + "the network (default: ${DEFAULT-VALUE}).")
    String getQuorum;

    @Option(names = "--log-level", defaultValue = "warn",
            description = "Log level of the nodes: trace, debug, info, warn, error, and LOGGER=LEVEL parts "
                    + "(default: ${DEFAULT-VALUE}).")
    String logLevel;

    @Option(names = "--runtime", defaultValue = "shared",
            description = "Threads of the nodes: shared (one IO event-loop group and one logic pool for all nodes, as many "
                    + "threads as cores) or per-node (each node its own IO loop and logic thread, as a node alone has) "
                    + "(default: ${DEFAULT-VALUE}).")
    String runtime;

    @Option(names = "--noise-static-key", defaultValue = "reuse",
            description = "Noise static key of each node: reuse (one per node, signed once, as rust-libp2p does) or fresh "
                    + "(one per connection, as kad run) (default: ${DEFAULT-VALUE}).")
    String noiseStaticKey;

    @Option(names = "--idle-timeout", defaultValue = "10s", paramLabel = "DURATION",
            description = "How long each node keeps a connection without streams open (e.g. 10s, 1m; kad run's default is "
                    + "10s) (default: ${DEFAULT-VALUE}).")
    String idleTimeout;

    @Option(names = "--strategy", defaultValue = "reference", paramLabel = "reference|tuned",
            description = "Lookup strategy of the nodes: reference (rust-libp2p's iteration, as kad run) or tuned (the "
                    + "window of the k closest, round-trip aware; see kad sim --strategy) (default: ${DEFAULT-VALUE}).")
    String strategy;

    @Option(names = "--bootstrap-batch", defaultValue = "8", paramLabel = "N",
            description = "Nodes that bootstrap at once (default: ${DEFAULT-VALUE}).")
    int bootstrapBatch;

    @Option(names = "--json", description = "Print the figures as one JSON document on stdout (the summary goes "
            + "to stderr).")
    boolean json;

    PrintStream out = System.out;

    /** Where the progress and the readable summary go: stdout, or stderr when stdout is for --json. */
    private PrintStream human() {
        return json ? System.err : out;
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        validate();
        LogSetup.apply(KadCommand.logLevels(spec, logLevel), "text");
        Optional<Bootstrap> external = bootstrap == null ? Optional.empty() : Optional.of(parseBootstrap(bootstrap));
        Quorum quorum = parseQuorum("--put-quorum", putQuorum);
        Quorum readQuorum = parseQuorum("--get-quorum", getQuorum);
        boolean persistent = !"memory".equals(store);
        Path dir = null;
        boolean tempDir = false;
        if (persistent) {
            if (dataDir != null) {
                dir = dataDir.toAbsolutePath();
                Files.createDirectories(dir);
            } else {
                dir = Files.createTempDirectory("kad-devnet-");
                tempDir = true;
            }
        }

        long wallStart = System.nanoTime();
        DevnetOpenFiles.warning(nodes, RunCommand.parseDuration("--idle-timeout", idleTimeout),
                Runtime.getRuntime().availableProcessors(), DevnetOpenFiles.max()).ifPresent(human()::println);
        List<KademliaNode> started = new ArrayList<>();
        int cores = Runtime.getRuntime().availableProcessors();
        sharedRuntime = "shared".equals(runtime) ? HostRuntime.shared(cores, cores) : null;
        int exit;
        openFilesPeak = new DevnetOpenFiles.Peak(Duration.ofMillis(500));
        try {
            Progress progress = new Progress(human(), "start", nodes);
            for (int i = 0; i < nodes; i++) {
                started.add(startNode(i, dir));
                progress.update(i + 1);
            }
            progress.done();
            startNodesMs = (System.nanoTime() - wallStart) / 1_000_000;
            joinNetwork(started, external);
            long startMs = (System.nanoTime() - wallStart) / 1_000_000;
            rssAfterStartKb = DevnetFootprint.processRssKb();
            securedAfterStart = DevnetFootprint.handshakes(started);
            bootstrapLookupsAtStart = bootstrapLookups.sum();
            bootstrapRequestsAtStart = bootstrapRequests.sum();
            exit = runWorkload(started, quorum, readQuorum, startMs, wallStart, external.isPresent());
        } finally {
            openFilesPeak.close();
            for (KademliaNode n : started) {
                n.close();
            }
            if (sharedRuntime != null) {
                sharedRuntime.close();
            }
            for (io.jkad.record.RecordStore st : stores.values()) {
                st.close();
            }
            if (tempDir) {
                deleteRecursively(dir);
            }
        }
        return exit;
    }

    /**
     * With {@code --provide-keys}, every node's store, by peer id: node 0's is filled with provided
     * keys, and the others are read to tell which hold the records.
     */
    private final Map<PeerId, io.jkad.record.RecordStore> stores = new LinkedHashMap<>();
    private io.jkad.record.RecordStore firstStore;
    /** The threads all nodes share (--runtime shared), else null. */
    private HostRuntime sharedRuntime;

    private KademliaNode startNode(int index, Path dir) throws IOException {
        Ed25519KeyPair identity = Ed25519KeyPair.fromSeed(sha256("jkad-devnet-" + seed + "-" + index));
        KademliaConfig kademlia = KademliaConfig.defaults().toBuilder()
                .connectionIdleTimeout(RunCommand.parseDuration("--idle-timeout", idleTimeout))
                .lookupStrategy(io.jkad.query.LookupStrategy.valueOf(strategy.toUpperCase(java.util.Locale.ROOT))).build();
        if (provideKeys > 0) {
            RequestLimits.Rate rate = new RequestLimits.Rate(1000, 10_000);
            RequestLimits d = RequestLimits.DEFAULTS;
            kademlia = kademlia.toBuilder().reprovideStrategy(io.jkad.kademlia.ReprovideStrategy.SWEEP)
                    .requestLimits(new RequestLimits(rate, d.getValue(), d.putValue(), rate, rate, d.ping(), d.maxPeers()))
                    .build();
        }
        KademliaNodeConfig.Builder b = KademliaNodeConfig.builder(identity)
                .listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0"))
                .kademlia(kademlia)
                .randomSeed(seed * 1_000_003L + index)
                .reuseNoiseStaticKey("reuse".equals(noiseStaticKey));
        if (sharedRuntime != null) {
            b.runtime(sharedRuntime);
        } else {
            b.ioThreads(1);
        }
        StoreConfig sc = StoreConfig.defaults(identity.peerId());
        if (dir != null) {
            Path nodeDir = dir.resolve("node-" + index);
            Files.createDirectories(nodeDir);
            sc = sc.withDataDirectory(nodeDir);
        }
        if (provideKeys > 0) {
            int most = provideKeys + StoreConfig.DEFAULT_MAX_PROVIDED_KEYS;
            sc = sc.withLimits(StoreConfig.DEFAULT_MAX_RECORDS, StoreConfig.DEFAULT_MAX_VALUE_BYTES,
                    StoreConfig.DEFAULT_MAX_PROVIDERS_PER_KEY, most);
        }
        if (provideKeys > 0) {
            io.jkad.record.RecordStore opened = io.jkad.record.RecordStores.open(store, sc);
            stores.put(identity.peerId(), opened);
            if (index == 0) {
                firstStore = opened;
            }
            b.store(opened);
        } else {
            b.openStore(store, sc);
        }
        KademliaNode node = KademliaNode.start(b.build());
        node.addListener(this::countBootstrap);
        return node;
    }

    /** Counts the lookups of the nodes' bootstraps and the requests they sent. */
    private void countBootstrap(KademliaEvent event) {
        if (event instanceof KademliaEvent.QueryCompleted c && c.result() instanceof QueryResult.Bootstrap) {
            bootstrapLookups.increment();
            bootstrapRequests.add(c.stats().requests());
        }
    }

    /**
     * Node 0 joins through the external bootstrap node (or is the first node of a new network);
     * the others join in concurrent batches, each through a random node that joined before it.
     */
    private void joinNetwork(List<KademliaNode> all, Optional<Bootstrap> external) throws Exception {
        Random rnd = new Random(seed);
        Progress progress = new Progress(human(), "bootstrap", all.size());
        List<KademliaNode> joined = new ArrayList<>();
        if (external.isPresent()) {
            KademliaNode first = all.get(0);
            await(first.addAddress(external.get().peer(), external.get().address()), "add the bootstrap address");
            QueryResult.Bootstrap b = await(first.bootstrap(), "bootstrap through " + bootstrap);
            if (!b.isOk()) {
                throw new IllegalStateException("bootstrap through " + bootstrap + " failed: " + b);
            }
        }
        joined.add(all.get(0));
        progress.update(1);
        int next = 1;
        while (next < all.size()) {
            int end = Math.min(all.size(), next + bootstrapBatch);
            List<CompletableFuture<QueryResult.Bootstrap>> batch = new ArrayList<>();
            for (int i = next; i < end; i++) {
                KademliaNode node = all.get(i);
                KademliaNode via = joined.get(rnd.nextInt(joined.size()));
                await(node.addAddress(via.peerId(), via.listenAddresses().get(0)), "add a bootstrap address");
                batch.add(node.bootstrap());
            }
            for (CompletableFuture<QueryResult.Bootstrap> f : batch) {
                await(f, "bootstrap");
            }
            joined.addAll(all.subList(next, end));
            next = end;
            progress.update(next);
        }
        progress.done();
    }

    private int runWorkload(List<KademliaNode> all, Quorum quorum, Quorum readQuorum, long startMs, long wallStart, boolean joinedExternal)
            throws Exception {
        Random rnd = new Random(seed ^ 0x5DEECE66DL);
        Samples puts = new Samples();
        Samples gets = new Samples();
        Samples provides = new Samples();
        Samples finds = new Samples();
        Map<String, Samples> byName = new LinkedHashMap<>();
        byName.put("put", puts);
        byName.put("get", gets);
        byName.put("provide", provides);
        byName.put("find_providers", finds);
        List<DhtRecord> putRecords = new ArrayList<>();
        List<KademliaNode> putters = new ArrayList<>();
        List<RecordKey> providedKeys = new ArrayList<>();
        List<PeerId> providers = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        String run = Long.toHexString(rnd.nextLong());

        Progress progress = new Progress(human(), "ops", ops);
        for (int i = 0; i < ops; i++) {
            int kind = i % 4;
            // A get needs a put before it, a provider look-up a provide.
            if (kind == 1 && putRecords.isEmpty()) {
                kind = 0;
            } else if (kind == 3 && providedKeys.isEmpty()) {
                kind = 2;
            }
            KademliaNode node = all.get(rnd.nextInt(all.size()));
            long t0 = System.nanoTime();
            switch (kind) {
                case 0 -> {
                    // /jkad/ keys: js-libp2p peers (with the interop validator) accept them too.
                    RecordKey key = RecordKey.ofUtf8("/jkad/devnet/" + run + "/" + i);
                    byte[] value = ("value " + i + " from " + node.peerId()).getBytes(StandardCharsets.UTF_8);
                    DhtRecord record = DhtRecord.of(key, value);
                    QueryResult.PutRecord r = await(node.putRecord(record, quorum), "put");
                    puts.add(ms(t0), r.isOk());
                    if (r.isOk()) {
                        putRecords.add(record);
                        putters.add(node);
                    } else {
                        failures.add("put of " + key + " from " + node.peerId() + ": " + r);
                    }
                }
                case 1 -> {
                    int j = rnd.nextInt(putRecords.size());
                    DhtRecord record = putRecords.get(j);
                    node = other(all, putters.get(j), rnd);
                    t0 = System.nanoTime();
                    QueryResult.GetRecord r = await(node.getRecord(record.key(), readQuorum), "get");
                    boolean ok = r instanceof QueryResult.GetRecord.Ok found
                            && found.records().stream().anyMatch(pr -> Arrays.equals(pr.record().value(), record.value()));
                    gets.add(ms(t0), ok);
                    if (!ok) {
                        failures.add("get of " + record.key() + " from " + node.peerId() + ": " + r);
                    }
                }
                case 2 -> {
                    RecordKey key = RecordKey.of(DisplayKeys.multihash(("jkad-devnet " + run + " " + i).getBytes(StandardCharsets.UTF_8)));
                    QueryResult.AddProvider r = await(node.startProviding(key), "provide");
                    provides.add(ms(t0), r.isOk());
                    if (r.isOk()) {
                        providedKeys.add(key);
                        providers.add(node.peerId());
                    } else {
                        failures.add("provide of " + key + " from " + node.peerId() + ": " + r);
                    }
                }
                default -> {
                    int j = rnd.nextInt(providedKeys.size());
                    RecordKey key = providedKeys.get(j);
                    PeerId provider = providers.get(j);
                    node = other(all, all.stream().filter(n -> n.peerId().equals(provider)).findFirst().orElseThrow(), rnd);
                    t0 = System.nanoTime();
                    QueryResult.GetProviders r = await(node.getProviders(key), "find providers");
                    boolean ok = r.providers().contains(provider);
                    finds.add(ms(t0), ok);
                    if (!ok) {
                        failures.add("providers of " + key + " from " + node.peerId() + ": " + r);
                    }
                }
            }
            progress.update(i + 1);
        }
        progress.done();
        Map<String, Object> provided = provideKeys == 0 ? Map.of()
                : new DevnetProvideWorkload(stores, firstStore, provideKeys, seed, human()).run(all.get(0));
        long wallMs = (System.nanoTime() - wallStart) / 1_000_000;

        PrintStream human = human();
        human.printf(Locale.ROOT, "%n%d nodes on loopback (store %s%s), %d operations (put quorum %s, get quorum %s), "
                + "seed %d%n", all.size(), store, joinedExternal ? ", joined " + bootstrap : "", ops, putQuorum, getQuorum,
                seed);
        human.printf(Locale.ROOT, "  start + bootstrap %d ms, total %d ms%n", startMs, wallMs);
        human.printf(Locale.ROOT, "  %-15s %6s %6s %12s %10s%n", "operation", "count", "ok", "median ms", "p95 ms");
        byName.forEach((name, s) -> human.printf(Locale.ROOT, "  %-15s %6d %6d %12.1f %10.1f%n", name, s.count(),
                s.ok(), s.median(), s.percentile(0.95)));
        for (String f : failures) {
            human.println("  FAILED " + f);
        }
        int[] tables = routingTableSizes(all);
        int k = all.get(0).config().kademlia().replicationFactor();
        long small = Arrays.stream(tables).filter(n -> n < k).count();
        human.printf(Locale.ROOT, "  routing tables: smallest %d, median %d peers; %d of %d under k = %d%n", tables[0],
                tables[tables.length / 2], small, tables.length, k);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("nodes", all.size());
        doc.put("ops", ops);
        doc.put("store", store);
        doc.put("seed", seed);
        doc.put("put_quorum", putQuorum);
        doc.put("get_quorum", getQuorum);
        doc.put("start_ms", startMs);
        doc.put("start_nodes_ms", startNodesMs);
        byName.forEach((name, s) -> {
            doc.put(name + "_count", s.count());
            doc.put(name + "_ok", s.ok());
            doc.put(name + "_ms_median", round(s.median()));
            doc.put(name + "_ms_p95", round(s.percentile(0.95)));
        });
        doc.put("put_success", round4(puts.successRate()));
        doc.put("get_success", round4(gets.successRate()));
        doc.put("provide_success", round4(provides.successRate()));
        doc.put("providers_success", round4(finds.successRate()));
        doc.put("routing_table_min", tables[0]);
        doc.put("routing_table_median", tables[tables.length / 2]);
        doc.put("routing_tables_under_k", small);
        doc.put("bootstrap_lookups", bootstrapLookupsAtStart);
        doc.put("bootstrap_requests", bootstrapRequestsAtStart);
        doc.put("bootstrap_lookups_all", bootstrapLookups.sum());
        doc.putAll(provided);
        doc.put("wall_ms", wallMs);
        doc.put("idle_timeout", idleTimeout);
        doc.put("bootstrap_batch", bootstrapBatch);
        doc.put("strategy", strategy);
        doc.put("runtime", runtime);
        doc.put("noise_static_key", noiseStaticKey);
        DevnetFootprint footprint = DevnetFootprint.measure(all, rssAfterStartKb, securedAfterStart, openFilesPeak);
        footprint.putInto(doc);
        footprint.print(human, runtime);
        if (json) {
            out.println(Json.write(doc));
        }
        out.flush();
        return gets.ok() == gets.count() && finds.ok() == finds.count() ? 0 : 1;
    }

    /** Every node's routing table size at the end of the run, smallest first. */
    private static int[] routingTableSizes(List<KademliaNode> all) throws Exception {
        int[] sizes = new int[all.size()];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = await(all.get(i).stats(), "read a routing table's size").routingTableSize();
        }
        Arrays.sort(sizes);
        return sizes;
    }

    private long rssAfterStartKb = -1;
    private long securedAfterStart = -1;
    /** The lookups of all bootstraps (self-lookups and bucket refreshes) and their requests, and their counts once the network had joined. */
    private final LongAdder bootstrapLookups = new LongAdder();
    private final LongAdder bootstrapRequests = new LongAdder();
    private long bootstrapLookupsAtStart;
    private long bootstrapRequestsAtStart;
    /** The most files open at once, sampled every half second from the first node's start. */
    private DevnetOpenFiles.Peak openFilesPeak;

    private long startNodesMs;

    /** A random node other than {@code not} (the same one when it is alone). */
    private static KademliaNode other(List<KademliaNode> all, KademliaNode not, Random rnd) {
        if (all.size() == 1) {
            return not;
        }
        KademliaNode n;
        do {
            n = all.get(rnd.nextInt(all.size()));
        } while (n == not);
        return n;
    }

    static <T> T await(CompletableFuture<T> f, String what) throws Exception {
        try {
            return f.get(OP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException(what + " failed: " + cause, cause);
        } catch (TimeoutException e) {
            throw new IllegalStateException(what + " did not complete within " + OP_TIMEOUT_SECONDS + " s", e);
        }
    }

    private static double ms(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }

    static BigDecimal round(double v) {
        return Json.decimal(Math.round(v * 10) / 10.0);
    }

    static BigDecimal round4(double v) {
        return Json.decimal(Math.round(v * 10_000) / 10_000.0);
    }

    private record Bootstrap(PeerId peer, Multiaddr address) {}

    private Bootstrap parseBootstrap(String text) {
        Multiaddr m;
        try {
            m = Multiaddr.parse(text);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--bootstrap is no multiaddr: " + text
                    + " (" + e.getMessage() + ")");
        }
        Optional<PeerId> peer = m.peerId();
        if (peer.isEmpty() || m.toTcpSocketAddress().isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--bootstrap must be /ip4|ip6/<ip>/tcp/<port>/p2p/<peer id>: " + text);
        }
        return new Bootstrap(peer.get(), m.withoutPeerId());
    }

    private Quorum parseQuorum(String option, String text) {
        try {
            return ApiEndpoints.parseQuorum(text);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    option + " must be a number >= 1, 'majority' or 'all': " + text);
        }
    }

    private void validate() {
        if (provideKeys < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--provide-keys must be >= 0: " + provideKeys);
        }
        int minNodes = bootstrap == null ? 2 : 1;
        if (nodes < minNodes) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--nodes must be >= " + minNodes + ": " + nodes);
        }
        if (!List.of("shared", "per-node").contains(runtime)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--runtime must be shared or per-node: " + runtime);
        }
        if (!List.of("reuse", "fresh").contains(noiseStaticKey)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--noise-static-key must be reuse or fresh: " + noiseStaticKey);
        }
        RunCommand.parseDuration("--idle-timeout", idleTimeout);
        if (!List.of("reference", "tuned").contains(strategy)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--strategy must be reference or tuned: " + strategy);
        }
        if (bootstrapBatch < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--bootstrap-batch must be >= 1: " + bootstrapBatch);
        }
        if (ops < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--ops must be >= 0: " + ops);
        }
        KadCommand.logLevels(spec, logLevel);
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            System.err.println("could not delete " + dir + ": " + e.getMessage());
        }
    }
}
