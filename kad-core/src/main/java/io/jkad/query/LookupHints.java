package io.jkad.query;

import io.jkad.identity.PeerId;

/**
 * What a node knows beyond a lookup's own answers, for {@link TunedClosestPeersIter}: how quickly a
 * peer answers, and how many nodes the network has.
 */
public interface LookupHints {

    /** None: every peer is expected to answer in 200 ms, the network's size is unknown. */
    LookupHints NONE = new LookupHints() {
        @Override
        public long expectedNanos(PeerId peer) {
            return PeerRtts.DEFAULT_NANOS;
        }

        @Override
        public double networkSize() {
            return Double.NaN;
        }
    };

    /** How long an answer of {@code peer} is expected to take if it is asked now. */
    long expectedNanos(PeerId peer);

    /** The estimated number of nodes in the network; NaN when unknown. */
    double networkSize();

    /**
     * {@code peer} will most likely be asked soon: connect to it now (unless connected or being
     * dialed already), so that the request then costs only its own round trip. A dial is not a
     * request; a failed one is reported to the lookup with {@link PeersIterator#onUnreachable}.
     * By default nothing is done.
     */
    default void dialAhead(PeerId peer, java.time.Instant now) {}

    /**
     * Whether this node has a connection to {@code peer} now: a peer dialed successfully is alive
     * and reachable. By default nobody is.
     */
    default boolean isConnected(PeerId peer) {
        return false;
    }
}
