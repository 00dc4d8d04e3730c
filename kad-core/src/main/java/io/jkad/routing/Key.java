package io.jkad.routing;

import io.jkad.identity.PeerId;
import java.util.Objects;

/**
 * A key in the Kademlia key space: a preimage (a peer id, a record key) and the SHA-256 digest
 * of its bytes, on which distances are computed. Equality on the digest.
 *
 * @param <T> the preimage type
 */
public final class Key<T> {

    private final T preimage;
    private final KeyBytes bytes;

    private Key(T preimage, KeyBytes bytes) {
        this.preimage = Objects.requireNonNull(preimage, "preimage");
        this.bytes = bytes;
    }

    /** The key of a peer: the digest of its multihash bytes (computed once per peer id, see {@link PeerId#kademliaKey}). */
    public static Key<PeerId> of(PeerId peer) {
        return peer.kademliaKey();
    }

    /** The key of any preimage whose wire bytes are {@code preimageBytes}. */
    public static <T> Key<T> of(T preimage, byte[] preimageBytes) {
        return new Key<>(preimage, KeyBytes.digestOf(preimageBytes));
    }

    /** A key whose digest is already known (for tests and generated bucket targets). */
    public static <T> Key<T> withDigest(T preimage, KeyBytes digest) {
        return new Key<>(preimage, Objects.requireNonNull(digest, "digest"));
    }

    public T preimage() {
        return preimage;
    }

    public KeyBytes bytes() {
        return bytes;
    }

    public Distance distance(Key<?> other) {
        return bytes.distance(other.bytes);
    }

    public Distance distance(KeyBytes other) {
        return bytes.distance(other);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Key<?> k && k.bytes.equals(bytes);
    }

    @Override
    public int hashCode() {
        return bytes.hashCode();
    }

    @Override
    public String toString() {
        return preimage.toString();
    }
}
