package io.jkad.kademlia;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.protocol.KadRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The state {@link Kademlia} keeps for each query in its pool, for one phase of the query. */
final class QueryInner {
    /** What the query does, and what it found so far. */
    final QueryState state;
    /**
     * Addresses of peers learned during the query, to dial them. The lists are unmodifiable (those
     * of the answers, not copies: a lookup learns hundreds); a change replaces a peer's list.
     */
    final Map<PeerId, List<Multiaddr>> addresses = new HashMap<>();
    /** Requests waiting for a connection to their peer. */
    final List<PendingRequest> pendingRequests = new ArrayList<>(2);
    /** When the request to each peer in flight was handed out, for its round trip (at most one per peer asked). */
    final Map<PeerId, java.time.Instant> sentAt = new HashMap<>();

    record PendingRequest(PeerId peer, List<KadRequest> requests) {}

    QueryInner(QueryState state) {
        this.state = state;
    }
}
