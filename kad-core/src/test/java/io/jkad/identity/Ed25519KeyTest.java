package io.jkad.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Ed25519KeyTest {
    private static final HexFormat HEX = HexFormat.of();

    // peer-ids spec, test vectors.
    static final String SPEC_PRIVATE = "080112407e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d"
            + "1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
    static final String SPEC_SEED = "7e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d";
    static final String SPEC_PUBLIC_RAW = "1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";

    // RFC 8032 §7.1, TEST 1 (empty message) and TEST 2 (one byte 0x72).
    static final String RFC_SECRET_1 = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    static final String RFC_PUBLIC_1 = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    static final String RFC_SIGNATURE_1 = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555"
            + "fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";
    static final String RFC_SECRET_2 = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";
    static final String RFC_PUBLIC_2 = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
    static final String RFC_SIGNATURE_2 = "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
            + "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00";

    // ---- key pairs ----

    @Test
    void specPrivateKeyDecodesAndReencodesByteForByte() {
        Ed25519KeyPair pair = Ed25519KeyPair.decodeProtobuf(HEX.parseHex(SPEC_PRIVATE));

        assertThat(HEX.formatHex(pair.seed())).isEqualTo(SPEC_SEED);
        assertThat(HEX.formatHex(pair.publicKey().raw())).isEqualTo(SPEC_PUBLIC_RAW);
        assertThat(HEX.formatHex(pair.encodeProtobuf())).isEqualTo(SPEC_PRIVATE);
        assertThat(pair.peerId()).hasToString(PeerIdTest.SPEC_ED25519_PEER);
        assertThat(pair.toString()).contains(PeerIdTest.SPEC_ED25519_PEER).doesNotContain(SPEC_SEED);
    }

    @Test
    void fromSeedDerivesThePublishedPublicKeys() {
        assertThat(HEX.formatHex(Ed25519KeyPair.fromSeed(HEX.parseHex(SPEC_SEED)).publicKey().raw()))
                .isEqualTo(SPEC_PUBLIC_RAW);
        assertThat(HEX.formatHex(Ed25519KeyPair.fromSeed(HEX.parseHex(RFC_SECRET_1)).publicKey().raw()))
                .isEqualTo(RFC_PUBLIC_1);
        assertThat(HEX.formatHex(Ed25519KeyPair.fromSeed(HEX.parseHex(RFC_SECRET_2)).publicKey().raw()))
                .isEqualTo(RFC_PUBLIC_2);
    }

    @Test
    void signaturesMatchRfc8032AndVerify() {
        Ed25519KeyPair one = Ed25519KeyPair.fromSeed(HEX.parseHex(RFC_SECRET_1));
        Ed25519KeyPair two = Ed25519KeyPair.fromSeed(HEX.parseHex(RFC_SECRET_2));

        assertThat(HEX.formatHex(one.sign(new byte[0]))).isEqualTo(RFC_SIGNATURE_1);
        assertThat(HEX.formatHex(two.sign(new byte[] {0x72}))).isEqualTo(RFC_SIGNATURE_2);
        Ed25519PublicKey publicTwo = Ed25519PublicKey.fromRaw(HEX.parseHex(RFC_PUBLIC_2));
        assertThat(publicTwo.verify(new byte[] {0x72}, HEX.parseHex(RFC_SIGNATURE_2))).isTrue();
    }

    @Test
    void verifyRejectsTamperingAndMalformedSignatures() {
        Ed25519KeyPair pair = Ed25519KeyPair.generate();
        byte[] data = "noise-libp2p-static-key:".getBytes(StandardCharsets.UTF_8);
        byte[] signature = pair.sign(data);
        Ed25519PublicKey key = pair.publicKey();

        assertThat(signature).hasSize(64);
        assertThat(key.verify(data, signature)).isTrue();

        byte[] otherData = data.clone();
        otherData[0] ^= 1;
        assertThat(key.verify(otherData, signature)).isFalse();
        byte[] otherSignature = signature.clone();
        otherSignature[5] ^= 1;
        assertThat(key.verify(data, otherSignature)).isFalse();
        assertThat(key.verify(data, Arrays.copyOf(signature, 63))).isFalse();
        assertThat(key.verify(data, Arrays.copyOf(signature, 65))).isFalse();
        assertThat(key.verify(data, null)).isFalse();
        byte[] allOnes = new byte[64];
        Arrays.fill(allOnes, (byte) 0xFF); // S not reduced: the JDK refuses it
        assertThat(key.verify(data, allOnes)).isFalse();
        assertThat(Ed25519KeyPair.generate().publicKey().verify(data, signature)).isFalse();
    }

    @Test
    void generatedPairsDifferAndFromSeedRebuildsThem() {
        Ed25519KeyPair a = Ed25519KeyPair.generate();
        Ed25519KeyPair b = Ed25519KeyPair.generate();
        assertThat(a.publicKey()).isNotEqualTo(b.publicKey());

        Ed25519KeyPair again = Ed25519KeyPair.fromSeed(a.seed());
        assertThat(again.publicKey()).isEqualTo(a.publicKey());
        assertThat(again.peerId()).isEqualTo(a.peerId());
        assertThat(a.peerId().publicKey()).contains(a.publicKey());
    }

    @Test
    void generateWithASeededSourceIsRepeatable() throws Exception {
        SecureRandom first = SecureRandom.getInstance("SHA1PRNG");
        first.setSeed(1234L);
        SecureRandom second = SecureRandom.getInstance("SHA1PRNG");
        second.setSeed(1234L);
        assertThat(Ed25519KeyPair.generate(first).publicKey()).isEqualTo(Ed25519KeyPair.generate(second).publicKey());
    }

    @Test
    void seedIsACopy() {
        byte[] seed = HEX.parseHex(SPEC_SEED);
        Ed25519KeyPair pair = Ed25519KeyPair.fromSeed(seed);
        seed[0] ^= 1;
        pair.seed()[1] ^= 1;
        assertThat(HEX.formatHex(pair.seed())).isEqualTo(SPEC_SEED);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 31, 33, 64})
    void fromSeedRefusesOtherLengths(int length) {
        assertThatThrownBy(() -> Ed25519KeyPair.fromSeed(new byte[length]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Ed25519 seed must be 32 bytes, got " + length);
    }

    @Test
    void legacy96ByteFormIsAcceptedWhenBothPublicCopiesMatch() {
        byte[] legacy = HEX.parseHex("08011260" + SPEC_SEED + SPEC_PUBLIC_RAW + SPEC_PUBLIC_RAW);
        Ed25519KeyPair pair = Ed25519KeyPair.decodeProtobuf(legacy);
        assertThat(HEX.formatHex(pair.publicKey().raw())).isEqualTo(SPEC_PUBLIC_RAW);
        assertThat(HEX.formatHex(pair.encodeProtobuf())).isEqualTo(SPEC_PRIVATE);
    }

    @Test
    void legacy96ByteFormWithDifferentCopiesIsRefused() {
        String otherPublic = RFC_PUBLIC_1;
        assertThatThrownBy(() -> Ed25519KeyPair.decodeProtobuf(
                        HEX.parseHex("08011260" + SPEC_SEED + SPEC_PUBLIC_RAW + otherPublic)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("two copies of the public key differ");
        // Both copies equal, but not the seed's key.
        assertThatThrownBy(() -> Ed25519KeyPair.decodeProtobuf(
                        HEX.parseHex("08011260" + SPEC_SEED + otherPublic + otherPublic)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("public half does not match the seed");
    }

    @Test
    void privateKeyWhosePublicHalfIsNotTheSeedsIsRefused() {
        assertThatThrownBy(() -> Ed25519KeyPair.decodeProtobuf(HEX.parseHex("08011240" + SPEC_SEED + RFC_PUBLIC_1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Ed25519 PrivateKey: the public half does not match the seed");
    }

    @Test
    void privateKeyOfAnotherLengthOrTypeIsRefused() {
        assertThatThrownBy(() -> Ed25519KeyPair.decodeProtobuf(HEX.parseHex("08011220" + SPEC_SEED)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be 64 bytes")
                .hasMessageContaining("got 32");
        // The spec's secp256k1 private key.
        assertThatThrownBy(() -> Ed25519KeyPair.decodeProtobuf(
                        HEX.parseHex("0802122053DADF1D5A164D6B4ACDB15E24AA4C5B1D3461BDBD42ABEDB0A4404D56CED8FB")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("PrivateKey is of type Secp256k1, not Ed25519");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", // empty
        "1201", // Data first
        "0801", // no Data
        "08011240", // Data length 64, nothing follows
        "0801128000", // non-minimal length varint
        "080112", // truncated length varint
        "08011201aa00", // a byte after Data
        "0804120100", // key type 4
        "08011200", // empty Data
    })
    void malformedPrivateKeyProtobufIsRefusedWithAReason(String hex) {
        assertThatThrownBy(() -> Ed25519KeyPair.decodeProtobuf(HEX.parseHex(hex)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("PrivateKey protobuf");
    }

    // ---- public keys ----

    @Test
    void publicKeyProtobufIsTheFixed36Bytes() {
        Ed25519PublicKey key = Ed25519PublicKey.fromRaw(HEX.parseHex(SPEC_PUBLIC_RAW));
        assertThat(HEX.formatHex(key.encodeProtobuf())).isEqualTo(PeerIdTest.SPEC_ED25519_PUBLIC);
        assertThat(Ed25519PublicKey.decodeProtobuf(key.encodeProtobuf())).isEqualTo(key).hasSameHashCodeAs(key);
        assertThat(key.toString()).contains(SPEC_PUBLIC_RAW);
    }

    @Test
    void rawIsACopy() {
        byte[] raw = HEX.parseHex(SPEC_PUBLIC_RAW);
        Ed25519PublicKey key = Ed25519PublicKey.fromRaw(raw);
        raw[0] ^= 1;
        key.raw()[0] ^= 1;
        assertThat(HEX.formatHex(key.raw())).isEqualTo(SPEC_PUBLIC_RAW);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 31, 33})
    void publicKeyOfAnotherLengthIsRefused(int length) {
        assertThatThrownBy(() -> Ed25519PublicKey.fromRaw(new byte[length]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Ed25519 public key must be 32 bytes, got " + length);
    }

    @Test
    void publicKeyProtobufOfAnotherLengthOrTypeIsRefused() {
        assertThatThrownBy(() -> Ed25519PublicKey.decodeProtobuf(HEX.parseHex("08011221" + SPEC_PUBLIC_RAW + "00")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Ed25519 PublicKey Data must be 32 bytes, got 33");
        assertThatThrownBy(() -> Ed25519PublicKey.decodeProtobuf(HEX.parseHex("08031220" + SPEC_PUBLIC_RAW)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("PublicKey is of type ECDSA, not Ed25519");
        assertThatThrownBy(() -> Ed25519PublicKey.decodeProtobuf(HEX.parseHex("080112" + "20" + SPEC_PUBLIC_RAW.substring(2))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Data length 32 exceeds the 31 bytes that follow");
    }

    @Test
    void nonCanonicalYIsRefused() {
        // y = p = 2^255 - 19, little-endian: ed ff .. ff 7f.
        byte[] raw = new byte[32];
        Arrays.fill(raw, (byte) 0xFF);
        raw[0] = (byte) 0xED;
        raw[31] = 0x7F;
        assertThatThrownBy(() -> Ed25519PublicKey.fromRaw(raw))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("non-canonical");
    }

    @Test
    void zeroXWithTheSignBitIsRefused() {
        // y = 1 is the neutral element (x = 0); with the sign bit set it names no point.
        byte[] raw = new byte[32];
        raw[0] = 1;
        assertThat(Ed25519PublicKey.fromRaw(raw)).isNotNull();
        raw[31] = (byte) 0x80;
        assertThatThrownBy(() -> Ed25519PublicKey.fromRaw(raw))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sign bit");
    }

    @Test
    void pointsOfSmallOrderDecodeAsRfc8032Says() {
        // BouncyCastle's faster decoding refuses some of these; the check must still accept them all.
        for (String hex : List.of(
                "0000000000000000000000000000000000000000000000000000000000000000", // y = 0, order 4
                "0000000000000000000000000000000000000000000000000000000000000080",
                "0100000000000000000000000000000000000000000000000000000000000000", // the neutral element
                "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p - 1, order 2
                "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
                "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
                "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
                "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85")) {
            assertThat(Ed25519PublicKey.fromRaw(HEX.parseHex(hex)).raw()).isEqualTo(HEX.parseHex(hex));
        }
        assertThatThrownBy(() -> Ed25519PublicKey.fromRaw(
                HEX.parseHex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sign bit");
        byte[] pPlusOne = HEX.parseHex("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
        assertThatThrownBy(() -> Ed25519PublicKey.fromRaw(pPlusOne))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("non-canonical");
    }

    @Test
    void pointCheckAgreesWithEulersCriterion() {
        // An independent check: y encodes a point iff (y^2 - 1) / (d y^2 + 1) is a square mod p.
        BigInteger p = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
        BigInteger d = BigInteger.valueOf(-121665).multiply(BigInteger.valueOf(121666).modInverse(p)).mod(p);
        BigInteger half = p.subtract(BigInteger.ONE).shiftRight(1);
        Random random = new Random(99);
        int valid = 0;
        for (int i = 0; i < 400; i++) {
            byte[] raw = new byte[32];
            random.nextBytes(raw);
            byte[] be = new byte[32];
            for (int j = 0; j < 32; j++) {
                be[j] = raw[31 - j];
            }
            be[0] &= 0x7F;
            BigInteger y = new BigInteger(1, be);
            boolean expected;
            if (y.compareTo(p) >= 0) {
                expected = false;
            } else {
                BigInteger y2 = y.multiply(y).mod(p);
                BigInteger x2 = y2.subtract(BigInteger.ONE).multiply(d.multiply(y2).add(BigInteger.ONE).modInverse(p)).mod(p);
                expected = x2.signum() == 0 ? (raw[31] & 0x80) == 0 : x2.modPow(half, p).equals(BigInteger.ONE);
            }
            boolean actual = Ed25519PublicKey.fromRawOrNull(raw, 0) != null;
            assertThat(actual).as("point %s", HEX.formatHex(raw)).isEqualTo(expected);
            if (expected) {
                valid++;
                assertThat(Ed25519PublicKey.fromRaw(raw).raw()).isEqualTo(raw);
            } else {
                assertThatThrownBy(() -> Ed25519PublicKey.fromRaw(raw))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining(HEX.formatHex(raw));
            }
        }
        assertThat(valid).isBetween(150, 250);
    }

    @Test
    void everyJdkGeneratedKeyPassesThePointCheck() {
        for (int i = 0; i < 50; i++) {
            byte[] raw = Ed25519KeyPair.generate().publicKey().raw();
            assertThat(Ed25519PublicKey.fromRaw(raw).raw()).isEqualTo(raw);
        }
    }
}
