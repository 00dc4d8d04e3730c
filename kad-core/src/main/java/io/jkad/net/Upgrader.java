package io.jkad.net;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.util.RateLimitedLog;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a raw TCP channel into a libp2p connection, in four steps on the channel's pipeline:
 * multistream-select agrees on {@code /noise}, Noise authenticates the remote (whose connection
 * then moves from the transient scope to its peer's), multistream-select agrees on
 * {@code /yamux/1.0.0}, and the {@link Established} callback puts Yamux on and registers the
 * connection. The whole upgrade has one deadline (the dial timeout when we dial, the handshake
 * timeout when we accept); its result completes with the connection or with why it failed.
 */
final class Upgrader {

    private static final Logger LOG = LoggerFactory.getLogger(Upgrader.class);

    /** The last step: the protocols are agreed and the remote authenticated. */
    interface Established {
        void established(ChannelHandlerContext ctx, SocketChannel ch, PeerId remote, boolean dialer,
                         ResourceManager.ConnectionScope scope, CompletableFuture<HostConnection> result);
    }

    private final Ed25519KeyPair identity;
    private final HostConfig config;
    private final TrafficCountHandler traffic;
    private final Set<Channel> channels;
    private final RateLimitedLog refusalLog;
    private final LongAdder handshakeTimeouts = new LongAdder();
    private final LongAdder secured = new LongAdder();
    private final Established established;
    /** The host's one static key when it reuses it, else null (a fresh one per connection). */
    private final NoiseHandler.StaticKey staticKey;

    Upgrader(Ed25519KeyPair identity, HostConfig config, TrafficCountHandler traffic, Set<Channel> channels,
             RateLimitedLog refusalLog, Established established) {
        this.identity = identity;
        this.config = config;
        this.traffic = traffic;
        this.channels = channels;
        this.refusalLog = refusalLog;
        this.established = established;
        this.staticKey = config.reuseNoiseStaticKey() ? NoiseHandler.StaticKey.create(identity) : null;
    }

    /** Inbound upgrades that did not finish within the handshake timeout. */
    long handshakeTimeouts() {
        return handshakeTimeouts.sum();
    }

    /** Connections, dialed and accepted, whose Noise handshake completed. */
    long secured() {
        return secured.sum();
    }

    /**
     * Starts the upgrade of {@code ch}; {@code result} completes with the established connection.
     * {@code expected} is the peer a dial is for (Noise checks it), null for an inbound connection.
     */
    void upgrade(SocketChannel ch, boolean dialer, PeerId expected, ResourceManager.ConnectionScope scope,
                 CompletableFuture<HostConnection> result) {
        new Upgrade(ch, dialer, expected, scope, result).start();
    }

    /** One channel's upgrade: its steps, in order (it listens to its Noise handler itself). */
    private final class Upgrade implements NoiseHandler.Listener {
        private final SocketChannel ch;
        private final boolean dialer;
        private final PeerId expected;
        private final ResourceManager.ConnectionScope scope;
        private final CompletableFuture<HostConnection> result;
        /** One deadline for the whole upgrade: the multistream handlers' own timeouts are the same, never longer. */
        private final Duration timeout;

        Upgrade(SocketChannel ch, boolean dialer, PeerId expected, ResourceManager.ConnectionScope scope,
                CompletableFuture<HostConnection> result) {
            this.ch = ch;
            this.dialer = dialer;
            this.expected = expected;
            this.scope = scope;
            this.result = result;
            this.timeout = dialer ? config.dialTimeout() : config.handshakeTimeout();
        }

        void start() {
            channels.add(ch);
            ch.pipeline().addFirst("traffic", traffic);
            ch.closeFuture().addListener(f -> channels.remove(ch));
            ScheduledFuture<?> timeoutTask = ch.eventLoop().schedule(this::timedOut, timeout.toNanos(), TimeUnit.NANOSECONDS);
            result.whenComplete((c, e) -> timeoutTask.cancel(false));
            ch.pipeline().addLast("security-select", select(NoiseHandler.PROTOCOL_ID, this::securitySelected));
            ch.pipeline().addLast("errors", new ErrorHandler(result));
        }

        private void timedOut() {
            if (result.completeExceptionally(new TimeoutException((dialer ? "dial" : "inbound upgrade")
                    + " did not finish within " + timeout.toMillis() + " ms"))) {
                if (!dialer) {
                    handshakeTimeouts.increment();
                }
                ch.close();
            }
        }

        /** Step 1 done: {@code /noise} agreed; Noise comes next. */
        private void securitySelected(ChannelHandlerContext ctx, String protocol) {
            NoiseHandler noise = staticKey != null
                    ? new NoiseHandler(dialer, identity, staticKey, expected, this)
                    : new NoiseHandler(dialer, identity, expected, this);
            noise.verifiedSignatures(config.runtime().map(HostRuntime::verifiedSignatures).orElse(null));
            ctx.pipeline().addAfter(ctx.name(), "noise", noise);
        }

        /** Step 2 done: the remote is authenticated; its scope becomes its peer's, and the muxer is agreed next. */
        @Override
        public void secured(ChannelHandlerContext ctx, PeerId remote) {
            secured.increment();
            try {
                scope.authenticated(remote);
            } catch (ResourceLimitException | IllegalStateException e) {
                result.completeExceptionally(e);
                ctx.close();
                return;
            }
            ctx.pipeline().addAfter(ctx.name(), "muxer-select", select(YamuxHandler.PROTOCOL_ID, this::muxerSelected));
        }

        /** Noise failed: in the handshake, or later on the transport. */
        @Override
        public void failed(ChannelHandlerContext ctx, HandshakeException cause) {
            if (!result.completeExceptionally(cause)) {
                if (result.isCompletedExceptionally()) {
                    LOG.debug("closing connection {}: {}", ch, cause.getMessage()); // the upgrade failed already (a timeout)
                } else {
                    // A peer can cause this at will (a bad frame after the handshake): rate-limited.
                    refusalLog.log("noise transport", () -> "closing connection " + ch + ": " + cause.getMessage());
                }
            }
            ctx.close();
        }

        /** Step 3 done: {@code /yamux/1.0.0} agreed; the connection is established. */
        private void muxerSelected(ChannelHandlerContext ctx, String protocol) {
            NoiseHandler noise = ctx.pipeline().get(NoiseHandler.class);
            established.established(ctx, ch, noise.remotePeer(), dialer, scope, result);
        }

        /** A multistream-select of {@code protocol} (proposed when dialing, accepted when listening). */
        private MultistreamHandler select(String protocol, Step next) {
            MultistreamHandler.Outcome outcome = new MultistreamHandler.Outcome() {
                @Override
                public void selected(ChannelHandlerContext ctx, String agreed) {
                    next.run(ctx, agreed);
                }

                @Override
                public void failed(ChannelHandlerContext ctx, ProtocolNegotiationException cause) {
                    result.completeExceptionally(cause);
                    ctx.close();
                }
            };
            return dialer ? MultistreamHandler.dialer(List.of(protocol), timeout, outcome)
                    : MultistreamHandler.listener(protocol::equals, timeout, outcome);
        }
    }

    private interface Step {
        void run(ChannelHandlerContext ctx, String protocol);
    }

    /** The last handler of a connection's pipeline: fails the upgrade on error or close, and logs. */
    private static final class ErrorHandler extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<HostConnection> upgrade;

        ErrorHandler(CompletableFuture<HostConnection> upgrade) {
            this.upgrade = upgrade;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!upgrade.completeExceptionally(cause)) {
                if (cause instanceof IOException) {
                    LOG.debug("closing connection {}: {}", ctx.channel(), cause.toString());
                } else {
                    LOG.warn("closing connection {}: {}", ctx.channel(), cause.toString(), cause);
                }
            }
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            // Most connections close long after their upgrade; the exception is made only when needed.
            if (upgrade.isDone()) {
                return;
            }
            upgrade.completeExceptionally(new IOException("connection closed during the upgrade",
                    new ClosedChannelException()));
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }
    }
}
