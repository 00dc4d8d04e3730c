package io.jkad.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.identity.PeerKeys;
import io.jkad.net.LibP2pTestKeys;
import io.jkad.record.RecordKey;
import io.jkad.validation.pb.IpnsProto.IpnsEntry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link IpnsValidator} and {@link IpnsRecord} against the IPNS spec's test records (copies of
 * js-ipns' fixtures, made by js and by kubo, in {@code src/test/resources/ipns-vectors}), records
 * made here with each key type, and tampered ones: each refused for its own reason.
 */
class IpnsValidatorTest {

    /** Before every fixture's end of life (the kubo one ends 2024-01-19). */
    private static final Instant EARLY = Instant.parse("2024-01-01T00:00:00Z");
    private static final Instant NOW = Instant.parse("2026-12-05T00:00:00Z");
    private final IpnsValidator validator = new IpnsValidator();

    private static byte[] fixture(String suffix) throws IOException {
        String name = fixtureName(suffix);
        try (InputStream in = IpnsValidatorTest.class.getResourceAsStream("/ipns-vectors/" + name)) {
            return in.readAllBytes();
        }
    }

    private static String fixtureName(String suffix) {
        return switch (suffix) {
            case "v1" -> "k51qzi5uqu5dm4tm0wt8srkg9h9suud4wuiwjimndrkydqm81cqtlb5ak6p7ku_v1.ipns-record";
            case "v1-v2" -> "k51qzi5uqu5dlkw8pxuw9qmqayfdeh4kfebhmreauqdc6a7c3y7d5i9fi8mk9w_v1-v2.ipns-record";
            case "v1-v2-broken-v1-value" ->
                    "k51qzi5uqu5dlmit2tuwdvnx4sbnyqgmvbxftl0eo3f33wwtb9gr7yozae9kpw_v1-v2-broken-v1-value.ipns-record";
            case "v1-v2-broken-signature-v2" ->
                    "k51qzi5uqu5diamp7qnnvs1p1gzmku3eijkeijs3418j23j077zrkok63xdm8c_v1-v2-broken-signature-v2.ipns-record";
            case "v1-v2-broken-signature-v1" ->
                    "k51qzi5uqu5dilgf7gorsh9vcqqq4myo6jd4zmqkuy9pxyxi5fua3uf7axph4y_v1-v2-broken-signature-v1.ipns-record";
            case "v2" -> "k51qzi5uqu5dit2ku9mutlfgwyz8u730on38kd10m97m36bjt66my99hb6103f_v2.ipns-record";
            case "kubo-v1-v2-expired" ->
                    "k51qzi5uqu5dgscg317ob3hd9igxbzdrxd1d1g8md64e6g26zjdue3o9goaaeh_kubo-v1-v2-expired.ipns-record";
            default -> throw new IllegalArgumentException(suffix);
        };
    }

    /** The routing key of a fixture: its file name starts with the name. */
    private static RecordKey fixtureKey(String suffix) {
        String name = fixtureName(suffix);
        return IpnsRecord.keyOf(PeerId.parse(name.substring(0, name.indexOf('_'))));
    }

    private Validation check(String suffix, Instant now) throws IOException {
        return validator.validate(fixtureKey(suffix), fixture(suffix), now);
    }

    private static String value(byte[] record) {
        return new String(IpnsRecord.parse(record).value(), StandardCharsets.UTF_8);
    }

    @Test
    void theSpecsRecordsAreValidatedAsTheSpecSays() throws IOException {
        assertThat(check("v1", EARLY)).isInstanceOfSatisfying(Validation.Invalid.class,
                i -> assertThat(i.reason()).isEqualTo(InvalidReason.MISSING_FIELD));
        assertThat(check("v1-v2", EARLY).isValid()).isTrue();
        assertThat(value(fixture("v1-v2"))).isEqualTo("/ipfs/bafkqaddwgevxmmraojswg33smq");
        assertThat(check("v1-v2-broken-v1-value", EARLY)).isInstanceOfSatisfying(Validation.Invalid.class,
                i -> assertThat(i.reason()).isEqualTo(InvalidReason.V1_V2_MISMATCH));
        assertThat(check("v1-v2-broken-signature-v2", EARLY)).isInstanceOfSatisfying(Validation.Invalid.class,
                i -> assertThat(i.reason()).isEqualTo(InvalidReason.BAD_SIGNATURE));
        assertThat(check("v1-v2-broken-signature-v1", EARLY).isValid()).isTrue();
        assertThat(value(fixture("v1-v2-broken-signature-v1")))
                .isEqualTo("/ipfs/bafkqahtwgevxmmrao5uxi2bamjzg623fnyqhg2lhnzqxi5lsmuqhmmi");
        assertThat(check("v2", EARLY)).isEqualTo(new Validation.Valid(
                Optional.of(Instant.parse("2123-08-14T12:17:03.694052Z"))));
        assertThat(value(fixture("v2"))).isEqualTo("/ipfs/bafkqadtwgiww63tmpeqhezldn5zgi");
        // kubo's record: signatures good, but its life ended on 2024-01-19
        assertThat(check("kubo-v1-v2-expired", EARLY).isValid()).isTrue();
        assertThat(check("kubo-v1-v2-expired", NOW)).isInstanceOfSatisfying(Validation.Invalid.class,
                i -> assertThat(i.reason()).isEqualTo(InvalidReason.EXPIRED));
        assertThat(IpnsRecord.parse(fixture("kubo-v1-v2-expired")).validity())
                .isEqualTo(Instant.parse("2024-01-19T16:33:20.858209Z"));
    }

    /** The fixtures' names read as peer ids and print back as the same base36 CIDs. */
    @Test
    void namesPrintAsTheSpecWritesThem() {
        for (String suffix : List.of("v1-v2", "v2", "kubo-v1-v2-expired")) {
            String name = fixtureName(suffix).substring(0, fixtureName(suffix).indexOf('_'));
            assertThat(PeerId.parse(name).toIpnsName()).isEqualTo(name);
        }
        assertThat(PeerId.parse("12D3KooWGuR5BdSqp23UeoeesuwYwW3ebQ9rZ8aVwfWEDU8kvCYJ").toIpnsName())
                .isEqualTo("k51qzi5uqu5dit2ku9mutlfgwyz8u730on38kd10m97m36bjt66my99hb6103f");
    }

    @Test
    void theV2RecordsKeyAndDataAreAsTheSpecWorksThemOut() throws IOException {
        assertThat(fixtureKey("v2").toHex()).isEqualTo(
                "2f69706e732f002408011220694cff09afd97a4c8bcf8b791acdf152a2ef5ce3a0c30d142070324792b0d8bb");
        IpnsRecord r = IpnsRecord.parse(fixture("v2"));
        assertThat(Long.toUnsignedString(r.sequence())).isEqualTo("0");
        assertThat(r.ttl()).isEqualTo(Duration.ofMinutes(30));
        // the data as we write it is byte for byte the data js signed: the canonical DAG-CBOR
        assertThat(IpnsRecord.cbor(r.value(), r.validityText().getBytes(StandardCharsets.US_ASCII), r.sequence(),
                r.ttl().toNanos())).isEqualTo(r.entry().getData().toByteArray());
        assertThat(IpnsRecord.formatValidity(r.validity())).isEqualTo("2123-08-14T12:17:03.694052Z");
    }

    /** A record signed with each of the four key types validates; the name is its peer id. */
    @Test
    void recordsOfEveryKeyTypeValidate() {
        List<LibP2pTestKeys.Signer> signers = List.of(ed25519(Ed25519KeyPair.generate()),
                LibP2pTestKeys.secp256k1(),
                LibP2pTestKeys.jdk(PeerKeys.TYPE_ECDSA, LibP2pTestKeys.generate("EC", "secp256r1")),
                LibP2pTestKeys.jdk(PeerKeys.TYPE_RSA, LibP2pTestKeys.generate("RSA", 2048)));
        for (LibP2pTestKeys.Signer s : signers) {
            PeerId name = PeerKeys.decode(s.publicKeyProtobuf()).peerId();
            boolean inlined = IpnsValidator.inlinedKey(name).isPresent();
            for (boolean v1 : new boolean[] {false, true}) {
                byte[] record = create(s, !inlined, "/ipfs/bafy-" + name, 7, NOW.plus(Duration.ofHours(48)), v1);
                assertThat(validator.validate(IpnsRecord.keyOf(name), record, NOW).isValid())
                        .as("%s, V1 fields %s", name, v1).isTrue();
                assertThat(IpnsRecord.parse(record).sequence()).isEqualTo(7);
            }
            if (!inlined) {
                // the name is a hash of the key: a record without the key cannot be checked
                byte[] keyless = create(s, false, "/ipfs/x", 1, NOW.plusSeconds(60), false);
                assertThat(reason(validator.validate(IpnsRecord.keyOf(name), keyless, NOW)))
                        .isEqualTo(InvalidReason.NO_PUBLIC_KEY);
            }
        }
    }

    @Test
    void forgedAndBrokenRecordsAreRefusedEachForItsReason() {
        Ed25519KeyPair owner = Ed25519KeyPair.generate();
        Ed25519KeyPair other = Ed25519KeyPair.generate();
        PeerId name = PeerId.fromPublicKey(owner.publicKey());
        RecordKey key = IpnsRecord.keyOf(name);
        byte[] good = create(ed25519(owner), false, "/ipfs/a", 3, NOW.plusSeconds(3600), true);
        assertThat(validator.validate(key, good, NOW).isValid()).isTrue();

        // signed by another key, under the owner's name
        byte[] forged = create(ed25519(other), false, "/ipfs/a", 4, NOW.plusSeconds(3600), false);
        assertThat(reason(validator.validate(key, forged, NOW))).isEqualTo(InvalidReason.BAD_SIGNATURE);
        // another key embedded: its peer id is not the name
        byte[] wrongKey = create(ed25519(other), true, "/ipfs/a", 4, NOW.plusSeconds(3600), false);
        assertThat(reason(validator.validate(key, wrongKey, NOW))).isEqualTo(InvalidReason.WRONG_KEY);
        // a flipped bit in the signed data
        IpnsEntry e = parse(good);
        byte[] data = e.getData().toByteArray();
        data[data.length - 20] ^= 1;
        assertThat(reason(validator.validate(key, e.toBuilder().setData(ByteString.copyFrom(data)).build().toByteArray(),
                NOW))).isIn(InvalidReason.BAD_SIGNATURE, InvalidReason.MALFORMED);
        // V1 copies that disagree with the signed data
        assertThat(reason(validator.validate(key, e.toBuilder().setSequence(9).build().toByteArray(), NOW)))
                .isEqualTo(InvalidReason.V1_V2_MISMATCH);
        assertThat(reason(validator.validate(key, e.toBuilder().setTtl(1).build().toByteArray(), NOW)))
                .isEqualTo(InvalidReason.V1_V2_MISMATCH);
        // past its end of life
        assertThat(reason(validator.validate(key, good, NOW.plusSeconds(3601)))).isEqualTo(InvalidReason.EXPIRED);
        // over 10 KiB (an unknown protobuf field makes it large; the size is checked first)
        byte[] big = e.toBuilder().setUnknownFields(com.google.protobuf.UnknownFieldSet.newBuilder()
                .addField(99, com.google.protobuf.UnknownFieldSet.Field.newBuilder()
                        .addLengthDelimited(ByteString.copyFrom(new byte[IpnsRecord.MAX_SIZE])).build()).build())
                .build().toByteArray();
        assertThat(reason(validator.validate(key, big, NOW))).isEqualTo(InvalidReason.TOO_LARGE);
        assertThatThrownBy(() -> create(ed25519(owner), false, "/ipfs/" + "x".repeat(IpnsRecord.MAX_SIZE), 1,
                NOW.plusSeconds(60), false)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10240");
        // not a record at all, and keys that are no name
        assertThat(reason(validator.validate(key, new byte[] {1, 2, 3}, NOW))).isEqualTo(InvalidReason.MALFORMED);
        assertThat(reason(validator.validate(RecordKey.of("/ipns/nope".getBytes(StandardCharsets.UTF_8)), good, NOW)))
                .isEqualTo(InvalidReason.BAD_KEY);
        // the same record under another name
        assertThat(reason(validator.validate(IpnsRecord.keyOf(PeerId.fromPublicKey(other.publicKey())), good, NOW)))
                .isEqualTo(InvalidReason.BAD_SIGNATURE);
    }

    @Test
    void theHighestSequenceThenTheLaterValidityThenTheGreaterBytesWinInAnyOrder() {
        Ed25519KeyPair owner = Ed25519KeyPair.generate();
        RecordKey key = IpnsRecord.keyOf(PeerId.fromPublicKey(owner.publicKey()));
        byte[] seq1 = create(ed25519(owner), false, "/ipfs/one", 1, NOW.plusSeconds(7200), false);
        byte[] seq2 = create(ed25519(owner), false, "/ipfs/two", 2, NOW.plusSeconds(60), false);
        byte[] seq2later = create(ed25519(owner), false, "/ipfs/two-later", 2, NOW.plusSeconds(120), false);
        byte[] seq2laterB = create(ed25519(owner), false, "/ipfs/two-later-b", 2, NOW.plusSeconds(120), false);
        byte[] greater = java.util.Arrays.compareUnsigned(seq2later, seq2laterB) > 0 ? seq2later : seq2laterB;
        List<byte[]> all = new ArrayList<>(List.of(seq1, seq2, seq2later, seq2laterB));
        Random random = new Random(5);
        for (int i = 0; i < 10; i++) {
            Collections.shuffle(all, random);
            assertThat(all.get(validator.select(key, all))).isEqualTo(greater);
        }
        assertThat(List.of(seq1, seq2).get(validator.select(key, List.of(seq1, seq2)))).isEqualTo(seq2);
        assertThat(List.of(seq2later, seq2).get(validator.select(key, List.of(seq2later, seq2)))).isEqualTo(seq2later);
    }

    static LibP2pTestKeys.Signer ed25519(Ed25519KeyPair pair) {
        return LibP2pTestKeys.ed25519(pair);
    }

    static byte[] create(LibP2pTestKeys.Signer s, boolean embed, String value, long sequence, Instant validity,
                         boolean v1) {
        return IpnsRecord.create(s.publicKeyProtobuf(), s::sign, embed, value.getBytes(StandardCharsets.UTF_8), sequence,
                validity, Duration.ofMinutes(5), v1);
    }

    private static IpnsEntry parse(byte[] record) {
        try {
            return IpnsEntry.parseFrom(record);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    private static InvalidReason reason(Validation v) {
        assertThat(v).isInstanceOf(Validation.Invalid.class);
        return ((Validation.Invalid) v).reason();
    }
}
