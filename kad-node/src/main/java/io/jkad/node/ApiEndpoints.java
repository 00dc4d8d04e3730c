package io.jkad.node;

import io.jkad.identity.PeerId;
import io.jkad.kademlia.PeerRecord;
import io.jkad.kademlia.QueryResult;
import io.jkad.kademlia.Quorum;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.net.IdentifyInfo;
import io.jkad.net.KademliaNode;
import io.jkad.net.PeerConnection;
import io.jkad.net.RoutingTableEntry;
import io.jkad.net.Traced;
import io.jkad.query.QueryTrace;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.StoreException;
import io.jkad.util.Cid;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the endpoints of the local API ({@link ApiServer}) do: each reads its JSON body, calls the
 * node's façade, waits for the result (at most {@link #OPERATION_TIMEOUT}) and answers with a JSON
 * object, or throws an {@link ApiServer.ApiException} with the HTTP status and error body. Also
 * the parsing of the arguments the client commands share with it (keys, quorums).
 */
final class ApiEndpoints {

    private static final Logger LOG = LoggerFactory.getLogger(ApiEndpoints.class);
    /** The longest an API call waits for its operation (queries time out after 60 s by default). */
    static final Duration OPERATION_TIMEOUT = Duration.ofSeconds(120);

    private final KademliaNode node;
    private final Supplier<Map<String, Object>> statusExtras;
    private final Instant started = Instant.now();

    ApiEndpoints(KademliaNode node, Supplier<Map<String, Object>> statusExtras) {
        this.node = node;
        this.statusExtras = statusExtras;
    }

    private <T> T await(CompletableFuture<T> f, String what) throws ApiServer.ApiException {
        try {
            return f.get(OPERATION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new ApiServer.ApiException(504, "timeout", what + " did not finish within " + OPERATION_TIMEOUT.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiServer.ApiException(503, "stopping", "the node is stopping");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof StoreException se) {
                Map<String, Object> body = ApiServer.error("store_refused", se.getMessage());
                body.put("kind", se.kind().name());
                throw new ApiServer.ApiException(422, body);
            }
            if (c instanceof IllegalStateException && node.isClosed()) {
                throw new ApiServer.ApiException(503, "stopping", "the node is stopping");
            }
            if (c instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new ApiServer.ApiException(500, "internal", what + " failed: " + c);
        }
    }

    // ------------------------------------------------------------------ arguments

    static RecordKey key(Map<String, Object> body) {
        Object hex = body.get("key_hex");
        if (!(hex instanceof String s)) {
            throw new IllegalArgumentException("key_hex (the key's bytes in hex) is required");
        }
        byte[] bytes;
        try {
            bytes = HexFormat.of().parseHex(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("key_hex is not hex: " + s);
        }
        if (bytes.length == 0) {
            throw new IllegalArgumentException("the key must not be empty");
        }
        return RecordKey.of(bytes);
    }

    static Quorum quorum(Map<String, Object> body) {
        Object q = body.getOrDefault("quorum", "1");
        return parseQuorum(String.valueOf(q));
    }

    /**
     * A quorum from its text: a number &gt;= 1, {@code majority} or {@code all}.
     *
     * @throws IllegalArgumentException otherwise
     */
    static Quorum parseQuorum(String text) {
        String t = text.strip();
        if (t.equalsIgnoreCase("majority")) {
            return Quorum.MAJORITY;
        }
        if (t.equalsIgnoreCase("all")) {
            return Quorum.ALL;
        }
        try {
            int n = Integer.parseInt(t);
            if (n >= 1) {
                return n == 1 ? Quorum.ONE : Quorum.of(n);
            }
        } catch (NumberFormatException ignored) {
            // below
        }
        throw new IllegalArgumentException("quorum must be a number >= 1, 'majority' or 'all': " + text);
    }

    private static String keyText(RecordKey key) {
        return DisplayKeys.describe(key.toBytes());
    }

    /** Whether the request asks for the query's trace ({@code "trace": true}). */
    private static boolean wantsTrace(Map<String, Object> body) {
        Object t = body.get("trace");
        if (t != null && !(t instanceof Boolean)) {
            throw new IllegalArgumentException("trace must be true or false: " + t);
        }
        return Boolean.TRUE.equals(t);
    }

    /** Puts the trace in the answer (last, whatever else comes) and returns the result. */
    private static <R extends QueryResult> R traced(Map<String, Object> m, Traced<R> t) {
        m.put("trace", traceJson(t.trace()));
        return t.result();
    }

    /** A query's trace as the API answers it. */
    static Map<String, Object> traceJson(QueryTrace trace) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("stop_reason", trace.stopReason().orElse(null));
        m.put("end", trace.end().map(Instant::toString).orElse(null));
        m.put("closest_bits", trace.closestBits());
        List<Map<String, Object>> events = new ArrayList<>();
        Instant first = trace.events().isEmpty() ? null : trace.events().get(0).at();
        for (QueryTrace.Event e : trace.events()) {
            Map<String, Object> ev = new LinkedHashMap<>();
            ev.put("at", e.at().toString());
            ev.put("t_ms", Duration.between(first, e.at()).toMillis());
            ev.put("peer_id", e.peer().toBase58());
            ev.put("step", e.step().name().toLowerCase(java.util.Locale.ROOT));
            ev.put("closer_peers", e.closerPeers());
            ev.put("rtt_ms", e.rtt().map(Duration::toMillis).orElse(null));
            ev.put("closest_bits", e.closestBits());
            ev.put("detail", e.detail());
            events.add(ev);
        }
        m.put("events", events);
        return m;
    }

    /** A provider key as a CIDv1 of raw bytes ({@code bafkrei…}), when it is a multihash; else nothing. */
    private static void putCid(Map<String, Object> m, RecordKey key) {
        try {
            m.put("cid", Cid.rawV1(key.toBytes()).toString());
        } catch (IllegalArgumentException notAMultihash) {
            // a key given in hex that is no multihash: no CID to print
        }
    }

    private static List<String> ids(java.util.Collection<PeerId> peers) {
        return peers.stream().map(PeerId::toBase58).toList();
    }

    // ------------------------------------------------------------------ endpoints

    Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("peer_id", node.peerId().toBase58());
        m.put("listen_addrs", node.listenAddresses().stream().map(Multiaddr::toString).toList());
        m.put("advertised_addrs", node.advertisedAddresses().stream().map(a -> a.withPeerId(node.peerId()).toString())
                .toList());
        m.put("client_mode", node.config().clientMode());
        m.putAll(statusExtras.get());
        Integer size = null;
        try {
            size = node.stats().get(5, TimeUnit.SECONDS).routingTableSize();
        } catch (Exception e) {
            LOG.debug("routing table size not read: {}", e.toString());
        }
        m.put("routing_table_size", size);
        m.put("connections", node.connectedPeers().size());
        m.put("uptime_s", Duration.between(started, Instant.now()).toSeconds());
        m.put("version", KadCommand.version());
        return m;
    }

    Map<String, Object> put(Map<String, Object> body) throws ApiServer.ApiException {
        RecordKey key = key(body);
        Quorum quorum = quorum(body);
        Object v = body.get("value_base64");
        if (!(v instanceof String s)) {
            throw new IllegalArgumentException("value_base64 (the value in base64) is required");
        }
        byte[] value;
        try {
            value = Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("value_base64 is not base64: " + e.getMessage());
        }
        Map<String, Object> m = new LinkedHashMap<>();
        QueryResult.PutRecord r = wantsTrace(body) ? traced(m, await(node.putRecordTraced(DhtRecord.of(key, value), quorum), "put"))
                : await(node.putRecord(DhtRecord.of(key, value), quorum), "put");
        m.put("key", keyText(key));
        m.put("key_hex", key.toHex());
        m.put("value_bytes", value.length);
        m.put("stored_at", ids(r.success()));
        if (r instanceof QueryResult.PutRecord.Ok) {
            m.put("ok", true);
            return m;
        }
        m.put("ok", false);
        m.put("error", r instanceof QueryResult.PutRecord.QuorumFailed ? "quorum_failed" : "timeout");
        int needed = r instanceof QueryResult.PutRecord.QuorumFailed q ? q.quorum()
                : ((QueryResult.PutRecord.Timeout) r).quorum();
        m.put("quorum", needed);
        m.put("message", "stored at " + r.success().size() + " of the " + needed + " peers the quorum needs"
                + " (the node keeps its own copy and publishes it again later)");
        throw new ApiServer.ApiException(r instanceof QueryResult.PutRecord.QuorumFailed ? 409 : 504, m);
    }

    Map<String, Object> get(Map<String, Object> body) throws ApiServer.ApiException {
        RecordKey key = key(body);
        Quorum quorum = quorum(body);
        Map<String, Object> m = new LinkedHashMap<>();
        QueryResult.GetRecord r = wantsTrace(body) ? traced(m, await(node.getRecordTraced(key, quorum), "get"))
                : await(node.getRecord(key, quorum), "get");
        m.put("key", keyText(key));
        m.put("key_hex", key.toHex());
        if (r instanceof QueryResult.GetRecord.Ok ok) {
            DhtRecord first = ok.records().get(0).record();
            m.put("ok", true);
            m.put("value_base64", Base64.getEncoder().encodeToString(first.value()));
            m.put("from", from(ok.records()));
            List<String> distinct = ok.records().stream()
                    .map(pr -> Base64.getEncoder().encodeToString(pr.record().value())).distinct().toList();
            if (distinct.size() > 1) {
                m.put("values_base64", distinct);
            }
            return m;
        }
        m.put("ok", false);
        if (r instanceof QueryResult.GetRecord.NotFound nf) {
            m.put("error", "not_found");
            m.put("message", "no peer returned a record for " + keyText(key) + " (asked the "
                    + nf.closestPeers().size() + " closest peers found)");
            throw new ApiServer.ApiException(404, m);
        }
        List<PeerRecord> found = r instanceof QueryResult.GetRecord.QuorumFailed q ? q.records()
                : ((QueryResult.GetRecord.Timeout) r).records();
        int needed = r instanceof QueryResult.GetRecord.QuorumFailed q ? q.quorum()
                : ((QueryResult.GetRecord.Timeout) r).quorum();
        m.put("error", r instanceof QueryResult.GetRecord.QuorumFailed ? "quorum_failed" : "timeout");
        m.put("quorum", needed);
        m.put("from", from(found));
        if (!found.isEmpty()) {
            m.put("value_base64", Base64.getEncoder().encodeToString(found.get(0).record().value()));
        }
        m.put("message", found.size() + " of the " + needed + " copies the quorum needs were found");
        throw new ApiServer.ApiException(r instanceof QueryResult.GetRecord.QuorumFailed ? 409 : 504, m);
    }

    private static List<String> from(List<PeerRecord> records) {
        List<String> out = new ArrayList<>();
        for (PeerRecord pr : records) {
            out.add(pr.peer().map(PeerId::toBase58).orElse("local"));
        }
        return out;
    }

    Map<String, Object> provide(Map<String, Object> body) throws ApiServer.ApiException {
        RecordKey key = key(body);
        QueryResult.AddProvider r = await(node.startProviding(key), "provide");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", keyText(key));
        m.put("key_hex", key.toHex());
        putCid(m, key);
        m.put("provider", node.peerId().toBase58());
        m.put("ok", r.isOk());
        if (!r.isOk()) {
            m.put("error", "timeout");
            m.put("message", "the announcement did not reach the closest peers in time (the node provides the key "
                    + "and announces it again later)");
            throw new ApiServer.ApiException(504, m);
        }
        return m;
    }

    Map<String, Object> providers(Map<String, Object> body) throws ApiServer.ApiException {
        RecordKey key = key(body);
        Object max = body.get("max");
        int enough = Integer.MAX_VALUE;
        if (max != null) {
            if (!(max instanceof Long n) || n < 1 || n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("max must be a number >= 1: " + max);
            }
            enough = n.intValue();
        }
        Map<String, Object> m = new LinkedHashMap<>();
        QueryResult.GetProviders r = wantsTrace(body)
                ? traced(m, await(node.getProvidersTraced(key, enough), "find providers"))
                : await(node.getProviders(key, enough), "find providers");
        m.put("key", keyText(key));
        m.put("key_hex", key.toHex());
        putCid(m, key);
        List<String> providers = new ArrayList<>(ids(r.providers()));
        providers.sort(null);
        m.put("providers", providers);
        Map<PeerId, List<Multiaddr>> known = await(node.addressesOf(r.providers()), "addresses");
        Map<String, Object> addrs = new LinkedHashMap<>();
        for (PeerId p : r.providers()) {
            addrs.put(p.toBase58(), known.getOrDefault(p, List.of()).stream().map(Multiaddr::toString).toList());
        }
        m.put("addrs", addrs);
        m.put("ok", !providers.isEmpty());
        if (providers.isEmpty()) {
            m.put("error", r.isOk() ? "not_found" : "timeout");
            m.put("message", "no provider of " + keyText(key) + " found");
            throw new ApiServer.ApiException(r.isOk() ? 404 : 504, m);
        }
        return m;
    }

    Map<String, Object> peer(Map<String, Object> body) throws ApiServer.ApiException {
        Object text = body.get("peer_id");
        if (!(text instanceof String s)) {
            throw new IllegalArgumentException("peer_id is required");
        }
        PeerId target;
        try {
            target = PeerId.parse(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a peer id: " + s + " (" + e.getMessage() + ")");
        }
        QueryResult.GetClosestPeers r = await(node.getClosestPeers(target), "closest peers");
        List<PeerId> closest = r.peers();
        List<PeerId> asked = new ArrayList<>();
        asked.add(target);
        asked.addAll(closest);
        Map<PeerId, List<Multiaddr>> addresses = await(node.addressesOf(asked), "addresses");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("peer_id", target.toBase58());
        List<Multiaddr> own = addresses.getOrDefault(target, List.of());
        boolean found = target.equals(node.peerId()) || closest.contains(target) || !own.isEmpty();
        m.put("found", found);
        m.put("addrs", (target.equals(node.peerId()) ? node.advertisedAddresses() : own).stream()
                .map(Multiaddr::toString).toList());
        List<Map<String, Object>> list = new ArrayList<>();
        for (PeerId p : closest) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("peer_id", p.toBase58());
            e.put("addrs", addresses.getOrDefault(p, List.of()).stream().map(Multiaddr::toString).toList());
            list.add(e);
        }
        m.put("closest", list);
        m.put("ok", found);
        if (!found) {
            m.put("error", "not_found");
            m.put("message", "peer " + target + " was not found (the " + closest.size() + " closest peers to its id are listed)");
            throw new ApiServer.ApiException(404, m);
        }
        return m;
    }

    Map<String, Object> routingTable() throws ApiServer.ApiException {
        List<RoutingTableEntry> entries = await(node.routingTable(), "routing table");
        List<Map<String, Object>> peers = new ArrayList<>();
        for (RoutingTableEntry e : entries) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("peer_id", e.peer().toBase58());
            p.put("bucket", e.bucket());
            p.put("connected", e.connected());
            p.put("addrs", e.addresses().stream().map(Multiaddr::toString).toList());
            peers.add(p);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("peer_id", node.peerId().toBase58());
        m.put("size", peers.size());
        m.put("peers", peers);
        return m;
    }

    /** How long {@code peers} waits for each peer's ping, and {@code id} for a peer's Identify. */
    static final Duration PING_WAIT = Duration.ofSeconds(2);
    static final Duration IDENTIFY_WAIT = Duration.ofSeconds(10);

    Map<String, Object> peers() {
        List<PeerConnection> connections = node.connections();
        List<CompletableFuture<Duration>> pings = new ArrayList<>();
        for (PeerConnection c : connections) {
            pings.add(node.ping(c.peer()).completeOnTimeout(null, PING_WAIT.toMillis(), TimeUnit.MILLISECONDS)
                    .exceptionally(e -> null));
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (int i = 0; i < connections.size(); i++) {
            PeerConnection c = connections.get(i);
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("peer_id", c.peer().toBase58());
            e.put("addr", c.remoteAddress().toString());
            e.put("direction", c.outbound() ? "outbound" : "inbound");
            e.put("agent", c.identify().map(IdentifyInfo::agentVersion).orElse(null));
            Duration rtt = pings.get(i).join();
            e.put("latency_ms", rtt == null ? null : Json.fixed(rtt.toNanos() / 1e6, 3));
            e.put("protocols", c.identify().map(IdentifyInfo::protocols).orElse(List.of()));
            e.put("streams", c.streams());
            list.add(e);
        }
        list.sort(java.util.Comparator.comparing(m -> (String) m.get("peer_id")));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ok", true);
        m.put("count", list.size());
        m.put("peers", list);
        return m;
    }

    Map<String, Object> closest(Map<String, Object> body) throws ApiServer.ApiException {
        RecordKey key = key(body);
        Map<String, Object> m = new LinkedHashMap<>();
        QueryResult.GetClosestPeers r = wantsTrace(body) ? traced(m, await(node.getClosestPeersTraced(key), "closest peers"))
                : await(node.getClosestPeers(key), "closest peers");
        Map<PeerId, List<Multiaddr>> addresses = await(node.addressesOf(r.peers()), "addresses");
        m.put("key", keyText(key));
        m.put("key_hex", key.toHex());
        List<Map<String, Object>> list = new ArrayList<>();
        for (PeerId p : r.peers()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("peer_id", p.toBase58());
            e.put("addrs", addresses.getOrDefault(p, List.of()).stream().map(Multiaddr::toString).toList());
            list.add(e);
        }
        m.put("peers", list);
        m.put("ok", r.isOk() && !list.isEmpty());
        if (!r.isOk() || list.isEmpty()) {
            m.put("error", r.isOk() ? "not_found" : "timeout");
            m.put("message", r.isOk() ? "no peer answered" : "the lookup did not finish in time");
            throw new ApiServer.ApiException(r.isOk() ? 404 : 504, m);
        }
        return m;
    }

    Map<String, Object> id(Map<String, Object> body) throws ApiServer.ApiException {
        Object text = body.get("peer_id");
        Map<String, Object> m = new LinkedHashMap<>();
        if (text == null || node.peerId().toBase58().equals(text)) {
            m.put("ok", true);
            m.put("peer_id", node.peerId().toBase58());
            m.put("agent", node.config().host().agentVersion());
            m.put("protocol_version", "ipfs/0.1.0");
            m.put("protocols", node.protocols());
            m.put("addrs", node.advertisedAddresses().stream().map(Multiaddr::toString).toList());
            return m;
        }
        if (!(text instanceof String s)) {
            throw new IllegalArgumentException("peer_id must be a string");
        }
        PeerId peer;
        try {
            peer = PeerId.parse(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a peer id: " + s + " (" + e.getMessage() + ")");
        }
        List<Multiaddr> known = await(node.addressesOf(List.of(peer)), "addresses").getOrDefault(peer, List.of());
        if (known.isEmpty() && node.connections().stream().noneMatch(c -> c.peer().equals(peer))) {
            await(node.getClosestPeers(peer), "finding the peer");
            known = await(node.addressesOf(List.of(peer)), "addresses").getOrDefault(peer, List.of());
        }
        IdentifyInfo info;
        try {
            info = node.identify(peer, known, IDENTIFY_WAIT).get(OPERATION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            Throwable c = e instanceof ExecutionException ? e.getCause() : e;
            m.put("ok", false);
            m.put("error", "unreachable");
            m.put("message", "no Identify from " + peer + (known.isEmpty() ? " (no address found)" : " at " + known)
                    + ": " + c);
            throw new ApiServer.ApiException(404, m);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiServer.ApiException(503, "stopping", "the node is stopping");
        }
        m.put("ok", true);
        m.put("peer_id", peer.toBase58());
        m.put("agent", info.agentVersion());
        m.put("protocol_version", info.protocolVersion());
        m.put("protocols", info.protocols());
        m.put("addrs", info.listenAddresses().stream().map(Multiaddr::toString).toList());
        return m;
    }
}
