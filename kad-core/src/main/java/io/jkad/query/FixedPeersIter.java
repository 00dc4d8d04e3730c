package io.jkad.query;

import io.jkad.identity.PeerId;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/** Requests to a fixed set of peers, at most {@code parallelism} at a time. */
public final class FixedPeersIter implements PeersIterator {

    /** @throws IllegalArgumentException if {@code parallelism} &lt;= 0 */
    public FixedPeersIter(Collection<PeerId> peers, int parallelism) {
        throw new UnsupportedOperationException("not implemented");
    }

    @Override
    public PeersIterState next(Instant now) {
        throw new UnsupportedOperationException("not implemented");
    }

    @Override
    public boolean onSuccess(PeerId peer, Collection<PeerId> closerPeers) {
        throw new UnsupportedOperationException("not implemented");
    }

    @Override
    public boolean onFailure(PeerId peer) {
        throw new UnsupportedOperationException("not implemented");
    }

    @Override
    public void finish() {
        throw new UnsupportedOperationException("not implemented");
    }

    @Override
    public boolean isFinished() {
        throw new UnsupportedOperationException("not implemented");
    }

    /** The peers that succeeded, in the order they were given. */
    @Override
    public List<PeerId> result() {
        throw new UnsupportedOperationException("not implemented");
    }
}
