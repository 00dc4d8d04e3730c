package io.jkad.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** X25519 on each engine: RFC 7748's vectors, small-order keys, and the two engines against each other. */
class X25519Test {

    private static final HexFormat HEX = HexFormat.of();

    @ParameterizedTest
    @EnumSource(X25519.Engine.class)
    void rfc7748AliceAndBobAgree(X25519.Engine engine) throws Exception {
        assumeAvailable(engine);
        // RFC 7748 section 6.1
        byte[] alice = HEX.parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        byte[] bob = HEX.parseHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
        byte[] alicePublic = HEX.parseHex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
        byte[] bobPublic = HEX.parseHex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
        String shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
        assertThat(HEX.formatHex(X25519.dh(engine, alice, bobPublic))).isEqualTo(shared);
        assertThat(HEX.formatHex(X25519.dh(engine, bob, alicePublic))).isEqualTo(shared);
        // The public key is the agreement with the base point u = 9.
        byte[] base = new byte[32];
        base[0] = 9;
        assertThat(X25519.dh(engine, alice, base)).isEqualTo(alicePublic);
    }

    @ParameterizedTest
    @EnumSource(X25519.Engine.class)
    void rfc7748ScalarMultiplicationMasksTheTopBitOfU(X25519.Engine engine) throws Exception {
        assumeAvailable(engine);
        // RFC 7748 section 5.2; the second u has its top bit set, which must be ignored.
        assertThat(HEX.formatHex(X25519.dh(engine,
                HEX.parseHex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
                HEX.parseHex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"))))
                .isEqualTo("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
        assertThat(HEX.formatHex(X25519.dh(engine,
                HEX.parseHex("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d"),
                HEX.parseHex("e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493"))))
                .isEqualTo("95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957");
    }

    @ParameterizedTest
    @EnumSource(X25519.Engine.class)
    void smallOrderAndMalformedPublicKeysAreRefused(X25519.Engine engine) {
        assumeAvailable(engine);
        byte[] scalar = X25519.generate(new SecureRandom()).privateKey();
        byte[] one = new byte[32];
        one[0] = 1;
        for (byte[] smallOrder : new byte[][] {new byte[32], one,
                HEX.parseHex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")}) {
            assertThatThrownBy(() -> X25519.dh(engine, scalar, smallOrder))
                    .isInstanceOf(GeneralSecurityException.class).hasMessageContaining("all zero");
        }
        assertThatThrownBy(() -> X25519.dh(engine, scalar, new byte[31]))
                .isInstanceOf(GeneralSecurityException.class).hasMessageContaining("32 bytes");
        assertThatThrownBy(() -> X25519.dh(engine, new byte[33], one))
                .isInstanceOf(GeneralSecurityException.class).hasMessageContaining("32 bytes");
    }

    @Test
    void theEnginesAgreeOnRandomKeysAndGeneratedPairsAreConsistent() throws Exception {
        assumeAvailable(X25519.Engine.BORINGSSL);
        SecureRandom random = new SecureRandom();
        for (int i = 0; i < 200; i++) {
            X25519.KeyPair a = X25519.generate();
            X25519.KeyPair b = X25519.generate(random);
            assertThat(a.publicKey()).isEqualTo(X25519.fromPrivate(a.privateKey()).publicKey());
            byte[] secret = X25519.dh(X25519.Engine.BOUNCY_CASTLE, a.privateKey(), b.publicKey());
            assertThat(X25519.dh(X25519.Engine.BORINGSSL, a.privateKey(), b.publicKey())).isEqualTo(secret);
            assertThat(X25519.dh(X25519.Engine.BORINGSSL, b.privateKey(), a.publicKey())).isEqualTo(secret);
            assertThat(X25519.dh(b.privateKey(), a.publicKey())).isEqualTo(secret);
        }
    }

    @Test
    void theBuildMachinesUseBoringSsl() {
        // CI and the benchmarks run on linux x86-64, where Conscrypt's library loads; the devnet's and
        // the serving benchmark's figures rest on it, so its silent loss must fail here.
        assertThat(X25519.engine()).isEqualTo(X25519.Engine.BORINGSSL);
        assertThat(new CipherState(new byte[32]).boringSsl()).isTrue();
    }

    /** BoringSSL's engine only where it loaded (with -Djkad.crypto=java, or on another platform, it did not). */
    private static void assumeAvailable(X25519.Engine engine) {
        assumeTrue(engine == X25519.Engine.BOUNCY_CASTLE || X25519.engine() == X25519.Engine.BORINGSSL,
                "BoringSSL is not loaded here");
    }
}
