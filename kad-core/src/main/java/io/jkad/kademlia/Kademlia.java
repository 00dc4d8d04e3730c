package io.jkad.kademlia;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.jkad.query.Query;
import io.jkad.query.QueryId;
import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStore;
import io.jkad.record.StoreException;
import io.jkad.validation.InvalidReason;
import io.jkad.validation.InvalidRecordException;
import io.jkad.validation.Validation;
import io.jkad.routing.Addresses;
import io.jkad.routing.EntryView;
import io.jkad.routing.KBucketView;
import io.jkad.routing.KeyBytes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
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
 * (send a request, answer one, dial a peer, report an event), then again at
 * {@link #nextDeadline()} or at the next input, whichever comes first. Time is always a parameter.
 *
 * <p>This class dispatches; the work is its parts': {@link RoutingTable} (the k-buckets and how
 * connection and address events change them), {@link Queries} (the running queries, each kind a
 * {@link QueryState}), {@link InboundRequests} (serving other peers) and {@link PeriodicJobs}.
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

    private final PeerId localId;
    private final KademliaConfig config;
    private final RecordStore store;
    private final Actions actions = new Actions();
    private final LocalAddresses localAddresses = new LocalAddresses();
    private final RoutingTable routing;
    private final Queries queries;
    private final PeriodicJobs jobs;
    private final InboundRequests inbound;
    /** The time of the last poll (from which the queries' deadlines are counted as due). */
    private Instant lastPoll;

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
        Objects.requireNonNull(random, "random");
        this.routing = new RoutingTable(io.jkad.routing.Key.of(localId), config, actions, this::addressesOf);
        this.queries = new Queries(localId, config, routing, localAddresses, actions, random);
        this.jobs = new PeriodicJobs(localId, store, config, now, random);
        this.inbound = new InboundRequests(localId, config, store, routing, localAddresses, jobs, actions);
        this.lastPoll = Objects.requireNonNull(now, "now");
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
        return routing.addAddress(peer, normalize(peer, address), now);
    }

    /**
     * Removes an address of a peer. When it is the peer's last address, the peer leaves the
     * routing table (or its pending slot) and its entry is returned; otherwise empty.
     */
    Optional<EntryView<PeerId, Addresses>> removeAddress(PeerId peer, Multiaddr address, Instant now) {
        return routing.removeAddress(peer, normalize(peer, address), now);
    }

    /** Removes a peer from the routing table (or its pending slot); empty if it was not there. */
    Optional<EntryView<PeerId, Addresses>> removePeer(PeerId peer, Instant now) {
        return routing.removePeer(peer, now);
    }

    /** The non-empty buckets of the routing table, closest to the local key first. */
    public List<KBucketView<PeerId, Addresses>> kbuckets(Instant now) {
        return routing.nonEmptyBuckets(now);
    }

    /** The number of peers in the routing table (pending entries excluded). */
    public int routingTableSize() {
        return routing.size();
    }

    /** The routing table's entry for {@code peer}, if it is present. */
    public Optional<EntryView<PeerId, Addresses>> routingEntry(PeerId peer, Instant now) {
        return routing.present(peer, now);
    }

    /** The peers of the routing table closest to {@code key}, closest first, at most {@code count}. */
    public List<EntryView<PeerId, Addresses>> closestPeers(KeyBytes key, int count) {
        List<EntryView<PeerId, Addresses>> out = new ArrayList<>(Math.min(count, 64));
        Iterator<EntryView<PeerId, Addresses>> it = routing.closest(key);
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
        return queries.addressesOf(peer, now);
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
        if (routing.size() == 0) {
            throw new NoKnownPeersException();
        }
        QueryId id = queries.startLookup(BootstrapQuery.of(localId, now));
        jobs.bootstrapStarted(id);
        return id;
    }

    /** Looks up the k closest peers to {@code key}; reports {@link QueryResult.GetClosestPeers}. */
    /**
     * Records how the running query {@code id} goes from now on: its completion
     * ({@link KademliaEvent.QueryCompleted#trace()}) then carries a {@link io.jkad.query.QueryTrace}.
     * Nothing if the query is not running.
     */
    public void trace(QueryId id) {
        queries.trace(id);
    }

    /**
     * Lookups started from now on choose whom to ask with {@code strategy} (see
     * {@link KademliaConfig#lookupStrategy()}, which sets it at the start); running ones keep
     * theirs. For comparing strategies on one network, as {@code kad sim --strategy both} does.
     */
    public void setLookupStrategy(io.jkad.query.LookupStrategy strategy) {
        queries.setLookupStrategy(strategy);
    }

    /** The strategy of lookups started from now on. */
    public io.jkad.query.LookupStrategy lookupStrategy() {
        return queries.lookupStrategy();
    }

    public QueryId getClosestPeers(RecordKey key) {
        return queries.startLookup(new ClosestPeersQuery(key));
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
        Optional<DhtRecord> local = Optional.empty();
        try {
            Optional<DhtRecord> stored = store.get(key);
            if (stored.isPresent() && (stored.get().isExpired(now)
                    || !config.validators().validate(key, stored.get().value(), now).isValid())) {
                store.remove(key);
            } else {
                local = stored;
            }
        } catch (StoreException e) {
            log.warn("Local lookup of {} failed: {}", key, e.getMessage());
        }
        GetRecordQuery state = new GetRecordQuery(key, quorum.eval(config.replicationFactor()), local);
        QueryId id = queries.startLookup(state);
        if (state.quorumReached()) {
            queries.get(id).orElseThrow().finish();
        }
        return id;
    }

    /**
     * Stores {@code record} locally, published by this node, then at the k closest peers; reports
     * {@link QueryResult.PutRecord}. A record without an expiry never expires locally but is sent
     * with the record TTL, and is republished with a fresh one every publication interval.
     *
     * <p>The record must be valid for its namespace's validator; one with an end of life (an IPNS
     * record) expires locally then.
     *
     * @throws InvalidRecordException if the validator refuses it (nothing is stored or sent then)
     * @throws StoreException if the local store refuses the record (nothing is sent then)
     */
    public QueryId putRecord(DhtRecord record, Quorum quorum, Instant now) {
        Optional<Instant> validUntil = validUntil(record, now);
        refuseIfWorseThanHeld(record, now);
        DhtRecord own = record.withPublisher(Optional.of(localId))
                .withExpires(InboundRequests.earliest(record.expires(), validUntil));
        store.put(own);
        DhtRecord sent = own.expires().isPresent() ? own : own.withExpires(config.recordTtl().map(now::plus));
        int q = quorum.eval(config.replicationFactor());
        return queries.startLookup(PutRecordQuery.lookup(sent, q, QueryContext.PUBLISH));
    }

    /**
     * Stores {@code record} at the given peers only, not locally (to refresh or cache a record at
     * chosen peers). The quorum is relative to the number of distinct peers; with no peers the
     * query fails at once with a quorum failure. Reports {@link QueryResult.PutRecord}.
     */
    public QueryId putRecordTo(DhtRecord record, Collection<PeerId> peers, Quorum quorum, Instant now) {
        validUntil(record, now);
        Set<PeerId> distinct = new LinkedHashSet<>(peers);
        distinct.remove(localId);
        int q = distinct.isEmpty() ? 1 : quorum.eval(distinct.size());
        DhtRecord sent = record.expires().isPresent() ? record : record.withExpires(config.recordTtl().map(now::plus));
        return queries.startFixed(new ArrayList<>(distinct), PutRecordQuery.storing(sent, q, QueryContext.CUSTOM));
    }

    /**
     * Checks {@code record} with its namespace's validator: when it has one, the end of its validity.
     *
     * @throws InvalidRecordException if it is invalid
     */
    private Optional<Instant> validUntil(DhtRecord record, Instant now) {
        Validation v = config.validators().validate(record.key(), record.value(), now);
        if (v instanceof Validation.Invalid invalid) {
            throw new InvalidRecordException(record.key(), invalid);
        }
        return ((Validation.Valid) v).validUntil();
    }

    /**
     * Refuses a record worse than the valid one the store holds under its key (a lower IPNS
     * sequence), as go's {@code PutValue} does: publishing it would replace a newer value with an
     * older one.
     *
     * @throws InvalidRecordException ({@link InvalidReason#OUTDATED}) if it is
     */
    private void refuseIfWorseThanHeld(DhtRecord record, Instant now) {
        Optional<DhtRecord> held = store.get(record.key()).filter(r -> !r.isExpired(now));
        if (held.isPresent() && config.validators().isWorse(record.key(), record.value(), held.get().value(), now)) {
            throw new InvalidRecordException(record.key(), Validation.invalid(InvalidReason.OUTDATED,
                    "the node holds a better record under this key (an older value cannot replace a newer one)"));
        }
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
        jobs.provided(now);
        return queries.startLookup(AddProviderQuery.lookup(key, false));
    }

    /**
     * Stops announcing this node as a provider of {@code key} (a local operation: the records at
     * other peers expire in time).
     */
    public void stopProviding(RecordKey key) {
        store.removeProvider(key, localId);
        jobs.stopped(key);
    }

    /**
     * Checks how well {@code key} is provided: looks up its k closest peers, then asks each for the
     * key's providers; reports {@link QueryResult.ProviderAudit} with those that list this node.
     * The reprovide sweep's audit ({@code kad provide audit}) runs it on a sample of the keys.
     */
    public QueryId auditProvider(RecordKey key) {
        return queries.startLookup(ProviderAuditQuery.of(key));
    }

    /**
     * Announces every provided key again now, instead of spread over the interval: the reprovide
     * sweep makes every region due and goes through them all at once, then keeps to its schedule
     * from there (each region next due one interval later). Nothing without the sweep.
     */
    public void reprovideNow(Instant now) {
        jobs.reprovideNow(now);
    }

    /**
     * Where the reprovide sweep stands ({@link ReprovideStrategy#SWEEP}); empty when the node
     * announces its keys again key by key, or not at all.
     */
    public Optional<ReprovideStatus> reprovideStatus(Instant now) {
        return jobs.sweepStatus(now, queries.networkSize());
    }

    /**
     * The estimate of the number of nodes in the network (this one included), from the closest
     * peers of recent lookups or, before there are enough, from the routing table (see
     * {@link NetworkSize}); empty when the node knows too few peers to tell.
     */
    public java.util.OptionalDouble networkSizeEstimate() {
        return queries.networkSize();
    }

    /**
     * Looks up the providers of {@code key}; reports {@link QueryResult.GetProviders}. The valid
     * provider records of the local store (this node's own, if it provides the key, and those
     * others announced to it) are part of the result; the reference (0.29) asked only the network,
     * so a node that stored a provider record could not find it itself.
     */
    public QueryId getProviders(RecordKey key, Instant now) {
        return getProviders(key, Integer.MAX_VALUE, now);
    }

    /**
     * As {@link #getProviders(RecordKey, Instant)}, stopping as soon as {@code enough} providers are
     * known (as go-libp2p-kad-dht's {@code FindProvidersAsync} does with its count): a node that
     * needs one provider does not wait for the whole lookup.
     *
     * @throws IllegalArgumentException if {@code enough} is below 1
     */
    public QueryId getProviders(RecordKey key, int enough, Instant now) {
        if (enough < 1) {
            throw new IllegalArgumentException("enough must be >= 1: " + enough);
        }
        List<PeerId> local = new ArrayList<>();
        try {
            for (ProviderRecord p : store.providers(key)) {
                if (!p.isExpired(now)) {
                    local.add(p.provider());
                }
            }
        } catch (StoreException e) {
            log.warn("Local provider lookup of {} failed: {}", key, e.getMessage());
        }
        GetProvidersQuery query = new GetProvidersQuery(key, local, enough);
        QueryId id = queries.startLookup(query);
        if (query.satisfied()) {
            queries.get(id).orElseThrow().finish();
        }
        return id;
    }

    /** The running queries, oldest first. */
    List<RunningQuery> queries() {
        List<RunningQuery> out = new ArrayList<>(queries.size());
        for (Query<QueryInner> q : queries.all()) {
            if (!q.isFinished()) {
                out.add(new RunningQuery(q));
            }
        }
        return out;
    }

    /** The running query {@code id}, if it has not finished. */
    Optional<RunningQuery> query(QueryId id) {
        return queries.get(id).filter(q -> !q.isFinished()).map(RunningQuery::new);
    }

    // ------------------------------------------------------------------------------------------
    // Network input

    /** A first connection to {@code peer} is established: requests waiting for it are released. */
    public void onConnected(PeerId peer, Instant now) {
        routing.onConnected(peer);
        queries.onConnected(peer, now);
    }

    /**
     * {@code peer} speaks this node's Kademlia protocol on a connection: it is marked connected in
     * the routing table, and inserted (per the insert strategy) when we dialed it, since only then
     * is the remote address a listen address.
     */
    public void onProtocolConfirmed(PeerId peer, Endpoint endpoint, Instant now) {
        routing.onProtocolConfirmed(peer, endpoint, now);
        jobs.firstPeer(() -> routing.present(peer, now).isPresent(), now);
    }

    /**
     * {@code peer} confirmed the protocol and told us its listen addresses (libp2p Identify): like
     * {@link #onProtocolConfirmed} from the dialer side, with the first address, then the others added.
     */
    public void onProtocolConfirmed(PeerId peer, List<Multiaddr> listenAddresses, Instant now) {
        routing.onProtocolConfirmed(peer, listenAddresses, now);
        jobs.firstPeer(() -> routing.present(peer, now).isPresent(), now);
    }

    /** The last connection to {@code peer} closed: its requests in flight failed. */
    public void onDisconnected(PeerId peer, Instant now) {
        queries.onDisconnected(peer, now);
        routing.onDisconnected(peer, now);
    }

    /** A connection's remote address changed: the routing table and the queries' address caches follow. */
    void onAddressChange(PeerId peer, Multiaddr old, Multiaddr replacement, Instant now) {
        routing.onAddressChange(peer, old, replacement, now);
        queries.onAddressChange(peer, old, replacement);
    }

    /**
     * Dialing {@code peer} failed at all its addresses: the queries waiting for it count it as
     * failed, and a disconnected routing table entry of it is dropped while this node is connected
     * to other peers (so an outage of our own network does not empty the table). The reference
     * keeps such entries until a pending entry replaces them, which never happens in buckets that
     * are not full; go-libp2p-kad-dht drops peers whose requests fail, as we do for dials.
     */
    public void onDialFailure(PeerId peer, Instant now) {
        queries.onDialFailure(peer, now);
        routing.onDialFailure(peer, now);
    }

    /**
     * Dialing {@code peer} failed, but its host took the connection and cut it off before it was
     * upgraded: it is there and refused, most likely for one of its limits (a handshake rate, its
     * connections). The queries waiting for it count it as failed, as for {@link #onDialFailure},
     * but its routing table entry is kept: a busy peer is not a gone one (the reference keeps an
     * entry through any failed dial). In a 1,000-node devnet this kept about two thirds of the
     * entries failed dials used to remove; the few nodes that end with nearly empty tables there
     * never had their entries, so it does not help them.
     */
    public void onDialRefused(PeerId peer, Instant now) {
        queries.onDialFailure(peer, now);
    }

    /**
     * {@code address} of {@code peer} could not be reached: it is removed from the peer's routing
     * table entry unless it is the last one (a peer keeps its last address until a pending entry
     * replaces it) and from the queries' address caches.
     */
    public void onAddressReachFailure(Optional<PeerId> peer, Multiaddr address, Instant now) {
        if (peer.isPresent()) {
            routing.onAddressReachFailure(peer.get(), address, now);
            queries.onAddressReachFailure(peer.get(), address);
        }
    }

    /** The node listens on {@code address} (reported to peers as a provider address). */
    public void onNewListenAddress(Multiaddr address) {
        localAddresses.addListen(address);
    }

    /** Others see this node at {@code address}; at most 20 such addresses are kept. */
    public void onNewExternalAddress(Multiaddr address) {
        localAddresses.addExternal(address);
    }

    /**
     * An inbound request {@code id} from {@code source}. Answers (or resets) are queued as actions;
     * ADD_PROVIDER has no answer unless it is refused (a {@link KademliaAction.ResetStream}).
     *
     * <p>A request over {@code source}'s budget of its type is refused with a stream reset and
     * touches nothing else. A request whose handling throws (a store error, or anything else) is
     * refused the same way; refusals are logged
     * at most once per reason in {@value InboundRequests#REFUSAL_LOG_SECONDS} s.
     * Nothing escapes this method.
     */
    public void onRequest(PeerId source, InboundRequestId id, KadRequest request, Instant now) {
        inbound.onRequest(source, id, request, now);
    }

    /**
     * How many inbound requests were refused for {@code reason} since the node started (refusals
     * are also reported one by one as {@link KademliaEvent.RequestRefused}).
     */
    public long refusedRequests(KademliaEvent.RefusalReason reason) {
        return inbound.refusedRequests(reason);
    }

    /** The answer of {@code source} to a request of query {@code queryId}. */
    public void onResponse(PeerId source, QueryId queryId, KadResponse response, Instant now) {
        queries.onResponse(source, queryId, response, now);
    }

    /** A request of query {@code queryId} to {@code source} failed (refused, reset, timed out). */
    public void onRequestFailure(PeerId source, QueryId queryId, Instant now) {
        queries.onRequestFailure(source, queryId, now);
    }

    // ------------------------------------------------------------------------------------------
    // Poll

    /**
     * The next thing to do at {@code now}, or empty when there is nothing until the next input or
     * the next timer ({@link #nextDeadline()}). Runs the periodic jobs, drains routing table changes
     * and steps the queries.
     */
    public Optional<KademliaAction> poll(Instant now) {
        lastPoll = now;
        jobs.run(now, queries, routing);
        while (true) {
            KademliaAction action = actions.poll();
            if (action != null) {
                return Optional.of(action);
            }
            // routing table changes first, then the jobs' events, then the queries (no lambdas: this runs per poll)
            Optional<KademliaEvent> event = routing.takeAppliedPending();
            if (event.isEmpty()) {
                event = jobs.takeEvent();
            }
            if (event.isEmpty()) {
                event = queries.poll(now);
            }
            if (event.isPresent()) {
                keepBest(event.get(), now);
                return Optional.of(new KademliaAction.Emit(event.get()));
            }
            if (actions.isEmpty()) {
                return Optional.empty();
            }
        }
    }

    /**
     * The earliest instant at which {@link #poll} may have something new to do without new input:
     * a job run, a query's timeout, or a peer's request timeout within a query (which lets the
     * query ask the next peer); never before the last poll, and equal to it when a step is due at
     * once (a peer that timed out freed a slot the last poll did not use yet). Empty when only
     * input can change anything. A driver polls at this instant, or at the next input, whichever
     * comes first; a deadline not after the last poll means: poll again now.
     */
    public Optional<Instant> nextDeadline() {
        // nullable rather than Optionals and a lambda: the simulator asks after every drive of a node
        Instant job = jobs.nextRunOrNull();
        Instant query = queries.nextDeadlineOrNull(lastPoll);
        if (job == null) {
            return Optional.ofNullable(query);
        }
        return Optional.of(query == null ? job : PeriodicJobs.earlier(job, query));
    }

    /**
     * Where each enabled periodic job stands: its interval, its last start and its next run, in
     * the time this state machine was given.
     */
    public java.util.List<JobSchedule> jobs() {
        return jobs.schedule();
    }

    /**
     * After a lookup that found copies of a record, the local copy it started with (from another
     * publisher) is replaced by the best one, when they differ: the local store keeps the best.
     */
    private void keepBest(KademliaEvent event, Instant now) {
        if (!(event instanceof KademliaEvent.QueryCompleted c)) {
            return;
        }
        List<PeerRecord> found = c.result() instanceof QueryResult.GetRecord.Ok ok ? ok.records()
                : c.result() instanceof QueryResult.GetRecord.QuorumFailed f ? f.records() : List.of();
        if (found.isEmpty()) {
            return;
        }
        PeerRecord best = found.get(0);
        boolean outdatedLocal = found.stream().anyMatch(pr -> pr.peer().isEmpty()
                && !pr.record().publisher().map(localId::equals).orElse(false)
                && !java.util.Arrays.equals(pr.record().value(), best.record().value()));
        if (best.peer().isEmpty() || !outdatedLocal) {
            return;
        }
        try {
            Validation v = config.validators().validate(best.record().key(), best.record().value(), now);
            if (v instanceof Validation.Valid valid) {
                DhtRecord r = best.record();
                store.put(r.withExpires(InboundRequests.earliest(r.expires().or(() -> config.recordTtl().map(now::plus)),
                        valid.validUntil())));
            }
        } catch (StoreException e) {
            log.warn("The better copy of {} was not stored: {}", best.record().key(), e.getMessage());
        }
    }

    /** The number of running queries. */
    public int numQueries() {
        return queries.size();
    }

    private static Multiaddr normalize(PeerId peer, Multiaddr address) {
        Optional<PeerId> named = address.peerId();
        if (named.isPresent() && !named.get().equals(peer)) {
            throw new IllegalArgumentException("address " + address + " names peer " + named.get() + ", not " + peer);
        }
        return address.withoutPeerId();
    }
}
