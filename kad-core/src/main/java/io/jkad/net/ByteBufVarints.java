package io.jkad.net;

import io.netty.buffer.ByteBuf;

/**
 * Multiformats unsigned varints on Netty buffers, read without moving the reader index so that
 * frame decoders can wait for more bytes.
 */
final class ByteBufVarints {

    /** Returned by {@link #peek} when the varint is not complete yet. */
    static final long INCOMPLETE = -1;

    private ByteBufVarints() {}

    /**
     * Reads the varint at {@code in.readerIndex()} without consuming it.
     *
     * @param maxBytes the most bytes the varint may take (at most 9)
     * @return the value, or {@link #INCOMPLETE} when more bytes are needed; the number of bytes it
     *     took is {@link #size(long)} of the value since it must be minimal
     * @throws IllegalArgumentException if it takes more than {@code maxBytes} or is not minimal
     */
    static long peek(ByteBuf in, int maxBytes) {
        long value = 0;
        int readable = in.readableBytes();
        int start = in.readerIndex();
        for (int i = 0; i < maxBytes; i++) {
            if (i >= readable) {
                return INCOMPLETE;
            }
            int b = in.getByte(start + i) & 0xFF;
            value |= (long) (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                if (b == 0 && i > 0) {
                    throw new IllegalArgumentException("varint is not minimally encoded");
                }
                return value;
            }
        }
        throw new IllegalArgumentException("varint longer than " + maxBytes + " bytes");
    }

    /** Number of bytes of the minimal encoding of {@code value}. */
    static int size(long value) {
        int n = 1;
        while ((value >>>= 7) != 0) {
            n++;
        }
        return n;
    }

    /** Appends the minimal encoding of {@code value} (must be &gt;= 0). */
    static void write(ByteBuf out, long value) {
        if (value < 0) {
            throw new IllegalArgumentException("varint value must be >= 0: " + value);
        }
        while ((value & ~0x7FL) != 0) {
            out.writeByte((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.writeByte((int) value);
    }
}
