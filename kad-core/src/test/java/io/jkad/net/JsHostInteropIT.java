package io.jkad.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.interop.InteropPeer;
import io.jkad.multiaddr.Multiaddr;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * jkad's {@link Host} against js-libp2p (TCP + @chainsafe/libp2p-noise + @chainsafe/libp2p-yamux,
 * @libp2p/identify, @libp2p/ping; versions pinned in interop/js), dialing in both directions.
 * Skipped where node is not installed (except under CI).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JsHostInteropIT {

    private static final String KAD = "/ipfs/kad/1.0.0";

    private Host host;
    private final BlockingQueue<Connection> established = new LinkedBlockingQueue<>();
    private final BlockingQueue<IdentifyInfo> identified = new LinkedBlockingQueue<>();

    @BeforeAll
    void startHost() throws Exception {
        host = Host.start(HostConfig.builder(Ed25519KeyPair.generate())
                .listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0"))
                .idleTimeout(Duration.ofSeconds(60))
                .build());
        host.addListener(new HostListener() {
            @Override
            public void connectionEstablished(Connection connection) {
                established.add(connection);
            }

            @Override
            public void identifyReceived(Connection connection, IdentifyInfo info) {
                identified.add(info);
            }
        });
        // Advertise kad so that js's DHT takes us into its routing table once it has processed our
        // Identify and pinged us: that is js's own evidence that both worked. The handler only
        // swallows requests (the Kademlia binding is not part of this test).
        host.setStreamHandler(KAD, stream -> stream.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ReferenceCountUtil.release(msg);
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof ChannelInputShutdownEvent) {
                    ctx.close();
                }
            }
        }));
    }

    @AfterAll
    void stopHost() {
        if (host != null) {
            host.close();
        }
    }

    /** js options; {@code -Djkad.interop.debug=libp2p:*} turns on js-libp2p's debug log (target/js-peer-logs). */
    private static InteropPeer.Options jsOptions(long seed) {
        return InteropPeer.options().seed(seed).debugFromSystemProperty();
    }

    private String ourDialAddress() {
        return host.listenAddresses().get(0).withPeerId(host.peerId()).toString();
    }

    private IdentifyInfo identifyOf(PeerId peer) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            IdentifyInfo info = identified.poll(1, TimeUnit.SECONDS);
            if (info != null && info.peer().equals(peer)) {
                return info;
            }
        }
        throw new AssertionError("no identify from " + peer);
    }

    private static void awaitInRoutingTable(InteropPeer js, String peerId) {
        js.awaitRoutingTableHas(List.of(peerId), Duration.ofSeconds(20));
    }

    @Test
    void jkadDialsJs() throws Exception {
        try (InteropPeer js = InteropPeer.start(jsOptions(101))) {
            PeerId jsId = PeerId.parse(js.peerId());
            Connection c = host.dial(jsId, List.of(Multiaddr.parse(js.dialAddr()))).get(20, TimeUnit.SECONDS);
            assertThat(c.remotePeer()).isEqualTo(jsId);
            assertThat(c.isOutbound()).isTrue();

            IdentifyInfo info = identifyOf(jsId);
            System.out.println("js identify: " + info);
            assertThat(info.agentVersion()).contains("js-libp2p");
            assertThat(info.protocols()).contains(Host.IDENTIFY, Host.PING, KAD);
            assertThat(info.listenAddresses()).contains(Multiaddr.parse(js.dialAddr()).withoutPeerId());
            assertThat(info.observedAddress()).contains(c.localAddress());

            Duration ours = host.ping(jsId).get(20, TimeUnit.SECONDS);
            Duration theirs = js.ping(host.peerId().toBase58());
            System.out.printf("ping jkad->js %d us, js->jkad %d ms%n", ours.toNanos() / 1000, theirs.toMillis());
            assertThat(ours).isPositive();

            // js read our Identify (it saw /ipfs/kad/1.0.0) and pinged us before adding us.
            awaitInRoutingTable(js, host.peerId().toBase58());
            assertThat(js.connections()).anySatisfy(jc -> {
                assertThat(jc.peerId()).isEqualTo(host.peerId().toBase58());
                assertThat(jc.direction()).isEqualTo("inbound");
            });
        }
    }

    @Test
    void jsDialsJkad() throws Exception {
        try (InteropPeer js = InteropPeer.start(jsOptions(102))) {
            PeerId jsId = PeerId.parse(js.peerId());
            assertThat(js.dial(ourDialAddress())).isEqualTo(host.peerId().toBase58());

            Connection c = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (c == null && System.nanoTime() < deadline) {
                Connection e = established.poll(1, TimeUnit.SECONDS);
                if (e != null && e.remotePeer().equals(jsId)) {
                    c = e;
                }
            }
            assertThat(c).as("inbound connection from js").isNotNull();
            assertThat(c.isOutbound()).isFalse();

            IdentifyInfo info = identifyOf(jsId);
            assertThat(info.protocols()).contains(Host.IDENTIFY, Host.PING);
            assertThat(info.observedAddress()).contains(host.listenAddresses().get(0));

            Duration theirs = js.ping(host.peerId().toBase58());
            Duration ours = host.ping(jsId).get(20, TimeUnit.SECONDS);
            System.out.printf("ping js->jkad %d ms, jkad->js %d us%n", theirs.toMillis(), ours.toNanos() / 1000);
            assertThat(ours).isPositive();
            awaitInRoutingTable(js, host.peerId().toBase58());
        }
    }
}
