package io.jkad.net;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A Noise CipherState for ChaChaPoly: a 32-byte key and a 64-bit nonce counter. The 96-bit
 * ChaCha20-Poly1305 nonce is four zero bytes followed by the counter in little-endian order.
 * One {@link Cipher} is kept and re-initialised per message: BoringSSL's ({@link BoringSsl}, 2.5
 * times the JDK's speed on a 300-byte message and 5 times on 4 KiB on the build machine) where it
 * loads, else the JDK's. Not thread-safe.
 */
final class CipherState {

    static final int TAG_LENGTH = 16;

    private final SecretKeySpec key;
    private final Cipher cipher;
    private final boolean boringSsl;
    private final byte[] nonceBytes = new byte[12];
    private long nonce;

    CipherState(byte[] key) {
        this(key, BoringSsl.provider().isPresent());
    }

    /** With BoringSSL's cipher or the JDK's (tests compare the two). */
    CipherState(byte[] key, boolean boringSsl) {
        if (key.length != 32) {
            throw new IllegalArgumentException("ChaChaPoly key must be 32 bytes: " + key.length);
        }
        this.key = new SecretKeySpec(key, "ChaCha20");
        this.boringSsl = boringSsl;
        try {
            this.cipher = boringSsl
                    ? Cipher.getInstance("ChaCha20/Poly1305/NoPadding", BoringSsl.provider().orElseThrow())
                    : Cipher.getInstance("ChaCha20-Poly1305");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ChaCha20-Poly1305 is not available" + (boringSsl ? " in BoringSSL" : " in this JDK"), e);
        }
    }

    /** Whether this state seals with BoringSSL's cipher. */
    boolean boringSsl() {
        return boringSsl;
    }

    long nonce() {
        return nonce;
    }

    /** Encrypts {@code plaintext} with associated data {@code ad}; returns ciphertext || tag. */
    byte[] encrypt(byte[] ad, byte[] plaintext) throws GeneralSecurityException {
        init(Cipher.ENCRYPT_MODE, ad);
        return cipher.doFinal(plaintext);
    }

    /**
     * Decrypts ciphertext || tag.
     *
     * @throws GeneralSecurityException ({@code AEADBadTagException}) if authentication fails
     */
    byte[] decrypt(byte[] ad, byte[] ciphertext) throws GeneralSecurityException {
        init(Cipher.DECRYPT_MODE, ad);
        return cipher.doFinal(ciphertext);
    }

    /**
     * Encrypts {@code in}'s remaining bytes into {@code out} (which needs room for them plus the
     * tag), with empty associated data, as transport messages do. Both direct ({@link
     * #wantsDirectBuffers}) or both on arrays, the bytes are sealed where they are.
     */
    int encrypt(ByteBuffer in, ByteBuffer out) throws GeneralSecurityException {
        init(Cipher.ENCRYPT_MODE, null);
        return doFinal(in, out);
    }

    /** Decrypts {@code in}'s remaining bytes (ciphertext || tag) into {@code out}, empty associated data. */
    int decrypt(ByteBuffer in, ByteBuffer out) throws GeneralSecurityException {
        init(Cipher.DECRYPT_MODE, null);
        return doFinal(in, out);
    }

    /**
     * Whether transport messages should be in direct buffers: BoringSSL's cipher reads and writes
     * direct buffers in place, but copies a heap {@link ByteBuffer} into a new direct one (a
     * {@code ByteBuffer.allocateDirect} with its cleaner, per message) unless given arrays.
     */
    boolean wantsDirectBuffers() {
        return boringSsl;
    }

    private int doFinal(ByteBuffer in, ByteBuffer out) throws GeneralSecurityException {
        if (in.hasArray() && out.hasArray()) {
            int n = cipher.doFinal(in.array(), in.arrayOffset() + in.position(), in.remaining(),
                    out.array(), out.arrayOffset() + out.position());
            in.position(in.limit());
            out.position(out.position() + n);
            return n;
        }
        return cipher.doFinal(in, out);
    }

    private void init(int mode, byte[] ad) throws GeneralSecurityException {
        if (nonce == -1L) {
            // 2^64 - 1 is reserved; the connection must be closed before reaching it.
            throw new GeneralSecurityException("Noise nonce exhausted");
        }
        long n = nonce;
        for (int i = 0; i < 8; i++) {
            nonceBytes[4 + i] = (byte) (n >>> (8 * i));
        }
        cipher.init(mode, key, new IvParameterSpec(nonceBytes));
        if (ad != null && ad.length > 0) {
            cipher.updateAAD(ad);
        }
        nonce++;
    }
}
