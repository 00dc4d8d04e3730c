package io.jkad.node;

import io.jkad.multiaddr.Multiaddr;
import io.jkad.record.StoreException;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import io.jkad.kademlia.NoKnownPeersException;
import io.jkad.kademlia.QueryResult;
import io.jkad.kademlia.RequestLimits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kad run}: a long-running node ({@link Daemon}) until SIGTERM or SIGINT, which stop it
 * gracefully (API, routing table saved, node, store closed).
 */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs a long-lived Kademlia node: listens for peers, joins the network through the bootstrap "
                + "peers (and the routing table saved in the data directory), serves the local API that the client "
                + "commands (put, get, provide, providers, peer, routing-table, status) use, and Prometheus metrics "
                + "at http://API/metrics. Stops on SIGTERM or Ctrl-C, saving the routing table and closing the store.",
                "Prints the node's peer id and addresses, then a JSON line, when it is ready."})
public final class RunCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Option(names = "--listen", paramLabel = "MULTIADDR", split = ",",
            defaultValue = "/ip4/0.0.0.0/tcp/4001",
            description = "TCP addresses to listen on (repeat or separate with commas; port 0 picks a free port) "
                    + "(default: ${DEFAULT-VALUE}).")
    List<String> listen;

    @Option(names = "--bootstrap", paramLabel = "MULTIADDR", split = ",",
            description = "Peers to join the network through, /ip4/<ip>/tcp/<port>/p2p/<peer id> "
                    + "(repeat or separate with commas; default: none, or the saved routing table).")
    List<String> bootstrap = new ArrayList<>();

    @Option(names = "--store", defaultValue = "rocksdb", paramLabel = "NAME",
            description = "Record store backend: rocksdb, jdbc (H2 file in the data directory unless "
                    + "--store-option jdbc.url=…), memory, or any backend on the class path (default: ${DEFAULT-VALUE}).")
    String store;

    @Option(names = {"-o", "--store-option"}, paramLabel = "KEY=VALUE",
            description = "A backend setting, e.g. rocksdb.block_cache_mb=64, rocksdb.sync=true, "
                    + "jdbc.url=jdbc:postgresql://localhost/kad, jdbc.user=kad (repeatable).")
    Map<String, String> storeOptions = new LinkedHashMap<>();

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Where the key, the store (store-<name>/) and the saved routing table live; one node "
                    + "at a time (DIR/lock) (default: $XDG_DATA_HOME/jkad or ~/.local/share/jkad; here ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--key-file", paramLabel = "F",
            description = "The identity key (a libp2p Ed25519 private key protobuf), created if missing "
                    + "(default: DIR/identity.key).")
    Path keyFile;

    @Option(names = "--api", defaultValue = ApiClient.DEFAULT_API, paramLabel = "HOST:PORT",
            description = "The local API and metrics, on a loopback address only; 'off' for none "
                    + "(default: ${DEFAULT-VALUE}).")
    String api;

    @Option(names = "--api-token",
            description = "The API (and /metrics) asks every request for the token in DIR/api.token, made once "
                    + "(owner-only) if missing: for machines with other users.")
    boolean apiToken;

    @Option(names = "--api-token-file", paramLabel = "F",
            description = "As --api-token, with the token in F (made if missing).")
    Path apiTokenFileOption;

    /** {@code --validation}: what the node does with records of namespaces it has no validator for. */
    enum Validation {
        /** Accept them unchecked, as the reference: for private networks. */
        permissive,
        /** Refuse them, as go and js: for public networks. */
        strict
    }

    @Option(names = "--validation", paramLabel = "MODE", defaultValue = "permissive",
            description = "Records of key namespaces without a validator (not /pk/ or /ipns/): 'permissive' "
                    + "stores them unchecked (private networks), 'strict' refuses them as go and js do (public "
                    + "networks). /pk/ and /ipns/ records are always checked. Default: ${DEFAULT-VALUE}.")
    Validation validation;

    @Option(names = "--reprovide", paramLabel = "sweep|per-key", defaultValue = "sweep",
            converter = ReprovideConverter.class,
            description = "How the keys this node provides are announced again: 'sweep' groups them by keyspace "
                    + "region, finds each region's peers once and sends each peer its keys on one stream (few "
                    + "lookups for many keys; the schedule survives restarts); 'per-key' looks up each key's peers "
                    + "(the reference). Default: ${DEFAULT-VALUE}.")
    io.jkad.kademlia.ReprovideStrategy reprovide;

    @Option(names = "--reprovide-interval", defaultValue = "12h", paramLabel = "DURATION",
            description = "How often every provided key is announced again (default: ${DEFAULT-VALUE}; keep it "
                    + "under the network's provider record TTL: 24 h here and in rust, 48 h in go).")
    String reprovideInterval;

    @Option(names = "--reprovide-region-bits", paramLabel = "N",
            description = "Size the sweep's regions as keyspace prefixes of N bits instead of from the network size "
                    + "estimate (tests, private networks of known size).")
    Integer reprovideRegionBits;

    /** Reads {@code sweep} or {@code per-key}. */
    static final class ReprovideConverter implements CommandLine.ITypeConverter<io.jkad.kademlia.ReprovideStrategy> {
        @Override
        public io.jkad.kademlia.ReprovideStrategy convert(String value) {
            return switch (value) {
                case "sweep" -> io.jkad.kademlia.ReprovideStrategy.SWEEP;
                case "per-key" -> io.jkad.kademlia.ReprovideStrategy.PER_KEY;
                default -> throw new CommandLine.TypeConversionException("'sweep' or 'per-key', not '" + value + "'");
            };
        }
    }

    @Option(names = "--client-mode",
            description = "Do not serve the DHT to others (no peer adds this node to its routing table); "
                    + "still query it.")
    boolean clientMode;

    @Option(names = "--announce", paramLabel = "MULTIADDR", split = ",",
            description = "Addresses to advertise instead of the listen addresses (e.g. a public one behind NAT).")
    List<String> announce = new ArrayList<>();

    @Option(names = "--bootstrap-interval", defaultValue = "5m", paramLabel = "DURATION",
            description = "How often the node bootstraps again (refreshing its buckets and dropping dead "
                    + "peers): 30s, 5m, 1h (default: ${DEFAULT-VALUE}).")
    String bootstrapInterval;

    @Option(names = "--bootstrap-wait", defaultValue = "60s", paramLabel = "DURATION",
            description = "How long the first bootstrap may take before the node says it is ready anyway "
                    + "(default: ${DEFAULT-VALUE}).")
    String bootstrapWait;

    @Option(names = "--save-interval", defaultValue = "5m", paramLabel = "DURATION",
            description = "How often the routing table is saved, besides at stop (default: ${DEFAULT-VALUE}).")
    String saveInterval;

    @Option(names = "--log-level", defaultValue = "info", paramLabel = "LEVEL[,LOGGER=LEVEL…]",
            description = "trace, debug, info, warn, error or off, and levels per logger, e.g. "
                    + "info,io.jkad.net=debug (default: ${DEFAULT-VALUE}); logs go to stderr.")
    String logLevel;

    @Option(names = "--log-format", defaultValue = "text", paramLabel = "text|json",
            description = "Log lines as text, or one JSON object per event (default: ${DEFAULT-VALUE}).")
    String logFormat;

    @Option(names = "--max-memory", paramLabel = "SIZE",
            description = "The node's budget for buffered network bytes (every peer, connection and stream draws from "
                    + "it): 64m, 1g, or bytes (default: a quarter of the heap, at least 32m).")
    String maxMemory;

    @Option(names = "--max-connections", paramLabel = "N",
            description = "Inbound connections at once, handshakes included (default: 1024).")
    Integer maxConnections;

    @Option(names = "--max-handshakes-per-ip", paramLabel = "N",
            description = "Connections one IP address may have in the handshake at once, and handshakes it may start "
                    + "in a burst before being held to 8 a second (default: 32).")
    Integer maxHandshakesPerIp;

    @Option(names = "--request-limits", paramLabel = "default|unlimited|RATE:BURST",
            description = "Per-peer budgets of inbound Kademlia requests: 'default' (FIND_NODE, GET_VALUE, "
                    + "GET_PROVIDERS 20/s after a burst of 100; PUT_VALUE 10/s, 100; ADD_PROVIDER 20/s, 500; PING 2/s, "
                    + "10), 'unlimited', or RATE:BURST for every type but PING (e.g. 10000:20000: a private network, "
                    + "a benchmark) (default: default).")
    String requestLimits;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Daemon.Options options = options();
        LogSetup.apply(KadCommand.logLevels(spec, logLevel), KadCommand.logFormat(spec, logFormat));
        PrintStream out = System.out;
        // SIGTERM and Ctrl-C ask for a graceful stop, after which the command exits 0, as a supervisor
        // expects of a service that stopped when told to; a second Ctrl-C stops at once (130)
        Daemon daemon;
        try {
            daemon = Daemon.start(options);
        } catch (IllegalArgumentException | StoreException | IOException e) {
            System.err.println("kad run: " + e.getMessage());
            return 1;
        }
        CompletableFuture<String> stopRequested = new CompletableFuture<>();
        Signals.onStop(stopRequested);
        // any other way out of the JVM (System.exit elsewhere, SIGHUP) still stops the node in order
        Thread hook = new Thread(daemon::close, "kad-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        Bootstrap bootstrap = awaitBootstrap(daemon, stopRequested, parseDuration("--bootstrap-wait", bootstrapWait));
        printReady(out, daemon, bootstrap);
        String signal = stopRequested.join();
        LOG.info("stopping on {}", signal);
        Daemon.Stopped stopped = daemon.stop();
        out.println("stopped: " + stopped.describe());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("event", "stopped");
        json.put("signal", signal);
        json.put("saved_peers", stopped.savedPeers());
        json.put("store", stopped.store());
        json.put("store_persistent", stopped.persistent());
        json.put("store_records", stopped.records());
        json.put("store_provider_keys", stopped.providerKeys());
        out.println(Json.write(json));
        out.flush();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyStopping) {
            // the JVM is exiting anyway
        }
        return 0;
    }

    /**
     * How the first bootstrap went, as the {@code ready} line reports it: {@code ok} (peers answered),
     * {@code no_peer_answered}, {@code timeout}, {@code failed}, {@code no_bootstrap_peers} (nothing to
     * join through: the node waits for others to find it), or {@code running} (still going when
     * {@code --bootstrap-wait} ran out).
     */
    record Bootstrap(String outcome, int routingTableSize, int connectedPeers) {}

    static Bootstrap awaitBootstrap(Daemon daemon, CompletableFuture<?> stopRequested, Duration wait) {
        CompletableFuture<QueryResult.Bootstrap> first = daemon.service().initialBootstrap();
        try {
            CompletableFuture.anyOf(first, stopRequested).get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // judged below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String outcome;
        if (!first.isDone()) {
            outcome = "running";
        } else if (first.isCompletedExceptionally()) {
            Throwable cause = first.handle((r, e) -> e).join();
            outcome = cause instanceof CompletionException && cause.getCause() != null ? outcomeOf(cause.getCause())
                    : outcomeOf(cause);
        } else {
            QueryResult.Bootstrap r = first.join();
            outcome = !r.isOk() ? "timeout" : daemon.node().connectedPeers().isEmpty() ? "no_peer_answered" : "ok";
        }
        int table;
        try {
            table = daemon.node().routingTable().get(10, TimeUnit.SECONDS).size();
        } catch (Exception e) {
            table = -1;
        }
        return new Bootstrap(outcome, table, daemon.node().connectedPeers().size());
    }

    private static String outcomeOf(Throwable e) {
        return e instanceof NoKnownPeersException ? "no_bootstrap_peers" : "failed";
    }

    static void printReady(PrintStream out, Daemon daemon, Bootstrap bootstrap) {
        var node = daemon.node();
        out.println("jkad node " + node.peerId() + " (" + (node.config().clientMode() ? "client" : "server")
                + " mode, identity " + (daemon.keyCreated() ? "created" : "loaded") + ")");
        for (Multiaddr a : node.listenAddresses()) {
            out.println("  listening on " + a.withPeerId(node.peerId()));
        }
        for (Multiaddr a : node.advertisedAddresses()) {
            out.println("  advertised   " + a.withPeerId(node.peerId()));
        }
        daemon.apiAddress().ifPresent(a -> out.println("  API http://" + a.getHostString() + ":" + a.getPort()
                + "  (metrics at /metrics)"));
        out.println("  bootstrap    " + bootstrap.outcome().replace('_', ' ') + ": " + bootstrap.routingTableSize()
                + " peers in the routing table, " + bootstrap.connectedPeers() + " connected");
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("event", "ready");
        json.put("peer_id", node.peerId().toBase58());
        json.put("listen_addrs", node.listenAddresses().stream().map(a -> a.withPeerId(node.peerId()).toString()).toList());
        json.put("advertised_addrs", node.advertisedAddresses().stream()
                .map(a -> a.withPeerId(node.peerId()).toString()).toList());
        json.put("api", daemon.apiAddress().map(a -> a.getHostString() + ":" + a.getPort()).orElse(null));
        json.put("saved_peers", daemon.savedPeersLoaded());
        json.put("bootstrap", bootstrap.outcome());
        json.put("routing_table_size", bootstrap.routingTableSize());
        json.put("connected_peers", bootstrap.connectedPeers());
        out.println(Json.write(json));
        out.flush();
    }

    private Daemon.Options options() {
        try {
            Optional<InetSocketAddress> apiAddress = "off".equalsIgnoreCase(api) ? Optional.empty()
                    : Optional.of(ApiClient.parseAddress(api));
            return new Daemon.Options(multiaddrs("--listen", listen), multiaddrs("--announce", announce),
                    multiaddrs("--bootstrap", bootstrap), store, storeOptions,
                    dataDir != null ? dataDir : OptionDefaults.defaultDataDir(System.getenv()),
                    Optional.ofNullable(keyFile), apiAddress, clientMode,
                    parseDuration("--bootstrap-interval", bootstrapInterval),
                    parseDuration("--save-interval", saveInterval), admission(), apiTokenFile(),
                    validation == Validation.strict ? io.jkad.validation.UnknownNamespacePolicy.REFUSE
                            : io.jkad.validation.UnknownNamespacePolicy.ACCEPT,
                    reprovide, parseDuration("--reprovide-interval", reprovideInterval),
                    reprovideRegionBits == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(reprovideRegionBits));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** The token file, if the API needs one: {@code --api-token-file F}, or {@code DIR/api.token} with {@code --api-token}. */
    private Optional<Path> apiTokenFile() {
        if (apiTokenFileOption != null) {
            return Optional.of(apiTokenFileOption);
        }
        return apiToken ? Optional.of((dataDir != null ? dataDir : OptionDefaults.defaultDataDir(System.getenv()))
                .resolve(ApiToken.NAME)) : Optional.empty();
    }

    private Daemon.Admission admission() {
        return new Daemon.Admission(
                maxMemory == null ? OptionalLong.empty() : OptionalLong.of(parseSize("--max-memory", maxMemory)),
                maxConnections == null ? OptionalInt.empty() : OptionalInt.of(maxConnections),
                maxHandshakesPerIp == null ? OptionalInt.empty() : OptionalInt.of(maxHandshakesPerIp),
                requestLimits == null ? Optional.empty() : Optional.of(parseRequestLimits(requestLimits)));
    }

    /**
     * {@code --request-limits}: {@code default}, {@code unlimited}, or {@code RATE:BURST} (requests a
     * second and burst, per peer) for FIND_NODE, GET_VALUE, PUT_VALUE, GET_PROVIDERS and ADD_PROVIDER,
     * PING keeping its default.
     */
    static RequestLimits parseRequestLimits(String text) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("default")) {
            return RequestLimits.DEFAULTS;
        }
        if (t.equals("unlimited")) {
            return RequestLimits.UNLIMITED;
        }
        String[] parts = t.split(":");
        try {
            if (parts.length == 2) {
                RequestLimits.Rate r = new RequestLimits.Rate(Double.parseDouble(parts[0]), Integer.parseInt(parts[1]));
                RequestLimits d = RequestLimits.DEFAULTS;
                return new RequestLimits(r, r, r, r, r, d.ping(), d.maxPeers());
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new IllegalArgumentException("--request-limits must be default, unlimited or RATE:BURST (both > 0): " + text);
    }

    /**
     * A size as bytes, or with a suffix {@code k}, {@code m}, {@code g} (powers of 1024; {@code kb},
     * {@code mib} and the like too).
     *
     * @throws IllegalArgumentException otherwise, or if not positive
     */
    static long parseSize(String option, String text) {
        String t = text.strip().toLowerCase(Locale.ROOT).replaceAll("i?b$", "");
        long unit = 1;
        if (t.endsWith("k")) {
            unit = 1L << 10;
        } else if (t.endsWith("m")) {
            unit = 1L << 20;
        } else if (t.endsWith("g")) {
            unit = 1L << 30;
        }
        if (unit > 1) {
            t = t.substring(0, t.length() - 1);
        }
        long n;
        try {
            n = Math.multiplyExact(Long.parseLong(t.strip()), unit);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(option + " must be a size like 64m, 1g or a number of bytes: " + text);
        }
        if (n <= 0) {
            throw new IllegalArgumentException(option + " must be > 0: " + text);
        }
        return n;
    }

    private static List<Multiaddr> multiaddrs(String option, List<String> texts) {
        List<Multiaddr> out = new ArrayList<>();
        for (String t : texts) {
            if (t.isBlank()) {
                continue;
            }
            try {
                out.add(Multiaddr.parse(t.strip()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(option + ": not a multiaddr: " + t + " (" + e.getMessage() + ")");
            }
        }
        return out;
    }

    /**
     * A duration as {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, or ISO-8601 ({@code PT5M}).
     *
     * @throws IllegalArgumentException otherwise, or if not positive
     */
    static Duration parseDuration(String option, String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        Duration d;
        try {
            if (t.startsWith("pt")) {
                d = Duration.parse(t.toUpperCase(Locale.ROOT));
            } else if (t.endsWith("ms")) {
                d = Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            } else if (t.endsWith("s")) {
                d = Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
            } else if (t.endsWith("m")) {
                d = Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
            } else if (t.endsWith("h")) {
                d = Duration.ofHours(Long.parseLong(t.substring(0, t.length() - 1)));
            } else {
                throw new IllegalArgumentException();
            }
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(option + " must be a duration like 30s, 5m, 1h: " + text);
        }
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(option + " must be > 0: " + text);
        }
        return d;
    }
}
