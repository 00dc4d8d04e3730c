package io.jkad.net;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The Noise handshake state for {@code Noise_XX_25519_ChaChaPoly_SHA256} (Noise rev. 34), on JDK
 * primitives only. Pattern XX:
 *
 * <pre>
 *   -> e
 *   <- e, ee, s, es
 *   -> s, se
 * </pre>
 *
 * <p>The static and ephemeral keys can be injected (package-private) so the framework test
 * vectors can be reproduced. Not thread-safe; one instance per connection.
 */
final class NoiseHandshake {

    static final byte[] PROTOCOL_NAME = "Noise_XX_25519_ChaChaPoly_SHA256".getBytes(StandardCharsets.US_ASCII);
    static final int DH_LENGTH = 32;
    static final int HASH_LENGTH = 32;

    private final boolean initiator;
    private final X25519.KeyPair localStatic;
    private final Supplier<X25519.KeyPair> ephemeralSource;

    // SymmetricState
    private byte[] ck;
    private byte[] h;
    private CipherState cipher; // null until the first MixKey
    // HandshakeState
    private X25519.KeyPair localEphemeral;
    private byte[] remoteStatic;
    private byte[] remoteEphemeral;
    private int messageIndex;
    private CipherState[] split;

    /**
     * @param initiator whether we send the first message
     * @param localStatic our static key pair
     * @param prologue the prologue (empty for libp2p over TCP)
     * @param ephemeralSource makes our ephemeral key when message 1 (initiator) or 2 (responder) is written
     */
    NoiseHandshake(boolean initiator, X25519.KeyPair localStatic, byte[] prologue,
                   Supplier<X25519.KeyPair> ephemeralSource) {
        this.initiator = initiator;
        this.localStatic = localStatic;
        this.ephemeralSource = ephemeralSource;
        // The name is exactly HASHLEN bytes, so it is used as h directly.
        this.h = PROTOCOL_NAME.clone();
        this.ck = h.clone();
        mixHash(prologue);
    }

    boolean isInitiator() {
        return initiator;
    }

    /** Whether it is our turn to write. */
    boolean isMyTurn() {
        return !isComplete() && (messageIndex % 2 == 0) == initiator;
    }

    boolean isComplete() {
        return messageIndex >= 3;
    }

    /** The remote static public key (raw), once received. */
    byte[] remoteStatic() {
        return remoteStatic == null ? null : remoteStatic.clone();
    }

    /** Our static public key (raw). */
    byte[] localStaticPublic() {
        return localStatic.publicKey();
    }

    /** The handshake hash h (for channel binding and tests). */
    byte[] handshakeHash() {
        return h.clone();
    }

    /**
     * Writes the next handshake message carrying {@code payload}.
     *
     * @throws IllegalStateException if it is not our turn
     * @throws GeneralSecurityException if a DH or encryption fails
     */
    byte[] writeMessage(byte[] payload) throws GeneralSecurityException {
        if (!isMyTurn()) {
            throw new IllegalStateException("not our turn to write (message " + (messageIndex + 1) + ")");
        }
        Out out = new Out();
        switch (messageIndex) {
            case 0: // -> e
                writeEphemeral(out);
                break;
            case 1: // <- e, ee, s, es
                writeEphemeral(out);
                mixKey(X25519.dh(localEphemeral.privateKey(), remoteEphemeral));
                out.add(encryptAndHash(localStatic.publicKey()));
                mixKey(X25519.dh(localStatic.privateKey(), remoteEphemeral));
                break;
            case 2: // -> s, se
                out.add(encryptAndHash(localStatic.publicKey()));
                mixKey(X25519.dh(localStatic.privateKey(), remoteEphemeral));
                break;
            default:
                throw new IllegalStateException("handshake complete");
        }
        out.add(encryptAndHash(payload));
        advance();
        return out.toBytes();
    }

    /**
     * Reads the remote's next handshake message and returns its decrypted payload.
     *
     * @throws IllegalStateException if it is our turn to write
     * @throws GeneralSecurityException if the message is too short, a DH fails or authentication fails
     */
    byte[] readMessage(byte[] message) throws GeneralSecurityException {
        if (isComplete() || isMyTurn()) {
            throw new IllegalStateException("not expecting a message now (message " + (messageIndex + 1) + ")");
        }
        int pos = 0;
        switch (messageIndex) {
            case 0: // -> e
                pos = readEphemeral(message, pos);
                break;
            case 1: // <- e, ee, s, es
                pos = readEphemeral(message, pos);
                mixKey(X25519.dh(localEphemeral.privateKey(), remoteEphemeral));
                pos = readStatic(message, pos);
                mixKey(X25519.dh(localEphemeral.privateKey(), remoteStatic));
                break;
            case 2: // -> s, se
                pos = readStatic(message, pos);
                mixKey(X25519.dh(localEphemeral.privateKey(), remoteStatic));
                break;
            default:
                throw new IllegalStateException("handshake complete");
        }
        byte[] payload = decryptAndHash(Arrays.copyOfRange(message, pos, message.length));
        advance();
        return payload;
    }

    /**
     * The transport cipher states after the last message: {@code [send, receive]} from our point of view.
     *
     * @throws IllegalStateException before the handshake is complete
     */
    CipherState[] transportCiphers() {
        if (split == null) {
            throw new IllegalStateException("handshake not complete");
        }
        return split.clone();
    }

    private void advance() throws GeneralSecurityException {
        messageIndex++;
        if (messageIndex == 3) {
            byte[][] keys = hkdf(ck, new byte[0]);
            CipherState c1 = new CipherState(Arrays.copyOf(keys[0], 32));
            CipherState c2 = new CipherState(Arrays.copyOf(keys[1], 32));
            split = initiator ? new CipherState[] {c1, c2} : new CipherState[] {c2, c1};
            cipher = null;
            localEphemeral = null;
        }
    }

    private void writeEphemeral(Out out) {
        localEphemeral = ephemeralSource.get();
        byte[] pub = localEphemeral.publicKey();
        out.add(pub);
        mixHash(pub);
    }

    private int readEphemeral(byte[] message, int pos) throws GeneralSecurityException {
        if (message.length - pos < DH_LENGTH) {
            throw new GeneralSecurityException("handshake message too short for an ephemeral key: " + message.length);
        }
        remoteEphemeral = Arrays.copyOfRange(message, pos, pos + DH_LENGTH);
        mixHash(remoteEphemeral);
        return pos + DH_LENGTH;
    }

    private int readStatic(byte[] message, int pos) throws GeneralSecurityException {
        int len = DH_LENGTH + (cipher != null ? CipherState.TAG_LENGTH : 0);
        if (message.length - pos < len) {
            throw new GeneralSecurityException("handshake message too short for a static key: " + message.length);
        }
        remoteStatic = decryptAndHash(Arrays.copyOfRange(message, pos, pos + len));
        return pos + len;
    }

    // --- SymmetricState ---

    private void mixHash(byte[] data) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(h);
            sha.update(data);
            h = sha.digest();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    private void mixKey(byte[] inputKeyMaterial) throws GeneralSecurityException {
        byte[][] out = hkdf(ck, inputKeyMaterial);
        ck = out[0];
        cipher = new CipherState(Arrays.copyOf(out[1], 32));
    }

    private byte[] encryptAndHash(byte[] plaintext) throws GeneralSecurityException {
        byte[] c = cipher == null ? plaintext.clone() : cipher.encrypt(h, plaintext);
        mixHash(c);
        return c;
    }

    private byte[] decryptAndHash(byte[] ciphertext) throws GeneralSecurityException {
        byte[] p = cipher == null ? ciphertext.clone() : cipher.decrypt(h, ciphertext);
        mixHash(ciphertext);
        return p;
    }

    /** Noise's HKDF with two outputs: HMAC-SHA256 extract then two chained expansions. */
    static byte[][] hkdf(byte[] chainingKey, byte[] inputKeyMaterial) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(chainingKey, "HmacSHA256"));
        byte[] tempKey = mac.doFinal(inputKeyMaterial);
        mac.init(new SecretKeySpec(tempKey, "HmacSHA256"));
        byte[] out1 = mac.doFinal(new byte[] {1});
        mac.update(out1);
        byte[] out2 = mac.doFinal(new byte[] {2});
        return new byte[][] {out1, out2};
    }

    private static final class Out {
        private byte[] buf = new byte[0];

        void add(byte[] b) {
            byte[] n = Arrays.copyOf(buf, buf.length + b.length);
            System.arraycopy(b, 0, n, buf.length, b.length);
            buf = n;
        }

        byte[] toBytes() {
            return buf;
        }
    }
}
