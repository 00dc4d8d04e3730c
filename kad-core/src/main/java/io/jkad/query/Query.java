package io.jkad.query;

import io.jkad.identity.PeerId;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A query in a {@link QueryPool}: a peers iterator, its statistics, and the caller's state
 * ({@code inner}), which the pool never looks at.
 *
 * <p>Not thread-safe: a query belongs to the thread that drives its pool.
 *
 * @param <T> the caller's per-query state
 */
public final class Query<T> {

    private final QueryId id;
    private final PeersIterator peers;
    private T inner;

    private int requests;
    private int success;
    private int failure;
    /** When the pool first polled the query; null before. */
    private Instant start;
    /** When the pool removed the query (finished or timed out); null before. */
    private Instant end;
    /** {@code start} plus the pool's query timeout; null before the start. */
    private Instant deadline;
    /** The trace, for a query asked to be traced; null otherwise. */
    private QueryTrace trace;

    Query(QueryId id, PeersIterator peers, T inner) {
        this.id = Objects.requireNonNull(id, "id");
        this.peers = Objects.requireNonNull(peers, "peers");
        this.inner = inner;
    }

    public QueryId id() {
        return id;
    }

    /** The caller's state, as given when the query was added (or last set). */
    public T inner() {
        return inner;
    }

    public void setInner(T inner) {
        this.inner = inner;
    }

    /** The statistics of the current phase. */
    public QueryStats stats() {
        return new QueryStats(requests, success, failure, Optional.ofNullable(start), Optional.ofNullable(end));
    }

    /** Records how this query goes from now on ({@link #trace()}), toward {@code target}. */
    public void enableTrace(io.jkad.routing.KeyBytes target) {
        if (trace == null) {
            trace = new QueryTrace(target);
        }
    }

    /** Carries the trace of the phase before (a query continued under the same id). */
    void continueTrace(Optional<QueryTrace> before) {
        before.ifPresent(t -> trace = t);
    }

    /** The trace, if this query is traced. */
    public Optional<QueryTrace> trace() {
        return Optional.ofNullable(trace);
    }

    /** Records an answer of {@code peer} in the trace (if traced), seen at {@code now}. */
    public void traceAnswer(PeerId peer, int closerPeers, Instant now) {
        if (trace != null) {
            trace.answered(peer, closerPeers, now);
        }
    }

    /** Records a failure of {@code peer} in the trace (if traced), seen at {@code now}. */
    public void traceFailure(PeerId peer, String why, Instant now) {
        if (trace != null) {
            trace.failed(peer, why, now);
        }
    }

    /** Reports a successful request; counts a success if the iterator took it. */
    public void onSuccess(PeerId peer, Collection<PeerId> closerPeers) {
        if (peers.onSuccess(peer, closerPeers)) {
            success++;
        }
    }

    /** Reports a failed request; counts a failure if the iterator took it. */
    public void onFailure(PeerId peer) {
        if (peers.onFailure(peer)) {
            failure++;
        }
    }

    /** Reports that {@code peer} could not be dialed (see {@link PeersIterator#onUnreachable}); not a failed request. */
    public void onUnreachable(PeerId peer) {
        peers.onUnreachable(peer);
    }

    /**
     * Finishes the query early because {@code peers} gave what was wanted: a disjoint-paths
     * lookup finishes only the paths that contacted them; other kinds finish at once.
     *
     * @return whether the query is now finished
     */
    public boolean tryFinish(Collection<PeerId> peers) {
        Objects.requireNonNull(peers, "peers");
        if (this.peers instanceof ClosestDisjointPeersIter disjoint) {
            boolean done = disjoint.finishPaths(peers);
            if (done && trace != null) {
                trace.stopping("enough results (the quorum or the wanted peers were reached)");
            }
            return done;
        }
        this.peers.finish();
        if (trace != null) {
            trace.stopping("enough results (the quorum or the wanted peers were reached)");
        }
        return true;
    }

    /** Finishes the query at its next poll, without waiting for its termination condition. */
    public void finish() {
        if (trace != null) {
            trace.stopping("finished early (enough found, or cancelled)");
        }
        peers.finish();
    }

    public boolean isFinished() {
        return peers.isFinished();
    }

    /** The iterator's result peers (see {@link PeersIterator#result()}). */
    public List<PeerId> resultPeers() {
        return peers.result();
    }

    @Override
    public String toString() {
        return "Query[" + id + ", " + peers.getClass().getSimpleName() + ", " + stats() + "]";
    }

    /** Steps the iterator; counts a request when it names a peer to contact. */
    PeersIterState next(Instant now) {
        PeersIterState state = peers.next(now);
        if (state instanceof PeersIterState.Contact c) {
            requests++;
            if (trace != null) {
                trace.asked(c.peer(), now);
            }
        }
        return state;
    }

    /** The iterator (for the pool's tests). */
    PeersIterator peersIterator() {
        return peers;
    }

    /** Sets the start, and the deadline it implies, on the first poll. */
    void startIfUnset(Instant now, Duration timeout) {
        if (start == null) {
            start = now;
            deadline = Deadlines.plus(now, timeout);
        }
    }

    /**
     * The earliest instant at which the pool's poll may do something new for this query without
     * a report: the query's deadline (its start plus the pool's query timeout) or its iterator's
     * next peer timeout ({@link PeersIterator#nextDeadline}), not before {@code now}, the time of
     * the last poll. Empty before the query's first poll (it starts at the next one).
     */
    public Optional<Instant> nextDeadline(Instant now) {
        if (deadline == null) {
            return Optional.empty();
        }
        Instant next = Deadlines.notBefore(deadline, now);
        Optional<Instant> peer = peers.nextDeadline(now);
        return Optional.of(peer.isPresent() ? Deadlines.earlier(next, peer.get()) : next);
    }

    /** Whether the query has run for its whole timeout at {@code now}. */
    boolean timedOut(Instant now) {
        return deadline != null && !now.isBefore(deadline);
    }

    /** Leaves the pool at {@code now}: finished by its iterator, or timed out. */
    void setEnd(Instant now, boolean timedOut) {
        end = now;
        if (trace != null) {
            trace.ended(now, timedOut ? "the query's timeout ran out"
                    : "the closest peers found are settled: they answered, or (tuned lookups) were asked and are"
                    + " connected behind the closest that answered; or nobody is left to ask");
        }
    }
}
