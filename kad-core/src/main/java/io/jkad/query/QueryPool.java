package io.jkad.query;

import io.jkad.identity.PeerId;
import io.jkad.routing.Key;
import io.jkad.routing.KeyBytes;
import java.time.Instant;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Objects;
import java.util.Optional;

/**
 * The running queries of a node. {@link #poll} steps them in insertion order and reports the
 * first that wants a request sent, has finished or has timed out. Deterministic: no clock, no
 * hash-order iteration.
 *
 * <p>Not thread-safe: a pool belongs to the thread that drives the Kademlia state machine.
 *
 * @param <T> the caller's per-query state
 */
public final class QueryPool<T> {

    @SuppressWarnings("rawtypes")
    private static final QueryPoolState.Idle IDLE = new QueryPoolState.Idle<>();
    @SuppressWarnings("rawtypes")
    private static final QueryPoolState.Waiting WAITING = new QueryPoolState.Waiting<>();

    private final QueryConfig config;
    private final ClosestPeersIterConfig closestConfig;
    /** The running queries in insertion order (continued queries go to the end). */
    private final LinkedHashMap<QueryId, Query<T>> queries = new LinkedHashMap<>();
    private final Collection<Query<T>> queriesView = Collections.unmodifiableCollection(queries.values());
    private long nextId;
    private LookupStrategy strategy;
    /** For {@link LookupStrategy#TUNED}: peers' expected answer times and the network's size. */
    private final LookupHints hints;

    /**
     * A pool whose lookups use the reference's iteration.
     *
     * @throws NullPointerException if {@code config} is null
     */
    public QueryPool(QueryConfig config) {
        this(config, LookupStrategy.REFERENCE, LookupHints.NONE);
    }

    /**
     * A pool whose lookups (not disjoint ones) use {@code strategy}; the tuned strategy consults
     * {@code hints} (it prefers quick peers and hedges slow requests).
     */
    public QueryPool(QueryConfig config, LookupStrategy strategy, LookupHints hints) {
        this.config = Objects.requireNonNull(config, "config");
        this.strategy = Objects.requireNonNull(strategy, "strategy");
        this.hints = Objects.requireNonNull(hints, "hints");
        this.closestConfig = new ClosestPeersIterConfig(config.parallelism(), config.replicationFactor(), config.peerTimeout());
    }

    /** The strategy of lookups started from now on. */
    public LookupStrategy lookupStrategy() {
        return strategy;
    }

    /** Lookups started from now on use {@code strategy}; running ones keep theirs. */
    public void setLookupStrategy(LookupStrategy strategy) {
        this.strategy = Objects.requireNonNull(strategy, "strategy");
    }

    public QueryConfig config() {
        return config;
    }

    /** The running queries, oldest first (a live, unmodifiable view). */
    public Collection<Query<T>> queries() {
        return queriesView;
    }

    public int size() {
        return queries.size();
    }

    /** The running query with that id; empty once it finished or timed out. */
    public Optional<Query<T>> get(QueryId id) {
        return Optional.ofNullable(queries.get(id));
    }

    /** Adds a query to the given peers, {@code replicationFactor} at a time. */
    public QueryId addFixed(Collection<PeerId> peers, T inner) {
        FixedPeersIter iter = fixed(peers);
        QueryId id = new QueryId(nextId++);
        queries.put(id, new Query<>(id, iter, inner));
        return id;
    }

    /** Adds a lookup of the closest peers to {@code target} (disjoint paths if configured). */
    public QueryId addIterClosest(KeyBytes target, Iterable<Key<PeerId>> peers, T inner) {
        return addIterClosest(target, peers, inner, false);
    }

    /**
     * As {@link #addIterClosest(KeyBytes, Iterable, Object)}, for a query that may end before the
     * lookup settles when {@code mayEndEarly} (a tuned lookup then dials fewer peers ahead).
     */
    public QueryId addIterClosest(KeyBytes target, Iterable<Key<PeerId>> peers, T inner, boolean mayEndEarly) {
        PeersIterator iter = closest(target, peers, mayEndEarly);
        QueryId id = new QueryId(nextId++);
        queries.put(id, new Query<>(id, iter, inner));
        return id;
    }

    /**
     * Continues a finished query under the same id as a query to fixed peers (the next phase of
     * a multi-phase query); its statistics start afresh.
     *
     * @throws IllegalArgumentException if this pool never issued {@code id}
     * @throws IllegalStateException if a query with {@code id} is still running
     */
    public void continueFixed(QueryId id, Collection<PeerId> peers, T inner) {
        continueFixed(id, peers, inner, Optional.empty());
    }

    /** As {@link #continueFixed(QueryId, Collection, Object)}, carrying the trace of the phase before. */
    public void continueFixed(QueryId id, Collection<PeerId> peers, T inner, Optional<QueryTrace> trace) {
        checkContinuable(id);
        Query<T> q = new Query<>(id, fixed(peers), inner);
        q.continueTrace(trace);
        queries.put(id, q);
    }

    /**
     * Continues a finished query under the same id as a new lookup.
     *
     * @throws IllegalArgumentException if this pool never issued {@code id}
     * @throws IllegalStateException if a query with {@code id} is still running
     */
    public void continueIterClosest(QueryId id, KeyBytes target, Iterable<Key<PeerId>> peers, T inner) {
        continueIterClosest(id, target, peers, inner, Optional.empty());
    }

    /** As {@link #continueIterClosest(QueryId, KeyBytes, Iterable, Object)}, carrying a trace. */
    public void continueIterClosest(QueryId id, KeyBytes target, Iterable<Key<PeerId>> peers, T inner,
                                    Optional<QueryTrace> trace) {
        checkContinuable(id);
        Query<T> q = new Query<>(id, closest(target, peers), inner);
        q.continueTrace(trace);
        queries.put(id, q);
    }

    /**
     * Steps the queries at time {@code now}: the first query that wants a request sent, has
     * finished, or has run past the timeout is reported (finished and timed-out queries are
     * removed, with their end time set); otherwise {@code Waiting}, or {@code Idle} when empty.
     */
    @SuppressWarnings("unchecked")
    public QueryPoolState<T> poll(Instant now) {
        Objects.requireNonNull(now, "now");
        if (queries.isEmpty()) {
            return IDLE;
        }
        for (Iterator<Query<T>> it = queries.values().iterator(); it.hasNext(); ) {
            Query<T> query = it.next();
            query.startIfUnset(now, config.timeout());
            PeersIterState state = query.next(now);
            if (state instanceof PeersIterState.Contact contact) {
                return new QueryPoolState.Contact<>(query, contact.peer());
            }
            if (state instanceof PeersIterState.Finished) {
                it.remove();
                query.setEnd(now, false);
                return new QueryPoolState.Finished<>(query);
            }
            // Waiting, at capacity or not.
            if (query.timedOut(now)) {
                it.remove();
                query.setEnd(now, true);
                return new QueryPoolState.Timeout<>(query);
            }
        }
        return WAITING;
    }

    private FixedPeersIter fixed(Collection<PeerId> peers) {
        return new FixedPeersIter(peers, config.replicationFactor());
    }

    private PeersIterator closest(KeyBytes target, Iterable<Key<PeerId>> peers) {
        return closest(target, peers, false);
    }

    private PeersIterator closest(KeyBytes target, Iterable<Key<PeerId>> peers, boolean mayEndEarly) {
        if (config.disjointQueryPaths()) {
            return new ClosestDisjointPeersIter(closestConfig, target, peers);
        }
        return switch (strategy) {
            case REFERENCE -> new ClosestPeersIter(closestConfig, target, peers);
            case TUNED -> new TunedClosestPeersIter(closestConfig, target, peers, hints, mayEndEarly);
        };
    }

    private void checkContinuable(QueryId id) {
        Objects.requireNonNull(id, "id");
        if (id.value() < 0 || id.value() >= nextId) {
            throw new IllegalArgumentException("not a query id of this pool: " + id);
        }
        if (queries.containsKey(id)) {
            throw new IllegalStateException("query " + id + " is still running");
        }
    }
}
