package io.jkad.net;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.net.pb.IdentifyProto.Identify;
import io.jkad.util.RateLimitedLog;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.spi.SelectorProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A libp2p host on Netty: listens on and dials TCP, secures connections with Noise
 * ({@code /noise}), multiplexes them with Yamux ({@code /yamux/1.0.0}), negotiates every stream
 * with multistream-select 1.0.0, and runs Identify ({@code /ipfs/id/1.0.0}, answering
 * {@code /ipfs/id/push/1.0.0} too) and Ping ({@code /ipfs/ping/1.0.0}) on every connection.
 * Thread-safe.
 *
 * <p><b>Connections.</b> {@link #dial} reuses an open connection to the peer and joins a dial
 * already in progress; otherwise it tries the addresses in order, each within the dial timeout,
 * reporting each failure to {@link HostListener#dialFailed}. When both peers dial each other at
 * once, both dials succeed; both sides then open new streams on the same one of the two
 * connections (the one dialed by the peer with the smaller peer id), and the other one closes
 * when idle. A connection with no streams for the idle timeout is closed.
 *
 * <p><b>Streams.</b> Register a {@link StreamInitializer} per protocol id with
 * {@link #setStreamHandler}; it runs on the IO thread for every inbound stream of that protocol.
 * Registered protocols are advertised through Identify (and pushed to connected peers that accept
 * Identify Push when they change). Open streams with {@link #openStream} or
 * {@link Connection#openStream}. See {@link StreamChannel} for the stream contract.
 *
 * <p><b>Admission.</b> Every connection counts in the host's {@link ResourceManager} from the
 * moment it is accepted or dialled: an inbound one is refused at once (its socket closed with a
 * reset, before any handshake work) when its source IP has spent its handshake
 * {@linkplain HostConfig#handshakeRateLimit rate}, or when the node, the connections in the
 * handshake, those from its IP or from its subnet are at their limit. It must finish its whole
 * upgrade within the {@linkplain HostConfig#handshakeTimeout handshake timeout}. When Noise names
 * the remote, the connection moves from the transient scope to its peer's, and is closed if the
 * peer has its most connections already. Every inbound stream names its protocol in its scope
 * when negotiated, and is reset if the protocol is at its limit. Refusals are logged at INFO at
 * most once per {@link #REFUSAL_LOG_INTERVAL} per reason, with the count of the others, and
 * counted ({@link #admission()}, {@link ResourceManager#refusals()}).
 *
 * <p><b>Threading.</b> IO runs on the host's own event loops. Listener callbacks, stream
 * initializers, stream pipelines and the completion of the futures this class returns all run on
 * IO threads; they must not block or call the Kademlia state machine or a store (hand work to the
 * logic thread, or continue futures with the {@code *Async} methods and your executor).
 */
public final class Host implements AutoCloseable {

    /** {@code /ipfs/id/1.0.0} */
    public static final String IDENTIFY = IdentifyProtocol.ID;
    /** {@code /ipfs/id/push/1.0.0} */
    public static final String IDENTIFY_PUSH = IdentifyProtocol.PUSH;
    /** {@code /ipfs/ping/1.0.0} */
    public static final String PING = PingProtocol.ID;

    private static final Logger LOG = LoggerFactory.getLogger(Host.class);
    private static final Set<String> BUILT_IN = Set.of(IDENTIFY, IDENTIFY_PUSH, PING);
    /** The least time between two log lines about refused connections or streams, per reason. */
    public static final Duration REFUSAL_LOG_INTERVAL = Duration.ofSeconds(10);
    /** The most source IPs (and, separately, subnets) whose handshake rate is remembered. */
    static final int MAX_RATE_LIMITED_SOURCES = 16_384;

    /**
     * What admission refused so far, besides the resource manager's refusals: inbound connections
     * over their source's handshake rate, inbound upgrades that did not finish in time, and
     * handshakes that failed to authenticate.
     */
    public record AdmissionCounts(long rateLimited, long handshakeTimeouts, long handshakeFailures) {
    }

    private final HostConfig config;
    private final Ed25519KeyPair identity;
    private final PeerId peerId;
    private final YamuxConfig yamuxConfig;
    private final EventLoopGroup group;
    private final List<Channel> servers = new ArrayList<>();
    private final List<Multiaddr> listenAddresses = new ArrayList<>();
    private volatile List<Multiaddr> advertisedAddresses = List.of();
    private final Map<String, StreamInitializer> handlers = new ConcurrentHashMap<>();
    private final List<HostListener> listeners = new CopyOnWriteArrayList<>();
    private final Set<Channel> channels = ConcurrentHashMap.newKeySet();
    private final TrafficCountHandler traffic = new TrafficCountHandler();
    private final Object lock = new Object();
    private final Map<PeerId, List<HostConnection>> connections = new HashMap<>();
    private final Map<PeerId, CompletableFuture<Connection>> pendingDials = new HashMap<>();
    private final ResourceManager resources;
    private final TokenBuckets<InetAddress> handshakesPerIp;
    private final TokenBuckets<ResourceManager.Subnet> handshakesPerSubnet;
    private final RateLimitedLog refusalLog = new RateLimitedLog(REFUSAL_LOG_INTERVAL, LOG::info);
    private final LongAdder rateLimited = new LongAdder();
    private final LongAdder handshakeTimeouts = new LongAdder();
    private final LongAdder handshakeFailures = new LongAdder();
    private volatile boolean closed;

    private Host(HostConfig config) {
        this.config = config;
        this.identity = config.identity();
        this.peerId = identity.peerId();
        this.resources = new ResourceManager(config.resourceLimits());
        this.handshakesPerIp = new TokenBuckets<>(config.handshakeBurst(), config.handshakesPerSecond(),
                MAX_RATE_LIMITED_SOURCES);
        this.handshakesPerSubnet = new TokenBuckets<>(config.handshakeBurst() * HostConfig.SUBNET_RATE_FACTOR,
                config.handshakesPerSecond() * HostConfig.SUBNET_RATE_FACTOR, MAX_RATE_LIMITED_SOURCES);
        this.yamuxConfig = YamuxConfig.DEFAULT
                .withMaxInboundStreams(config.maxInboundStreamsPerConnection())
                .withKeepAlive(config.keepAliveInterval(), Duration.ofSeconds(30));
        this.group = new MultiThreadIoEventLoopGroup(config.ioThreads(), NioIoHandler.newFactory());
        handlers.put(IDENTIFY, stream -> stream.pipeline().addLast(
                new IdentifyProtocol.ResponderHandler(identifyMessage((HostConnection) stream.connection()),
                        config.identifyTimeout())));
        handlers.put(IDENTIFY_PUSH, stream -> {
            HostConnection conn = (HostConnection) stream.connection();
            stream.pipeline().addLast(new UvarintFrameDecoder(IdentifyProtocol.MAX_PART),
                    new IdentifyProtocol.ReaderHandler(config.identifyTimeout(), m -> conn.onIdentify(m, true),
                            cause -> LOG.debug("identify push from {} failed: {}", conn.remotePeer(), cause.toString())));
        });
        handlers.put(PING, stream -> {
            if (!((HostConnection) stream.connection()).acceptInboundPing(stream)) {
                throw new IllegalStateException("more than " + PingProtocol.MAX_INBOUND + " ping streams from "
                        + stream.remotePeer());
            }
            stream.pipeline().addLast(new PingProtocol.EchoHandler());
        });
    }

    /**
     * Starts a host: binds every listen address of {@code config}.
     *
     * @throws IOException if an address cannot be bound (the host is then closed)
     */
    public static Host start(HostConfig config) throws IOException {
        Objects.requireNonNull(config, "config");
        Host host = new Host(config);
        try {
            host.bind();
        } catch (IOException | RuntimeException e) {
            host.close();
            throw e;
        }
        return host;
    }

    private void bind() throws IOException {
        ServerBootstrap sb = new ServerBootstrap()
                .group(group)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, YamuxConfig.WRITE_BUFFER_WATER_MARK)
                .childOption(ChannelOption.RECVBUF_ALLOCATOR, YamuxConfig.FAIR_READS)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        acceptInbound(ch);
                    }
                });
        List<Multiaddr> requested = config.listenAddresses();
        Set<Integer> dualStackPorts = ListenAddresses.dualStackPorts(requested);
        Map<Integer, Integer> boundDualStack = new HashMap<>();
        for (Multiaddr address : requested) {
            InetSocketAddress sa = address.toTcpSocketAddress().orElseThrow();
            InetAddress ip = sa.getAddress();
            int port;
            if (ip.isAnyLocalAddress() && dualStackPorts.contains(sa.getPort())) {
                // Both wildcards on one port: the JDK's IPv6 sockets are dual-stack (it clears
                // IPV6_V6ONLY and offers no way to set it), so a second socket for 0.0.0.0 on the
                // same port could not bind. One IPv6 socket on [::] accepts both families.
                Integer done = boundDualStack.get(sa.getPort());
                if (done == null) {
                    done = bindOne(sb, new InetSocketAddress(ListenAddresses.IPV6_ANY, sa.getPort()), SocketProtocolFamily.INET6,
                            address);
                    boundDualStack.put(sa.getPort(), done);
                }
                port = done;
            } else {
                // A socket of the family asked for: an IPv4 socket on 0.0.0.0 reports 0.0.0.0, not [::].
                port = bindOne(sb, sa, ip instanceof Inet4Address ? SocketProtocolFamily.INET
                        : SocketProtocolFamily.INET6, address);
            }
            Multiaddr listening = Multiaddr.tcp(new InetSocketAddress(ip, port));
            listenAddresses.add(listening);
            LOG.info("{} listening on {}", peerId, listening);
        }
        advertisedAddresses = config.announceAddresses().isEmpty()
                ? ListenAddresses.expandWildcards(listenAddresses, ListenAddresses.interfaceAddresses())
                : config.announceAddresses();
    }

    /** Binds one server socket of {@code family}; returns the bound port. */
    private int bindOne(ServerBootstrap sb, InetSocketAddress sa, SocketProtocolFamily family, Multiaddr asked)
            throws IOException {
        ChannelFuture f = sb.clone()
                .channelFactory(() -> new NioServerSocketChannel(SelectorProvider.provider(), family))
                .bind(sa).awaitUninterruptibly();
        if (!f.isSuccess()) {
            throw new IOException("could not listen on " + asked + ": " + f.cause(), f.cause());
        }
        servers.add(f.channel());
        return ((InetSocketAddress) f.channel().localAddress()).getPort();
    }

    // --- accessors ---

    /**
     * The bytes read from all TCP connections of this host since it started, as they came over the
     * wire (encrypted Noise frames with their framing, and the handshakes before them).
     */
    public long bytesReceived() {
        return traffic.received();
    }

    /** The bytes written to all TCP connections of this host since it started (as {@link #bytesReceived()}). */
    public long bytesSent() {
        return traffic.sent();
    }

    /** Our peer id. */
    public PeerId peerId() {
        return peerId;
    }

    /** The settings this host was started with. */
    public HostConfig config() {
        return config;
    }

    /** The addresses actually bound (a port 0 is replaced by the chosen port), in configuration order. */
    public List<Multiaddr> listenAddresses() {
        return List.copyOf(listenAddresses);
    }

    /** The addresses Identify advertises: the announce addresses, or the listen addresses with wildcards expanded. */
    public List<Multiaddr> advertisedAddresses() {
        return advertisedAddresses;
    }

    /** What the host's connections and streams hold now, and what it refused. */
    public ResourceManager resources() {
        return resources;
    }

    /** What admission refused so far (the resource manager's refusals are in {@link #resources()}). */
    public AdmissionCounts admission() {
        return new AdmissionCounts(rateLimited.sum(), handshakeTimeouts.sum(), handshakeFailures.sum());
    }

    /** Adds a listener; see {@link HostListener} for the threading rule. */
    public void addListener(HostListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeListener(HostListener listener) {
        listeners.remove(listener);
    }

    // --- stream handlers ---

    /**
     * Handles inbound streams of {@code protocol} with {@code initializer} (replacing a previous
     * one) and advertises the protocol through Identify.
     *
     * @throws IllegalArgumentException if the protocol id is invalid or built in (identify, ping)
     */
    public void setStreamHandler(String protocol, StreamInitializer initializer) {
        MultistreamHandler.checkProtocolId(protocol);
        Objects.requireNonNull(initializer, "initializer");
        if (BUILT_IN.contains(protocol)) {
            throw new IllegalArgumentException("protocol is built in: " + protocol);
        }
        StreamInitializer old = handlers.put(protocol, initializer);
        if (old == null) {
            pushIdentifyToAll();
        }
    }

    /**
     * Stops handling {@code protocol}; new inbound streams for it are refused.
     *
     * @return whether a handler was registered
     * @throws IllegalArgumentException if the protocol is built in
     */
    public boolean removeStreamHandler(String protocol) {
        if (BUILT_IN.contains(protocol)) {
            throw new IllegalArgumentException("protocol is built in: " + protocol);
        }
        boolean removed = handlers.remove(protocol) != null;
        if (removed) {
            pushIdentifyToAll();
        }
        return removed;
    }

    /** The protocols we accept inbound (what Identify advertises), sorted. */
    public List<String> protocols() {
        return List.copyOf(new TreeSet<>(handlers.keySet()));
    }

    boolean supportsInbound(String protocol) {
        return handlers.containsKey(protocol);
    }

    StreamInitializer inboundHandler(String protocol) {
        return handlers.get(protocol);
    }

    Identify identifyMessage(HostConnection conn) {
        return IdentifyProtocol.message(identity, config.agentVersion(), advertisedAddresses, conn.remoteAddress(),
                protocols());
    }

    private void pushIdentifyToAll() {
        for (HostConnection c : allConnections()) {
            c.pushIdentify();
        }
    }

    // --- connections ---

    /**
     * A connection to {@code peer}: an open one if there is one, else a new one through the first
     * address that works. {@code /p2p/} suffixes are allowed if they name {@code peer}.
     *
     * @return completes (on an IO thread) with the connection, or fails with {@link DialException}
     *     listing why each address failed, or {@link IllegalStateException} if the host is closed
     * @throws IllegalArgumentException if {@code peer} is our own peer id
     */
    public CompletableFuture<Connection> dial(PeerId peer, List<Multiaddr> addresses) {
        Objects.requireNonNull(peer, "peer");
        List<Multiaddr> addrs = List.copyOf(addresses);
        if (peer.equals(peerId)) {
            throw new IllegalArgumentException("cannot dial ourselves: " + peer);
        }
        CompletableFuture<Connection> result;
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("host closed"));
            }
            Optional<HostConnection> existing = best(peer);
            if (existing.isPresent()) {
                return CompletableFuture.completedFuture(existing.get());
            }
            CompletableFuture<Connection> pending = pendingDials.get(peer);
            if (pending != null) {
                return pending.copy();
            }
            result = new CompletableFuture<>();
            pendingDials.put(peer, result);
        }
        dialNext(peer, addrs, 0, new LinkedHashMap<>(), result);
        return result.copy();
    }

    /** Ends a dial: forgets it first, so a dial started right after does not join a finished one. */
    private void settle(PeerId peer, CompletableFuture<Connection> result, Connection conn, Throwable error) {
        synchronized (lock) {
            pendingDials.remove(peer, result);
        }
        if (error == null) {
            result.complete(conn);
        } else {
            result.completeExceptionally(error);
        }
    }

    private void dialNext(PeerId peer, List<Multiaddr> addrs, int index, Map<Multiaddr, Throwable> failures,
                          CompletableFuture<Connection> result) {
        if (closed) {
            settle(peer, result, null, new IllegalStateException("host closed"));
            return;
        }
        Optional<HostConnection> existing;
        synchronized (lock) {
            existing = best(peer);
        }
        if (existing.isPresent()) {
            settle(peer, result, existing.get(), null);
            return;
        }
        if (index >= addrs.size()) {
            settle(peer, result, null, new DialException(peer, failures));
            return;
        }
        Multiaddr address = addrs.get(index);
        CompletableFuture<HostConnection> attempt = new CompletableFuture<>();
        attempt.whenComplete((conn, err) -> {
            if (err == null) {
                settle(peer, result, conn, null);
                return;
            }
            Throwable cause = unwrap(err);
            LOG.debug("dialing {} at {} failed: {}", peer, address, cause.toString());
            failures.put(address, cause);
            fire(l -> l.dialFailed(peer, address, cause));
            dialNext(peer, addrs, index + 1, failures, result);
        });
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
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, config.dialTimeout().toMillis()))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, YamuxConfig.WRITE_BUFFER_WATER_MARK)
                .option(ChannelOption.RECVBUF_ALLOCATOR, YamuxConfig.FAIR_READS)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.closeFuture().addListener(f -> scope.close());
                        upgrade(ch, true, peer, scope, attempt);
                    }
                });
        try {
            b.connect(target.get()).addListener((ChannelFuture f) -> {
                if (!f.isSuccess()) {
                    attempt.completeExceptionally(f.cause());
                }
            });
        } catch (RuntimeException e) {
            attempt.completeExceptionally(e); // closes the scope
        }
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private void acceptInbound(SocketChannel ch) {
        if (closed) {
            ch.close();
            return;
        }
        InetAddress ip = ch.remoteAddress().getAddress();
        if (config.maxInboundConnections() == 0) {
            refuse(ch, "inbound off", () -> "refusing inbound connection from " + ip.getHostAddress()
                    + ": inbound connections are off (maxInboundConnections 0)");
            return;
        }
        // The IP's bucket first: a source over its own rate does not drain its subnet's.
        if (!handshakesPerIp.tryAcquire(ip) || !handshakesPerSubnet.tryAcquire(ResourceManager.subnetOf(ip))) {
            rateLimited.increment();
            refuse(ch, "handshake rate", () -> "refusing inbound connection from " + ip.getHostAddress()
                    + ": its address or subnet started more than " + config.handshakeBurst() + " handshakes at once or "
                    + config.handshakesPerSecond() + " a second (x" + HostConfig.SUBNET_RATE_FACTOR + " per subnet)");
            return;
        }
        ResourceManager.ConnectionScope scope;
        try {
            scope = resources.openConnection(true, ip);
        } catch (ResourceLimitException e) {
            refuse(ch, e.scope() + " " + e.resource(), () -> "refusing inbound connection from " + ip.getHostAddress()
                    + ": " + e.getMessage());
            return;
        }
        ch.closeFuture().addListener(f -> scope.close());
        CompletableFuture<HostConnection> upgraded = new CompletableFuture<>();
        upgraded.whenComplete((c, e) -> {
            if (e == null) {
                return;
            }
            scope.close(); // the channel is closed too; the scope's close is idempotent
            Throwable cause = unwrap(e);
            if (cause instanceof HandshakeException && !(cause.getCause() instanceof ClosedChannelException)) {
                // The remote failed to authenticate (a bad signature, a key that is not its own…):
                // worth a line, but not one per attempt; garbage, timeouts and closed sockets are the internet's noise.
                handshakeFailures.increment();
                refusalLog.log("handshake failed", () -> "refused inbound connection from " + ip.getHostAddress() + ": "
                        + cause.getMessage());
            } else if (cause instanceof ResourceLimitException r) {
                refusalLog.log(r.scope() + " " + r.resource(), () -> "refused inbound connection from "
                        + ip.getHostAddress() + ": " + r.getMessage());
            } else {
                LOG.debug("inbound connection from {} failed: {}", ch.remoteAddress(), cause.toString());
            }
        });
        upgrade(ch, false, null, scope, upgraded);
    }

    /** Logs, rate-limited, that a peer's stream was refused by the resource manager. */
    void logStreamRefusal(PeerId peer, ResourceLimitException e) {
        refusalLog.log(e.scope() + " " + e.resource(), () -> "resetting inbound stream from " + peer + ": " + e.getMessage());
    }

    /** Closes a refused inbound socket at once, with a reset (no TIME_WAIT left here per refusal), and logs, rate-limited. */
    private void refuse(SocketChannel ch, String reason, Supplier<String> line) {
        refusalLog.log(reason, line);
        try {
            ch.config().setOption(ChannelOption.SO_LINGER, 0);
        } catch (RuntimeException e) {
            LOG.debug("SO_LINGER not set on {}: {}", ch, e.toString());
        }
        ch.close();
    }

    /**
     * Sets up the upgrade of a TCP channel: multistream-select for /noise, Noise, multistream-select
     * for /yamux/1.0.0, Yamux; {@code result} completes with the established connection.
     */
    private void upgrade(SocketChannel ch, boolean dialer, PeerId expected, ResourceManager.ConnectionScope scope,
                         CompletableFuture<HostConnection> result) {
        channels.add(ch);
        ch.pipeline().addFirst("traffic", traffic);
        ch.closeFuture().addListener(f -> channels.remove(ch));
        // One deadline for the whole upgrade: the multistream handlers' own timeouts are the same, never longer.
        Duration timeout = dialer ? config.dialTimeout() : config.handshakeTimeout();
        ScheduledFuture<?> timeoutTask = ch.eventLoop().schedule(() -> {
            if (result.completeExceptionally(new TimeoutException((dialer ? "dial" : "inbound upgrade")
                    + " did not finish within " + timeout.toMillis() + " ms"))) {
                if (!dialer) {
                    handshakeTimeouts.increment();
                }
                ch.close();
            }
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        result.whenComplete((c, e) -> timeoutTask.cancel(false));

        MultistreamHandler.Outcome muxerOutcome = new MultistreamHandler.Outcome() {
            @Override
            public void selected(ChannelHandlerContext ctx, String protocol) {
                NoiseHandler noise = ctx.pipeline().get(NoiseHandler.class);
                established(ctx, ch, noise.remotePeer(), dialer, scope, result);
            }

            @Override
            public void failed(ChannelHandlerContext ctx, ProtocolNegotiationException cause) {
                result.completeExceptionally(cause);
                ctx.close();
            }
        };
        NoiseHandler.Listener noiseListener = new NoiseHandler.Listener() {
            @Override
            public void secured(ChannelHandlerContext ctx, PeerId remote) {
                try {
                    scope.authenticated(remote); // from the transient scope to the peer's
                } catch (ResourceLimitException | IllegalStateException e) {
                    result.completeExceptionally(e);
                    ctx.close();
                    return;
                }
                ctx.pipeline().addAfter(ctx.name(), "muxer-select", dialer
                        ? MultistreamHandler.dialer(List.of(YamuxHandler.PROTOCOL_ID), timeout, muxerOutcome)
                        : MultistreamHandler.listener(YamuxHandler.PROTOCOL_ID::equals, timeout, muxerOutcome));
            }

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
        };
        MultistreamHandler.Outcome securityOutcome = new MultistreamHandler.Outcome() {
            @Override
            public void selected(ChannelHandlerContext ctx, String protocol) {
                ctx.pipeline().addAfter(ctx.name(), "noise", new NoiseHandler(dialer, identity, expected, noiseListener));
            }

            @Override
            public void failed(ChannelHandlerContext ctx, ProtocolNegotiationException cause) {
                result.completeExceptionally(cause);
                ctx.close();
            }
        };
        ch.pipeline().addLast("security-select", dialer
                ? MultistreamHandler.dialer(List.of(NoiseHandler.PROTOCOL_ID), timeout, securityOutcome)
                : MultistreamHandler.listener(NoiseHandler.PROTOCOL_ID::equals, timeout, securityOutcome));
        ch.pipeline().addLast("errors", new ErrorHandler(result));
    }

    private void established(ChannelHandlerContext ctx, SocketChannel ch, PeerId remote, boolean dialer,
                             ResourceManager.ConnectionScope scope, CompletableFuture<HostConnection> result) {
        if (result.isDone()) {
            ctx.close(); // timed out meanwhile
            return;
        }
        HostConnection conn = new HostConnection(this, ch, remote, dialer);
        YamuxHandler yamux = new YamuxHandler(dialer, yamuxConfig, conn, scope);
        yamux.attach(conn, remote);
        conn.yamux(yamux);
        ctx.pipeline().addAfter(ctx.name(), "yamux", yamux);
        synchronized (lock) {
            if (closed) {
                result.completeExceptionally(new IllegalStateException("host closed"));
                ch.close();
                return;
            }
            connections.computeIfAbsent(remote, k -> new ArrayList<>(2)).add(conn);
        }
        ch.closeFuture().addListener(f -> connectionClosed(conn));
        LOG.debug("connection established {}", conn);
        fire(l -> l.connectionEstablished(conn));
        result.complete(conn);
        conn.startIdentify();
        conn.scheduleIdleCheck();
    }

    private void connectionClosed(HostConnection conn) {
        synchronized (lock) {
            List<HostConnection> list = connections.get(conn.remotePeer());
            if (list != null) {
                list.remove(conn);
                if (list.isEmpty()) {
                    connections.remove(conn.remotePeer());
                }
            }
        }
        LOG.debug("connection closed {}", conn);
        fire(l -> l.connectionClosed(conn));
    }

    void identified(HostConnection conn, IdentifyInfo info) {
        fire(l -> l.identifyReceived(conn, info));
    }

    void streamOpened(HostConnection conn, StreamChannel stream) {
        fire(l -> l.streamOpened(conn, stream));
    }

    /** The connection new streams to {@code peer} use (see the class comment); call with the lock held. */
    private Optional<HostConnection> best(PeerId peer) {
        List<HostConnection> list = connections.get(peer);
        if (list == null) {
            return Optional.empty();
        }
        boolean weAreSmaller = peerId.compareTo(peer) < 0;
        return list.stream()
                .filter(HostConnection::isUsable)
                .max(Comparator.<HostConnection>comparingInt(c -> c.isOutbound() == weAreSmaller ? 1 : 0)
                        .thenComparingLong(HostConnection::establishedNanos));
    }

    /** Whether {@code conn} is the connection new streams to its peer use. */
    boolean isPreferred(HostConnection conn) {
        synchronized (lock) {
            return best(conn.remotePeer()).orElse(null) == conn;
        }
    }

    /** The connection new streams to {@code peer} would use, if connected. */
    public Optional<Connection> connection(PeerId peer) {
        synchronized (lock) {
            return best(peer).map(c -> c);
        }
    }

    /** Every open connection (a peer may have two briefly, after simultaneous dials). */
    public List<Connection> connections() {
        return List.copyOf(allConnections());
    }

    private List<HostConnection> allConnections() {
        synchronized (lock) {
            List<HostConnection> all = new ArrayList<>();
            connections.values().forEach(all::addAll);
            return all;
        }
    }

    /**
     * Opens a stream for {@code protocol} on the connection to {@code peer}; see
     * {@link Connection#openStream}.
     *
     * @return fails with {@link IllegalStateException} if not connected to {@code peer}
     */
    public CompletableFuture<StreamChannel> openStream(PeerId peer, String protocol, StreamInitializer initializer) {
        Optional<Connection> c = connection(peer);
        if (c.isEmpty()) {
            return CompletableFuture.failedFuture(new IllegalStateException("not connected to " + peer));
        }
        return c.get().openStream(protocol, initializer);
    }

    /**
     * Pings {@code peer} over its connection with {@code /ipfs/ping/1.0.0}.
     *
     * @return the round-trip time; fails with {@link IllegalStateException} if not connected,
     *     {@link TimeoutException} after the ping timeout, or the stream's failure
     */
    public CompletableFuture<Duration> ping(PeerId peer) {
        HostConnection c;
        synchronized (lock) {
            c = best(peer).orElse(null);
        }
        if (c == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("not connected to " + peer));
        }
        return c.ping();
    }

    private void fire(Consumer<HostListener> event) {
        for (HostListener l : listeners) {
            try {
                event.accept(l);
            } catch (RuntimeException e) {
                LOG.warn("host listener {} failed", l, e);
            }
        }
    }

    /**
     * Closes every connection (Yamux Go Away first) and the listeners, fails dials in progress,
     * and stops the IO threads. Idempotent. Called from an IO thread of this host, it does not wait.
     */
    @Override
    public void close() {
        List<HostConnection> conns;
        List<CompletableFuture<Connection>> dials;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            conns = new ArrayList<>();
            connections.values().forEach(conns::addAll);
            dials = new ArrayList<>(pendingDials.values());
        }
        for (Channel s : servers) {
            s.close();
        }
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (HostConnection c : conns) {
            closing.add(c.close());
        }
        for (Channel ch : channels) {
            ch.close();
        }
        for (CompletableFuture<Connection> d : dials) {
            d.completeExceptionally(new IllegalStateException("host closed"));
        }
        boolean onIoThread = false;
        for (EventExecutor e : group) {
            onIoThread |= e.inEventLoop();
        }
        if (!onIoThread) {
            try {
                CompletableFuture.allOf(closing.toArray(new CompletableFuture<?>[0])).get(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                LOG.debug("connections did not all close in time: {}", e.toString());
            }
        }
        Future<?> shutdown = group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        if (!onIoThread) {
            shutdown.awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    /** True once {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "Host(" + peerId + " " + listenAddresses + ")";
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
            upgrade.completeExceptionally(new IOException("connection closed during the upgrade",
                    new ClosedChannelException()));
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }
    }
}
