package io.jkad.multiaddr;

import io.jkad.util.Varint;
import java.util.Arrays;

/** A growable byte array for building binary multiaddrs; not synchronized, unlike ByteArrayOutputStream. */
final class ByteSink {
    byte[] buf;
    int size;

    ByteSink(int capacity) {
        buf = new byte[Math.max(capacity, 16)];
    }

    /** Makes room for {@code n} more bytes. */
    void ensure(int n) {
        if (size + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + n));
        }
    }

    void writeVarint(long value) {
        ensure(Varint.MAX_BYTES);
        size = Varint.write(buf, size, value);
    }

    void write(byte[] src, int offset, int length) {
        ensure(length);
        System.arraycopy(src, offset, buf, size, length);
        size += length;
    }

    void writeShort(int value) {
        ensure(2);
        buf[size++] = (byte) (value >>> 8);
        buf[size++] = (byte) value;
    }

    void writeByte(int value) {
        ensure(1);
        buf[size++] = (byte) value;
    }

    byte[] toArray() {
        return buf.length == size ? buf : Arrays.copyOf(buf, size);
    }
}
