package io.jkad.net;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.net.pb.IdentifyProto.Identify;
import io.jkad.util.RateLimitedLog;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
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
 * <p><b>Parts.</b> This class binds the listeners and is the façade; {@link InboundAdmission}
 * admits accepted sockets, {@link Dialer} dials, {@link Upgrader} runs the security and muxer
 * upgrade of both, {@link ConnectionRegistry} keeps the connections and dials in progress, and
 * {@link ProtocolRegistry} the stream protocols. A {@link HostConnection} sees only the narrow
 * {@link HostConnection.Owner} of its host.
 *
 * <p><b>Threading.</b> IO runs on the host's own event loops, or on those of a
 * {@link HostConfig#runtime() runtime} shared with other hosts of the process. Listener callbacks, stream
 * initializers, stream pipelines and the completion of the futures this class returns all run on
 * IO threads; they must not block or call the Kademlia state machine or a store (hand work to the
 * logic thread, or continue futures with the {@code *Async} methods and your executor).
 *
 * <p>It stays a little over 500 lines because of this description: the code is the façade and the
 * listeners.
 */
public final class Host implements AutoCloseable {

    /** {@code /ipfs/id/1.0.0} */
    public static final String IDENTIFY = IdentifyProtocol.ID;
    /** {@code /ipfs/id/push/1.0.0} */
    public static final String IDENTIFY_PUSH = IdentifyProtocol.PUSH;
    /** {@code /ipfs/ping/1.0.0} */
    public static final String PING = PingProtocol.ID;

    private static final Logger LOG = LoggerFactory.getLogger(Host.class);
    /** The least time between two log lines about refused connections or streams, per reason. */
    public static final Duration REFUSAL_LOG_INTERVAL = Duration.ofSeconds(10);

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
    private final SocketTransport transport;
    /** The runtime whose IO loops this host uses; closed with it only when it is the host's own. */
    private final HostRuntime runtime;
    private final boolean ownsRuntime;
    private final List<Channel> servers = new ArrayList<>();
    private final List<Multiaddr> listenAddresses = new ArrayList<>();
    private volatile List<Multiaddr> advertisedAddresses = List.of();
    private final ProtocolRegistry protocols = new ProtocolRegistry();
    private final List<HostListener> listeners = new CopyOnWriteArrayList<>();
    private final Set<Channel> channels = ConcurrentHashMap.newKeySet();
    private final TrafficCountHandler traffic = new TrafficCountHandler();
    private final ConnectionRegistry registry;
    private final Upgrader upgrader;
    private final Dialer dialer;
    private final ConnectionEvents connectionEvents = new ConnectionEvents();
    private final ResourceManager resources;
    private final RateLimitedLog refusalLog = new RateLimitedLog(REFUSAL_LOG_INTERVAL, LOG::info);
    private final InboundAdmission admission;
    private volatile boolean closed;

    private Host(HostConfig config, HostRuntime runtime, boolean ownsRuntime) {
        this.config = config;
        this.runtime = runtime;
        this.ownsRuntime = ownsRuntime;
        this.identity = config.identity();
        this.peerId = identity.peerId();
        this.resources = new ResourceManager(config.resourceLimits());
        this.yamuxConfig = YamuxConfig.DEFAULT
                .withMaxInboundStreams(config.maxInboundStreamsPerConnection())
                .withKeepAlive(config.keepAliveInterval(), Duration.ofSeconds(30));
        this.group = runtime.ioGroup();
        this.transport = runtime.transport();
        this.registry = new ConnectionRegistry(peerId);
        this.upgrader = new Upgrader(identity, config, traffic, channels, refusalLog, this::established);
        this.admission = new InboundAdmission(config, resources, refusalLog, upgrader, () -> closed);
        this.dialer = new Dialer(peerId, config, group, transport, resources, registry, upgrader, () -> closed,
                (peer, address, cause) -> fire(l -> l.dialFailed(peer, address, cause)));
        protocols.addBuiltIn(IDENTIFY, (conn, stream) -> stream.pipeline().addLast(
                new IdentifyProtocol.ResponderHandler(identifyMessage(conn), config.identifyTimeout())));
        protocols.addBuiltIn(IDENTIFY_PUSH, (conn, stream) -> stream.pipeline().addLast(
                new UvarintFrameDecoder(IdentifyProtocol.MAX_PART),
                new IdentifyProtocol.ReaderHandler(config.identifyTimeout(), m -> conn.onIdentify(m, true),
                        cause -> LOG.debug("identify push from {} failed: {}", conn.remotePeer(), cause.toString()))));
        protocols.addBuiltIn(PING, (conn, stream) -> {
            if (!conn.acceptInboundPing(stream)) {
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
        Optional<HostRuntime> shared = config.runtime();
        return shared.isPresent() ? start(config, shared.get(), false)
                : start(config, HostRuntime.dedicated(config.ioThreads(), "kad-logic"), true);
    }

    /**
     * Starts a host on {@code runtime}'s IO loops, closing the runtime with the host if it
     * {@code owns} it (also when the start fails).
     */
    static Host start(HostConfig config, HostRuntime runtime, boolean owns) throws IOException {
        Host host = new Host(config, runtime, owns);
        if (!owns && !runtime.join(host)) {
            throw new IllegalStateException("runtime closed");
        }
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
                        admission.accept(ch);
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
                // IPV6_V6ONLY and offers no way to set it), and so are Netty's epoll sockets
                // (HostWildcardTest runs on them), so a second socket for 0.0.0.0 on the same port
                // could not bind. One IPv6 socket on [::] accepts both families.
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
                .channelFactory(transport.serverChannels(family))
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

    /**
     * The connections, dialed and accepted, whose Noise handshake completed since this host started:
     * each cost this end three X25519 agreements, about a quarter of a new connection's CPU on
     * BoringSSL (more on the Java code).
     */
    public long connectionsSecured() {
        return upgrader.secured();
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
        return new AdmissionCounts(admission.rateLimited(), upgrader.handshakeTimeouts(), admission.handshakeFailures());
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
        if (protocols.set(protocol, initializer)) {
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
        boolean removed = protocols.remove(protocol);
        if (removed) {
            pushIdentifyToAll();
        }
        return removed;
    }

    /** The protocols we accept inbound (what Identify advertises), sorted. */
    public List<String> protocols() {
        return protocols.protocols();
    }

    Identify identifyMessage(HostConnection conn) {
        return IdentifyProtocol.message(identity, config.agentVersion(), advertisedAddresses, conn.remoteAddress(),
                protocols());
    }

    private void pushIdentifyToAll() {
        for (HostConnection c : registry.all()) {
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
        return dialer.dial(peer, addresses);
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private void established(ChannelHandlerContext ctx, SocketChannel ch, PeerId remote, boolean dialer,
                             ResourceManager.ConnectionScope scope, CompletableFuture<HostConnection> result) {
        if (result.isDone()) {
            ctx.close(); // timed out meanwhile
            return;
        }
        HostConnection conn = new HostConnection(config, protocols, connectionEvents, ch, remote, dialer);
        YamuxHandler yamux = new YamuxHandler(dialer, yamuxConfig, conn, scope);
        yamux.attach(conn, remote);
        conn.yamux(yamux);
        ctx.pipeline().addAfter(ctx.name(), "yamux", yamux);
        if (!registry.add(conn)) {
            result.completeExceptionally(new IllegalStateException("host closed"));
            ch.close();
            return;
        }
        LOG.debug("connection established {}", conn);
        fire(l -> l.connectionEstablished(conn));
        result.complete(conn);
        conn.startIdentify();
        conn.scheduleIdleCheck();
    }

    /** Through {@link HostConnection.Owner#closed}; a connection never listed (the host was closing) was never announced either. */
    private void connectionClosed(HostConnection conn) {
        if (registry.remove(conn)) {
            LOG.debug("connection closed {}", conn);
            fire(l -> l.connectionClosed(conn));
        }
    }

    /** What a connection tells and asks its host ({@link HostConnection.Owner}). */
    private final class ConnectionEvents implements HostConnection.Owner {
        @Override
        public void identified(HostConnection conn, IdentifyInfo info) {
            fire(l -> l.identifyReceived(conn, info));
        }

        @Override
        public void streamOpened(HostConnection conn, StreamChannel stream) {
            fire(l -> l.streamOpened(conn, stream));
        }

        @Override
        public void streamRefused(PeerId peer, ResourceLimitException e) {
            refusalLog.log(e.scope() + " " + e.resource(), () -> "resetting inbound stream from " + peer + ": "
                    + e.getMessage());
        }

        @Override
        public boolean isPreferred(HostConnection conn) {
            return registry.isPreferred(conn);
        }

        @Override
        public Identify identifyMessage(HostConnection conn) {
            return Host.this.identifyMessage(conn);
        }

        @Override
        public void closed(HostConnection conn) {
            connectionClosed(conn);
        }
    }

    /** The connection new streams to {@code peer} would use, if connected. */
    public Optional<Connection> connection(PeerId peer) {
        return registry.preferred(peer).map(c -> c);
    }

    /** Every open connection (a peer may have two briefly, after simultaneous dials). */
    public List<Connection> connections() {
        return List.copyOf(registry.all());
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
        HostConnection c = registry.preferred(peer).orElse(null);
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
     * and stops the IO threads unless they are a shared {@link HostConfig#runtime() runtime}'s
     * (whose other hosts go on). Idempotent. Called from an IO thread of this host, it does not wait.
     */
    @Override
    public void close() {
        ConnectionRegistry.Closing open = registry.close();
        if (open == null) {
            return;
        }
        closed = true;
        List<HostConnection> conns = open.connections();
        List<CompletableFuture<Connection>> dials = open.dials();
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
            // each connection's future completes after the host took it out of the registry, so
            // connections() now lists only those that did not close in time
        }
        if (ownsRuntime) {
            runtime.close();
        } else {
            runtime.leave(this);
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
}
