package io.jkad.node;

import io.jkad.kademlia.KademliaEvent;
import io.jkad.kademlia.QueryResult;
import io.jkad.net.KademliaNode;
import io.jkad.net.NodeResources;
import io.jkad.net.ResourceManager;
import io.jkad.query.QueryStats;
import io.jkad.record.RecordStore;
import io.jkad.record.StoreCounts;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's metrics in a Micrometer {@link PrometheusMeterRegistry}, scraped as Prometheus text by
 * the local API's {@code /metrics}.
 *
 * <table>
 *   <caption>Metrics (Prometheus names)</caption>
 *   <tr><td>{@code kad_query_seconds_{bucket,count,sum,max}{kind,outcome}}</td><td>every finished
 *       query, the node's own and the background jobs' (republication), by kind ({@code bootstrap},
 *       {@code get_closest_peers}, {@code get_record}, {@code put_record}, {@code add_provider},
 *       {@code get_providers}) and outcome ({@code ok}, {@code not_found}, {@code quorum_failed},
 *       {@code timeout}), with a latency histogram; a bootstrap counts once, at its last step</td></tr>
 *   <tr><td>{@code kad_inbound_requests_total{type}}</td><td>requests received, by message type
 *       ({@code FIND_NODE}, {@code GET_VALUE}, {@code PUT_VALUE}, {@code GET_PROVIDERS},
 *       {@code ADD_PROVIDER}, {@code PING})</td></tr>
 *   <tr><td>{@code kad_inbound_refused_total{type,reason}}</td><td>requests refused with a stream
 *       reset (also counted as received), by message type and reason: {@code rate_limited} (over
 *       the peer's budget of that type), {@code store_error}, {@code failed}</td></tr>
 *   <tr><td>{@code kad_routing_table_peers}</td><td>peers in the routing table</td></tr>
 *   <tr><td>{@code kad_connections}</td><td>peers with an open connection</td></tr>
 *   <tr><td>{@code kad_store_records}, {@code kad_store_provider_keys}</td><td>value records, and keys
 *       with provider records, in the store ({@link RecordStore#counts()}: counters every store
 *       keeps for its limits, so a scrape costs no scan)</td></tr>
 *   <tr><td>{@code kad_network_bytes_total{direction="in"|"out"}}</td><td>bytes over all connections</td></tr>
 *   <tr><td>{@code kad_resource_memory_bytes}, {@code kad_resource_memory_limit_bytes}</td><td>bytes the
 *       host's resource manager has reserved for buffers now, and its node-wide budget</td></tr>
 *   <tr><td>{@code kad_resource_connections{kind="all"|"inbound"|"transient"}}</td><td>connections
 *       counted by the resource manager (transient: still in the handshake)</td></tr>
 *   <tr><td>{@code kad_resource_peers}, {@code kad_resource_inbound_streams}</td><td>peers with a
 *       scope (a connection or an inbound stream), inbound streams open</td></tr>
 *   <tr><td>{@code kad_resource_refusals_total{scope,resource}}</td><td>what the resource manager
 *       refused, by the scope that was full ({@code node}, {@code transient}, {@code ip},
 *       {@code subnet}, {@code peer}, {@code connection}, {@code stream}, {@code protocol}) and the
 *       resource ({@code connections}, {@code inbound_connections}, {@code inbound_streams},
 *       {@code memory})</td></tr>
 *   <tr><td>{@code kad_admission_refusals_total{reason}}</td><td>inbound connections refused or
 *       dropped by admission: {@code handshake_rate} (the source IP or subnet over its handshake
 *       rate), {@code handshake_timeout} (upgrade not done in time), {@code handshake_failed} (the
 *       remote did not authenticate)</td></tr>
 *   <tr><td>{@code kad_reprovide_regions_total}, {@code kad_reprovide_keys_total},
 *       {@code kad_reprovide_lookups_total}, {@code kad_reprovide_add_provider_requests_total}</td><td>the
 *       reprovide sweep's regions announced, their keys, the lookups that explored them and the
 *       ADD_PROVIDERs sent</td></tr>
 *   <tr><td>{@code kad_reprovide_lag_seconds}, {@code kad_reprovide_cycle},
 *       {@code kad_reprovide_failures}, {@code kad_network_size_estimate}</td><td>how far the sweep is
 *       behind its schedule, its cycle, its failed regions since start, and the network size estimate
 *       (0 while unknown; all 0 without the sweep)</td></tr>
 *   <tr><td>{@code jvm_*}, {@code process_*}, {@code system_*}</td><td>Micrometer's JVM, uptime and
 *       processor metrics</td></tr>
 * </table>
 *
 * <p>The routing table size, the host's counters and the store counts are read when scraped
 * ({@link #scrape()}): the table size from {@link KademliaNode#stats()} (waiting at most 2 s; the
 * last value otherwise), the host's counters once from {@link KademliaNode#resources()}, the counts
 * from the store directly (stores are thread-safe).
 */
final class NodeMetrics {

    private static final Logger LOG = LoggerFactory.getLogger(NodeMetrics.class);
    private static final Duration REFRESH_WAIT = Duration.ofSeconds(2);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final KademliaNode node;
    private final RecordStore store;
    private final Consumer<KademliaEvent> listener = this::onEvent;
    private volatile long routingTableSize;
    /** The host's counters, read once per scrape so that every meter of one scrape shows the same moment. */
    private volatile NodeResources resources;
    private volatile long storeRecords;
    private volatile long storeProviderKeys;
    /** The reprovide sweep's status at the last scrape (null: no sweep, or not read). */
    private volatile io.jkad.kademlia.ReprovideStatus reprovide;
    private final Counter reprovideRegions;
    private final Counter reprovideKeys;
    private final Counter reprovideLookups;
    private final Counter reprovideAddProviders;
    /** The meters of the logic thread's events, made at their first use: by message type, and by kind and outcome. */
    private final Map<String, Counter> inboundRequests = new ConcurrentHashMap<>();
    private final Map<String, Counter> refusedRequests = new ConcurrentHashMap<>();
    private final Map<String, Timer> queryTimers = new ConcurrentHashMap<>();
    /** The last RECENT finished queries, newest last, for the status page. */
    private final java.util.ArrayDeque<ApiTypes.RecentQuery> recent = new java.util.ArrayDeque<>();
    /** When each kind of query last finished. */
    private final Map<String, Instant> lastFinished = new ConcurrentHashMap<>();
    static final int RECENT = 50;

    NodeMetrics(KademliaNode node, RecordStore store) {
        this.node = node;
        this.store = store;
        this.resources = node.resources();
        Gauge.builder("kad.routing.table.peers", () -> routingTableSize)
                .description("Peers in the routing table").register(registry);
        Gauge.builder("kad.connections", () -> node.connectedPeers().size())
                .description("Peers with an open connection").register(registry);
        Gauge.builder("kad.store.records", () -> storeRecords)
                .description("Value records in the store").register(registry);
        Gauge.builder("kad.store.provider.keys", () -> storeProviderKeys)
                .description("Keys with provider records in the store").register(registry);
        FunctionCounter.builder("kad.network.bytes", this, m -> m.resources.bytesReceived()).tag("direction", "in")
                .baseUnit("bytes").description("Bytes read from connections").register(registry);
        FunctionCounter.builder("kad.network.bytes", this, m -> m.resources.bytesSent()).tag("direction", "out")
                .baseUnit("bytes").description("Bytes written to connections").register(registry);
        FunctionCounter.builder("kad.connections.secured", this, m -> m.resources.connectionsSecured())
                .description("Connections, dialed and accepted, whose Noise handshake completed").register(registry);
        Gauge.builder("kad.resource.memory", this, m -> m.resources.usage().memoryBytes()).baseUnit("bytes")
                .description("Bytes reserved for buffers by the resource manager").register(registry);
        Gauge.builder("kad.resource.memory.limit", this, m -> m.resources.limits().memoryBytes()).baseUnit("bytes")
                .description("The resource manager's node-wide memory budget").register(registry);
        Gauge.builder("kad.resource.connections", this, m -> m.resources.usage().connections()).tag("kind", "all")
                .description("Connections counted by the resource manager").register(registry);
        Gauge.builder("kad.resource.connections", this, m -> m.resources.usage().inboundConnections())
                .tag("kind", "inbound").description("Connections counted by the resource manager").register(registry);
        Gauge.builder("kad.resource.connections", this, m -> m.resources.usage().transientConnections())
                .tag("kind", "transient").description("Connections counted by the resource manager").register(registry);
        Gauge.builder("kad.resource.peers", this, m -> m.resources.usage().peers())
                .description("Peers with a resource scope").register(registry);
        Gauge.builder("kad.resource.inbound.streams", this, m -> m.resources.usage().inboundStreams())
                .description("Inbound streams open").register(registry);
        for (ResourceManager.Scope scope : ResourceManager.Scope.values()) {
            for (ResourceManager.Resource resource : ResourceManager.Resource.values()) {
                FunctionCounter.builder("kad.resource.refusals", this, m -> m.resources.refusals(scope, resource))
                        .tag("scope", scope.name().toLowerCase(Locale.ROOT))
                        .tag("resource", resource.name().toLowerCase(Locale.ROOT))
                        .description("Refusals of the resource manager, by full scope and resource").register(registry);
            }
        }
        FunctionCounter.builder("kad.admission.refusals", this, m -> m.resources.admission().rateLimited())
                .tag("reason", "handshake_rate").description("Inbound connections refused by admission").register(registry);
        FunctionCounter.builder("kad.admission.refusals", this, m -> m.resources.admission().handshakeTimeouts())
                .tag("reason", "handshake_timeout").description("Inbound connections refused by admission").register(registry);
        FunctionCounter.builder("kad.admission.refusals", this, m -> m.resources.admission().handshakeFailures())
                .tag("reason", "handshake_failed").description("Inbound connections refused by admission").register(registry);
        reprovideRegions = Counter.builder("kad.reprovide.regions").description("Regions the reprovide sweep announced")
                .register(registry);
        reprovideKeys = Counter.builder("kad.reprovide.keys").description("Keys the reprovide sweep announced")
                .register(registry);
        reprovideLookups = Counter.builder("kad.reprovide.lookups")
                .description("Lookups the reprovide sweep made to explore its regions").register(registry);
        reprovideAddProviders = Counter.builder("kad.reprovide.add.provider.requests")
                .description("ADD_PROVIDER requests the reprovide sweep sent").register(registry);
        Gauge.builder("kad.reprovide.lag", this, m -> m.reprovide == null ? 0 : m.reprovide.lag().toMillis() / 1000.0)
                .baseUnit("seconds").description("How far the reprovide sweep is behind its schedule").register(registry);
        Gauge.builder("kad.reprovide.cycle", this, m -> m.reprovide == null ? 0 : m.reprovide.cycle())
                .description("The reprovide sweep's cycle").register(registry);
        Gauge.builder("kad.reprovide.failures", this, m -> m.reprovide == null ? 0 : m.reprovide.failures())
                .description("Regions of the reprovide sweep that failed since the node started").register(registry);
        Gauge.builder("kad.network.size.estimate", this, m -> m.reprovide == null || m.reprovide.networkSize().isEmpty()
                        ? 0 : m.reprovide.networkSize().getAsDouble())
                .description("The estimate of the network's size the reprovide sweep sizes regions from").register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        node.addListener(listener);
    }

    /** Stops listening to the node. */
    void close() {
        node.removeListener(listener);
        registry.close();
    }

    /** The Prometheus text exposition of every metric, the gauges read now. */
    String scrape() {
        refresh();
        return registry.scrape();
    }

    /** The content type of {@link #scrape()}. */
    static String contentType() {
        return "text/plain; version=0.0.4; charset=utf-8";
    }

    private void refresh() {
        resources = node.resources();
        try {
            routingTableSize = node.stats().get(REFRESH_WAIT.toMillis(), TimeUnit.MILLISECONDS).routingTableSize();
        } catch (Exception e) {
            LOG.debug("routing table size not read: {}", e.toString());
        }
        try {
            reprovide = node.reprovideStatus().get(REFRESH_WAIT.toMillis(), TimeUnit.MILLISECONDS).orElse(null);
        } catch (Exception e) {
            LOG.debug("reprovide status not read: {}", e.toString());
        }
        try {
            StoreCounts c = store.counts();
            storeRecords = c.records();
            storeProviderKeys = c.providerKeys();
        } catch (RuntimeException e) {
            LOG.debug("store counts not read: {}", e.toString());
        }
    }

    private void onEvent(KademliaEvent event) {
        if (event instanceof KademliaEvent.RegionReprovided r) {
            reprovideRegions.increment();
            reprovideKeys.increment(r.report().keys());
            reprovideLookups.increment(r.report().lookups());
            reprovideAddProviders.increment(r.report().addProviderRequests());
        } else if (event instanceof KademliaEvent.InboundRequest r) {
            inboundRequests.computeIfAbsent(r.request().messageType(), type -> Counter.builder("kad.inbound.requests")
                    .tag("type", type)
                    .description("Kademlia requests received").register(registry)).increment();
        } else if (event instanceof KademliaEvent.RequestRefused r) {
            String type = r.request().messageType();
            String reason = r.reason().name().toLowerCase(Locale.ROOT);
            refusedRequests.computeIfAbsent(type + " " + reason, k -> Counter.builder("kad.inbound.refused")
                    .tag("type", type)
                    .tag("reason", reason)
                    .description("Kademlia requests refused with a stream reset").register(registry)).increment();
        } else if (event instanceof KademliaEvent.QueryCompleted c && c.last()) {
            Instant end = c.stats().end().orElse(null);
            Duration d = end == null ? Duration.ZERO : c.stats().duration(end).orElse(Duration.ZERO);
            String kind = c.result().kind().name().toLowerCase(Locale.ROOT);
            String outcome = outcome(c.result(), c.stats());
            queryTimers.computeIfAbsent(kind + " " + outcome, k -> Timer.builder("kad.query")
                    .tag("kind", kind)
                    .tag("outcome", outcome)
                    .publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(1))
                    .maximumExpectedValue(Duration.ofSeconds(120))
                    .description("Finished queries, by kind and outcome")
                    .register(registry)).record(d);
            Instant at = end == null ? Instant.now() : end;
            ApiTypes.RecentQuery q = new ApiTypes.RecentQuery(at.toString(), kind, outcome, d.toMillis(),
                    c.stats().requests(), c.stats().success());
            lastFinished.put(kind, at);
            synchronized (recent) {
                recent.addLast(q);
                if (recent.size() > RECENT) {
                    recent.removeFirst();
                }
            }
        }
    }

    /** The last finished queries, oldest first: when, kind, outcome, milliseconds, requests, answers. */
    List<ApiTypes.RecentQuery> recentQueries() {
        synchronized (recent) {
            return List.copyOf(recent);
        }
    }

    /** When a kind of query last finished ({@code bootstrap}, {@code put_record}, …), if it did. */
    java.util.Optional<Instant> lastFinished(String kind) {
        return java.util.Optional.ofNullable(lastFinished.get(kind));
    }

    /** The resource manager's counts for the {@code status} API. */
    static ApiTypes.Resources resourceStatus(NodeResources r) {
        ResourceManager.Usage u = r.usage();
        return new ApiTypes.Resources(u.memoryBytes(), r.limits().memoryBytes(), u.connections(), u.inboundConnections(),
                u.transientConnections(), u.peers(), u.inboundStreams(), r.totalRefusals());
    }

    /**
     * A finished query's outcome as the metrics name it. A success that found nothing is not counted
     * {@code ok}: a bootstrap or closest-peers lookup that no peer answered is {@code no_peer_answered},
     * a provider look-up that found no provider is {@code not_found}.
     */
    static String outcome(QueryResult r, QueryStats stats) {
        if (r instanceof QueryResult.GetProviders.Ok p && p.providers().isEmpty()) {
            return "not_found";
        }
        if (r.isOk() && stats.success() == 0
                && (r instanceof QueryResult.Bootstrap || r instanceof QueryResult.GetClosestPeers)) {
            return "no_peer_answered";
        }
        if (r.isOk()) {
            return "ok";
        }
        String name = r.getClass().getSimpleName();
        return switch (name) {
            case "NotFound" -> "not_found";
            case "QuorumFailed" -> "quorum_failed";
            default -> name.toLowerCase(Locale.ROOT);
        };
    }
}
