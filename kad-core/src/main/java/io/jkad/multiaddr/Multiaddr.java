package io.jkad.multiaddr;

import io.jkad.identity.PeerId;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;

/**
 * A multiaddress: a sequence of (protocol, value) components with a binary and a text form.
 * Immutable; equality on the binary form. Supported protocols: ip4, ip6, tcp, udp, dns, dns4,
 * dns6, p2p (see {@link Protocol}).
 */
public final class Multiaddr {

    private Multiaddr() {}

    /**
     * Parses the text form, e.g. {@code /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW…}. {@code /ipfs/} is
     * accepted as an alias of {@code /p2p/}.
     *
     * @throws IllegalArgumentException naming what is wrong (unknown protocol, missing or bad value)
     */
    public static Multiaddr parse(String text) {
        throw new UnsupportedOperationException("not implemented");
    }

    /**
     * Decodes the binary form.
     *
     * @throws IllegalArgumentException naming what is wrong (unknown code, bad length, bad address)
     */
    public static Multiaddr fromBytes(byte[] bytes) {
        throw new UnsupportedOperationException("not implemented");
    }

    /** {@code /ip4/…/tcp/port} or {@code /ip6/…/tcp/port} of a resolved socket address. */
    public static Multiaddr tcp(InetSocketAddress address) {
        throw new UnsupportedOperationException("not implemented");
    }

    /** The binary form (a copy). */
    public byte[] toBytes() {
        throw new UnsupportedOperationException("not implemented");
    }

    public List<Component> components() {
        throw new UnsupportedOperationException("not implemented");
    }

    /** The peer id of the last {@code /p2p/} component, if the address ends with one. */
    public Optional<PeerId> peerId() {
        throw new UnsupportedOperationException("not implemented");
    }

    /** This address without a trailing {@code /p2p/} component (this when it has none). */
    public Multiaddr withoutPeerId() {
        throw new UnsupportedOperationException("not implemented");
    }

    /** This address ending with {@code /p2p/peer} (replacing a trailing one). */
    public Multiaddr withPeerId(PeerId peer) {
        throw new UnsupportedOperationException("not implemented");
    }

    /** This address followed by the components of {@code other}. */
    public Multiaddr encapsulate(Multiaddr other) {
        throw new UnsupportedOperationException("not implemented");
    }

    /**
     * The TCP socket address for {@code /ip4|ip6|dns|dns4|dns6/…/tcp/port[/p2p/…]}; DNS names are
     * left unresolved. Empty for any other shape.
     */
    public Optional<InetSocketAddress> toTcpSocketAddress() {
        throw new UnsupportedOperationException("not implemented");
    }

    /** The text form. */
    @Override
    public String toString() {
        throw new UnsupportedOperationException("not implemented");
    }
}
