package io.jkad.net;

import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Noise identity signatures a {@link HostRuntime}'s hosts have verified, so that when many
 * nodes of one process meet the same remote (a devnet: every node meets every other, whose static
 * key is reused, {@link HostConfig#reuseNoiseStaticKey()}) its Ed25519 signature is checked once,
 * not once per node. An entry is the exact bytes of the identity key, the signature and the
 * static key it signs; only signatures that verified are added, and Ed25519 verification is a
 * function of those bytes, so a hit is as good as verifying again. Bounded: cleared when full.
 */
final class VerifiedSignatures {

    /** The most entries kept (about 200 bytes each) before the set starts over. */
    static final int MAX = 16_384;

    private final Set<ByteBuffer> verified = ConcurrentHashMap.newKeySet();

    static ByteBuffer key(byte[] identityKey, byte[] signature, byte[] staticKey) {
        ByteBuffer b = ByteBuffer.allocate(12 + identityKey.length + signature.length + staticKey.length);
        b.putInt(identityKey.length).put(identityKey).putInt(signature.length).put(signature)
                .putInt(staticKey.length).put(staticKey);
        return b.flip();
    }

    boolean contains(ByteBuffer key) {
        return verified.contains(key);
    }

    void add(ByteBuffer key) {
        if (verified.size() >= MAX) {
            verified.clear();
        }
        verified.add(key);
    }
}
