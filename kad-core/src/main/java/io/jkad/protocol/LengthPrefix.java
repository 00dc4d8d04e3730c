package io.jkad.protocol;

import io.jkad.protocol.KadProtocolException.Kind;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * The framing of Kademlia messages on a stream: {@code uvarint(length) || message}, with a
 * maximum length checked before any of the message is read. Plain Java (byte arrays, buffers,
 * streams); the Netty pipeline has its own decoder with the same rules.
 */
public final class LengthPrefix {

    /** A length prefix takes at most 5 bytes here: lengths are ints. */
    private static final int MAX_PREFIX_BYTES = 5;

    private LengthPrefix() {}

    /** {@code uvarint(message.length) || message}. */
    public static byte[] frame(byte[] message) {
        int n = prefixSize(message.length);
        byte[] out = new byte[n + message.length];
        writePrefix(out, message.length);
        System.arraycopy(message, 0, out, n, message.length);
        return out;
    }

    /** The number of bytes of the prefix for a message of {@code length} bytes. */
    public static int prefixSize(int length) {
        if (length < 0) {
            throw new IllegalArgumentException("length must be >= 0: " + length);
        }
        int n = 1;
        while ((length >>>= 7) != 0) {
            n++;
        }
        return n;
    }

    private static void writePrefix(byte[] out, int length) {
        int i = 0;
        while ((length & ~0x7F) != 0) {
            out[i++] = (byte) ((length & 0x7F) | 0x80);
            length >>>= 7;
        }
        out[i] = (byte) length;
    }

    /**
     * Takes one whole frame from {@code in} when it holds one: the message, with the buffer's
     * position moved past the frame. Empty, with the position unchanged, when more bytes are
     * needed.
     *
     * @throws KadProtocolException ({@link Kind#TOO_LARGE}) if the announced length exceeds
     *     {@code maxMessageSize}, ({@link Kind#MALFORMED}) if the prefix is not a minimal varint
     *     of at most 5 bytes; the position is unchanged
     */
    public static Optional<byte[]> readFrame(ByteBuffer in, int maxMessageSize) throws KadProtocolException {
        int start = in.position();
        long length = 0;
        int i = 0;
        while (true) {
            if (start + i >= in.limit()) {
                return Optional.empty(); // prefix incomplete
            }
            int b = in.get(start + i) & 0xFF;
            length |= (long) (b & 0x7F) << (7 * i);
            i++;
            if ((b & 0x80) == 0) {
                if (b == 0 && i > 1) {
                    throw new KadProtocolException(Kind.MALFORMED, "length prefix is not minimally encoded");
                }
                break;
            }
            if (i == MAX_PREFIX_BYTES) {
                throw new KadProtocolException(Kind.MALFORMED, "length prefix longer than " + MAX_PREFIX_BYTES + " bytes");
            }
            checkLength(length, maxMessageSize); // fail fast on a huge prefix still arriving
        }
        checkLength(length, maxMessageSize);
        if (in.limit() - start - i < length) {
            return Optional.empty(); // message incomplete
        }
        byte[] message = new byte[(int) length];
        in.position(start + i);
        in.get(message);
        return Optional.of(message);
    }

    /**
     * Reads one frame from a blocking stream.
     *
     * @return the message, or empty at a clean end of stream (before any prefix byte)
     * @throws KadProtocolException as {@link #readFrame(ByteBuffer, int)}
     * @throws EOFException if the stream ends inside a frame
     */
    public static Optional<byte[]> readFrame(InputStream in, int maxMessageSize) throws IOException, KadProtocolException {
        long length = 0;
        for (int i = 0; ; i++) {
            int b = in.read();
            if (b < 0) {
                if (i == 0) {
                    return Optional.empty();
                }
                throw new EOFException("stream ended inside a length prefix");
            }
            length |= (long) (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                if (b == 0 && i > 0) {
                    throw new KadProtocolException(Kind.MALFORMED, "length prefix is not minimally encoded");
                }
                break;
            }
            if (i + 1 == MAX_PREFIX_BYTES) {
                throw new KadProtocolException(Kind.MALFORMED, "length prefix longer than " + MAX_PREFIX_BYTES + " bytes");
            }
        }
        checkLength(length, maxMessageSize);
        byte[] message = in.readNBytes((int) length);
        if (message.length < length) {
            throw new EOFException("stream ended after " + message.length + " of " + length + " message bytes");
        }
        return Optional.of(message);
    }

    private static void checkLength(long length, int maxMessageSize) throws KadProtocolException {
        if (length > maxMessageSize) {
            throw new KadProtocolException(Kind.TOO_LARGE, "frame of " + length
                    + " bytes exceeds the maximum message size of " + maxMessageSize + " bytes");
        }
    }
}
