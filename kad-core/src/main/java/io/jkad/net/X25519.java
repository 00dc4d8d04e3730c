package io.jkad.net;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.XECPrivateKey;
import java.security.interfaces.XECPublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import javax.crypto.KeyAgreement;

/**
 * X25519 (RFC 7748) on the JDK's {@code XDH} provider, with the raw 32-byte little-endian
 * encodings that Noise puts on the wire.
 */
final class X25519 {

    static final int KEY_LENGTH = 32;

    /** An X25519 key pair: the JDK private key and the raw public key. */
    static final class KeyPair {
        private final PrivateKey privateKey;
        private final byte[] publicKey;

        private KeyPair(PrivateKey privateKey, byte[] publicKey) {
            this.privateKey = privateKey;
            this.publicKey = publicKey;
        }

        /** The raw 32-byte public key (a copy). */
        byte[] publicKey() {
            return publicKey.clone();
        }

        PrivateKey privateKey() {
            return privateKey;
        }
    }

    private X25519() {}

    /** A fresh random key pair. */
    static KeyPair generate(SecureRandom random) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("X25519");
            g.initialize(NamedParameterSpec.X25519, random);
            java.security.KeyPair kp = g.generateKeyPair();
            return new KeyPair(kp.getPrivate(), fromPublicKey((XECPublicKey) kp.getPublic()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("X25519 is not available in this JDK", e);
        }
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
        try {
            PrivateKey priv = KeyFactory.getInstance("XDH")
                    .generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, scalar.clone()));
            byte[] basePoint = new byte[KEY_LENGTH];
            basePoint[0] = 9;
            return new KeyPair(priv, dh(priv, basePoint));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("X25519 is not available in this JDK", e);
        }
    }

    /** The raw 32-byte private scalar of a key pair (for tests). */
    static byte[] privateScalar(KeyPair pair) {
        return ((XECPrivateKey) pair.privateKey).getScalar().orElseThrow();
    }

    /**
     * Noise's DH: the 32-byte shared secret of our private key and a raw remote public key.
     *
     * @throws GeneralSecurityException if the remote key is malformed or of small order (all-zero result)
     */
    static byte[] dh(PrivateKey privateKey, byte[] remotePublic) throws GeneralSecurityException {
        KeyAgreement ka = KeyAgreement.getInstance("XDH");
        ka.init(privateKey);
        ka.doPhase(toPublicKey(remotePublic), true);
        return ka.generateSecret();
    }

    /**
     * A JDK public key of raw RFC 7748 bytes (little-endian u, top bit masked).
     *
     * @throws GeneralSecurityException if {@code raw} is not 32 bytes
     */
    static PublicKey toPublicKey(byte[] raw) throws GeneralSecurityException {
        if (raw.length != KEY_LENGTH) {
            throw new GeneralSecurityException("X25519 public key must be 32 bytes: " + raw.length);
        }
        byte[] be = new byte[KEY_LENGTH];
        for (int i = 0; i < KEY_LENGTH; i++) {
            be[i] = raw[KEY_LENGTH - 1 - i];
        }
        be[0] &= 0x7F;
        BigInteger u = new BigInteger(1, be);
        return KeyFactory.getInstance("XDH").generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, u));
    }

    /** The raw 32-byte little-endian encoding of a JDK public key. */
    static byte[] fromPublicKey(XECPublicKey key) {
        byte[] be = key.getU().toByteArray();
        byte[] out = new byte[KEY_LENGTH];
        for (int i = 0; i < Math.min(KEY_LENGTH, be.length); i++) {
            out[i] = be[be.length - 1 - i];
        }
        return out;
    }
}
