package io.jkad.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The transport nonce (libp2p-wire.md §4.5, checklist §10.1): four zero bytes, then the 64-bit
 * message counter in little-endian order. Checked against the JDK's own ChaCha20-Poly1305 with
 * nonces built here, for counters where little- and big-endian differ; and BoringSSL's cipher against
 * the JDK's, in both directions, on arrays and on heap and direct buffers.
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

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void messageNIsSealedWithTheCounterNInLittleEndian(boolean boringSsl) throws Exception {
        assumeTrue(BoringSsl.provider().isPresent(), "BoringSSL is not loaded here");
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        CipherState cs = new CipherState(key, boringSsl);
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

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void decryptionFollowsTheSameCounter(boolean boringSsl) throws Exception {
        assumeTrue(BoringSsl.provider().isPresent(), "BoringSSL is not loaded here");
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        CipherState sender = new CipherState(key, boringSsl);
        CipherState receiver = new CipherState(key, !boringSsl);
        for (int n = 0; n < 5; n++) {
            byte[] plain = new byte[] {(byte) n, 1, 2};
            assertThat(receiver.decrypt(new byte[0], sender.encrypt(new byte[0], plain))).isEqualTo(plain);
        }
        // A message skipped (the counters disagree) fails authentication.
        sender.encrypt(new byte[0], new byte[] {9});
        byte[] next = sender.encrypt(new byte[0], new byte[] {10});
        assertThatThrownBy(() -> receiver.decrypt(new byte[0], next)).isInstanceOf(AEADBadTagException.class);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void buffersRoundTripBetweenTheTwoCiphersAndATamperedOneFails(boolean direct) throws Exception {
        assumeTrue(BoringSsl.provider().isPresent(), "BoringSSL is not loaded here");
        byte[] key = new byte[32];
        SecureRandom random = new SecureRandom();
        random.nextBytes(key);
        CipherState[] senders = {new CipherState(key, true), new CipherState(key, false)};
        CipherState[] receivers = {new CipherState(key, false), new CipherState(key, true)};
        for (int n = 0; n < 40; n++) {
            byte[] plain = new byte[n * 211 % 4100];
            random.nextBytes(plain);
            for (int side = 0; side < 2; side++) {
                ByteBuffer in = buffer(direct, plain.length).put(plain).flip();
                ByteBuffer sealed = buffer(direct, plain.length + CipherState.TAG_LENGTH);
                assertThat(senders[side].encrypt(in, sealed)).isEqualTo(plain.length + CipherState.TAG_LENGTH);
                sealed.flip();
                ByteBuffer opened = buffer(direct, plain.length);
                assertThat(receivers[side].decrypt(sealed, opened)).isEqualTo(plain.length);
                byte[] got = new byte[plain.length];
                opened.flip().get(got);
                assertThat(got).isEqualTo(plain);
            }
        }
        for (int side = 0; side < 2; side++) {
            ByteBuffer sealed = buffer(direct, 3 + CipherState.TAG_LENGTH);
            senders[side].encrypt(buffer(direct, 3).put(new byte[] {1, 2, 3}).flip(), sealed);
            sealed.put(1, (byte) (sealed.get(1) ^ 1)).flip();
            CipherState receiver = receivers[side];
            assertThatThrownBy(() -> receiver.decrypt(sealed, buffer(direct, 3))).isInstanceOf(AEADBadTagException.class);
        }
        assertThat(senders[0].boringSsl()).isTrue();
        assertThat(senders[1].boringSsl()).isFalse();
    }

    /**
     * Buffers inside larger ones (a non-zero array offset and position), in every pairing of heap
     * and direct, seal to the bytes the array call gives and open back, and both buffers' positions
     * move past what was read and written, with either cipher.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void buffersAtAnOffsetInEveryPairingOfHeapAndDirect(boolean boringSsl) throws Exception {
        assumeTrue(!boringSsl || BoringSsl.provider().isPresent(), "BoringSSL is not loaded here");
        byte[] key = new byte[32];
        SecureRandom random = new SecureRandom();
        random.nextBytes(key);
        byte[] plain = new byte[1500];
        random.nextBytes(plain);
        CipherState reference = new CipherState(key, boringSsl);
        byte[] expected = reference.encrypt(new byte[0], plain);
        for (boolean directIn : new boolean[] {false, true}) {
            for (boolean directOut : new boolean[] {false, true}) {
                CipherState sender = new CipherState(key, boringSsl);
                CipherState receiver = new CipherState(key, boringSsl);
                ByteBuffer in = inside(directIn, plain.length, 7).put(plain).flip();
                in.position(0);
                ByteBuffer sealed = inside(directOut, plain.length + CipherState.TAG_LENGTH + 9, 5);
                sealed.position(4);
                assertThat(sender.encrypt(in, sealed)).isEqualTo(expected.length);
                assertThat(in.hasRemaining()).isFalse();
                assertThat(sealed.position()).isEqualTo(4 + expected.length);
                byte[] got = new byte[expected.length];
                sealed.flip().position(4);
                sealed.duplicate().get(got);
                assertThat(got).as("in direct %s, out direct %s", directIn, directOut).isEqualTo(expected);
                ByteBuffer opened = inside(directIn, plain.length + 3, 11);
                opened.position(3);
                assertThat(receiver.decrypt(sealed, opened)).isEqualTo(plain.length);
                assertThat(sealed.hasRemaining()).isFalse();
                byte[] back = new byte[plain.length];
                opened.flip().position(3);
                opened.get(back);
                assertThat(back).isEqualTo(plain);
            }
        }
    }

    /** A buffer of {@code capacity} bytes starting {@code offset} bytes into a larger one. */
    private static ByteBuffer inside(boolean direct, int capacity, int offset) {
        ByteBuffer outer = buffer(direct, capacity + offset + 13);
        outer.position(offset).limit(offset + capacity);
        return outer.slice();
    }

    private static ByteBuffer buffer(boolean direct, int capacity) {
        return direct ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
    }
}
