package io.jkad.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.protocol.KadProtocolException.Kind;
import io.jkad.protocol.pb.DhtProto;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.StoreConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The codec's bounds on what a peer sends: key size, peers per list, addresses per peer. */
class KadCodecLimitsTest {

    private static final Instant NOW = Instant.parse("2025-01-02T03:04:05Z");
    private final KadCodec codec = KadCodec.defaults();

    private static byte[] bytes(int length, int seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static DhtProto.Message.Builder request(DhtProto.Message.MessageType type, byte[] key) {
        return DhtProto.Message.newBuilder().setType(type).setKey(ByteString.copyFrom(key));
    }

    private static PeerId peer(int i) {
        return PeerId.random(new Random(31L * i + 1));
    }

    private static void assertKeyTooLarge(byte[] message, KadCodec codec) {
        assertThatThrownBy(() -> codec.decodeRequest(message, NOW))
                .isInstanceOfSatisfying(KadProtocolException.class, e -> assertThat(e.kind()).isEqualTo(Kind.KEY_TOO_LARGE))
                .hasMessageContaining("exceeds the maximum of " + codec.maxKeyBytes());
    }

    @Test
    void defaultMaxKeyBytesIsTheStoresDefault() {
        assertThat(codec.maxKeyBytes()).isEqualTo(StoreConfig.DEFAULT_MAX_KEY_BYTES).isEqualTo(1024);
        assertThat(codec.maxPeersPerList()).isEqualTo(20);
    }

    @Test
    void everyRequestWithAKeyRefusesOneLongerThanTheMaximumAndTakesOneOfExactlyIt() throws Exception {
        KadCodec small = codec.withMaxKeyBytes(64);
        byte[] atLimit = bytes(64, 1);
        byte[] over = bytes(65, 2);
        DhtProto.Message.Peer provider = DhtProto.Message.Peer.newBuilder()
                .setId(ByteString.copyFrom(peer(1).toBytes())).build();
        for (DhtProto.Message.MessageType type : List.of(DhtProto.Message.MessageType.FIND_NODE,
                DhtProto.Message.MessageType.GET_VALUE, DhtProto.Message.MessageType.GET_PROVIDERS,
                DhtProto.Message.MessageType.ADD_PROVIDER)) {
            assertThat(small.decodeRequest(request(type, atLimit).addProviderPeers(provider).build().toByteArray(), NOW)
                    .messageType()).isEqualTo(type.name());
            assertKeyTooLarge(request(type, over).addProviderPeers(provider).build().toByteArray(), small);
        }
        DhtProto.Record fits = DhtProto.Record.newBuilder().setKey(ByteString.copyFrom(atLimit))
                .setValue(ByteString.copyFromUtf8("v")).build();
        DhtProto.Record tooLong = fits.toBuilder().setKey(ByteString.copyFrom(over)).build();
        KadRequest put = small.decodeRequest(request(DhtProto.Message.MessageType.PUT_VALUE, atLimit)
                .setRecord(fits).build().toByteArray(), NOW);
        assertThat(((KadRequest.PutValue) put).record().key()).isEqualTo(RecordKey.of(atLimit));
        // the message's key, the record's key, or the record's alone (older rust sends no message key)
        assertKeyTooLarge(request(DhtProto.Message.MessageType.PUT_VALUE, over).setRecord(tooLong).build().toByteArray(),
                small);
        assertKeyTooLarge(DhtProto.Message.newBuilder().setType(DhtProto.Message.MessageType.PUT_VALUE)
                .setRecord(tooLong).build().toByteArray(), small);
        assertKeyTooLarge(request(DhtProto.Message.MessageType.PUT_VALUE, over).setRecord(fits).build().toByteArray(),
                small);
    }

    /** Issue 11: PUT_VALUE with a 1.9 MB key, under a 4 MiB maximum message size. */
    @Test
    void putValueWithAHugeKeyIsRefusedWithKeyTooLarge() {
        byte[] key = bytes(1_900_000, 3);
        DhtProto.Record record = DhtProto.Record.newBuilder().setKey(ByteString.copyFrom(key))
                .setValue(ByteString.copyFromUtf8("v")).build();
        assertKeyTooLarge(request(DhtProto.Message.MessageType.PUT_VALUE, key).setRecord(record).build().toByteArray(),
                codec);
    }

    /**
     * Issue 11: one FIND_NODE answer with 110,000 peers (4 MiB). Only k are read; the peers after
     * them are not even parsed, which the garbage in them shows (a full parse would refuse it).
     */
    @Test
    void onlyTheFirstKPeersOfAHugeAnswerAreReadAndTheRestIsSkippedUndecoded() throws Exception {
        byte[] answer = hugeAnswer(DhtProto.Message.MessageType.FIND_NODE, 110_000, true);
        assertThat(answer.length).isGreaterThan(4_000_000).isLessThanOrEqualTo(KadCodec.DEFAULT_MAX_MESSAGE_SIZE);
        assertThatThrownBy(() -> DhtProto.Message.parseFrom(answer))
                .isInstanceOf(com.google.protobuf.InvalidProtocolBufferException.class);

        KadResponse.FindNode decoded = (KadResponse.FindNode) codec.decodeResponse(answer,
                new KadRequest.FindNode(RecordKey.ofUtf8("x")), NOW);
        assertThat(decoded.closerPeers()).extracting(KadPeer::id)
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 20).mapToObj(KadCodecLimitsTest::peer).toList());

        KadResponse.FindNode three = (KadResponse.FindNode) codec.withMaxPeersPerList(3).decodeResponse(answer,
                new KadRequest.FindNode(RecordKey.ofUtf8("x")), NOW);
        assertThat(three.closerPeers()).extracting(KadPeer::id).containsExactly(peer(0), peer(1), peer(2));
    }

    @Test
    void getProvidersAndGetValueAnswersAreCappedPerList() throws Exception {
        byte[] providers = hugeAnswer(DhtProto.Message.MessageType.GET_PROVIDERS, 5_000, false);
        KadResponse.GetProviders gp = (KadResponse.GetProviders) codec.decodeResponse(providers,
                new KadRequest.GetProviders(RecordKey.ofUtf8("x")), NOW);
        assertThat(gp.closerPeers()).hasSize(20);
        assertThat(gp.providers()).hasSize(20);

        byte[] value = hugeAnswer(DhtProto.Message.MessageType.GET_VALUE, 5_000, false);
        KadResponse.GetValue gv = (KadResponse.GetValue) codec.decodeResponse(value,
                new KadRequest.GetValue(RecordKey.ofUtf8("x")), NOW);
        assertThat(gv.closerPeers()).hasSize(20);
        assertThat(gv.record()).isEmpty();
    }

    @Test
    void addProviderTakesItsProviderFromACappedList() throws Exception {
        DhtProto.Message.Builder m = request(DhtProto.Message.MessageType.ADD_PROVIDER, bytes(32, 4));
        for (int i = 0; i < 1000; i++) {
            m.addProviderPeers(DhtProto.Message.Peer.newBuilder().setId(ByteString.copyFrom(peer(i).toBytes())));
        }
        KadRequest.AddProvider r = (KadRequest.AddProvider) codec.decodeRequest(m.build().toByteArray(), NOW);
        assertThat(r.provider().id()).isEqualTo(peer(0));
    }

    @Test
    void aPeerWithAHugeAddressListCostsAtMostAFewTimesTheCap() throws Exception {
        DhtProto.Message.Peer.Builder p = DhtProto.Message.Peer.newBuilder().setId(ByteString.copyFrom(peer(0).toBytes()));
        int raw = codec.maxAddressesPerPeer() * KadCodec.RAW_ADDRESSES_PER_ALLOWED;
        for (int i = 0; i < raw; i++) {
            p.addAddrs(ByteString.copyFrom(new byte[] {(byte) 0xEE, 0x7F})); // an unknown protocol: skipped
        }
        for (int i = 0; i < 100_000; i++) {
            p.addAddrs(ByteString.copyFrom(Multiaddr.parse("/ip4/10.0." + (i >> 8 & 0xFF) + "." + (i & 0xFF)
                    + "/tcp/4001").toBytes()));
        }
        byte[] answer = DhtProto.Message.newBuilder().setType(DhtProto.Message.MessageType.FIND_NODE)
                .addCloserPeers(p).build().toByteArray();
        KadResponse.FindNode decoded = (KadResponse.FindNode) codec.decodeResponse(answer,
                new KadRequest.FindNode(RecordKey.ofUtf8("x")), NOW);
        // the good addresses come after the raw cap: none is read
        assertThat(decoded.closerPeers()).singleElement().satisfies(k -> assertThat(k.addresses()).isEmpty());

        DhtProto.Message.Peer.Builder good = DhtProto.Message.Peer.newBuilder().setId(ByteString.copyFrom(peer(0).toBytes()));
        for (int i = 0; i < 10_000; i++) {
            good.addAddrs(ByteString.copyFrom(Multiaddr.parse("/ip4/10.1." + (i >> 8 & 0xFF) + "." + (i & 0xFF)
                    + "/tcp/4001").toBytes()));
        }
        KadResponse.FindNode kept = (KadResponse.FindNode) codec.decodeResponse(DhtProto.Message.newBuilder()
                .setType(DhtProto.Message.MessageType.FIND_NODE).addCloserPeers(good).build().toByteArray(),
                new KadRequest.FindNode(RecordKey.ofUtf8("x")), NOW);
        assertThat(kept.closerPeers().get(0).addresses()).hasSize(codec.maxAddressesPerPeer());
    }

    @Test
    void fieldsOfAnotherWireTypeAreSkippedAsUnknownAndTruncationIsMalformed() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(buf);
        out.writeEnum(1, DhtProto.Message.MessageType.FIND_NODE_VALUE);
        out.writeFixed32(8, 7); // closerPeers as a fixed32: protobuf-java keeps it as an unknown field
        out.writeByteArray(8, DhtProto.Message.Peer.newBuilder().setId(ByteString.copyFrom(peer(5).toBytes()))
                .build().toByteArray());
        out.writeUInt64(99, 1);
        out.flush();
        byte[] bytes = buf.toByteArray();
        KadResponse.FindNode decoded = (KadResponse.FindNode) codec.decodeResponse(bytes,
                new KadRequest.FindNode(RecordKey.ofUtf8("x")), NOW);
        assertThat(decoded.closerPeers()).extracting(KadPeer::id).containsExactly(peer(5));
        assertThat(DhtProto.Message.parseFrom(bytes).getCloserPeersList()).extracting(p -> p.getId().size())
                .containsExactly(peer(5).toBytes().length);

        byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length - 6);
        assertThatThrownBy(() -> codec.decodeResponse(truncated, new KadRequest.FindNode(RecordKey.ofUtf8("x")), NOW))
                .isInstanceOfSatisfying(KadProtocolException.class, e -> assertThat(e.kind()).isEqualTo(Kind.MALFORMED));
    }

    @Test
    void roundTripOfAFullPutValueStillWorks() throws Exception {
        DhtRecord record = DhtRecord.of(RecordKey.of(bytes(1024, 9)), bytes(65 * 1024, 10));
        byte[] wire = codec.encodeRequest(new KadRequest.PutValue(record), NOW);
        assertThat(((KadRequest.PutValue) codec.decodeRequest(wire, NOW)).record()).isEqualTo(record);
    }

    /**
     * A {@code type} answer with {@code peers} closer peers (and as many providers for
     * GET_PROVIDERS): 20 valid ones, then ids only; with {@code garbageAfterK}, every peer after
     * the 20th is a length-delimited field whose content is no valid {@code Peer}.
     */
    static byte[] hugeAnswer(DhtProto.Message.MessageType type, int peers, boolean garbageAfterK) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(peers * 40);
        CodedOutputStream out = CodedOutputStream.newInstance(buf);
        out.writeEnum(1, type.getNumber());
        byte[] filler = PeerId.random(new Random(99)).toBytes();
        byte[] garbage = new byte[36]; // 38 bytes a peer with tag and length: the 110,000 in 4 MiB
        java.util.Arrays.fill(garbage, (byte) 0xFF); // tag 0xFF... : a truncated varint
        List<Integer> fields = new ArrayList<>(List.of(8));
        if (type == DhtProto.Message.MessageType.GET_PROVIDERS) {
            fields.add(9);
        }
        for (int field : fields) {
            for (int i = 0; i < peers; i++) {
                if (i < 20) {
                    out.writeByteArray(field, DhtProto.Message.Peer.newBuilder().setId(ByteString.copyFrom(peer(i).toBytes()))
                            .addAddrs(ByteString.copyFrom(Multiaddr.parse("/ip4/10.0.0.1/tcp/4001").toBytes()))
                            .build().toByteArray());
                } else if (garbageAfterK) {
                    out.writeByteArray(field, garbage);
                } else {
                    out.writeByteArray(field, DhtProto.Message.Peer.newBuilder().setId(ByteString.copyFrom(filler))
                            .build().toByteArray());
                }
            }
        }
        out.flush();
        return buf.toByteArray();
    }
}
