package io.jkad.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.util.Base32;
import io.jkad.util.Base58;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PeerIdTest {
    private static final HexFormat HEX = HexFormat.of();

    // peer-ids spec, test vectors: the Ed25519 public key protobuf.
    static final String SPEC_ED25519_PUBLIC = "080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
    static final String SPEC_ED25519_PEER = "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq";
    static final String SPEC_ED25519_CID = "bafzaajaiaejcahwr5d5ofrfbis4l5d6uwr57hu5tjodrypfm6yaq6dsc2r2pzyt6";
    static final String SPEC_SECP256K1_PUBLIC = "08021221037777e994e452c21604f91de093ce415f5432f701dd8cd1a7a6fea0e630bfca99";

    @Test
    void specEd25519KeyGivesItsPeerIdAndCid() {
        Ed25519PublicKey key = Ed25519PublicKey.decodeProtobuf(HEX.parseHex(SPEC_ED25519_PUBLIC));
        PeerId id = PeerId.fromPublicKey(key);

        assertThat(HEX.formatHex(id.toBytes())).isEqualTo("0024" + SPEC_ED25519_PUBLIC);
        assertThat(id.toBase58()).isEqualTo(SPEC_ED25519_PEER);
        assertThat(id.toString()).isEqualTo(SPEC_ED25519_PEER);
        assertThat(id.toCidString()).isEqualTo(SPEC_ED25519_CID);
        assertThat(PeerId.parse(SPEC_ED25519_PEER)).isEqualTo(id);
        assertThat(PeerId.parse(SPEC_ED25519_CID)).isEqualTo(id);
        assertThat(id.publicKey()).contains(key);
        assertThat(key.toPeerId()).isEqualTo(id);
    }

    @Test
    void anIdInlinesExactlyTheKeyItWasMadeFrom() {
        byte[] key = HEX.parseHex(SPEC_ED25519_PUBLIC);
        PeerId id = PeerId.parse(SPEC_ED25519_PEER);
        assertThat(id.inlines(key)).isTrue();
        assertThat(id.inlines(Arrays.copyOf(key, key.length - 1))).isFalse();
        byte[] changed = key.clone();
        changed[changed.length - 1] ^= 1;
        assertThat(id.inlines(changed)).isFalse();
        assertThat(id.inlines(HEX.parseHex(SPEC_SECP256K1_PUBLIC))).isFalse();
        byte[] secp = HEX.parseHex(SPEC_SECP256K1_PUBLIC);
        assertThat(PeerKeys.decode(secp).peerId().inlines(secp)).isTrue();
        // a SHA-256 id holds a digest, not the key
        PeerId rsa = PeerId.parse("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N");
        assertThat(rsa.inlines(Arrays.copyOfRange(rsa.toBytes(), 2, 34))).isFalse();
    }

    @Test
    void cidAndBase58OfTheSameRsaPeerAreEqual() {
        PeerId fromBase58 = PeerId.parse("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N");
        PeerId fromCid = PeerId.parse("bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe");

        assertThat(fromCid).isEqualTo(fromBase58).hasSameHashCodeAs(fromBase58);
        assertThat(fromCid.toBase58()).isEqualTo("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N");
        assertThat(fromBase58.toCidString()).isEqualTo("bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe");
        byte[] bytes = fromBase58.toBytes();
        assertThat(bytes).hasSize(34);
        assertThat(Arrays.copyOf(bytes, 2)).containsExactly(0x12, 0x20);
        assertThat(fromBase58.publicKey()).isEmpty();
    }

    @Test
    void specTextExampleDecodesToAnEd25519IdentityMultihash() {
        PeerId id = PeerId.parse("12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA");
        byte[] bytes = id.toBytes();

        assertThat(bytes).hasSize(38);
        assertThat(Arrays.copyOf(bytes, 6)).containsExactly(0x00, 0x24, 0x08, 0x01, 0x12, 0x20);
        assertThat(id.toBase58()).isEqualTo("12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA");
        assertThat(id.publicKey()).isPresent();
        assertThat(PeerId.parse(id.toCidString())).isEqualTo(id);
    }

    @Test
    void cidIsAcceptedInEveryMultibaseWeRead() {
        PeerId id = PeerId.parse(SPEC_ED25519_PEER);
        byte[] cid = new byte[2 + id.length()];
        cid[0] = 1;
        cid[1] = 0x72;
        id.writeTo(cid, 2);

        assertThat(PeerId.parse("B" + Base32.encode(cid, 0, cid.length, true))).isEqualTo(id);
        assertThat(PeerId.parse("z" + Base58.encode(cid))).isEqualTo(id);
        assertThat(PeerId.parse("f" + HEX.formatHex(cid))).isEqualTo(id);
        assertThat(PeerId.parse("F" + HEX.withUpperCase().formatHex(cid))).isEqualTo(id);
        assertThat(PeerId.parse("m" + java.util.Base64.getEncoder().withoutPadding().encodeToString(cid))).isEqualTo(id);
        assertThat(PeerId.parse("u" + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(cid))).isEqualTo(id);
    }

    @Test
    void secp256k1IdIsAPeerIdButHasNoEd25519Key() {
        byte[] key = HEX.parseHex(SPEC_SECP256K1_PUBLIC);
        byte[] multihash = new byte[2 + key.length];
        multihash[1] = (byte) key.length;
        System.arraycopy(key, 0, multihash, 2, key.length);

        PeerId id = PeerId.fromBytes(multihash);

        assertThat(id.toBase58()).startsWith("16Uiu2HA");
        assertThat(PeerId.parse(id.toBase58())).isEqualTo(id);
        assertThat(PeerId.parse(id.toCidString())).isEqualTo(id);
        assertThat(id.publicKey()).isEmpty();
        assertThatThrownBy(() -> Ed25519PublicKey.decodeProtobuf(key))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Secp256k1, not Ed25519");
    }

    @Test
    void rsaKeyHashesToAQmPeerIdThatHasNoEd25519Key() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(1024);
        byte[] der = rsa.generateKeyPair().getPublic().getEncoded();
        byte[] protobuf = KeyProtobuf.encode(KeyProtobuf.RSA, der);
        byte[] multihash = new byte[34];
        multihash[0] = 0x12;
        multihash[1] = 0x20;
        System.arraycopy(MessageDigest.getInstance("SHA-256").digest(protobuf), 0, multihash, 2, 32);

        PeerId id = PeerId.fromBytes(multihash);

        assertThat(id.toBase58()).startsWith("Qm");
        assertThat(id.toCidString()).startsWith("bafzbe");
        assertThat(id.publicKey()).isEmpty();
        assertThatThrownBy(() -> Ed25519PublicKey.decodeProtobuf(protobuf))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("RSA, not Ed25519");
    }

    @Test
    void randomIdsAreNotCheckedForTheCurvePointButPublicKeyIs() {
        Random random = new Random(7);
        int withKey = 0;
        for (int i = 0; i < 200; i++) {
            PeerId id = PeerId.random(random);
            assertThat(PeerId.fromBytes(id.toBytes())).isEqualTo(id);
            if (id.publicKey().isPresent()) {
                withKey++;
                assertThat(id.publicKey().get().toPeerId()).isEqualTo(id);
            }
        }
        // About half of all 32-byte strings encode a curve point.
        assertThat(withKey).isBetween(60, 140);
    }

    @Test
    void randomWithTheSameSeedIsTheSameId() {
        assertThat(PeerId.random(new Random(42))).isEqualTo(PeerId.random(new Random(42)));
        assertThat(PeerId.random()).isNotEqualTo(PeerId.random());
    }

    @Test
    void fromBytesWithRangeCopiesJustThatRange() {
        PeerId id = PeerId.parse(SPEC_ED25519_PEER);
        byte[] buf = new byte[5 + id.length() + 3];
        id.writeTo(buf, 5);

        PeerId read = PeerId.fromBytes(buf, 5, id.length());
        Arrays.fill(buf, (byte) 0);

        assertThat(read).isEqualTo(id);
        assertThatThrownBy(() -> PeerId.fromBytes(buf, 40, 10)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void fromBytesCopiesItsInputAndToBytesReturnsACopy() {
        byte[] bytes = PeerId.parse(SPEC_ED25519_PEER).toBytes();
        PeerId id = PeerId.fromBytes(bytes);
        bytes[10] ^= 1;
        id.toBytes()[11] ^= 1;
        assertThat(id.toBase58()).isEqualTo(SPEC_ED25519_PEER);
    }

    @Test
    void orderIsUnsignedLexicographicOnTheBytes() {
        PeerId low = PeerId.fromBytes(HEX.parseHex("1220" + "00".repeat(32)));
        PeerId high = PeerId.fromBytes(HEX.parseHex("1220" + "ff".repeat(32)));
        assertThat(low).isLessThan(high);
        assertThat(high.compareTo(high)).isZero();
    }

    // ---- malformed binary ----

    @ParameterizedTest
    @ValueSource(strings = {"", "00", "12"})
    void tooShortIsRefused(String hex) {
        assertThatThrownBy(() -> PeerId.fromBytes(HEX.parseHex(hex)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("too short");
    }

    @Test
    void unsupportedMultihashCodeIsNamed() {
        assertThatThrownBy(() -> PeerId.fromBytes(HEX.parseHex("1340" + "00".repeat(64))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unsupported multihash code 0x13");
    }

    @Test
    void sha256WithAnotherDigestLengthIsRefused() {
        assertThatThrownBy(() -> PeerId.fromBytes(HEX.parseHex("1214" + "00".repeat(20))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("32-byte digest, not 20");
    }

    @Test
    void truncatedAndOverlongMultihashesAreRefused() {
        String full = "0024" + SPEC_ED25519_PUBLIC;
        assertThatThrownBy(() -> PeerId.fromBytes(HEX.parseHex(full.substring(0, full.length() - 2))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("truncated multihash: length 36 but 35 bytes follow");
        assertThatThrownBy(() -> PeerId.fromBytes(HEX.parseHex(full + "00")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 extra");
        assertThatThrownBy(() -> PeerId.fromBytes(HEX.parseHex("1220" + "00".repeat(31))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void identityMultihashLongerThan42IsRefused() {
        byte[] data = new byte[39];
        byte[] key = KeyProtobuf.encode(KeyProtobuf.ECDSA, data); // 4 + 39 = 43 bytes
        byte[] multihash = new byte[2 + key.length];
        multihash[1] = (byte) key.length;
        System.arraycopy(key, 0, multihash, 2, key.length);
        assertThatThrownBy(() -> PeerId.fromBytes(multihash))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("holds 43 bytes; at most 42");
    }

    @Test
    void identityMultihashThatIsNotAPublicKeyIsRefused() {
        assertThatThrownBy(() -> PeerId.fromBytes(HEX.parseHex("0004deadbeef")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not hold a public key")
                .hasMessageContaining("tag 0x08");
        assertThatThrownBy(() -> PeerId.fromBytes(HEX.parseHex("00040809" + "1200")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown key type 9");
    }

    @Test
    void ed25519KeyOfTheWrongLengthIsRefused() {
        byte[] key = KeyProtobuf.encode(KeyProtobuf.ED25519, new byte[31]);
        byte[] multihash = new byte[2 + key.length];
        multihash[1] = (byte) key.length;
        System.arraycopy(key, 0, multihash, 2, key.length);
        assertThatThrownBy(() -> PeerId.fromBytes(multihash))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Ed25519 key of 31 bytes");
    }

    @Test
    void nonMinimalVarintInTheMultihashIsRefused() {
        assertThatThrownBy(() -> PeerId.fromBytes(HEX.parseHex("928000" + "20" + "00".repeat(32))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("multihash code")
                .hasMessageContaining("not minimally encoded");
    }

    // ---- malformed text ----

    @Test
    void emptyAndOverlongTextAreRefused() {
        assertThatThrownBy(() -> PeerId.parse("")).isInstanceOf(IllegalArgumentException.class).hasMessage("empty peer id");
        assertThatThrownBy(() -> PeerId.parse("1".repeat(129)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("too long: 129 characters");
    }

    @Test
    void badBase58CharacterIsNamed() {
        String bad = SPEC_ED25519_PEER.substring(0, 10) + "0" + SPEC_ED25519_PEER.substring(11);
        assertThatThrownBy(() -> PeerId.parse(bad))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(bad)
                .hasMessageContaining("invalid base58 character '0' at 10");
    }

    @Test
    void changedBase58CharacterGivesAnotherIdOrAnError() {
        // A multihash has no checksum: a changed key byte is another (valid) peer.
        String other = SPEC_ED25519_PEER.substring(0, 20) + "x" + SPEC_ED25519_PEER.substring(21);
        assertThat(PeerId.parse(other)).isNotEqualTo(PeerId.parse(SPEC_ED25519_PEER));
        // Dropping a character leaves a multihash one byte short.
        assertThatThrownBy(() -> PeerId.parse(SPEC_ED25519_PEER.substring(0, SPEC_ED25519_PEER.length() - 2)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void unknownMultibasePrefixIsNamed() {
        assertThatThrownBy(() -> PeerId.parse("9abc"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unsupported multibase prefix '9'");
    }

    @Test
    void cidWithTheWrongVersionOrCodecIsRefused() {
        PeerId id = PeerId.parse(SPEC_ED25519_PEER);
        byte[] cid = new byte[2 + id.length()];
        cid[0] = 1;
        cid[1] = 0x70; // dag-pb
        id.writeTo(cid, 2);
        assertThatThrownBy(() -> PeerId.parse("b" + Base32.encode(cid)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("CID codec 0x70 is not libp2p-key (0x72)");
        cid[0] = 2;
        cid[1] = 0x72;
        assertThatThrownBy(() -> PeerId.parse("b" + Base32.encode(cid)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a CIDv1: version 2");
    }

    @Test
    void cidWithBadBase32IsRefused() {
        assertThatThrownBy(() -> PeerId.parse("b" + SPEC_ED25519_CID.substring(1).toUpperCase()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid base32 character 'A'");
        assertThatThrownBy(() -> PeerId.parse(SPEC_ED25519_CID + "a"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
