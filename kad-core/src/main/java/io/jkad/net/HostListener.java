package io.jkad.net;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;

/**
 * Connection events of a {@link Host}. All methods have empty defaults.
 *
 * <p><b>Threading.</b> Every callback runs on an IO thread (the event loop of the connection or
 * dial attempt concerned); callbacks for one connection are ordered. They must return quickly,
 * must not block, and must not call the Kademlia state machine or a record store: hand the event
 * to the logic thread (e.g. {@code logicExecutor.execute(...)}). An exception thrown by a callback
 * is logged and otherwise ignored.
 */
public interface HostListener {

    /**
     * A connection is secured and multiplexed (TCP + Noise + Yamux) and ready for streams.
     * {@link Connection#isOutbound()} tells whether we dialed it; Identify runs next.
     */
    default void connectionEstablished(Connection connection) {}

    /** A connection closed (either side, idle timeout, error or {@link Host#close()}). */
    default void connectionClosed(Connection connection) {}

    /**
     * A stream's protocol was agreed and its handlers are set up, in either direction
     * ({@link StreamChannel#isOutbound()}, {@link StreamChannel#protocol()}); built-in protocols
     * (Identify, Ping) included. For counting and tracing: leave the stream's pipeline alone.
     */
    default void streamOpened(Connection connection, StreamChannel stream) {}

    /** The remote answered Identify (or pushed an update) on this connection. */
    default void identifyReceived(Connection connection, IdentifyInfo info) {}

    /**
     * Dialing {@code peer} at {@code address} failed with {@code cause} (connection refused,
     * timeout, {@link HandshakeException}, {@link ProtocolNegotiationException}, an address that
     * is not TCP, …). Reported for every failed address, before the next one is tried.
     */
    default void dialFailed(PeerId peer, Multiaddr address, Throwable cause) {}
}
