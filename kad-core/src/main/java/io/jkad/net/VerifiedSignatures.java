package io.jkad.net;

import io.jkad.identity.PeerId;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Noise identity signatures a {@link HostRuntime}'s hosts have verified, so that when many
 * nodes of one process meet the same remote (a devnet: every node meets every other, whose static
 * key is reused, {@link HostConfig#reuseNoiseStaticKey()}) its Ed25519 signature is checked once,
 * not once per node. An entry is the exact bytes of the identity key, the signature and the
 * static key it signs; only signatures that verified are added, and Ed25519 verification is a
 * function of those bytes, so a hit is as good as verifying again. The peer id the key decoded to
 * is kept with it, so a hit also skips decoding the key (its point check is the other costly part
 * of reading a handshake payload). Bounded: cleared when full.
 */
final class VerifiedSignatures {

    /** The most entries kept (about 200 bytes each) before the set starts over. */
    static final int MAX = 16_384;

    private final Map<ByteBuffer, PeerId> verified = new ConcurrentHashMap<>();

    static ByteBuffer key(byte[] identityKey, byte[] signature, byte[] staticKey) {
        ByteBuffer b = ByteBuffer.allocate(12 + identityKey.length + signature.length + staticKey.length);
        b.putInt(identityKey.length).put(identityKey).putInt(signature.length).put(signature)
                .putInt(staticKey.length).put(staticKey);
        return b.flip();
    }

    /** The peer id of an entry that verified, or null. */
    PeerId get(ByteBuffer key) {
        return verified.get(key);
    }

    /** Adds an entry whose key decoded to {@code peer} and whose signature verified. */
    void add(ByteBuffer key, PeerId peer) {
        if (verified.size() >= MAX) {
            verified.clear();
        }
        verified.put(key, peer);
    }
}
