package io.jkad.kademlia;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.jkad.query.QueryId;
import java.util.List;

/** What {@link Kademlia#poll} asks its driver to do. */
public sealed interface KademliaAction {

    /**
     * Send {@code request} to the connected {@code peer} on a new stream; report the answer with
     * {@link Kademlia#onResponse} or the failure with {@link Kademlia#onRequestFailure}, both with
     * {@code query}. ADD_PROVIDER has no answer: send it and report nothing.
     */
    record SendRequest(PeerId peer, QueryId query, KadRequest request) implements KademliaAction {}

    /**
     * Send {@code requests}, none of which expects an answer (ADD_PROVIDERs of a reprovide sweep),
     * one after another on one new stream to the connected {@code peer}, then close it; report
     * nothing. Peers read the messages of a stream in turn (go, rust, js and jkad do), so this
     * costs one stream instead of one per request.
     */
    record SendRequests(PeerId peer, QueryId query, List<KadRequest> requests) implements KademliaAction {
        public SendRequests {
            requests = List.copyOf(requests);
            if (requests.isEmpty() || requests.stream().anyMatch(KadRequest::expectsResponse)) {
                throw new IllegalArgumentException("a batch holds one or more requests without answers");
            }
        }
    }

    /** Answer the inbound request {@code requestId} of {@code peer}. */
    record Respond(PeerId peer, InboundRequestId requestId, KadResponse response) implements KademliaAction {}

    /** Refuse the inbound request {@code requestId} of {@code peer} by resetting its stream. */
    record ResetStream(PeerId peer, InboundRequestId requestId) implements KademliaAction {}

    /**
     * Connect to {@code peer} (unless already connected or dialing) at the known
     * {@code addresses}; report {@link Kademlia#onConnected} or {@link Kademlia#onDialFailure}.
     */
    record Dial(PeerId peer, List<Multiaddr> addresses) implements KademliaAction {
        public Dial {
            addresses = List.copyOf(addresses);
        }
    }

    /** Report {@code event} to the node's user. */
    record Emit(KademliaEvent event) implements KademliaAction {}
}
