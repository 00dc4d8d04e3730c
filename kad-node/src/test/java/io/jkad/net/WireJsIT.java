package io.jkad.net;

import static io.jkad.net.InteropSupport.KAD;
import static io.jkad.net.InteropSupport.await;
import static io.jkad.net.InteropSupport.awaitCondition;
import static io.jkad.net.InteropSupport.awaitConnection;
import static io.jkad.net.InteropSupport.awaitInRoutingTable;
import static io.jkad.net.InteropSupport.awaitJsRoutingTableHas;
import static io.jkad.net.InteropSupport.dialAddr;
import static io.jkad.net.InteropSupport.id;
import static io.jkad.net.InteropSupport.join;
import static io.jkad.net.InteropSupport.tcp;
import static io.jkad.net.InteropSupport.jsKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.interop.PeerCommands;
import io.jkad.interop.InteropPeer;
import io.jkad.interop.PeerException;
import io.jkad.kademlia.QueryResult;
import io.jkad.kademlia.Quorum;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.net.pb.IdentifyProto.Identify;
import io.jkad.protocol.KadPeer;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.jkad.util.Varint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The connection layers against js-libp2p, one {@link KademliaNode} and one js process: identity
 * and encryption both ways (js dials jkad, jkad dials js, each refusing a wrong expected peer id),
 * and the interop checklist points that need a real js peer (libp2p-wire.md §10): what js records
 * from our Identify, js's ping before it adds us, Yamux stream-id parity, echoing js's keep-alive
 * pings (js fails the connection on a wrong reply), flow control past the 256 KiB window both ways,
 * and addresses with multiaddr codes jkad does not know (js advertises {@code /memory/…} and
 * {@code /unix/…} beside its TCP address). Skipped where node is not installed (except under CI).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WireJsIT {

    /** js advertises these beside its TCP address: one that jkad reads, two it does not know. */
    private static final String QUIC = "/ip4/192.0.2.7/udp/4001/quic-v1";
    private static final String MEMORY = "/memory/jkad-wire";
    private static final String UNIX = "/unix/tmp%2Fjkad.sock";
    private static final Duration JS_KEEPALIVE = Duration.ofMillis(100);

    private InteropPeer js;
    private KademliaNode node;
    private final List<AutoCloseable> extra = new ArrayList<>();
    private final Random random = new Random();

    @BeforeAll
    void start() throws Exception {
        node = InteropSupport.startJkad();
        js = InteropPeer.start(InteropSupport.jsOptions().nodes(9).announce(QUIC, MEMORY, UNIX)
                .yamuxKeepAlive(JS_KEEPALIVE));
    }

    @AfterAll
    void stop() throws Exception {
        for (AutoCloseable c : extra) {
            c.close();
        }
        if (js != null) {
            js.close();
        }
        if (node != null) {
            node.close();
        }
    }

    private KademliaNode extraNode() throws Exception {
        KademliaNode n = InteropSupport.startJkad();
        extra.add(n);
        return n;
    }

    // ------------------------------------------------------------------------------------------
    // Identity and encryption

    @Test
    void jsDialsJkad() throws Exception {
        PeerCommands a = js.node(0);
        assertThat(a.dial(dialAddr(node))).isEqualTo(node.peerId().toString());
        assertThat(a.connections()).anySatisfy(c -> {
            assertThat(c.peerId()).isEqualTo(node.peerId().toString());
            assertThat(c.direction()).isEqualTo("outbound");
            assertThat(c.encryption()).isEqualTo("/noise");
            assertThat(c.multiplexer()).isEqualTo("/yamux/1.0.0");
        });
        Connection ours = awaitConnection(node.host(), id(a));
        assertThat(ours.isOutbound()).isFalse();
        assertThat(ours.remotePeer()).isEqualTo(id(a));
    }

    @Test
    void jkadDialsJs() throws Exception {
        PeerCommands b = js.node(1);
        Connection c = node.host().dial(id(b), List.of(tcp(b))).get(10, TimeUnit.SECONDS);
        assertThat(c.isOutbound()).isTrue();
        assertThat(c.remotePeer()).isEqualTo(id(b));
        assertThat(b.connections()).anySatisfy(jc -> {
            assertThat(jc.peerId()).isEqualTo(node.peerId().toString());
            assertThat(jc.direction()).isEqualTo("inbound");
            assertThat(jc.encryption()).isEqualTo("/noise");
            assertThat(jc.multiplexer()).isEqualTo("/yamux/1.0.0");
        });
    }

    @Test
    void jsRefusesJkadUnderAnotherPeerId() throws Exception {
        PeerCommands c = js.node(2);
        PeerId wrong = Ed25519KeyPair.generate().peerId();
        String address = node.listenAddresses().get(0).withPeerId(wrong).toString();
        assertThatThrownBy(() -> c.dial(address)).isInstanceOf(PeerException.class)
                .satisfies(e -> System.out.println("js refused a wrong peer id: " + e.getMessage()));
        assertThat(c.peers()).doesNotContain(node.peerId().toString(), wrong.toString());
        // js gave up after our half of the handshake: wait until jkad has disposed of that socket.
        awaitCondition(() -> node.host().resources().usage().transientConnections() == 0,
                "jkad drops the half-done connection", Duration.ofSeconds(10));
        assertThat(node.host().connection(id(c))).as("no connection kept at jkad").isEmpty();
        // The right id works.
        assertThat(c.dial(dialAddr(node))).isEqualTo(node.peerId().toString());
    }

    @Test
    void jkadRefusesJsUnderAnotherPeerId() throws Exception {
        PeerCommands d = js.node(3);
        PeerId wrong = Ed25519KeyPair.generate().peerId();
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> node.host().dial(wrong, List.of(tcp(d).withoutPeerId())).get(10, TimeUnit.SECONDS));
        assertThat(e.getCause()).isInstanceOf(DialException.class);
        Throwable why = ((DialException) e.getCause()).failures().values().iterator().next();
        assertThat(why).isInstanceOf(HandshakeException.class)
                .hasMessageContaining("dialed " + wrong).hasMessageContaining("the remote is " + d.peerId());
        assertThat(node.host().connection(wrong)).isEmpty();
        assertThat(node.host().connection(id(d))).isEmpty();
        // The right id works, and js serves it.
        Connection c = node.host().dial(id(d), List.of(tcp(d))).get(10, TimeUnit.SECONDS);
        assertThat(c.remotePeer()).isEqualTo(id(d));
        assertThat(node.host().ping(id(d)).get(10, TimeUnit.SECONDS)).isPositive();
    }

    // ------------------------------------------------------------------------------------------
    // Identify, ping, the routing table

    @Test
    void jsRecordsOurIdentifyAndPingsUsBeforeAddingUs() throws Exception {
        KademliaNode fresh = extraNode();
        List<Long> pingStreams = new java.util.concurrent.CopyOnWriteArrayList<>();
        PeerCommands e = js.node(4);
        fresh.host().addListener(new HostListener() {
            @Override
            public void streamOpened(Connection connection, StreamChannel stream) {
                if (!stream.isOutbound() && Host.PING.equals(stream.protocol())
                        && connection.remotePeer().equals(id(e))) {
                    pingStreams.add(System.nanoTime());
                }
            }
        });
        e.dial(dialAddr(fresh));
        awaitJsRoutingTableHas(e, List.of(fresh.peerId().toString()));
        assertThat(pingStreams).as("js pinged us before it took us into its routing table").isNotEmpty();

        PeerCommands.PeerStoreEntry seen = e.peerStore(fresh.peerId().toString());
        assertThat(seen.protocols()).contains(KAD, Host.PING, Host.IDENTIFY, Host.IDENTIFY_PUSH);
        assertThat(seen.agentVersion()).hasValueSatisfying(v -> assertThat(v).startsWith("jkad/"));
        assertThat(seen.addrs()).contains(fresh.listenAddresses().get(0).toString());

        // What we sent js: under rust's 4 KiB limit with its length prefix.
        HostConnection conn = (HostConnection) awaitConnection(fresh.host(), id(e));
        Identify sent = fresh.host().identifyMessage(conn);
        int size = sent.getSerializedSize();
        assertThat(size + Varint.size(size)).isLessThan(IdentifyProtocol.MAX_SEND);
    }

    @Test
    void streamIdsFollowTheConnectionsDialer() throws Exception {
        KademliaNode m = extraNode();
        record Seen(boolean connectionOutbound, boolean streamOutbound, int id, String protocol) {}
        List<Seen> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        m.host().addListener(new HostListener() {
            @Override
            public void streamOpened(Connection connection, StreamChannel stream) {
                seen.add(new Seen(connection.isOutbound(), stream.isOutbound(), stream.streamId(), stream.protocol()));
            }
        });
        PeerCommands f = js.node(5);
        PeerCommands g = js.node(6);
        f.dial(dialAddr(m));                                                // js dials m
        m.host().dial(id(g), List.of(tcp(g))).get(10, TimeUnit.SECONDS);   // m dials js
        awaitInRoutingTable(m, List.of(id(f), id(g)));
        QueryResult.GetClosestPeers r = await(m.getClosestPeers(RecordKey.of(new byte[] {1, 2, 3})));
        assertThat(r.peers()).contains(id(f), id(g));
        f.getClosestPeers(new byte[] {4, 5, 6});
        g.getClosestPeers(new byte[] {7, 8, 9});
        for (boolean connOut : new boolean[] {true, false}) {
            for (boolean streamOut : new boolean[] {true, false}) {
                assertThat(seen).as("streams on %s connections opened by %s", connOut ? "our" : "js's",
                        streamOut ? "us" : "js").anyMatch(s -> s.connectionOutbound() == connOut
                        && s.streamOutbound() == streamOut);
            }
        }
        // The connection's dialer opens odd ids, the listener even ones.
        assertThat(seen).allSatisfy(s -> assertThat(s.id() % 2 == 1)
                .as("stream %s", s).isEqualTo(s.connectionOutbound() == s.streamOutbound()));
    }

    @Test
    void jsKeepAlivePingsAreEchoedAndItsConnectionStays() throws Exception {
        // js-yamux pings every 100 ms and fails the connection on a reply that is not an exact
        // ACK of its ping (UnRequestedPingError, NotMatchingPingError, InvalidFrameError).
        PeerCommands h = js.node(7);
        h.dial(dialAddr(node));
        PeerCommands.Connection before = h.connections().stream()
                .filter(c -> c.peerId().equals(node.peerId().toString())).findFirst().orElseThrow();
        Connection ours = awaitConnection(node.host(), id(h));
        // The subject: the connection lasts through 20 of js's keep-alive rounds (nothing is to happen).
        Thread.sleep(20 * JS_KEEPALIVE.toMillis());
        List<PeerCommands.Connection> after = h.connections().stream()
                .filter(c -> c.peerId().equals(node.peerId().toString())).toList();
        assertThat(after).containsExactly(before);
        assertThat(after.get(0).status()).isEqualTo("open");
        assertThat(ours.isOpen()).isTrue();
        assertThat(h.ping(node.peerId().toString())).isNotNull();
    }

    @Test
    void recordsLargerThanTheYamuxWindowCrossBothWays() throws Exception {
        // PUT_VALUE of 300 KB to js (our data beyond js's 256 KiB receive window) and js's echo of
        // it (js's data beyond ours): each side must wait for the other's window updates.
        PeerCommands b = js.node(1);
        node.host().dial(id(b), List.of(tcp(b))).get(10, TimeUnit.SECONDS);
        byte[] value = new byte[300 * 1024];
        random.nextBytes(value);
        RecordKey key = jsKey("large");
        QueryResult.PutRecord put = await(node.putRecordTo(DhtRecord.of(key, value), List.of(id(b)), Quorum.ONE));
        assertThat(put.isOk()).as("%s", put).isTrue();
        assertThat(b.getLocal(key.toBytes())).hasValueSatisfying(v -> assertThat(v).isEqualTo(value));
    }

    // ------------------------------------------------------------------------------------------
    // Addresses with codes jkad does not know

    @Test
    void unknownMultiaddrCodesAreSkippedNotFatal() throws Exception {
        PeerCommands p = js.node(8);
        PeerCommands q = js.node(0);
        // Identify: js lists TCP, QUIC, /memory and /unix; we keep the two we can read.
        KademliaNode k = extraNode();
        Connection c = k.host().dial(id(p), List.of(tcp(p))).get(10, TimeUnit.SECONDS);
        IdentifyInfo info = InteropSupport.awaitIdentify(c);
        assertThat(info.listenAddresses()).containsExactlyInAnyOrder(tcp(p).withoutPeerId(), Multiaddr.parse(QUIC));
        awaitInRoutingTable(k, List.of(id(p)));
        RoutingTableEntry entry = await(k.routingTable()).stream().filter(e -> e.peer().equals(id(p)))
                .findFirst().orElseThrow();
        assertThat(entry.addresses().get(0)).as("the dialable address first").isEqualTo(tcp(p).withoutPeerId());

        // Kademlia: q knows p; q's FIND_NODE answer lists p with all four addresses.
        q.dial(p.dialAddr());
        awaitJsRoutingTableHas(q, List.of(p.peerId()));
        try (Host raw = Host.start(HostConfig.builder(Ed25519KeyPair.generate()).build())) {
            raw.dial(id(q), List.of(tcp(q))).get(10, TimeUnit.SECONDS);
            try (RawKadStream s = RawKadStream.open(raw, id(q))) {
                KadRequest find = new KadRequest.FindNode(RecordKey.of(id(p).toBytes()));
                s.send(find);
                byte[] frame = s.nextFrame();
                // /memory is code 777 (varint 89 06): it was on the wire.
                assertThat(HexFormat.of().formatHex(frame)).contains("8906" + HexFormat.of().formatHex(
                        Varint.encode(MEMORY.length() - "/memory/".length())));
                KadResponse.FindNode answer = (KadResponse.FindNode) s.decode(frame, find);
                KadPeer peer = answer.closerPeers().stream().filter(x -> x.id().equals(id(p))).findFirst().orElseThrow();
                assertThat(peer.addresses()).containsExactlyInAnyOrder(tcp(p).withoutPeerId(), Multiaddr.parse(QUIC));
            }
        }
        // And a jkad node that meets p only through q's answer reaches it.
        KademliaNode r = extraNode();
        join(r, q);
        QueryResult.GetClosestPeers found = await(r.getClosestPeers(id(p)));
        assertThat(found.peers()).contains(id(p));
        awaitInRoutingTable(r, List.of(id(p)));
    }
}
