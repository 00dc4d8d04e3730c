package io.jkad.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.kademlia.KademliaConfig;
import io.jkad.kademlia.Quorum;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.net.pb.IdentifyProto.Identify;
import io.jkad.node.KadProcess;
import io.jkad.protocol.KadCodec;
import io.jkad.protocol.KadPeer;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.jkad.protocol.pb.DhtProto;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.StoreConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11's size attacks at a real {@code kad run} child ({@link KadProcess}: its own process,
 * 256 MiB heap, memory store, default limits), over real loopback sockets, attacked by
 * {@link RawPeer} (hand-written libp2p) or by a {@link Host} whose Kademlia handler lies. One test
 * per attack: a PUT_VALUE with a 1.9 MB key (and one with a key just over the key limit), 60
 * Identify pushes of 7,400 addresses each, a FIND_NODE answer of 4 MiB, a frame that never
 * completes. After each the process is alive and its thread count back where it was, its logic
 * thread answers (the API's status reads the routing table through it), the offender lost only
 * the stream it abused, and a client connected before and a new client are both served. What the
 * node did is read from its API, its metrics and its log (at debug).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileSizesIT {

    private static final String KAD = "/ipfs/kad/1.0.0";
    private static final Duration FRAME_TIMEOUT = UvarintFrameDecoder.DEFAULT_FRAME_TIMEOUT;
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final RecordKey KEY = RecordKey.ofUtf8("/jkad/hostile-sizes/known");
    private static final byte[] VALUE = "still here".getBytes(StandardCharsets.UTF_8);

    private final KadCodec codec = KadCodec.defaults();
    private KadProcess node;
    private PeerId nodeId;
    private Multiaddr address;
    private KademliaNode partner;
    private Host steady;
    private int threadsBefore;
    private int logOffset;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        node = KadProcess.create("hostile-sizes", dir, List.of("--store", "memory")).launch();
        nodeId = PeerId.parse(node.nodePeerId());
        address = Multiaddr.parse("/ip4/127.0.0.1/tcp/" + node.nodePort());
        KademliaConfig kad = KademliaConfig.builder().connectionIdleTimeout(Duration.ofMinutes(10)).build();
        partner = KademliaNode.start(KademliaNodeConfig.builder(Ed25519KeyPair.generate())
                .listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).kademlia(kad).ioThreads(1).build());
        partner.addAddress(nodeId, address).get(30, TimeUnit.SECONDS);
        assertThat(partner.bootstrap().get(30, TimeUnit.SECONDS).isOk()).isTrue();
        assertThat(partner.putRecordTo(DhtRecord.of(KEY, VALUE), List.of(nodeId), Quorum.ONE)
                .get(30, TimeUnit.SECONDS).isOk()).as("the record stored at the node").isTrue();
        steady = Host.start(HostConfig.builder(Ed25519KeyPair.generate()).idleTimeout(Duration.ZERO).build());
        steady.dial(nodeId, List.of(address)).get(10, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> inRoutingTable(partner.peerId()) != null);
        assertServesEveryone();
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {steady, partner, node}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // closing what is left
            }
        }
    }

    @BeforeEach
    void before() throws Exception {
        threadsBefore = node.threads();
        logOffset = node.log().length();
    }

    @AfterEach
    void afterEach() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        toClose.clear();
        assertThat(node.running()).as("node alive:\n%s", node.logTail()).isTrue();
        ThreadCounts.awaitBackTo("hostile-sizes node", node::threads, threadsBefore);
    }

    private RawPeer muxed(Ed25519KeyPair identity) throws Exception {
        RawPeer p = RawPeer.connectMuxed(address, identity);
        toClose.add(p);
        return p;
    }

    /** A line the node logged since the test began with all of {@code fragments}. */
    private void awaitLog(String... fragments) {
        await("a log line with " + List.of(fragments)).atMost(WAIT).until(() -> node.log().substring(logOffset).lines()
                .anyMatch(l -> List.of(fragments).stream().allMatch(l::contains)));
    }

    /** The node's routing table entry of {@code peer} (from its API), or null. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> inRoutingTable(PeerId peer) throws IOException {
        for (Object p : (List<Object>) node.apiGet("/v1/routing-table").get("peers")) {
            Map<String, Object> entry = (Map<String, Object>) p;
            if (peer.toBase58().equals(entry.get("peer_id"))) {
                return entry;
            }
        }
        return null;
    }

    /** The value records in the node's store ({@code kad_store_records} of its metrics). */
    private long storedRecords() throws IOException {
        return node.apiText("/metrics").lines().filter(l -> l.startsWith("kad_store_records "))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.indexOf(' ') + 1).trim())).findFirst()
                .orElseThrow(() -> new IOException("no kad_store_records in the metrics"));
    }

    /** The logic thread answers: the API's status reads the routing table size through it (within 5 s). */
    private void assertLogicThreadAnswers() throws IOException {
        assertThat(node.apiGet("/v1/status").get("routing_table_size")).as("routing table size in the status")
                .isNotNull();
    }

    /** The client connected before the offence and a new client are both answered. */
    private void assertServesEveryone() throws Exception {
        assertThat(node.running()).as("node alive:\n%s", node.logTail()).isTrue();
        assertLogicThreadAnswers();
        // (The node may have closed the steady connection as idle meanwhile: then it dials again.)
        steady.dial(nodeId, List.of(address)).get(10, TimeUnit.SECONDS);
        assertServes(steady);
        try (Host fresh = Host.start(HostConfig.builder(Ed25519KeyPair.generate()).build())) {
            fresh.dial(nodeId, List.of(address)).get(10, TimeUnit.SECONDS);
            assertServes(fresh);
        }
    }

    private void assertServes(Host client) throws Exception {
        try (RawKadStream s = RawKadStream.open(client, nodeId)) {
            KadResponse.FindNode found = s.call(new KadRequest.FindNode(RecordKey.of(partner.peerId().toBytes())),
                    KadResponse.FindNode.class);
            assertThat(found.closerPeers()).extracting(KadPeer::id).contains(partner.peerId());
            KadResponse.GetValue got = s.call(new KadRequest.GetValue(KEY), KadResponse.GetValue.class);
            assertThat(got.record()).hasValueSatisfying(r -> assertThat(r.value()).isEqualTo(VALUE));
        }
    }

    /**
     * A FIND_NODE on a new stream of the offender's connection is answered: only the abused stream
     * went, the connection is kept.
     */
    private void assertAnswersOn(RawPeer p) throws Exception {
        KadRequest find = new KadRequest.FindNode(RecordKey.of(partner.peerId().toBytes()));
        int id = p.openLazy(KAD, RawPeer.lengthPrefixed(codec.encodeRequest(find, Instant.now())));
        assertThat(p.readStreamMessage(id)).isEqualTo(RawPeer.MULTISTREAM);
        assertThat(p.readStreamMessage(id)).isEqualTo(KAD);
        KadResponse r = codec.decodeResponse(p.readStreamFrame(id), find, Instant.now());
        assertThat(((KadResponse.FindNode) r).closerPeers()).extracting(KadPeer::id).contains(partner.peerId());
        p.frame(YamuxHandler.TYPE_WINDOW_UPDATE, YamuxHandler.FLAG_FIN, id, 0, null);
    }

    /** A PUT_VALUE message of {@code key} (as the message's key and its record's), value "v". */
    private static byte[] putValue(byte[] key) {
        return DhtProto.Message.newBuilder().setType(DhtProto.Message.MessageType.PUT_VALUE)
                .setKey(ByteString.copyFrom(key))
                .setRecord(DhtProto.Record.newBuilder().setKey(ByteString.copyFrom(key)).setValue(ByteString.copyFromUtf8("v")))
                .build().toByteArray();
    }

    // ------------------------------------------------------------------------------------------

    /**
     * Row 7: PUT_VALUE with a 1.9 MB key. Refused from the frame's length prefix (the request limit
     * is 68 KiB), the stream reset, nothing stored; a key one byte over the key limit, in a frame
     * that fits, is refused by the codec with KEY_TOO_LARGE.
     */
    @Test
    void putValueWithAHugeKeyIsRefusedAndNothingIsStored() throws Exception {
        long before = storedRecords();
        RawPeer p = muxed(Ed25519KeyPair.generate());
        byte[] huge = new byte[1_900_000];
        new Random(1).nextBytes(huge);
        byte[] request = RawPeer.lengthPrefixed(putValue(huge));
        // what the stream's 256 KiB window allows: the frame is refused from its prefix anyway
        int id = p.openLazy(KAD, java.util.Arrays.copyOf(request, 200_000));
        assertThat(p.awaitReset(id)).as("stream reset").isTrue();
        int maxRequest = StoreConfig.DEFAULT_MAX_VALUE_BYTES + 2 * StoreConfig.DEFAULT_MAX_KEY_BYTES
                + KademliaNodeConfig.REQUEST_OVERHEAD_BYTES;
        awaitLog("resetting stream", "exceeds the maximum of " + maxRequest);

        byte[] justOver = new byte[StoreConfig.DEFAULT_MAX_KEY_BYTES + 1];
        new Random(2).nextBytes(justOver);
        int id2 = p.openLazy(KAD, RawPeer.lengthPrefixed(putValue(justOver)));
        assertThat(p.awaitReset(id2)).as("stream reset").isTrue();
        awaitLog("resetting kad stream", "key of 1025 bytes exceeds the maximum of 1024 bytes");

        assertThat(storedRecords()).isEqualTo(before);
        Map<String, Object> got = node.apiPost("/v1/get", Map.of("key_hex", HexFormat.of().formatHex(justOver)));
        assertThat(got.get("error")).as("get of the refused key: %s", got).isEqualTo("not_found");
        assertAnswersOn(p);
        assertServesEveryone();
    }

    /**
     * Row 5: 60 Identify pushes of 7,400 addresses each (ten 8 KiB parts). The logic thread keeps
     * answering during and after, and the offender's routing table entry holds at most 32 addresses.
     */
    @Test
    @SuppressWarnings("unchecked")
    void identifyPushFloodLeavesTheLogicThreadFree() throws Exception {
        Ed25519KeyPair attacker = Ed25519KeyPair.generate();
        RawPeer p = muxed(attacker);
        int n = 0;
        for (int push = 0; push < 60; push++) {
            ByteArrayOutputStream parts = new ByteArrayOutputStream();
            for (int part = 0; part < IdentifyProtocol.MAX_PARTS; part++) {
                Identify.Builder m = Identify.newBuilder().addProtocols(KAD);
                for (int i = 0; i < 740; i++) {
                    // distinct loopback addresses on port 1 (closed): if ever dialed, refused at once
                    n++;
                    m.addListenAddrs(ByteString.copyFrom(Multiaddr.parse("/ip4/127." + (n >> 16 & 0xFF) + "."
                            + (n >> 8 & 0xFF) + "." + (n & 0xFF) + "/tcp/1").toBytes()));
                }
                byte[] body = m.build().toByteArray();
                assertThat(body.length).isLessThanOrEqualTo(IdentifyProtocol.MAX_PART);
                parts.write(RawPeer.lengthPrefixed(body));
            }
            int id = p.openLazy(IdentifyProtocol.PUSH, parts.toByteArray());
            p.frame(YamuxHandler.TYPE_WINDOW_UPDATE, YamuxHandler.FLAG_FIN, id, 0, null);
            if (push % 10 == 9) {
                // during: the logic thread answers (before the fix it was busy for minutes)
                assertLogicThreadAnswers();
            }
        }
        // after: in the routing table (the pushes announced Kademlia), with a bounded address list
        await().atMost(WAIT).until(() -> inRoutingTable(attacker.peerId()) != null);
        List<Object> addrs = (List<Object>) inRoutingTable(attacker.peerId()).get("addrs");
        assertThat(addrs).hasSizeBetween(1, io.jkad.routing.Addresses.DEFAULT_MAX_SIZE);
        assertAnswersOn(p);
        assertServesEveryone();
    }

    /**
     * Row 9: a peer answers the node's FIND_NODE with 4 MiB of peers. Only the first k are read: a
     * canary peer placed 21st (the closest to the key looked up, with a real address) is never
     * contacted, though a node that read it would dial it first.
     */
    @Test
    @SuppressWarnings("unchecked")
    void oversizedFindNodeAnswerIsReadOnlyToK() throws Exception {
        AtomicInteger canaryConnections = new AtomicInteger();
        Host canary = Host.start(HostConfig.builder(Ed25519KeyPair.generate())
                .listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).build());
        toClose.add(canary);
        canary.addListener(new HostListener() {
            @Override
            public void connectionEstablished(Connection connection) {
                canaryConnections.incrementAndGet();
            }
        });
        byte[] answer = hugeFindNodeAnswer(canary.peerId(), canary.listenAddresses().get(0));
        assertThat(answer.length).isGreaterThan(4_000_000).isLessThanOrEqualTo(KademliaConfig.DEFAULT_MAX_PACKET_SIZE);

        AtomicInteger asked = new AtomicInteger();
        Host liar = Host.start(HostConfig.builder(Ed25519KeyPair.generate())
                .listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).idleTimeout(Duration.ZERO).build());
        toClose.add(liar);
        liar.setStreamHandler(KAD, stream -> stream.pipeline().addLast(new UvarintFrameDecoder(),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ReferenceCountUtil.release(msg);
                        asked.incrementAndGet();
                        ByteBuf out = Unpooled.buffer(answer.length + 5);
                        ByteBufVarints.write(out, answer.length);
                        out.writeBytes(answer);
                        ctx.writeAndFlush(out);
                    }
                }));
        liar.dial(nodeId, List.of(address)).get(10, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> inRoutingTable(liar.peerId()) != null);

        // The node looks the canary up (POST /v1/peer runs a lookup of its id).
        Map<String, Object> lookup = node.apiPost("/v1/peer", Map.of("peer_id", canary.peerId().toBase58()));
        assertThat(asked.get()).as("FIND_NODE requests the liar answered").isPositive();
        List<Object> closest = (List<Object>) lookup.getOrDefault("closest", List.of());
        assertThat(closest.toString()).as("closest peers found: %s", lookup).doesNotContain(canary.peerId().toBase58());
        assertThat(canaryConnections.get()).as("connections to the canary").isZero();
        assertServesEveryone();
    }

    /** 20 unreachable decoys, the canary, then filler peers (ids only) up to about 4 MiB. */
    private static byte[] hugeFindNodeAnswer(PeerId canary, Multiaddr canaryAddress) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(4_200_000);
        CodedOutputStream out = CodedOutputStream.newInstance(buf);
        out.writeEnum(1, DhtProto.Message.MessageType.FIND_NODE_VALUE);
        byte[] refused = Multiaddr.parse("/ip4/127.0.0.1/tcp/1").toBytes();
        for (int i = 0; i < 20; i++) {
            out.writeByteArray(8, DhtProto.Message.Peer.newBuilder()
                    .setId(ByteString.copyFrom(PeerId.random(new Random(100 + i)).toBytes()))
                    .addAddrs(ByteString.copyFrom(refused)).build().toByteArray());
        }
        out.writeByteArray(8, DhtProto.Message.Peer.newBuilder().setId(ByteString.copyFrom(canary.toBytes()))
                .addAddrs(ByteString.copyFrom(canaryAddress.toBytes())).build().toByteArray());
        byte[] filler = DhtProto.Message.Peer.newBuilder()
                .setId(ByteString.copyFrom(PeerId.random(new Random(7)).toBytes())).build().toByteArray();
        while (out.getTotalBytesWritten() + filler.length + 2 <= KademliaConfig.DEFAULT_MAX_PACKET_SIZE - 64) {
            out.writeByteArray(8, filler);
        }
        out.flush();
        return buf.toByteArray();
    }

    /**
     * A frame whose length prefix and first bytes arrived, and nothing more: the stream is reset
     * once the frame timeout (the default, 10 s) has passed; the connection and the node go on.
     */
    @Test
    void aFrameThatNeverCompletesIsResetAtItsDeadline() throws Exception {
        RawPeer p = muxed(Ed25519KeyPair.generate());
        p.soTimeout(FRAME_TIMEOUT.multipliedBy(3));
        byte[] prefix = io.jkad.util.Varint.encode(1000);
        int id = p.openLazy(KAD, RawPeer.concat(prefix, new byte[10]));
        assertThat(p.awaitReset(id)).as("stream reset").isTrue();
        awaitLog("resetting stream", "frame not complete " + FRAME_TIMEOUT.toMillis() + " ms after its first byte");
        p.soTimeout(Duration.ofSeconds(5));
        assertAnswersOn(p);
        assertServesEveryone();
    }
}
