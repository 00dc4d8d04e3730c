package io.jkad.kademlia;

import io.jkad.multiaddr.Multiaddr;
import java.util.Objects;

/**
 * How a connection to a peer was established: we dialed {@code remoteAddress} (a listen address
 * of the peer, fit for the routing table), or the peer dialed us from {@code remoteAddress}
 * (likely an ephemeral port, never put in the routing table).
 */
public record Endpoint(boolean dialer, Multiaddr remoteAddress) {
    public Endpoint {
        Objects.requireNonNull(remoteAddress, "remoteAddress");
    }

    public static Endpoint dialer(Multiaddr address) {
        return new Endpoint(true, address);
    }

    public static Endpoint listener(Multiaddr remoteAddress) {
        return new Endpoint(false, remoteAddress);
    }
}
