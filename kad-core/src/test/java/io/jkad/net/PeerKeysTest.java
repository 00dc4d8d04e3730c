package io.jkad.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class PeerKeysTest {

    private static byte[] keyProtobuf(int type, byte[] data) {
        byte[] len = new byte[data.length < 128 ? 1 : 2];
        if (len.length == 1) {
            len[0] = (byte) data.length;
        } else {
            len[0] = (byte) ((data.length & 0x7F) | 0x80);
            len[1] = (byte) (data.length >>> 7);
        }
        byte[] out = new byte[3 + len.length + data.length];
        out[0] = 0x08;
        out[1] = (byte) type;
        out[2] = 0x12;
        System.arraycopy(len, 0, out, 3, len.length);
        System.arraycopy(data, 0, out, 3 + len.length, data.length);
        return out;
    }

    @Test
    void ed25519SpecKeyGivesItsPeerIdAndVerifies() {
        byte[] pub = HexFormat.of().parseHex("080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e");
        PeerKeys.RemoteKey k = PeerKeys.decode(pub);
        assertThat(k.peerId()).isEqualTo(PeerId.parse("12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq"));
        Ed25519KeyPair pair = Ed25519KeyPair.generate();
        PeerKeys.RemoteKey mine = PeerKeys.decode(pair.publicKey().encodeProtobuf());
        byte[] data = "hello".getBytes(StandardCharsets.UTF_8);
        assertThat(mine.verify(data, pair.sign(data))).isTrue();
        assertThat(mine.verify("hellO".getBytes(StandardCharsets.UTF_8), pair.sign(data))).isFalse();
        assertThat(mine.verify(data, new byte[3])).isFalse();
    }

    @Test
    void rsaAndEcdsaKeysAreVerifiedWithTheJdk() throws Exception {
        for (String alg : new String[] {"RSA", "EC"}) {
            KeyPairGenerator g = KeyPairGenerator.getInstance(alg);
            if (alg.equals("RSA")) {
                g.initialize(2048);
            } else {
                g.initialize(new ECGenParameterSpec("secp256r1"));
            }
            KeyPair kp = g.generateKeyPair();
            byte[] proto = keyProtobuf(alg.equals("RSA") ? PeerKeys.TYPE_RSA : PeerKeys.TYPE_ECDSA,
                    kp.getPublic().getEncoded());
            PeerKeys.RemoteKey k = PeerKeys.decode(proto);
            // Serialized keys above 42 bytes give SHA-256 peer ids (Qm… in text).
            assertThat(k.peerId().toBase58()).startsWith("Qm");
            assertThat(k.peerId().toBytes()[0]).isEqualTo((byte) 0x12);
            Signature s = Signature.getInstance(alg.equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA");
            s.initSign(kp.getPrivate());
            byte[] data = "static key".getBytes(StandardCharsets.UTF_8);
            s.update(data);
            byte[] sig = s.sign();
            assertThat(k.verify(data, sig)).isTrue();
            assertThat(k.verify("other".getBytes(StandardCharsets.UTF_8), sig)).isFalse();
        }
    }

    @Test
    void unsupportedOrMalformedKeysAreRefused() {
        byte[] secp = HexFormat.of().parseHex("08021221037777e994e452c21604f91de093ce415f5432f701dd8cd1a7a6fea0e630bfca99");
        assertThatThrownBy(() -> PeerKeys.decode(secp)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("secp256k1");
        assertThatThrownBy(() -> PeerKeys.decode(new byte[] {0x08, 0x01})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Data");
        assertThatThrownBy(() -> PeerKeys.decode(keyProtobuf(7, new byte[4]))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("7");
        assertThatThrownBy(() -> PeerKeys.decode(keyProtobuf(PeerKeys.TYPE_RSA, new byte[10])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("RSA");
        assertThatThrownBy(() -> PeerKeys.decode(new byte[] {0x12, 0x05, 1})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("malformed");
    }
}
