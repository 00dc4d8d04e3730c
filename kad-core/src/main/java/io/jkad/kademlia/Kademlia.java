package io.jkad.kademlia;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.protocol.ConnectionType;
import io.jkad.protocol.KadPeer;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.jkad.query.Query;
import io.jkad.query.QueryId;
import io.jkad.query.QueryPool;
import io.jkad.query.QueryPoolState;
import io.jkad.query.QueryStats;
import io.jkad.record.CloseableIterator;
import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStore;
import io.jkad.record.StoreException;
import io.jkad.routing.Addresses;
import io.jkad.routing.AppliedPending;
import io.jkad.routing.Distance;
import io.jkad.routing.Entry;
import io.jkad.routing.EntryView;
import io.jkad.routing.InsertResult;
import io.jkad.routing.KBucketView;
import io.jkad.routing.KBucketsTable;
import io.jkad.routing.Key;
import io.jkad.routing.KeyBytes;
import io.jkad.routing.Node;
import io.jkad.routing.NodeStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kademlia state machine of one node: the routing table, the running queries, the record
 * store and the periodic jobs, with the behaviour of rust-libp2p's {@code libp2p-kad} 0.29.
 *
 * <p>Sans-IO: it opens no socket, starts no thread and reads no clock. The API calls start
 * queries and return their {@link QueryId}; the driver (a network binding or the simulator)
 * reports what happens on the network through the {@code on…} methods and calls
 * {@link #poll(Instant)} until it returns empty, carrying out each {@link KademliaAction}
 * (send a request, answer one, dial a peer, report an event). Time is always a parameter.
 *
 * <p>Not thread-safe: one logic thread owns a node. Errors never escape {@link #onRequest}: an
 * inbound request the store cannot serve, or whose handling fails in any other way, is answered
 * with a stream reset. Each peer has a budget of inbound requests per type
 * ({@link KademliaConfig#requestLimits()}); a request over it is refused the same way before it
 * reaches the store or the routing table. Refusals are reported as
 * {@link KademliaEvent.RequestRefused} and counted ({@link #refusedRequests}).
 */
public final class Kademlia {
    private static final Logger log = LoggerFactory.getLogger(Kademlia.class);

    /** The most queries the periodic jobs may have running. */
    static final int JOBS_MAX_QUERIES = 100;
    /** The most queries the periodic jobs start per poll. */
    static final int JOBS_MAX_NEW_QUERIES = 10;
    /** The most external addresses of the local node that are kept. */
    static final int MAX_LOCAL_EXTERNAL_ADDRS = 20;
    /** Attempts to draw a random peer id that falls into a bucket to refresh. */
    private static final int BUCKET_TARGET_ATTEMPTS = 16;
    /** At most one log line per refusal reason in this many seconds; the others are counted in it. */
    static final long REFUSAL_LOG_SECONDS = 10;
    private static final Duration REFUSAL_LOG_INTERVAL = Duration.ofSeconds(REFUSAL_LOG_SECONDS);

    private final PeerId localId;
    private final Key<PeerId> localKey;
    private final KademliaConfig config;
    private final RecordStore store;
    private final Random random;
    private final KBucketsTable<PeerId, Addresses> kbuckets;
    private final QueryPool<QueryInner> queries;
    private final Set<PeerId> connectedPeers = new HashSet<>();
    private final PutRecordJob putRecordJob;
    private final AddProviderJob addProviderJob;
    private final ArrayDeque<KademliaAction> queued = new ArrayDeque<>();
    private final Set<Multiaddr> listenAddresses = new LinkedHashSet<>();
    private final Set<Multiaddr> externalAddresses = new LinkedHashSet<>();
    private final RequestBudget requestBudget;
    /** Refused inbound requests, by {@link KademliaEvent.RefusalReason} ordinal. */
    private final long[] refused = new long[KademliaEvent.RefusalReason.values().length];
    /** When each refusal reason was last logged, and how many refusals went unlogged since. */
    private final Instant[] refusalLoggedAt = new Instant[KademliaEvent.RefusalReason.values().length];
    private final long[] refusalsUnlogged = new long[KademliaEvent.RefusalReason.values().length];
    /** When the periodic bootstrap runs next (null when disabled). */
    private Instant nextBootstrap;
    private QueryId periodicBootstrap;
    /**
     * Set while a store that already held records or provider records at construction (a
     * persistent store reopened by a restart) waits for its first peer: see the constructor.
     */
    private boolean publishOnFirstPeer;

    /**
     * A node with identity {@code localId} keeping its records in {@code store}.
     *
     * <p>The periodic jobs run first one interval after {@code now}, except when {@code store}
     * already holds records or provider records (a persistent store reopened after a restart):
     * the node cannot know when they were last published, and the copies at other peers may
     * expire before a whole interval has passed, so the jobs then run as soon as a first peer
     * that confirmed the protocol is in the routing table (provider records announced again, own
     * records republished with a fresh expiry, others' replicated), and every interval after that.
     * (The reference starts on an empty memory store and has no such case.)
     *
     * @param now the current time, from which the periodic jobs are scheduled
     * @param random the source of the random lookup targets that refresh buckets (seed it for a
     *     deterministic simulation)
     */
    public Kademlia(PeerId localId, RecordStore store, KademliaConfig config, Instant now, Random random) {
        this.localId = Objects.requireNonNull(localId, "localId");
        this.store = Objects.requireNonNull(store, "store");
        this.config = Objects.requireNonNull(config, "config");
        this.random = Objects.requireNonNull(random, "random");
        this.localKey = Key.of(localId);
        this.kbuckets = new KBucketsTable<>(localKey, config.replicationFactor(), config.kbucketPendingTimeout());
        this.queries = new QueryPool<>(config.queryConfig());
        this.requestBudget = new RequestBudget(config.requestLimits());
        Optional<Duration> putInterval = config.replicationInterval().or(config::publicationInterval);
        this.putRecordJob = putInterval
                .map(i -> new PutRecordJob(localId, i, config.publicationInterval(), config.recordTtl(), now))
                .orElse(null);
        this.addProviderJob = config.providerPublicationInterval()
                .map(i -> new AddProviderJob(i, now))
                .orElse(null);
        this.nextBootstrap = config.bootstrapInterval().map(now::plus).orElse(null);
        this.publishOnFirstPeer = (putRecordJob != null || addProviderJob != null) && holdsRecords(store);
    }

    /** Whether {@code store} holds a record or a local provider record (reads at most one of each). */
    private static boolean holdsRecords(RecordStore store) {
        try {
            try (CloseableIterator<ProviderRecord> provided = store.provided()) {
                if (provided.hasNext()) {
                    return true;
                }
            }
            try (CloseableIterator<DhtRecord> records = store.records()) {
                return records.hasNext();
            }
        } catch (StoreException e) {
            log.warn("Cannot tell whether the store holds records to publish ({}): the jobs run with the first peer",
                    e.getMessage());
            return true;
        }
    }

    public PeerId localPeerId() {
        return localId;
    }

    public KademliaConfig config() {
        return config;
    }

    /** The record store (to read it or to add records without publishing them). */
    public RecordStore store() {
        return store;
    }

    // ------------------------------------------------------------------------------------------
    // Routing table

    /**
     * Adds a listen address of a peer to the routing table: to join a network through a known
     * node, or to make a peer that connected to us routable. A trailing {@code /p2p/} component
     * naming the peer is removed.
     *
     * @throws IllegalArgumentException if the address ends with {@code /p2p/} of another peer
     */
    public RoutingUpdate addAddress(PeerId peer, Multiaddr address, Instant now) {
        Multiaddr addr = normalize(peer, address);
        Entry<PeerId, Addresses> entry = kbuckets.entry(Key.of(peer), now);
        switch (entry.kind()) {
            case PRESENT -> {
                Addresses old = entry.value().orElseThrow();
                Addresses updated = old.with(addr);
                if (updated != old) {
                    entry.setValue(updated);
                    emit(new KademliaEvent.RoutingUpdated(peer, updated, Optional.empty()));
                }
                return RoutingUpdate.SUCCESS;
            }
            case PENDING -> {
                entry.setValue(entry.value().orElseThrow().with(addr));
                return RoutingUpdate.PENDING;
            }
            case ABSENT -> {
                NodeStatus status = connectedPeers.contains(peer) ? NodeStatus.CONNECTED : NodeStatus.DISCONNECTED;
                Addresses addresses = Addresses.of(addr);
                InsertResult<PeerId> result = entry.insert(addresses, status);
                if (result instanceof InsertResult.Inserted) {
                    emit(new KademliaEvent.RoutingUpdated(peer, addresses, Optional.empty()));
                    return RoutingUpdate.SUCCESS;
                } else if (result instanceof InsertResult.Pending<PeerId> pending) {
                    PeerId disconnected = pending.disconnected().preimage();
                    queued.add(new KademliaAction.Dial(disconnected, addressesOf(disconnected, now)));
                    return RoutingUpdate.PENDING;
                } else {
                    log.debug("Bucket full; peer {} not added to the routing table", peer);
                    return RoutingUpdate.FAILED;
                }
            }
            default -> {
                return RoutingUpdate.FAILED;
            }
        }
    }

    /**
     * Removes an address of a peer. When it is the peer's last address, the peer leaves the
     * routing table (or its pending slot) and its entry is returned; otherwise empty.
     */
    public Optional<EntryView<PeerId, Addresses>> removeAddress(PeerId peer, Multiaddr address, Instant now) {
        Multiaddr addr = normalize(peer, address);
        Entry<PeerId, Addresses> entry = kbuckets.entry(Key.of(peer), now);
        if (entry.kind() == Entry.Kind.PRESENT || entry.kind() == Entry.Kind.PENDING) {
            Optional<Addresses> rest = entry.value().orElseThrow().without(addr);
            if (rest.isEmpty()) {
                return Optional.of(entry.remove());
            }
            entry.setValue(rest.get());
        }
        return Optional.empty();
    }

    /** Removes a peer from the routing table (or its pending slot); empty if it was not there. */
    public Optional<EntryView<PeerId, Addresses>> removePeer(PeerId peer, Instant now) {
        Entry<PeerId, Addresses> entry = kbuckets.entry(Key.of(peer), now);
        if (entry.kind() == Entry.Kind.PRESENT || entry.kind() == Entry.Kind.PENDING) {
            return Optional.of(entry.remove());
        }
        return Optional.empty();
    }

    /** The non-empty buckets of the routing table, closest to the local key first. */
    public List<KBucketView<PeerId, Addresses>> kbuckets(Instant now) {
        List<KBucketView<PeerId, Addresses>> out = new ArrayList<>();
        for (KBucketView<PeerId, Addresses> b : kbuckets.buckets(now)) {
            if (!b.isEmpty()) {
                out.add(b);
            }
        }
        return out;
    }

    /** The bucket {@code peer} falls into; empty for the local peer. */
    public Optional<KBucketView<PeerId, Addresses>> kbucket(PeerId peer, Instant now) {
        return kbuckets.bucket(Key.of(peer), now);
    }

    /** The number of peers in the routing table (pending entries excluded). */
    public int routingTableSize() {
        return kbuckets.size();
    }

    /** The routing table's entry for {@code peer}, if it is present. */
    public Optional<EntryView<PeerId, Addresses>> routingEntry(PeerId peer, Instant now) {
        Entry<PeerId, Addresses> entry = kbuckets.entry(Key.of(peer), now);
        return entry.kind() == Entry.Kind.PRESENT ? entry.view() : Optional.empty();
    }

    /** The peers of the routing table closest to {@code key}, closest first, at most {@code count}. */
    public List<EntryView<PeerId, Addresses>> closestPeers(KeyBytes key, int count) {
        List<EntryView<PeerId, Addresses>> out = new ArrayList<>(Math.min(count, 64));
        Iterator<EntryView<PeerId, Addresses>> it = kbuckets.closest(key);
        while (out.size() < count && it.hasNext()) {
            out.add(it.next());
        }
        return out;
    }

    /**
     * The known addresses of {@code peer}, most promising first: those in the routing table, then
     * those learned by running queries.
     */
    public List<Multiaddr> addressesOf(PeerId peer, Instant now) {
        Set<Multiaddr> out = new LinkedHashSet<>();
        Entry<PeerId, Addresses> entry = kbuckets.entry(Key.of(peer), now);
        if (entry.kind() == Entry.Kind.PRESENT) {
            out.addAll(entry.value().orElseThrow().asList());
        }
        for (Query<QueryInner> q : queries.queries()) {
            List<Multiaddr> addrs = q.inner().addresses.get(peer);
            if (addrs != null) {
                out.addAll(addrs);
            }
        }
        return new ArrayList<>(out);
    }

    // ------------------------------------------------------------------------------------------
    // Operations

    /**
     * Joins the network: looks up the local key, then refreshes every bucket farther than the
     * closest neighbour's with a lookup of a random key in it. Reports one
     * {@link QueryResult.Bootstrap} per lookup under the returned id.
     *
     * @throws NoKnownPeersException if the routing table is empty
     */
    public QueryId bootstrap(Instant now) {
        if (kbuckets.size() == 0) {
            throw new NoKnownPeersException();
        }
        QueryInner inner = new QueryInner(new QueryInfo.Bootstrap(localId, null));
        return queries.addIterClosest(localKey.bytes(), closestKeys(localKey.bytes()), inner);
    }

    /** Looks up the k closest peers to {@code key}; reports {@link QueryResult.GetClosestPeers}. */
    public QueryId getClosestPeers(RecordKey key) {
        KeyBytes target = KeyBytes.digestOf(key.toBytes());
        return queries.addIterClosest(target, closestKeys(target), new QueryInner(new QueryInfo.GetClosestPeers(key)));
    }

    /** Looks up the k closest peers to a peer id. */
    public QueryId getClosestPeers(PeerId peer) {
        return getClosestPeers(RecordKey.of(peer.toBytes()));
    }

    /**
     * Looks up the record of {@code key} until {@code quorum} peers (out of k) returned it; a
     * valid local copy counts as one. Reports {@link QueryResult.GetRecord}. With caching enabled
     * and a quorum of 1, the record found is then stored at the closest peers that did not have it.
     */
    public QueryId getRecord(RecordKey key, Quorum quorum, Instant now) {
        int q = quorum.eval(config.replicationFactor());
        QueryInfo.GetRecord info = new QueryInfo.GetRecord(key, q);
        try {
            Optional<DhtRecord> local = store.get(key);
            if (local.isPresent()) {
                if (local.get().isExpired(now)) {
                    store.remove(key);
                } else {
                    info.records.add(new PeerRecord(Optional.empty(), local.get()));
                }
            }
        } catch (StoreException e) {
            log.warn("Local lookup of {} failed: {}", key, e.getMessage());
        }
        boolean done = info.records.size() >= q;
        KeyBytes target = KeyBytes.digestOf(key.toBytes());
        QueryId id = queries.addIterClosest(target, closestKeys(target), new QueryInner(info));
        if (done) {
            queries.get(id).orElseThrow().finish();
        }
        return id;
    }

    /**
     * Stores {@code record} locally, published by this node, then at the k closest peers; reports
     * {@link QueryResult.PutRecord}. A record without an expiry never expires locally but is sent
     * with the record TTL, and is republished with a fresh one every publication interval.
     *
     * @throws StoreException if the local store refuses the record (nothing is sent then)
     */
    public QueryId putRecord(DhtRecord record, Quorum quorum, Instant now) {
        DhtRecord own = record.withPublisher(Optional.of(localId));
        store.put(own);
        DhtRecord sent = own.expires().isPresent() ? own : own.withExpires(config.recordTtl().map(now::plus));
        int q = quorum.eval(config.replicationFactor());
        return startPutRecord(sent, q, QueryContext.PUBLISH);
    }

    /**
     * Stores {@code record} at the given peers only, not locally (to refresh or cache a record at
     * chosen peers). The quorum is relative to the number of distinct peers; with no peers the
     * query fails at once with a quorum failure. Reports {@link QueryResult.PutRecord}.
     */
    public QueryId putRecordTo(DhtRecord record, Collection<PeerId> peers, Quorum quorum, Instant now) {
        Set<PeerId> distinct = new LinkedHashSet<>(peers);
        distinct.remove(localId);
        int q = distinct.isEmpty() ? 1 : quorum.eval(distinct.size());
        DhtRecord sent = record.expires().isPresent() ? record : record.withExpires(config.recordTtl().map(now::plus));
        QueryInfo.PutRecord info = new QueryInfo.PutRecord(sent, q, QueryContext.CUSTOM, false);
        return queries.addFixed(new ArrayList<>(distinct), new QueryInner(info));
    }

    /**
     * Removes the record of {@code key} from the local store if this node published it, which also
     * stops its republication (it then expires in the network). Records published by others are
     * left alone.
     */
    public void removeRecord(RecordKey key) {
        Optional<DhtRecord> r = store.get(key);
        if (r.isPresent() && r.get().publisher().map(localId::equals).orElse(false)) {
            store.remove(key);
        }
    }

    /**
     * Announces this node as a provider of {@code key}: stores the local provider record (it never
     * expires locally; its addresses are filled in on demand), then sends ADD_PROVIDER to the k
     * closest peers, and again every provider publication interval. Reports
     * {@link QueryResult.AddProvider}.
     *
     * @throws StoreException if the local store refuses the provider record
     */
    public QueryId startProviding(RecordKey key, Instant now) {
        boolean stored = store.addProvider(new ProviderRecord(key, localId, Optional.empty(), List.of()));
        if (!stored) {
            log.debug("Provider list of {} is full; announcing this node anyway", key);
        }
        return startAddProvider(key, false);
    }

    /**
     * Stops announcing this node as a provider of {@code key} (a local operation: the records at
     * other peers expire in time).
     */
    public void stopProviding(RecordKey key) {
        store.removeProvider(key, localId);
    }

    /**
     * Looks up the providers of {@code key}; reports {@link QueryResult.GetProviders}. The valid
     * provider records of the local store (this node's own, if it provides the key, and those
     * others announced to it) are part of the result; the reference (0.29) asked only the network,
     * so a node that stored a provider record could not find it itself.
     */
    public QueryId getProviders(RecordKey key, Instant now) {
        QueryInfo.GetProviders info = new QueryInfo.GetProviders(key);
        try {
            for (ProviderRecord p : store.providers(key)) {
                if (!p.isExpired(now)) {
                    info.providers.add(p.provider());
                }
            }
        } catch (StoreException e) {
            log.warn("Local provider lookup of {} failed: {}", key, e.getMessage());
        }
        KeyBytes target = KeyBytes.digestOf(key.toBytes());
        return queries.addIterClosest(target, closestKeys(target), new QueryInner(info));
    }

    /** The running queries, oldest first. */
    public List<RunningQuery> queries() {
        List<RunningQuery> out = new ArrayList<>(queries.size());
        for (Query<QueryInner> q : queries.queries()) {
            if (!q.isFinished()) {
                out.add(new RunningQuery(q));
            }
        }
        return out;
    }

    /** The running query {@code id}, if it has not finished. */
    public Optional<RunningQuery> query(QueryId id) {
        return queries.get(id).filter(q -> !q.isFinished()).map(RunningQuery::new);
    }

    /** The job that replicates and republishes records, if enabled (exposed for tests and tools). */
    public Optional<PutRecordJob> putRecordJob() {
        return Optional.ofNullable(putRecordJob);
    }

    /** The job that republishes provider records, if enabled. */
    public Optional<AddProviderJob> addProviderJob() {
        return Optional.ofNullable(addProviderJob);
    }

    // ------------------------------------------------------------------------------------------
    // Network input

    /** A first connection to {@code peer} is established: requests waiting for it are released. */
    public void onConnected(PeerId peer, Instant now) {
        connectedPeers.add(peer);
        for (Query<QueryInner> q : queries.queries()) {
            Iterator<QueryInner.PendingRequest> it = q.inner().pendingRequests.iterator();
            while (it.hasNext()) {
                QueryInner.PendingRequest p = it.next();
                if (p.peer().equals(peer)) {
                    it.remove();
                    queued.add(new KademliaAction.SendRequest(peer, q.id(), p.request()));
                }
            }
        }
    }

    /**
     * {@code peer} speaks this node's Kademlia protocol on a connection: it is marked connected in
     * the routing table, and inserted (per the insert strategy) when we dialed it, since only then
     * is the remote address a listen address.
     */
    public void onProtocolConfirmed(PeerId peer, Endpoint endpoint, Instant now) {
        Optional<Multiaddr> address = endpoint.dialer()
                ? Optional.of(endpoint.remoteAddress().withoutPeerId())
                : Optional.empty();
        connectionUpdated(peer, address, NodeStatus.CONNECTED, now);
        publishIfFirstPeer(peer, now);
    }

    /**
     * {@code peer} confirmed the protocol and told us its listen addresses (libp2p Identify): like
     * {@link #onProtocolConfirmed} from the dialer side, with the first address, then the others added.
     */
    public void onProtocolConfirmed(PeerId peer, List<Multiaddr> listenAddresses, Instant now) {
        if (listenAddresses.isEmpty()) {
            connectionUpdated(peer, Optional.empty(), NodeStatus.CONNECTED, now);
            publishIfFirstPeer(peer, now);
            return;
        }
        Multiaddr first = listenAddresses.get(0).withoutPeerId();
        connectionUpdated(peer, Optional.of(first), NodeStatus.CONNECTED, now);
        Entry<PeerId, Addresses> entry = kbuckets.entry(Key.of(peer), now);
        if (entry.kind() == Entry.Kind.PRESENT || entry.kind() == Entry.Kind.PENDING) {
            Addresses addrs = entry.value().orElseThrow();
            for (Multiaddr a : listenAddresses) {
                addrs = addrs.with(a.withoutPeerId());
            }
            entry.setValue(addrs);
        }
        publishIfFirstPeer(peer, now);
    }

    /**
     * Makes the jobs run at the next poll, once, when the store held records at construction and
     * {@code peer}, which confirmed the protocol, is in the routing table (see the constructor).
     */
    private void publishIfFirstPeer(PeerId peer, Instant now) {
        if (!publishOnFirstPeer || kbuckets.entry(Key.of(peer), now).kind() != Entry.Kind.PRESENT) {
            return;
        }
        publishOnFirstPeer = false;
        if (addProviderJob != null && !addProviderJob.isRunning()) {
            addProviderJob.asap(now);
        }
        if (putRecordJob != null && !putRecordJob.isRunning()) {
            putRecordJob.asap(config.publicationInterval().isPresent(), now);
        }
    }

    /** The last connection to {@code peer} closed: its requests in flight failed. */
    public void onDisconnected(PeerId peer, Instant now) {
        connectedPeers.remove(peer);
        for (Query<QueryInner> q : queries.queries()) {
            q.onFailure(peer);
        }
        connectionUpdated(peer, Optional.empty(), NodeStatus.DISCONNECTED, now);
    }

    /** A connection's remote address changed: the routing table and the queries' address caches follow. */
    public void onAddressChange(PeerId peer, Multiaddr old, Multiaddr replacement, Instant now) {
        Entry<PeerId, Addresses> entry = kbuckets.entry(Key.of(peer), now);
        if (entry.kind() == Entry.Kind.PRESENT || entry.kind() == Entry.Kind.PENDING) {
            Addresses addrs = entry.value().orElseThrow();
            Addresses updated = addrs.replace(old, replacement);
            if (updated != addrs) {
                entry.setValue(updated);
                log.debug("Address {} replaced with {} for peer {}", old, replacement, peer);
            }
        }
        for (Query<QueryInner> q : queries.queries()) {
            List<Multiaddr> addrs = q.inner().addresses.get(peer);
            if (addrs != null) {
                addrs.replaceAll(a -> a.equals(old) ? replacement : a);
            }
        }
    }

    /**
     * Dialing {@code peer} failed at all its addresses: the queries waiting for it count it as
     * failed, and a disconnected routing table entry of it is dropped while this node is connected
     * to other peers (so an outage of our own network does not empty the table). The reference
     * keeps such entries until a pending entry replaces them, which never happens in buckets that
     * are not full; go-libp2p-kad-dht drops peers whose requests fail, as we do for dials.
     */
    public void onDialFailure(PeerId peer, Instant now) {
        for (Query<QueryInner> q : queries.queries()) {
            q.inner().pendingRequests.removeIf(p -> p.peer().equals(peer));
            q.onFailure(peer);
        }
        if (connectedPeers.isEmpty() || connectedPeers.contains(peer)) {
            return;
        }
        Entry<PeerId, Addresses> entry = kbuckets.entry(Key.of(peer), now);
        if (entry.kind() == Entry.Kind.PRESENT && entry.status().orElseThrow() == NodeStatus.DISCONNECTED) {
            entry.remove();
            log.debug("Unreachable peer {} removed from the routing table", peer);
        }
    }

    /**
     * {@code address} of {@code peer} could not be reached: it is removed from the peer's routing
     * table entry unless it is the last one (a peer keeps its last address until a pending entry
     * replaces it) and from the queries' address caches.
     */
    public void onAddressReachFailure(Optional<PeerId> peer, Multiaddr address, Instant now) {
        if (peer.isEmpty()) {
            return;
        }
        PeerId p = peer.get();
        Entry<PeerId, Addresses> entry = kbuckets.entry(Key.of(p), now);
        if (entry.kind() == Entry.Kind.PRESENT || entry.kind() == Entry.Kind.PENDING) {
            Optional<Addresses> rest = entry.value().orElseThrow().without(address);
            if (rest.isPresent()) {
                entry.setValue(rest.get());
            } else {
                log.debug("Last address {} of peer {} is unreachable; kept", address, p);
            }
        }
        for (Query<QueryInner> q : queries.queries()) {
            List<Multiaddr> addrs = q.inner().addresses.get(p);
            if (addrs != null) {
                addrs.remove(address);
            }
        }
    }

    /** The node listens on {@code address} (reported to peers as a provider address). */
    public void onNewListenAddress(Multiaddr address) {
        listenAddresses.add(address.withoutPeerId());
    }

    public void onExpiredListenAddress(Multiaddr address) {
        listenAddresses.remove(address.withoutPeerId());
    }

    /** Others see this node at {@code address}; at most 20 such addresses are kept. */
    public void onNewExternalAddress(Multiaddr address) {
        if (externalAddresses.size() < MAX_LOCAL_EXTERNAL_ADDRS) {
            externalAddresses.add(address.withoutPeerId());
        }
    }

    /** The addresses this node reports for itself: listen, then external. */
    public List<Multiaddr> localAddresses() {
        Set<Multiaddr> all = new LinkedHashSet<>(listenAddresses);
        all.addAll(externalAddresses);
        return new ArrayList<>(all);
    }

    /**
     * An inbound request {@code id} from {@code source}. Answers (or resets) are queued as actions;
     * ADD_PROVIDER has no answer unless it is refused (a {@link KademliaAction.ResetStream}).
     *
     * <p>A request over {@code source}'s budget of its type is refused with a stream reset and
     * touches nothing else. A request whose handling throws (a store error, or anything else) is
     * refused the same way; refusals are logged
     * at most once per reason in {@value #REFUSAL_LOG_SECONDS} s.
     * Nothing escapes this method.
     */
    public void onRequest(PeerId source, InboundRequestId id, KadRequest request, Instant now) {
        emit(new KademliaEvent.InboundRequest(source, request));
        if (!requestBudget.tryAcquire(source, request, now)) {
            refuse(source, id, request, KademliaEvent.RefusalReason.RATE_LIMITED, null, now);
            return;
        }
        try {
            if (request instanceof KadRequest.FindNode r) {
                respond(source, id, new KadResponse.FindNode(findClosest(r.key(), source)));
            } else if (request instanceof KadRequest.GetProviders r) {
                List<KadPeer> providers = providerPeers(r.key(), source, now);
                respond(source, id, new KadResponse.GetProviders(findClosest(r.key(), source), providers));
            } else if (request instanceof KadRequest.AddProvider r) {
                providerReceived(source, r.key(), r.provider(), now);
            } else if (request instanceof KadRequest.GetValue r) {
                Optional<DhtRecord> record = store.get(r.key());
                if (record.isPresent() && record.get().isExpired(now)) {
                    store.remove(r.key());
                    record = Optional.empty();
                }
                respond(source, id, new KadResponse.GetValue(record, findClosest(r.key(), source)));
            } else if (request instanceof KadRequest.PutValue r) {
                recordReceived(source, id, r.record(), now);
            } else if (request instanceof KadRequest.Ping) {
                respond(source, id, new KadResponse.Pong());
            }
        } catch (StoreException e) {
            refuse(source, id, request, KademliaEvent.RefusalReason.STORE_ERROR, e, now);
        } catch (RuntimeException e) {
            refuse(source, id, request, KademliaEvent.RefusalReason.FAILED, e, now);
        }
    }

    /**
     * How many inbound requests were refused for {@code reason} since the node started (refusals
     * are also reported one by one as {@link KademliaEvent.RequestRefused}).
     */
    public long refusedRequests(KademliaEvent.RefusalReason reason) {
        return refused[reason.ordinal()];
    }

    private void refuse(PeerId source, InboundRequestId id, KadRequest request, KademliaEvent.RefusalReason reason,
                        RuntimeException error, Instant now) {
        queued.add(new KademliaAction.ResetStream(source, id));
        emit(new KademliaEvent.RequestRefused(source, request, reason));
        int r = reason.ordinal();
        refused[r]++;
        Instant last = refusalLoggedAt[r];
        if (last != null && now.isBefore(last.plus(REFUSAL_LOG_INTERVAL)) && !now.isBefore(last)) {
            refusalsUnlogged[r]++;
            return;
        }
        long unlogged = refusalsUnlogged[r];
        refusalLoggedAt[r] = now;
        refusalsUnlogged[r] = 0;
        String more = unlogged == 0 ? "" : " (" + unlogged + " more refused for this reason since the last line)";
        switch (reason) {
            case RATE_LIMITED -> log.info("Request {} from {} refused: over the peer's budget{}",
                    request.messageType(), source, more);
            case STORE_ERROR -> log.info("Request {} from {} not served: {}{}", request.messageType(), source,
                    error.getMessage(), more);
            case FAILED -> log.warn("Request {} from {} failed; its stream is reset{}", request.messageType(), source,
                    more, error);
        }
    }

    /** The answer of {@code source} to a request of query {@code queryId}. */
    public void onResponse(PeerId source, QueryId queryId, KadResponse response, Instant now) {
        Optional<Query<QueryInner>> found = queries.get(queryId);
        if (found.isEmpty()) {
            return;
        }
        Query<QueryInner> query = found.get();
        QueryInfo info = query.inner().info;
        if (response instanceof KadResponse.FindNode r) {
            discovered(query, source, r.closerPeers(), List.of());
        } else if (response instanceof KadResponse.GetProviders r) {
            if (info instanceof QueryInfo.GetProviders gp) {
                for (KadPeer p : r.providers()) {
                    gp.providers.add(p.id());
                }
            }
            discovered(query, source, r.closerPeers(), r.providers());
        } else if (response instanceof KadResponse.GetValue r) {
            if (info instanceof QueryInfo.GetRecord gr) {
                Optional<DhtRecord> record = r.record().filter(rec -> rec.key().equals(gr.key));
                if (r.record().isPresent() && record.isEmpty()) {
                    log.debug("Peer {} answered a lookup of {} with a record of {}", source, gr.key,
                            r.record().get().key());
                }
                if (record.isPresent()) {
                    gr.records.add(new PeerRecord(Optional.of(source), record.get()));
                    if (gr.records.size() >= gr.quorum) {
                        List<PeerId> peers = new ArrayList<>();
                        for (PeerRecord pr : gr.records) {
                            pr.peer().ifPresent(peers::add);
                        }
                        if (!query.tryFinish(peers)) {
                            log.debug("Query {} reached its quorum {} but cannot finish yet", queryId, gr.quorum);
                        }
                    }
                } else if (config.caching() instanceof Caching.Enabled enabled) {
                    Distance d = Key.of(source).distance(KeyBytes.digestOf(gr.key.toBytes()));
                    gr.cacheCandidates.put(d, source);
                    while (gr.cacheCandidates.size() > enabled.maxPeers()) {
                        gr.cacheCandidates.pollLastEntry();
                    }
                }
            }
            discovered(query, source, r.closerPeers(), List.of());
        } else if (response instanceof KadResponse.PutValue r) {
            if (info instanceof QueryInfo.PutRecord pr && pr.success != null) {
                if (!r.key().equals(pr.record.key())) {
                    log.debug("Peer {} acknowledged a put of {} with key {}", source, pr.record.key(), r.key());
                    query.onFailure(source);
                    return;
                }
                query.onSuccess(source, List.of());
                if (!pr.success.contains(source)) {
                    pr.success.add(source);
                }
                if (pr.success.size() >= pr.quorum && !query.tryFinish(pr.success)) {
                    log.debug("Query {} reached its quorum {} but cannot finish yet", queryId, pr.quorum);
                }
            } else {
                query.onSuccess(source, List.of());
            }
        } else {
            query.onSuccess(source, List.of());
        }
    }

    /** A request of query {@code queryId} to {@code source} failed (refused, reset, timed out). */
    public void onRequestFailure(PeerId source, QueryId queryId, Instant now) {
        queries.get(queryId).ifPresent(q -> q.onFailure(source));
    }

    // ------------------------------------------------------------------------------------------
    // Poll

    /**
     * The next thing to do at {@code now}, or empty when there is nothing until the next input or
     * the next timer ({@link #nextDeadline()}). Runs the periodic jobs, drains routing table changes
     * and steps the queries.
     */
    public Optional<KademliaAction> poll(Instant now) {
        runJobs(now);
        while (true) {
            KademliaAction action = queued.poll();
            if (action != null) {
                return Optional.of(action);
            }
            Optional<AppliedPending<PeerId, Addresses>> applied = kbuckets.takeAppliedPending();
            if (applied.isPresent()) {
                Node<PeerId, Addresses> inserted = applied.get().inserted();
                return Optional.of(new KademliaAction.Emit(new KademliaEvent.RoutingUpdated(
                        inserted.key().preimage(), inserted.value(),
                        applied.get().evicted().map(n -> n.key().preimage()))));
            }
            boolean idle = false;
            while (!idle) {
                QueryPoolState<QueryInner> state = queries.poll(now);
                if (state instanceof QueryPoolState.Finished<QueryInner> f) {
                    KademliaEvent event = queryFinished(f.query(), now);
                    if (event != null) {
                        return Optional.of(new KademliaAction.Emit(event));
                    }
                } else if (state instanceof QueryPoolState.Timeout<QueryInner> t) {
                    KademliaEvent event = queryTimedOut(t.query(), now);
                    if (event != null) {
                        return Optional.of(new KademliaAction.Emit(event));
                    }
                } else if (state instanceof QueryPoolState.Contact<QueryInner> c) {
                    contact(c.query(), c.peer(), now);
                } else {
                    idle = true;
                }
            }
            if (queued.isEmpty()) {
                return Optional.empty();
            }
        }
    }

    /**
     * The earliest instant at which {@link #poll} may have something new to do without new input:
     * a job run; empty when no job is enabled. (Query and peer timeouts are found by polling at
     * least every second while queries run.)
     */
    public Optional<Instant> nextDeadline() {
        Instant next = nextBootstrap;
        if (putRecordJob != null && !putRecordJob.isRunning()) {
            Instant p = putRecordJob.nextRun();
            next = next == null || p.isBefore(next) ? p : next;
        }
        if (addProviderJob != null && !addProviderJob.isRunning()) {
            Instant a = addProviderJob.nextRun();
            next = next == null || a.isBefore(next) ? a : next;
        }
        return Optional.ofNullable(next);
    }

    /** The number of running queries. */
    public int numQueries() {
        return queries.size();
    }

    // ------------------------------------------------------------------------------------------
    // Internals

    private void runJobs(Instant now) {
        if (nextBootstrap != null && !now.isBefore(nextBootstrap)) {
            nextBootstrap = now.plus(config.bootstrapInterval().orElseThrow());
            boolean running = periodicBootstrap != null && queries.get(periodicBootstrap).isPresent();
            if (!running && kbuckets.size() > 0) {
                periodicBootstrap = bootstrap(now);
            }
        }
        int capacity = Math.max(0, JOBS_MAX_QUERIES - queries.size());
        if (addProviderJob != null) {
            int started = 0;
            try {
                while (started < Math.min(JOBS_MAX_NEW_QUERIES, capacity)) {
                    ProviderRecord r = addProviderJob.poll(store, now);
                    if (r == null) {
                        break;
                    }
                    startAddProvider(r.key(), true);
                    started++;
                }
            } catch (StoreException e) {
                log.warn("Provider republication job failed: {}", e.getMessage());
            }
            capacity -= started;
        }
        if (putRecordJob != null) {
            int started = 0;
            try {
                while (started < Math.min(JOBS_MAX_NEW_QUERIES, capacity)) {
                    DhtRecord r = putRecordJob.poll(store, now);
                    if (r == null) {
                        break;
                    }
                    boolean own = r.publisher().map(localId::equals).orElse(false);
                    startPutRecord(r, Quorum.ALL.eval(config.replicationFactor()),
                            own ? QueryContext.REPUBLISH : QueryContext.REPLICATE);
                    started++;
                }
            } catch (StoreException e) {
                log.warn("Record replication job failed: {}", e.getMessage());
            }
        }
    }

    private QueryId startAddProvider(RecordKey key, boolean republish) {
        KeyBytes target = KeyBytes.digestOf(key.toBytes());
        return queries.addIterClosest(target, closestKeys(target),
                new QueryInner(new QueryInfo.AddProvider(key, republish)));
    }

    private QueryId startPutRecord(DhtRecord record, int quorum, QueryContext context) {
        KeyBytes target = KeyBytes.digestOf(record.key().toBytes());
        return queries.addIterClosest(target, closestKeys(target),
                new QueryInner(new QueryInfo.PutRecord(record, quorum, context, true)));
    }

    /** The routing table's keys closest to {@code target}, as a lazily evaluated iterable. */
    private Iterable<Key<PeerId>> closestKeys(KeyBytes target) {
        return () -> kbuckets.closestKeys(target);
    }

    private void contact(Query<QueryInner> query, PeerId peer, Instant now) {
        QueryInfo info = query.inner().info;
        KadRequest request = info.request();
        if (!request.expectsResponse()) {
            // ADD_PROVIDER has no answer: the request counts as a success once handed out.
            query.onSuccess(peer, List.of());
        }
        if (connectedPeers.contains(peer)) {
            queued.add(new KademliaAction.SendRequest(peer, query.id(), request));
        } else if (!peer.equals(localId)) {
            query.inner().pendingRequests.add(new QueryInner.PendingRequest(peer, request));
            queued.add(new KademliaAction.Dial(peer, addressesOf(peer, now)));
        }
    }

    private void discovered(Query<QueryInner> query, PeerId source, List<KadPeer> closer, List<KadPeer> more) {
        List<PeerId> others = new ArrayList<>(closer.size() + more.size());
        Map<PeerId, List<Multiaddr>> cache = query.inner().addresses;
        for (List<KadPeer> list : List.of(closer, more)) {
            for (KadPeer p : list) {
                if (p.id().equals(localId)) {
                    continue;
                }
                others.add(p.id());
                if (!p.addresses().isEmpty()) {
                    cache.put(p.id(), new ArrayList<>(p.addresses()));
                }
            }
        }
        query.onSuccess(source, others);
    }

    /**
     * The k closest peers of the routing table to {@code key}, never {@code source} itself. For a
     * lookup of the local id, the local node comes first (go-libp2p's lookup check wants it).
     */
    private List<KadPeer> findClosest(RecordKey key, PeerId source) {
        KeyBytes target = KeyBytes.digestOf(key.toBytes());
        int k = config.replicationFactor();
        List<KadPeer> out = new ArrayList<>(k);
        if (target.equals(localKey.bytes()) && !localAddresses().isEmpty()) {
            out.add(new KadPeer(localId, localAddresses(), ConnectionType.CONNECTED));
        }
        Iterator<EntryView<PeerId, Addresses>> it = kbuckets.closest(target);
        while (out.size() < k && it.hasNext()) {
            EntryView<PeerId, Addresses> e = it.next();
            PeerId id = e.node().key().preimage();
            if (id.equals(source)) {
                continue;
            }
            out.add(new KadPeer(id, e.node().value().asList(),
                    e.status() == NodeStatus.CONNECTED ? ConnectionType.CONNECTED : ConnectionType.NOT_CONNECTED));
        }
        return out;
    }

    /** The providers of {@code key} known locally, except {@code source}, with addresses. */
    private List<KadPeer> providerPeers(RecordKey key, PeerId source, Instant now) {
        List<KadPeer> out = new ArrayList<>();
        for (ProviderRecord p : store.providers(key)) {
            if (p.provider().equals(source) || p.isExpired(now)) {
                continue;
            }
            List<Multiaddr> addrs = p.addresses();
            if (addrs.isEmpty()) {
                if (p.provider().equals(localId)) {
                    addrs = localAddresses();
                } else {
                    Optional<EntryView<PeerId, Addresses>> e = routingEntry(p.provider(), now);
                    if (e.isEmpty()) {
                        continue;
                    }
                    addrs = e.get().node().value().asList();
                }
            }
            ConnectionType ct = connectedPeers.contains(p.provider()) || p.provider().equals(localId)
                    ? ConnectionType.CONNECTED : ConnectionType.NOT_CONNECTED;
            out.add(new KadPeer(p.provider(), addrs, ct));
        }
        return out;
    }

    private void providerReceived(PeerId source, RecordKey key, KadPeer provider, Instant now) {
        if (!provider.id().equals(source)) {
            log.debug("Peer {} announced {} as a provider of {}: ignored", source, provider.id(), key);
            return;
        }
        if (provider.id().equals(localId)) {
            return;
        }
        ProviderRecord record = new ProviderRecord(key, provider.id(),
                config.providerRecordTtl().map(now::plus), provider.addresses());
        // A store refusal (too many provided keys) reaches onRequest: a reset, logged rate-limited.
        if (!store.addProvider(record)) {
            log.debug("Provider list of {} is full: {} not stored", key, provider.id());
        }
    }

    private void recordReceived(PeerId source, InboundRequestId id, DhtRecord received, Instant now) {
        if (received.publisher().map(localId::equals).orElse(false)) {
            // The publisher's own copy never changes through replication: acknowledge, keep ours.
            respond(source, id, new KadResponse.PutValue(received.key(), received));
            return;
        }
        // Records stored far from the key (beyond the k closest) expire exponentially sooner.
        int between = kbuckets.countNodesBetween(KeyBytes.digestOf(received.key().toBytes()));
        int k = config.replicationFactor();
        int beyondK = Math.max(k, between) - k;
        Optional<Instant> expiration = config.recordTtl().map(ttl -> now.plus(expDecrease(ttl, beyondK)));
        Optional<Instant> expires;
        if (received.expires().isPresent() && expiration.isPresent()) {
            Instant a = received.expires().get();
            Instant b = expiration.get();
            expires = Optional.of(a.isBefore(b) ? a : b);
        } else {
            expires = received.expires().or(() -> expiration);
        }
        DhtRecord record = received.withExpires(expires);
        if (putRecordJob != null) {
            putRecordJob.skip(record.key());
        }
        if (!record.isExpired(now)) {
            store.put(record);
        }
        // Acknowledged even when discarded as expired: the sender saw us among the k closest.
        respond(source, id, new KadResponse.PutValue(record.key(), received));
    }

    /** {@code ttl / 2^exp}, in whole seconds (zero once the shift reaches 64). */
    static Duration expDecrease(Duration ttl, int exp) {
        long secs = ttl.getSeconds();
        return Duration.ofSeconds(exp >= 63 ? 0 : secs >> exp);
    }

    private void connectionUpdated(PeerId peer, Optional<Multiaddr> address, NodeStatus status, Instant now) {
        Entry<PeerId, Addresses> entry = kbuckets.entry(Key.of(peer), now);
        switch (entry.kind()) {
            case PRESENT -> {
                if (address.isPresent()) {
                    Addresses old = entry.value().orElseThrow();
                    Addresses updated = old.with(address.get());
                    if (updated != old) {
                        entry.setValue(updated);
                        emit(new KademliaEvent.RoutingUpdated(peer, updated, Optional.empty()));
                    }
                }
                if (entry.status().orElseThrow() != status) {
                    entry.update(status);
                }
            }
            case PENDING -> {
                if (address.isPresent()) {
                    entry.setValue(entry.value().orElseThrow().with(address.get()));
                }
                if (entry.status().orElseThrow() != status) {
                    entry.update(status);
                }
            }
            case ABSENT -> {
                if (status != NodeStatus.CONNECTED) {
                    return;
                }
                if (address.isEmpty()) {
                    emit(new KademliaEvent.UnroutablePeer(peer));
                } else if (config.bucketInserts() == BucketInserts.MANUAL) {
                    emit(new KademliaEvent.RoutablePeer(peer, address.get()));
                } else {
                    Addresses addresses = Addresses.of(address.get());
                    InsertResult<PeerId> result = entry.insert(addresses, status);
                    if (result instanceof InsertResult.Inserted) {
                        emit(new KademliaEvent.RoutingUpdated(peer, addresses, Optional.empty()));
                    } else if (result instanceof InsertResult.Pending<PeerId> pending) {
                        emit(new KademliaEvent.PendingRoutablePeer(peer, address.get()));
                        PeerId disconnected = pending.disconnected().preimage();
                        queued.add(new KademliaAction.Dial(disconnected, addressesOf(disconnected, now)));
                    } else {
                        log.debug("Bucket full; peer {} not added to the routing table", peer);
                        emit(new KademliaEvent.RoutablePeer(peer, address.get()));
                    }
                }
            }
            default -> {
                // The local node is never in its own routing table.
            }
        }
    }

    private KademliaEvent queryFinished(Query<QueryInner> q, Instant now) {
        QueryId id = q.id();
        QueryInfo info = q.inner().info;
        QueryStats stats = q.stats();
        if (info instanceof QueryInfo.Bootstrap b) {
            ArrayDeque<Key<PeerId>> remaining = b.remaining != null ? b.remaining : bucketRefreshTargets(now);
            int numRemaining = remaining.size();
            Key<PeerId> next = remaining.poll();
            if (next != null) {
                queries.continueIterClosest(id, next.bytes(), closestKeys(next.bytes()),
                        new QueryInner(new QueryInfo.Bootstrap(next.preimage(), remaining)));
            }
            return new KademliaEvent.QueryCompleted(id, new QueryResult.Bootstrap.Ok(b.peer, numRemaining), stats,
                    numRemaining == 0);
        } else if (info instanceof QueryInfo.GetClosestPeers g) {
            return completed(id, new QueryResult.GetClosestPeers.Ok(g.key, q.resultPeers()), stats);
        } else if (info instanceof QueryInfo.GetProviders g) {
            return completed(id, new QueryResult.GetProviders.Ok(g.key, g.providers, q.resultPeers()), stats);
        } else if (info instanceof QueryInfo.AddProvider a) {
            if (a.provider == null) {
                QueryInfo.AddProvider next = a.announcing(localId, localAddresses(), stats);
                queries.continueFixed(id, q.resultPeers(), new QueryInner(next));
                return null;
            }
            return completed(id, new QueryResult.AddProvider.Ok(a.key, a.republish), a.lookupStats.merge(stats));
        } else if (info instanceof QueryInfo.GetRecord g) {
            QueryResult.GetRecord result;
            if (g.records.size() >= g.quorum) {
                List<PeerId> candidates = new ArrayList<>(g.cacheCandidates.values());
                if (g.quorum == 1 && !candidates.isEmpty()) {
                    DhtRecord record = g.records.get(0).record();
                    queries.addFixed(candidates,
                            new QueryInner(new QueryInfo.PutRecord(record, 1, QueryContext.CACHE, false)));
                }
                result = new QueryResult.GetRecord.Ok(g.key, g.records, candidates);
            } else if (g.records.isEmpty()) {
                result = new QueryResult.GetRecord.NotFound(g.key, q.resultPeers());
            } else {
                result = new QueryResult.GetRecord.QuorumFailed(g.key, g.records, g.quorum);
            }
            return completed(id, result, stats);
        } else if (info instanceof QueryInfo.PutRecord p) {
            if (p.success == null) {
                queries.continueFixed(id, q.resultPeers(), new QueryInner(p.storing(stats)));
                return null;
            }
            QueryStats merged = p.lookupStats.merge(stats);
            boolean republish = p.context == QueryContext.REPUBLISH;
            QueryResult.PutRecord result = p.success.size() >= p.quorum
                    ? new QueryResult.PutRecord.Ok(p.record.key(), republish, p.success)
                    : new QueryResult.PutRecord.QuorumFailed(p.record.key(), republish, p.success, p.quorum);
            return switch (p.context) {
                case PUBLISH, CUSTOM, REPUBLISH -> completed(id, result, merged);
                case REPLICATE, CACHE -> {
                    log.debug("Record {} {}: {}", p.record.key(), p.context == QueryContext.CACHE ? "cached" : "replicated",
                            result.isOk() ? "ok" : "quorum failed");
                    yield null;
                }
            };
        }
        throw new IllegalStateException("unknown query kind: " + info);
    }

    private KademliaEvent queryTimedOut(Query<QueryInner> q, Instant now) {
        QueryId id = q.id();
        QueryInfo info = q.inner().info;
        QueryStats stats = q.stats();
        log.debug("Query {} timed out", id);
        if (info instanceof QueryInfo.Bootstrap b) {
            java.util.OptionalInt numRemaining = java.util.OptionalInt.empty();
            boolean last = true;
            if (b.remaining != null) {
                numRemaining = java.util.OptionalInt.of(b.remaining.size());
                Key<PeerId> next = b.remaining.poll();
                if (next != null) {
                    last = false;
                    queries.continueIterClosest(id, next.bytes(), closestKeys(next.bytes()),
                            new QueryInner(new QueryInfo.Bootstrap(next.preimage(), b.remaining)));
                }
            }
            return new KademliaEvent.QueryCompleted(id, new QueryResult.Bootstrap.Timeout(b.peer, numRemaining), stats,
                    last);
        } else if (info instanceof QueryInfo.GetClosestPeers g) {
            return completed(id, new QueryResult.GetClosestPeers.Timeout(g.key, q.resultPeers()), stats);
        } else if (info instanceof QueryInfo.GetProviders g) {
            return completed(id, new QueryResult.GetProviders.Timeout(g.key, g.providers, q.resultPeers()), stats);
        } else if (info instanceof QueryInfo.AddProvider a) {
            return completed(id, new QueryResult.AddProvider.Timeout(a.key, a.republish), a.lookupStats.merge(stats));
        } else if (info instanceof QueryInfo.GetRecord g) {
            return completed(id, new QueryResult.GetRecord.Timeout(g.key, g.records, g.quorum), stats);
        } else if (info instanceof QueryInfo.PutRecord p) {
            List<PeerId> success = p.success == null ? List.of() : p.success;
            QueryStats merged = p.lookupStats.merge(stats);
            boolean republish = p.context == QueryContext.REPUBLISH;
            QueryResult.PutRecord result = new QueryResult.PutRecord.Timeout(p.record.key(), republish, success, p.quorum);
            return switch (p.context) {
                case PUBLISH, CUSTOM, REPUBLISH -> completed(id, result, merged);
                case REPLICATE, CACHE -> {
                    log.debug("{} of record {} timed out", p.context, p.record.key());
                    yield null;
                }
            };
        }
        throw new IllegalStateException("unknown query kind: " + info);
    }

    private static KademliaEvent completed(QueryId id, QueryResult result, QueryStats stats) {
        return new KademliaEvent.QueryCompleted(id, result, stats, true);
    }

    /**
     * One random target per bucket farther than the closest neighbour's. Keys must be peer ids on
     * the wire, so a target is drawn at random, up to 16 times, until it falls into the bucket.
     */
    private ArrayDeque<Key<PeerId>> bucketRefreshTargets(Instant now) {
        ArrayDeque<Key<PeerId>> targets = new ArrayDeque<>();
        List<KBucketView<PeerId, Addresses>> buckets = kbuckets.buckets(now);
        int first = -1;
        for (KBucketView<PeerId, Addresses> b : buckets) {
            if (!b.isEmpty()) {
                first = b.index();
                break;
            }
        }
        if (first < 0) {
            return targets;
        }
        for (int i = first + 1; i < buckets.size(); i++) {
            Key<PeerId> target = Key.of(PeerId.random(random));
            for (int attempt = 1; attempt < BUCKET_TARGET_ATTEMPTS; attempt++) {
                if (localKey.distance(target).bucketIndex() == buckets.get(i).index()) {
                    break;
                }
                target = Key.of(PeerId.random(random));
            }
            targets.add(target);
        }
        return targets;
    }

    private void respond(PeerId peer, InboundRequestId id, KadResponse response) {
        queued.add(new KademliaAction.Respond(peer, id, response));
    }

    private void emit(KademliaEvent event) {
        queued.add(new KademliaAction.Emit(event));
    }

    private static Multiaddr normalize(PeerId peer, Multiaddr address) {
        Optional<PeerId> named = address.peerId();
        if (named.isPresent() && !named.get().equals(peer)) {
            throw new IllegalArgumentException("address " + address + " names peer " + named.get() + ", not " + peer);
        }
        return address.withoutPeerId();
    }
}
