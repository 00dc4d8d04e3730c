package io.jkad.protocol;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import java.util.List;
import java.util.Objects;

/** A peer named in a Kademlia message: its id, its addresses, and the sender's connection to it. */
public record KadPeer(PeerId id, List<Multiaddr> addresses, ConnectionType connection) {
    public KadPeer {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(connection, "connection");
        addresses = List.copyOf(addresses);
    }
}
