package io.jkad.identity;

import java.security.SecureRandom;

/** An Ed25519 identity key pair on the JDK's own provider. */
public final class Ed25519KeyPair {

    private Ed25519KeyPair() {}

    public static Ed25519KeyPair generate() {
        throw new UnsupportedOperationException("not implemented");
    }

    public static Ed25519KeyPair generate(SecureRandom random) {
        throw new UnsupportedOperationException("not implemented");
    }

    /** The key pair of a 32-byte seed (RFC 8032 private key). */
    public static Ed25519KeyPair fromSeed(byte[] seed) {
        throw new UnsupportedOperationException("not implemented");
    }

    /**
     * Decodes the libp2p {@code PrivateKey} protobuf: Ed25519 data of 64 bytes
     * ({@code seed || public}) or the legacy 96 bytes ({@code seed || public || public}).
     *
     * @throws IllegalArgumentException if malformed, not Ed25519, or the public half does not match the seed
     */
    public static Ed25519KeyPair decodeProtobuf(byte[] encoded) {
        throw new UnsupportedOperationException("not implemented");
    }

    /** The libp2p {@code PrivateKey} protobuf with the 64-byte form. */
    public byte[] encodeProtobuf() {
        throw new UnsupportedOperationException("not implemented");
    }

    public byte[] seed() {
        throw new UnsupportedOperationException("not implemented");
    }

    public Ed25519PublicKey publicKey() {
        throw new UnsupportedOperationException("not implemented");
    }

    public PeerId peerId() {
        return PeerId.fromPublicKey(publicKey());
    }

    public byte[] sign(byte[] data) {
        throw new UnsupportedOperationException("not implemented");
    }
}
