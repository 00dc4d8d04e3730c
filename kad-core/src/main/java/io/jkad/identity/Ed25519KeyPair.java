package io.jkad.identity;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.SecureRandomSpi;
import java.security.Signature;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.NamedParameterSpec;
import java.util.Arrays;

/**
 * An Ed25519 identity key pair on the JDK's own provider ({@code KeyPairGenerator} and
 * {@code Signature} "Ed25519"). Immutable.
 *
 * <p><b>Public key from a seed.</b> JDK 17 has no public API that derives an Ed25519 public key
 * from a private seed. {@link #fromSeed} therefore runs the JDK key pair generator with a
 * {@link SecureRandom} whose {@code nextBytes} hands out exactly the seed: OpenJDK's generator
 * draws the 32-byte private key from its random source and derives the public key from it. This
 * relies on provider behaviour, so it is checked on every call: the source refuses any request
 * other than one of 32 bytes, and the generated private key must equal the seed; otherwise
 * {@code fromSeed} throws {@link IllegalStateException} instead of returning a wrong pair. (The
 * alternatives were our own curve arithmetic or BouncyCastle; this keeps all Ed25519 arithmetic
 * in the JDK.)
 */
public final class Ed25519KeyPair {

    static final int SEED_LENGTH = 32;

    private final byte[] seed;
    private final Ed25519PublicKey publicKey;
    private final PrivateKey privateKey;

    private Ed25519KeyPair(byte[] seed, Ed25519PublicKey publicKey, PrivateKey privateKey) {
        this.seed = seed;
        this.publicKey = publicKey;
        this.privateKey = privateKey;
    }

    /** A new key pair from the JDK's default secure random source. */
    public static Ed25519KeyPair generate() {
        try {
            return of(KeyPairGenerator.getInstance("Ed25519").generateKeyPair());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK provides no Ed25519", e);
        }
    }

    /** A new key pair whose seed comes from {@code random}. */
    public static Ed25519KeyPair generate(SecureRandom random) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
            generator.initialize(NamedParameterSpec.ED25519, random);
            return of(generator.generateKeyPair());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK provides no Ed25519", e);
        }
    }

    /**
     * The key pair of a 32-byte seed (RFC 8032 private key). See the class comment for how the
     * public key is derived.
     *
     * @throws IllegalArgumentException if {@code seed} is not 32 bytes
     * @throws IllegalStateException if the JDK's generator does not take the seed as its private key
     */
    public static Ed25519KeyPair fromSeed(byte[] seed) {
        if (seed.length != SEED_LENGTH) {
            throw new IllegalArgumentException("Ed25519 seed must be 32 bytes, got " + seed.length);
        }
        return fromSeed(seed, 0);
    }

    private static Ed25519KeyPair fromSeed(byte[] buf, int offset) {
        byte[] seed = Arrays.copyOfRange(buf, offset, offset + SEED_LENGTH);
        KeyPair pair;
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
            generator.initialize(NamedParameterSpec.ED25519, new SeedSource(seed));
            pair = generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK provides no Ed25519", e);
        }
        Ed25519KeyPair result = of(pair);
        if (!Arrays.equals(result.seed, seed)) {
            throw new IllegalStateException("the JDK's Ed25519 generator did not use the given seed as its private key");
        }
        return result;
    }

    private static Ed25519KeyPair of(KeyPair pair) {
        EdECPrivateKey priv = (EdECPrivateKey) pair.getPrivate();
        byte[] seed = priv.getBytes().orElseThrow(() -> new IllegalStateException("Ed25519 private key hides its bytes"));
        byte[] spki = pair.getPublic().getEncoded();
        if (spki.length != 44) {
            throw new IllegalStateException("unexpected Ed25519 SubjectPublicKeyInfo length " + spki.length);
        }
        return new Ed25519KeyPair(seed, Ed25519PublicKey.trusted(Arrays.copyOfRange(spki, 12, 44)), priv);
    }

    /**
     * Decodes the libp2p {@code PrivateKey} protobuf: Ed25519 data of 64 bytes
     * ({@code seed || public}) or the legacy 96 bytes ({@code seed || public || public}).
     *
     * @throws IllegalArgumentException if malformed, not Ed25519, of another length, the two
     *     public copies of the legacy form differ, or the public half does not match the seed
     */
    public static Ed25519KeyPair decodeProtobuf(byte[] encoded) {
        long parsed = KeyProtobuf.parse(encoded, 0, encoded.length, "PrivateKey");
        int type = KeyProtobuf.type(parsed);
        if (type != KeyProtobuf.ED25519) {
            throw new IllegalArgumentException("PrivateKey is of type " + KeyProtobuf.typeName(type) + ", not Ed25519");
        }
        int offset = KeyProtobuf.dataOffset(parsed);
        int length = KeyProtobuf.dataLength(parsed);
        if (length != 64 && length != 96) {
            throw new IllegalArgumentException("Ed25519 PrivateKey Data must be 64 bytes (seed || public)"
                    + " or the legacy 96 (seed || public || public), got " + length);
        }
        int pub = offset + SEED_LENGTH;
        if (length == 96 && !Arrays.equals(encoded, pub, pub + 32, encoded, pub + 32, pub + 64)) {
            throw new IllegalArgumentException("legacy 96-byte Ed25519 PrivateKey: the two copies of the public key differ");
        }
        Ed25519KeyPair pair = fromSeed(encoded, offset);
        byte[] derived = pair.publicKey.raw();
        if (!Arrays.equals(derived, 0, 32, encoded, pub, pub + 32)) {
            throw new IllegalArgumentException("Ed25519 PrivateKey: the public half does not match the seed");
        }
        return pair;
    }

    /** The libp2p {@code PrivateKey} protobuf with the 64-byte form (68 bytes in all). */
    public byte[] encodeProtobuf() {
        byte[] data = Arrays.copyOf(seed, 64);
        publicKey.copyRawTo(data, SEED_LENGTH);
        byte[] out = KeyProtobuf.encode(KeyProtobuf.ED25519, data);
        Arrays.fill(data, (byte) 0);
        return out;
    }

    /** The 32-byte seed (a copy). */
    public byte[] seed() {
        return seed.clone();
    }

    public Ed25519PublicKey publicKey() {
        return publicKey;
    }

    public PeerId peerId() {
        return PeerId.fromPublicKey(publicKey());
    }

    /** The 64-byte RFC 8032 signature of {@code data}. */
    public byte[] sign(byte[] data) {
        try {
            Signature signer = Signature.getInstance("Ed25519");
            signer.initSign(privateKey);
            signer.update(data);
            return signer.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }

    /** Names the peer only, never the secret. */
    @Override
    public String toString() {
        return "Ed25519KeyPair(" + peerId() + ")";
    }

    /** A random source that yields one given 32-byte seed, once, and refuses anything else. */
    private static final class SeedSource extends SecureRandom {
        private static final long serialVersionUID = 1L;
        private transient byte[] seed;

        SeedSource(byte[] seed) {
            super(new RefusingSpi(), null);
            this.seed = seed;
        }

        @Override
        public void nextBytes(byte[] bytes) {
            if (seed == null || bytes.length != SEED_LENGTH) {
                throw new IllegalStateException("the JDK's Ed25519 generator asked for " + bytes.length
                        + " random bytes" + (seed == null ? " a second time" : "") + "; expected one request of 32");
            }
            System.arraycopy(seed, 0, bytes, 0, SEED_LENGTH);
            seed = null;
        }
    }

    private static final class RefusingSpi extends SecureRandomSpi {
        private static final long serialVersionUID = 1L;

        @Override
        protected void engineSetSeed(byte[] seed) {
            // Seeding from outside is ignored: this source only ever yields its one seed.
        }

        @Override
        protected void engineNextBytes(byte[] bytes) {
            throw new IllegalStateException("the seed source yields only its seed");
        }

        @Override
        protected byte[] engineGenerateSeed(int numBytes) {
            throw new IllegalStateException("the seed source yields only its seed");
        }
    }
}
