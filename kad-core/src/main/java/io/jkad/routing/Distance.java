package io.jkad.routing;

/** A 256-bit XOR distance, ordered as an unsigned integer. Immutable. */
public final class Distance implements Comparable<Distance> {

    /** The zero distance (a key to itself). */
    public static final Distance ZERO = new Distance(0, 0, 0, 0);

    /** The largest distance, all 256 bits set. */
    public static final Distance MAX = new Distance(-1L, -1L, -1L, -1L);

    final long w0;
    final long w1;
    final long w2;
    final long w3;

    Distance(long w0, long w1, long w2, long w3) {
        this.w0 = w0;
        this.w1 = w1;
        this.w2 = w2;
        this.w3 = w3;
    }

    /**
     * Builds a distance from 32 big-endian bytes.
     *
     * @throws IllegalArgumentException if {@code bytes} is not 32 bytes
     */
    public static Distance fromBytes(byte[] bytes) {
        if (bytes.length != 32) {
            throw new IllegalArgumentException("a distance must be 32 bytes: " + bytes.length);
        }
        return new Distance(KeyBytes.word(bytes, 0), KeyBytes.word(bytes, 8), KeyBytes.word(bytes, 16),
                KeyBytes.word(bytes, 24));
    }

    /**
     * This distance as a fraction of the keyspace, in [0, 1): its top 53 bits over 2^53 (enough for
     * estimates over networks of up to about 2^40 nodes).
     */
    public double fraction() {
        return (w0 >>> 11) * 0x1.0p-53;
    }

    /**
     * The k-bucket index of this distance: the position of its highest set bit (0..255), i.e.
     * floor(log2(d)); -1 for the zero distance.
     */
    public int bucketIndex() {
        if (w0 != 0) {
            return 255 - Long.numberOfLeadingZeros(w0);
        }
        if (w1 != 0) {
            return 191 - Long.numberOfLeadingZeros(w1);
        }
        if (w2 != 0) {
            return 127 - Long.numberOfLeadingZeros(w2);
        }
        if (w3 != 0) {
            return 63 - Long.numberOfLeadingZeros(w3);
        }
        return -1;
    }

    /** Whether bit {@code i} (0 = least significant, 255 = most) is set. */
    public boolean testBit(int i) {
        if (i < 0 || i > 255) {
            throw new IllegalArgumentException("bit index must be in 0..255: " + i);
        }
        long word = switch (i >>> 6) {
            case 3 -> w0;
            case 2 -> w1;
            case 1 -> w2;
            default -> w3;
        };
        return (word >>> (i & 63) & 1L) != 0;
    }

    public boolean isZero() {
        return (w0 | w1 | w2 | w3) == 0;
    }

    /** Big-endian 32 bytes. */
    public byte[] toByteArray() {
        byte[] out = new byte[32];
        KeyBytes.putWord(out, 0, w0);
        KeyBytes.putWord(out, 8, w1);
        KeyBytes.putWord(out, 16, w2);
        KeyBytes.putWord(out, 24, w3);
        return out;
    }

    @Override
    public int compareTo(Distance o) {
        int c = Long.compareUnsigned(w0, o.w0);
        if (c != 0) {
            return c;
        }
        c = Long.compareUnsigned(w1, o.w1);
        if (c != 0) {
            return c;
        }
        c = Long.compareUnsigned(w2, o.w2);
        if (c != 0) {
            return c;
        }
        return Long.compareUnsigned(w3, o.w3);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Distance d && d.w0 == w0 && d.w1 == w1 && d.w2 == w2 && d.w3 == w3;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(w0) * 31 + Long.hashCode(w3);
    }

    @Override
    public String toString() {
        return String.format("%016x%016x%016x%016x", w0, w1, w2, w3);
    }
}
