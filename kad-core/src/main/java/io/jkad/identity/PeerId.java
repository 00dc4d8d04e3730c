package io.jkad.identity;

import io.jkad.util.Base58;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;

/**
 * A libp2p peer id: the multihash of a peer's encoded public key (identity multihash when the
 * encoded key is at most 42 bytes, SHA-256 otherwise). Immutable; equality on the bytes.
 * Its text form is base58btc ({@code 12D3KooW…} for Ed25519 keys).
 */
public final class PeerId implements Comparable<PeerId> {

    /** The multihash prefix of an Ed25519 peer id: identity, 36 bytes, PublicKey{Type=Ed25519, Data=32 bytes}. */
    static final byte[] ED25519_PREFIX = {0x00, 0x24, 0x08, 0x01, 0x12, 0x20};

    private static final SecureRandom SHARED_RANDOM = new SecureRandom();

    private final byte[] bytes;
    private final int hash;

    PeerId(byte[] multihash) {
        this.bytes = multihash;
        this.hash = Arrays.hashCode(multihash);
    }

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
        byte[] b = Arrays.copyOf(ED25519_PREFIX, ED25519_PREFIX.length + 32);
        byte[] key = new byte[32];
        random.nextBytes(key);
        System.arraycopy(key, 0, b, ED25519_PREFIX.length, 32);
        return new PeerId(b);
    }

    /** A random peer id from a shared secure source. */
    public static PeerId random() {
        return random(SHARED_RANDOM);
    }

    /** The multihash bytes (a copy). */
    public byte[] toBytes() {
        return bytes.clone();
    }

    /** The base58btc text form. */
    public String toBase58() {
        return Base58.encode(bytes);
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
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PeerId p && p.hash == hash && Arrays.equals(p.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return toBase58();
    }
}
