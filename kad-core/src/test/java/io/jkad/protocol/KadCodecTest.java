package io.jkad.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.protocol.KadProtocolException.Kind;
import io.jkad.protocol.pb.DhtProto;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class KadCodecTest {

    private static final HexFormat HEX = HexFormat.of();
    private static final Instant NOW = Instant.parse("2025-01-02T03:04:05.123456789Z");
    /** The peer-id spec's Ed25519 test key as a peer id (identity multihash, 38 bytes). */
    private static final String SPEC_PEER_HEX = "0024080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
    private static final PeerId SPEC_PEER = PeerId.fromBytes(HEX.parseHex(SPEC_PEER_HEX));
    private static final PeerId OTHER_PEER = PeerId.random(new Random(7));

    private final KadCodec codec = KadCodec.defaults();

    // ---- golden bytes, built by hand from dht.proto's field numbers --------------------------
    // (js-libp2p's kad-dht encoder, protons, produces the same bytes for these messages.)

    @Nested
    class Golden {

        @Test
        void findNodeRequest() throws Exception {
            // field 1 (type, varint) = 4; field 2 (key, bytes) = 38 bytes of peer id
            byte[] golden = HEX.parseHex("0804" + "1226" + SPEC_PEER_HEX);
            KadRequest request = new KadRequest.FindNode(RecordKey.of(SPEC_PEER.toBytes()));

            assertThat(codec.encodeRequest(request, NOW)).isEqualTo(golden);
            assertThat(codec.decodeRequest(golden, NOW)).isEqualTo(request);
        }

        @Test
        void putValueRequestWithoutTypeField() throws Exception {
            // PUT_VALUE is 0, so proto3 leaves field 1 out. field 2 (key) "/jkad/k";
            // field 3 (record, 12 bytes): field 1 (key) "/jkad/k", field 2 (value) "v"
            byte[] golden = HEX.parseHex("12072f6a6b61642f6b" + "1a0c" + "0a072f6a6b61642f6b" + "120176");
            KadRequest request = new KadRequest.PutValue(DhtRecord.of(RecordKey.ofUtf8("/jkad/k"), utf8("v")));

            assertThat(codec.encodeRequest(request, NOW)).isEqualTo(golden);
            assertThat(codec.decodeRequest(golden, NOW)).isEqualTo(request);
        }

        @Test
        void findNodeResponseWithOnePeer() throws Exception {
            // field 8 (closerPeers, 52 bytes): field 1 (id) 38 bytes; field 2 (addrs)
            // /ip4/127.0.0.1/tcp/4001 = 04 7f000001 06 0fa1; field 3 (connection) CONNECTED = 1
            byte[] golden = HEX.parseHex("0804" + "4234" + "0a26" + SPEC_PEER_HEX + "1208047f000001060fa1" + "1801");
            KadResponse response = new KadResponse.FindNode(List.of(
                    new KadPeer(SPEC_PEER, List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/4001")), ConnectionType.CONNECTED)));

            assertThat(codec.encodeResponse(response, NOW)).isEqualTo(golden);
            assertThat(codec.decodeResponse(golden, findNode(), NOW)).isEqualTo(response);
        }

        @Test
        void rustExtensionFieldsPublisherAndTtl() throws Exception {
            // Record: key "/jkad/k", value "v", publisher (field 666: tag varint d2 29) = peer id,
            // ttl (field 777: tag varint c8 30) = 3600 (varint 90 1c).
            String record = "0a072f6a6b61642f6b" + "120176" + "d22926" + SPEC_PEER_HEX + "c830901c";
            int recordLength = record.length() / 2;
            byte[] golden = HEX.parseHex("12072f6a6b61642f6b" + "1a" + String.format("%02x", recordLength) + record);
            DhtRecord expected = DhtRecord.of(RecordKey.ofUtf8("/jkad/k"), utf8("v"),
                    Optional.of(SPEC_PEER), Optional.of(NOW.plusSeconds(3600)));

            assertThat(codec.decodeRequest(golden, NOW)).isEqualTo(new KadRequest.PutValue(expected));
            assertThat(codec.encodeRequest(new KadRequest.PutValue(expected), NOW)).isEqualTo(golden);
        }
    }

    // ---- decoding tolerance ------------------------------------------------------------------

    @Test
    void absentTypeFieldIsPutValue() throws Exception {
        DhtProto.Message m = DhtProto.Message.newBuilder()
                .setRecord(DhtProto.Record.newBuilder().setKey(bs("/jkad/x")).setValue(bs("1")))
                .build();
        assertThat(hasField(m.toByteArray(), 1)).isFalse();

        assertThat(codec.decodeRequest(m.toByteArray(), NOW))
                .isEqualTo(new KadRequest.PutValue(DhtRecord.of(RecordKey.ofUtf8("/jkad/x"), utf8("1"))));
    }

    @Test
    void unknownFieldsAreIgnored() throws Exception {
        byte[] known = HEX.parseHex("0804" + "1226" + SPEC_PEER_HEX);
        // field 99 varint 5, field 100 bytes "zz", and field 4 (the retired Record.author slot) in the record
        byte[] unknown = HEX.parseHex("980605" + "a206027a7a");
        byte[] bytes = concat(known, unknown);

        assertThat(codec.decodeRequest(bytes, NOW)).isEqualTo(codec.decodeRequest(known, NOW));

        byte[] withUnknownInRecord = HEX.parseHex("12072f6a6b61642f6b" + "1a0f" + "0a072f6a6b61642f6b" + "120176" + "220161");
        assertThat(codec.decodeRequest(withUnknownInRecord, NOW))
                .isEqualTo(new KadRequest.PutValue(DhtRecord.of(RecordKey.ofUtf8("/jkad/k"), utf8("v"))));
    }

    @Test
    void unknownMultiaddrProtocolSkipsOnlyThatAddress() throws Exception {
        byte[] good = Multiaddr.parse("/ip4/10.0.0.1/tcp/4001").toBytes();
        // code 0x3fff (varint ff 7f) is in no multiaddr table; its value length is unknowable.
        byte[] unknownCode = HEX.parseHex("ff7f0102");
        byte[] response = responseWithPeer(SPEC_PEER.toBytes(), List.of(unknownCode, good));

        KadResponse.FindNode decoded = (KadResponse.FindNode) codec.decodeResponse(response, findNode(), NOW);

        assertThat(decoded.closerPeers()).singleElement()
                .satisfies(p -> assertThat(p.addresses()).containsExactly(Multiaddr.fromBytes(good)));
    }

    @Test
    void malformedKnownMultiaddrSkipsOnlyThatAddress() throws Exception {
        byte[] good = Multiaddr.parse("/ip6/::1/tcp/4001").toBytes();
        byte[] truncatedIp4 = HEX.parseHex("047f00"); // ip4 needs 4 bytes
        byte[] response = responseWithPeer(SPEC_PEER.toBytes(), List.of(truncatedIp4, good, new byte[0]));

        KadResponse.FindNode decoded = (KadResponse.FindNode) codec.decodeResponse(response, findNode(), NOW);

        assertThat(decoded.closerPeers().get(0).addresses()).containsExactly(Multiaddr.fromBytes(good));
    }

    @Test
    void p2pSuffixOfThePeerIsStrippedAndOfAnotherPeerSkipped() throws Exception {
        Multiaddr base = Multiaddr.parse("/ip4/10.0.0.1/tcp/4001");
        byte[] own = base.withPeerId(SPEC_PEER).toBytes();
        byte[] foreign = Multiaddr.parse("/ip4/10.0.0.2/tcp/4001").withPeerId(OTHER_PEER).toBytes();
        byte[] response = responseWithPeer(SPEC_PEER.toBytes(), List.of(own, foreign));

        KadResponse.FindNode decoded = (KadResponse.FindNode) codec.decodeResponse(response, findNode(), NOW);

        assertThat(decoded.closerPeers().get(0).addresses()).containsExactly(base);
    }

    @Test
    void peerWithInvalidIdIsSkippedAndTheOthersKept() throws Exception {
        DhtProto.Message m = DhtProto.Message.newBuilder()
                .setType(DhtProto.Message.MessageType.GET_PROVIDERS)
                .addCloserPeers(pbPeer(new byte[] {0x12, 0x20, 1, 2, 3})) // sha2-256 multihash cut short
                .addCloserPeers(pbPeer(SPEC_PEER.toBytes()))
                .addProviderPeers(pbPeer(new byte[0]))
                .addProviderPeers(pbPeer(OTHER_PEER.toBytes()))
                .build();

        KadResponse.GetProviders decoded = (KadResponse.GetProviders)
                codec.decodeResponse(m.toByteArray(), new KadRequest.GetProviders(RecordKey.ofUtf8("k")), NOW);

        assertThat(decoded.closerPeers()).extracting(KadPeer::id).containsExactly(SPEC_PEER);
        assertThat(decoded.providers()).extracting(KadPeer::id).containsExactly(OTHER_PEER);
    }

    @Test
    void unknownConnectionTypeReadsAsNotConnected() throws Exception {
        DhtProto.Message m = DhtProto.Message.newBuilder()
                .setType(DhtProto.Message.MessageType.FIND_NODE)
                .addCloserPeers(DhtProto.Message.Peer.newBuilder().setId(ByteString.copyFrom(SPEC_PEER.toBytes()))
                        .setConnectionValue(9))
                .build();

        KadResponse.FindNode decoded = (KadResponse.FindNode) codec.decodeResponse(m.toByteArray(), findNode(), NOW);

        assertThat(decoded.closerPeers().get(0).connection()).isEqualTo(ConnectionType.NOT_CONNECTED);
    }

    @Test
    void connectionTypesMapBothWays() throws Exception {
        for (ConnectionType type : ConnectionType.values()) {
            KadResponse response = new KadResponse.FindNode(List.of(new KadPeer(SPEC_PEER, List.of(), type)));
            byte[] bytes = codec.encodeResponse(response, NOW);
            assertThat(DhtProto.Message.parseFrom(bytes).getCloserPeers(0).getConnection().name()).isEqualTo(type.name());
            assertThat(codec.decodeResponse(bytes, findNode(), NOW)).isEqualTo(response);
        }
    }

    @Test
    void addProviderTakesTheFirstValidPeer() throws Exception {
        DhtProto.Message m = DhtProto.Message.newBuilder()
                .setType(DhtProto.Message.MessageType.ADD_PROVIDER)
                .setKey(bs("mh"))
                .addProviderPeers(pbPeer(new byte[] {1, 2, 3}))
                .addProviderPeers(DhtProto.Message.Peer.newBuilder().setId(ByteString.copyFrom(SPEC_PEER.toBytes()))
                        .addAddrs(ByteString.copyFrom(Multiaddr.parse("/ip4/1.2.3.4/tcp/5").toBytes())))
                .build();

        KadRequest decoded = codec.decodeRequest(m.toByteArray(), NOW);

        assertThat(decoded).isEqualTo(new KadRequest.AddProvider(RecordKey.ofUtf8("mh"),
                new KadPeer(SPEC_PEER, List.of(Multiaddr.parse("/ip4/1.2.3.4/tcp/5")), ConnectionType.NOT_CONNECTED)));
    }

    @Test
    void addProviderRequestCarriesTheProviderInProviderPeers() throws Exception {
        KadPeer provider = new KadPeer(SPEC_PEER, List.of(Multiaddr.parse("/ip4/1.2.3.4/tcp/5")), ConnectionType.CONNECTED);
        byte[] bytes = codec.encodeRequest(new KadRequest.AddProvider(RecordKey.ofUtf8("mh"), provider), NOW);

        DhtProto.Message m = DhtProto.Message.parseFrom(bytes);
        assertThat(m.getType()).isEqualTo(DhtProto.Message.MessageType.ADD_PROVIDER);
        assertThat(m.getKey().toStringUtf8()).isEqualTo("mh");
        assertThat(m.getProviderPeersCount()).isEqualTo(1);
        assertThat(m.getCloserPeersCount()).isZero();
        assertThat(m.getProviderPeers(0).getId().toByteArray()).isEqualTo(SPEC_PEER.toBytes());
    }

    @Test
    void putValueRequestWithoutMessageKeyIsAccepted() throws Exception {
        // Older rust-libp2p puts the key only in the record.
        DhtProto.Message m = DhtProto.Message.newBuilder()
                .setRecord(DhtProto.Record.newBuilder().setKey(bs("/jkad/r")).setValue(bs("v")))
                .build();

        assertThat(codec.decodeRequest(m.toByteArray(), NOW))
                .isEqualTo(new KadRequest.PutValue(DhtRecord.of(RecordKey.ofUtf8("/jkad/r"), utf8("v"))));
    }

    @Test
    void recordTimeReceivedFromOthersIsIgnored() throws Exception {
        DhtProto.Message m = DhtProto.Message.newBuilder()
                .setKey(bs("/jkad/r"))
                .setRecord(DhtProto.Record.newBuilder().setKey(bs("/jkad/r")).setValue(bs("v"))
                        .setTimeReceived("not a time at all"))
                .build();

        assertThat(codec.decodeRequest(m.toByteArray(), NOW))
                .isEqualTo(new KadRequest.PutValue(DhtRecord.of(RecordKey.ofUtf8("/jkad/r"), utf8("v"))));
    }

    // ---- ttl, publisher, timeReceived --------------------------------------------------------

    @Test
    void ttlIsRelativeToNow() throws Exception {
        assertThat(decodePutRecord(3600, NOW).expires()).contains(NOW.plusSeconds(3600));
        assertThat(decodePutRecord(3600, NOW.plusSeconds(10)).expires()).contains(NOW.plusSeconds(3610));
        assertThat(decodePutRecord(0, NOW).expires()).isEmpty();
        // uint32 on the wire: the largest value is not negative
        assertThat(decodePutRecord(-1, NOW).expires()).contains(NOW.plusSeconds(0xFFFF_FFFFL));
    }

    @Test
    void expiryIsWrittenAsRemainingSecondsRoundedUpAndNeverZero() {
        assertThat(KadCodec.ttlSeconds(NOW.plusSeconds(60), NOW)).isEqualTo(60);
        assertThat(KadCodec.ttlSeconds(NOW.plusMillis(1500), NOW)).isEqualTo(2);
        assertThat(KadCodec.ttlSeconds(NOW.plusNanos(1), NOW)).isEqualTo(1);
        assertThat(KadCodec.ttlSeconds(NOW, NOW)).isEqualTo(1);
        assertThat(KadCodec.ttlSeconds(NOW.minusSeconds(5), NOW)).isEqualTo(1);
        assertThat(KadCodec.ttlSeconds(NOW.plus(Duration.ofDays(365 * 200)), NOW)).isEqualTo(0xFFFF_FFFFL);
    }

    @Test
    void expiredRecordIsSentWithTtlOne() throws Exception {
        DhtRecord expired = DhtRecord.of(RecordKey.ofUtf8("/jkad/e"), utf8("v"), Optional.empty(),
                Optional.of(NOW.minusSeconds(1)));
        DhtProto.Message m = DhtProto.Message.parseFrom(codec.encodeRequest(new KadRequest.PutValue(expired), NOW));
        assertThat(m.getRecord().getTtl()).isEqualTo(1);
    }

    @Test
    void invalidPublisherRejectsTheMessage() {
        DhtProto.Message m = DhtProto.Message.newBuilder()
                .setKey(bs("/jkad/r"))
                .setRecord(DhtProto.Record.newBuilder().setKey(bs("/jkad/r")).setValue(bs("v"))
                        .setPublisher(ByteString.copyFrom(new byte[] {0x12, 0x01, 0x00})))
                .build();

        assertRejected(() -> codec.decodeRequest(m.toByteArray(), NOW), Kind.INVALID_FIELD, "publisher 120100");
    }

    @Test
    void getValueResponseRecordsCarryTimeReceivedAsRfc3339NanoUtc() throws Exception {
        DhtRecord record = DhtRecord.of(RecordKey.ofUtf8("/jkad/t"), utf8("v"));
        byte[] bytes = codec.encodeResponse(new KadResponse.GetValue(Optional.of(record), List.of()), NOW);

        DhtProto.Message m = DhtProto.Message.parseFrom(bytes);
        assertThat(m.getRecord().getTimeReceived()).isEqualTo("2025-01-02T03:04:05.123456789Z");
        assertThat(m.getKey().toStringUtf8()).isEqualTo("/jkad/t");

        Instant wholeSecond = Instant.parse("2030-06-07T08:09:10Z");
        byte[] second = codec.encodeResponse(new KadResponse.GetValue(Optional.of(record), List.of()), wholeSecond);
        assertThat(DhtProto.Message.parseFrom(second).getRecord().getTimeReceived()).isEqualTo("2030-06-07T08:09:10.000000000Z");
    }

    @Test
    void putValueRequestsCarryNoTimeReceived() throws Exception {
        DhtRecord record = DhtRecord.of(RecordKey.ofUtf8("/jkad/t"), utf8("v"));
        DhtProto.Message m = DhtProto.Message.parseFrom(codec.encodeRequest(new KadRequest.PutValue(record), NOW));
        assertThat(m.getRecord().getTimeReceived()).isEmpty();
        assertThat(m.getKey()).isEqualTo(m.getRecord().getKey());
    }

    // ---- addresses on encode, response size ----------------------------------------------------

    @Test
    void addressesPerPeerAreCappedBothWays() throws Exception {
        List<Multiaddr> many = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            many.add(Multiaddr.parse("/ip4/10.0.0." + i + "/tcp/4001"));
        }
        KadResponse response = new KadResponse.FindNode(List.of(new KadPeer(SPEC_PEER, many, ConnectionType.CONNECTED)));

        byte[] bytes = codec.encodeResponse(response, NOW);
        assertThat(DhtProto.Message.parseFrom(bytes).getCloserPeers(0).getAddrsCount()).isEqualTo(20);

        byte[] all = responseWithPeer(SPEC_PEER.toBytes(), many.stream().map(Multiaddr::toBytes).toList());
        KadResponse.FindNode decoded = (KadResponse.FindNode) codec.withMaxAddressesPerPeer(5).decodeResponse(all, findNode(), NOW);
        assertThat(decoded.closerPeers().get(0).addresses()).containsExactlyElementsOf(many.subList(0, 5));
    }

    @Test
    void addressesAreSentWithoutP2pSuffixAndForeignOnesDropped() throws Exception {
        Multiaddr base = Multiaddr.parse("/ip4/10.0.0.1/tcp/4001");
        KadPeer peer = new KadPeer(SPEC_PEER, List.of(base.withPeerId(SPEC_PEER), base.withPeerId(OTHER_PEER)),
                ConnectionType.CONNECTED);

        byte[] bytes = codec.encodeResponse(new KadResponse.FindNode(List.of(peer)), NOW);

        List<ByteString> addrs = DhtProto.Message.parseFrom(bytes).getCloserPeers(0).getAddrsList();
        assertThat(addrs).containsExactly(ByteString.copyFrom(base.toBytes()));
    }

    @Test
    void largeResponsesAreTrimmedFromTheEndOfThePeerLists() throws Exception {
        Random random = new Random(1);
        List<KadPeer> closer = new ArrayList<>();
        List<KadPeer> providers = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            closer.add(peerWithAddresses(PeerId.random(random), 20, i));
            providers.add(peerWithAddresses(PeerId.random(random), 20, i));
        }
        KadResponse response = new KadResponse.GetProviders(closer, providers);

        byte[] bytes = codec.encodeResponse(response, NOW);

        assertThat(bytes.length).isLessThanOrEqualTo(KadCodec.DEFAULT_RESPONSE_SIZE_TARGET);
        KadResponse.GetProviders decoded = (KadResponse.GetProviders)
                codec.decodeResponse(bytes, new KadRequest.GetProviders(RecordKey.ofUtf8("k")), NOW);
        // closer peers go first; what is left is a prefix of each list
        assertThat(decoded.closerPeers()).isEmpty();
        assertThat(decoded.providers()).isNotEmpty().isEqualTo(providers.subList(0, decoded.providers().size()));

        KadResponse.GetProviders small = new KadResponse.GetProviders(closer.subList(0, 3), providers.subList(0, 3));
        assertThat(codec.decodeResponse(codec.encodeResponse(small, NOW), new KadRequest.GetProviders(RecordKey.ofUtf8("k")), NOW))
                .isEqualTo(small);
    }

    @Test
    void aLargeRecordIsNeverDroppedToMeetTheTarget() throws Exception {
        DhtRecord big = DhtRecord.of(RecordKey.ofUtf8("/jkad/big"), new byte[64 * 1024]);
        KadResponse response = new KadResponse.GetValue(Optional.of(big),
                List.of(peerWithAddresses(OTHER_PEER, 2, 0)));

        byte[] bytes = codec.encodeResponse(response, NOW);

        KadResponse.GetValue decoded = (KadResponse.GetValue)
                codec.decodeResponse(bytes, new KadRequest.GetValue(RecordKey.ofUtf8("/jkad/big")), NOW);
        assertThat(decoded.record()).contains(big);
        assertThat(decoded.closerPeers()).isEmpty();
    }

    // ---- rejected messages ---------------------------------------------------------------------

    @Nested
    class Rejected {

        @Test
        void invalidProtobuf() {
            assertRejected(() -> codec.decodeRequest(HEX.parseHex("ffffffff"), NOW), Kind.MALFORMED, "not a valid protobuf");
            // field 2 announces 5 bytes, 1 follows
            assertRejected(() -> codec.decodeRequest(HEX.parseHex("120561"), NOW), Kind.MALFORMED, "3 bytes");
            assertRejected(() -> codec.decodeResponse(HEX.parseHex("0a"), findNode(), NOW), Kind.MALFORMED, "response");
        }

        @Test
        void oversizedMessage() {
            KadCodec small = codec.withMaxMessageSize(64);
            byte[] big = codec.encodeRequest(new KadRequest.PutValue(
                    DhtRecord.of(RecordKey.ofUtf8("/jkad/k"), new byte[100])), NOW);

            assertRejected(() -> small.decodeRequest(big, NOW), Kind.TOO_LARGE, "exceeds the maximum message size of 64");
            assertRejected(() -> small.decodeResponse(big, findNode(), NOW), Kind.TOO_LARGE, big.length + " bytes");
            assertThatThrownBy(() -> small.encodeRequest(new KadRequest.PutValue(
                    DhtRecord.of(RecordKey.ofUtf8("/jkad/k"), new byte[100])), NOW))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("KadRequest.PutValue message of " + big.length + " bytes");
        }

        @Test
        void unknownMessageType() {
            byte[] bytes = HEX.parseHex("0809" + "120161");
            assertRejected(() -> codec.decodeRequest(bytes, NOW), Kind.UNKNOWN_TYPE, "type 9");
            assertRejected(() -> codec.decodeResponse(bytes, findNode(), NOW), Kind.UNKNOWN_TYPE, "type 9");
        }

        @Test
        void requestsWithoutKey() {
            for (DhtProto.Message.MessageType type : List.of(DhtProto.Message.MessageType.FIND_NODE,
                    DhtProto.Message.MessageType.GET_VALUE, DhtProto.Message.MessageType.GET_PROVIDERS,
                    DhtProto.Message.MessageType.ADD_PROVIDER)) {
                byte[] bytes = DhtProto.Message.newBuilder().setType(type).addProviderPeers(pbPeer(SPEC_PEER.toBytes()))
                        .build().toByteArray();
                assertRejected(() -> codec.decodeRequest(bytes, NOW), Kind.MISSING_FIELD, type + " request without key");
            }
        }

        @Test
        void addProviderWithoutValidProvider() {
            byte[] none = DhtProto.Message.newBuilder().setType(DhtProto.Message.MessageType.ADD_PROVIDER)
                    .setKey(bs("mh")).build().toByteArray();
            byte[] invalid = DhtProto.Message.newBuilder().setType(DhtProto.Message.MessageType.ADD_PROVIDER)
                    .setKey(bs("mh")).addProviderPeers(pbPeer(new byte[] {9, 9})).build().toByteArray();

            assertRejected(() -> codec.decodeRequest(none, NOW), Kind.MISSING_FIELD, "without a valid provider peer (0 peers sent)");
            assertRejected(() -> codec.decodeRequest(invalid, NOW), Kind.MISSING_FIELD, "(1 peers sent)");
        }

        @Test
        void putValueRequestFaults() {
            byte[] noRecord = DhtProto.Message.newBuilder().setKey(bs("/jkad/k")).build().toByteArray();
            byte[] recordWithoutKey = DhtProto.Message.newBuilder().setKey(bs("/jkad/k"))
                    .setRecord(DhtProto.Record.newBuilder().setValue(bs("v"))).build().toByteArray();
            byte[] mismatch = DhtProto.Message.newBuilder().setKey(bs("/jkad/a"))
                    .setRecord(DhtProto.Record.newBuilder().setKey(bs("/jkad/b")).setValue(bs("v"))).build().toByteArray();

            assertRejected(() -> codec.decodeRequest(noRecord, NOW), Kind.MISSING_FIELD, "PUT_VALUE request without record");
            assertRejected(() -> codec.decodeRequest(recordWithoutKey, NOW), Kind.MISSING_FIELD, "record without key");
            assertRejected(() -> codec.decodeRequest(mismatch, NOW), Kind.INVALID_FIELD,
                    "PUT_VALUE request key /jkad/a differs from its record's key /jkad/b");
        }

        @Test
        void responseOfAnotherType() throws Exception {
            byte[] getValue = codec.encodeResponse(new KadResponse.GetValue(Optional.empty(), List.of()), NOW);
            assertRejected(() -> codec.decodeResponse(getValue, findNode(), NOW), Kind.UNEXPECTED_TYPE,
                    "a GET_VALUE response to a FIND_NODE request");

            byte[] addProvider = codec.encodeRequest(new KadRequest.AddProvider(RecordKey.ofUtf8("mh"),
                    new KadPeer(SPEC_PEER, List.of(), ConnectionType.CONNECTED)), NOW);
            assertRejected(() -> codec.decodeResponse(addProvider, new KadRequest.GetProviders(RecordKey.ofUtf8("mh")), NOW),
                    Kind.UNEXPECTED_TYPE, "ADD_PROVIDER response");

            // no type field: a PUT_VALUE, which does not answer a GET_VALUE
            byte[] untyped = HEX.parseHex("12072f6a6b61642f6b" + "1a0c" + "0a072f6a6b61642f6b" + "120176");
            assertRejected(() -> codec.decodeResponse(untyped, new KadRequest.GetValue(RecordKey.ofUtf8("/jkad/k")), NOW),
                    Kind.UNEXPECTED_TYPE, "a PUT_VALUE response to a GET_VALUE request");
        }

        @Test
        void addProviderHasNoResponseToDecode() {
            KadRequest request = new KadRequest.AddProvider(RecordKey.ofUtf8("mh"),
                    new KadPeer(SPEC_PEER, List.of(), ConnectionType.CONNECTED));
            assertThatThrownBy(() -> codec.decodeResponse(new byte[0], request, NOW))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("ADD_PROVIDER has no response");
        }

        @Test
        void getValueResponseWithRecordOfAnotherKey() throws Exception {
            byte[] bytes = codec.encodeResponse(new KadResponse.GetValue(
                    Optional.of(DhtRecord.of(RecordKey.ofUtf8("/jkad/other"), utf8("v"))), List.of()), NOW);

            assertRejected(() -> codec.decodeResponse(bytes, new KadRequest.GetValue(RecordKey.ofUtf8("/jkad/asked")), NOW),
                    Kind.INVALID_FIELD, "record for key /jkad/other, not the requested /jkad/asked");
        }

        @Test
        void putValueResponseFaults() throws Exception {
            KadRequest put = new KadRequest.PutValue(DhtRecord.of(RecordKey.ofUtf8("/jkad/put"), utf8("v")));
            byte[] otherKey = codec.encodeResponse(new KadResponse.PutValue(RecordKey.ofUtf8("/jkad/else"),
                    DhtRecord.of(RecordKey.ofUtf8("/jkad/else"), utf8("v"))), NOW);
            byte[] noRecord = DhtProto.Message.newBuilder().setKey(bs("/jkad/put")).build().toByteArray();

            assertRejected(() -> codec.decodeResponse(otherKey, put, NOW), Kind.INVALID_FIELD, "not the key put /jkad/put");
            assertRejected(() -> codec.decodeResponse(noRecord, put, NOW), Kind.MISSING_FIELD, "PUT_VALUE response without record");
        }

        @Test
        void putValueEchoWithKeyOnlyOnTheMessageIsAccepted() throws Exception {
            KadRequest put = new KadRequest.PutValue(DhtRecord.of(RecordKey.ofUtf8("/jkad/put"), utf8("v")));
            byte[] echo = DhtProto.Message.newBuilder().setKey(bs("/jkad/put"))
                    .setRecord(DhtProto.Record.newBuilder().setValue(bs("v"))).build().toByteArray();

            assertThat(codec.decodeResponse(echo, put, NOW)).isEqualTo(new KadResponse.PutValue(RecordKey.ofUtf8("/jkad/put"),
                    DhtRecord.of(RecordKey.ofUtf8("/jkad/put"), utf8("v"))));
        }
    }

    @Test
    void configurationRejectsNonPositiveLimits() {
        assertThatThrownBy(() -> codec.withMaxMessageSize(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(": 0");
        assertThatThrownBy(() -> codec.withMaxAddressesPerPeer(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(": -1");
        assertThatThrownBy(() -> codec.withResponseSizeTarget(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(": 0");
        assertThat(codec.withMaxMessageSize(10).maxMessageSize()).isEqualTo(10);
        assertThat(codec.maxMessageSize()).isEqualTo(4 * 1024 * 1024);
    }

    // ---- helpers -------------------------------------------------------------------------------

    private DhtRecord decodePutRecord(int ttl, Instant now) throws KadProtocolException {
        DhtProto.Message m = DhtProto.Message.newBuilder()
                .setKey(bs("/jkad/ttl"))
                .setRecord(DhtProto.Record.newBuilder().setKey(bs("/jkad/ttl")).setValue(bs("v")).setTtl(ttl))
                .build();
        return ((KadRequest.PutValue) codec.decodeRequest(m.toByteArray(), now)).record();
    }

    private static void assertRejected(ThrowingCallable call, Kind kind, String messagePart) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(KadProtocolException.class, e -> assertThat(e.kind()).isEqualTo(kind))
                .hasMessageContaining(messagePart);
    }

    private static KadRequest findNode() {
        return new KadRequest.FindNode(RecordKey.of(SPEC_PEER.toBytes()));
    }

    private static byte[] responseWithPeer(byte[] id, List<byte[]> addrs) {
        DhtProto.Message.Peer.Builder peer = DhtProto.Message.Peer.newBuilder().setId(ByteString.copyFrom(id));
        addrs.forEach(a -> peer.addAddrs(ByteString.copyFrom(a)));
        return DhtProto.Message.newBuilder().setType(DhtProto.Message.MessageType.FIND_NODE)
                .addCloserPeers(peer).build().toByteArray();
    }

    private static DhtProto.Message.Peer pbPeer(byte[] id) {
        return DhtProto.Message.Peer.newBuilder().setId(ByteString.copyFrom(id)).build();
    }

    private static KadPeer peerWithAddresses(PeerId id, int count, int salt) {
        List<Multiaddr> addrs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            addrs.add(Multiaddr.parse("/ip4/10." + (salt % 250) + "." + i + ".1/tcp/" + (4000 + i)));
        }
        return new KadPeer(id, addrs, ConnectionType.NOT_CONNECTED);
    }

    /** Whether the top-level protobuf message holds field {@code number} (scans the tags). */
    private static boolean hasField(byte[] bytes, int number) throws Exception {
        com.google.protobuf.CodedInputStream in = com.google.protobuf.CodedInputStream.newInstance(bytes);
        int tag;
        while ((tag = in.readTag()) != 0) {
            if ((tag >>> 3) == number) {
                return true;
            }
            in.skipField(tag);
        }
        return false;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(a);
        out.writeBytes(b);
        return out.toByteArray();
    }

    private static ByteString bs(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
