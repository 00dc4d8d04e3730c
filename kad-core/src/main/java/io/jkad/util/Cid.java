package io.jkad.util;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A content id as the CID specification defines it, read for what the DHT needs of it: the
 * multihash, which is the provider key go-, js- and rust-libp2p use for a CID.
 *
 * <p>{@link #parse} takes a CIDv0 ({@code Qm…}, base58btc of a sha2-256 multihash), a CIDv1 in
 * any multibase {@link Multibase#decode} reads ({@code bafy…}, {@code bafk…}, {@code z…},
 * {@code k…}, {@code f01…}, …), or a bare multihash in base58btc or multibase. {@link #toString}
 * prints a CIDv0 as it came and a CIDv1 in base32, the form {@code ipfs} prints.
 *
 * @param version 0 or 1
 * @param codec the content's multicodec ({@code 0x70} dag-pb for CIDv0; {@code 0x55} raw, …)
 * @param multihash the multihash bytes: hash function code, digest length, digest
 */
public record Cid(int version, long codec, byte[] multihash) {

    /** The multicodec of raw bytes. */
    public static final long RAW = 0x55;
    /** The multicodec of dag-pb, the codec every CIDv0 implies. */
    public static final long DAG_PB = 0x70;

    public Cid {
        if (version != 0 && version != 1) {
            throw new IllegalArgumentException("CID version " + version + " (known: 0 and 1)");
        }
        multihash = checkMultihash(multihash).clone();
        if (version == 0 && (codec != DAG_PB || !isSha256(multihash))) {
            throw new IllegalArgumentException("a CIDv0 is a dag-pb sha2-256 multihash");
        }
    }

    @Override
    public byte[] multihash() {
        return multihash.clone();
    }

    /** A CIDv1 of raw bytes ({@code bafkrei…} for sha2-256) for this multihash. */
    public static Cid rawV1(byte[] multihash) {
        return new Cid(1, RAW, multihash);
    }

    /**
     * Reads a CID or a bare multihash from text.
     *
     * @throws IllegalArgumentException with the reason, if it is neither
     */
    public static Cid parse(String text) {
        Objects.requireNonNull(text, "text");
        String t = text.strip();
        if (t.isEmpty()) {
            throw new IllegalArgumentException("empty CID");
        }
        if (t.length() == 46 && t.startsWith("Qm")) {
            return new Cid(0, DAG_PB, Base58.decode(t));
        }
        byte[] bytes;
        if (t.startsWith("1") || t.startsWith("Qm")) {
            bytes = Base58.decode(t); // a bare multihash in base58btc, as peer ids are written
        } else {
            bytes = Multibase.decode(t);
        }
        if (bytes.length > 0 && bytes[0] == 0x01) {
            int pos = Varint.size(1);
            long codec = Varint.read(bytes, pos, bytes.length);
            pos += Varint.size(codec);
            return new Cid(1, codec, Arrays.copyOfRange(bytes, pos, bytes.length));
        }
        // not a CIDv1 (those start with their version, 1, which no hash function's code is): a multihash
        try {
            return rawV1(bytes);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("neither a CID nor a multihash: " + text + " (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Checks that {@code mh} is one multihash: a code, a length, and exactly that many digest bytes.
     *
     * @return {@code mh}
     * @throws IllegalArgumentException otherwise
     */
    static byte[] checkMultihash(byte[] mh) {
        Objects.requireNonNull(mh, "multihash");
        try {
            long code = Varint.read(mh, 0, mh.length);
            int pos = Varint.size(code);
            long length = Varint.read(mh, pos, mh.length);
            pos += Varint.size(length);
            if (length != mh.length - pos) {
                throw new IllegalArgumentException("the multihash says " + length + " digest bytes and has "
                        + (mh.length - pos));
            }
            if (length == 0 || length > 128) {
                throw new IllegalArgumentException("multihash digest of " + length + " bytes");
            }
        } catch (IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("truncated multihash", e);
        }
        return mh;
    }

    private static boolean isSha256(byte[] mh) {
        return mh.length == 34 && mh[0] == 0x12 && mh[1] == 0x20;
    }

    /** The CID's bytes: for a CIDv0 the multihash, for a CIDv1 version, codec, multihash. */
    public byte[] toBytes() {
        if (version == 0) {
            return multihash.clone();
        }
        byte[] v = Varint.encode(1);
        byte[] c = Varint.encode(codec);
        byte[] out = new byte[v.length + c.length + multihash.length];
        System.arraycopy(v, 0, out, 0, v.length);
        System.arraycopy(c, 0, out, v.length, c.length);
        System.arraycopy(multihash, 0, out, v.length + c.length, multihash.length);
        return out;
    }

    /** {@code Qm…} for a CIDv0, {@code b…} (base32) for a CIDv1. */
    @Override
    public String toString() {
        return version == 0 ? Base58.encode(multihash) : Multibase.encodeBase32(toBytes());
    }

    /** The multihash in hex, for logs and the API's {@code key_hex}. */
    public String multihashHex() {
        return HexFormat.of().formatHex(multihash);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cid c && c.version == version && c.codec == codec && Arrays.equals(c.multihash, multihash);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * version + Long.hashCode(codec)) + Arrays.hashCode(multihash);
    }
}
