package io.jkad.multiaddr;

import java.util.Arrays;

/** A component that views its value inside a multiaddr's bytes (which never change). */
final class Part implements Component {
    private final Protocol protocol;
    private final byte[] source;
    private final int offset;
    private final int length;

    Part(Protocol protocol, byte[] source, int offset, int length) {
        this.protocol = protocol;
        this.source = source;
        this.offset = offset;
        this.length = length;
    }

    @Override
    public Protocol protocol() {
        return protocol;
    }

    @Override
    public byte[] valueBytes() {
        return Arrays.copyOfRange(source, offset, offset + length);
    }

    @Override
    public String valueText() {
        if (!protocol.hasValue()) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        Values.format(protocol, source, offset, length, out);
        return out.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Part p && p.protocol == protocol
                && Arrays.equals(p.source, p.offset, p.offset + p.length, source, offset, offset + length);
    }

    @Override
    public int hashCode() {
        int h = protocol.code();
        for (int i = offset; i < offset + length; i++) {
            h = 31 * h + source[i];
        }
        return h;
    }

    /** {@code /tcp/4001}, {@code /quic-v1}. */
    @Override
    public String toString() {
        return protocol.hasValue() ? "/" + protocol.text() + "/" + valueText() : "/" + protocol.text();
    }
}
