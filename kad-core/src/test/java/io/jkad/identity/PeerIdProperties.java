package io.jkad.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

class PeerIdProperties {

    @Property
    void randomEd25519ShapedIdsRoundTrip(@ForAll long seed) {
        PeerId id = PeerId.random(new Random(seed));
        assertRoundTrips(id);
        assertThat(id.toBase58()).startsWith("12D3KooW");
        assertThat(id.toCidString()).startsWith("bafzaa");
    }

    @Property
    void sha256IdsRoundTrip(@ForAll @Size(32) byte[] digest) {
        byte[] multihash = new byte[34];
        multihash[0] = 0x12;
        multihash[1] = 0x20;
        System.arraycopy(digest, 0, multihash, 2, 32);
        PeerId id = PeerId.fromBytes(multihash);
        assertRoundTrips(id);
        assertThat(id.toBase58()).startsWith("Qm");
        assertThat(id.toCidString()).startsWith("bafzbe");
        assertThat(id.publicKey()).isEmpty();
    }

    @Property
    void secp256k1ShapedIdsRoundTrip(@ForAll @Size(33) byte[] key, @ForAll boolean odd) {
        key[0] = (byte) (odd ? 3 : 2); // a compressed point's first byte
        byte[] protobuf = KeyProtobuf.encode(KeyProtobuf.SECP256K1, key);
        byte[] multihash = new byte[2 + protobuf.length];
        multihash[1] = (byte) protobuf.length;
        System.arraycopy(protobuf, 0, multihash, 2, protobuf.length);
        PeerId id = PeerId.fromBytes(multihash);
        assertRoundTrips(id);
        assertThat(id.toBase58()).startsWith("16Uiu2HA");
        assertThat(id.publicKey()).isEmpty();
    }

    private static void assertRoundTrips(PeerId id) {
        assertThat(PeerId.fromBytes(id.toBytes())).isEqualTo(id).hasSameHashCodeAs(id);
        assertThat(PeerId.parse(id.toBase58())).isEqualTo(id);
        assertThat(PeerId.parse(id.toCidString())).isEqualTo(id);
        assertThat(PeerId.parse(id.toCidString()).toBase58()).isEqualTo(id.toBase58());
    }

    @Property(tries = 100)
    void keysFromAnySeedSignVerifyAndRoundTrip(@ForAll @Size(32) byte[] seed, @ForAll @Size(max = 100) byte[] message) {
        Ed25519KeyPair pair = Ed25519KeyPair.fromSeed(seed);
        byte[] signature = pair.sign(message);

        assertThat(pair.publicKey().verify(message, signature)).isTrue();
        assertThat(Ed25519KeyPair.decodeProtobuf(pair.encodeProtobuf()).seed()).isEqualTo(seed);
        assertThat(Ed25519PublicKey.decodeProtobuf(pair.publicKey().encodeProtobuf())).isEqualTo(pair.publicKey());
        assertThat(pair.peerId().publicKey()).contains(pair.publicKey());
        assertThat(PeerId.parse(pair.peerId().toString())).isEqualTo(pair.peerId());
        byte[] other = Arrays.copyOf(message, message.length + 1);
        assertThat(pair.publicKey().verify(other, signature)).isFalse();
    }

    @Property
    void arbitraryBytesAreAPeerIdOrAnIllegalArgument(@ForAll("nearlyPeerIds") byte[] bytes) {
        PeerId id;
        try {
            id = PeerId.fromBytes(bytes);
        } catch (IllegalArgumentException expected) {
            return;
        }
        assertThat(id.toBytes()).isEqualTo(bytes);
        assertThat(PeerId.parse(id.toBase58())).isEqualTo(id);
    }

    @Property
    void arbitraryTextIsAPeerIdOrAnIllegalArgument(@ForAll("peerIdLikeText") String text) {
        PeerId id;
        try {
            id = PeerId.parse(text);
        } catch (IllegalArgumentException expected) {
            assertThat(expected).hasMessageContaining("peer id");
            return;
        }
        assertThat(PeerId.parse(id.toBase58())).isEqualTo(id);
    }

    /** Valid ids with one byte changed, cut or extended: close to the edge of validity. */
    @Provide
    Arbitrary<byte[]> nearlyPeerIds() {
        return Arbitraries.longs().flatMap(seed -> Arbitraries.integers().between(0, 40).flatMap(at ->
                Arbitraries.integers().between(0, 3).map(kind -> {
                    byte[] bytes = PeerId.random(new Random(seed)).toBytes();
                    switch (kind) {
                        case 0:
                            bytes[at % bytes.length] ^= (byte) (1 << (seed & 7));
                            return bytes;
                        case 1:
                            return Arrays.copyOf(bytes, at % bytes.length);
                        case 2:
                            return Arrays.copyOf(bytes, bytes.length + 1 + at % 3);
                        default:
                            return bytes;
                    }
                })));
    }

    @Provide
    Arbitrary<String> peerIdLikeText() {
        Arbitrary<String> base58 = Arbitraries.strings().withChars("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0lIO")
                .ofMaxLength(60);
        Arbitrary<String> prefixed = Arbitraries.of("1", "Qm", "12D3KooW", "b", "bafz", "B", "z", "f", "F", "m", "u", "x")
                .flatMap(prefix -> base58.map(rest -> prefix + rest));
        return Arbitraries.oneOf(base58, prefixed);
    }

    @Property
    void fromBytesRangeAgreesWithFromBytes(@ForAll long seed, @ForAll @Size(max = 5) byte[] before) {
        PeerId id = PeerId.random(new Random(seed));
        byte[] buf = Arrays.copyOf(before, before.length + id.length() + 2);
        id.writeTo(buf, before.length);
        assertThat(PeerId.fromBytes(buf, before.length, id.length())).isEqualTo(id);
        assertThatThrownBy(() -> PeerId.fromBytes(buf, before.length, id.length() + 1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
