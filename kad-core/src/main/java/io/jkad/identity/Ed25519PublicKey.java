package io.jkad.identity;

/** An Ed25519 public key (raw 32 bytes, RFC 8032). Immutable; equality on the raw bytes. */
public final class Ed25519PublicKey {

    private Ed25519PublicKey() {}

    /** @throws IllegalArgumentException if {@code raw} is not 32 bytes or not a valid point encoding */
    public static Ed25519PublicKey fromRaw(byte[] raw) {
        throw new UnsupportedOperationException("not implemented");
    }

    /**
     * Decodes the libp2p {@code PublicKey} protobuf ({@code 08 01 12 20 <32 bytes>}).
     *
     * @throws IllegalArgumentException if the protobuf is malformed or the key type is not Ed25519
     */
    public static Ed25519PublicKey decodeProtobuf(byte[] encoded) {
        throw new UnsupportedOperationException("not implemented");
    }

    /** The raw 32 bytes (a copy). */
    public byte[] raw() {
        throw new UnsupportedOperationException("not implemented");
    }

    /** The deterministic libp2p {@code PublicKey} protobuf (36 bytes). */
    public byte[] encodeProtobuf() {
        throw new UnsupportedOperationException("not implemented");
    }

    /** Verifies an Ed25519 signature; false for a bad or malformed signature. */
    public boolean verify(byte[] data, byte[] signature) {
        throw new UnsupportedOperationException("not implemented");
    }

    public PeerId toPeerId() {
        return PeerId.fromPublicKey(this);
    }
}
