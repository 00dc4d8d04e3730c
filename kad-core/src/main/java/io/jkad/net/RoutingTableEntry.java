package io.jkad.net;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import java.util.List;
import java.util.Objects;

/**
 * One peer of a {@link KademliaNode}'s routing table, as of the snapshot it came from.
 *
 * @param peer the peer
 * @param addresses its known listen addresses, oldest first
 * @param connected whether the routing table marks it connected
 * @param bucket the index of its k-bucket (0..255: the highest bit of its distance to the local key)
 */
public record RoutingTableEntry(PeerId peer, List<Multiaddr> addresses, boolean connected, int bucket) {
    public RoutingTableEntry {
        Objects.requireNonNull(peer, "peer");
        addresses = List.copyOf(addresses);
    }
}
