package io.jkad.identity;

import static io.jkad.net.LibP2pTestKeys.hex;
import static io.jkad.net.LibP2pTestKeys.keyProtobuf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.net.LibP2pTestKeys;
import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.Random;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.teletrust.TeleTrusTObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.math.ec.ECCurve;
import org.junit.jupiter.api.Test;

class PeerKeysTest {

    private static final byte[] DATA = "noise-libp2p-static-key:0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    private static final byte[] OTHER = "noise-libp2p-static-key:0123456789abcdeF".getBytes(StandardCharsets.UTF_8);

    private static byte[] sha256Multihash(byte[] protobuf) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(protobuf);
        byte[] mh = new byte[34];
        mh[0] = 0x12;
        mh[1] = 0x20;
        System.arraycopy(digest, 0, mh, 2, 32);
        return mh;
    }

    private static byte[] identityMultihash(byte[] protobuf) {
        byte[] mh = new byte[2 + protobuf.length];
        mh[1] = (byte) protobuf.length;
        System.arraycopy(protobuf, 0, mh, 2, protobuf.length);
        return mh;
    }

    private static byte[] rsaSpki(BigInteger modulus, BigInteger exponent) throws Exception {
        return new SubjectPublicKeyInfo(new AlgorithmIdentifier(PKCSObjectIdentifiers.rsaEncryption, DERNull.INSTANCE),
                new org.bouncycastle.asn1.pkcs.RSAPublicKey(modulus, exponent)).getEncoded(ASN1Encoding.DER);
    }

    // --- the spec's vectors ---

    @Test
    void ed25519SpecKeyGivesItsPeerIdAndVerifies() {
        byte[] pub = hex("080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e");
        PeerKeys.RemoteKey k = PeerKeys.decode(pub);
        assertThat(k.peerId()).isEqualTo(PeerId.parse("12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq"));
        Ed25519KeyPair pair = Ed25519KeyPair.generate();
        PeerKeys.RemoteKey mine = PeerKeys.decode(pair.publicKey().encodeProtobuf());
        byte[] data = "hello".getBytes(StandardCharsets.UTF_8);
        assertThat(mine.verify(data, pair.sign(data))).isTrue();
        assertThat(mine.verify("hellO".getBytes(StandardCharsets.UTF_8), pair.sign(data))).isFalse();
        assertThat(mine.verify(data, new byte[3])).isFalse();
    }

    @Test
    void secp256k1SpecKeyGivesItsIdentityPeerIdAndVerifiesItsPrivateKeysSignatures() {
        byte[] pub = hex(LibP2pTestKeys.SECP256K1_PUBLIC);
        // The private key gives the public key (the spec asks implementations to check this).
        LibP2pTestKeys.Signer signer = LibP2pTestKeys.secp256k1(LibP2pTestKeys.specSecp256k1Scalar(), false);
        assertThat(signer.publicKeyProtobuf()).isEqualTo(pub);

        PeerKeys.RemoteKey k = PeerKeys.decode(pub);
        // 37 bytes: an identity multihash, which PeerId parses (16Uiu2HA… in text).
        assertThat(pub).hasSize(37);
        assertThat(k.peerId().toBytes()).isEqualTo(identityMultihash(pub));
        assertThat(PeerId.fromBytes(k.peerId().toBytes())).isEqualTo(k.peerId());
        assertThat(k.peerId().toBase58()).isEqualTo("16Uiu2HAmLhLvBoYaoZfaMUKuibM6ac163GwKY74c5kiSLg5KvLpY");
        assertThat(PeerId.parse(k.peerId().toCidString())).isEqualTo(k.peerId());
        assertThat(k.peerId().publicKey()).isEmpty();

        byte[] sig = signer.sign(DATA);
        assertThat(k.verify(DATA, sig)).isTrue();
        assertThat(k.verify(OTHER, sig)).isFalse();
        // A high-S signature (go-libp2p and rust-libp2p verify it too; both sign with a low S) is accepted.
        byte[] high = LibP2pTestKeys.secp256k1(LibP2pTestKeys.specSecp256k1Scalar(), true).sign(DATA);
        assertThat(high).isNotEqualTo(sig);
        assertThat(k.verify(DATA, high)).isTrue();
        // Another key's signature.
        assertThat(k.verify(DATA, LibP2pTestKeys.secp256k1().sign(DATA))).isFalse();
    }

    @Test
    void ecdsaSpecKeyGivesItsSha256PeerIdAndVerifiesItsPrivateKeysSignatures() throws Exception {
        byte[] pub = hex(LibP2pTestKeys.ECDSA_PUBLIC);
        // The private key (SEC1 on P-256) gives the public key.
        ECDomainParameters p256 = LibP2pTestKeys.domain(X9ObjectIdentifiers.prime256v1);
        byte[] derived = keyProtobuf(PeerKeys.TYPE_ECDSA, LibP2pTestKeys.spki(X9ObjectIdentifiers.prime256v1,
                p256.getG().multiply(LibP2pTestKeys.specEcdsaScalar()).normalize().getEncoded(false)));
        assertThat(derived).isEqualTo(pub);

        PeerKeys.RemoteKey k = PeerKeys.decode(pub);
        assertThat(k.peerId().toBytes()).isEqualTo(sha256Multihash(pub));
        assertThat(k.peerId().toBase58()).startsWith("Qm");

        LibP2pTestKeys.Signer jdk = LibP2pTestKeys.jdk(pub, LibP2pTestKeys.specEcdsaPrivateKey());
        byte[] sig = jdk.sign(DATA);
        assertThat(k.verify(DATA, sig)).isTrue();
        assertThat(k.verify(OTHER, sig)).isFalse();
        // Either S verifies.
        ASN1Sequence seq = ASN1Sequence.getInstance(sig);
        BigInteger r = ASN1Integer.getInstance(seq.getObjectAt(0)).getValue();
        BigInteger s = ASN1Integer.getInstance(seq.getObjectAt(1)).getValue();
        assertThat(k.verify(DATA, LibP2pTestKeys.der(r, p256.getN().subtract(s)))).isTrue();
        assertThat(k.verify(DATA, LibP2pTestKeys.der(r, s.add(BigInteger.ONE)))).isFalse();
    }

    @Test
    void rsaSpecKeyGivesItsSha256PeerIdAndVerifiesItsPrivateKeysSignatures() throws Exception {
        byte[] pub = hex(LibP2pTestKeys.RSA_PUBLIC);
        org.bouncycastle.asn1.pkcs.RSAPrivateKey pkcs1 = LibP2pTestKeys.specRsaPkcs1();
        assertThat(pkcs1.getModulus().bitLength()).isEqualTo(4096);
        assertThat(keyProtobuf(PeerKeys.TYPE_RSA, rsaSpki(pkcs1.getModulus(), pkcs1.getPublicExponent()))).isEqualTo(pub);

        PeerKeys.RemoteKey k = PeerKeys.decode(pub);
        assertThat(k.peerId().toBytes()).isEqualTo(sha256Multihash(pub));
        assertThat(k.peerId().toBase58()).startsWith("Qm");

        byte[] sig = LibP2pTestKeys.jdk(pub, LibP2pTestKeys.specRsaPrivateKey()).sign(DATA);
        assertThat(k.verify(DATA, sig)).isTrue();
        assertThat(k.verify(OTHER, sig)).isFalse();
        byte[] flipped = sig.clone();
        flipped[10] ^= 1;
        assertThat(k.verify(DATA, flipped)).isFalse();
        assertThat(k.verify(DATA, Arrays.copyOf(sig, sig.length - 1))).isFalse();
    }

    // --- ECDSA curves ---

    @Test
    void ecdsaKeysOnTheCurvesGoAcceptsVerify() {
        for (String curve : new String[] {"secp256r1", "secp384r1", "secp521r1"}) {
            KeyPair kp = LibP2pTestKeys.generate("EC", curve);
            LibP2pTestKeys.Signer signer = LibP2pTestKeys.jdk(PeerKeys.TYPE_ECDSA, kp);
            PeerKeys.RemoteKey k = PeerKeys.decode(signer.publicKeyProtobuf());
            assertThat(k.peerId().toBytes()[0]).as(curve).isEqualTo((byte) 0x12);
            byte[] sig = signer.sign(DATA);
            assertThat(k.verify(DATA, sig)).as(curve).isTrue();
            assertThat(k.verify(OTHER, sig)).as(curve).isFalse();
        }
        // P-224: go's x509 parses it; the JDK no longer has it, so BouncyCastle signs.
        LibP2pTestKeys.Signer p224 = LibP2pTestKeys.ecdsaBc(SECObjectIdentifiers.secp224r1);
        PeerKeys.RemoteKey k = PeerKeys.decode(p224.publicKeyProtobuf());
        assertThat(k.verify(DATA, p224.sign(DATA))).isTrue();
        assertThat(k.verify(OTHER, p224.sign(DATA))).isFalse();
    }

    @Test
    void ecdsaKeysOnOtherCurvesOrWithoutANamedCurveAreRefused() throws Exception {
        // secp256k1 as an ECDSA (type 3) key: go's x509 does not know the curve.
        LibP2pTestKeys.Signer k1 = LibP2pTestKeys.secp256k1();
        byte[] k1Point = LibP2pTestKeys.data(k1.publicKeyProtobuf());
        ECCurve k1Curve = LibP2pTestKeys.domain(SECObjectIdentifiers.secp256k1).getCurve();
        byte[] k1Spki = LibP2pTestKeys.spki(SECObjectIdentifiers.secp256k1,
                k1Curve.decodePoint(k1Point).getEncoded(false));
        assertThatThrownBy(() -> PeerKeys.decode(keyProtobuf(PeerKeys.TYPE_ECDSA, k1Spki)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unsupported curve " + SECObjectIdentifiers.secp256k1.getId())
                .hasMessageContaining("accepted: P-224, P-256, P-384, P-521");
        // brainpoolP256r1.
        ECDomainParameters brainpool = LibP2pTestKeys.domain(TeleTrusTObjectIdentifiers.brainpoolP256r1);
        byte[] bpSpki = LibP2pTestKeys.spki(TeleTrusTObjectIdentifiers.brainpoolP256r1,
                brainpool.getG().multiply(BigInteger.valueOf(12345)).normalize().getEncoded(false));
        assertThatThrownBy(() -> PeerKeys.decode(keyProtobuf(PeerKeys.TYPE_ECDSA, bpSpki)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unsupported curve");
        // P-256 given by explicit parameters instead of its name.
        X9ECParameters x9 = org.bouncycastle.asn1.x9.ECNamedCurveTable.getByOID(X9ObjectIdentifiers.prime256v1);
        byte[] explicit = new SubjectPublicKeyInfo(new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey,
                new org.bouncycastle.asn1.x9.X962Parameters(x9)),
                x9.getG().multiply(BigInteger.TEN).normalize().getEncoded(false)).getEncoded(ASN1Encoding.DER);
        assertThatThrownBy(() -> PeerKeys.decode(keyProtobuf(PeerKeys.TYPE_ECDSA, explicit)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not name its curve");
        // An RSA key under the ECDSA type.
        byte[] rsa = LibP2pTestKeys.generate("RSA", 2048).getPublic().getEncoded();
        assertThatThrownBy(() -> PeerKeys.decode(keyProtobuf(PeerKeys.TYPE_ECDSA, rsa)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not id-ecPublicKey");
        // A P-256 point that is not on the curve.
        byte[] good = LibP2pTestKeys.data(hex(LibP2pTestKeys.ECDSA_PUBLIC));
        byte[] offCurve = good.clone();
        offCurve[offCurve.length - 1] ^= 1;
        assertThatThrownBy(() -> PeerKeys.decode(keyProtobuf(PeerKeys.TYPE_ECDSA, offCurve)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("malformed ECDSA P-256 public key");
        // A BIT STRING that is not whole bytes.
        byte[] unaligned = new SubjectPublicKeyInfo(new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey,
                X9ObjectIdentifiers.prime256v1), new org.bouncycastle.asn1.DERBitString(
                LibP2pTestKeys.domain(X9ObjectIdentifiers.prime256v1).getG().getEncoded(false), 1))
                .getEncoded(ASN1Encoding.DER);
        assertThatThrownBy(() -> PeerKeys.decode(keyProtobuf(PeerKeys.TYPE_ECDSA, unaligned)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("malformed ECDSA");
        // Trailing bytes after the SubjectPublicKeyInfo.
        byte[] trailing = Arrays.copyOf(good, good.length + 1);
        assertThatThrownBy(() -> PeerKeys.decode(keyProtobuf(PeerKeys.TYPE_ECDSA, trailing)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("malformed ECDSA public key");
    }

    // --- secp256k1 refusals ---

    @Test
    void malformedSecp256k1KeysAndSignaturesAreRefusedCleanly() {
        byte[] spec = LibP2pTestKeys.data(hex(LibP2pTestKeys.SECP256K1_PUBLIC));
        // An x with no point on the curve.
        ECCurve curve = LibP2pTestKeys.domain(SECObjectIdentifiers.secp256k1).getCurve();
        byte[] bad = spec.clone();
        for (int x = 0; ; x++) {
            bad[32] = (byte) x;
            try {
                curve.decodePoint(bad);
            } catch (IllegalArgumentException notOnCurve) {
                break;
            }
        }
        byte[] badProto = keyProtobuf(PeerKeys.TYPE_SECP256K1, bad);
        assertThatThrownBy(() -> PeerKeys.decode(badProto)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("malformed secp256k1 public key");
        // Its peer id still parses: PeerId checks only the shape, as for Ed25519.
        assertThat(PeerId.fromBytes(identityMultihash(badProto)).length()).isEqualTo(39);
        // x >= p.
        byte[] big = new byte[33];
        Arrays.fill(big, (byte) 0xFF);
        big[0] = 0x02;
        assertThatThrownBy(() -> PeerKeys.decode(keyProtobuf(PeerKeys.TYPE_SECP256K1, big)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("malformed secp256k1 public key");
        // Uncompressed, empty, wrong prefix, one byte short.
        LibP2pTestKeys.Signer signer = LibP2pTestKeys.secp256k1();
        byte[] point = LibP2pTestKeys.data(signer.publicKeyProtobuf());
        byte[] uncompressed = curve.decodePoint(point).getEncoded(false);
        byte[] wrongPrefix = point.clone();
        wrongPrefix[0] = 0x04;
        for (byte[] data : new byte[][] {uncompressed, new byte[0], new byte[] {0}, wrongPrefix, Arrays.copyOf(point, 32)}) {
            assertThatThrownBy(() -> PeerKeys.decode(keyProtobuf(PeerKeys.TYPE_SECP256K1, data)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("expected a 33-byte compressed point");
        }

        PeerKeys.RemoteKey k = PeerKeys.decode(signer.publicKeyProtobuf());
        byte[] sig = signer.sign(DATA);
        assertThat(k.verify(DATA, sig)).isTrue();
        ASN1Sequence seq = ASN1Sequence.getInstance(sig);
        BigInteger r = ASN1Integer.getInstance(seq.getObjectAt(0)).getValue();
        BigInteger s = ASN1Integer.getInstance(seq.getObjectAt(1)).getValue();
        BigInteger n = LibP2pTestKeys.domain(SECObjectIdentifiers.secp256k1).getN();
        // Not strict DER: a long-form length, an extra leading zero, trailing bytes.
        byte[] longForm = new byte[sig.length + 1];
        longForm[0] = 0x30;
        longForm[1] = (byte) 0x81;
        System.arraycopy(sig, 1, longForm, 2, sig.length - 1);
        assertThat(k.verify(DATA, longForm)).isFalse();
        assertThat(k.verify(DATA, Arrays.copyOf(sig, sig.length + 1))).isFalse();
        byte[] padded = new byte[sig.length + 1];
        padded[0] = 0x30;
        padded[1] = (byte) (sig[1] + 1);
        padded[2] = 0x02;
        padded[3] = (byte) (sig[3] + 1);
        padded[4] = 0x00;
        System.arraycopy(sig, 4, padded, 5, sig.length - 4);
        assertThat(k.verify(DATA, padded)).isFalse();
        // r or s out of range, zero, negative; garbage; huge.
        assertThat(k.verify(DATA, LibP2pTestKeys.der(r, s.add(n)))).isFalse();
        assertThat(k.verify(DATA, LibP2pTestKeys.der(r.add(n), s))).isFalse();
        assertThat(k.verify(DATA, LibP2pTestKeys.der(BigInteger.ZERO, s))).isFalse();
        assertThat(k.verify(DATA, LibP2pTestKeys.der(r, s.negate()))).isFalse();
        assertThat(k.verify(DATA, new byte[0])).isFalse();
        assertThat(k.verify(DATA, new byte[64])).isFalse();
        assertThat(k.verify(DATA, new byte[100_000])).isFalse();
    }

    // --- RSA limits ---

    @Test
    void rsaKeysOfGoodSizeWithExponent65537AreAccepted() throws Exception {
        KeyPair kp = LibP2pTestKeys.generate("RSA", 2048);
        LibP2pTestKeys.Signer signer = LibP2pTestKeys.jdk(PeerKeys.TYPE_RSA, kp);
        PeerKeys.RemoteKey k = PeerKeys.decode(signer.publicKeyProtobuf());
        assertThat(k.verify(DATA, signer.sign(DATA))).isTrue();
        assertThat(k.verify(OTHER, signer.sign(DATA))).isFalse();
        // 8192 bits is the upper limit (a random odd modulus: decoding does no arithmetic on it).
        BigInteger n8192 = BigInteger.ONE.shiftLeft(8191).or(new BigInteger(8190, new Random(1))).setBit(0);
        assertThat(PeerKeys.decode(keyProtobuf(PeerKeys.TYPE_RSA, rsaSpki(n8192, PeerKeys.RSA_EXPONENT))).peerId())
                .isNotNull();
        assertThat(((RSAPublicKey) kp.getPublic()).getPublicExponent()).isEqualTo(PeerKeys.RSA_EXPONENT);
    }

    @Test
    void rsaKeysTooSmallTooLargeOrWithAnotherExponentAreRefusedBeforeAnySignatureWork() throws Exception {
        Random random = new Random(7);
        BigInteger n1024 = LibP2pTestKeys.generate("RSA", 1024).getPublic() instanceof RSAPublicKey r ? r.getModulus() : null;
        BigInteger n2047 = BigInteger.ONE.shiftLeft(2046).or(new BigInteger(2045, random)).setBit(0);
        BigInteger n3072 = BigInteger.ONE.shiftLeft(3071).or(new BigInteger(3070, random)).setBit(0);
        BigInteger n8193 = BigInteger.ONE.shiftLeft(8192).or(new BigInteger(8191, random)).setBit(0);
        BigInteger n16384 = BigInteger.ONE.shiftLeft(16383).or(new BigInteger(16382, random)).setBit(0);
        BigInteger hugeExponent = BigInteger.ONE.shiftLeft(3070).or(new BigInteger(3069, random)).setBit(0);
        byte[] small = keyProtobuf(PeerKeys.TYPE_RSA, rsaSpki(n1024, PeerKeys.RSA_EXPONENT));
        byte[] justSmall = keyProtobuf(PeerKeys.TYPE_RSA, rsaSpki(n2047, PeerKeys.RSA_EXPONENT));
        byte[] justLarge = keyProtobuf(PeerKeys.TYPE_RSA, rsaSpki(n8193, PeerKeys.RSA_EXPONENT));
        byte[] large = keyProtobuf(PeerKeys.TYPE_RSA, rsaSpki(n16384, PeerKeys.RSA_EXPONENT));
        byte[] slow = keyProtobuf(PeerKeys.TYPE_RSA, rsaSpki(n3072, hugeExponent));
        byte[] three = keyProtobuf(PeerKeys.TYPE_RSA, rsaSpki(n3072, BigInteger.valueOf(3)));
        byte[] even = keyProtobuf(PeerKeys.TYPE_RSA, rsaSpki(n3072, BigInteger.valueOf(65536)));

        assertThatThrownBy(() -> PeerKeys.decode(small)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("RSA public key of 1024 bits refused: the modulus must have 2048 to 8192 bits");
        assertThatThrownBy(() -> PeerKeys.decode(justSmall)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("of 2047 bits refused");
        assertThatThrownBy(() -> PeerKeys.decode(justLarge)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("of 8193 bits refused");
        assertThatThrownBy(() -> PeerKeys.decode(large)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("of 16384 bits refused");
        assertThatThrownBy(() -> PeerKeys.decode(slow)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("RSA public key with exponent of 3071 bits refused: only 65537 is accepted");
        assertThatThrownBy(() -> PeerKeys.decode(three)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("RSA public key with exponent 3 refused: only 65537 is accepted");
        assertThatThrownBy(() -> PeerKeys.decode(even)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("exponent 65536 refused");

        // Cheap: each refusal is a DER parse, not a modular exponentiation (a verification with the
        // 3071-bit exponent took about 11 ms). A loose bound for a shared machine.
        long start = System.nanoTime();
        int refused = 0;
        for (int i = 0; i < 200; i++) {
            for (byte[] key : new byte[][] {large, slow}) {
                try {
                    PeerKeys.decode(key);
                } catch (IllegalArgumentException expected) {
                    refused++;
                }
            }
        }
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(refused).isEqualTo(400);
        assertThat(elapsedMs).as("400 refusals took %d ms", elapsedMs).isLessThan(2_000);
    }

    @Test
    void rsaKeyEncodingsThatAreNotDerOrNotRsaAreRefused() throws Exception {
        byte[] spki = LibP2pTestKeys.generate("RSA", 2048).getPublic().getEncoded();
        assertThatThrownBy(() -> PeerKeys.decode(keyProtobuf(PeerKeys.TYPE_RSA, new byte[10])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("malformed RSA public key");
        assertThatThrownBy(() -> PeerKeys.decode(keyProtobuf(PeerKeys.TYPE_RSA, Arrays.copyOf(spki, spki.length + 2))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("malformed RSA public key");
        byte[] ec = LibP2pTestKeys.data(hex(LibP2pTestKeys.ECDSA_PUBLIC));
        assertThatThrownBy(() -> PeerKeys.decode(keyProtobuf(PeerKeys.TYPE_RSA, ec)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not rsaEncryption");
    }

    @Test
    void unsupportedOrMalformedProtobufsAreRefused() {
        assertThatThrownBy(() -> PeerKeys.decode(new byte[] {0x08, 0x01})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Data");
        assertThatThrownBy(() -> PeerKeys.decode(keyProtobuf(7, new byte[4]))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("7");
        assertThatThrownBy(() -> PeerKeys.decode(new byte[] {0x12, 0x05, 1})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("malformed");
    }
}
