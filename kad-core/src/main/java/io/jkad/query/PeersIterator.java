package io.jkad.query;

import io.jkad.identity.PeerId;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** A sans-IO iteration over peers: the caller sends the requests and reports the outcomes. */
public interface PeersIterator {

    /** The next step at time {@code now}. */
    PeersIterState next(Instant now);

    /**
     * The earliest instant at which {@link #next} may step differently without a report: a peer
     * whose request is in flight turns unresponsive. {@code now} (the time of the last step) when
     * a step now would already contact a peer or finish; empty when only a report can change
     * what the next step does.
     */
    Optional<Instant> nextDeadline(Instant now);

    /**
     * Reports that {@code peer} answered, naming {@code closerPeers}.
     *
     * @return whether the report changed the iterator's state (false for an unknown peer or one
     *     not waited for, or once finished)
     */
    boolean onSuccess(PeerId peer, Collection<PeerId> closerPeers);

    /**
     * Reports that a request to {@code peer} failed.
     *
     * @return whether the report changed the iterator's state
     */
    boolean onFailure(PeerId peer);

    /**
     * Reports that {@code peer} could not be dialed (a request to it would fail). A peer in flight
     * also gets {@link #onFailure}; this is for one not asked yet, which an iterator may then skip.
     * By default nothing changes.
     *
     * @return whether the report changed the iterator's state
     */
    default boolean onUnreachable(PeerId peer) {
        return false;
    }

    /** Finishes the iteration now. */
    void finish();

    boolean isFinished();

    /** The peers that succeeded, as the iterator ranks them (closest first for closest-peer iterators). */
    List<PeerId> result();
}
