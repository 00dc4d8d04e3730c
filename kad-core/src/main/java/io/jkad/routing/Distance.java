package io.jkad.routing;

/** A 256-bit XOR distance, ordered as an unsigned integer. Immutable. */
public final class Distance implements Comparable<Distance> {

    private Distance() {}

    /**
     * The k-bucket index of this distance: the position of its highest set bit (0..255), i.e.
     * floor(log2(d)); -1 for the zero distance.
     */
    public int bucketIndex() {
        throw new UnsupportedOperationException("not implemented");
    }

    public boolean isZero() {
        throw new UnsupportedOperationException("not implemented");
    }

    /** Big-endian 32 bytes. */
    public byte[] toByteArray() {
        throw new UnsupportedOperationException("not implemented");
    }

    @Override
    public int compareTo(Distance o) {
        throw new UnsupportedOperationException("not implemented");
    }
}
