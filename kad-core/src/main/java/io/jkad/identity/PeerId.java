package io.jkad.identity;

import java.util.Optional;
import java.util.Random;

/**
 * A libp2p peer id: the multihash of a peer's encoded public key (identity multihash when the
 * encoded key is at most 42 bytes, SHA-256 otherwise). Immutable; equality on the bytes.
 * Its text form is base58btc ({@code 12D3KooW…} for Ed25519 keys).
 */
public final class PeerId implements Comparable<PeerId> {

    private PeerId() {}

    /** The peer id of an Ed25519 public key (identity multihash, 38 bytes). */
    public static PeerId fromPublicKey(Ed25519PublicKey key) {
        throw new UnsupportedOperationException("not implemented");
    }

    /**
     * Parses the binary form (a multihash).
     *
     * @throws IllegalArgumentException if the bytes are not an identity multihash of at most 42
     *     bytes holding a decodable public key, nor a SHA-256 multihash of 32 bytes
     */
    public static PeerId fromBytes(byte[] multihash) {
        throw new UnsupportedOperationException("not implemented");
    }

    /**
     * Parses either text form: bare base58btc ({@code 12D3KooW…}, {@code Qm…}) or a CIDv1
     * with codec libp2p-key (0x72) in a multibase encoding ({@code bafz…}).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static PeerId parse(String text) {
        throw new UnsupportedOperationException("not implemented");
    }

    /** A random peer id with the shape of an Ed25519 one, from the given source (deterministic for a seeded source). */
    public static PeerId random(Random random) {
        throw new UnsupportedOperationException("not implemented");
    }

    /** A random peer id from a shared secure source. */
    public static PeerId random() {
        throw new UnsupportedOperationException("not implemented");
    }

    /** The multihash bytes (a copy). */
    public byte[] toBytes() {
        throw new UnsupportedOperationException("not implemented");
    }

    /** The base58btc text form. */
    public String toBase58() {
        throw new UnsupportedOperationException("not implemented");
    }

    /** The CIDv1 text form: base32 lower case, multibase prefix {@code b}. */
    public String toCidString() {
        throw new UnsupportedOperationException("not implemented");
    }

    /** The public key, when the id is an identity multihash of an Ed25519 key. */
    public Optional<Ed25519PublicKey> publicKey() {
        throw new UnsupportedOperationException("not implemented");
    }

    @Override
    public int compareTo(PeerId o) {
        throw new UnsupportedOperationException("not implemented");
    }

    @Override
    public String toString() {
        return toBase58();
    }
}
