package io.jkad.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * The transport nonce (libp2p-wire.md §4.5, checklist §10.1): four zero bytes, then the 64-bit
 * message counter in little-endian order. Checked against the JDK's own ChaCha20-Poly1305 with
 * nonces built here, for counters where little- and big-endian differ.
 */
class CipherStateTest {

    private static byte[] littleEndianNonce(long n) {
        byte[] nonce = new byte[12];
        for (int i = 0; i < 8; i++) {
            nonce[4 + i] = (byte) (n >>> (8 * i));
        }
        return nonce;
    }

    private static byte[] bigEndianNonce(long n) {
        byte[] nonce = new byte[12];
        for (int i = 0; i < 8; i++) {
            nonce[11 - i] = (byte) (n >>> (8 * i));
        }
        return nonce;
    }

    private static byte[] jdkDecrypt(byte[] key, byte[] nonce, byte[] ciphertext) throws Exception {
        Cipher c = Cipher.getInstance("ChaCha20-Poly1305");
        c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "ChaCha20"), new IvParameterSpec(nonce));
        return c.doFinal(ciphertext);
    }

    @Test
    void messageNIsSealedWithTheCounterNInLittleEndian() throws Exception {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        CipherState cs = new CipherState(key);
        for (long n = 0; n < 300; n++) {
            byte[] plain = ("message " + n).getBytes(StandardCharsets.UTF_8);
            assertThat(cs.nonce()).isEqualTo(n);
            byte[] sealed = cs.encrypt(new byte[0], plain);
            assertThat(sealed).hasSize(plain.length + CipherState.TAG_LENGTH);
            assertThat(jdkDecrypt(key, littleEndianNonce(n), sealed)).as("message %d", n).isEqualTo(plain);
            if (n > 0) {
                long counter = n;
                assertThatThrownBy(() -> jdkDecrypt(key, bigEndianNonce(counter), sealed))
                        .isInstanceOf(AEADBadTagException.class);
            }
        }
    }

    @Test
    void decryptionFollowsTheSameCounter() throws Exception {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        CipherState sender = new CipherState(key);
        CipherState receiver = new CipherState(key);
        for (int n = 0; n < 5; n++) {
            byte[] plain = new byte[] {(byte) n, 1, 2};
            assertThat(receiver.decrypt(new byte[0], sender.encrypt(new byte[0], plain))).isEqualTo(plain);
        }
        // A message skipped (the counters disagree) fails authentication.
        sender.encrypt(new byte[0], new byte[] {9});
        byte[] next = sender.encrypt(new byte[0], new byte[] {10});
        assertThatThrownBy(() -> receiver.decrypt(new byte[0], next)).isInstanceOf(AEADBadTagException.class);
    }
}
