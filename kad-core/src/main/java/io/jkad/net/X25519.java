package io.jkad.net;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;

/**
 * X25519 (RFC 7748) with the raw 32-byte little-endian encodings that Noise puts on the wire, on
 * BouncyCastle's constant-time field arithmetic ({@code org.bouncycastle.math.ec.rfc7748}): a
 * Noise handshake does two key generations and three DH per side, and the JDK's {@code XDH}
 * provider made those most of a handshake's CPU (a devnet of 200 nodes spent half its samples in
 * it).
 */
final class X25519 {

    static final int KEY_LENGTH = 32;

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

    /** A fresh random key pair. */
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
        if (remotePublic.length != KEY_LENGTH) {
            throw new GeneralSecurityException("X25519 public key must be 32 bytes: " + remotePublic.length);
        }
        byte[] secret = new byte[KEY_LENGTH];
        if (!org.bouncycastle.math.ec.rfc7748.X25519.calculateAgreement(privateKey, 0, remotePublic, 0, secret, 0)) {
            throw new GeneralSecurityException("X25519 shared secret is all zero (a small-order public key)");
        }
        return secret;
    }
}
