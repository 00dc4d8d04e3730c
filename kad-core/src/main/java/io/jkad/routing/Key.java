package io.jkad.routing;

import io.jkad.identity.PeerId;

/**
 * A key in the Kademlia key space: a preimage (a peer id, a record key) and the SHA-256 digest
 * of its bytes, on which distances are computed. Equality on the digest.
 *
 * @param <T> the preimage type
 */
public final class Key<T> {

    private Key() {}

    /** The key of a peer: the digest of its multihash bytes. */
    public static Key<PeerId> of(PeerId peer) {
        throw new UnsupportedOperationException("not implemented");
    }

    /** The key of any preimage whose wire bytes are {@code preimageBytes}. */
    public static <T> Key<T> of(T preimage, byte[] preimageBytes) {
        throw new UnsupportedOperationException("not implemented");
    }

    public T preimage() {
        throw new UnsupportedOperationException("not implemented");
    }

    public KeyBytes bytes() {
        throw new UnsupportedOperationException("not implemented");
    }

    public Distance distance(Key<?> other) {
        throw new UnsupportedOperationException("not implemented");
    }

    public Distance distance(KeyBytes other) {
        throw new UnsupportedOperationException("not implemented");
    }
}
