package io.jkad.net;

import io.jkad.identity.PeerKeys;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPrivateCrtKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.pkcs.RSAPrivateKey;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;

/**
 * Non-Ed25519 libp2p identities for tests: the key vectors of the libp2p peer-id spec
 * (libp2p/specs, peer-ids/peer-ids.md, "Test vectors": hex {@code PrivateKey} / {@code PublicKey}
 * protobufs; the spec gives no peer ids) and signers that sign as go-libp2p and rust-libp2p do.
 */
public final class LibP2pTestKeys {

    private static final HexFormat HEX = HexFormat.of();
    private static final SecureRandom RANDOM = new SecureRandom();

    public static final String ECDSA_PRIVATE =
            "08031279307702010104203E5B1FE9712E6C314942A750BD67485DE3C1EFE85B1BFB520AE8F9AE3DFA4A4CA00A06082A" +
            "8648CE3D030107A14403420004DE3D300FA36AE0E8F5D530899D83ABAB44ABF3161F162A4BC901D8E6ECDA020E8B6D5F" +
            "8DA30525E71D6851510C098E5C47C646A597FB4DCEC034E9F77C409E62";

    public static final String ECDSA_PUBLIC =
            "0803125b3059301306072a8648ce3d020106082a8648ce3d03010703420004de3d300fa36ae0e8f5d530899d83abab44" +
            "abf3161f162a4bc901d8e6ecda020e8b6d5f8da30525e71d6851510c098e5c47c646a597fb4dcec034e9f77c409e62";

    public static final String SECP256K1_PRIVATE =
            "0802122053DADF1D5A164D6B4ACDB15E24AA4C5B1D3461BDBD42ABEDB0A4404D56CED8FB";

    public static final String SECP256K1_PUBLIC =
            "08021221037777e994e452c21604f91de093ce415f5432f701dd8cd1a7a6fea0e630bfca99";

    public static final String RSA_PRIVATE =
            "080012ae123082092a0201000282020100e1beab071d08200bde24eef00d049449b07770ff9910257b2d7d5dda242ce8" +
            "f0e2f12e1af4b32d9efd2c090f66b0f29986dbb645dae9880089704a94e5066d594162ae6ee8892e6ec70701db0a6c44" +
            "5c04778eb3de1293aa1a23c3825b85c6620a2bc3f82f9b0c309bc0ab3aeb1873282bebd3da03c33e76c21e9beb172fd4" +
            "4c9e43be32e2c99827033cf8d0f0c606f4579326c930eb4e854395ad941256542c793902185153c474bed109d6ff5141" +
            "ebf9cd256cf58893a37f83729f97e7cb435ec679d2e33901d27bb35aa0d7e20561da08885ef0abbf8e2fb48d6a548704" +
            "7a9ecb1ad41fa7ed84f6e3e8ecd5d98b3982d2a901b4454991766da295ab78822add5612a2df83bcee814cf50973e80d" +
            "7ef38111b1bd87da2ae92438a2c8cbcc70b31ee319939a3b9c761dbc13b5c086d6b64bf7ae7dacc14622375d92a8ff9a" +
            "f7eb962162bbddebf90acb32adb5e4e4029f1c96019949ecfbfeffd7ac1e3fbcc6b6168c34be3d5a2e5999fcbb39bba7" +
            "adbca78eab09b9bc39f7fa4b93411f4cc175e70c0a083e96bfaefb04a9580b4753c1738a6a760ae1afd851a1a4bdad23" +
            "1cf56e9284d832483df215a46c1c21bdf0c6cfe951c18f1ee4078c79c13d63edb6e14feaeffabc90ad317e4875fe6481" +
            "01b0864097e998f0ca3025ef9638cd2b0caecd3770ab54a1d9c6ca959b0f5dcbc90caeefc4135baca6fd475224269bbe" +
            "1b02030100010282020100a472ffa858efd8588ce59ee264b957452f3673acdf5631d7bfd5ba0ef59779c231b0bc838a" +
            "8b14cae367b6d9ef572c03c7883b0a3c652f5c24c316b1ccfd979f13d0cd7da20c7d34d9ec32dfdc81ee7292167e706d" +
            "705efde5b8f3edfcba41409e642f8897357df5d320d21c43b33600a7ae4e505db957c1afbc189d73f0b5d972d9aaaeeb" +
            "232ca20eebd5de6fe7f29d01470354413cc9a0af1154b7af7c1029adcd67c74b4798afeb69e09f2cb387305e73a1b5f4" +
            "50202d54f0ef096fe1bde340219a1194d1ac9026e90b366cce0c59b239d10e4888f52ca1780824d39ae01a6b9f4dd605" +
            "9191a7f12b2a3d8db3c2868cd4e5a5862b8b625a4197d52c6ac77710116ebd3ced81c4d91ad5fdfbed68312ebce7eea4" +
            "5c1833ca3acf7da2052820eacf5c6b07d086dabeb893391c71417fd8a4b1829ae2cf60d1749d0e25da19530d889461c2" +
            "1da3492a8dc6ccac7de83ac1c2185262c7473c8cc42f547cc9864b02a8073b6aa54a037d8c0de3914784e6205e83d979" +
            "18b944f11b877b12084c0dd1d36592f8a4f8b8da5bb404c3d2c079b22b6ceabfbcb637c0dbe0201f0909d533f8bf308a" +
            "da47aee641a012a494d31b54c974e58b87f140258258bb82f31692659db7aa07e17a5b2a0832c24e122d3a8babcc9ee7" +
            "4cbb07d3058bb85b15f6f6b2674aba9fd34367be9782d444335fbed31e3c4086c652597c27104938b47fa10282010100" +
            "e9fdf843c1550070ca711cb8ff28411466198f0e212511c3186623890c0071bf6561219682fe7dbdfd81176eba7c4fab" +
            "a21614a20721e0fcd63768e6d925688ecc90992059ac89256e0524de90bf3d8a052ce6a9f6adafa712f3107a016e20c8" +
            "0255c9e37d8206d1bc327e06e66eb24288da866b55904fd8b59e6b2ab31bc5eab47e597093c63fab7872102d57b4c589" +
            "c66077f534a61f5f65127459a33c91f6db61fc431b1ae90be92b4149a3255291baf94304e3efb77b1107b5a3bda91135" +
            "9c40a53c347ff9100baf8f36dc5cd991066b5bdc28b39ed644f404afe9213f4d31c9d4e40f3a5f5e3c39bebeb244e841" +
            "37544e1a1839c1c8aaebf0c78a7fad590282010100f6fa1f1e6b803742d5490b7441152f500970f46feb0b73a6e4baba" +
            "2aaf3c0e245ed852fc31d86a8e46eb48e90fac409989dfee45238f97e8f1f8e83a136488c1b04b8a7fb695f37b861630" +
            "7ff8a8d63e8cfa0b4fb9b9167ffaebabf111aa5a4344afbabd002ae8961c38c02da76a9149abdde93eb389eb32595c29" +
            "ba30d8283a7885218a5a9d33f7f01dbdf85f3aad016c071395491338ec318d39220e1c7bd69d3d6b520a13a30d745c10" +
            "2b827ad9984b0dd6aed73916ffa82a06c1c111e7047dcd2668f988a0570a71474992eecf416e068f029ec323d5d635fd" +
            "24694fc9bf96973c255d26c772a95bf8b7f876547a5beabf86f06cd21b67994f944e7a5493028201010095b02fd30069" +
            "e547426a8bea58e8a2816f33688dac6c6f6974415af8402244a22133baedf34ce499d7036f3f19b38eb00897c18949b0" +
            "c5a25953c71aeeccfc8f6594173157cc854bd98f16dffe8f28ca13b77eb43a2730585c49fc3f608cd811bb54b03b84bd" +
            "daa8ef910988567f783012266199667a546a18fd88271fbf63a45ae4fd4884706da8befb9117c0a4d73de5172f8640b1" +
            "091ed8a4aea3ed4641463f5ff6a5e3401ad7d0c92811f87956d1fd5f9a1d15c7f3839a08698d9f35f9d966e5000f7cb2" +
            "655d7b6c4adcd8a9d950ea5f61bb7c9a33c17508f9baa313eecfee4ae493249ebe05a5d7770bbd3551b2eeb752e3649e" +
            "0636de08e3d672e66cb90282010100ad93e4c31072b063fc5ab5fe22afacece775c795d0efdf7c704cfc027bde0d626a" +
            "7646fc905bb5a80117e3ca49059af14e0160089f9190065be9bfecf12c3b2145b211c8e89e42dd91c38e9aa23ca73697" +
            "063564f6f6aa6590088a738722df056004d18d7bccac62b3bafef6172fc2a4b071ea37f31eff7a076bcab7dd144e51a9" +
            "da8754219352aef2c73478971539fa41de4759285ea626fa3c72e7085be47d554d915bbb5149cb6ef835351f23104304" +
            "9cd941506a034bf2f8767f3e1e42ead92f91cb3d75549b57ef7d56ac39c2d80d67f6a2b4ca192974bfc5060e2dd17121" +
            "7971002193dba12e7e4133ab201f07500a90495a38610279b13a48d54f0c99028201003e3a1ac0c2b67d54ed5c4bbe04" +
            "a7db99103659d33a4f9d35809e1f60c282e5988dddc964527f3b05e6cc890eab3dcb571d66debf3a5527704c87264b39" +
            "54d7265f4e8d2c637dd89b491b9cf23f264801f804b90454d65af0c4c830d1aef76f597ef61b26ca857ecce9cb78d4f6" +
            "c2218c00d2975d46c2b013fbf59b750c3b92d8d3ed9e6d1fd0ef1ec091a5c286a3fe2dead292f40f380065731e2079eb" +
            "b9f2a7ef2c415ecbb488da98f3a12609ca1b6ec8c734032c8bd513292ff842c375d4acd1b02dfb206b24cd815f8e2f9d" +
            "4af8e7dea0370b19c1b23cc531d78b40e06e1119ee2e08f6f31c6e2e8444c568d13c5d451a291ae0c9f1d4f27d23b3a0" +
            "0d60ad";

    public static final String RSA_PUBLIC =
            "080012a60430820222300d06092a864886f70d01010105000382020f003082020a0282020100e1beab071d08200bde24" +
            "eef00d049449b07770ff9910257b2d7d5dda242ce8f0e2f12e1af4b32d9efd2c090f66b0f29986dbb645dae988008970" +
            "4a94e5066d594162ae6ee8892e6ec70701db0a6c445c04778eb3de1293aa1a23c3825b85c6620a2bc3f82f9b0c309bc0" +
            "ab3aeb1873282bebd3da03c33e76c21e9beb172fd44c9e43be32e2c99827033cf8d0f0c606f4579326c930eb4e854395" +
            "ad941256542c793902185153c474bed109d6ff5141ebf9cd256cf58893a37f83729f97e7cb435ec679d2e33901d27bb3" +
            "5aa0d7e20561da08885ef0abbf8e2fb48d6a5487047a9ecb1ad41fa7ed84f6e3e8ecd5d98b3982d2a901b4454991766d" +
            "a295ab78822add5612a2df83bcee814cf50973e80d7ef38111b1bd87da2ae92438a2c8cbcc70b31ee319939a3b9c761d" +
            "bc13b5c086d6b64bf7ae7dacc14622375d92a8ff9af7eb962162bbddebf90acb32adb5e4e4029f1c96019949ecfbfeff" +
            "d7ac1e3fbcc6b6168c34be3d5a2e5999fcbb39bba7adbca78eab09b9bc39f7fa4b93411f4cc175e70c0a083e96bfaefb" +
            "04a9580b4753c1738a6a760ae1afd851a1a4bdad231cf56e9284d832483df215a46c1c21bdf0c6cfe951c18f1ee4078c" +
            "79c13d63edb6e14feaeffabc90ad317e4875fe648101b0864097e998f0ca3025ef9638cd2b0caecd3770ab54a1d9c6ca" +
            "959b0f5dcbc90caeefc4135baca6fd475224269bbe1b0203010001";

    /** Signs like a remote libp2p peer: its {@code PublicKey} protobuf and signatures over data. */
    public interface Signer {
        byte[] publicKeyProtobuf();

        byte[] sign(byte[] data);
    }

    private LibP2pTestKeys() {}

    public static byte[] hex(String s) {
        return HEX.parseHex(s);
    }

    /** {@code 08 <type> 12 <varint length> <data>}. */
    public static byte[] keyProtobuf(int type, byte[] data) {
        byte[] len = data.length < 128 ? new byte[] {(byte) data.length}
                : new byte[] {(byte) ((data.length & 0x7F) | 0x80), (byte) (data.length >>> 7)};
        if (data.length >= 1 << 14) {
            throw new IllegalArgumentException("too long for this helper");
        }
        byte[] out = new byte[3 + len.length + data.length];
        out[0] = 0x08;
        out[1] = (byte) type;
        out[2] = 0x12;
        System.arraycopy(len, 0, out, 3, len.length);
        System.arraycopy(data, 0, out, 3 + len.length, data.length);
        return out;
    }

    /** The Data field of a protobuf written by {@link #keyProtobuf} (or the spec's, same shape). */
    public static byte[] data(byte[] protobuf) {
        int pos = 3;
        int length = protobuf[pos] & 0x7F;
        if ((protobuf[pos] & 0x80) != 0) {
            pos++;
            length |= (protobuf[pos] & 0x7F) << 7;
        }
        return Arrays.copyOfRange(protobuf, pos + 1, pos + 1 + length);
    }

    public static ECDomainParameters domain(ASN1ObjectIdentifier curve) {
        X9ECParameters x9 = CustomNamedCurves.getByOID(curve);
        return new ECDomainParameters(x9 != null ? x9 : ECNamedCurveTable.getByOID(curve));
    }

    /**
     * A secp256k1 signer as go-libp2p's: RFC 6979 nonce, low S, DER. With {@code highS} it
     * flips S to n - S (the other valid signature, which go and rust also accept).
     */
    public static Signer secp256k1(BigInteger d, boolean highS) {
        ECDomainParameters domain = domain(SECObjectIdentifiers.secp256k1);
        byte[] pub = domain.getG().multiply(d).normalize().getEncoded(true);
        byte[] protobuf = keyProtobuf(PeerKeys.TYPE_SECP256K1, pub);
        return new Signer() {
            @Override
            public byte[] publicKeyProtobuf() {
                return protobuf.clone();
            }

            @Override
            public byte[] sign(byte[] data) {
                return bcSign(domain, d, data, highS);
            }
        };
    }

    /** A fresh secp256k1 identity. */
    /** A signer of an Ed25519 key pair of jkad's own. */
    public static Signer ed25519(io.jkad.identity.Ed25519KeyPair pair) {
        return new Signer() {
            @Override
            public byte[] publicKeyProtobuf() {
                return pair.publicKey().encodeProtobuf();
            }

            @Override
            public byte[] sign(byte[] data) {
                return pair.sign(data);
            }
        };
    }

    public static Signer secp256k1() {
        ECDomainParameters domain = domain(SECObjectIdentifiers.secp256k1);
        BigInteger d;
        do {
            d = new BigInteger(256, RANDOM);
        } while (d.signum() == 0 || d.compareTo(domain.getN()) >= 0);
        return secp256k1(d, false);
    }

    /** The spec's secp256k1 private key (Data is the 32-byte scalar). */
    public static BigInteger specSecp256k1Scalar() {
        return new BigInteger(1, data(hex(SECP256K1_PRIVATE)));
    }

    /** An ECDSA signer with BouncyCastle on any named curve (the JDK has only P-256/384/521). */
    public static Signer ecdsaBc(ASN1ObjectIdentifier curve) {
        ECDomainParameters domain = domain(curve);
        BigInteger d;
        do {
            d = new BigInteger(domain.getN().bitLength(), RANDOM);
        } while (d.signum() == 0 || d.compareTo(domain.getN()) >= 0);
        BigInteger scalar = d;
        byte[] spki = spki(curve, domain.getG().multiply(d).normalize().getEncoded(false));
        byte[] protobuf = keyProtobuf(PeerKeys.TYPE_ECDSA, spki);
        return new Signer() {
            @Override
            public byte[] publicKeyProtobuf() {
                return protobuf.clone();
            }

            @Override
            public byte[] sign(byte[] data) {
                return bcSign(domain, scalar, data, false);
            }
        };
    }

    public static byte[] spki(ASN1ObjectIdentifier curve, byte[] point) {
        try {
            return new SubjectPublicKeyInfo(new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey, curve), point)
                    .getEncoded(ASN1Encoding.DER);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] bcSign(ECDomainParameters domain, BigInteger d, byte[] data, boolean highS) {
        ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
        signer.init(true, new ECPrivateKeyParameters(d, domain));
        byte[] hash = new byte[32];
        SHA256Digest digest = new SHA256Digest();
        digest.update(data, 0, data.length);
        digest.doFinal(hash, 0);
        BigInteger[] rs = signer.generateSignature(hash);
        BigInteger n = domain.getN();
        BigInteger s = rs[1];
        boolean isHigh = s.compareTo(n.shiftRight(1)) > 0;
        if (isHigh != highS) {
            s = n.subtract(s);
        }
        return der(rs[0], s);
    }

    public static byte[] der(BigInteger r, BigInteger s) {
        try {
            return new DERSequence(new ASN1Integer[] {new ASN1Integer(r), new ASN1Integer(s)}).getEncoded(ASN1Encoding.DER);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Signs as {@code signer} but presents {@code protobuf} as its key. */
    public static Signer withKey(byte[] protobuf, Signer signer) {
        return new Signer() {
            @Override
            public byte[] publicKeyProtobuf() {
                return protobuf.clone();
            }

            @Override
            public byte[] sign(byte[] data) {
                return signer.sign(data);
            }
        };
    }

    /** A JDK signer from a JDK key pair: {@code SHA256withECDSA} or {@code SHA256withRSA}. */
    public static Signer jdk(int type, KeyPair pair) {
        byte[] protobuf = keyProtobuf(type, pair.getPublic().getEncoded());
        return jdk(protobuf, pair.getPrivate());
    }

    public static Signer jdk(byte[] protobuf, PrivateKey key) {
        String algorithm = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        return new Signer() {
            @Override
            public byte[] publicKeyProtobuf() {
                return protobuf.clone();
            }

            @Override
            public byte[] sign(byte[] data) {
                try {
                    Signature s = Signature.getInstance(algorithm);
                    s.initSign(key);
                    s.update(data);
                    return s.sign();
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
    }

    public static KeyPair generate(String algorithm, Object sizeOrCurve) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
            if (sizeOrCurve instanceof Integer bits) {
                g.initialize(bits);
            } else {
                g.initialize(new ECGenParameterSpec((String) sizeOrCurve));
            }
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The spec's ECDSA private key: a SEC1 ECPrivateKey (P-256) in Data; as a JDK key. */
    public static PrivateKey specEcdsaPrivateKey() throws Exception {
        ECPrivateKey sec1 = ECPrivateKey.getInstance(data(hex(ECDSA_PRIVATE)));
        byte[] pkcs8 = new PrivateKeyInfo(new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey,
                X9ObjectIdentifiers.prime256v1), sec1).getEncoded(ASN1Encoding.DER);
        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    }

    /** The spec's ECDSA private scalar. */
    public static BigInteger specEcdsaScalar() {
        return ECPrivateKey.getInstance(data(hex(ECDSA_PRIVATE))).getKey();
    }

    /** The spec's RSA private key: PKCS#1 RSAPrivateKey in Data. */
    public static RSAPrivateKey specRsaPkcs1() {
        return RSAPrivateKey.getInstance(data(hex(RSA_PRIVATE)));
    }

    public static PrivateKey specRsaPrivateKey() throws Exception {
        RSAPrivateKey k = specRsaPkcs1();
        return KeyFactory.getInstance("RSA").generatePrivate(new RSAPrivateCrtKeySpec(k.getModulus(),
                k.getPublicExponent(), k.getPrivateExponent(), k.getPrime1(), k.getPrime2(), k.getExponent1(),
                k.getExponent2(), k.getCoefficient()));
    }
}
