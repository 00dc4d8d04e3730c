package io.jkad.node;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.multibindings.OptionalBinder;
import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.inject.BootstrapPeers;
import io.jkad.inject.KademliaModule;
import io.jkad.inject.KademliaService;
import io.jkad.kademlia.JobSchedule;
import io.jkad.kademlia.KademliaConfig;
import io.jkad.kademlia.RequestLimits;
import io.jkad.kademlia.KademliaEvent;
import io.jkad.kademlia.ReprovideReport;
import io.jkad.kademlia.ReprovideStrategy;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.net.HostConfig;
import io.jkad.net.KademliaNode;
import io.jkad.net.KademliaNodeConfig;
import io.jkad.net.ResourceLimits;
import io.jkad.net.RoutingTableEntry;
import io.jkad.record.StoreConfig;
import io.jkad.validation.UnknownNamespacePolicy;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A long-running node, as {@code kad run} starts it: the identity key kept in a file, the node and
 * its store embedded through Guice ({@link KademliaModule}, {@link KademliaService}), the routing
 * table saved in the data directory and loaded at start, a periodic bootstrap, the local API and
 * the metrics. {@link #close()} stops it in order: API, routing table save, node, store.
 */
final class Daemon implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);

    /** Everything {@code kad run} takes; the defaults are those of its options. */
    record Options(List<Multiaddr> listen, List<Multiaddr> announce, List<Multiaddr> bootstrap, String store,
                   Map<String, String> storeOptions, Path dataDir, Optional<Path> keyFile,
                   Optional<InetSocketAddress> api, boolean clientMode, Duration bootstrapInterval,
                   Duration saveInterval, Admission admission, Optional<Path> apiTokenFile,
                   UnknownNamespacePolicy unknownNamespaces, ReprovideStrategy reprovide, Duration reprovideInterval,
                   java.util.OptionalInt reprovideRegionBits) {

        /** With the reprovide sweep every 12 h ({@code kad run}'s defaults). */
        Options(List<Multiaddr> listen, List<Multiaddr> announce, List<Multiaddr> bootstrap, String store,
                Map<String, String> storeOptions, Path dataDir, Optional<Path> keyFile,
                Optional<InetSocketAddress> api, boolean clientMode, Duration bootstrapInterval,
                Duration saveInterval, Admission admission, Optional<Path> apiTokenFile,
                UnknownNamespacePolicy unknownNamespaces) {
            this(listen, announce, bootstrap, store, storeOptions, dataDir, keyFile, api, clientMode, bootstrapInterval,
                    saveInterval, admission, apiTokenFile, unknownNamespaces, ReprovideStrategy.SWEEP,
                    KademliaConfig.DEFAULT_PROVIDER_PUBLICATION_INTERVAL, java.util.OptionalInt.empty());
        }

        /** Keys of unknown namespaces accepted ({@code --validation permissive}). */
        Options(List<Multiaddr> listen, List<Multiaddr> announce, List<Multiaddr> bootstrap, String store,
                Map<String, String> storeOptions, Path dataDir, Optional<Path> keyFile,
                Optional<InetSocketAddress> api, boolean clientMode, Duration bootstrapInterval,
                Duration saveInterval, Admission admission, Optional<Path> apiTokenFile) {
            this(listen, announce, bootstrap, store, storeOptions, dataDir, keyFile, api, clientMode, bootstrapInterval,
                    saveInterval, admission, apiTokenFile, UnknownNamespacePolicy.ACCEPT);
        }

        /** With the default admission limits and no API token. */
        Options(List<Multiaddr> listen, List<Multiaddr> announce, List<Multiaddr> bootstrap, String store,
                Map<String, String> storeOptions, Path dataDir, Optional<Path> keyFile,
                Optional<InetSocketAddress> api, boolean clientMode, Duration bootstrapInterval,
                Duration saveInterval) {
            this(listen, announce, bootstrap, store, storeOptions, dataDir, keyFile, api, clientMode, bootstrapInterval,
                    saveInterval, Admission.DEFAULTS, Optional.empty());
        }

        Options {
            Objects.requireNonNull(admission, "admission");
            Objects.requireNonNull(unknownNamespaces, "unknownNamespaces");
            Objects.requireNonNull(reprovide, "reprovide");
            positive("reprovideInterval", reprovideInterval);
            Objects.requireNonNull(reprovideRegionBits, "reprovideRegionBits");
            if (reprovideRegionBits.isPresent() && (reprovideRegionBits.getAsInt() < 0 || reprovideRegionBits.getAsInt() > 20)) {
                throw new IllegalArgumentException("--reprovide-region-bits must be 0 to 20: " + reprovideRegionBits.getAsInt());
            }
            Objects.requireNonNull(apiTokenFile, "apiTokenFile");
            listen = List.copyOf(listen);
            announce = List.copyOf(announce);
            bootstrap = List.copyOf(bootstrap);
            Objects.requireNonNull(store, "store");
            storeOptions = Map.copyOf(storeOptions);
            Objects.requireNonNull(dataDir, "dataDir");
            Objects.requireNonNull(keyFile, "keyFile");
            Objects.requireNonNull(api, "api");
            api.ifPresent(a -> {
                // checked here, before the store is opened and the ports bound (ApiServer checks again where it binds)
                if (a.isUnresolved() || !a.getAddress().isLoopbackAddress()) {
                    throw new IllegalArgumentException("--api must be a loopback address (127.0.0.1:PORT or [::1]:PORT): "
                            + a.getHostString() + ":" + a.getPort());
                }
            });
            positive("bootstrapInterval", bootstrapInterval);
            positive("saveInterval", saveInterval);
            for (Multiaddr b : bootstrap) {
                if (b.peerId().isEmpty() || b.toTcpSocketAddress().isEmpty()) {
                    throw new IllegalArgumentException("a bootstrap address must be /ip4|ip6|dns*/<host>/tcp/<port>/p2p/<peer id>: " + b);
                }
            }
        }

        private static void positive(String name, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be > 0: " + d);
            }
        }

        Path identityFile() {
            return keyFile.orElse(dataDir.resolve("identity.key"));
        }
    }

    /**
     * {@code kad run}'s admission settings, each empty for the default: the node's memory budget
     * in bytes ({@code --max-memory}; the other memory limits follow from it, see
     * {@link ResourceLimits#forMemory}), inbound connections ({@code --max-connections}), and
     * handshakes one IP may have in progress and start in a burst ({@code --max-handshakes-per-ip}),
     * and the per-peer request budgets ({@code --request-limits}; empty: {@link RequestLimits#DEFAULTS}).
     */
    record Admission(OptionalLong maxMemory, OptionalInt maxConnections, OptionalInt maxHandshakesPerIp,
                     Optional<RequestLimits> requestLimits) {
        static final Admission DEFAULTS = new Admission(OptionalLong.empty(), OptionalInt.empty(), OptionalInt.empty());

        /** With the default per-peer request budgets. */
        Admission(OptionalLong maxMemory, OptionalInt maxConnections, OptionalInt maxHandshakesPerIp) {
            this(maxMemory, maxConnections, maxHandshakesPerIp, Optional.empty());
        }

        Admission {
            Objects.requireNonNull(requestLimits, "requestLimits");
            Objects.requireNonNull(maxMemory, "maxMemory");
            Objects.requireNonNull(maxConnections, "maxConnections");
            Objects.requireNonNull(maxHandshakesPerIp, "maxHandshakesPerIp");
            if (maxMemory.isPresent() && maxMemory.getAsLong() < 1024 * 1024) {
                throw new IllegalArgumentException("--max-memory must be at least 1 MiB: " + maxMemory.getAsLong());
            }
            if (maxConnections.isPresent() && maxConnections.getAsInt() < 1) {
                throw new IllegalArgumentException("--max-connections must be >= 1: " + maxConnections.getAsInt());
            }
            if (maxHandshakesPerIp.isPresent() && maxHandshakesPerIp.getAsInt() < 1) {
                throw new IllegalArgumentException("--max-handshakes-per-ip must be >= 1: " + maxHandshakesPerIp.getAsInt());
            }
        }

        /** Applies the settings to a node configuration. */
        void applyTo(KademliaNodeConfig.Builder nb) {
            if (maxMemory.isEmpty() && maxConnections.isEmpty() && maxHandshakesPerIp.isEmpty()) {
                return;
            }
            ResourceLimits limits = maxMemory.isPresent() ? ResourceLimits.forMemory(maxMemory.getAsLong())
                    : ResourceLimits.defaults();
            if (maxConnections.isPresent()) {
                limits = limits.withInboundConnections(maxConnections.getAsInt());
            }
            if (maxHandshakesPerIp.isPresent()) {
                int n = maxHandshakesPerIp.getAsInt();
                limits = limits.withTransient(Math.max(limits.transientConnections(), n), n,
                        Math.max(limits.transientPerSubnet(), n));
                nb.handshakeRateLimit(n, HostConfig.DEFAULT_HANDSHAKES_PER_SECOND);
            }
            nb.resourceLimits(limits);
        }
    }

    private final Options options;
    private final KademliaService service;
    private final KademliaNode node;
    private final boolean keyCreated;
    private final Path routingFile;
    private final int savedPeersLoaded;
    private final NodeMetrics metrics;
    private final ApiServer api;
    private final ScheduledExecutorService saver;
    private final DataDirLock lock;
    private boolean closed;
    private volatile java.time.Instant lastSave;
    private volatile Instant nextSave;
    private final NameRepublisher names;
    private volatile Instant nextNameCheck;
    private Stopped stopped;

    /**
     * What {@link #close()} left behind: the peers of the routing table written to {@code routingFile}
     * (0: none written), and the store's counts as it was closed ({@code -1} when not read).
     */
    record Stopped(int savedPeers, Path routingFile, String store, boolean persistent, Path storeDirectory,
                   long records, long providerKeys) {
        /** One line for the log and the terminal. */
        String describe() {
            String table = savedPeers > 0 ? "routing table of " + savedPeers + " peers saved to " + routingFile
                    : "routing table empty, nothing saved";
            String counts = records < 0 ? "" : " with " + records + " records and " + providerKeys + " provider keys";
            String kept = persistent ? "store " + store + " closed" + counts + " in " + storeDirectory
                    : "store " + store + " discarded" + counts + " (not persistent)";
            return table + "; " + kept;
        }
    }

    private Daemon(Options options, KademliaService service, boolean keyCreated, Path routingFile, int savedPeersLoaded,
                   DataDirLock lock) throws IOException {
        this.options = options;
        this.lock = lock;
        this.service = service;
        this.node = service.node();
        this.keyCreated = keyCreated;
        this.routingFile = routingFile;
        this.savedPeersLoaded = savedPeersLoaded;
        this.metrics = new NodeMetrics(node, service.store());
        node.addListener(event -> {
            if (event instanceof KademliaEvent.RegionReprovided r) {
                ReprovideReport report = r.report();
                LOG.info("reprovided region {}/{} of cycle {} from position {}: {} keys to {} peers found with {} lookups, {} ADD_PROVIDERs",
                        report.prefix().isEmpty() ? "-" : report.prefix(), report.bits(), report.cycle(),
                        String.format(java.util.Locale.ROOT, "%.6f", report.position()), report.keys(),
                        report.peersExplored(), report.lookups(), report.addProviderRequests());
            }
        });
        ApiServer started = null;
        if (options.api().isPresent()) {
            try {
                Optional<String> token = Optional.empty();
                if (options.apiTokenFile().isPresent()) {
                    token = Optional.of(ApiToken.loadOrCreate(options.apiTokenFile().get()));
                    LOG.info("the API needs the token in {}", options.apiTokenFile().get());
                }
                started = ApiServer.start(options.api().get(), node, metrics, this::statusExtras, this::activity, token,
                        this::providedKeys);
            } catch (IOException | RuntimeException e) {
                metrics.close();
                throw e;
            }
        }
        this.api = started;
        this.saver = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kad-routing-save");
            t.setDaemon(true);
            return t;
        });
        long every = options.saveInterval().toMillis();
        nextSave = Instant.now().plus(options.saveInterval());
        saver.scheduleWithFixedDelay(() -> {
            saveQuietly();
            nextSave = Instant.now().plus(options.saveInterval());
        }, every, every, TimeUnit.MILLISECONDS);
        this.names = new NameRepublisher(node, node.config().host().identity(), service.store());
        long names = NameRepublisher.EVERY.toMillis();
        nextNameCheck = Instant.now().plus(NameRepublisher.EVERY);
        saver.scheduleWithFixedDelay(() -> {
            try {
                this.names.runOnce(Instant.now());
            } catch (RuntimeException e) {
                LOG.warn("IPNS republication failed", e);
            }
            nextNameCheck = Instant.now().plus(NameRepublisher.EVERY);
        }, names, names, TimeUnit.MILLISECONDS);
    }

    /** The job that keeps the node's own IPNS name valid. */
    NameRepublisher names() {
        return names;
    }

    /**
     * Starts a node: reads (or makes) the identity key, loads the saved routing table, opens the
     * store and the listen ports, starts the bootstrap through the given peers and the saved ones,
     * then the API.
     *
     * @throws IllegalArgumentException for a bad option (an unknown store lists the ones found; a
     *     non-loopback API address; a damaged key file)
     * @throws DataDirLock.InUseException if another node runs on the data directory
     * @throws IOException if a port cannot be bound or a file cannot be read or written
     * @throws io.jkad.record.StoreException if the store cannot be opened
     */
    static Daemon start(Options options) throws IOException {
        Files.createDirectories(options.dataDir());
        DataDirLock lock = DataDirLock.acquire(options.dataDir());
        try {
            return start(options, lock);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    private static Daemon start(Options options, DataDirLock lock) throws IOException {
        KeyFile.Loaded key = KeyFile.loadOrCreate(options.identityFile());
        Ed25519KeyPair identity = key.key();
        PeerId self = identity.peerId();
        LOG.info("identity {} {} ({})", self, key.created() ? "created" : "loaded", options.identityFile());

        Path routingFile = options.dataDir().resolve(RoutingTableFile.NAME);
        List<RoutingTableFile.Peer> saved = RoutingTableFile.load(routingFile);
        Set<Multiaddr> join = new LinkedHashSet<>(options.bootstrap());
        int savedPeers = 0;
        for (RoutingTableFile.Peer p : saved) {
            if (!p.peer().equals(self)) {
                join.addAll(p.dialAddresses());
                savedPeers++;
            }
        }
        if (savedPeers > 0) {
            LOG.info("loaded {} peers from {}", savedPeers, routingFile);
        }
        join.removeIf(a -> a.peerId().map(self::equals).orElse(false));

        StoreConfig storeConfig = StoreConfig.defaults(self).withDataDirectory(storeDirectory(options));
        for (Map.Entry<String, String> o : options.storeOptions().entrySet()) {
            storeConfig = storeConfig.withOption(o.getKey(), o.getValue());
        }
        KademliaConfig kademlia = KademliaConfig.defaults().toBuilder()
                .bootstrapInterval(Optional.of(options.bootstrapInterval()))
                .unknownNamespaces(options.unknownNamespaces())
                .reprovideStrategy(options.reprovide())
                .providerPublicationInterval(Optional.of(options.reprovideInterval()))
                .reprovideRegionBits(options.reprovideRegionBits())
                .requestLimits(options.admission().requestLimits().orElse(RequestLimits.DEFAULTS))
                .build();
        KademliaNodeConfig.Builder nb = KademliaNodeConfig.builder(identity)
                .kademlia(kademlia)
                .clientMode(options.clientMode())
                .openStore(options.store(), storeConfig);
        options.admission().applyTo(nb);
        options.listen().forEach(nb::listen);
        options.announce().forEach(nb::announce);
        KademliaNodeConfig nodeConfig = nb.build();
        BootstrapPeers peers = new BootstrapPeers(new ArrayList<>(join));

        Injector injector = Guice.createInjector(new KademliaModule(), binder -> {
            OptionalBinder.newOptionalBinder(binder, KademliaNodeConfig.class).setBinding().toInstance(nodeConfig);
            OptionalBinder.newOptionalBinder(binder, BootstrapPeers.class).setBinding().toInstance(peers);
        });
        KademliaService service = injector.getInstance(KademliaService.class);
        service.start();
        try {
            return new Daemon(options, service, key.created(), routingFile, savedPeers, lock);
        } catch (IOException | RuntimeException e) {
            service.stop();
            throw e;
        }
    }

    /** Where the store keeps its files: {@code <data-dir>/store-<name>}. */
    static Path storeDirectory(Options options) {
        return options.dataDir().resolve("store-" + options.store());
    }

    KademliaNode node() {
        return node;
    }

    KademliaService service() {
        return service;
    }

    boolean keyCreated() {
        return keyCreated;
    }

    int savedPeersLoaded() {
        return savedPeersLoaded;
    }

    /** The API server, if it runs. */
    Optional<ApiServer> apiServer() {
        return Optional.ofNullable(api);
    }

    /** The API's bound address, if the API runs. */
    Optional<InetSocketAddress> apiAddress() {
        return Optional.ofNullable(api).map(ApiServer::address);
    }

    /**
     * The recent queries and the periodic jobs, for the status page ({@code GET /v1/activity}): the
     * node's jobs as its state machine schedules them, and the routing table's save.
     */
    private CompletableFuture<ApiTypes.Activity> activity() {
        List<ApiTypes.RecentQuery> queries = metrics.recentQueries();
        return node.jobs().thenApply(schedule -> {
            List<ApiTypes.Job> jobs = new ArrayList<>();
            for (JobSchedule j : schedule) {
                jobs.add(new ApiTypes.Job(j.name(), j.every().toSeconds(), j.lastStart().map(Object::toString).orElse(null),
                        j.running(), j.next().map(Object::toString).orElse(null)));
            }
            Instant saved = lastSave;
            jobs.add(new ApiTypes.Job("routing_table_save", options.saveInterval().toSeconds(),
                    saved == null ? null : saved.toString(), false, String.valueOf(nextSave)));
            jobs.add(new ApiTypes.Job("ipns_republication", NameRepublisher.EVERY.toSeconds(),
                    names.last().map(Object::toString).orElse(null), false, String.valueOf(nextNameCheck)));
            return new ApiTypes.Activity(queries, jobs);
        });
    }

    /** How many keys the node provides (a scan of the store's provided keys); -1 if the store cannot tell. */
    private long providedKeys() {
        try (io.jkad.record.CloseableIterator<io.jkad.record.ProviderRecord> it = service.store().provided()) {
            long n = 0;
            while (it.hasNext()) {
                it.next();
                n++;
            }
            return n;
        } catch (RuntimeException e) {
            LOG.debug("provided keys not counted: {}", e.toString());
            return -1;
        }
    }

    private ApiTypes.StatusExtras statusExtras() {
        Long records = null;
        Long providerKeys = null;
        try {
            var counts = service.store().counts();
            records = counts.records();
            providerKeys = counts.providerKeys();
        } catch (RuntimeException e) {
            LOG.debug("store counts not read: {}", e.toString());
        }
        return new ApiTypes.StatusExtras(options.store(), options.dataDir().toAbsolutePath().toString(), records,
                providerKeys, NodeMetrics.resourceStatus(node.resources()));
    }

    /**
     * Writes the routing table to the data directory, unless it is empty (an empty table, as after
     * losing every peer, would throw away what the next start needs).
     *
     * @return the number of peers written (0: nothing written)
     */
    synchronized int saveRoutingTable() throws IOException {
        if (closed && !service.isRunning()) {
            return 0;
        }
        List<RoutingTableEntry> entries;
        try {
            entries = node.routingTable().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException("cannot read the routing table: " + e, e);
        }
        if (entries.isEmpty()) {
            LOG.debug("routing table empty: {} left as it is", routingFile);
            return 0;
        }
        RoutingTableFile.save(routingFile, entries);
        lastSave = java.time.Instant.now();
        LOG.debug("saved {} peers to {}", entries.size(), routingFile);
        return entries.size();
    }

    private int saveQuietly() {
        try {
            return saveRoutingTable();
        } catch (IOException | RuntimeException e) {
            LOG.warn("saving the routing table failed: {}", e.toString());
            return 0;
        }
    }

    /**
     * Stops the API, saves the routing table, stops the node, closes the store and releases the data
     * directory. Idempotent: a second call returns what the first did.
     *
     * @return what was saved
     */
    Stopped stop() {
        int saved;
        synchronized (this) {
            if (closed) {
                return stopped;
            }
            saver.shutdownNow();
            if (api != null) {
                api.close();
            }
            saved = saveQuietly();
            closed = true;
        }
        long records = -1;
        long providerKeys = -1;
        try {
            var counts = service.store().counts();
            records = counts.records();
            providerKeys = counts.providerKeys();
        } catch (RuntimeException e) {
            LOG.debug("store counts not read at stop: {}", e.toString());
        }
        metrics.close();
        service.stop();
        lock.close();
        Stopped s = new Stopped(saved, routingFile, options.store(), !"memory".equals(options.store()),
                storeDirectory(options), records, providerKeys);
        synchronized (this) {
            stopped = s;
        }
        LOG.info("stopped: {}", s.describe());
        return s;
    }

    /** {@link #stop()}, for try-with-resources. */
    @Override
    public void close() {
        stop();
    }
}
