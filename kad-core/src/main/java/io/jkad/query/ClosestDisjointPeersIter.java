package io.jkad.query;

import io.jkad.identity.PeerId;
import io.jkad.routing.Key;
import io.jkad.routing.KeyBytes;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * A closest-peers lookup over disjoint paths (S/Kademlia): {@code parallelism} paths, each a
 * {@link ClosestPeersIter} with parallelism 1; the initial peers are dealt out among the paths;
 * no peer is contacted by more than one path.
 */
public final class ClosestDisjointPeersIter implements PeersIterator {

    public ClosestDisjointPeersIter(ClosestPeersIterConfig config, KeyBytes target, Iterable<Key<PeerId>> knownClosestPeers) {
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

    /**
     * Finishes the paths that contacted any of {@code peers}.
     *
     * @return whether all paths are now finished
     */
    public boolean finishPaths(Collection<PeerId> peers) {
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

    /** The union of the paths' results without duplicates, closest first, at most {@code numResults}. */
    @Override
    public List<PeerId> result() {
        throw new UnsupportedOperationException("not implemented");
    }
}
