package io.jkad.kademlia;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.protocol.KadPeer;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.jkad.query.PeerRtts;
import io.jkad.query.Query;
import io.jkad.query.QueryId;
import io.jkad.query.QueryPool;
import io.jkad.query.QueryPoolState;
import io.jkad.query.QueryStats;
import io.jkad.routing.Key;
import io.jkad.routing.KeyBytes;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running queries of a {@link Kademlia} node and what is common to all kinds: starting them,
 * sending their requests (dialing first when the peer is not connected), learning peers'
 * addresses from answers, and stepping the {@link QueryPool}, whose finished and timed-out queries
 * go to their {@link QueryState}. What a kind does with an answer, and what it reports, is the
 * kind's.
 */
final class Queries {
    private static final Logger log = LoggerFactory.getLogger(Queries.class);

    private final PeerId localId;
    private final KademliaConfig config;
    private final QueryPool<QueryInner> pool;
    private final RoutingTable routing;
    private final LocalAddresses localAddresses;
    private final Actions actions;
    private final Random random;
    private final NetworkSize networkSize = new NetworkSize();
    /** Round trips of this node's requests, for the tuned lookup strategy (bounded). */
    private final PeerRtts rtts = new PeerRtts(PeerRtts.DEFAULT_CAPACITY);

    Queries(PeerId localId, KademliaConfig config, RoutingTable routing, LocalAddresses localAddresses,
            Actions actions, Random random) {
        this.localId = localId;
        this.config = config;
        this.pool = new QueryPool<>(config.queryConfig(), config.lookupStrategy(), new io.jkad.query.LookupHints() {
            @Override
            public long expectedNanos(PeerId peer) {
                return expectedAnswerNanos(peer);
            }

            @Override
            public double networkSize() {
                return Queries.this.networkSize().orElse(Double.NaN);
            }

            @Override
            public void dialAhead(PeerId peer, Instant now) {
                Queries.this.dialAhead(peer, now);
            }

            @Override
            public boolean isConnected(PeerId peer) {
                return Queries.this.routing.isConnected(peer);
            }
        });
        this.routing = routing;
        this.localAddresses = localAddresses;
        this.actions = actions;
        this.random = random;
    }

    // ------------------------------------------------------------------------------------------
    // For the query kinds

    PeerId localId() {
        return localId;
    }

    List<Multiaddr> localAddresses() {
        return localAddresses.all();
    }

    Caching caching() {
        return config.caching();
    }

    io.jkad.validation.Validators validators() {
        return config.validators();
    }

    /** The targets of a bootstrap's bucket refreshes (see {@link RoutingTable#refreshTargets}). */
    ArrayDeque<Key<PeerId>> refreshTargets(Instant now) {
        return routing.refreshTargets(random, now);
    }

    /** Whether a bootstrap started at {@code since} should refresh the bucket of {@code target} (see {@link RoutingTable#needsRefresh}). */
    boolean needsRefresh(Key<PeerId> target, Instant since) {
        return routing.needsRefresh(target, since);
    }

    /** Starts a lookup of the closest peers to {@code state}'s key, then run by {@code state}. */
    QueryId startLookup(QueryState state) {
        KeyBytes target = KeyBytes.digestOf(state.key().toBytes());
        return pool.addIterClosest(target, routing.closestKeys(target), new QueryInner(state), state.mayEndEarly());
    }

    /** Starts a query of the given peers, run by {@code state}. */
    QueryId startFixed(Collection<PeerId> peers, QueryState state) {
        return pool.addFixed(peers, new QueryInner(state));
    }

    /** As {@link #startFixed(Collection, QueryState)}, with addresses to dial the peers at (learned by earlier queries). */
    QueryId startFixed(Collection<PeerId> peers, QueryState state, Map<PeerId, List<Multiaddr>> addresses) {
        QueryInner inner = new QueryInner(state);
        for (PeerId p : peers) {
            List<Multiaddr> a = addresses.get(p);
            if (a != null && !a.isEmpty()) {
                inner.addresses.put(p, List.copyOf(a));
            }
        }
        return pool.addFixed(peers, inner);
    }

    /** The estimate of the network's size from recent lookups only; empty before there are enough. */
    java.util.OptionalDouble networkSizeFromLookups() {
        return networkSize.lookups() >= NetworkSize.MIN_LOOKUPS ? networkSize() : java.util.OptionalDouble.empty();
    }

    /** The estimate of the network's size (see {@link NetworkSize}). */
    java.util.OptionalDouble networkSize() {
        KeyBytes local = Key.of(localId).bytes();
        List<PeerId> closest = new ArrayList<>(NetworkSize.MAX_PER_LOOKUP);
        Iterator<Key<PeerId>> it = routing.closestKeys(local).iterator();
        while (closest.size() < NetworkSize.MAX_PER_LOOKUP && it.hasNext()) {
            closest.add(it.next().preimage());
        }
        return networkSize.estimate(local, closest);
    }

    /** Continues the finished query {@code id} with a lookup of {@code next}'s key (its next phase). */
    void continueLookup(Query<QueryInner> previous, QueryState next) {
        KeyBytes target = KeyBytes.digestOf(next.key().toBytes());
        pool.continueIterClosest(previous.id(), target, routing.closestKeys(target), new QueryInner(next),
                previous.trace());
    }

    /** Continues the finished query {@code id} at the given peers (its next phase). */
    void continueFixed(Query<QueryInner> previous, Collection<PeerId> peers, QueryState next) {
        pool.continueFixed(previous.id(), peers, new QueryInner(next), previous.trace());
    }

    /** Records how the query {@code id} goes, if it is running; its completion then carries the trace. */
    void trace(QueryId id) {
        pool.get(id).ifPresent(q -> q.enableTrace(KeyBytes.digestOf(q.inner().state.key().toBytes())));
    }

    /**
     * Reports an answer to the query's iterator: the closer peers (and providers) it names, whose
     * addresses are kept for dialing them; other answers count as a plain success.
     */
    void discovered(Query<QueryInner> query, PeerId source, KadResponse response) {
        if (response instanceof KadResponse.FindNode r) {
            discovered(query, source, r.closerPeers(), List.of());
        } else if (response instanceof KadResponse.GetProviders r) {
            discovered(query, source, r.closerPeers(), r.providers());
        } else if (response instanceof KadResponse.GetValue r) {
            discovered(query, source, r.closerPeers(), List.of());
        } else {
            query.onSuccess(source, List.of());
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
                    cache.put(p.id(), p.addresses());
                }
            }
        }
        query.onSuccess(source, others);
    }

    static Optional<KademliaEvent> completed(Query<QueryInner> query, QueryResult result) {
        return Optional.of(completed(query, result, query.stats()));
    }

    /** The completion of {@code query} with these statistics (of all its phases), and its trace if traced. */
    static KademliaEvent completed(Query<QueryInner> query, QueryResult result, QueryStats stats) {
        return new KademliaEvent.QueryCompleted(query.id(), result, stats, true, query.trace());
    }

    /**
     * How long an answer of {@code peer} is expected to take if asked now: its smoothed round trip
     * (or the mean over all peers when never measured), three times that when a connection must be
     * dialed first (a handshake takes about two round trips).
     */
    long expectedAnswerNanos(PeerId peer) {
        long rtt = rtts.expectedNanos(peer);
        return routing.isConnected(peer) ? rtt : 3 * rtt;
    }

    /**
     * Connects to {@code peer} ahead of a request a lookup will most likely send it (the transport
     * joins a dial already under way, or reports a connection it has); a failed dial reaches the
     * queries as {@link #onDialFailure}.
     */
    void dialAhead(PeerId peer, Instant now) {
        if (!peer.equals(localId) && !routing.isConnected(peer)) {
            actions.dial(peer, addressesOf(peer, now));
        }
    }

    /** Lookups started from now on use {@code strategy}. */
    void setLookupStrategy(io.jkad.query.LookupStrategy strategy) {
        pool.setLookupStrategy(strategy);
    }

    io.jkad.query.LookupStrategy lookupStrategy() {
        return pool.lookupStrategy();
    }

    /** The round trips this node measured. */
    PeerRtts rtts() {
        return rtts;
    }

    // ------------------------------------------------------------------------------------------
    // For the node

    int size() {
        return pool.size();
    }

    Optional<Query<QueryInner>> get(QueryId id) {
        return pool.get(id);
    }

    Collection<Query<QueryInner>> all() {
        return pool.queries();
    }

    /**
     * The running queries to loop over: a shared empty list when there are none (most peers'
     * connection events find no query running, and the pool's view would make an iterator each time).
     */
    private Collection<Query<QueryInner>> running() {
        return pool.size() == 0 ? Collections.emptyList() : pool.queries();
    }

    /** The known addresses of {@code peer}: the routing table's, then those the queries learned. */
    List<Multiaddr> addressesOf(PeerId peer, Instant now) {
        // The table's list has no duplicates; a short list dedups by scanning, without a set per dial.
        List<Multiaddr> out = new ArrayList<>(routing.addresses(peer, now));
        for (Query<QueryInner> q : running()) {
            List<Multiaddr> addrs = q.inner().addresses.get(peer);
            if (addrs == null) {
                continue;
            }
            if (out.size() + addrs.size() > 16) {
                Set<Multiaddr> set = new LinkedHashSet<>(out);
                set.addAll(addrs);
                out = new ArrayList<>(set);
                continue;
            }
            for (Multiaddr a : addrs) {
                if (!out.contains(a)) {
                    out.add(a);
                }
            }
        }
        return out;
    }

    /** Sends the requests that waited for a connection to {@code peer}. */
    void onConnected(PeerId peer, Instant now) {
        for (Query<QueryInner> q : running()) {
            Iterator<QueryInner.PendingRequest> it = q.inner().pendingRequests.iterator();
            while (it.hasNext()) {
                QueryInner.PendingRequest p = it.next();
                if (p.peer().equals(peer)) {
                    it.remove();
                    if (!p.requests().get(0).expectsResponse()) {
                        q.onSuccess(peer, List.of());
                    } else {
                        q.inner().sentAt.put(peer, now);
                    }
                    actions.add(send(peer, q.id(), p.requests()));
                }
            }
        }
    }

    /** The requests in flight to {@code peer} failed. */
    void onDisconnected(PeerId peer, Instant now) {
        for (Query<QueryInner> q : running()) {
            q.traceFailure(peer, "disconnected", now);
            q.onFailure(peer);
        }
    }

    /** {@code peer} could not be dialed: the requests waiting for it failed. */
    void onDialFailure(PeerId peer, Instant now) {
        for (Query<QueryInner> q : running()) {
            q.inner().pendingRequests.removeIf(p -> p.peer().equals(peer));
            q.traceFailure(peer, "dial failed", now);
            q.onFailure(peer);
            q.onUnreachable(peer);
        }
    }

    void onAddressChange(PeerId peer, Multiaddr old, Multiaddr replacement) {
        for (Query<QueryInner> q : running()) {
            List<Multiaddr> addrs = q.inner().addresses.get(peer);
            if (addrs != null && addrs.contains(old)) {
                List<Multiaddr> changed = new ArrayList<>(addrs);
                changed.replaceAll(a -> a.equals(old) ? replacement : a);
                q.inner().addresses.put(peer, List.copyOf(changed));
            }
        }
    }

    void onAddressReachFailure(PeerId peer, Multiaddr address) {
        for (Query<QueryInner> q : running()) {
            List<Multiaddr> addrs = q.inner().addresses.get(peer);
            if (addrs != null && addrs.contains(address)) {
                List<Multiaddr> changed = new ArrayList<>(addrs);
                changed.remove(address);
                q.inner().addresses.put(peer, List.copyOf(changed));
            }
        }
    }

    void onResponse(PeerId source, QueryId id, KadResponse response, Instant now) {
        pool.get(id).ifPresent(q -> {
            Instant sent = q.inner().sentAt.remove(source);
            if (sent != null) {
                rtts.record(source, java.time.Duration.between(sent, now));
            }
            q.traceAnswer(source, closerCount(response), now);
            q.inner().state.onResponse(q, source, response, this, now);
        });
    }

    private static int closerCount(KadResponse response) {
        if (response instanceof KadResponse.FindNode r) {
            return r.closerPeers().size();
        }
        if (response instanceof KadResponse.GetProviders r) {
            return r.closerPeers().size();
        }
        if (response instanceof KadResponse.GetValue r) {
            return r.closerPeers().size();
        }
        return 0;
    }

    void onRequestFailure(PeerId source, QueryId id, Instant now) {
        pool.get(id).ifPresent(q -> {
            q.traceFailure(source, "request failed", now);
            q.onFailure(source);
        });
    }

    /**
     * Steps the queries: requests are queued as actions; the first finished or timed-out query
     * that reports something gives its event; empty when all queries wait.
     */
    Optional<KademliaEvent> poll(Instant now) {
        while (true) {
            QueryPoolState<QueryInner> state = pool.poll(now);
            Optional<KademliaEvent> event = Optional.empty();
            if (state instanceof QueryPoolState.Finished<QueryInner> f) {
                QueryState finished = f.query().inner().state;
                if (finished.isWholeLookup()) {
                    networkSize.onLookup(KeyBytes.digestOf(finished.key().toBytes()), f.query().resultPeers());
                }
                event = finished.onFinished(f.query(), this, now);
            } else if (state instanceof QueryPoolState.Timeout<QueryInner> t) {
                log.debug("Query {} timed out", t.query().id());
                event = t.query().inner().state.onTimeout(t.query(), this, now);
            } else if (state instanceof QueryPoolState.Contact<QueryInner> c) {
                contact(c.query(), c.peer(), now);
            } else {
                return Optional.empty();
            }
            if (event.isPresent()) {
                return event;
            }
        }
    }

    /**
     * The earliest instant at which a running query times out or one of its peers does (see
     * {@link Query#nextDeadline}); {@code lastPoll} is the time of the last poll. Null when no query
     * runs or none has a deadline.
     */
    Instant nextDeadlineOrNull(Instant lastPoll) {
        Instant next = null;
        for (Query<QueryInner> q : running()) {
            Optional<Instant> d = q.nextDeadline(lastPoll);
            if (d.isPresent() && (next == null || d.get().isBefore(next))) {
                next = d.get();
            }
        }
        return next;
    }

    private void contact(Query<QueryInner> query, PeerId peer, Instant now) {
        List<KadRequest> requests = query.inner().state.requests(peer);
        boolean answered = requests.get(0).expectsResponse();
        if (routing.isConnected(peer)) {
            if (!answered) {
                // ADD_PROVIDER has no answer: the request counts as a success once handed out.
                query.onSuccess(peer, List.of());
            } else {
                query.inner().sentAt.put(peer, now);
            }
            actions.add(send(peer, query.id(), requests));
        } else if (!peer.equals(localId)) {
            // handed out once connected (onConnected), or failed with the dial; until then the
            // query waits for it, so that one without answers does not end and drop it
            query.inner().pendingRequests.add(new QueryInner.PendingRequest(peer, requests));
            actions.dial(peer, addressesOf(peer, now));
        } else if (!answered) {
            query.onSuccess(peer, List.of());
        }
    }

    private static KademliaAction send(PeerId peer, QueryId id, List<KadRequest> requests) {
        return requests.size() == 1 ? new KademliaAction.SendRequest(peer, id, requests.get(0))
                : new KademliaAction.SendRequests(peer, id, requests);
    }
}
