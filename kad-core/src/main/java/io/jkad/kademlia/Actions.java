package io.jkad.kademlia;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.protocol.KadResponse;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The actions {@link Kademlia#poll} hands out, in the order its parts queued them: the routing
 * table, the inbound request handler and the queries all write here, the poll drains it first.
 */
final class Actions {
    private final ArrayDeque<KademliaAction> queued = new ArrayDeque<>();

    void add(KademliaAction action) {
        queued.add(action);
    }

    void emit(KademliaEvent event) {
        queued.add(new KademliaAction.Emit(event));
    }

    void respond(PeerId peer, InboundRequestId id, KadResponse response) {
        queued.add(new KademliaAction.Respond(peer, id, response));
    }

    void dial(PeerId peer, List<Multiaddr> addresses) {
        queued.add(new KademliaAction.Dial(peer, addresses));
    }

    /** The oldest queued action, or null. */
    KademliaAction poll() {
        return queued.poll();
    }

    boolean isEmpty() {
        return queued.isEmpty();
    }
}
