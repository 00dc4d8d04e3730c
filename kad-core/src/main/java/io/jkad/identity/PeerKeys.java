package io.jkad.identity;

import com.google.protobuf.CodedInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;
import java.util.Map;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSAPublicKey;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.math.ec.ECPoint;

/**
 * A remote peer's identity key as carried in the Noise payload and in Identify: the libp2p
 * {@code PublicKey} protobuf. All four libp2p key types are accepted, as go-libp2p and
 * rust-libp2p send them:
 *
 * <ul>
 *   <li>Ed25519: the 32-byte key; verified with the JDK.
 *   <li>secp256k1: the 33-byte compressed point; signatures are DER ECDSA over SHA-256 of the
 *       message. The JDK has no such curve, so BouncyCastle's lightweight API verifies (it is not
 *       registered as a JCA provider).
 *   <li>ECDSA: a PKIX (X.509 SubjectPublicKeyInfo) DER key on a named curve, P-224, P-256, P-384 or
 *       P-521 (what go's {@code x509.ParsePKIXPublicKey} accepts; rust-libp2p makes and reads only
 *       P-256); signatures are DER ECDSA over SHA-256. Verified with BouncyCastle too.
 *   <li>RSA: a PKIX DER key; signatures RSASSA-PKCS1-v1_5 with SHA-256, verified with the JDK.
 *       Only moduli of {@value #MIN_RSA_BITS}..{@value #MAX_RSA_BITS} bits with public exponent
 *       65537 are accepted, checked before any signature work (a huge exponent makes every
 *       verification slow).
 * </ul>
 *
 * <p>ECDSA signatures (secp256k1 and NIST curves) with a high S are accepted, as neither go nor
 * rust requires a low S. go-libp2p verifies secp256k1 with decred's {@code ParseDERSignature} and
 * {@code Signature.Verify}, which check only 1 &lt;= r, s &lt; n; rust-libp2p verifies with the
 * libsecp256k1 crate's {@code Signature::parse_der} and {@code verify}, which do not check S
 * either (only signing normalizes it to low S). For the NIST curves a low S cannot be required
 * at all: go's {@code crypto/ecdsa} signs with whichever S comes out, half of them high.
 *
 * <p>Signatures must be strict DER. go's and rust's secp256k1 parsers and rust's ECDSA parser are
 * strict too; go's ECDSA verifier ({@code asn1.Unmarshal}) also rejects non-minimal integers and
 * lengths but ignores bytes after the signature, which jkad refuses. Both sign exact DER, so this
 * refuses nothing a go or rust peer sends.
 */
public final class PeerKeys {

    public static final int TYPE_RSA = 0;
    public static final int TYPE_ED25519 = 1;
    public static final int TYPE_SECP256K1 = 2;
    public static final int TYPE_ECDSA = 3;

    /**
     * The smallest RSA modulus accepted. go-libp2p refuses keys under 2048 bits
     * ({@code MinRsaKeyBits} in core/crypto/rsa_common.go, lowered to 512 only by the test-only
     * {@code LIBP2P_ALLOW_WEAK_RSA_KEYS} environment variable); rust-libp2p verifies with ring's
     * {@code RSA_PKCS1_2048_8192_SHA256}, which also needs 2048.
     */
    static final int MIN_RSA_BITS = 2048;
    /** The largest RSA modulus accepted: go-libp2p's {@code maxRsaKeyBits} and ring's limit, 8192. */
    static final int MAX_RSA_BITS = 8192;
    /** The only RSA public exponent accepted: what go's {@code rsa.GenerateKey} and everyone else use. */
    static final BigInteger RSA_EXPONENT = BigInteger.valueOf(65537);
    /** Longer signatures are refused unparsed: a P-521 DER signature is at most 139 bytes. */
    private static final int MAX_ECDSA_SIGNATURE = 160;

    private static final ECDomainParameters SECP256K1 = domain(SECObjectIdentifiers.secp256k1);
    /** The NIST curves that a libp2p ECDSA key may name, with their names for errors. */
    private static final Map<ASN1ObjectIdentifier, String> ECDSA_CURVES = Map.of(
            SECObjectIdentifiers.secp224r1, "P-224",
            X9ObjectIdentifiers.prime256v1, "P-256",
            SECObjectIdentifiers.secp384r1, "P-384",
            SECObjectIdentifiers.secp521r1, "P-521");

    /** A decoded remote key: its peer id and how to verify its signatures. */
    public static final class RemoteKey {
        private final PeerId peerId;
        private final Ed25519PublicKey ed25519;
        private final PublicKey rsa;
        private final ECPublicKeyParameters ec;

        private RemoteKey(PeerId peerId, Ed25519PublicKey ed25519, PublicKey rsa, ECPublicKeyParameters ec) {
            this.peerId = peerId;
            this.ed25519 = ed25519;
            this.rsa = rsa;
            this.ec = ec;
        }

        public PeerId peerId() {
            return peerId;
        }

        /** Verifies a signature with this key; false for a bad or malformed signature. */
        public boolean verify(byte[] data, byte[] signature) {
            if (ed25519 != null) {
                return ed25519.verify(data, signature);
            }
            if (ec != null) {
                return verifyEcdsa(ec, data, signature);
            }
            try {
                Signature s = Signature.getInstance("SHA256withRSA");
                s.initVerify(rsa);
                s.update(data);
                return s.verify(signature);
            } catch (GeneralSecurityException | RuntimeException e) {
                return false;
            }
        }
    }

    private PeerKeys() {}

    /**
     * Decodes a libp2p {@code PublicKey} protobuf.
     *
     * @throws IllegalArgumentException if it is malformed, of an unsupported type, on an
     *     unsupported curve, or an RSA key outside the accepted size or exponent
     */
    public static RemoteKey decode(byte[] protobuf) {
        int type = -1;
        byte[] data = null;
        try {
            CodedInputStream in = CodedInputStream.newInstance(protobuf);
            int tag;
            while ((tag = in.readTag()) != 0) {
                if (tag == 0x08) {
                    type = in.readEnum();
                } else if (tag == 0x12) {
                    data = in.readByteArray();
                } else if (!in.skipField(tag)) {
                    break;
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed PublicKey protobuf: " + e.getMessage(), e);
        }
        if (type < 0 || data == null) {
            throw new IllegalArgumentException("PublicKey protobuf lacks " + (type < 0 ? "Type" : "Data"));
        }
        switch (type) {
            case TYPE_ED25519: {
                Ed25519PublicKey key = Ed25519PublicKey.fromRaw(data);
                return new RemoteKey(PeerId.fromPublicKey(key), key, null, null);
            }
            // The key is checked before the peer id is derived, so that errors name the key's problem.
            case TYPE_SECP256K1: {
                ECPublicKeyParameters key = secp256k1Key(data);
                return new RemoteKey(peerIdOfProtobuf(protobuf), null, null, key);
            }
            case TYPE_ECDSA: {
                ECPublicKeyParameters key = ecdsaKey(data);
                return new RemoteKey(peerIdOfProtobuf(protobuf), null, null, key);
            }
            case TYPE_RSA: {
                PublicKey key = rsaKey(data);
                return new RemoteKey(peerIdOfProtobuf(protobuf), null, key, null);
            }
            default:
                throw new IllegalArgumentException("unknown identity key type: " + type);
        }
    }

    /** The 33-byte compressed point (what go and rust send; the peer id format allows only it). */
    private static ECPublicKeyParameters secp256k1Key(byte[] data) {
        if (data.length != 33 || (data[0] != 0x02 && data[0] != 0x03)) {
            throw new IllegalArgumentException("malformed secp256k1 public key: expected a 33-byte compressed point"
                    + " (0x02 or 0x03 then 32 bytes), got " + data.length + " bytes"
                    + (data.length > 0 ? " starting 0x" + Integer.toHexString(data[0] & 0xFF) : ""));
        }
        return ecPoint(SECP256K1, data, "secp256k1");
    }

    private static ECPublicKeyParameters ecdsaKey(byte[] data) {
        SubjectPublicKeyInfo spki = spki(data, "ECDSA");
        ASN1ObjectIdentifier algorithm = spki.getAlgorithm().getAlgorithm();
        if (!X9ObjectIdentifiers.id_ecPublicKey.equals(algorithm)) {
            throw new IllegalArgumentException("ECDSA public key has algorithm " + algorithm
                    + ", not id-ecPublicKey (1.2.840.10045.2.1)");
        }
        ASN1Encodable parameters = spki.getAlgorithm().getParameters();
        if (!(parameters instanceof ASN1ObjectIdentifier)) {
            throw new IllegalArgumentException("ECDSA public key does not name its curve (explicit or absent curve"
                    + " parameters are not accepted)");
        }
        ASN1ObjectIdentifier curve = (ASN1ObjectIdentifier) parameters;
        String name = ECDSA_CURVES.get(curve);
        if (name == null) {
            throw new IllegalArgumentException("ECDSA public key on unsupported curve " + curve
                    + " (accepted: P-224, P-256, P-384, P-521)");
        }
        byte[] point;
        try {
            point = spki.getPublicKeyData().getOctets();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("malformed ECDSA " + name + " public key: " + e.getMessage(), e);
        }
        return ecPoint(domain(curve), point, "ECDSA " + name);
    }

    private static PublicKey rsaKey(byte[] data) {
        SubjectPublicKeyInfo spki = spki(data, "RSA");
        ASN1ObjectIdentifier algorithm = spki.getAlgorithm().getAlgorithm();
        if (!PKCSObjectIdentifiers.rsaEncryption.equals(algorithm)) {
            throw new IllegalArgumentException("RSA public key has algorithm " + algorithm
                    + ", not rsaEncryption (1.2.840.113549.1.1.1)");
        }
        RSAPublicKey key;
        try {
            key = RSAPublicKey.getInstance(spki.parsePublicKey());
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("malformed RSA public key: " + e.getMessage(), e);
        }
        BigInteger modulus = key.getModulus();
        BigInteger exponent = key.getPublicExponent();
        int bits = modulus.bitLength();
        if (modulus.signum() <= 0 || bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
            throw new IllegalArgumentException("RSA public key of " + (modulus.signum() <= 0 ? "non-positive modulus" : bits + " bits")
                    + " refused: the modulus must have " + MIN_RSA_BITS + " to " + MAX_RSA_BITS + " bits");
        }
        if (!RSA_EXPONENT.equals(exponent)) {
            throw new IllegalArgumentException("RSA public key with exponent "
                    + (exponent.bitLength() > 64 ? "of " + exponent.bitLength() + " bits" : exponent.toString())
                    + " refused: only 65537 is accepted");
        }
        try {
            return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(modulus, exponent));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("malformed RSA public key: " + e.getMessage(), e);
        }
    }

    /** A SubjectPublicKeyInfo in DER: the exact bytes of the peer id, so no other encoding of it. */
    private static SubjectPublicKeyInfo spki(byte[] data, String what) {
        try {
            SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(ASN1Primitive.fromByteArray(data));
            if (spki == null || !Arrays.equals(spki.getEncoded(ASN1Encoding.DER), data)) {
                throw new IllegalArgumentException("not a DER SubjectPublicKeyInfo");
            }
            return spki;
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("malformed " + what + " public key: " + e.getMessage(), e);
        }
    }

    private static ECPublicKeyParameters ecPoint(ECDomainParameters domain, byte[] encoded, String what) {
        try {
            ECPoint point = domain.getCurve().decodePoint(encoded);
            // The constructor refuses the point at infinity and points off the curve or outside the group.
            return new ECPublicKeyParameters(point, domain);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("malformed " + what + " public key: " + e.getMessage(), e);
        }
    }

    private static ECDomainParameters domain(ASN1ObjectIdentifier curve) {
        X9ECParameters x9 = CustomNamedCurves.getByOID(curve);
        if (x9 == null) {
            throw new IllegalStateException("BouncyCastle lacks curve " + curve);
        }
        return new ECDomainParameters(x9);
    }

    /** DER {@code SEQUENCE { r INTEGER, s INTEGER }} over SHA-256 of the data. */
    private static boolean verifyEcdsa(ECPublicKeyParameters key, byte[] data, byte[] signature) {
        if (signature.length > MAX_ECDSA_SIGNATURE) {
            return false;
        }
        BigInteger r;
        BigInteger s;
        try {
            ASN1Sequence seq = ASN1Sequence.getInstance(ASN1Primitive.fromByteArray(signature));
            if (seq.size() != 2 || !Arrays.equals(seq.getEncoded(ASN1Encoding.DER), signature)) {
                return false;
            }
            r = ASN1Integer.getInstance(seq.getObjectAt(0)).getValue();
            s = ASN1Integer.getInstance(seq.getObjectAt(1)).getValue();
        } catch (IOException | RuntimeException e) {
            return false;
        }
        // ECDSASigner refuses r or s outside [1, n-1]; a high s (n/2 < s < n) is accepted.
        ECDSASigner signer = new ECDSASigner();
        signer.init(false, key);
        return signer.verifySignature(sha256(data), r, s);
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** The peer id of a serialized key: identity multihash up to 42 bytes, SHA-256 above. */
    private static PeerId peerIdOfProtobuf(byte[] protobuf) {
        byte[] mh;
        if (protobuf.length <= 42) {
            mh = new byte[2 + protobuf.length];
            mh[0] = 0x00;
            mh[1] = (byte) protobuf.length;
            System.arraycopy(protobuf, 0, mh, 2, protobuf.length);
        } else {
            byte[] digest = sha256(protobuf);
            mh = new byte[34];
            mh[0] = 0x12;
            mh[1] = 0x20;
            System.arraycopy(digest, 0, mh, 2, 32);
        }
        return PeerId.fromBytes(mh);
    }
}
