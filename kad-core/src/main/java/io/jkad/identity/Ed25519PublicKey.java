package io.jkad.identity;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.HexFormat;

/** An Ed25519 public key (raw 32 bytes, RFC 8032). Immutable; equality on the raw bytes. */
public final class Ed25519PublicKey {

    /** Length of the raw key and of the key's Data in the protobuf. */
    static final int LENGTH = 32;
    /** Length of an Ed25519 signature. */
    static final int SIGNATURE_LENGTH = 64;

    /** The protobuf up to the 32 key bytes: Type = Ed25519, Data of 32 bytes. */
    private static final byte[] PROTOBUF_PREFIX = {0x08, 0x01, 0x12, 0x20};

    // Curve25519 in Edwards form: -x^2 + y^2 = 1 + d x^2 y^2 over GF(p), p = 2^255 - 19.
    private static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
    private static final BigInteger D = BigInteger.valueOf(-121665)
            .multiply(BigInteger.valueOf(121666).modInverse(P)).mod(P);
    private static final BigInteger SQRT_EXPONENT = P.subtract(BigInteger.valueOf(5)).shiftRight(3); // (p-5)/8

    private final byte[] raw;
    private final int hash;

    private Ed25519PublicKey(byte[] raw) {
        this.raw = raw;
        this.hash = Arrays.hashCode(raw);
    }

    /**
     * A key from its raw RFC 8032 encoding (the array is copied).
     *
     * @throws IllegalArgumentException if {@code raw} is not 32 bytes or not a valid point
     *     encoding (y not below p, or no x for that y, or x = 0 with the sign bit set)
     */
    public static Ed25519PublicKey fromRaw(byte[] raw) {
        if (raw.length != LENGTH) {
            throw new IllegalArgumentException("Ed25519 public key must be 32 bytes, got " + raw.length);
        }
        return fromRaw(raw, 0);
    }

    /** Validates and copies the 32 bytes at {@code offset}. */
    static Ed25519PublicKey fromRaw(byte[] buf, int offset) {
        byte[] raw = Arrays.copyOfRange(buf, offset, offset + LENGTH);
        String problem = pointProblem(raw);
        if (problem != null) {
            throw new IllegalArgumentException("invalid Ed25519 public key " + HexFormat.of().formatHex(raw) + ": " + problem);
        }
        return new Ed25519PublicKey(raw);
    }

    /** For keys that the JDK itself made: no point check. Takes ownership of {@code raw}. */
    static Ed25519PublicKey trusted(byte[] raw) {
        return new Ed25519PublicKey(raw);
    }

    /** The key of the 32 bytes at {@code offset} (copied), or null if they are not a valid point. */
    static Ed25519PublicKey fromRawOrNull(byte[] buf, int offset) {
        byte[] raw = Arrays.copyOfRange(buf, offset, offset + LENGTH);
        return pointProblem(raw) == null ? new Ed25519PublicKey(raw) : null;
    }

    /**
     * RFC 8032 §5.1.3 point decoding, reduced to the question whether it succeeds. Null when
     * valid, else what is wrong.
     *
     * <p>Every Noise handshake decodes the remote's key, and the exact check below, on
     * {@link BigInteger}, took about 24 µs a key. BouncyCastle's decoding on its field arithmetic
     * takes about 9 µs and accepts a subset of the valid encodings (it also refuses some points of
     * small order), so a key it accepts, whose y is canonical and which is not x = 0 with the sign
     * bit, is valid; anything else gets the exact check, which names the problem.
     */
    private static String pointProblem(byte[] raw) {
        if (org.bouncycastle.math.ec.rfc8032.Ed25519.validatePublicKeyPartial(raw, 0)
                && !yAtLeastP(raw) && !((raw[31] & 0x80) != 0 && xIsZero(raw))) {
            return null;
        }
        return exactPointProblem(raw);
    }

    /** Whether the encoding's y (the sign bit cleared) is p = 2^255 - 19 or more. */
    private static boolean yAtLeastP(byte[] raw) {
        return (raw[0] & 0xFF) >= 0xED && middleBytesAre(raw, (byte) 0xFF) && (raw[31] & 0x7F) == 0x7F;
    }

    /** Whether y is 1 or p - 1, the two y whose x is 0. */
    private static boolean xIsZero(byte[] raw) {
        return raw[0] == 1 && middleBytesAre(raw, (byte) 0) && (raw[31] & 0x7F) == 0
                || (raw[0] & 0xFF) == 0xEC && middleBytesAre(raw, (byte) 0xFF) && (raw[31] & 0x7F) == 0x7F;
    }

    private static boolean middleBytesAre(byte[] raw, byte b) {
        for (int i = 1; i < LENGTH - 1; i++) {
            if (raw[i] != b) {
                return false;
            }
        }
        return true;
    }

    private static String exactPointProblem(byte[] raw) {
        boolean xOdd = (raw[31] & 0x80) != 0;
        byte[] bigEndian = new byte[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            bigEndian[i] = raw[LENGTH - 1 - i];
        }
        bigEndian[0] &= 0x7F;
        BigInteger y = new BigInteger(1, bigEndian);
        if (y.compareTo(P) >= 0) {
            return "y is not below 2^255-19 (non-canonical encoding)";
        }
        BigInteger y2 = y.multiply(y).mod(P);
        BigInteger u = y2.subtract(BigInteger.ONE).mod(P);
        BigInteger v = D.multiply(y2).add(BigInteger.ONE).mod(P);
        // Candidate root x = u v^3 (u v^7)^((p-5)/8); the point exists iff v x^2 = +-u.
        BigInteger v3 = v.multiply(v).mod(P).multiply(v).mod(P);
        BigInteger v7 = v3.multiply(v3).mod(P).multiply(v).mod(P);
        BigInteger x = u.multiply(v3).mod(P)
                .multiply(u.multiply(v7).mod(P).modPow(SQRT_EXPONENT, P)).mod(P);
        BigInteger vx2 = v.multiply(x).mod(P).multiply(x).mod(P);
        if (!vx2.equals(u) && !vx2.equals(P.subtract(u).mod(P))) {
            return "not a point on the curve (no x for this y)";
        }
        if (u.signum() == 0 && xOdd) {
            return "x is 0 but the sign bit is set";
        }
        return null;
    }

    /**
     * Decodes the libp2p {@code PublicKey} protobuf ({@code 08 01 12 20 <32 bytes>}).
     *
     * @throws IllegalArgumentException if the protobuf is malformed, the key type is not Ed25519,
     *     the key is not 32 bytes or not a valid point
     */
    public static Ed25519PublicKey decodeProtobuf(byte[] encoded) {
        long parsed = KeyProtobuf.parse(encoded, 0, encoded.length, "PublicKey");
        int type = KeyProtobuf.type(parsed);
        if (type != KeyProtobuf.ED25519) {
            throw new IllegalArgumentException("PublicKey is of type " + KeyProtobuf.typeName(type) + ", not Ed25519");
        }
        int length = KeyProtobuf.dataLength(parsed);
        if (length != LENGTH) {
            throw new IllegalArgumentException("Ed25519 PublicKey Data must be 32 bytes, got " + length);
        }
        return fromRaw(encoded, KeyProtobuf.dataOffset(parsed));
    }

    /** The raw 32 bytes (a copy). */
    public byte[] raw() {
        return raw.clone();
    }

    /** The deterministic libp2p {@code PublicKey} protobuf (36 bytes). */
    public byte[] encodeProtobuf() {
        byte[] out = Arrays.copyOf(PROTOBUF_PREFIX, PROTOBUF_PREFIX.length + LENGTH);
        System.arraycopy(raw, 0, out, PROTOBUF_PREFIX.length, LENGTH);
        return out;
    }

    /** Copies the 32 raw bytes into {@code out} at {@code offset}. */
    void copyRawTo(byte[] out, int offset) {
        System.arraycopy(raw, 0, out, offset, LENGTH);
    }

    /**
     * Verifies an Ed25519 signature (RFC 8032, cofactorless: S must be below the group order and
     * R's encoding must match); false for a bad or malformed signature. BouncyCastle's lightweight
     * implementation verifies: {@code RecordValidationBenchmark} measured it at 83 µs against the
     * JDK 17 provider's 616 µs on the 2-core machine, and every Noise handshake and every IPNS record
     * of an Ed25519 name costs one verification.
     */
    public boolean verify(byte[] data, byte[] signature) {
        if (signature == null || signature.length != SIGNATURE_LENGTH) {
            return false;
        }
        return org.bouncycastle.math.ec.rfc8032.Ed25519.verify(signature, 0, raw, 0, data, 0, data.length);
    }

    public PeerId toPeerId() {
        return PeerId.fromPublicKey(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Ed25519PublicKey k && k.hash == hash && Arrays.equals(k.raw, raw);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    /** {@code Ed25519PublicKey(<hex>)}. */
    @Override
    public String toString() {
        return "Ed25519PublicKey(" + HexFormat.of().formatHex(raw) + ")";
    }
}
