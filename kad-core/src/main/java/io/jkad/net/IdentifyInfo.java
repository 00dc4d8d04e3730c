package io.jkad.net;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import java.util.List;
import java.util.Optional;

/**
 * What a remote peer said about itself through Identify ({@code /ipfs/id/1.0.0}, or an update
 * through {@code /ipfs/id/push/1.0.0}). Addresses that could not be decoded (protocols jkad does
 * not model) are left out; a trailing {@code /p2p/…} component is removed from every address.
 *
 * @param peer the remote peer (checked against the public key it sent)
 * @param protocolVersion e.g. {@code ipfs/0.1.0}; empty string if not sent
 * @param agentVersion e.g. {@code go-libp2p/0.36.0}; empty string if not sent
 * @param listenAddresses the addresses the remote says it listens on
 * @param observedAddress our address as the remote sees it
 * @param protocols the protocol ids the remote accepts inbound, e.g. {@code /ipfs/kad/1.0.0}
 */
public record IdentifyInfo(PeerId peer, String protocolVersion, String agentVersion,
                           List<Multiaddr> listenAddresses, Optional<Multiaddr> observedAddress,
                           List<String> protocols) {

    public IdentifyInfo {
        listenAddresses = List.copyOf(listenAddresses);
        protocols = List.copyOf(protocols);
    }

    /** Whether the remote advertises {@code protocol}. */
    public boolean supports(String protocol) {
        return protocols.contains(protocol);
    }
}
