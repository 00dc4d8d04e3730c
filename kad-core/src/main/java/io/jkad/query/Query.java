package io.jkad.query;

import io.jkad.identity.PeerId;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * A query in a {@link QueryPool}: a peers iterator, its statistics, and the caller's state
 * ({@code inner}), which the pool never looks at.
 *
 * @param <T> the caller's per-query state
 */
public final class Query<T> {

    private Query() {}

    public QueryId id() {
        throw new UnsupportedOperationException("not implemented");
    }

    public T inner() {
        throw new UnsupportedOperationException("not implemented");
    }

    public void setInner(T inner) {
        throw new UnsupportedOperationException("not implemented");
    }

    /** The statistics of the current phase. */
    public QueryStats stats() {
        throw new UnsupportedOperationException("not implemented");
    }

    /** Reports a successful request; counts a success if the iterator took it. */
    public void onSuccess(PeerId peer, Collection<PeerId> closerPeers) {
        throw new UnsupportedOperationException("not implemented");
    }

    /** Reports a failed request; counts a failure if the iterator took it. */
    public void onFailure(PeerId peer) {
        throw new UnsupportedOperationException("not implemented");
    }

    /**
     * Finishes the query early because {@code peers} gave what was wanted: a disjoint-paths
     * lookup finishes only the paths that contacted them; other kinds finish at once.
     *
     * @return whether the query is now finished
     */
    public boolean tryFinish(Collection<PeerId> peers) {
        throw new UnsupportedOperationException("not implemented");
    }

    /** Finishes the query at its next poll, without waiting for its termination condition. */
    public void finish() {
        throw new UnsupportedOperationException("not implemented");
    }

    public boolean isFinished() {
        throw new UnsupportedOperationException("not implemented");
    }

    /** The iterator's result peers (see {@link PeersIterator#result()}). */
    public List<PeerId> resultPeers() {
        throw new UnsupportedOperationException("not implemented");
    }

    /** Steps the iterator; counts a request when it names a peer to contact. */
    PeersIterState next(Instant now) {
        throw new UnsupportedOperationException("not implemented");
    }
}
