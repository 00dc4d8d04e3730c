package io.jkad.sim;

import io.jkad.protocol.ConnectionType;
import io.jkad.protocol.KadPeer;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.jkad.record.RecordKey;
import io.jkad.routing.KeyBytes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** How an adversarial node of a {@link SimNetwork} answers: only with other adversarial nodes. */
final class Adversary {

    private Adversary() {}

    /**
     * The answer of {@code self} to {@code request} of {@code requester}: the {@code k} online
     * adversarial nodes closest to the key (never itself nor the requester), never a record or a
     * provider; a put is acknowledged and a ping answered.
     */
    static KadResponse answer(SimNode self, SimNode requester, KadRequest request, List<SimNode> nodes, int k) {
        RecordKey key;
        if (request instanceof KadRequest.FindNode r) {
            key = r.key();
        } else if (request instanceof KadRequest.GetValue r) {
            key = r.key();
        } else if (request instanceof KadRequest.GetProviders r) {
            key = r.key();
        } else if (request instanceof KadRequest.PutValue r) {
            return new KadResponse.PutValue(r.record().key(), r.record());
        } else {
            return new KadResponse.Pong();
        }
        KeyBytes target = KeyBytes.digestOf(key.toBytes());
        List<KadPeer> peers = new ArrayList<>();
        for (SimNode n : SimNetwork.closest(nodes, n -> n.adversarial && n.online && n != self && n != requester,
                target, k)) {
            peers.add(new KadPeer(n.id, List.of(n.address), ConnectionType.CONNECTED));
        }
        if (request instanceof KadRequest.FindNode) {
            return new KadResponse.FindNode(peers);
        } else if (request instanceof KadRequest.GetValue) {
            return new KadResponse.GetValue(Optional.empty(), peers);
        } else {
            return new KadResponse.GetProviders(peers, List.of());
        }
    }
}
