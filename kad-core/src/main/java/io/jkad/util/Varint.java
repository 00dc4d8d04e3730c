package io.jkad.util;

import java.nio.ByteBuffer;

/**
 * Multiformats unsigned varints: LEB128, 7 bits per byte, least significant group first,
 * minimal encoding, at most 9 bytes (63 bits).
 */
public final class Varint {
    /** The most bytes a varint may take. */
    public static final int MAX_BYTES = 9;

    private Varint() {}

    /** Encodes {@code value} (must be &gt;= 0). */
    public static byte[] encode(long value) {
        ByteBuffer out = ByteBuffer.allocate(size(value));
        write(out, value);
        return out.array();
    }

    /** Number of bytes {@link #encode} writes for {@code value}. */
    public static int size(long value) {
        if (value < 0) {
            throw new IllegalArgumentException("varint value must be >= 0: " + value);
        }
        int n = 1;
        while ((value >>>= 7) != 0) {
            n++;
        }
        return n;
    }

    /** Writes {@code value} at the buffer's position. */
    public static void write(ByteBuffer out, long value) {
        if (value < 0) {
            throw new IllegalArgumentException("varint value must be >= 0: " + value);
        }
        while ((value & ~0x7FL) != 0) {
            out.put((byte) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.put((byte) value);
    }

    /**
     * Writes {@code value} into {@code out} at {@code offset}.
     *
     * @return the offset just past the written bytes
     * @throws IllegalArgumentException if {@code value} is negative
     * @throws ArrayIndexOutOfBoundsException if {@code out} is too short
     */
    public static int write(byte[] out, int offset, long value) {
        if (value < 0) {
            throw new IllegalArgumentException("varint value must be >= 0: " + value);
        }
        while ((value & ~0x7FL) != 0) {
            out[offset++] = (byte) ((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        out[offset++] = (byte) value;
        return offset;
    }

    /**
     * Reads a varint from {@code in} starting at {@code offset}, reading no byte at or past
     * {@code end}. Because only minimal encodings are accepted, the number of bytes read is
     * {@link #size(long) size(value)}: advance by that.
     *
     * @throws IllegalArgumentException if the varint is truncated (reaches {@code end}), longer
     *     than 9 bytes or not minimal
     */
    public static long read(byte[] in, int offset, int end) {
        long value = 0;
        for (int i = 0; i < MAX_BYTES; i++) {
            if (offset + i >= end) {
                throw new IllegalArgumentException("truncated varint after " + i + " bytes");
            }
            int b = in[offset + i] & 0xFF;
            value |= (long) (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                if (b == 0 && i > 0) {
                    throw new IllegalArgumentException("varint is not minimally encoded");
                }
                return value;
            }
        }
        throw new IllegalArgumentException("varint longer than " + MAX_BYTES + " bytes");
    }

    /**
     * Reads a varint at the buffer's position and advances it.
     *
     * @throws IllegalArgumentException if the varint is truncated, longer than 9 bytes or not minimal
     */
    public static long read(ByteBuffer in) {
        long value = 0;
        for (int i = 0; i < MAX_BYTES; i++) {
            if (!in.hasRemaining()) {
                throw new IllegalArgumentException("truncated varint after " + i + " bytes");
            }
            int b = in.get() & 0xFF;
            value |= (long) (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                if (b == 0 && i > 0) {
                    throw new IllegalArgumentException("varint is not minimally encoded");
                }
                return value;
            }
        }
        throw new IllegalArgumentException("varint longer than " + MAX_BYTES + " bytes");
    }
}
