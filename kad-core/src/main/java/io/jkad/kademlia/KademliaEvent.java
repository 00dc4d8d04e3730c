package io.jkad.kademlia;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.protocol.KadRequest;
import io.jkad.query.QueryId;
import io.jkad.query.QueryStats;
import io.jkad.routing.Addresses;
import java.util.Optional;

/** What a {@link Kademlia} node reports to its user. */
public sealed interface KademliaEvent {

    /**
     * A query produced a result. Bootstrap produces one per lookup step ({@code last} is false
     * until the final one); every other query produces exactly one.
     */
    record QueryCompleted(QueryId id, QueryResult result, QueryStats stats, boolean last,
                          java.util.Optional<io.jkad.query.QueryTrace> trace) implements KademliaEvent {
        /** An untraced query's completion. */
        public QueryCompleted(QueryId id, QueryResult result, QueryStats stats, boolean last) {
            this(id, result, stats, last, java.util.Optional.empty());
        }
    }

    /** The reprovide sweep announced the keys of one keyspace region (see {@link ReprovideReport}). */
    record RegionReprovided(ReprovideReport report) implements KademliaEvent {}

    /**
     * The routing table holds {@code peer} with {@code addresses}, possibly having evicted
     * {@code evicted} to make room.
     */
    record RoutingUpdated(PeerId peer, Addresses addresses, Optional<PeerId> evicted) implements KademliaEvent {}

    /** A peer connected whose listen address is unknown; add one with {@link Kademlia#addAddress} to route to it. */
    record UnroutablePeer(PeerId peer) implements KademliaEvent {}

    /**
     * A peer with a known address connected but did not enter the routing table (manual inserts,
     * or its bucket is full).
     */
    record RoutablePeer(PeerId peer, Multiaddr address) implements KademliaEvent {}

    /**
     * A peer with a known address connected and waits as its bucket's pending entry; it enters
     * the table if the least recently connected entry turns out unresponsive.
     */
    record PendingRoutablePeer(PeerId peer, Multiaddr address) implements KademliaEvent {}

    /** A request from {@code source} was received (for metrics and logs). */
    record InboundRequest(PeerId source, KadRequest request) implements KademliaEvent {}

    /**
     * The request of {@code source} (reported by {@link InboundRequest} before) was refused with a
     * stream reset, for {@code reason}: it was not served.
     */
    record RequestRefused(PeerId source, KadRequest request, RefusalReason reason) implements KademliaEvent {}

    /** Why an inbound request was refused. */
    enum RefusalReason {
        /** The peer's budget of this request type was spent ({@link KademliaConfig#requestLimits()}). */
        RATE_LIMITED,
        /** The record store could not serve it (a {@link io.jkad.record.StoreException}). */
        STORE_ERROR,
        /** Handling it failed unexpectedly (a bug, or input no check foresaw). */
        FAILED,
        /**
         * A PUT_VALUE whose record its namespace's validator refused, or one worse than the record
         * the node holds (a lower IPNS sequence), as go refuses them: the stream is reset.
         */
        INVALID_RECORD
    }
}
