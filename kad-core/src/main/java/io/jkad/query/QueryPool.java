package io.jkad.query;

import io.jkad.identity.PeerId;
import io.jkad.routing.Key;
import io.jkad.routing.KeyBytes;
import java.time.Instant;
import java.util.Collection;
import java.util.Optional;

/**
 * The running queries of a node. {@link #poll} steps them in insertion order and reports the
 * first that wants a request sent, has finished or has timed out. Deterministic: no clock, no
 * hash-order iteration.
 *
 * @param <T> the caller's per-query state
 */
public final class QueryPool<T> {

    public QueryPool(QueryConfig config) {
        throw new UnsupportedOperationException("not implemented");
    }

    public QueryConfig config() {
        throw new UnsupportedOperationException("not implemented");
    }

    /** The running queries, oldest first. */
    public Collection<Query<T>> queries() {
        throw new UnsupportedOperationException("not implemented");
    }

    public int size() {
        throw new UnsupportedOperationException("not implemented");
    }

    public Optional<Query<T>> get(QueryId id) {
        throw new UnsupportedOperationException("not implemented");
    }

    /** Adds a query to the given peers, {@code replicationFactor} at a time. */
    public QueryId addFixed(Collection<PeerId> peers, T inner) {
        throw new UnsupportedOperationException("not implemented");
    }

    /** Adds a lookup of the closest peers to {@code target} (disjoint paths if configured). */
    public QueryId addIterClosest(KeyBytes target, Iterable<Key<PeerId>> peers, T inner) {
        throw new UnsupportedOperationException("not implemented");
    }

    /**
     * Continues a finished query under the same id as a query to fixed peers (the next phase of
     * a multi-phase query); its statistics start afresh.
     */
    public void continueFixed(QueryId id, Collection<PeerId> peers, T inner) {
        throw new UnsupportedOperationException("not implemented");
    }

    /** Continues a finished query under the same id as a new lookup. */
    public void continueIterClosest(QueryId id, KeyBytes target, Iterable<Key<PeerId>> peers, T inner) {
        throw new UnsupportedOperationException("not implemented");
    }

    /**
     * Steps the queries at time {@code now}: the first query that wants a request sent, has
     * finished, or has run past the timeout is reported (finished and timed-out queries are
     * removed, with their end time set); otherwise {@code Waiting}, or {@code Idle} when empty.
     */
    public QueryPoolState<T> poll(Instant now) {
        throw new UnsupportedOperationException("not implemented");
    }
}
