package io.jkad.net;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.net.pb.IdentifyProto.Identify;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Connection} of a {@link Host}: the TCP channel with its Yamux session, stream
 * negotiation in both directions, Identify results and the idle timer. State that is not final
 * is confined to the channel's event loop or volatile.
 */
final class HostConnection implements Connection, YamuxHandler.Listener {

    /** What a connection tells, and asks, the host it belongs to: no more than this. */
    interface Owner {
        void identified(HostConnection conn, IdentifyInfo info);

        void streamOpened(HostConnection conn, StreamChannel stream);

        /** The resource manager refused an inbound stream of {@code peer} (logged, rate-limited). */
        void streamRefused(PeerId peer, ResourceLimitException e);

        /** Whether {@code conn} is the connection new streams to its peer use. */
        boolean isPreferred(HostConnection conn);

        /** Our Identify message as {@code conn}'s remote is to see it. */
        Identify identifyMessage(HostConnection conn);

        /**
         * {@code conn}'s channel closed. Called once, on its event loop, before the future that
         * {@link HostConnection#close()} returns completes: whoever waits for that future finds the
         * host done with the connection.
         */
        void closed(HostConnection conn);
    }

    private static final Logger LOG = LoggerFactory.getLogger(HostConnection.class);
    /** How long a duplicate connection to a peer may stay idle when idle connections are otherwise kept. */
    static final Duration REDUNDANT_IDLE = Duration.ofSeconds(10);

    private final HostConfig config;
    private final ProtocolRegistry protocols;
    private final Owner owner;
    private final Channel channel;
    private final PeerId remotePeer;
    private final boolean outbound;
    private final Multiaddr remoteAddress;
    private final Multiaddr localAddress;
    private final long establishedNanos = System.nanoTime();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private YamuxHandler yamux;
    private volatile IdentifyInfo identifyInfo;
    /** Identify pushes taken from this connection (issue 11: 60 pushes in a row kept the logic thread busy). */
    private final IdentifyPushLimiter identifyPushes = new IdentifyPushLimiter();
    private volatile int streamCount;
    private volatile boolean pushWanted;
    private ScheduledFuture<?> idleTask;
    /** Open streams that do not keep the connection from idling (ping). Event loop only. */
    private final Set<StreamChannel> idleExempt = new HashSet<>();
    /** Open inbound streams by protocol, for the per-connection limits. Event loop only. */
    private final Map<String, Integer> inboundStreams = new HashMap<>();
    private CompletableFuture<Duration> pingInFlight;

    HostConnection(HostConfig config, ProtocolRegistry protocols, Owner owner, Channel channel, PeerId remotePeer,
                   boolean outbound) {
        this.config = config;
        this.protocols = protocols;
        this.owner = owner;
        this.channel = channel;
        this.remotePeer = remotePeer;
        this.outbound = outbound;
        this.remoteAddress = Multiaddr.tcp((InetSocketAddress) channel.remoteAddress());
        this.localAddress = Multiaddr.tcp((InetSocketAddress) channel.localAddress());
        channel.closeFuture().addListener(f -> {
            try {
                owner.closed(this);
            } finally {
                closed.complete(null);
            }
        });
    }

    void yamux(YamuxHandler yamux) {
        this.yamux = yamux;
    }

    long establishedNanos() {
        return establishedNanos;
    }

    @Override
    public PeerId remotePeer() {
        return remotePeer;
    }

    @Override
    public Multiaddr remoteAddress() {
        return remoteAddress;
    }

    @Override
    public Multiaddr localAddress() {
        return localAddress;
    }

    @Override
    public boolean isOutbound() {
        return outbound;
    }

    @Override
    public boolean isOpen() {
        return channel.isActive();
    }

    /** Open and not going away: new streams may be opened. */
    boolean isUsable() {
        YamuxHandler y = yamux;
        return channel.isActive() && y != null && !y.isGoingAway();
    }

    @Override
    public Optional<IdentifyInfo> identifyInfo() {
        return Optional.ofNullable(identifyInfo);
    }

    @Override
    public int streamCount() {
        return streamCount;
    }

    @Override
    public CompletableFuture<StreamChannel> openStream(String protocol, StreamInitializer initializer) {
        MultistreamHandler.checkProtocolId(protocol);
        Objects.requireNonNull(initializer, "initializer");
        CompletableFuture<StreamChannel> result = new CompletableFuture<>();
        if (channel.eventLoop().inEventLoop()) {
            openStream0(protocol, initializer, result);
        } else {
            try {
                channel.eventLoop().execute(() -> openStream0(protocol, initializer, result));
            } catch (RuntimeException e) {
                result.completeExceptionally(new IllegalStateException("connection to " + remotePeer + " is closed", e));
            }
        }
        return result;
    }

    private void openStream0(String protocol, StreamInitializer initializer, CompletableFuture<StreamChannel> result) {
        if (!channel.isActive() || yamux == null) {
            result.completeExceptionally(new IllegalStateException("connection to " + remotePeer + " is closed"));
            return;
        }
        MultistreamHandler negotiation = MultistreamHandler.dialer(List.of(protocol), config.negotiationTimeout(),
                new MultistreamHandler.Outcome() {
                    @Override
                    public void selected(ChannelHandlerContext ctx, String p) throws Exception {
                        YamuxStreamChannel s = (YamuxStreamChannel) ctx.channel();
                        s.protocol(p);
                        initializer.initialize(s);
                        owner.streamOpened(HostConnection.this, s);
                        result.complete(s);
                    }

                    @Override
                    public void failed(ChannelHandlerContext ctx, ProtocolNegotiationException cause) {
                        ((YamuxStreamChannel) ctx.channel()).reset();
                        result.completeExceptionally(cause.getCause() != null
                                && !(cause.getCause() instanceof ClosedChannelException)
                                ? cause.getCause() : cause);
                    }
                });
        try {
            yamux.openStream(negotiation);
        } catch (IllegalStateException e) {
            result.completeExceptionally(e);
        }
    }

    @Override
    public CompletableFuture<Void> close() {
        if (channel.eventLoop().inEventLoop()) {
            close0();
        } else {
            try {
                channel.eventLoop().execute(this::close0);
            } catch (RuntimeException e) {
                channel.close();
            }
        }
        return closed.copy();
    }

    private void close0() {
        if (yamux != null) {
            yamux.goAway();
        }
        channel.close();
    }

    // --- Yamux session events (event loop) ---

    @Override
    public void inboundStream(YamuxStreamChannel stream) {
        stream.pipeline().addLast(MultistreamHandler.listener(protocols::supports, config.negotiationTimeout(),
                new MultistreamHandler.Outcome() {
                    @Override
                    public void selected(ChannelHandlerContext ctx, String protocol) throws Exception {
                        ProtocolRegistry.InboundHandler handler = protocols.handler(protocol);
                        if (handler == null) {
                            throw new IllegalStateException("no handler for " + protocol);
                        }
                        try {
                            stream.resources().protocol(protocol);
                        } catch (ResourceLimitException e) {
                            owner.streamRefused(remotePeer, e);
                            stream.reset();
                            return;
                        }
                        stream.protocol(protocol);
                        handler.initialize(HostConnection.this, stream);
                        owner.streamOpened(HostConnection.this, stream);
                    }

                    @Override
                    public void failed(ChannelHandlerContext ctx, ProtocolNegotiationException cause) {
                        LOG.debug("inbound stream {} from {}: {}", stream.streamId(), remotePeer, cause.getMessage());
                        stream.reset();
                    }
                }));
    }

    @Override
    public void streamOpened(YamuxStreamChannel stream) {
        streamCount = yamux.openStreamCount();
        if (idleTask != null) {
            idleTask.cancel(false);
            idleTask = null;
        }
    }

    @Override
    public void streamClosed(YamuxStreamChannel stream) {
        streamCount = yamux.openStreamCount();
        idleExempt.remove(stream);
        scheduleIdleCheck();
    }

    /**
     * Lets an open stream not count for the idle timeout (a peer's long-lived ping stream must not
     * keep the connection open forever). Event loop only.
     */
    void exemptFromIdle(StreamChannel stream) {
        if (stream.isOpen() && idleExempt.add(stream)) {
            scheduleIdleCheck();
        }
    }

    private int busyStreams() {
        return yamux.openStreamCount() - idleExempt.size();
    }

    @Override
    public void goAwayReceived(int code) {
        LOG.debug("{} sent go away ({})", remotePeer, code);
        scheduleIdleCheck();
    }

    /** Whether the idle timer is armed, read on the event loop (what tests observe instead of waiting it out). */
    CompletableFuture<Boolean> idleTimerArmed() {
        CompletableFuture<Boolean> armed = new CompletableFuture<>();
        channel.eventLoop().execute(() -> armed.complete(idleTask != null));
        return armed;
    }

    /** Arms the idle timer when no streams are open (runs on the event loop). */
    void scheduleIdleCheck() {
        if (yamux == null || busyStreams() > 0 || !channel.isActive() || idleTask != null) {
            return;
        }
        Duration idle = yamux.isGoingAway() ? Duration.ZERO : config.idleTimeout();
        if (idle.isZero() && !yamux.isGoingAway()) {
            if (owner.isPreferred(this)) {
                return; // idle connections are kept
            }
            // A duplicate left by simultaneous dials: nobody opens streams on it any more.
            idle = REDUNDANT_IDLE;
        }
        idleTask = channel.eventLoop().schedule(() -> {
            idleTask = null;
            if (busyStreams() <= 0 && channel.isActive()) {
                LOG.debug("closing idle connection to {} ({})", remotePeer, remoteAddress);
                close0();
            }
        }, idle.toNanos(), TimeUnit.NANOSECONDS);
    }

    // --- Identify ---

    /** Asks the remote for its Identify message (runs on the event loop, right after establishment). */
    void startIdentify() {
        openStream(IdentifyProtocol.ID, stream -> stream.pipeline().addLast(
                new UvarintFrameDecoder(IdentifyProtocol.MAX_PART),
                new IdentifyProtocol.ReaderHandler(config.identifyTimeout(),
                        m -> onIdentify(m, false),
                        cause -> LOG.debug("identify of {} failed: {}", remotePeer, cause.toString()))))
                .whenComplete((s, e) -> {
                    if (e != null) {
                        LOG.debug("could not open identify stream to {}: {}", remotePeer, e.toString());
                    }
                });
    }

    void onIdentify(Identify message, boolean push) {
        if (push && !identifyPushes.tryAcquire(remotePeer)) {
            return;
        }
        IdentifyInfo info;
        try {
            info = IdentifyProtocol.toInfo(message, remotePeer, push ? identifyInfo : null);
        } catch (IllegalArgumentException e) {
            LOG.warn("ignoring identify from {}: {}", remotePeer, e.getMessage());
            return;
        }
        identifyInfo = info;
        owner.identified(this, info);
        if (!push && pushWanted) {
            pushIdentify();
        }
    }

    /**
     * Sends an Identify Push with our current message, if the remote accepts pushes; before the
     * remote's Identify arrives, the push waits for it.
     */
    void pushIdentify() {
        IdentifyInfo info = identifyInfo;
        if (info == null) {
            pushWanted = true;
            return;
        }
        pushWanted = false;
        if (!info.supports(IdentifyProtocol.PUSH) || !isUsable()) {
            return;
        }
        Identify message = owner.identifyMessage(this);
        openStream(IdentifyProtocol.PUSH, stream -> stream.pipeline().addLast(
                new IdentifyProtocol.ResponderHandler(message, config.identifyTimeout())))
                .whenComplete((s, e) -> {
                    if (e != null) {
                        LOG.debug("identify push to {} failed: {}", remotePeer, e.toString());
                    }
                });
    }

    // --- Ping ---

    /**
     * Counts an inbound stream against the most streams of its protocol this connection may have
     * open at once; the count drops when the stream closes, and goes with the connection. Called
     * from the stream's initializer (event loop).
     *
     * @return false, counting nothing, if {@code max} streams of the protocol are open already
     */
    @Override
    public boolean admitInbound(StreamChannel stream, int max) {
        String protocol = stream.protocol();
        int open = inboundStreams.getOrDefault(protocol, 0);
        if (open >= max) {
            return false;
        }
        inboundStreams.put(protocol, open + 1);
        stream.closeFuture().addListener(f -> inboundStreams.computeIfPresent(protocol, (p, n) -> n > 1 ? n - 1 : null));
        return true;
    }

    /** Registers an inbound ping stream; false if the per-connection limit is reached (event loop). */
    boolean acceptInboundPing(StreamChannel stream) {
        if (!admitInbound(stream, PingProtocol.MAX_INBOUND)) {
            return false;
        }
        exemptFromIdle(stream);
        return true;
    }

    /** One ping round; concurrent calls share the round in flight. */
    CompletableFuture<Duration> ping() {
        CompletableFuture<CompletableFuture<Duration>> holder = new CompletableFuture<>();
        Runnable start = () -> {
            if (pingInFlight != null && !pingInFlight.isDone()) {
                holder.complete(pingInFlight);
                return;
            }
            CompletableFuture<Duration> result = new CompletableFuture<>();
            pingInFlight = result;
            holder.complete(result);
            openStream(PingProtocol.ID, stream -> stream.pipeline().addLast(
                    new PingProtocol.RequestHandler(result, config.pingTimeout())))
                    .whenComplete((s, e) -> {
                        if (e != null) {
                            result.completeExceptionally(e);
                        }
                    });
        };
        try {
            if (channel.eventLoop().inEventLoop()) {
                start.run();
            } else {
                channel.eventLoop().execute(start);
            }
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(new IllegalStateException("connection to " + remotePeer + " is closed", e));
        }
        return holder.thenCompose(f -> f.copy());
    }

    @Override
    public String toString() {
        return "Connection(" + remotePeer + (outbound ? " to " : " from ") + remoteAddress + ")";
    }
}
