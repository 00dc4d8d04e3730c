package io.jkad.multiaddr;

/**
 * One component of a {@link Multiaddr}: a protocol and its value in binary and text form.
 * Components are equal when their protocols and value bytes are.
 */
public interface Component {
    Protocol protocol();

    /** The value bytes as encoded on the wire, without a length prefix (a copy). */
    byte[] valueBytes();

    /**
     * The value as text ({@code 127.0.0.1}, {@code 4001}, {@code 12D3KooW…}); empty for a protocol
     * without a value ({@code quic-v1}).
     */
    String valueText();
}
