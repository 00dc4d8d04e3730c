package io.jkad.net;

import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.KeyAgreement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * X25519 (RFC 7748) with the raw 32-byte little-endian encodings that Noise puts on the wire.
 *
 * <p>Every new connection does two key generations and six agreements between its two ends, and
 * a devnet of 1,000 nodes spent 84 % of its CPU in them on BouncyCastle's Java field arithmetic.
 * So the arithmetic runs, where it can, in BoringSSL ({@link BoringSsl}, {@link Engine#BORINGSSL}:
 * an agreement in about 31 µs against BouncyCastle's 80 µs on the 2-core build machine), and
 * otherwise on BouncyCastle's constant-time code ({@link Engine#BOUNCY_CASTLE}). Both give the same
 * bytes; the tests run RFC 7748's vectors through each.
 */
final class X25519 {

    static final int KEY_LENGTH = 32;

    private static final Logger LOG = LoggerFactory.getLogger(X25519.class);

    /** Where the curve arithmetic runs. */
    enum Engine {
        /** BoringSSL's, through Conscrypt's JNI library (linux and macOS on x86-64 and arm64, windows on x86-64). */
        BORINGSSL,
        /** BouncyCastle's constant-time Java code. */
        BOUNCY_CASTLE
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Engine ENGINE = chooseEngine();

    /** An X25519 key pair: the raw private scalar and the raw public key. */
    static final class KeyPair {
        private final byte[] privateKey;
        private final byte[] publicKey;

        private KeyPair(byte[] privateKey, byte[] publicKey) {
            this.privateKey = privateKey;
            this.publicKey = publicKey;
        }

        /** The raw 32-byte public key (a copy). */
        byte[] publicKey() {
            return publicKey.clone();
        }

        /** The raw 32-byte private scalar (not a copy: do not change it). */
        byte[] privateKey() {
            return privateKey;
        }
    }

    private X25519() {}

    /** The engine this process uses. */
    static Engine engine() {
        return ENGINE;
    }

    /** A fresh key pair from the engine's own secure random source (the operating system's for BoringSSL). */
    static KeyPair generate() {
        return ENGINE == Engine.BORINGSSL ? Native.generate() : generate(RANDOM);
    }

    /** A fresh key pair whose scalar comes from {@code random}, on BouncyCastle (tests choose the source). */
    static KeyPair generate(SecureRandom random) {
        byte[] scalar = new byte[KEY_LENGTH];
        org.bouncycastle.math.ec.rfc7748.X25519.generatePrivateKey(random, scalar);
        return fromPrivate(scalar);
    }

    /**
     * The key pair of a raw 32-byte private scalar (used for test vectors).
     *
     * @throws IllegalArgumentException if {@code scalar} is not 32 bytes
     */
    static KeyPair fromPrivate(byte[] scalar) {
        if (scalar.length != KEY_LENGTH) {
            throw new IllegalArgumentException("X25519 private key must be 32 bytes: " + scalar.length);
        }
        byte[] pub = new byte[KEY_LENGTH];
        org.bouncycastle.math.ec.rfc7748.X25519.generatePublicKey(scalar, 0, pub, 0);
        return new KeyPair(scalar.clone(), pub);
    }

    /** The raw 32-byte private scalar of a key pair (for tests). */
    static byte[] privateScalar(KeyPair pair) {
        return pair.privateKey.clone();
    }

    /**
     * Noise's DH: the 32-byte shared secret of our private key and a raw remote public key.
     *
     * @throws GeneralSecurityException if the remote key is malformed or of small order (all-zero result)
     */
    static byte[] dh(byte[] privateKey, byte[] remotePublic) throws GeneralSecurityException {
        return dh(ENGINE, privateKey, remotePublic);
    }

    /** As {@link #dh(byte[], byte[])} on a given engine (tests compare the engines). */
    static byte[] dh(Engine engine, byte[] privateKey, byte[] remotePublic) throws GeneralSecurityException {
        if (remotePublic.length != KEY_LENGTH) {
            throw new GeneralSecurityException("X25519 public key must be 32 bytes: " + remotePublic.length);
        }
        if (privateKey.length != KEY_LENGTH) {
            throw new GeneralSecurityException("X25519 private key must be 32 bytes: " + privateKey.length);
        }
        byte[] secret = engine == Engine.BORINGSSL ? Native.agree(privateKey, remotePublic) : bouncyCastle(privateKey, remotePublic);
        if (secret == null) {
            throw new GeneralSecurityException("X25519 shared secret is all zero (a small-order public key)");
        }
        return secret;
    }

    private static byte[] bouncyCastle(byte[] privateKey, byte[] remotePublic) {
        byte[] secret = new byte[KEY_LENGTH];
        return org.bouncycastle.math.ec.rfc7748.X25519.calculateAgreement(privateKey, 0, remotePublic, 0, secret, 0)
                ? secret : null;
    }

    private static Engine chooseEngine() {
        if (BoringSsl.provider().isEmpty()) {
            return Engine.BOUNCY_CASTLE;
        }
        try {
            Native.selfTest();
            return Engine.BORINGSSL;
        } catch (Exception | LinkageError e) {
            LOG.warn("X25519 on BouncyCastle's Java code: BoringSSL's failed its check ({})", e.toString());
            return Engine.BOUNCY_CASTLE;
        }
    }

    /**
     * BoringSSL's, used only once {@link BoringSsl} has loaded it. One {@link KeyAgreement} and
     * generator per thread: they are not thread-safe.
     */
    private static final class Native {
        private static final Provider PROVIDER = BoringSsl.provider().orElseThrow();
        private static final ThreadLocal<KeyAgreement> AGREEMENT = ThreadLocal.withInitial(() -> {
            try {
                return KeyAgreement.getInstance("XDH", PROVIDER);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("Conscrypt has no XDH key agreement", e);
            }
        });
        private static final ThreadLocal<KeyPairGenerator> GENERATOR = ThreadLocal.withInitial(() -> {
            try {
                return KeyPairGenerator.getInstance("XDH", PROVIDER);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("Conscrypt has no XDH key pair generator", e);
            }
        });

        /** Loads the library and checks one agreement against BouncyCastle's before it is trusted. */
        static void selfTest() throws GeneralSecurityException {
            KeyPair a = X25519.generate(RANDOM);
            KeyPair b = Native.generate();
            byte[] ours = agree(a.privateKey, b.publicKey);
            byte[] theirs = bouncyCastle(b.privateKey, a.publicKey);
            if (ours == null || !Arrays.equals(ours, theirs)) {
                throw new GeneralSecurityException("Conscrypt's X25519 disagrees with BouncyCastle's");
            }
        }

        static KeyPair generate() {
            java.security.KeyPair pair = GENERATOR.get().generateKeyPair();
            return new KeyPair(((org.conscrypt.OpenSSLX25519PrivateKey) pair.getPrivate()).getU(),
                    ((org.conscrypt.OpenSSLX25519PublicKey) pair.getPublic()).getU());
        }

        /** The shared secret, or null when it is all zero (BoringSSL refuses a small-order key). */
        static byte[] agree(byte[] privateKey, byte[] remotePublic) throws GeneralSecurityException {
            KeyAgreement agreement = AGREEMENT.get();
            agreement.init(new org.conscrypt.OpenSSLX25519PrivateKey(privateKey));
            try {
                agreement.doPhase(new org.conscrypt.OpenSSLX25519PublicKey(remotePublic), true);
                return agreement.generateSecret();
            } catch (InvalidKeyException e) {
                // BoringSSL's X25519 fails only when the result is all zero; Conscrypt reports it so.
                return null;
            }
        }
    }
}
