package io.jkad.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two (or three) real hosts over loopback TCP. */
class HostTest {

    static final String ECHO = "/jkad/test/echo/1.0.0";
    static final Multiaddr LOOPBACK = Multiaddr.parse("/ip4/127.0.0.1/tcp/0");

    private final List<Host> hosts = new ArrayList<>();

    @AfterEach
    void closeHosts() {
        hosts.forEach(Host::close);
    }

    /** Records every listener event. */
    static final class Events implements HostListener {
        final BlockingQueue<Connection> established = new LinkedBlockingQueue<>();
        final BlockingQueue<Connection> closed = new LinkedBlockingQueue<>();
        final BlockingQueue<IdentifyInfo> identified = new LinkedBlockingQueue<>();
        final BlockingQueue<String> dialFailures = new LinkedBlockingQueue<>();

        @Override
        public void connectionEstablished(Connection connection) {
            established.add(connection);
        }

        @Override
        public void connectionClosed(Connection connection) {
            closed.add(connection);
        }

        @Override
        public void identifyReceived(Connection connection, IdentifyInfo info) {
            identified.add(info);
        }

        @Override
        public void dialFailed(PeerId peer, Multiaddr address, Throwable cause) {
            dialFailures.add(address + " " + cause);
        }
    }

    Host host(Events events, java.util.function.UnaryOperator<HostConfig.Builder> tweak) throws IOException {
        Host h = Host.start(tweak.apply(HostConfig.builder(Ed25519KeyPair.generate()).listen(LOOPBACK)
                .ioThreads(1)).build());
        hosts.add(h);
        if (events != null) {
            h.addListener(events);
        }
        h.setStreamHandler(ECHO, stream -> stream.pipeline().addLast(new EchoHandler()));
        return h;
    }

    Host host(Events events) throws IOException {
        return host(events, b -> b);
    }

    static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    static void eventually(BooleanSupplier condition, String what) {
        Awaitility.await(what).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                .until(condition::getAsBoolean);
    }

    /** Echoes everything; half-closes when the remote does. */
    static final class EchoHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                ((StreamChannel) ctx.channel()).shutdownOutput();
            }
        }
    }

    /** Collects a stream's bytes until the remote half-closes. */
    static final class Sink extends ChannelInboundHandlerAdapter {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final CompletableFuture<byte[]> done = new CompletableFuture<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            byte[] a = new byte[b.readableBytes()];
            b.readBytes(a);
            b.release();
            bytes.write(a, 0, a.length);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                done.complete(bytes.toByteArray());
            } else if (evt instanceof StreamResetEvent) {
                done.completeExceptionally(new StreamResetException("reset"));
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            done.completeExceptionally(new IOException("closed"));
        }
    }

    @Test
    void dialIdentifyAndPing() throws Exception {
        Events ea = new Events();
        Events eb = new Events();
        Host a = host(ea, b -> b.agentVersion("test-a/1"));
        Host b = host(eb);
        assertThat(b.listenAddresses()).hasSize(1);
        assertThat(b.listenAddresses().get(0).toTcpSocketAddress().orElseThrow().getPort()).isPositive();

        Connection c = await(a.dial(b.peerId(), b.listenAddresses()));
        assertThat(c.remotePeer()).isEqualTo(b.peerId());
        assertThat(c.isOutbound()).isTrue();
        assertThat(c.remoteAddress()).isEqualTo(b.listenAddresses().get(0));
        Connection atB = eb.established.poll(10, TimeUnit.SECONDS);
        assertThat(atB.remotePeer()).isEqualTo(a.peerId());
        assertThat(atB.isOutbound()).isFalse();
        assertThat(atB.remoteAddress()).isEqualTo(c.localAddress());
        assertThat(ea.established.poll(10, TimeUnit.SECONDS)).isSameAs(c);

        IdentifyInfo aboutB = ea.identified.poll(10, TimeUnit.SECONDS);
        assertThat(aboutB.peer()).isEqualTo(b.peerId());
        assertThat(aboutB.protocolVersion()).isEqualTo("ipfs/0.1.0");
        assertThat(aboutB.agentVersion()).startsWith("jkad/");
        assertThat(aboutB.protocols()).contains(Host.IDENTIFY, Host.IDENTIFY_PUSH, Host.PING, ECHO);
        assertThat(aboutB.listenAddresses()).containsExactlyElementsOf(b.listenAddresses());
        assertThat(aboutB.observedAddress()).contains(c.localAddress());
        IdentifyInfo aboutA = eb.identified.poll(10, TimeUnit.SECONDS);
        assertThat(aboutA.agentVersion()).isEqualTo("test-a/1");
        assertThat(aboutA.observedAddress()).contains(b.listenAddresses().get(0));
        assertThat(c.identifyInfo()).contains(aboutB);

        Duration rtt = await(a.ping(b.peerId()));
        assertThat(rtt).isPositive().isLessThan(Duration.ofSeconds(5));
        assertThat(await(b.ping(a.peerId()))).isPositive();

        // Reuse: a second dial returns the same connection.
        assertThat(await(a.dial(b.peerId(), b.listenAddresses()))).isSameAs(c);
        assertThat(a.connections()).hasSize(1);
    }

    @Test
    void streamsCarryAMebibyteBothWays() throws Exception {
        Host a = host(null);
        Host b = host(null);
        await(a.dial(b.peerId(), b.listenAddresses()));
        byte[] data = new byte[1 << 20];
        new Random(42).nextBytes(data);
        for (Host[] pair : new Host[][] {{a, b}, {b, a}}) {
            Sink sink = new Sink();
            long start = System.nanoTime();
            StreamChannel s = await(pair[0].openStream(pair[1].peerId(), ECHO, st -> st.pipeline().addLast(sink)));
            assertThat(s.protocol()).isEqualTo(ECHO);
            assertThat(s.isOutbound()).isTrue();
            assertThat(s.remotePeer()).isEqualTo(pair[1].peerId());
            for (int off = 0; off < data.length; off += 100_000) {
                s.write(Unpooled.wrappedBuffer(data, off, Math.min(100_000, data.length - off)));
            }
            s.flush();
            s.shutdownOutput();
            byte[] echoed = sink.done.get(20, TimeUnit.SECONDS);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            System.out.printf("1 MiB echoed %s -> %s in %d ms%n", pair[0].peerId(), pair[1].peerId(), ms);
            assertThat(echoed).isEqualTo(data);
            s.closeFuture().await(5, TimeUnit.SECONDS);
            assertThat(s.isOpen()).isFalse();
        }
    }

    @Test
    void bytesSentAndReceivedCountWhatCrossesTheWire() throws Exception {
        Host a = host(null);
        Host b = host(null);
        assertThat(a.bytesSent()).isZero();
        assertThat(a.bytesReceived()).isZero();
        await(a.dial(b.peerId(), b.listenAddresses()));
        // Identify runs both ways after the handshake: wait until both sides have said their part.
        eventually(() -> a.bytesReceived() > 0 && b.bytesReceived() > 0, "handshake bytes");
        long sentBefore = a.bytesSent();
        byte[] data = new byte[300_000];
        new Random(7).nextBytes(data);
        Sink sink = new Sink();
        StreamChannel s = await(a.openStream(b.peerId(), ECHO, st -> st.pipeline().addLast(sink)));
        s.writeAndFlush(Unpooled.wrappedBuffer(data));
        s.shutdownOutput();
        assertThat(sink.done.get(20, TimeUnit.SECONDS)).isEqualTo(data);
        // The payload went out and came back, encrypted and framed: a little more than its size each way.
        assertThat(a.bytesSent() - sentBefore).isBetween((long) data.length, data.length + 20_000L);
        eventually(() -> b.bytesSent() >= data.length && b.bytesReceived() >= data.length, "b's counts");
        assertThat(a.bytesReceived()).isGreaterThanOrEqualTo(data.length);
        // Every byte one side wrote, the other read (once the last frames have arrived).
        eventually(() -> a.bytesSent() == b.bytesReceived() && b.bytesSent() == a.bytesReceived(), "counts to agree");
    }

    @Test
    void idleConnectionIsClosed() throws Exception {
        Events ea = new Events();
        Events eb = new Events();
        Host a = host(ea, b -> b.idleTimeout(Duration.ofMillis(300)));
        Host b = host(eb, bb -> bb.idleTimeout(Duration.ofSeconds(60)));
        Connection c = await(a.dial(b.peerId(), b.listenAddresses()));
        assertThat(ea.closed.poll(10, TimeUnit.SECONDS)).isSameAs(c);
        assertThat(eb.closed.poll(10, TimeUnit.SECONDS)).isNotNull();
        assertThat(c.isOpen()).isFalse();
        assertThat(a.connections()).isEmpty();
    }

    @Test
    void openStreamKeepsTheConnectionFromIdling() throws Exception {
        Events ea = new Events();
        Host a = host(ea, b -> b.idleTimeout(Duration.ofMillis(300)));
        Host b = host(null);
        Sink sink = new Sink();
        StreamChannel s = await(a.dial(b.peerId(), b.listenAddresses())
                .thenCompose(c -> c.openStream(ECHO, st -> st.pipeline().addLast(sink))));
        // While a stream is open no idle timer runs, so the 300 ms idle timeout cannot close the connection.
        assertThat(await(((HostConnection) s.connection()).idleTimerArmed())).isFalse();
        assertThat(s.isOpen()).isTrue();
        assertThat(ea.closed).isEmpty();
        s.writeAndFlush(Unpooled.copiedBuffer("still here", StandardCharsets.UTF_8));
        s.shutdownOutput();
        assertThat(new String(sink.done.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8)).isEqualTo("still here");
        assertThat(ea.closed.poll(10, TimeUnit.SECONDS)).isNotNull();
    }

    @Test
    void remoteWithAnotherPeerIdIsRefused() throws Exception {
        Events ea = new Events();
        Host a = host(ea);
        Host b = host(null);
        PeerId someoneElse = Ed25519KeyPair.generate().peerId();
        assertThatThrownBy(() -> await(a.dial(someoneElse, b.listenAddresses())))
                .hasCauseInstanceOf(DialException.class)
                .cause().satisfies(e -> {
                    DialException d = (DialException) e;
                    assertThat(d.peer()).isEqualTo(someoneElse);
                    assertThat(d.failures()).containsOnlyKeys(b.listenAddresses().get(0));
                    assertThat(d.failures().get(b.listenAddresses().get(0)))
                            .isInstanceOf(HandshakeException.class)
                            .hasMessageContaining(b.peerId().toString());
                });
        assertThat(ea.dialFailures.poll(5, TimeUnit.SECONDS)).contains("HandshakeException");
        assertThat(a.connections()).isEmpty();
        // The right peer id works.
        assertThat(await(a.dial(b.peerId(), b.listenAddresses())).remotePeer()).isEqualTo(b.peerId());
    }

    @Test
    void garbageInsteadOfMultistreamClosesThatConnectionOnly() throws Exception {
        Host a = host(null);
        Host b = host(null);
        InetSocketAddress target = b.listenAddresses().get(0).toTcpSocketAddress().orElseThrow();
        try (Socket raw = new Socket(target.getAddress(), target.getPort())) {
            raw.setSoTimeout(10_000);
            raw.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            raw.getOutputStream().flush();
            InputStream in = raw.getInputStream();
            byte[] header = in.readNBytes(20); // the host's multistream header
            assertThat(header[0]).isEqualTo((byte) 0x13);
            assertThat(in.read()).isEqualTo(-1); // then it closes
        }
        assertThat(await(a.dial(b.peerId(), b.listenAddresses())).isOpen()).isTrue();
        assertThat(await(a.ping(b.peerId()))).isPositive();
    }

    @Test
    void silentClientIsDroppedAfterTheUpgradeTimeout() throws Exception {
        Host b = host(null, x -> x.handshakeTimeout(Duration.ofMillis(500)));
        InetSocketAddress target = b.listenAddresses().get(0).toTcpSocketAddress().orElseThrow();
        try (Socket raw = new Socket(target.getAddress(), target.getPort())) {
            raw.setSoTimeout(10_000);
            InputStream in = raw.getInputStream();
            in.readNBytes(20);
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    @Test
    void dialTriesAddressesInOrderAndReportsEachFailure() throws Exception {
        Events ea = new Events();
        Host a = host(ea);
        Host b = host(null);
        int closedPort;
        try (ServerSocket ss = new ServerSocket(0)) {
            closedPort = ss.getLocalPort();
        }
        Multiaddr refused = Multiaddr.parse("/ip4/127.0.0.1/tcp/" + closedPort);
        Multiaddr notTcp = Multiaddr.parse("/ip4/127.0.0.1/udp/4001");
        Connection c = await(a.dial(b.peerId(), List.of(refused, notTcp, b.listenAddresses().get(0))));
        assertThat(c.remotePeer()).isEqualTo(b.peerId());
        assertThat(ea.dialFailures).hasSize(2);
        assertThat(ea.dialFailures.poll()).startsWith(refused.toString());
        assertThat(ea.dialFailures.poll()).startsWith(notTcp.toString()).contains("not a TCP address");

        PeerId nobody = Ed25519KeyPair.generate().peerId();
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> await(a.dial(nobody, List.of(refused, notTcp))));
        DialException d = (DialException) e.getCause();
        assertThat(d.failures()).containsOnlyKeys(refused, notTcp);
        assertThat(d.answered()).as("no address took the connection").isEmpty();
        assertThat(d.getMessage()).contains(refused.toString()).contains(notTcp.toString());
        e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> await(a.dial(nobody, List.of())));
        assertThat(e.getCause()).isInstanceOf(DialException.class).hasMessageContaining("no addresses");
        assertThatThrownBy(() -> a.dial(a.peerId(), b.listenAddresses())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void unsupportedProtocolFailsTheStreamNotTheConnection() throws Exception {
        Host a = host(null);
        Host b = host(null);
        Connection c = await(a.dial(b.peerId(), b.listenAddresses()));
        assertThatThrownBy(() -> await(c.openStream("/nobody/speaks/this", s -> { })))
                .hasCauseInstanceOf(ProtocolNegotiationException.class);
        assertThat(c.isOpen()).isTrue();
        assertThatThrownBy(() -> c.openStream("no-slash", s -> { })).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> await(a.openStream(Ed25519KeyPair.generate().peerId(), ECHO, s -> { })))
                .hasCauseInstanceOf(IllegalStateException.class);
    }

    @Test
    void listenersSeeEveryNegotiatedStreamOnBothSides() throws Exception {
        record Opened(Connection connection, boolean outbound, String protocol) {}
        BlockingQueue<Opened> atA = new LinkedBlockingQueue<>();
        BlockingQueue<Opened> atB = new LinkedBlockingQueue<>();
        Host a = host(null);
        Host b = host(null);
        a.addListener(new HostListener() {
            @Override
            public void streamOpened(Connection connection, StreamChannel stream) {
                atA.add(new Opened(connection, stream.isOutbound(), stream.protocol()));
            }
        });
        b.addListener(new HostListener() {
            @Override
            public void streamOpened(Connection connection, StreamChannel stream) {
                atB.add(new Opened(connection, stream.isOutbound(), stream.protocol()));
            }
        });
        Connection c = await(a.dial(b.peerId(), b.listenAddresses()));
        StreamChannel echo = await(c.openStream(ECHO, s -> { }));
        eventually(() -> atA.stream().anyMatch(o -> o.outbound() && ECHO.equals(o.protocol()))
                && atB.stream().anyMatch(o -> !o.outbound() && ECHO.equals(o.protocol())), "the echo stream on both sides");
        // Built-in protocols too: each side asked the other for Identify.
        eventually(() -> atA.stream().anyMatch(o -> o.outbound() && Host.IDENTIFY.equals(o.protocol()))
                && atB.stream().anyMatch(o -> !o.outbound() && Host.IDENTIFY.equals(o.protocol())), "identify");
        assertThat(atA).allSatisfy(o -> assertThat(o.connection()).isSameAs(c));
        // A stream whose protocol is refused is not reported.
        int before = atA.size();
        assertThatThrownBy(() -> await(c.openStream("/nobody/speaks/this", s -> { })))
                .hasCauseInstanceOf(ProtocolNegotiationException.class);
        assertThat(atA.stream().skip(before)).noneMatch(o -> "/nobody/speaks/this".equals(o.protocol()));
        echo.close();
    }

    @Test
    void simultaneousDialsEndOnOneSharedConnection() throws Exception {
        Host a = host(null, x -> x.idleTimeout(Duration.ofMillis(500)));
        Host b = host(null, x -> x.idleTimeout(Duration.ofMillis(500)));
        for (int round = 0; round < 3; round++) {
            CompletableFuture<Connection> ab = a.dial(b.peerId(), b.listenAddresses());
            CompletableFuture<Connection> ba = b.dial(a.peerId(), a.listenAddresses());
            Connection c1 = await(ab);
            Connection c2 = await(ba);
            assertThat(c1.remotePeer()).isEqualTo(b.peerId());
            assertThat(c2.remotePeer()).isEqualTo(a.peerId());
            // Once both sides have registered what they have, they pick the same TCP connection.
            eventually(() -> a.connections().size() == b.connections().size(), "both sides registered");
            Connection fromA = a.connection(b.peerId()).orElseThrow();
            Connection fromB = b.connection(a.peerId()).orElseThrow();
            assertThat(fromA.localAddress()).isEqualTo(fromB.remoteAddress());
            assertThat(fromA.remoteAddress()).isEqualTo(fromB.localAddress());
            boolean aSmaller = a.peerId().compareTo(b.peerId()) < 0;
            assertThat(fromA.isOutbound()).isEqualTo(aSmaller);
            // Everything idles out afterwards.
            eventually(() -> a.connections().isEmpty() && b.connections().isEmpty(), "idle close");
        }
    }

    @Test
    void newProtocolsArePushedToConnectedPeers() throws Exception {
        Events ea = new Events();
        Host a = host(ea);
        Host b = host(null);
        await(a.dial(b.peerId(), b.listenAddresses()));
        assertThat(ea.identified.poll(10, TimeUnit.SECONDS).protocols()).doesNotContain("/jkad/test/new/1.0.0");
        b.setStreamHandler("/jkad/test/new/1.0.0", s -> { });
        IdentifyInfo pushed = ea.identified.poll(10, TimeUnit.SECONDS);
        assertThat(pushed.protocols()).contains("/jkad/test/new/1.0.0", ECHO);
        assertThat(pushed.listenAddresses()).containsExactlyElementsOf(b.listenAddresses());
        assertThat(b.protocols()).contains("/jkad/test/new/1.0.0");
        assertThatThrownBy(() -> b.setStreamHandler(Host.PING, s -> { })).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(Host.PING);
        assertThatThrownBy(() -> b.removeStreamHandler(Host.IDENTIFY)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.setStreamHandler("kad", s -> { })).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kad");
        assertThat(b.removeStreamHandler("/jkad/test/new/1.0.0")).isTrue();
        assertThat(b.removeStreamHandler("/jkad/test/new/1.0.0")).isFalse();
        assertThat(ea.identified.poll(10, TimeUnit.SECONDS).protocols()).doesNotContain("/jkad/test/new/1.0.0");
    }

    @Test
    void closingAHostClosesItsConnections() throws Exception {
        Events eb = new Events();
        Host a = host(null);
        Host b = host(eb);
        await(a.dial(b.peerId(), b.listenAddresses()));
        a.close();
        a.close();
        assertThat(eb.closed.poll(10, TimeUnit.SECONDS)).isNotNull();
        assertThat(a.isClosed()).isTrue();
        assertThat(a.dial(b.peerId(), b.listenAddresses())).isCompletedExceptionally();
    }

    /**
     * A connection's close future completes only after its host is done with it: no longer listed,
     * and its listeners told. (The close future used to complete first, from a listener of its
     * own, so a caller could find a closed connection still listed.) Both ends: the closing one
     * and the one whose remote went away.
     */
    @Test
    void aClosedConnectionIsUnlistedAndAnnouncedBeforeItsCloseFutureCompletes() throws Exception {
        Events ea = new Events();
        Events eb = new Events();
        Host a = host(ea);
        Host b = host(eb);
        for (int i = 0; i < 30; i++) {
            Connection ab = await(a.dial(b.peerId(), b.listenAddresses()));
            eventually(() -> b.connection(a.peerId()).isPresent(), "b lists the connection");
            Connection ba = b.connection(a.peerId()).orElseThrow();
            CompletableFuture<Boolean> seenByA = ab.close().thenApply(x -> !a.connections().contains(ab)
                    && ea.closed.contains(ab));
            CompletableFuture<Boolean> seenByB = ba.close().thenApply(x -> true);
            assertThat(await(seenByA)).as("round %d: a's view when the close completed", i).isTrue();
            assertThat(await(seenByB)).isTrue();
            assertThat(b.connections()).as("round %d", i).doesNotContain(ba);
            assertThat(eb.closed).as("round %d", i).contains(ba);
        }
    }

    @Test
    void configRejectsBadValues() {
        HostConfig.Builder b = HostConfig.builder(Ed25519KeyPair.generate());
        assertThatThrownBy(() -> b.dialTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dialTimeout");
        assertThatThrownBy(() -> b.idleTimeout(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.maxInboundStreamsPerConnection(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0");
        assertThatThrownBy(() -> b.listen(Multiaddr.parse("/dns4/example.com/tcp/1")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("example.com");
        assertThatThrownBy(() -> b.agentVersion(" ")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void inboundConnectionsBeyondTheLimitAreRefused() throws Exception {
        Host b = host(null, x -> x.maxInboundConnections(1));
        Host a = host(null);
        Host c = host(null);
        await(a.dial(b.peerId(), b.listenAddresses()));
        assertThatThrownBy(() -> await(c.dial(b.peerId(), b.listenAddresses())))
                .hasCauseInstanceOf(DialException.class);
        a.close();
        eventually(() -> b.connections().isEmpty(), "a's connection gone");
        assertThat(await(c.dial(b.peerId(), b.listenAddresses())).isOpen()).isTrue();
    }

    // --- admission ---

    /** A plain socket to {@code host} from {@code localIp} (all of 127/8 is local on Linux: other IPs, other /24s). */
    static Socket rawFrom(String localIp, Host host) throws IOException {
        InetSocketAddress target = host.listenAddresses().get(0).toTcpSocketAddress().orElseThrow();
        Socket s = new Socket();
        s.bind(new InetSocketAddress(localIp, 0));
        s.connect(target, 5_000);
        s.setSoTimeout(5_000);
        return s;
    }

    /**
     * Whether the host refuses a connection from {@code localIp}: closes or resets it without
     * sending a byte (the reset may even come before connect returns). False if its multistream
     * header comes.
     */
    static boolean refusedFrom(String localIp, Host host) throws IOException {
        Socket s;
        try {
            s = rawFrom(localIp, host);
        } catch (java.net.SocketException e) {
            return true; // reset: the host closes refused sockets with SO_LINGER 0
        }
        try (s) {
            return s.getInputStream().read() < 0;
        } catch (java.net.SocketException e) {
            return true;
        }
    }

    @Test
    void oneSourceHoldingHandshakesOpenIsCappedAndOthersStillConnect() throws Exception {
        Host b = host(null, x -> x.resourceLimits(ResourceLimits.defaults().withTransient(256, 3, 8)));
        Host a = host(null);
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Socket s = rawFrom("127.0.1.1", b);
                held.add(s);
                assertThat(s.getInputStream().readNBytes(20)[0]).isEqualTo((byte) 0x13); // in its handshake
            }
            for (int i = 0; i < 5; i++) {
                assertThat(refusedFrom("127.0.1.1", b)).as("connection %d over the per-IP cap", i).isTrue();
            }
            assertThat(b.resources().refusals().get(ResourceManager.Scope.IP))
                    .containsEntry(ResourceManager.Resource.CONNECTIONS, 5L);
            // Another IP of the same /24 is not capped by the first one's count; an honest host from another /24 connects.
            try (Socket s = rawFrom("127.0.1.2", b)) {
                assertThat(s.getInputStream().readNBytes(20)[0]).isEqualTo((byte) 0x13);
            }
            assertThat(await(a.dial(b.peerId(), b.listenAddresses())).isOpen()).isTrue();
            assertThat(await(a.ping(b.peerId()))).isPositive();
            // A slot freed is a slot again.
            held.remove(0).close();
            eventually(() -> b.resources().usage().transientConnections() == 2, "the closed handshake's slot freed");
            try (Socket s = rawFrom("127.0.1.1", b)) {
                assertThat(s.getInputStream().readNBytes(20)[0]).isEqualTo((byte) 0x13);
            }
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
        eventually(() -> b.resources().usage().transientConnections() == 0, "every handshake slot freed");
    }

    @Test
    void anInboundUpgradeMustFinishWithinTheHandshakeTimeoutNotTheDialTimeout() throws Exception {
        Host b = host(null, x -> x.handshakeTimeout(Duration.ofMillis(300)).dialTimeout(Duration.ofSeconds(30)));
        try (Socket s = rawFrom("127.0.1.3", b)) {
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            // Select /noise, then stall in the Noise handshake (a slowloris sends nothing more).
            s.getOutputStream().write(new byte[] {0x13});
            s.getOutputStream().write("/multistream/1.0.0\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().write(new byte[] {0x07});
            s.getOutputStream().write("/noise\n".getBytes(StandardCharsets.US_ASCII));
            byte[] answer = in.readNBytes(20 + 8);
            assertThat(new String(answer, 21, 6, StandardCharsets.US_ASCII)).isEqualTo("/noise");
            // Closed by the handshake deadline: the read would time out after 10 s, the dial timeout is 30 s.
            assertThat(in.read()).isEqualTo(-1);
        }
        eventually(() -> b.admission().handshakeTimeouts() == 1, "the timeout counted");
        eventually(() -> b.resources().usage().connections() == 0 && b.resources().usage().transientConnections() == 0,
                "the connection's scope closed");
    }

    @Test
    void handshakesBeyondTheSourcesRateAreRefusedBeforeAnyWork() throws Exception {
        Host b = host(null, x -> x.handshakeRateLimit(3, 0.01));
        Host a = host(null);
        for (int i = 0; i < 3; i++) {
            try (Socket s = rawFrom("127.0.1.4", b)) {
                assertThat(s.getInputStream().readNBytes(20)[0]).isEqualTo((byte) 0x13);
            }
        }
        for (int i = 0; i < 20; i++) {
            assertThat(refusedFrom("127.0.1.4", b)).as("handshake %d over the rate", i).isTrue();
        }
        assertThat(b.admission().rateLimited()).isEqualTo(20);
        // Another address is not limited by the first one's flood.
        assertThat(await(a.dial(b.peerId(), b.listenAddresses())).isOpen()).isTrue();
        eventually(() -> b.resources().usage().transientConnections() == 0, "no handshake left counted");
    }

    @Test
    void aDialRefusedForTheSourcesRateSaysThePeerAnswered() throws Exception {
        Host b = host(null, x -> x.handshakeRateLimit(1, 0.001));
        Host a1 = host(null);
        Host a2 = host(null);
        assertThat(await(a1.dial(b.peerId(), b.listenAddresses())).isOpen()).isTrue();
        // a2 dials from the same address, whose one handshake is spent: b takes the connection and resets it
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> await(a2.dial(b.peerId(), b.listenAddresses())));
        DialException d = (DialException) e.getCause();
        assertThat(b.admission().rateLimited()).isEqualTo(1);
        assertThat(d.answered()).containsExactlyElementsOf(b.listenAddresses());
    }

    @Test
    void aConnectResetByThePeerCountsAsAnsweredARefusedOneDoesNot() {
        // NIO's and epoll's messages for a connection reset while the connect completes
        assertThat(Dialer.resetByPeer(new java.net.SocketException("Connection reset"))).isTrue();
        assertThat(Dialer.resetByPeer(new IOException("finishConnect(..) failed: Connection reset by peer"))).isTrue();
        assertThat(Dialer.resetByPeer(new java.net.ConnectException("Connection refused"))).isFalse();
        assertThat(Dialer.resetByPeer(new IOException("finishConnect(..) failed: Connection refused"))).isFalse();
        assertThat(Dialer.resetByPeer(new java.util.concurrent.TimeoutException("connection timed out"))).isFalse();
    }

    @Test
    void onlyACutOffUpgradeCountsAsAnswered() {
        assertThat(Dialer.cutOff(new IOException("connection closed during the upgrade", new ClosedChannelException()))).isTrue();
        assertThat(Dialer.cutOff(new java.net.SocketException("Connection reset"))).isTrue();
        assertThat(Dialer.cutOff(new java.util.concurrent.TimeoutException("dial upgrade timed out"))).isTrue();
        assertThat(Dialer.cutOff(new HandshakeException("connection closed during the Noise handshake",
                new ClosedChannelException()))).isTrue();
        // the remote proved to be another peer, or could not authenticate: not the peer dialed refusing
        assertThat(Dialer.cutOff(new HandshakeException("dialed a but the remote is b"))).isFalse();
        assertThat(Dialer.cutOff(new HandshakeException("malformed Noise handshake payload",
                new com.google.protobuf.InvalidProtocolBufferException("truncated")))).isFalse();
        assertThat(Dialer.cutOff(new IllegalArgumentException("not a TCP address"))).isFalse();
    }

    @Test
    void aPeerBeyondItsConnectionLimitIsCutOffAndItsOtherConnectionKept() throws Exception {
        Host b = host(null, x -> x.resourceLimits(ResourceLimits.defaults().withPerPeer(1, 512)));
        Ed25519KeyPair twin = Ed25519KeyPair.generate();
        Host a1 = host(null, x -> HostConfig.builder(twin).listen(LOOPBACK).ioThreads(1));
        Host a2 = host(null, x -> HostConfig.builder(twin).listen(LOOPBACK).ioThreads(1));
        Connection first = await(a1.dial(b.peerId(), b.listenAddresses()));
        assertThatThrownBy(() -> await(a2.dial(b.peerId(), b.listenAddresses()))).hasCauseInstanceOf(DialException.class);
        assertThat(b.resources().refusals().get(ResourceManager.Scope.PEER))
                .containsEntry(ResourceManager.Resource.CONNECTIONS, 1L);
        assertThat(first.isOpen()).isTrue();
        assertThat(await(a1.ping(b.peerId()))).isPositive();
        assertThat(b.connections()).hasSize(1);
        eventually(() -> b.resources().usage().connections() == 1 && b.resources().usage().transientConnections() == 0,
                "the refused connection's scope closed");
        Host c = host(null);
        assertThat(await(c.dial(b.peerId(), b.listenAddresses())).isOpen()).isTrue();
    }

    @Test
    void scopesAreClosedOnceWhateverEndsTheConnection() throws Exception {
        Host b = host(null);
        Host a = host(null);
        Connection c = await(a.dial(b.peerId(), b.listenAddresses()));
        eventually(() -> b.resources().usage().connections() == 1, "b counts a's connection");
        assertThat(a.resources().usage().connections()).isEqualTo(1);
        assertThat(a.resources().usage().inboundConnections()).isZero();
        await(c.close());
        eventually(() -> b.resources().usage().connections() == 0 && a.resources().usage().connections() == 0,
                "both sides released it");
        // A dial that fails (nobody listens) releases its scope too.
        ServerSocket closedPort = new ServerSocket(0);
        int port = closedPort.getLocalPort();
        closedPort.close();
        assertThatThrownBy(() -> await(a.dial(Ed25519KeyPair.generate().peerId(),
                List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/" + port))))).hasCauseInstanceOf(DialException.class);
        eventually(() -> a.resources().usage().connections() == 0 && a.resources().usage().transientConnections() == 0,
                "the failed dial released its scope");
        assertThat(b.resources().usage().inboundConnections()).isZero();
    }
}
