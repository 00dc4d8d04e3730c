package io.jkad.net;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A secured, multiplexed libp2p connection (TCP + Noise + Yamux) to one authenticated peer.
 * Thread-safe.
 */
public interface Connection {

    /** The authenticated remote peer. */
    PeerId remotePeer();

    /** The remote's TCP address, e.g. {@code /ip4/10.0.0.2/tcp/4001}. */
    Multiaddr remoteAddress();

    /** Our end of the TCP connection. */
    Multiaddr localAddress();

    /** True if we dialed this connection, false if the remote did. */
    boolean isOutbound();

    /** True until the connection is closed. */
    boolean isOpen();

    /** What the remote told us through Identify, once received. */
    Optional<IdentifyInfo> identifyInfo();

    /** Streams open on this connection right now (both directions). */
    int streamCount();

    /**
     * Counts the inbound {@code stream} of this connection against the most streams of its
     * protocol it may have open at once; the count drops when the stream closes. For a protocol's
     * stream initializer, which resets the stream when this returns false.
     *
     * @return false, counting nothing, if {@code max} inbound streams of the protocol are open already
     */
    boolean admitInbound(StreamChannel stream, int max);

    /**
     * Opens a stream and negotiates {@code protocol} on it with multistream-select. When the remote
     * accepts, {@code initializer} sets up the stream's pipeline on the IO thread, then the future
     * completes (on the IO thread: use the {@code *Async} methods to continue elsewhere).
     *
     * @return the stream; fails with {@link ProtocolNegotiationException} if the remote does not
     *     support the protocol or negotiation times out, {@link IllegalStateException} if the
     *     connection is closed or going away, or the initializer's exception
     * @throws IllegalArgumentException if {@code protocol} is not a valid protocol id (must start with '/')
     */
    CompletableFuture<StreamChannel> openStream(String protocol, StreamInitializer initializer);

    /**
     * Closes the connection: tells the remote (Yamux Go Away), then closes the socket. Streams are
     * reset. Idempotent.
     *
     * @return completes when the connection is closed
     */
    CompletableFuture<Void> close();
}
