package io.jkad.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.kademlia.KademliaConfig;
import io.jkad.kademlia.KademliaEvent;
import io.jkad.kademlia.NoKnownPeersException;
import io.jkad.kademlia.QueryResult;
import io.jkad.kademlia.Quorum;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.protocol.KadPeer;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStore;
import io.jkad.record.RecordStores;
import io.jkad.record.StoreConfig;
import io.jkad.routing.Key;
import io.jkad.routing.KeyBytes;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Ten {@link KademliaNode}s on loopback (real TCP + Noise + Yamux), bootstrapped through the first,
 * with k = 8 so that a majority quorum (5) can be met. Raw clients on a plain {@link Host} check
 * the wire behaviour of the inbound side.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KademliaNodeTest {

    private static final int NODES = 10;
    private static final int K = 8;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
    private static final Multiaddr LOOPBACK = Multiaddr.parse("/ip4/127.0.0.1/tcp/0");

    private final List<KademliaNode> nodes = new ArrayList<>();
    private final List<AutoCloseable> extra = new CopyOnWriteArrayList<>();
    private final Random random = new Random(7);

    private static KademliaConfig kadConfig() {
        return KademliaConfig.builder().replicationFactor(K).build();
    }

    private static KademliaNodeConfig.Builder nodeConfig() {
        return KademliaNodeConfig.builder(Ed25519KeyPair.generate())
                .listen(LOOPBACK)
                .kademlia(kadConfig())
                .requestTimeout(REQUEST_TIMEOUT)
                .ioThreads(1);
    }

    private KademliaNode startExtra(KademliaNodeConfig config) throws Exception {
        KademliaNode n = KademliaNode.start(config);
        extra.add(n);
        return n;
    }

    private static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    @BeforeAll
    void startNetwork() throws Exception {
        for (int i = 0; i < NODES; i++) {
            nodes.add(KademliaNode.start(nodeConfig().build()));
        }
        KademliaNode first = nodes.get(0);
        List<CompletableFuture<QueryResult.Bootstrap>> boots = new ArrayList<>();
        for (KademliaNode n : nodes.subList(1, NODES)) {
            await(n.addAddress(first.peerId(), first.listenAddresses().get(0)));
            boots.add(n.bootstrap());
        }
        for (CompletableFuture<QueryResult.Bootstrap> b : boots) {
            assertThat(await(b).isOk()).isTrue();
        }
        // The first node learned the others from their connections; one refresh round for all.
        for (KademliaNode n : nodes) {
            await(n.bootstrap());
        }
    }

    @AfterAll
    void stopNetwork() throws Exception {
        for (AutoCloseable c : extra) {
            c.close();
        }
        for (KademliaNode n : nodes) {
            n.close();
        }
    }

    private KademliaNode node(int i) {
        return nodes.get(i);
    }

    // ------------------------------------------------------------------------------------------
    // Operations across the network

    @Test
    void bootstrapFillsRoutingTables() throws Exception {
        for (KademliaNode n : nodes) {
            List<RoutingTableEntry> table = await(n.routingTable());
            assertThat(table).as("routing table of %s", n).hasSizeGreaterThanOrEqualTo(K);
            assertThat(table).extracting(RoutingTableEntry::peer).doesNotContain(n.peerId());
            for (RoutingTableEntry e : table) {
                assertThat(e.addresses()).isNotEmpty();
                assertThat(e.addresses().get(0).toString()).startsWith("/ip4/127.0.0.1/tcp/");
            }
        }
    }

    @Test
    void putThenGetWithQuorumOne() throws Exception {
        RecordKey key = RecordKey.ofUtf8("/test/one-" + random.nextLong());
        byte[] value = "hello".getBytes(StandardCharsets.UTF_8);
        QueryResult.PutRecord put = await(node(3).putRecord(DhtRecord.of(key, value), Quorum.ONE));
        assertThat(put).isInstanceOf(QueryResult.PutRecord.Ok.class);
        assertThat(put.success()).isNotEmpty().doesNotContain(node(3).peerId());

        for (int reader : new int[] {7, 0, 9}) {
            QueryResult.GetRecord got = await(node(reader).getRecord(key, Quorum.ONE));
            assertThat(got).as("get from node %d", reader).isInstanceOf(QueryResult.GetRecord.Ok.class);
            assertThat(((QueryResult.GetRecord.Ok) got).records().get(0).record().value()).isEqualTo(value);
        }
    }

    @Test
    void putThenGetWithMajority() throws Exception {
        RecordKey key = RecordKey.ofUtf8("/test/majority-" + random.nextLong());
        byte[] value = "many".getBytes(StandardCharsets.UTF_8);
        QueryResult.PutRecord put = await(node(5).putRecord(DhtRecord.of(key, value), Quorum.MAJORITY));
        assertThat(put).isInstanceOf(QueryResult.PutRecord.Ok.class);
        assertThat(put.success()).hasSizeGreaterThanOrEqualTo(K / 2 + 1);

        QueryResult.GetRecord got = await(node(2).getRecord(key, Quorum.MAJORITY));
        assertThat(got).isInstanceOf(QueryResult.GetRecord.Ok.class);
        QueryResult.GetRecord.Ok ok = (QueryResult.GetRecord.Ok) got;
        assertThat(ok.records()).hasSizeGreaterThanOrEqualTo(K / 2 + 1);
        assertThat(ok.records()).allSatisfy(r -> assertThat(r.record().value()).isEqualTo(value));
        Set<PeerId> from = ok.records().stream().flatMap(r -> r.peer().stream()).collect(Collectors.toSet());
        assertThat(from).hasSizeGreaterThanOrEqualTo(K / 2); // distinct remote peers (plus maybe the local copy)
    }

    @Test
    void getOfAMissingKeyIsNotFound() throws Exception {
        QueryResult.GetRecord got = await(node(4).getRecord(RecordKey.ofUtf8("/test/missing"), Quorum.ONE));
        assertThat(got).isInstanceOf(QueryResult.GetRecord.NotFound.class);
        assertThat(((QueryResult.GetRecord.NotFound) got).closestPeers()).isNotEmpty();
    }

    @Test
    void provideThenFindProviders() throws Exception {
        RecordKey key = InteropSupport.multihash("provided-");
        QueryResult.AddProvider added = await(node(2).startProviding(key));
        assertThat(added.isOk()).isTrue();
        for (int seeker : new int[] {8, 0}) {
            QueryResult.GetProviders found = await(node(seeker).getProviders(key));
            assertThat(found.isOk()).isTrue();
            assertThat(found.providers()).as("providers seen by node %d", seeker).contains(node(2).peerId());
        }
    }

    @Test
    void getClosestPeersFindsTheTrueClosest() throws Exception {
        for (int round = 0; round < 5; round++) {
            KademliaNode source = node(random.nextInt(NODES));
            byte[] target = new byte[32];
            random.nextBytes(target);
            RecordKey key = RecordKey.of(target);
            KeyBytes digest = KeyBytes.digestOf(target);
            List<PeerId> truth = nodes.stream().map(KademliaNode::peerId)
                    .filter(p -> !p.equals(source.peerId()))
                    .sorted(Comparator.comparing((PeerId p) -> Key.of(p).distance(digest)))
                    .limit(K)
                    .toList();
            QueryResult.GetClosestPeers result = await(source.getClosestPeers(key));
            assertThat(result.isOk()).isTrue();
            assertThat(result.peers()).as("closest peers to %s from %s", key, source).containsExactlyElementsOf(truth);
        }
    }

    @Test
    void bootstrapWithoutPeersFails() throws Exception {
        KademliaNode lonely = startExtra(nodeConfig().build());
        assertThatThrownBy(() -> await(lonely.bootstrap()))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(NoKnownPeersException.class);
        lonely.close();
        assertThatThrownBy(() -> await(lonely.getClosestPeers(lonely.peerId())))
                .hasCauseInstanceOf(IllegalStateException.class)
                .hasMessageContaining("node closed");
    }

    @Test
    void addAddressOfAnotherPeerIsRefused() {
        Multiaddr named = Multiaddr.parse("/ip4/127.0.0.1/tcp/4001").withPeerId(node(1).peerId());
        assertThatThrownBy(() -> await(node(0).addAddress(node(2).peerId(), named)))
                .hasCauseInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(node(1).peerId().toString());
    }

    // ------------------------------------------------------------------------------------------
    // Client mode

    @Test
    void clientModeNodeQueriesButIsNeitherRoutedNorAnswering() throws Exception {
        RecordKey key = RecordKey.ofUtf8("/test/for-client-" + random.nextLong());
        byte[] value = "seen by the client".getBytes(StandardCharsets.UTF_8);
        assertThat(await(node(6).putRecord(DhtRecord.of(key, value), Quorum.ONE)).isOk()).isTrue();

        KademliaNode client = startExtra(nodeConfig().clientMode(true).build());
        InteropSupport.join(client, node(0));
        assertThat(await(client.routingTable())).hasSizeGreaterThanOrEqualTo(K);
        QueryResult.GetRecord got = await(client.getRecord(key, Quorum.ONE));
        assertThat(got).isInstanceOf(QueryResult.GetRecord.Ok.class);
        assertThat(client.connectedPeers()).isNotEmpty();

        // The servers it talked to know its identify (without the protocol) and left it out.
        for (KademliaNode n : nodes) {
            assertThat(await(n.routingTable())).extracting(RoutingTableEntry::peer).doesNotContain(client.peerId());
        }
        // It does not answer the protocol.
        try (Host raw = Host.start(HostConfig.builder(Ed25519KeyPair.generate()).build())) {
            Connection c = raw.dial(client.peerId(), client.listenAddresses()).get(10, TimeUnit.SECONDS);
            assertThatThrownBy(() -> RawKadStream.open(raw, client.peerId()))
                    .hasCauseInstanceOf(ProtocolNegotiationException.class);
            InteropSupport.awaitIdentify(c);
            assertThat(c.identifyInfo().orElseThrow().protocols()).doesNotContain(RawKadStream.KAD);
        }
        client.close();
    }

    // ------------------------------------------------------------------------------------------
    // Failures

    @Test
    void requestToAVanishedPeerFailsAndTheQueryCompletes() throws Exception {
        // A small network of its own, so that no full bucket keeps the peer out of the table.
        KademliaNode asker = startExtra(nodeConfig().build());
        KademliaNode partner = startExtra(nodeConfig().build());
        InteropSupport.join(asker, partner);
        KademliaNode gone = startExtra(nodeConfig().build());
        InteropSupport.join(gone, asker);
        InteropSupport.awaitInRoutingTable(asker, List.of(gone.peerId()));
        List<KademliaEvent.QueryCompleted> completed = new CopyOnWriteArrayList<>();
        asker.addListener(e -> {
            if (e instanceof KademliaEvent.QueryCompleted c) {
                completed.add(c);
            }
        });
        gone.close();

        long start = System.nanoTime();
        QueryResult.GetClosestPeers result = await(asker.getClosestPeers(gone.peerId()));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(result.isOk()).isTrue();
        assertThat(result.peers()).doesNotContain(gone.peerId()).contains(partner.peerId());
        assertThat(ms).as("query duration").isLessThan(20_000);
        KademliaEvent.QueryCompleted event = completed.stream()
                .filter(c -> c.result() instanceof QueryResult.GetClosestPeers g
                        && g.key().equals(RecordKey.of(gone.peerId().toBytes())))
                .findFirst().orElseThrow();
        assertThat(event.stats().failure()).as("failed requests").isGreaterThanOrEqualTo(1);
    }

    @Test
    void aPeerThatNeverAnswersTimesOutAndTheQueryCompletes() throws Exception {
        KademliaNode asker = startExtra(nodeConfig().build());
        KademliaNode partner = startExtra(nodeConfig().build());
        InteropSupport.join(asker, partner);
        // A peer that advertises the protocol and swallows every request.
        Host silent = Host.start(HostConfig.builder(Ed25519KeyPair.generate()).listen(LOOPBACK).build());
        extra.add(silent);
        silent.setStreamHandler(RawKadStream.KAD, s -> s.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ReferenceCountUtil.release(msg);
            }
        }));
        silent.dial(asker.peerId(), asker.listenAddresses()).get(10, TimeUnit.SECONDS);
        InteropSupport.awaitInRoutingTable(asker, List.of(silent.peerId()));

        long start = System.nanoTime();
        QueryResult.GetClosestPeers result = await(asker.getClosestPeers(silent.peerId()));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(result.isOk()).isTrue();
        assertThat(result.peers()).doesNotContain(silent.peerId()).contains(partner.peerId());
        // The request timeout (2 s) ended it, well before the 10 s peer timeout of the lookup.
        assertThat(ms).isBetween(REQUEST_TIMEOUT.toMillis() - 100, 9_000L);
        silent.close();
    }

    // ------------------------------------------------------------------------------------------
    // The inbound side on the wire

    private Host rawClient(KademliaNode target) throws Exception {
        Host raw = Host.start(HostConfig.builder(Ed25519KeyPair.generate()).build());
        extra.add(raw);
        raw.dial(target.peerId(), target.listenAddresses()).get(10, TimeUnit.SECONDS);
        return raw;
    }

    @Test
    void severalRequestsOnOneInboundStreamThenClose() throws Exception {
        KademliaNode target = node(2);
        Host raw = rawClient(target);
        RecordKey key = RecordKey.ofUtf8("/test/raw-" + random.nextLong());
        byte[] value = "on one stream".getBytes(StandardCharsets.UTF_8);
        try (RawKadStream s = RawKadStream.open(raw, target.peerId())) {
            // FIND_NODE for the node's own id: it answers with itself first.
            KadResponse.FindNode self = s.call(new KadRequest.FindNode(RecordKey.of(target.peerId().toBytes())),
                    KadResponse.FindNode.class);
            assertThat(self.closerPeers()).extracting(KadPeer::id).contains(target.peerId());
            KadPeer first = self.closerPeers().get(0);
            assertThat(first.id()).isEqualTo(target.peerId());
            assertThat(first.addresses()).containsAll(target.listenAddresses());

            // The deprecated PING is answered.
            assertThat(s.call(new KadRequest.Ping(), KadResponse.Pong.class)).isNotNull();

            // PUT_VALUE then GET_VALUE of it, still on the same stream.
            KadResponse.PutValue stored = s.call(new KadRequest.PutValue(DhtRecord.of(key, value)),
                    KadResponse.PutValue.class);
            assertThat(stored.key()).isEqualTo(key);
            KadResponse.GetValue got = s.call(new KadRequest.GetValue(key), KadResponse.GetValue.class);
            assertThat(got.record()).isPresent();
            assertThat(got.record().get().value()).isEqualTo(value);

            // Half-closing ends the stream: the node closes its side too.
            s.halfClose();
            assertThat(s.next(10)).isEqualTo(RawKadStream.FIN);
        }
    }

    @Test
    void requestsSentAheadAreAnsweredInOrder() throws Exception {
        KademliaNode target = node(3);
        Host raw = rawClient(target);
        try (RawKadStream s = RawKadStream.open(raw, target.peerId())) {
            KadRequest ping = new KadRequest.Ping();
            KadRequest find = new KadRequest.FindNode(RecordKey.of(node(5).peerId().toBytes()));
            s.send(ping);
            s.send(find);
            s.send(ping);
            s.halfClose();
            assertThat(s.decode(s.nextFrame(), ping)).isInstanceOf(KadResponse.Pong.class);
            assertThat(s.decode(s.nextFrame(), find)).isInstanceOf(KadResponse.FindNode.class);
            assertThat(s.decode(s.nextFrame(), ping)).isInstanceOf(KadResponse.Pong.class);
            assertThat(s.next(10)).isEqualTo(RawKadStream.FIN);
        }
    }

    @Test
    void oversizedFrameResetsTheStreamAndTheNodeKeepsServing() throws Exception {
        KademliaNode target = node(6);
        Host raw = rawClient(target);
        try (RawKadStream s = RawKadStream.open(raw, target.peerId())) {
            // A length prefix of 5 MiB (over the 4 MiB maximum), then a few bytes of body.
            s.sendRaw(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0xC0, 0x02, 1, 2, 3});
            assertThat(s.next(10)).isEqualTo(RawKadStream.RESET);
        }
        assertServes(raw, target);
    }

    @Test
    void garbageProtobufResetsTheStreamAndTheNodeKeepsServing() throws Exception {
        KademliaNode target = node(7);
        Host raw = rawClient(target);
        try (RawKadStream s = RawKadStream.open(raw, target.peerId())) {
            // A frame of 3 bytes: field 1 (length-delimited) claims 5 bytes and holds 1.
            s.sendRaw(new byte[] {3, 0x0A, 0x05, 0x01});
            assertThat(s.next(10)).isEqualTo(RawKadStream.RESET);
        }
        try (RawKadStream s = RawKadStream.open(raw, target.peerId())) {
            // A well-formed message of an unknown type (99).
            s.sendRaw(new byte[] {2, 0x08, 99});
            assertThat(s.next(10)).isEqualTo(RawKadStream.RESET);
        }
        assertServes(raw, target);
    }

    /** A new stream on the same connection is answered. */
    private static void assertServes(Host raw, KademliaNode target) throws Exception {
        assertThat(raw.connection(target.peerId())).as("connection kept").isPresent();
        try (RawKadStream s = RawKadStream.open(raw, target.peerId())) {
            KadResponse.FindNode r = s.call(new KadRequest.FindNode(RecordKey.ofUtf8("anything")),
                    KadResponse.FindNode.class);
            assertThat(r.closerPeers()).isNotEmpty();
        }
    }

    @Test
    void maximumMessageSizeIsAppliedBothWays() throws Exception {
        KademliaConfig small = KademliaConfig.builder().replicationFactor(K).maxPacketSize(1024).build();
        KademliaNode tiny = startExtra(nodeConfig().kademlia(small).build());
        KademliaNode partner = startExtra(nodeConfig().build());
        InteropSupport.join(tiny, partner);
        DhtRecord big = DhtRecord.of(RecordKey.ofUtf8("/test/big-" + random.nextLong()), new byte[1500]);

        // Inbound: a 1.5 KiB PUT_VALUE frame is refused by the 1 KiB limit; small requests still pass.
        Host raw = rawClient(tiny);
        try (RawKadStream s = RawKadStream.open(raw, tiny.peerId())) {
            s.send(new KadRequest.PutValue(big));
            assertThat(s.next(10)).isEqualTo(RawKadStream.RESET);
        }
        assertServes(raw, tiny);

        // Outbound: tiny does not send it, and partner's copy is refused by tiny.
        QueryResult.PutRecord fromTiny = await(tiny.putRecordTo(big, List.of(partner.peerId()), Quorum.ONE));
        assertThat(fromTiny).isInstanceOf(QueryResult.PutRecord.QuorumFailed.class);
        QueryResult.PutRecord toTiny = await(partner.putRecordTo(big, List.of(tiny.peerId()), Quorum.ONE));
        assertThat(toTiny).isInstanceOf(QueryResult.PutRecord.QuorumFailed.class);
        Optional<DhtRecord> atTiny = await(tiny.execute(k -> k.store().get(big.key())));
        Optional<DhtRecord> atPartner = await(partner.execute(k -> k.store().get(big.key())));
        assertThat(atTiny).isEmpty();
        assertThat(atPartner).isEmpty();
        // A record within the limit goes through.
        DhtRecord fits = DhtRecord.of(RecordKey.ofUtf8("/test/fits-" + random.nextLong()), new byte[200]);
        assertThat(await(tiny.putRecordTo(fits, List.of(partner.peerId()), Quorum.ONE)).isOk()).isTrue();
    }

    @Test
    void idleConnectionsCloseAfterTheConfiguredTimeout() throws Exception {
        KademliaConfig quick = KademliaConfig.builder().replicationFactor(K)
                .connectionIdleTimeout(Duration.ofMillis(500)).build();
        KademliaNode a = startExtra(nodeConfig().kademlia(quick).build());
        KademliaNode b = startExtra(nodeConfig().kademlia(quick).build());
        InteropSupport.join(a, b);
        // a closes the idle connection; b sees the close a moment later, so wait for both.
        Awaitility.await("a and b close their idle connection").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> a.connectedPeers().isEmpty() && b.connectedPeers().isEmpty());
        // The routing table keeps b, marked disconnected once the logic thread has seen the close;
        // a query connects again.
        Awaitility.await("a's routing table marks b disconnected").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> await(a.routingTable()).stream().filter(e -> e.peer().equals(b.peerId()))
                        .findFirst().orElseThrow(), entry -> !entry.connected());
        // Recorded as it happens: sampling connectedPeers() afterwards could miss a connection
        // that idled out again (500 ms) on a slow machine.
        BlockingQueue<PeerId> reconnected = new LinkedBlockingQueue<>();
        a.host().addListener(new HostListener() {
            @Override
            public void connectionEstablished(Connection connection) {
                reconnected.add(connection.remotePeer());
            }
        });
        assertThat(await(a.getClosestPeers(RecordKey.ofUtf8("again"))).peers()).contains(b.peerId());
        assertThat(reconnected.poll(10, TimeUnit.SECONDS)).isEqualTo(b.peerId());
    }

    // ------------------------------------------------------------------------------------------
    // Lifecycle

    @Test
    void closeLeavesAStorePassedInOpenAndClosesItsOwn() throws Exception {
        Ed25519KeyPair id = Ed25519KeyPair.generate();
        RecordStore mine = RecordStores.open("memory", StoreConfig.defaults(id.peerId()));
        KademliaNode borrowing = KademliaNode.start(KademliaNodeConfig.builder(id).store(mine).build());
        RecordKey key = RecordKey.ofUtf8("/test/kept");
        await(borrowing.execute(k -> {
            k.store().put(DhtRecord.of(key, new byte[] {1}));
            return null;
        }));
        borrowing.close();
        borrowing.close(); // idempotent
        assertThat(mine.get(key)).isPresent(); // still open and usable
        mine.close();

        Ed25519KeyPair id2 = Ed25519KeyPair.generate();
        KademliaNode owning = KademliaNode.start(KademliaNodeConfig.builder(id2)
                .openStore("memory", StoreConfig.defaults(id2.peerId())).build());
        RecordStore own = await(owning.execute(k -> k.store()));
        owning.close();
        assertThatThrownBy(() -> own.get(key)).isInstanceOf(io.jkad.record.StoreException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void closeFailsTheQueriesInFlight() throws Exception {
        KademliaNode asker = startExtra(nodeConfig().build());
        Host silent = Host.start(HostConfig.builder(Ed25519KeyPair.generate()).listen(LOOPBACK).build());
        extra.add(silent);
        CompletableFuture<Void> asked = new CompletableFuture<>();
        silent.setStreamHandler(RawKadStream.KAD, s -> s.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ReferenceCountUtil.release(msg);
                asked.complete(null);
            }
        }));
        silent.dial(asker.peerId(), asker.listenAddresses()).get(10, TimeUnit.SECONDS);
        InteropSupport.awaitInRoutingTable(asker, List.of(silent.peerId()));
        CompletableFuture<QueryResult.GetClosestPeers> pending = asker.getClosestPeers(RecordKey.ofUtf8("slow"));
        asked.get(10, TimeUnit.SECONDS); // the query's request reached the silent peer: it is in flight
        assertThat(pending).isNotDone();
        asker.close();
        assertThat(pending).isCompletedExceptionally();
        assertThatThrownBy(pending::join).hasCauseInstanceOf(IllegalStateException.class)
                .hasMessageContaining("node closed");
        assertThat(asker.isClosed()).isTrue();
    }

    @Test
    void configRejectsBadArguments() {
        Ed25519KeyPair id = Ed25519KeyPair.generate();
        KademliaNodeConfig.Builder b = KademliaNodeConfig.builder(id);
        assertThatThrownBy(() -> b.requestTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("requestTimeout");
        assertThatThrownBy(() -> b.dialTimeout(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dialTimeout");
        assertThatThrownBy(() -> b.inboundStreamIdleTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("inboundStreamIdleTimeout");
        assertThatThrownBy(() -> b.ioThreads(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
        assertThatThrownBy(() -> b.listen(Multiaddr.parse("/dns4/example.com/tcp/1")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("example.com");
        PeerId other = Ed25519KeyPair.generate().peerId();
        assertThatThrownBy(() -> b.openStore("memory", StoreConfig.defaults(other)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(other.toString());
        assertThatThrownBy(() -> KademliaNode.start(KademliaNodeConfig.builder(id).openStore("nosuch",
                StoreConfig.defaults(id.peerId())).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nosuch");
    }

    @Test
    void listenersSeeEveryStepOfABootstrap() throws Exception {
        // Beside the main network, whose lookups must not meet it.
        KademliaNode partner = startExtra(nodeConfig().build());
        KademliaNode third = startExtra(nodeConfig().build());
        InteropSupport.join(third, partner);
        KademliaNode joiner = startExtra(nodeConfig().build());
        List<KademliaEvent> events = new CopyOnWriteArrayList<>();
        joiner.addListener(events::add);
        InteropSupport.join(joiner, partner);
        List<KademliaEvent.QueryCompleted> steps = events.stream()
                .filter(e -> e instanceof KademliaEvent.QueryCompleted c && c.result() instanceof QueryResult.Bootstrap)
                .map(e -> (KademliaEvent.QueryCompleted) e).toList();
        assertThat(steps).isNotEmpty();
        assertThat(steps.get(steps.size() - 1).last()).isTrue();
        assertThat(steps.subList(0, steps.size() - 1)).allSatisfy(c -> assertThat(c.last()).isFalse());
        Set<PeerId> routed = new HashSet<>();
        events.forEach(e -> {
            if (e instanceof KademliaEvent.RoutingUpdated r) {
                routed.add(r.peer());
            }
        });
        assertThat(routed).contains(partner.peerId(), third.peerId());
        joiner.close();
    }
}
