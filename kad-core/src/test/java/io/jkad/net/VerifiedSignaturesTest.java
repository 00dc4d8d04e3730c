package io.jkad.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.identity.Ed25519KeyPair;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

/** {@link VerifiedSignatures} through {@link NoiseHandler#verifyPayload}, and the reused {@link NoiseHandler.StaticKey}. */
class VerifiedSignaturesTest {

    private static final SecureRandom RANDOM = new SecureRandom();

    @Test
    void aVerifiedPayloadIsRememberedAndABadOneNever() throws Exception {
        Ed25519KeyPair remote = Ed25519KeyPair.generate();
        Ed25519KeyPair self = Ed25519KeyPair.generate();
        NoiseHandler.StaticKey key = NoiseHandler.StaticKey.create(remote);
        VerifiedSignatures cache = new VerifiedSignatures();
        byte[] staticPublic = key.keyPair().publicKey();

        assertThat(NoiseHandler.verifyPayload(key.payload(), staticPublic, remote.peerId(), self.peerId(), cache))
                .isEqualTo(remote.peerId());
        assertThat(cache.get(VerifiedSignatures.key(remote.publicKey().encodeProtobuf(),
                signatureOf(key.payload()), staticPublic))).isEqualTo(remote.peerId());
        // a hit gives the peer id the key decoded to, and still checks the rest: the expected peer, ourselves
        assertThat(NoiseHandler.verifyPayload(key.payload(), staticPublic, null, self.peerId(), cache))
                .isEqualTo(remote.peerId());
        Ed25519KeyPair other = Ed25519KeyPair.generate();
        assertThatThrownBy(() -> NoiseHandler.verifyPayload(key.payload(), staticPublic, other.peerId(), self.peerId(),
                cache)).isInstanceOf(HandshakeException.class).hasMessageContaining("dialed");
        assertThatThrownBy(() -> NoiseHandler.verifyPayload(key.payload(), staticPublic, null, remote.peerId(),
                cache)).isInstanceOf(HandshakeException.class).hasMessageContaining("our own peer id");
        // the same signed payload over another static key is refused, every time, and not remembered
        byte[] otherStatic = X25519.generate(RANDOM).publicKey();
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> NoiseHandler.verifyPayload(key.payload(), otherStatic, remote.peerId(),
                    self.peerId(), cache)).isInstanceOf(HandshakeException.class).hasMessageContaining("bad identity signature");
        }
        assertThat(cache.get(VerifiedSignatures.key(remote.publicKey().encodeProtobuf(),
                signatureOf(key.payload()), otherStatic))).isNull();
    }

    @Test
    void theCacheIsBounded() {
        VerifiedSignatures cache = new VerifiedSignatures();
        io.jkad.identity.PeerId peer = Ed25519KeyPair.generate().peerId();
        for (int i = 0; i <= VerifiedSignatures.MAX; i++) {
            cache.add(VerifiedSignatures.key(new byte[] {1}, new byte[] {(byte) i, (byte) (i >> 8)}, new byte[] {2}), peer);
        }
        assertThat(cache.get(VerifiedSignatures.key(new byte[] {1}, new byte[] {0, 0}, new byte[] {2}))).isNull();
        int last = VerifiedSignatures.MAX;
        assertThat(cache.get(VerifiedSignatures.key(new byte[] {1}, new byte[] {(byte) last, (byte) (last >> 8)},
                new byte[] {2}))).isEqualTo(peer);
    }

    private static byte[] signatureOf(byte[] payload) throws Exception {
        return io.jkad.net.pb.NoiseProto.NoiseHandshakePayload.parseFrom(payload).getIdentitySig().toByteArray();
    }
}
