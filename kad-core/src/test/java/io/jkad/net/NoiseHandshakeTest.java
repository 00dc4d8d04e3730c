package io.jkad.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class NoiseHandshakeTest {

    private static final HexFormat HEX = HexFormat.of();

    private static byte[] sequence(int first) {
        byte[] b = new byte[32];
        for (int i = 0; i < 32; i++) {
            b[i] = (byte) (first + i);
        }
        return b;
    }

    /** flynn/noise vectors.txt, Noise_XX_25519_ChaChaPoly_SHA256, empty prologue and payloads. */
    @Test
    void reproducesTheFlynnNoiseVector() throws Exception {
        NoiseHandshake init = new NoiseHandshake(true, X25519.fromPrivate(sequence(0x00)), new byte[0],
                () -> X25519.fromPrivate(sequence(0x20)));
        NoiseHandshake resp = new NoiseHandshake(false, X25519.fromPrivate(sequence(0x01)), new byte[0],
                () -> X25519.fromPrivate(sequence(0x41)));

        byte[] msg0 = init.writeMessage(new byte[0]);
        assertThat(HEX.formatHex(msg0)).isEqualTo("358072d6365880d1aeea329adf9121383851ed21a28e3b75e965d0d2cd166254");
        assertThat(resp.readMessage(msg0)).isEmpty();

        byte[] msg1 = resp.writeMessage(new byte[0]);
        assertThat(HEX.formatHex(msg1)).isEqualTo(
                "64b101b1d0be5a8704bd078f9895001fc03e8e9f9522f188dd128d9846d484663414af878d3e46a2f58911a816d6e834"
                + "6d4ea17a6f2a0bb4ef4ed56c133cff4560a34e36ea82109f26cf2e5a5caf992b608d55c747f615e5a3425a7a19eefb8f");
        assertThat(init.readMessage(msg1)).isEmpty();

        byte[] msg2 = init.writeMessage(new byte[0]);
        assertThat(HEX.formatHex(msg2)).isEqualTo(
                "87f864c11ba449f46a0a4f4e2eacbb7b0457784f4fca1937f572c93603e9c4d97e5ea11b16f3968710b23a3be3202dc1"
                + "b5e1ce3c963347491e74f5c0768a9b42");
        assertThat(resp.readMessage(msg2)).isEmpty();

        assertThat(init.isComplete()).isTrue();
        assertThat(resp.isComplete()).isTrue();
        assertThat(init.handshakeHash()).isEqualTo(resp.handshakeHash());
        assertThat(init.remoteStatic()).isEqualTo(X25519.fromPrivate(sequence(0x01)).publicKey());
        assertThat(resp.remoteStatic()).isEqualTo(X25519.fromPrivate(sequence(0x00)).publicKey());

        CipherState[] ic = init.transportCiphers();
        CipherState[] rc = resp.transportCiphers();
        byte[] t0 = ic[0].encrypt(new byte[0], "yellowsubmarine".getBytes(StandardCharsets.US_ASCII));
        assertThat(HEX.formatHex(t0)).isEqualTo("a52ef02ba60e12696d1d6b9ef4245c88fca757b6134ad6e76b56e310a6adf6");
        assertThat(new String(rc[1].decrypt(new byte[0], t0), StandardCharsets.US_ASCII)).isEqualTo("yellowsubmarine");

        byte[] t1 = rc[0].encrypt(new byte[0], "submarineyellow".getBytes(StandardCharsets.US_ASCII));
        assertThat(HEX.formatHex(t1)).isEqualTo("2445aa438ebd649281c636cc7269ca82f1d9023d72520943aeabf909cdf521");
        assertThat(new String(ic[1].decrypt(new byte[0], t1), StandardCharsets.US_ASCII)).isEqualTo("submarineyellow");
    }

    @Test
    void payloadsTravelEncryptedAndATamperedMessageFails() throws Exception {
        SecureRandom rnd = new SecureRandom();
        NoiseHandshake init = new NoiseHandshake(true, X25519.generate(rnd), new byte[0], () -> X25519.generate(rnd));
        NoiseHandshake resp = new NoiseHandshake(false, X25519.generate(rnd), new byte[0], () -> X25519.generate(rnd));
        resp.readMessage(init.writeMessage(new byte[0]));
        byte[] secret = "responder payload".getBytes(StandardCharsets.UTF_8);
        byte[] msg1 = resp.writeMessage(secret);
        assertThat(new String(msg1, StandardCharsets.ISO_8859_1)).doesNotContain("responder payload");
        byte[] tampered = msg1.clone();
        tampered[tampered.length - 1] ^= 1;
        assertThatThrownBy(() -> init.readMessage(tampered)).isInstanceOf(GeneralSecurityException.class);
    }

    @Test
    void aTruncatedMessageIsRefused() throws Exception {
        SecureRandom rnd = new SecureRandom();
        NoiseHandshake resp = new NoiseHandshake(false, X25519.generate(rnd), new byte[0], () -> X25519.generate(rnd));
        assertThatThrownBy(() -> resp.readMessage(new byte[31]))
                .isInstanceOf(GeneralSecurityException.class)
                .hasMessageContaining("too short");
    }

    @Test
    void writingOutOfTurnIsAStateError() {
        SecureRandom rnd = new SecureRandom();
        NoiseHandshake resp = new NoiseHandshake(false, X25519.generate(rnd), new byte[0], () -> X25519.generate(rnd));
        assertThatThrownBy(() -> resp.writeMessage(new byte[0])).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(resp::transportCiphers).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void rawX25519KeysRoundTripThroughTheJdk() throws Exception {
        X25519.KeyPair a = X25519.generate(new SecureRandom());
        X25519.KeyPair b = X25519.generate(new SecureRandom());
        assertThat(X25519.dh(a.privateKey(), b.publicKey())).isEqualTo(X25519.dh(b.privateKey(), a.publicKey()));
        // RFC 7748 section 6.1 test vector: Alice's private key and public key.
        X25519.KeyPair alice = X25519.fromPrivate(HEX.parseHex(
                "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
        assertThat(HEX.formatHex(alice.publicKey()))
                .isEqualTo("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
        assertThatThrownBy(() -> X25519.fromPrivate(new byte[31])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> X25519.dh(a.privateKey(), new byte[32])).isInstanceOf(GeneralSecurityException.class);
    }

    @Test
    void cipherStateNeedsA32ByteKey() {
        assertThatThrownBy(() -> new CipherState(new byte[16])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("16");
    }
}
