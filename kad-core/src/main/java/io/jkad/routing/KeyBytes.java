package io.jkad.routing;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A point in the 256-bit Kademlia key space: the SHA-256 digest of a key's preimage.
 * Immutable; equality on the digest. Held as four longs, most significant first, so that
 * distances are four XORs.
 */
public final class KeyBytes {

    final long w0;
    final long w1;
    final long w2;
    final long w3;

    KeyBytes(long w0, long w1, long w2, long w3) {
        this.w0 = w0;
        this.w1 = w1;
        this.w2 = w2;
        this.w3 = w3;
    }

    /** The SHA-256 digest of {@code preimage}. */
    public static KeyBytes digestOf(byte[] preimage) {
        return fromDigest(sha256(preimage));
    }

    /**
     * Wraps a digest that was computed elsewhere.
     *
     * @throws IllegalArgumentException if {@code digest} is not 32 bytes
     */
    public static KeyBytes fromDigest(byte[] digest) {
        if (digest.length != 32) {
            throw new IllegalArgumentException("a key digest must be 32 bytes: " + digest.length);
        }
        return new KeyBytes(word(digest, 0), word(digest, 8), word(digest, 16), word(digest, 24));
    }

    /** The XOR distance to {@code other}. */
    public Distance distance(KeyBytes other) {
        return new Distance(w0 ^ other.w0, w1 ^ other.w1, w2 ^ other.w2, w3 ^ other.w3);
    }

    /** The 32 digest bytes (a copy). */
    public byte[] toByteArray() {
        byte[] out = new byte[32];
        putWord(out, 0, w0);
        putWord(out, 8, w1);
        putWord(out, 16, w2);
        putWord(out, 24, w3);
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyBytes k && k.w0 == w0 && k.w1 == w1 && k.w2 == w2 && k.w3 == w3;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(w0) * 31 + Long.hashCode(w1);
    }

    @Override
    public String toString() {
        return String.format("%016x%016x%016x%016x", w0, w1, w2, w3);
    }

    static long word(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[off + i] & 0xFF);
        }
        return v;
    }

    static void putWord(byte[] b, int off, long v) {
        for (int i = 7; i >= 0; i--) {
            b[off + i] = (byte) v;
            v >>>= 8;
        }
    }

    /**
     * One SHA-256 digest per thread: {@code MessageDigest.getInstance} looks the provider up and
     * makes the instance reflectively, which cost as much as hashing a peer id itself (a simulated
     * bootstrap computes millions of keys).
     */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    });

    private static byte[] sha256(byte[] data) {
        // digest() resets the instance, so a failed or interrupted use leaves nothing behind
        return SHA256.get().digest(data);
    }
}
