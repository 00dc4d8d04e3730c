package io.jkad.inject;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import java.util.List;
import java.util.Objects;

/**
 * The peers a {@link KademliaService} adds to the routing table and bootstraps through at start:
 * addresses that name their peer ({@code /ip4/1.2.3.4/tcp/4001/p2p/12D3KooW…}). Bound by
 * {@link KademliaModule} to {@link #none()} unless the embedder sets it.
 *
 * @param addresses the bootstrap addresses, each ending in {@code /p2p/<peer id>}
 */
public record BootstrapPeers(List<Multiaddr> addresses) {

    /**
     * @throws IllegalArgumentException if an address does not name its peer with {@code /p2p/}
     */
    public BootstrapPeers {
        addresses = List.copyOf(addresses);
        for (Multiaddr a : addresses) {
            if (a.peerId().isEmpty()) {
                throw new IllegalArgumentException("a bootstrap address must end in /p2p/<peer id>: " + a);
            }
        }
    }

    /** No bootstrap peers: the node starts alone (or from what the embedder adds). */
    public static BootstrapPeers none() {
        return new BootstrapPeers(List.of());
    }

    /**
     * Parses multiaddr texts.
     *
     * @throws IllegalArgumentException if one is no multiaddr or does not end in {@code /p2p/<peer id>}
     */
    public static BootstrapPeers parse(List<String> addresses) {
        return new BootstrapPeers(addresses.stream().map(Multiaddr::parse).toList());
    }

    /** The peer an address names. */
    static PeerId peerOf(Multiaddr address) {
        return Objects.requireNonNull(address.peerId().orElse(null), "address without /p2p/");
    }
}
