package io.jkad.node;

import io.jkad.kademlia.Quorum;
import io.jkad.query.QueryTrace;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The requests and answers of the local API, one record per JSON object: {@link ApiEndpoints}
 * builds the answers from them and reads the requests into them, the client commands write the
 * requests and read the answers. {@link Json} writes and reads them with snake_case names
 * ({@code keyHex} is {@code key_hex}); a null component is left out of the JSON, and a missing
 * field reads as null. {@code openapi.json} documents each under the name {@link #SCHEMAS} gives,
 * and {@code OpenApiTest} checks that the two agree.
 *
 * <p>Every answer that can fail carries {@code ok} and, when false, {@code error} (a code) and
 * {@code message} (for people), beside whatever partial result it has; an answer that fails before
 * the operation runs (bad input, refused request, node stopping) is a {@link Failure}.
 */
final class ApiTypes {

    private ApiTypes() {}

    // ------------------------------------------------------------------ requests

    /** {@code POST /v1/provide}. */
    record KeyRequest(String keyHex) {}

    /** {@code POST /v1/provide/audit}: how many provided keys to sample (default 20, at most 200). */
    record AuditRequest(Integer sample) {}

    /** {@code POST /v1/put}; the quorum is a number, {@code "majority"} or {@code "all"} (1 when absent). */
    record PutRequest(String keyHex, String valueBase64, Quorum quorum, Boolean trace) {}

    /** {@code POST /v1/get}. */
    record GetRequest(String keyHex, Quorum quorum, Boolean trace) {}

    /** {@code POST /v1/providers}: stop once {@code max} providers are known (all that are found when absent). */
    record ProvidersRequest(String keyHex, Integer max, Boolean trace) {}

    /** {@code POST /v1/closest}. */
    record ClosestRequest(String keyHex, Boolean trace) {}

    /** {@code POST /v1/peer} (the peer id required) and {@code POST /v1/id} (none: the node's own). */
    record PeerRequest(String peerId) {}

    /**
     * {@code POST /v1/name/publish}: an IPNS record of the node's own name for {@code value}; the
     * sequence one above the best record found when absent; lifetime 48 h and TTL 5 min by default.
     */
    record PublishRequest(String value, Long sequence, Long lifetimeS, Long ttlS, Quorum quorum) {}

    /** {@code POST /v1/name/resolve}: a name (peer id, {@code /ipns/…}, or a {@code libp2p-key} CID); quorum 16 by default. */
    record ResolveRequest(String name, Quorum quorum) {}

    // ------------------------------------------------------------------ answers

    /** An answer that can fail: {@code ok}, and when it is false an error code and a message. */
    interface Answer {
        boolean ok();

        String error();

        String message();
    }

    /** An answer that may carry the trace of its query. */
    interface WithTrace {
        Trace trace();
    }

    /** A call that failed before or outside its operation; {@code kind} is the store's reason for a 422. */
    record Failure(boolean ok, String error, String message, String kind) implements Answer {
        Failure(String error, String message) {
            this(false, error, message, null);
        }
    }

    /** {@code GET /v1/status}; the store fields are absent when the node runs without a daemon's store. */
    record Status(String peerId, List<String> listenAddrs, List<String> advertisedAddrs, boolean clientMode,
                  String store, String dataDir, Long storeRecords, Long storeProviderKeys, Resources resources,
                  Integer routingTableSize, int connections, long uptimeS, String version) {}

    /** What {@code kad run} adds to the status: its store and data directory, and the resource manager's counts. */
    record StatusExtras(String store, String dataDir, Long storeRecords, Long storeProviderKeys, Resources resources) {
        static final StatusExtras NONE = new StatusExtras(null, null, null, null, null);
    }

    /** The resource manager's counts. */
    record Resources(long memoryBytes, long memoryLimitBytes, int connections, int inboundConnections,
                     int transientConnections, int peers, int inboundStreams, long refusals) {}

    record PutAnswer(boolean ok, String key, String keyHex, int valueBytes, List<String> storedAt, String error,
                     String message, Integer quorum, Trace trace) implements Answer, WithTrace {}

    /**
     * {@code from}: who returned the record ({@code "local"} for the node's store);
     * {@code valuesBase64}: the distinct values, when the peers disagreed.
     */
    record GetAnswer(boolean ok, String key, String keyHex, String valueBase64, List<String> from,
                     List<String> valuesBase64, String error, String message, Integer quorum, Trace trace)
            implements Answer, WithTrace {}

    record ProvideAnswer(boolean ok, String key, String keyHex, String cid, String provider, String error,
                         String message) implements Answer {}

    /** {@code addrs}: each provider's known addresses. */
    record ProvidersAnswer(boolean ok, String key, String keyHex, String cid, List<String> providers,
                           Map<String, List<String>> addrs, String error, String message, Trace trace)
            implements Answer, WithTrace {
        /** This answer with its first {@code n} providers only. */
        ProvidersAnswer first(int n) {
            return providers.size() <= n ? this : new ProvidersAnswer(ok, key, keyHex, cid, providers.subList(0, n),
                    addrs, error, message, trace);
        }
    }

    record PeerAddrs(String peerId, List<String> addrs) {}

    record PeerAnswer(boolean ok, String peerId, boolean found, List<String> addrs, List<PeerAddrs> closest,
                      String error, String message) implements Answer {}

    record RoutingTable(String peerId, int size, List<RoutingPeer> peers) {}

    record RoutingPeer(String peerId, int bucket, boolean connected, List<String> addrs) {}

    record Peers(boolean ok, int count, List<ConnectedPeer> peers) {}

    /** {@code agent}: absent before Identify; {@code latencyMs}: absent when the ping did not come back in time. */
    record ConnectedPeer(String peerId, String addr, String direction, String agent, BigDecimal latencyMs,
                         List<String> protocols, int streams) {}

    record ClosestAnswer(boolean ok, String key, String keyHex, List<PeerAddrs> peers, String error, String message,
                         Trace trace) implements Answer, WithTrace {}

    record IdAnswer(boolean ok, String peerId, String agent, String protocolVersion, List<String> protocols,
                    List<String> addrs, String error, String message) implements Answer {}

    /**
     * {@code POST /v1/name/publish}: the name ({@code k51…}), its peer id and routing key, and the
     * record's value, sequence, validity and TTL; {@code storedAt}: the peers that stored it.
     */
    record PublishAnswer(boolean ok, String name, String peerId, String keyHex, String value, long sequence,
                         String validity, long ttlS, List<String> storedAt, String error, String message, Integer quorum)
            implements Answer {}

    /** {@code POST /v1/name/resolve}: the best valid record found; {@code from}: who returned it ({@code "local"}: the node). */
    record ResolveAnswer(boolean ok, String name, String peerId, String value, Long sequence, String validity, Long ttlS,
                         String from, Integer copies, String error, String message) implements Answer {}

    /** {@code GET /v1/activity}: the status page's recent queries and job schedule. */
    record Activity(List<RecentQuery> queries, List<Job> jobs) {}

    record RecentQuery(String at, String kind, String outcome, long ms, int requests, int answered) {}

    /** A periodic job: every so many seconds, its last start, whether it runs now, and its next run. */
    record Job(String name, Long everyS, String last, boolean running, String next) {}

    /** A query's trace ({@code "trace": true}); {@code stopReason} and {@code end} are absent while it runs. */
    record Trace(String stopReason, String end, int closestBits, List<TraceEvent> events) {
        static Trace of(QueryTrace trace) {
            List<TraceEvent> events = new ArrayList<>();
            Instant first = trace.events().isEmpty() ? null : trace.events().get(0).at();
            for (QueryTrace.Event e : trace.events()) {
                events.add(new TraceEvent(e.at().toString(), Duration.between(first, e.at()).toMillis(),
                        e.peer().toBase58(), e.step().name().toLowerCase(Locale.ROOT), e.closerPeers(),
                        e.rtt().map(Duration::toMillis).orElse(null), e.closestBits(), e.detail()));
            }
            return new Trace(trace.stopReason().orElse(null), trace.end().map(Instant::toString).orElse(null),
                    trace.closestBits(), events);
        }
    }

    /** One step of a trace: {@code asked}, {@code answered} or {@code failed}, {@code tMs} after the first. */
    record TraceEvent(String at, long tMs, String peerId, String step, int closerPeers, Long rttMs, int closestBits,
                      String detail) {}

    /**
     * {@code GET /v1/provide/stat}: how the node announces the keys it provides again. The sweep's
     * fields are absent with {@code strategy} {@code per_key}; {@code providedKeys} is absent when
     * the store could not be read.
     */
    record ProvideStat(String strategy, long intervalS, Long providedKeys, Long cycle, String cycleStart,
                       Double position, Integer regionBits, Double networkSize, Boolean regionRunning,
                       String nextRegionDue, Long lagS, Long regionsDone, Long keysAnnounced, Long failures,
                       ProvideRegion lastRegion) {}

    /**
     * {@code POST /v1/provide/audit}: for a random sample of the provided keys, which of each key's
     * closest peers hold this node's provider record. {@code holding}: the mean fraction of the
     * peers that answered; {@code coverage}: the fraction of keys held by at least three quarters of
     * those that answered (15 of 20).
     */
    record ProvideAudit(boolean ok, int sampled, double holding, double coverage, List<AuditedKey> keys) {}

    /** One audited key: its closest peers found, those that answered, those holding the record. */
    record AuditedKey(String key, String keyHex, int closest, int answered, int holding) {}

    /** A region the sweep announced: its prefix (binary digits), cycle, position, keys and what they cost. */
    record ProvideRegion(String prefix, int bits, long cycle, double position, int keys, int peersExplored,
                         int lookups, int lookupRequests, int addProviderRequests, boolean keyByKey, String started,
                         String finished) {}

    /** The schema name in {@code openapi.json} of each record that has one. */
    static final Map<Class<? extends Record>, String> SCHEMAS = Map.ofEntries(
            Map.entry(KeyRequest.class, "KeyRequest"), Map.entry(PutRequest.class, "PutRequest"),
            Map.entry(GetRequest.class, "GetRequest"), Map.entry(ProvidersRequest.class, "ProvidersRequest"),
            Map.entry(ClosestRequest.class, "ClosestRequest"), Map.entry(PeerRequest.class, "PeerRequest"),
            Map.entry(Failure.class, "Error"), Map.entry(Status.class, "Status"), Map.entry(Resources.class, "Resources"),
            Map.entry(PutAnswer.class, "PutAnswer"), Map.entry(GetAnswer.class, "GetAnswer"),
            Map.entry(ProvideAnswer.class, "ProvideAnswer"), Map.entry(ProvidersAnswer.class, "ProvidersAnswer"),
            Map.entry(PeerAddrs.class, "PeerAddrs"), Map.entry(PeerAnswer.class, "PeerAnswer"),
            Map.entry(RoutingTable.class, "RoutingTable"), Map.entry(RoutingPeer.class, "RoutingPeer"),
            Map.entry(Peers.class, "Peers"), Map.entry(ConnectedPeer.class, "ConnectedPeer"),
            Map.entry(ClosestAnswer.class, "ClosestAnswer"), Map.entry(IdAnswer.class, "IdAnswer"),
            Map.entry(Activity.class, "Activity"), Map.entry(RecentQuery.class, "RecentQuery"),
            Map.entry(Job.class, "Job"), Map.entry(Trace.class, "Trace"), Map.entry(TraceEvent.class, "TraceEvent"),
            Map.entry(PublishRequest.class, "PublishRequest"), Map.entry(ResolveRequest.class, "ResolveRequest"),
            Map.entry(PublishAnswer.class, "PublishAnswer"), Map.entry(ResolveAnswer.class, "ResolveAnswer"),
            Map.entry(ProvideStat.class, "ProvideStat"), Map.entry(ProvideRegion.class, "ProvideRegion"),
            Map.entry(AuditRequest.class, "AuditRequest"), Map.entry(ProvideAudit.class, "ProvideAudit"),
            Map.entry(AuditedKey.class, "AuditedKey"));
}
