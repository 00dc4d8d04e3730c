package io.jkad.net;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import java.util.Objects;
import java.util.Optional;

/**
 * A read-only view of one open connection, for status displays ({@code kad peers}).
 *
 * @param peer the authenticated remote peer
 * @param remoteAddress the remote's TCP address
 * @param outbound whether this node dialed it
 * @param identify what the remote said through Identify, once it did
 * @param streams streams open on it now
 */
public record PeerConnection(PeerId peer, Multiaddr remoteAddress, boolean outbound, Optional<IdentifyInfo> identify,
                             int streams) {
    public PeerConnection {
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(remoteAddress, "remoteAddress");
        Objects.requireNonNull(identify, "identify");
    }

    static PeerConnection of(Connection c) {
        return new PeerConnection(c.remotePeer(), c.remoteAddress(), c.isOutbound(), c.identifyInfo(), c.streamCount());
    }
}
