package io.jkad.net;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.unix.Errors;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.channels.ClosedChannelException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dials peers for a {@link Host}: reuses a peer's open connection or joins a dial in progress;
 * otherwise tries the addresses in order, each within the dial timeout and counted in the
 * resource manager from the connect on, upgrades the first that connects ({@link Upgrader}), and
 * fails with a {@link DialException} listing why each address failed.
 */
final class Dialer {

    private static final Logger LOG = LoggerFactory.getLogger(Dialer.class);

    /** Told of each address that failed, before the next one is tried. */
    interface AddressFailed {
        void failed(PeerId peer, Multiaddr address, Throwable cause);
    }

    private final PeerId self;
    private final HostConfig config;
    private final EventLoopGroup group;
    private final SocketTransport transport;
    private final ResourceManager resources;
    private final ConnectionRegistry registry;
    private final Upgrader upgrader;
    private final BooleanSupplier closed;
    private final AddressFailed addressFailed;

    Dialer(PeerId self, HostConfig config, EventLoopGroup group, SocketTransport transport, ResourceManager resources,
           ConnectionRegistry registry, Upgrader upgrader, BooleanSupplier closed, AddressFailed addressFailed) {
        this.self = self;
        this.config = config;
        this.group = group;
        this.transport = transport;
        this.resources = resources;
        this.registry = registry;
        this.upgrader = upgrader;
        this.closed = closed;
        this.addressFailed = addressFailed;
    }

    /** See {@link Host#dial}. */
    CompletableFuture<Connection> dial(PeerId peer, List<Multiaddr> addresses) {
        Objects.requireNonNull(peer, "peer");
        List<Multiaddr> addrs = List.copyOf(addresses);
        if (peer.equals(self)) {
            throw new IllegalArgumentException("cannot dial ourselves: " + peer);
        }
        ConnectionRegistry.DialStart start = registry.startDial(peer);
        if (start == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("host closed"));
        }
        if (start.existing().isPresent()) {
            return CompletableFuture.completedFuture(start.existing().get());
        }
        if (start.isNew()) {
            dialNext(peer, addrs, 0, new LinkedHashMap<>(), new HashSet<>(), start.dial());
        }
        return start.dial().copy();
    }

    private void dialNext(PeerId peer, List<Multiaddr> addrs, int index, Map<Multiaddr, Throwable> failures,
                          Set<Multiaddr> answered, CompletableFuture<Connection> result) {
        if (closed.getAsBoolean()) {
            registry.settle(peer, result, null, new IllegalStateException("host closed"));
            return;
        }
        Optional<HostConnection> existing = registry.preferred(peer);
        if (existing.isPresent()) {
            registry.settle(peer, result, existing.get(), null);
            return;
        }
        if (index >= addrs.size()) {
            registry.settle(peer, result, null, new DialException(peer, failures, answered));
            return;
        }
        Multiaddr address = addrs.get(index);
        CompletableFuture<HostConnection> attempt = new CompletableFuture<>();
        AtomicBoolean tcpConnected = new AtomicBoolean();
        attempt.whenComplete((conn, err) -> {
            if (err == null) {
                registry.settle(peer, result, conn, null);
                return;
            }
            Throwable cause = Host.unwrap(err);
            LOG.debug("dialing {} at {} failed: {}", peer, address, cause.toString());
            failures.put(address, cause);
            if (tcpConnected.get() && cutOff(cause)) {
                answered.add(address);
            }
            addressFailed.failed(peer, address, cause);
            dialNext(peer, addrs, index + 1, failures, answered, result);
        });
        connect(peer, address, attempt, tcpConnected);
    }

    /**
     * Whether an upgrade that failed with {@code cause} was cut off by the remote (closed, reset,
     * or left to time out) rather than refused on its merits: a failed authentication or another
     * peer's identity says nothing of the peer dialed being there.
     */
    static boolean cutOff(Throwable cause) {
        if (cause instanceof HandshakeException) {
            Throwable why = cause.getCause();
            return why instanceof ClosedChannelException || why instanceof SocketException
                    || why instanceof Errors.NativeIoException;
        }
        return cause instanceof IOException || cause instanceof TimeoutException;
    }

    /**
     * Whether a connect failed because the remote reset a connection it had taken (a refused
     * handshake can do that before the dialer's event loop sees the connect done), as opposed to
     * refusing it (no listener) or never answering.
     */
    static boolean resetByPeer(Throwable cause) {
        String message = cause.getMessage();
        return cause instanceof IOException && message != null && message.contains("Connection reset");
    }

    /** One attempt: checks the address, opens its resource scope, connects and upgrades; {@code tcpConnected} is set once the TCP connection is made. */
    private void connect(PeerId peer, Multiaddr address, CompletableFuture<HostConnection> attempt,
                         AtomicBoolean tcpConnected) {
        Optional<PeerId> named = address.peerId();
        if (named.isPresent() && !named.get().equals(peer)) {
            attempt.completeExceptionally(new IllegalArgumentException("address names another peer: " + address));
            return;
        }
        Optional<InetSocketAddress> target = address.toTcpSocketAddress();
        if (target.isEmpty()) {
            attempt.completeExceptionally(new IllegalArgumentException("not a TCP address: " + address));
            return;
        }
        ResourceManager.ConnectionScope scope;
        try {
            // An outbound scope is not counted per IP: a DNS address, resolved only by the connect, may stand in as 0.0.0.0.
            scope = resources.openConnection(false, target.get().isUnresolved()
                    ? InetAddress.getByAddress(new byte[4]) : target.get().getAddress());
        } catch (ResourceLimitException e) {
            attempt.completeExceptionally(e);
            return;
        } catch (IOException e) {
            throw new IllegalStateException(e); // never: four bytes make an address
        }
        attempt.whenComplete((c, e) -> {
            if (e != null) {
                scope.close();
            }
        });
        Bootstrap b = new Bootstrap()
                .group(group)
                .channelFactory(transport.socketChannels())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, config.dialTimeout().toMillis()))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, YamuxConfig.WRITE_BUFFER_WATER_MARK)
                .option(ChannelOption.RECVBUF_ALLOCATOR, YamuxConfig.FAIR_READS)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.closeFuture().addListener(f -> scope.close());
                        upgrader.upgrade(ch, true, peer, scope, attempt);
                    }
                });
        try {
            b.connect(target.get()).addListener((ChannelFuture f) -> {
                if (f.isSuccess()) {
                    tcpConnected.set(true); // before the channel is active, so before any upgrade can fail
                } else {
                    if (resetByPeer(f.cause())) {
                        // the remote took the connection and reset it before the connect was seen done
                        tcpConnected.set(true);
                    }
                    attempt.completeExceptionally(f.cause());
                }
            });
        } catch (RuntimeException e) {
            attempt.completeExceptionally(e); // closes the scope
        }
    }
}
