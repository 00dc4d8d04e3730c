package io.jkad.net;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.kademlia.KademliaConfig;
import io.jkad.kademlia.QueryResult;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.net.pb.NoiseProto.NoiseHandshakePayload;
import io.jkad.protocol.KadCodec;
import io.jkad.protocol.KadPeer;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Bad input at a running {@link KademliaNode}, over real sockets: hand-driven clients
 * ({@link RawPeer}: a plain socket with the host's Noise primitives, everything else written by
 * the test) send garbage, unknown protocols, forged Noise payloads, oversized and malformed
 * Kademlia frames, Yamux protocol violations and floods of streams and requests. Each offence
 * closes the offending stream or connection, with the reason logged where it is logged at INFO or
 * above (checked) or else shown by the closure; afterwards a client that was connected before
 * and a new client both get answers to FIND_NODE and GET_VALUE.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // the last test checks the node after all the others
class NodeBadInputIT {

    private static final String KAD = "/ipfs/kad/1.0.0";
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
    private static final Duration STREAM_IDLE = Duration.ofSeconds(2);
    private static final RecordKey KEY = RecordKey.ofUtf8("/jkad/bad-input/known");
    private static final byte[] VALUE = "still here".getBytes(StandardCharsets.UTF_8);

    private final KadCodec codec = KadCodec.defaults();
    private KademliaNode target;
    private KademliaNode partner;
    private Host steady;
    private Multiaddr address;
    private LogCapture log;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        // Connections stay open while idle, so the client connected before each offence is still
        // connected after it.
        KademliaConfig kad = KademliaConfig.builder().connectionIdleTimeout(Duration.ofMinutes(10)).build();
        target = KademliaNode.start(KademliaNodeConfig.builder(Ed25519KeyPair.generate())
                .listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).kademlia(kad).ioThreads(1)
                .inboundStreamIdleTimeout(STREAM_IDLE).build());
        partner = KademliaNode.start(KademliaNodeConfig.builder(Ed25519KeyPair.generate())
                .listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).kademlia(kad).ioThreads(1).build());
        await(partner.addAddress(target.peerId(), target.listenAddresses().get(0)));
        assertThat(await(partner.bootstrap()).isOk()).isTrue();
        await(target.execute(k -> {
            k.store().put(DhtRecord.of(KEY, VALUE));
            return null;
        }));
        address = target.listenAddresses().get(0);
        steady = Host.start(HostConfig.builder(Ed25519KeyPair.generate()).idleTimeout(Duration.ZERO).build());
        steady.dial(target.peerId(), List.of(address)).get(10, TimeUnit.SECONDS);
        InteropSupport.awaitInRoutingTable(target, List.of(partner.peerId()));
        assertServesEveryone();
    }

    @AfterAll
    void stop() {
        if (steady != null) {
            steady.close();
        }
        if (partner != null) {
            partner.close();
        }
        if (target != null) {
            target.close();
        }
    }

    @BeforeEach
    void captureLog() {
        log = LogCapture.start();
    }

    @AfterEach
    void afterEach() throws Exception {
        log.close();
        for (AutoCloseable c : toClose) {
            c.close();
        }
        toClose.clear();
    }

    private static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    /**
     * The reason of a refusal, as the operator reads it: a line holding every fragment is logged.
     * Each caller has already seen the refusal itself on the wire (the reset, the Go Away, the
     * close), so this waits only for the line. The line is the behaviour checked here: these
     * refusals (a frame over the size limit, a malformed request, requests sent far ahead, a Yamux
     * violation, a stream flood) happen below the Kademlia logic, so neither its RequestRefused
     * events nor kad_inbound_refused_total nor the host's admission counts see them, and the log
     * is where they show.
     */
    private void assertReasonLogged(String... fragments) {
        log.await(CLOSE_WAIT, fragments);
    }

    private RawPeer raw() throws IOException {
        RawPeer p = RawPeer.connect(address);
        toClose.add(p);
        return p;
    }

    private RawPeer muxed() throws Exception {
        RawPeer p = RawPeer.connectMuxed(address, Ed25519KeyPair.generate());
        toClose.add(p);
        return p;
    }

    /** The client connected before the offence (on its old connection) and a new client are both answered. */
    private void assertServesEveryone() throws Exception {
        assertThat(steady.connection(target.peerId())).as("the steady client's connection").isPresent();
        assertServes(steady);
        try (Host fresh = Host.start(HostConfig.builder(Ed25519KeyPair.generate()).build())) {
            fresh.dial(target.peerId(), List.of(address)).get(10, TimeUnit.SECONDS);
            assertServes(fresh);
        }
    }

    private void assertServes(Host client) throws Exception {
        try (RawKadStream s = RawKadStream.open(client, target.peerId())) {
            KadResponse.FindNode found = s.call(new KadRequest.FindNode(RecordKey.of(partner.peerId().toBytes())),
                    KadResponse.FindNode.class);
            assertThat(found.closerPeers()).extracting(KadPeer::id).contains(partner.peerId());
            KadResponse.GetValue got = s.call(new KadRequest.GetValue(KEY), KadResponse.GetValue.class);
            assertThat(got.record()).hasValueSatisfying(r -> assertThat(r.value()).isEqualTo(VALUE));
        }
    }

    /** A FIND_NODE on a new stream of {@code p}'s connection, opened lazily, is answered. */
    private void assertAnswersOn(RawPeer p) throws Exception {
        KadRequest find = new KadRequest.FindNode(RecordKey.of(partner.peerId().toBytes()));
        int id = p.openLazy(KAD, RawPeer.lengthPrefixed(codec.encodeRequest(find, Instant.now())));
        assertThat(p.readStreamMessage(id)).isEqualTo(RawPeer.MULTISTREAM);
        assertThat(p.readStreamMessage(id)).isEqualTo(KAD);
        KadResponse r = codec.decodeResponse(p.readStreamFrame(id), find, Instant.now());
        assertThat(((KadResponse.FindNode) r).closerPeers()).extracting(KadPeer::id).contains(partner.peerId());
        p.frame(YamuxHandler.TYPE_WINDOW_UPDATE, YamuxHandler.FLAG_FIN, id, 0, null);
    }

    // ------------------------------------------------------------------------------------------
    // Before the handshake

    @Test
    void garbageInsteadOfTheMultistreamHeaderClosesTheConnection() throws Exception {
        RawPeer p = raw();
        p.writeRaw("GET / HTTP/1.1\r\nHost: jkad\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(p.closedWithin(CLOSE_WAIT)).as("connection closed").isTrue();
        assertServesEveryone();
    }

    @Test
    void unknownProtocolsAreRefusedWithNaAndTheNegotiationGoesOn() throws Exception {
        RawPeer p = raw();
        // Connection level: an unknown security protocol, then /noise on the same connection.
        assertThat(p.propose("/tls/1.0.0")).containsExactly(RawPeer.MULTISTREAM, "na");
        p.write(RawPeer.message("/noise"));
        assertThat(p.readMessage()).isEqualTo("/noise");
        PeerId remote = p.handshake(Ed25519KeyPair.generate(), RawPeer.HONEST);
        assertThat(remote).isEqualTo(target.peerId());
        p.select(YamuxHandler.PROTOCOL_ID);

        // Stream level: an unknown application protocol, then Kademlia on the same stream.
        int id = p.openLazy("/unknown/9.9.9", new byte[0]);
        assertThat(p.readStreamMessage(id)).isEqualTo(RawPeer.MULTISTREAM);
        assertThat(p.readStreamMessage(id)).isEqualTo("na");
        KadRequest get = new KadRequest.GetValue(KEY);
        p.data(id, 0, RawPeer.concat(RawPeer.message(KAD),
                RawPeer.lengthPrefixed(codec.encodeRequest(get, Instant.now()))));
        assertThat(p.readStreamMessage(id)).isEqualTo(KAD);
        KadResponse.GetValue answer = (KadResponse.GetValue) codec.decodeResponse(p.readStreamFrame(id), get,
                Instant.now());
        assertThat(answer.record()).hasValueSatisfying(r -> assertThat(r.value()).isEqualTo(VALUE));
        assertThat(p.closedWithin(Duration.ofMillis(300))).as("connection kept").isFalse();
        assertServesEveryone();
    }

    @Test
    void endlessUnknownProposalsCloseTheConnection() throws Exception {
        RawPeer p = raw();
        ByteArrayOutputStream proposals = new ByteArrayOutputStream();
        proposals.write(RawPeer.message(RawPeer.MULTISTREAM));
        for (int i = 0; i <= MultistreamHandler.MAX_REFUSALS; i++) {
            proposals.write(RawPeer.message("/unknown/" + i));
        }
        p.writeRaw(proposals.toByteArray());
        assertThat(p.closedWithin(CLOSE_WAIT)).as("connection closed").isTrue();
        assertServesEveryone();
    }

    // ------------------------------------------------------------------------------------------
    // Noise

    /** Our identity and a correct static-key signature, but one bit of the signature flipped. */
    @Test
    void badNoiseSignatureClosesTheConnection() throws Exception {
        long failures = target.host().admission().handshakeFailures();
        RawPeer p = raw();
        p.selectRaw("/noise");
        Ed25519KeyPair me = Ed25519KeyPair.generate();
        p.handshake(me, (identity, staticKey) -> {
            byte[] sig = identity.sign(NoiseHandler.signedData(staticKey));
            sig[10] ^= 0x01;
            return payload(identity.publicKey().encodeProtobuf(), sig);
        });
        assertThat(p.closedWithin(CLOSE_WAIT)).as("connection closed").isTrue();
        awaitRefusedHandshake(failures, me);
        assertServesEveryone();
    }

    /**
     * Payloads made for another peer id: (1) a genuine payload of another identity, replayed (its
     * signature covers another Noise static key); (2) another peer's identity key with our own
     * signature over our static key.
     */
    @Test
    void noisePayloadForAnotherPeerIdClosesTheConnection() throws Exception {
        Ed25519KeyPair other = Ed25519KeyPair.generate();
        byte[] replayed = NoiseHandler.payload(other, X25519.generate(new SecureRandom()).publicKey());
        long failures = target.host().admission().handshakeFailures();
        RawPeer p1 = raw();
        p1.selectRaw("/noise");
        p1.handshake(other, (identity, staticKey) -> replayed);
        assertThat(p1.closedWithin(CLOSE_WAIT)).as("replayed payload: connection closed").isTrue();
        awaitRefusedHandshake(failures, other);

        RawPeer p2 = raw();
        p2.selectRaw("/noise");
        Ed25519KeyPair me = Ed25519KeyPair.generate();
        p2.handshake(me, (identity, staticKey) -> payload(other.publicKey().encodeProtobuf(),
                identity.sign(NoiseHandler.signedData(staticKey))));
        assertThat(p2.closedWithin(CLOSE_WAIT)).as("foreign identity key: connection closed").isTrue();
        assertServesEveryone();
    }

    /**
     * The handshake was counted as failed, and refused handshakes are logged with their reason and
     * peer: the line of this one, or, if a line of the same reason was written less than
     * {@link Host#REFUSAL_LOG_INTERVAL} ago (refusals are logged at most once per interval), that one.
     */
    private void awaitRefusedHandshake(long failuresBefore, Ed25519KeyPair peer) {
        org.awaitility.Awaitility.await("handshake failure counted").atMost(CLOSE_WAIT)
                .until(() -> target.host().admission().handshakeFailures() > failuresBefore);
        String id = peer.peerId().toString();
        // Its own line, unless an earlier refusal (of an earlier test) was logged less than the interval ago.
        org.awaitility.Awaitility.await("refusal logged, or held back after an earlier one").atMost(CLOSE_WAIT)
                .until(() -> failuresBefore > 0 || log.lines().stream().anyMatch(l -> l.contains("refused inbound connection")
                        && l.contains("bad identity signature") && l.contains(id)));
    }

    private static byte[] payload(byte[] identityKey, byte[] signature) {
        return NoiseHandshakePayload.newBuilder()
                .setIdentityKey(ByteString.copyFrom(identityKey))
                .setIdentitySig(ByteString.copyFrom(signature))
                .build().toByteArray();
    }

    @Test
    void tamperedNoiseTransportFrameClosesTheConnection() throws Exception {
        RawPeer p = raw();
        p.selectRaw("/noise");
        p.handshake(Ed25519KeyPair.generate(), RawPeer.HONEST);
        // A transport frame of the right shape whose ciphertext and tag are random.
        byte[] forged = new byte[2 + 40];
        new SecureRandom().nextBytes(forged);
        forged[0] = 0;
        forged[1] = 40;
        p.writeRaw(forged);
        assertThat(p.closedWithin(CLOSE_WAIT)).as("connection closed").isTrue();
        assertServesEveryone();
    }

    // ------------------------------------------------------------------------------------------
    // Kademlia streams

    @Test
    void oversizedKademliaFrameResetsTheStreamOnly() throws Exception {
        RawPeer p = muxed();
        // A length prefix of 5 MiB (over the 4 MiB maximum, and far over the 68 KiB request maximum), then a few bytes of body.
        int id = p.openLazy(KAD, new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0xC0, 0x02, 1, 2, 3});
        assertThat(p.awaitReset(id)).as("stream reset").isTrue();
        assertReasonLogged("resetting stream", "exceeds the maximum of " + target.config().maxRequestSize());
        assertAnswersOn(p);
        assertServesEveryone();
    }

    @Test
    void invalidProtobufResetsTheStreamOnly() throws Exception {
        RawPeer p = muxed();
        // A frame of 3 bytes: field 1 (length-delimited) claims 5 bytes and holds 1.
        int id = p.openLazy(KAD, new byte[] {3, 0x0A, 0x05, 0x01});
        assertThat(p.awaitReset(id)).as("stream reset").isTrue();
        assertReasonLogged("resetting kad stream", "malformed request");
        assertAnswersOn(p);
        assertServesEveryone();
    }

    // ------------------------------------------------------------------------------------------
    // Yamux

    /** Each violation on a connection of its own: Go Away (protocol error), then the connection closes. */
    @Test
    void yamuxProtocolViolationsCloseTheConnection() throws Exception {
        record Violation(String name, String logged, int type, int flags, int streamId, long length, byte[] body) {}
        List<Violation> violations = List.of(
                new Violation("a SYN with the listener's (even) stream id", "remote opened stream 100 with our parity",
                        YamuxHandler.TYPE_WINDOW_UPDATE, YamuxHandler.FLAG_SYN, 100, 0, null),
                new Violation("data on stream 0", "data frame on stream 0",
                        YamuxHandler.TYPE_DATA, 0, 0, 3, new byte[] {1, 2, 3}),
                new Violation("an unknown frame type", "unknown yamux frame type 7", 7, 0, 1, 0, null),
                new Violation("data for a stream never opened", "data frame for unknown stream 41",
                        YamuxHandler.TYPE_DATA, 0, 41, 1, new byte[] {1}),
                new Violation("a data frame beyond the 256 KiB window", "exceeds the 262144-byte window",
                        YamuxHandler.TYPE_DATA, YamuxHandler.FLAG_SYN, 1, 262_145, null));
        for (Violation v : violations) {
            RawPeer p = muxed();
            p.frame(v.type(), v.flags(), v.streamId(), v.length(), v.body());
            try {
                while (p.goAwayCode() == null) {
                    p.readFrame();
                }
            } catch (IOException e) {
                throw new AssertionError(v.name() + ": no Go Away before " + e, e);
            }
            assertThat(p.goAwayCode()).as(v.name() + ": Go Away code").isEqualTo(YamuxHandler.GO_AWAY_PROTOCOL_ERROR);
            assertThat(p.closedWithin(CLOSE_WAIT)).as(v.name() + ": connection closed").isTrue();
            assertReasonLogged("yamux protocol violation", v.logged());
        }
        assertServesEveryone();
    }

    @Test
    void aStreamFloodPastTheLimitIsResetAndTheConnectionKept() throws Exception {
        RawPeer p = muxed();
        int limit = 256;
        int opened = limit + 44;
        ByteArrayOutputStream syns = new ByteArrayOutputStream();
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < opened; i++) {
            int id = p.newStreamId();
            ids.add(id);
            syns.write(header(YamuxHandler.TYPE_WINDOW_UPDATE, YamuxHandler.FLAG_SYN, id, 0));
        }
        p.write(syns.toByteArray());
        int acked = 0;
        int reset = 0;
        for (int id : ids) {
            RawPeer.StreamState s = p.stream(id);
            while (!s.ack && !s.rst) {
                p.readFrame();
            }
            if (s.rst) {
                reset++;
            } else {
                acked++;
            }
        }
        assertThat(acked).as("streams accepted").isEqualTo(limit);
        assertThat(reset).as("streams refused").isEqualTo(opened - limit);
        assertReasonLogged("resetting inbound stream", "more than 256 inbound streams");
        assertThat(p.closedWithin(Duration.ofMillis(300))).as("connection kept").isFalse();

        // Once some of the flood is gone, new streams are accepted again.
        ByteArrayOutputStream resets = new ByteArrayOutputStream();
        for (int id : ids.subList(0, 8)) {
            resets.write(header(YamuxHandler.TYPE_WINDOW_UPDATE, YamuxHandler.FLAG_RST, id, 0));
        }
        p.write(resets.toByteArray());
        assertAnswersOn(p);
        assertServesEveryone();
    }

    @Test
    void moreThan32KademliaStreamsOnOneConnectionAreReset() throws Exception {
        RawPeer p = muxed();
        int limit = KademliaNode.MAX_INBOUND_KAD_STREAMS_PER_CONNECTION;
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < limit + 8; i++) {
            ids.add(p.openLazy(KAD, new byte[0]));
        }
        for (int id : ids.subList(limit, ids.size())) {
            assertThat(p.awaitReset(id)).as("stream %d past the limit reset", id).isTrue();
        }
        assertReasonLogged("opened more than " + limit + " Kademlia streams on one connection");
        assertThat(p.closedWithin(Duration.ofMillis(300))).as("connection kept").isFalse();
        // Closing some of the open ones makes room again.
        ByteArrayOutputStream resets = new ByteArrayOutputStream();
        for (int id : ids.subList(0, 4)) {
            resets.write(header(YamuxHandler.TYPE_WINDOW_UPDATE, YamuxHandler.FLAG_RST, id, 0));
        }
        p.write(resets.toByteArray());
        assertAnswersOn(p);
        assertServesEveryone();
    }

    @Test
    void requestsSentFarAheadOfTheAnswersResetTheStream() throws Exception {
        RawPeer p = muxed();
        byte[] find = RawPeer.lengthPrefixed(codec.encodeRequest(
                new KadRequest.FindNode(RecordKey.of(partner.peerId().toBytes())), Instant.now()));
        ByteArrayOutputStream many = new ByteArrayOutputStream();
        for (int i = 0; i < 4 * KadInboundHandler.MAX_QUEUED_REQUESTS; i++) {
            many.write(find);
        }
        int id = p.openLazy(KAD, many.toByteArray());
        assertThat(p.awaitReset(id)).as("stream reset").isTrue();
        assertReasonLogged("resetting kad stream", "more than " + KadInboundHandler.MAX_QUEUED_REQUESTS
                + " requests sent ahead");
        assertAnswersOn(p);
        assertServesEveryone();
    }

    /** ADD_PROVIDER has no answer, but it counts against the same limit: a flood cannot outrun the node. */
    @Test
    void addProvidersSentFarAheadResetTheStream() throws Exception {
        Ed25519KeyPair me = Ed25519KeyPair.generate();
        RawPeer p = RawPeer.connectMuxed(address, me);
        toClose.add(p);
        KadPeer provider = new KadPeer(me.peerId(), List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/4001")),
                io.jkad.protocol.ConnectionType.CONNECTED);
        ByteArrayOutputStream many = new ByteArrayOutputStream();
        for (int i = 0; i < 4 * KadInboundHandler.MAX_QUEUED_REQUESTS; i++) {
            RecordKey key = RecordKey.ofUtf8("/jkad/flood/" + i);
            many.write(RawPeer.lengthPrefixed(codec.encodeRequest(new KadRequest.AddProvider(key, provider),
                    Instant.now())));
        }
        int id = p.openLazy(KAD, many.toByteArray());
        assertThat(p.awaitReset(id)).as("stream reset").isTrue();
        assertReasonLogged("resetting kad stream", "more than " + KadInboundHandler.MAX_QUEUED_REQUESTS
                + " requests sent ahead");
        // Pipelined past the pause (reading stops, then resumes as they are taken in), all are taken in, on one stream.
        ByteArrayOutputStream few = new ByteArrayOutputStream();
        List<RecordKey> keys = new ArrayList<>();
        for (int i = 0; i < 4 * KadInboundHandler.PAUSE_READING_AT; i++) {
            RecordKey key = InteropSupport.multihash("few " + i);
            keys.add(key);
            few.write(RawPeer.lengthPrefixed(codec.encodeRequest(new KadRequest.AddProvider(key, provider),
                    Instant.now())));
        }
        int id2 = p.openLazy(KAD, few.toByteArray());
        p.frame(YamuxHandler.TYPE_WINDOW_UPDATE, YamuxHandler.FLAG_FIN, id2, 0, null);
        RawPeer.StreamState s = p.awaitStream(id2, Integer.MAX_VALUE);
        assertThat(s.rst).as("the stream ends without a reset").isFalse();
        for (RecordKey key : keys) {
            List<ProviderRecord> stored = await(target.execute(k -> k.store().providers(key)));
            assertThat(stored).as("provider of %s", key).hasSize(1);
        }
        assertServesEveryone();
    }

    /** A Kademlia stream that carries no request is reset after the idle timeout; one in use is not. */
    @Test
    void idleKademliaStreamsAreReset() throws Exception {
        RawPeer p = muxed();
        p.soTimeout(STREAM_IDLE.multipliedBy(3));
        long t0 = System.nanoTime();
        int idle = p.openLazy(KAD, new byte[0]);
        int busy = p.openLazy(KAD, new byte[0]);
        KadRequest ping = new KadRequest.Ping();
        byte[] request = RawPeer.lengthPrefixed(codec.encodeRequest(ping, Instant.now()));
        for (int id : List.of(idle, busy)) {
            assertThat(p.readStreamMessage(id)).isEqualTo(RawPeer.MULTISTREAM);
            assertThat(p.readStreamMessage(id)).isEqualTo(KAD);
        }
        // The busy stream asks every 0.6 of the idle timeout, for twice the timeout.
        long step = STREAM_IDLE.toMillis() * 6 / 10;
        for (int i = 0; i < 4; i++) {
            Thread.sleep(step); // the subject: a stream used at this pace is not idle, so not reset
            p.data(busy, 0, request);
            assertThat(codec.decodeResponse(p.readStreamFrame(busy), ping, Instant.now()))
                    .isInstanceOf(KadResponse.Pong.class);
        }
        assertThat(p.stream(idle).rst).as("the idle stream was reset").isTrue();
        assertThat(p.stream(busy).rst).as("the busy stream was not").isFalse();
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(STREAM_IDLE.toNanos());
        assertServesEveryone();
    }

    @Test
    void pingStreamsPastTheLimitAreReset() throws Exception {
        RawPeer p = muxed();
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i <= PingProtocol.MAX_INBOUND; i++) {
            ids.add(p.openLazy(Host.PING, new byte[0]));
        }
        for (int id : ids.subList(0, PingProtocol.MAX_INBOUND)) {
            assertThat(p.readStreamMessage(id)).isEqualTo(RawPeer.MULTISTREAM);
            assertThat(p.readStreamMessage(id)).isEqualTo(Host.PING);
        }
        assertThat(p.awaitReset(ids.get(PingProtocol.MAX_INBOUND))).as("the extra ping stream is reset").isTrue();
        // The accepted ones still echo.
        byte[] probe = new byte[PingProtocol.SIZE];
        new SecureRandom().nextBytes(probe);
        p.data(ids.get(0), 0, probe);
        RawPeer.StreamState s = p.awaitStream(ids.get(0), PingProtocol.SIZE);
        assertThat(s.available()).isEqualTo(PingProtocol.SIZE);
        assertAnswersOn(p);
        assertServesEveryone();
    }

    private static byte[] header(int type, int flags, int id, long length) {
        return java.nio.ByteBuffer.allocate(YamuxHandler.HEADER_LENGTH)
                .put((byte) 0).put((byte) type).putShort((short) flags).putInt(id).putInt((int) length).array();
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void theNodeStillAnswersQueriesOfItsPeers() throws Exception {
        // After all of the above (run last: the others have no @Order), the partner node's own
        // lookups through the target still work.
        QueryResult.GetRecord got = await(partner.getRecord(KEY, io.jkad.kademlia.Quorum.ONE));
        assertThat(got.isOk()).isTrue();
    }
}
