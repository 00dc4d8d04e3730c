package io.jkad.routing;

/**
 * A point in the 256-bit Kademlia key space: the SHA-256 digest of a key's preimage.
 * Immutable; equality on the digest.
 */
public final class KeyBytes {

    private KeyBytes() {}

    /** The SHA-256 digest of {@code preimage}. */
    public static KeyBytes digestOf(byte[] preimage) {
        throw new UnsupportedOperationException("not implemented");
    }

    /**
     * Wraps a digest that was computed elsewhere.
     *
     * @throws IllegalArgumentException if {@code digest} is not 32 bytes
     */
    public static KeyBytes fromDigest(byte[] digest) {
        throw new UnsupportedOperationException("not implemented");
    }

    /** The XOR distance to {@code other}. */
    public Distance distance(KeyBytes other) {
        throw new UnsupportedOperationException("not implemented");
    }

    /** The 32 digest bytes (a copy). */
    public byte[] toByteArray() {
        throw new UnsupportedOperationException("not implemented");
    }
}
