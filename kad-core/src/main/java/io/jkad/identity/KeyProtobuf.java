package io.jkad.identity;

import io.jkad.util.Varint;

/**
 * The libp2p {@code PublicKey} / {@code PrivateKey} protobuf, read and written by hand:
 * {@code message Key { required KeyType Type = 1; required bytes Data = 2; }}.
 *
 * <p>Only the deterministic encoding that the peer-id spec requires is accepted: field 1 (tag
 * {@code 0x08}) then field 2 (tag {@code 0x12}), minimal varints, nothing else and nothing after.
 * A peer id is the hash of exactly these bytes, so any other encoding of the same key would be a
 * different peer: refusing it is the only safe reading.
 */
final class KeyProtobuf {
    static final int RSA = 0;
    static final int ED25519 = 1;
    static final int SECP256K1 = 2;
    static final int ECDSA = 3;

    private static final int TAG_TYPE = 0x08;
    private static final int TAG_DATA = 0x12;

    private KeyProtobuf() {}

    static String typeName(int type) {
        switch (type) {
            case RSA:
                return "RSA";
            case ED25519:
                return "Ed25519";
            case SECP256K1:
                return "Secp256k1";
            case ECDSA:
                return "ECDSA";
            default:
                return "unknown(" + type + ")";
        }
    }

    /**
     * Checks {@code buf[offset, end)} and returns where its parts are, packed in a long so that
     * no object is allocated: key type in bits 48..55, Data offset in bits 24..47, Data length in
     * bits 0..23. Use {@link #type}, {@link #dataOffset} and {@link #dataLength} to unpack.
     *
     * @param what names the message in errors ({@code "PublicKey"} or {@code "PrivateKey"})
     * @throws IllegalArgumentException naming what is wrong: a missing or unexpected field, an
     *     unknown key type, a bad or truncated length, bytes after the Data field
     */
    static long parse(byte[] buf, int offset, int end, String what) {
        int pos = offset;
        if (pos >= end) {
            throw new IllegalArgumentException(what + " protobuf is empty");
        }
        int tag = buf[pos] & 0xFF;
        if (tag != TAG_TYPE) {
            throw new IllegalArgumentException(what + " protobuf must start with field 1 (Type, tag 0x08), found tag 0x"
                    + Integer.toHexString(tag));
        }
        pos++;
        long type = readVarint(buf, pos, end, what, "Type");
        pos += Varint.size(type);
        if (type > ECDSA) {
            throw new IllegalArgumentException(what + " protobuf has unknown key type " + type
                    + " (known: 0 RSA, 1 Ed25519, 2 Secp256k1, 3 ECDSA)");
        }
        if (pos >= end) {
            throw new IllegalArgumentException(what + " protobuf is missing field 2 (Data)");
        }
        tag = buf[pos] & 0xFF;
        if (tag != TAG_DATA) {
            throw new IllegalArgumentException(what + " protobuf: expected field 2 (Data, tag 0x12) after Type, found tag 0x"
                    + Integer.toHexString(tag));
        }
        pos++;
        long length = readVarint(buf, pos, end, what, "Data length");
        pos += Varint.size(length);
        int remaining = end - pos;
        if (length > remaining) {
            throw new IllegalArgumentException(what + " protobuf: Data length " + length + " exceeds the " + remaining
                    + " bytes that follow");
        }
        if (length < remaining) {
            throw new IllegalArgumentException(what + " protobuf: " + (remaining - length)
                    + " unexpected bytes after the Data field");
        }
        if (length == 0) {
            throw new IllegalArgumentException(what + " protobuf: Data is empty");
        }
        if (length > 0xFF_FFFF) {
            throw new IllegalArgumentException(what + " protobuf: Data length " + length + " is too large");
        }
        return (type << 48) | ((long) pos << 24) | length;
    }

    static int type(long parsed) {
        return (int) (parsed >>> 48);
    }

    static int dataOffset(long parsed) {
        return (int) ((parsed >>> 24) & 0xFF_FFFF);
    }

    static int dataLength(long parsed) {
        return (int) (parsed & 0xFF_FFFF);
    }

    private static long readVarint(byte[] buf, int pos, int end, String what, String field) {
        try {
            return Varint.read(buf, pos, end);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " protobuf: bad " + field + " varint: " + e.getMessage(), e);
        }
    }

    /** {@code 08 <type> 12 <len> <data>}: the deterministic encoding. */
    static byte[] encode(int type, byte[] data) {
        int length = data.length;
        byte[] out = new byte[2 + 1 + Varint.size(length) + length];
        out[0] = TAG_TYPE;
        out[1] = (byte) type;
        out[2] = TAG_DATA;
        int pos = Varint.write(out, 3, length);
        System.arraycopy(data, 0, out, pos, length);
        return out;
    }
}
