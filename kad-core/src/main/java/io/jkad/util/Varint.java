package io.jkad.util;

import java.nio.ByteBuffer;

/**
 * Multiformats unsigned varints: LEB128, 7 bits per byte, least significant group first,
 * minimal encoding, at most 9 bytes (63 bits).
 */
public final class Varint {
    private Varint() {}

    /** Encodes {@code value} (must be &gt;= 0). */
    public static byte[] encode(long value) {
        throw new UnsupportedOperationException("not implemented");
    }

    /** Number of bytes {@link #encode} writes for {@code value}. */
    public static int size(long value) {
        throw new UnsupportedOperationException("not implemented");
    }

    /** Writes {@code value} at the buffer's position. */
    public static void write(ByteBuffer out, long value) {
        throw new UnsupportedOperationException("not implemented");
    }

    /**
     * Reads a varint at the buffer's position and advances it.
     *
     * @throws IllegalArgumentException if the varint is truncated, longer than 9 bytes or not minimal
     */
    public static long read(ByteBuffer in) {
        throw new UnsupportedOperationException("not implemented");
    }
}
