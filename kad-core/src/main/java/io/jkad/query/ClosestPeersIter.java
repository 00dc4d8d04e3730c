package io.jkad.query;

import io.jkad.identity.PeerId;
import io.jkad.routing.Key;
import io.jkad.routing.KeyBytes;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * An iterative lookup of the closest peers to a target (the reference's {@code ClosestPeersIter}).
 */
public final class ClosestPeersIter implements PeersIterator {

    /**
     * @param knownClosestPeers the peers to start from; the first 20 of them are used
     */
    public ClosestPeersIter(ClosestPeersIterConfig config, KeyBytes target, Iterable<Key<PeerId>> knownClosestPeers) {
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

    /** The peers that succeeded, closest first, at most {@code numResults}. */
    @Override
    public List<PeerId> result() {
        throw new UnsupportedOperationException("not implemented");
    }
}
