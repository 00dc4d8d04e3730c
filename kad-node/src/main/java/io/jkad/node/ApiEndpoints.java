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
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.jkad.util.Cid;
import io.jkad.validation.IpnsRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the endpoints of the local API ({@link ApiServer}) do: each takes its request record
 * ({@link ApiTypes}), starts the node's operation and returns a future of its answer record,
 * composed without waiting on any thread: the steps after the node's futures run on the API's
 * {@code executor}, never on the node's logic thread. A failed operation completes the future
 * with an {@link ApiServer.ApiException} carrying the HTTP status and the answer (with
 * {@code ok: false}); bad input throws {@link IllegalArgumentException} (400). Also the parsing
 * of the arguments the client commands share with it (keys, quorums).
 */
final class ApiEndpoints {

    private static final Logger LOG = LoggerFactory.getLogger(ApiEndpoints.class);
    /** The longest an API call waits for its operation (queries time out after 60 s by default). */
    static final Duration OPERATION_TIMEOUT = Duration.ofSeconds(120);
    /** How long {@code peers} waits for each peer's ping, and {@code id} for a peer's Identify. */
    static final Duration PING_WAIT = Duration.ofSeconds(2);
    static final Duration IDENTIFY_WAIT = Duration.ofSeconds(10);
    /** How long {@code status} waits for the routing table's size. */
    private static final Duration STATS_WAIT = Duration.ofSeconds(5);

    private final KademliaNode node;
    private final Supplier<ApiTypes.StatusExtras> statusExtras;
    private final Executor executor;
    private final Instant started = Instant.now();

    private final java.util.function.LongSupplier providedKeys;

    /**
     * @param providedKeys counts the keys the node provides (a store scan, run on {@code executor});
     *     negative when it cannot tell
     */
    ApiEndpoints(KademliaNode node, Supplier<ApiTypes.StatusExtras> statusExtras, Executor executor,
                 java.util.function.LongSupplier providedKeys) {
        this.providedKeys = providedKeys;
        this.node = node;
        this.statusExtras = statusExtras;
        this.executor = executor;
    }

    // ------------------------------------------------------------------ arguments

    /**
     * A key from its hex text.
     *
     * @throws IllegalArgumentException if it is missing, not hex or empty
     */
    static RecordKey key(String hex) {
        if (hex == null) {
            throw new IllegalArgumentException("key_hex (the key's bytes in hex) is required");
        }
        byte[] bytes;
        try {
            bytes = HexFormat.of().parseHex(hex);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("key_hex is not hex: " + hex);
        }
        if (bytes.length == 0) {
            throw new IllegalArgumentException("the key must not be empty");
        }
        return RecordKey.of(bytes);
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

    private static PeerId peerId(String text) {
        if (text == null) {
            throw new IllegalArgumentException("peer_id is required");
        }
        try {
            return PeerId.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a peer id: " + text + " (" + e.getMessage() + ")");
        }
    }

    private static String keyText(RecordKey key) {
        return DisplayKeys.describe(key.toBytes());
    }

    /** A provider key as a CIDv1 of raw bytes ({@code bafkrei…}) when it is a multihash; else null. */
    private static String cid(RecordKey key) {
        try {
            return Cid.rawV1(key.toBytes()).toString();
        } catch (IllegalArgumentException notAMultihash) {
            return null; // a key given in hex that is no multihash: no CID to print
        }
    }

    private static List<String> ids(Collection<PeerId> peers) {
        return peers.stream().map(PeerId::toBase58).toList();
    }

    private static List<String> texts(Collection<Multiaddr> addrs) {
        return addrs.stream().map(Multiaddr::toString).toList();
    }

    private static List<ApiTypes.PeerAddrs> peerAddrs(List<PeerId> peers, Map<PeerId, List<Multiaddr>> known) {
        return peers.stream().map(p -> new ApiTypes.PeerAddrs(p.toBase58(), texts(known.getOrDefault(p, List.of()))))
                .toList();
    }

    private static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    /** A query's result and, when it was asked for, its trace. */
    private record Outcome<R extends QueryResult>(R result, ApiTypes.Trace trace) {}

    /** Runs a query, traced if asked ({@code "trace": true}). */
    private static <R extends QueryResult> CompletableFuture<Outcome<R>> query(
            Boolean trace, Supplier<CompletableFuture<Traced<R>>> traced, Supplier<CompletableFuture<R>> plain) {
        return Boolean.TRUE.equals(trace)
                ? traced.get().thenApply(t -> new Outcome<>(t.result(), ApiTypes.Trace.of(t.trace())))
                : plain.get().thenApply(r -> new Outcome<>(r, null));
    }

    private static List<String> from(List<PeerRecord> records) {
        return records.stream().map(pr -> pr.peer().map(PeerId::toBase58).orElse("local")).toList();
    }

    // ------------------------------------------------------------------ endpoints

    CompletableFuture<ApiTypes.Status> status() {
        ApiTypes.StatusExtras x = statusExtras.get();
        return node.stats().thenApply(s -> (Integer) s.routingTableSize())
                .completeOnTimeout(null, STATS_WAIT.toMillis(), TimeUnit.MILLISECONDS)
                .exceptionally(e -> {
                    LOG.debug("routing table size not read: {}", e.toString());
                    return null;
                })
                .thenApplyAsync(size -> new ApiTypes.Status(node.peerId().toBase58(), texts(node.listenAddresses()),
                        node.advertisedAddresses().stream().map(a -> a.withPeerId(node.peerId()).toString()).toList(),
                        node.config().clientMode(), x.store(), x.dataDir(), x.storeRecords(), x.storeProviderKeys(),
                        x.resources(), size, node.connectedPeers().size(),
                        Duration.between(started, Instant.now()).toSeconds(), KadCommand.version()), executor);
    }

    /** {@code GET /v1/provide/stat}: the reprovide strategy and, for the sweep, where it stands. */
    CompletableFuture<ApiTypes.ProvideStat> provideStat() {
        long interval = node.config().kademlia().providerPublicationInterval().map(Duration::toSeconds).orElse(0L);
        return node.reprovideStatus().thenApplyAsync(status -> {
            long counted = providedKeys.getAsLong();
            Long keys = counted < 0 ? null : counted;
            if (status.isEmpty()) {
                return new ApiTypes.ProvideStat("per_key", interval, keys, null, null, null, null, null, null, null,
                        null, null, null, null, null);
            }
            io.jkad.kademlia.ReprovideStatus s = status.get();
            ApiTypes.ProvideRegion last = s.lastRegion().map(r -> new ApiTypes.ProvideRegion(r.prefix(), r.bits(),
                    r.cycle(), r.position(), r.keys(), r.peersExplored(), r.lookups(), r.lookupRequests(),
                    r.addProviderRequests(), r.keyByKey(), r.started().toString(), r.finished().toString())).orElse(null);
            return new ApiTypes.ProvideStat("sweep", s.interval().toSeconds(), keys, s.cycle(),
                    s.cycleStart().toString(), s.position(), s.regionBits(),
                    s.networkSize().isPresent() ? s.networkSize().getAsDouble() : null, s.regionRunning(),
                    s.nextRegionDue().map(Instant::toString).orElse(null), s.lag().toSeconds(), s.regionsDone(),
                    s.keysAnnounced(), s.failures(), last);
        }, executor);
    }

    CompletableFuture<ApiTypes.PutAnswer> put(ApiTypes.PutRequest q) {
        RecordKey key = key(q.keyHex());
        Quorum quorum = q.quorum() == null ? Quorum.ONE : q.quorum();
        if (q.valueBase64() == null) {
            throw new IllegalArgumentException("value_base64 (the value in base64) is required");
        }
        byte[] value;
        try {
            value = Base64.getDecoder().decode(q.valueBase64());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("value_base64 is not base64: " + e.getMessage());
        }
        DhtRecord record = DhtRecord.of(key, value);
        return query(q.trace(), () -> node.putRecordTraced(record, quorum), () -> node.putRecord(record, quorum))
                .thenApplyAsync(o -> {
                    QueryResult.PutRecord r = o.result();
                    List<String> at = ids(r.success());
                    if (r instanceof QueryResult.PutRecord.Ok) {
                        return new ApiTypes.PutAnswer(true, keyText(key), key.toHex(), value.length, at, null, null,
                                null, o.trace());
                    }
                    boolean quorumFailed = r instanceof QueryResult.PutRecord.QuorumFailed;
                    int needed = r instanceof QueryResult.PutRecord.QuorumFailed f ? f.quorum()
                            : ((QueryResult.PutRecord.Timeout) r).quorum();
                    throw new ApiServer.ApiException(quorumFailed ? 409 : 504, new ApiTypes.PutAnswer(false,
                            keyText(key), key.toHex(), value.length, at, quorumFailed ? "quorum_failed" : "timeout",
                            "stored at " + at.size() + " of the " + needed + " peers the quorum needs"
                                    + " (the node keeps its own copy and publishes it again later)", needed, o.trace()));
                }, executor);
    }

    CompletableFuture<ApiTypes.GetAnswer> get(ApiTypes.GetRequest q) {
        RecordKey key = key(q.keyHex());
        Quorum quorum = q.quorum() == null ? Quorum.ONE : q.quorum();
        return query(q.trace(), () -> node.getRecordTraced(key, quorum), () -> node.getRecord(key, quorum))
                .thenApplyAsync(o -> {
                    QueryResult.GetRecord r = o.result();
                    if (r instanceof QueryResult.GetRecord.Ok ok) {
                        List<String> distinct = ok.records().stream().map(pr -> base64(pr.record().value()))
                                .distinct().toList();
                        return new ApiTypes.GetAnswer(true, keyText(key), key.toHex(),
                                base64(ok.records().get(0).record().value()), from(ok.records()),
                                distinct.size() > 1 ? distinct : null, null, null, null, o.trace());
                    }
                    if (r instanceof QueryResult.GetRecord.NotFound nf) {
                        throw new ApiServer.ApiException(404, new ApiTypes.GetAnswer(false, keyText(key), key.toHex(),
                                null, null, null, "not_found", "no peer returned a record for " + keyText(key)
                                + " (asked the " + nf.closestPeers().size() + " closest peers found)", null, o.trace()));
                    }
                    boolean quorumFailed = r instanceof QueryResult.GetRecord.QuorumFailed;
                    List<PeerRecord> found = r.records();
                    int needed = r instanceof QueryResult.GetRecord.QuorumFailed f ? f.quorum()
                            : ((QueryResult.GetRecord.Timeout) r).quorum();
                    throw new ApiServer.ApiException(quorumFailed ? 409 : 504, new ApiTypes.GetAnswer(false,
                            keyText(key), key.toHex(), found.isEmpty() ? null : base64(found.get(0).record().value()),
                            from(found), null, quorumFailed ? "quorum_failed" : "timeout",
                            found.size() + " of the " + needed + " copies the quorum needs were found", needed,
                            o.trace()));
                }, executor);
    }

    CompletableFuture<ApiTypes.ProvideAnswer> provide(ApiTypes.KeyRequest q) {
        RecordKey key = key(q.keyHex());
        return node.startProviding(key).thenApplyAsync(r -> {
            if (r.isOk()) {
                return new ApiTypes.ProvideAnswer(true, keyText(key), key.toHex(), cid(key), node.peerId().toBase58(),
                        null, null);
            }
            throw new ApiServer.ApiException(504, new ApiTypes.ProvideAnswer(false, keyText(key), key.toHex(), cid(key),
                    node.peerId().toBase58(), "timeout", "the announcement did not reach the closest peers in time "
                    + "(the node provides the key and announces it again later)"));
        }, executor);
    }

    /** The most keys one audit samples, and how many it checks at once. */
    static final int MAX_AUDIT_SAMPLE = 200;
    private static final int AUDITS_AT_ONCE = 8;

    /** {@code POST /v1/provide/audit}: see {@link ApiTypes.ProvideAudit}. */
    CompletableFuture<ApiTypes.ProvideAudit> audit(ApiTypes.AuditRequest q) {
        int n = q.sample() == null ? 20 : q.sample();
        if (n < 1 || n > MAX_AUDIT_SAMPLE) {
            throw new IllegalArgumentException("sample must be 1 to " + MAX_AUDIT_SAMPLE + ": " + n);
        }
        return node.sampleProvided(n, new java.util.Random()).thenComposeAsync(keys -> {
            List<ApiTypes.AuditedKey> out = java.util.Collections.synchronizedList(new ArrayList<>());
            CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
            for (int i = 0; i < keys.size(); i += AUDITS_AT_ONCE) {
                List<RecordKey> batch = keys.subList(i, Math.min(keys.size(), i + AUDITS_AT_ONCE));
                chain = chain.thenCompose(v -> CompletableFuture.allOf(batch.stream().map(key -> node.auditProvider(key)
                        .thenAccept(r -> out.add(new ApiTypes.AuditedKey(keyText(key), key.toHex(), r.closest().size(),
                                r.answered().size(), r.holding().size())))).toArray(CompletableFuture[]::new)));
            }
            return chain.thenApplyAsync(v -> {
                double holding = 0;
                int covered = 0;
                for (ApiTypes.AuditedKey k : out) {
                    double f = k.answered() == 0 ? 0 : (double) k.holding() / k.answered();
                    holding += f;
                    if (k.answered() > 0 && 4 * k.holding() >= 3 * k.answered()) {
                        covered++;
                    }
                }
                int m = out.size();
                return new ApiTypes.ProvideAudit(true, m, m == 0 ? 0 : holding / m, m == 0 ? 0 : (double) covered / m,
                        List.copyOf(out));
            }, executor);
        }, executor);
    }

    CompletableFuture<ApiTypes.ProvidersAnswer> providers(ApiTypes.ProvidersRequest q) {
        RecordKey key = key(q.keyHex());
        if (q.max() != null && q.max() < 1) {
            throw new IllegalArgumentException("max must be a number >= 1: " + q.max());
        }
        int enough = q.max() == null ? Integer.MAX_VALUE : q.max();
        return query(q.trace(), () -> node.getProvidersTraced(key, enough), () -> node.getProviders(key, enough))
                .thenComposeAsync(o -> node.addressesOf(o.result().providers()).thenApplyAsync(known -> {
                    QueryResult.GetProviders r = o.result();
                    List<String> providers = new ArrayList<>(ids(r.providers()));
                    providers.sort(null);
                    Map<String, List<String>> addrs = new LinkedHashMap<>();
                    for (PeerId p : r.providers()) {
                        addrs.put(p.toBase58(), texts(known.getOrDefault(p, List.of())));
                    }
                    if (!providers.isEmpty()) {
                        return new ApiTypes.ProvidersAnswer(true, keyText(key), key.toHex(), cid(key), providers, addrs,
                                null, null, o.trace());
                    }
                    throw new ApiServer.ApiException(r.isOk() ? 404 : 504, new ApiTypes.ProvidersAnswer(false,
                            keyText(key), key.toHex(), cid(key), providers, addrs, r.isOk() ? "not_found" : "timeout",
                            "no provider of " + keyText(key) + " found", o.trace()));
                }, executor), executor);
    }

    CompletableFuture<ApiTypes.PeerAnswer> peer(ApiTypes.PeerRequest q) {
        PeerId target = peerId(q.peerId());
        return node.getClosestPeers(target).thenComposeAsync(r -> {
            List<PeerId> closest = r.peers();
            List<PeerId> asked = new ArrayList<>();
            asked.add(target);
            asked.addAll(closest);
            return node.addressesOf(asked).thenApplyAsync(known -> {
                List<Multiaddr> own = known.getOrDefault(target, List.of());
                boolean self = target.equals(node.peerId());
                boolean found = self || closest.contains(target) || !own.isEmpty();
                List<String> addrs = texts(self ? node.advertisedAddresses() : own);
                if (found) {
                    return new ApiTypes.PeerAnswer(true, target.toBase58(), true, addrs, peerAddrs(closest, known),
                            null, null);
                }
                throw new ApiServer.ApiException(404, new ApiTypes.PeerAnswer(false, target.toBase58(), false, addrs,
                        peerAddrs(closest, known), "not_found", "peer " + target + " was not found (the "
                        + closest.size() + " closest peers to its id are listed)"));
            }, executor);
        }, executor);
    }

    CompletableFuture<ApiTypes.RoutingTable> routingTable() {
        return node.routingTable().thenApplyAsync(entries -> {
            List<ApiTypes.RoutingPeer> peers = new ArrayList<>();
            for (RoutingTableEntry e : entries) {
                peers.add(new ApiTypes.RoutingPeer(e.peer().toBase58(), e.bucket(), e.connected(), texts(e.addresses())));
            }
            return new ApiTypes.RoutingTable(node.peerId().toBase58(), peers.size(), peers);
        }, executor);
    }

    CompletableFuture<ApiTypes.Peers> peers() {
        List<PeerConnection> connections = node.connections();
        List<CompletableFuture<Duration>> pings = new ArrayList<>();
        for (PeerConnection c : connections) {
            pings.add(node.ping(c.peer()).completeOnTimeout(null, PING_WAIT.toMillis(), TimeUnit.MILLISECONDS)
                    .exceptionally(e -> null));
        }
        return CompletableFuture.allOf(pings.toArray(CompletableFuture[]::new)).thenApplyAsync(done -> {
            List<ApiTypes.ConnectedPeer> list = new ArrayList<>();
            for (int i = 0; i < connections.size(); i++) {
                PeerConnection c = connections.get(i);
                Duration rtt = pings.get(i).join();
                list.add(new ApiTypes.ConnectedPeer(c.peer().toBase58(), c.remoteAddress().toString(),
                        c.outbound() ? "outbound" : "inbound", c.identify().map(IdentifyInfo::agentVersion).orElse(null),
                        rtt == null ? null : Json.fixed(rtt.toNanos() / 1e6, 3),
                        c.identify().map(IdentifyInfo::protocols).orElse(List.of()), c.streams()));
            }
            list.sort(java.util.Comparator.comparing(ApiTypes.ConnectedPeer::peerId));
            return new ApiTypes.Peers(true, list.size(), list);
        }, executor);
    }

    CompletableFuture<ApiTypes.ClosestAnswer> closest(ApiTypes.ClosestRequest q) {
        RecordKey key = key(q.keyHex());
        return query(q.trace(), () -> node.getClosestPeersTraced(key), () -> node.getClosestPeers(key))
                .thenComposeAsync(o -> node.addressesOf(o.result().peers()).thenApplyAsync(known -> {
                    QueryResult.GetClosestPeers r = o.result();
                    List<ApiTypes.PeerAddrs> list = peerAddrs(r.peers(), known);
                    if (r.isOk() && !list.isEmpty()) {
                        return new ApiTypes.ClosestAnswer(true, keyText(key), key.toHex(), list, null, null, o.trace());
                    }
                    throw new ApiServer.ApiException(r.isOk() ? 404 : 504, new ApiTypes.ClosestAnswer(false,
                            keyText(key), key.toHex(), list, r.isOk() ? "not_found" : "timeout",
                            r.isOk() ? "no peer answered" : "the lookup did not finish in time", o.trace()));
                }, executor), executor);
    }

    /** The quorum of a name resolution by default, as the IPNS spec recommends (16 copies). */
    static final int RESOLVE_QUORUM = 16;

    /** A name as users write it: a peer id, {@code /ipns/} and one, or a {@code libp2p-key} CID. */
    static PeerId parseName(String text) {
        if (text == null) {
            throw new IllegalArgumentException("name is required");
        }
        String t = text.strip();
        if (t.startsWith("/ipns/")) {
            t = t.substring("/ipns/".length());
        }
        try {
            return PeerId.parse(t);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not an IPNS name (a peer id or a libp2p-key CID): " + text + " ("
                    + e.getMessage() + ")");
        }
    }

    /**
     * Publishes an IPNS record of the node's own name: signs it with the node's key (the sequence
     * one above the best record found unless given) and puts it with the quorum.
     */
    CompletableFuture<ApiTypes.PublishAnswer> publish(ApiTypes.PublishRequest q) {
        if (q.value() == null || q.value().isEmpty()) {
            throw new IllegalArgumentException("value (the path to publish, e.g. /ipfs/bafy…) is required");
        }
        if (q.sequence() != null && q.sequence() < 0) {
            throw new IllegalArgumentException("sequence must be >= 0: " + q.sequence());
        }
        Duration lifetime = q.lifetimeS() == null ? IpnsRecord.DEFAULT_LIFETIME : positiveSeconds("lifetime_s", q.lifetimeS());
        Duration ttl = q.ttlS() == null ? IpnsRecord.DEFAULT_TTL : Duration.ofSeconds(nonNegative("ttl_s", q.ttlS()));
        Quorum quorum = q.quorum() == null ? Quorum.ONE : q.quorum();
        PeerId self = node.peerId();
        RecordKey key = IpnsRecord.keyOf(self);
        CompletableFuture<Long> sequence = q.sequence() != null ? CompletableFuture.completedFuture(q.sequence())
                : node.getRecord(key, Quorum.ONE).thenApply(ApiEndpoints::nextSequence);
        return sequence.thenComposeAsync(seq -> {
            var identity = node.config().host().identity();
            byte[] value = q.value().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            Instant validity = Instant.now().plus(lifetime);
            byte[] record = IpnsRecord.create(identity.publicKey().encodeProtobuf(), identity::sign, false, value, seq,
                    validity, ttl, true);
            IpnsRecord made = IpnsRecord.parse(record);
            return node.putRecord(DhtRecord.of(key, record), quorum).thenApplyAsync(r -> {
                List<String> at = ids(r.success());
                if (r.isOk()) {
                    return new ApiTypes.PublishAnswer(true, self.toIpnsName(), self.toBase58(), key.toHex(), q.value(),
                            seq, made.validityText(), ttl.toSeconds(), at, null, null, null);
                }
                int needed = r instanceof QueryResult.PutRecord.QuorumFailed f ? f.quorum()
                        : ((QueryResult.PutRecord.Timeout) r).quorum();
                boolean quorumFailed = r instanceof QueryResult.PutRecord.QuorumFailed;
                throw new ApiServer.ApiException(quorumFailed ? 409 : 504, new ApiTypes.PublishAnswer(false,
                        self.toIpnsName(), self.toBase58(), key.toHex(), q.value(), seq, made.validityText(),
                        ttl.toSeconds(), at, quorumFailed ? "quorum_failed" : "timeout", "stored at " + at.size()
                        + " of the " + needed + " peers the quorum needs (the node keeps its own copy and publishes "
                        + "it again later)", needed));
            }, executor);
        }, executor);
    }

    /** One above the sequence of the best record a lookup found; 0 when it found none. */
    private static long nextSequence(QueryResult.GetRecord r) {
        List<PeerRecord> found = r.records();
        if (found.isEmpty()) {
            return 0;
        }
        long current = IpnsRecord.parse(found.get(0).record().value()).sequence();
        if (current == -1L) {
            throw new IllegalStateException("the name's sequence is at its largest value");
        }
        return current + 1;
    }

    /** Resolves a name: the best valid IPNS record of the copies found (up to the quorum, 16 by default). */
    CompletableFuture<ApiTypes.ResolveAnswer> resolve(ApiTypes.ResolveRequest q) {
        PeerId name = parseName(q.name());
        RecordKey key = IpnsRecord.keyOf(name);
        Quorum quorum = q.quorum() == null ? Quorum.of(RESOLVE_QUORUM) : q.quorum();
        return node.getRecord(key, quorum).thenApplyAsync(r -> {
            List<PeerRecord> found = r.records();
            if (found.isEmpty()) {
                throw new ApiServer.ApiException(404, new ApiTypes.ResolveAnswer(false, name.toIpnsName(),
                        name.toBase58(), null, null, null, null, null, 0, "not_found", "no valid record of "
                        + name.toIpnsName() + " was found"));
            }
            PeerRecord best = found.get(0);
            IpnsRecord record = IpnsRecord.parse(best.record().value());
            return new ApiTypes.ResolveAnswer(true, name.toIpnsName(), name.toBase58(),
                    new String(record.value(), java.nio.charset.StandardCharsets.UTF_8), record.sequence(),
                    record.validityText(), record.ttl().toSeconds(), best.peer().map(PeerId::toBase58).orElse("local"),
                    found.size(), null, null);
        }, executor);
    }

    private static Duration positiveSeconds(String what, long seconds) {
        if (seconds <= 0) {
            throw new IllegalArgumentException(what + " must be > 0: " + seconds);
        }
        return Duration.ofSeconds(seconds);
    }

    private static long nonNegative(String what, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(what + " must be >= 0: " + value);
        }
        return value;
    }

    CompletableFuture<ApiTypes.IdAnswer> id(ApiTypes.PeerRequest q) {
        if (q.peerId() == null || node.peerId().toBase58().equals(q.peerId())) {
            return CompletableFuture.completedFuture(new ApiTypes.IdAnswer(true, node.peerId().toBase58(),
                    node.config().host().agentVersion(), "ipfs/0.1.0", node.protocols(),
                    texts(node.advertisedAddresses()), null, null));
        }
        PeerId peer = peerId(q.peerId());
        boolean connected = node.connections().stream().anyMatch(c -> c.peer().equals(peer));
        // the addresses known, else those a lookup of the peer's id finds
        CompletableFuture<List<Multiaddr>> addresses = node.addressesOf(List.of(peer))
                .thenComposeAsync(known -> {
                    List<Multiaddr> a = known.getOrDefault(peer, List.of());
                    if (!a.isEmpty() || connected) {
                        return CompletableFuture.completedFuture(a);
                    }
                    return node.getClosestPeers(peer).thenCompose(r -> node.addressesOf(List.of(peer)))
                            .thenApply(k -> k.getOrDefault(peer, List.of()));
                }, executor);
        return addresses.thenComposeAsync(known -> node.identify(peer, known, IDENTIFY_WAIT).handleAsync((info, e) -> {
            if (e != null) {
                Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                throw new ApiServer.ApiException(404, new ApiTypes.IdAnswer(false, peer.toBase58(), null, null, null,
                        null, "unreachable", "no Identify from " + peer + (known.isEmpty() ? " (no address found)"
                        : " at " + known) + ": " + c));
            }
            return new ApiTypes.IdAnswer(true, peer.toBase58(), info.agentVersion(), info.protocolVersion(),
                    info.protocols(), texts(info.listenAddresses()), null, null);
        }, executor), executor);
    }
}
