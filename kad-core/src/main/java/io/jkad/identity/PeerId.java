package io.jkad.identity;

import io.jkad.routing.Key;
import io.jkad.routing.KeyBytes;
import io.jkad.util.Base58;
import io.jkad.util.Multibase;
import io.jkad.util.Varint;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;

/**
 * A libp2p peer id: the multihash of a peer's encoded public key (identity multihash when the
 * encoded key is at most 42 bytes, SHA-256 otherwise). Immutable; equality on the bytes.
 * Its text form is base58btc ({@code 12D3KooW…} for Ed25519 keys); the CIDv1 form
 * ({@code bafz…}) is also read and written.
 *
 * <p>A valid binary peer id is either an identity multihash ({@code 0x00}) of at most 42 bytes
 * whose content is a deterministic libp2p {@code PublicKey} protobuf of any known key type (Data
 * of 32 bytes for Ed25519, 33 for Secp256k1), or a SHA-256 multihash ({@code 0x12}) with a
 * 32-byte digest. The Ed25519 curve point is <em>not</em> checked here (so that
 * {@link #random} ids, whose "keys" are random bytes, round-trip); {@link #publicKey()} checks it.
 */
public final class PeerId implements Comparable<PeerId> {

    /** The multihash prefix of an Ed25519 peer id: identity, 36 bytes, PublicKey{Type=Ed25519, Data=32 bytes}. */
    static final byte[] ED25519_PREFIX = {0x00, 0x24, 0x08, 0x01, 0x12, 0x20};

    /** Multihash code of the identity "hash": the content itself. */
    static final int IDENTITY = 0x00;
    /** Multihash code of SHA-256. */
    static final int SHA2_256 = 0x12;
    /** The longest encoded public key that is inlined as an identity multihash. */
    static final int MAX_INLINE_KEY_LENGTH = 42;
    /** Multicodec of a CID that names a peer: libp2p-key. */
    static final int LIBP2P_KEY = 0x72;
    /** Longer text cannot be a peer id; refused before any (quadratic) base58 decoding. */
    static final int MAX_TEXT_LENGTH = 128;

    private static final SecureRandom SHARED_RANDOM = new SecureRandom();
    /** Marks {@link #publicKeyCache} as computed and empty. */
    private static final Object NO_KEY = new Object();

    private final byte[] bytes;
    private final int hash;
    /** Lazily computed; Strings are immutable, so a racy write is safe. */
    private String base58;
    /** Lazily computed: an Ed25519PublicKey (final fields, safe to publish racily) or NO_KEY. */
    private Object publicKeyCache;
    /**
     * Lazily computed: the Kademlia key (final fields, safe to publish racily). Every routing table
     * entry, lookup and closest-peer answer about this peer needs it; computed once, the SHA-256 is
     * not repeated, and the tables of a simulation share one key object per peer.
     */
    private Key<PeerId> kademliaKey;

    PeerId(byte[] multihash) {
        this.bytes = multihash;
        this.hash = Arrays.hashCode(multihash);
    }

    /** The peer id of an Ed25519 public key (identity multihash, 38 bytes). */
    public static PeerId fromPublicKey(Ed25519PublicKey key) {
        byte[] b = Arrays.copyOf(ED25519_PREFIX, ED25519_PREFIX.length + Ed25519PublicKey.LENGTH);
        key.copyRawTo(b, ED25519_PREFIX.length);
        return new PeerId(b);
    }

    /**
     * Parses the binary form (a multihash).
     *
     * @throws IllegalArgumentException if the bytes are not an identity multihash of at most 42
     *     bytes holding a decodable public key, nor a SHA-256 multihash of 32 bytes
     */
    public static PeerId fromBytes(byte[] multihash) {
        validate(multihash, 0, multihash.length);
        return new PeerId(multihash.clone());
    }

    /**
     * Parses the binary form held in {@code buf[offset, offset+length)} (copied), without first
     * copying it out: for decoders that hold a larger buffer.
     *
     * @throws IllegalArgumentException as {@link #fromBytes(byte[])}
     * @throws IndexOutOfBoundsException if the range is outside {@code buf}
     */
    public static PeerId fromBytes(byte[] buf, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, buf.length);
        validate(buf, offset, offset + length);
        return new PeerId(Arrays.copyOfRange(buf, offset, offset + length));
    }

    /** Checks that {@code b[offset, end)} is a peer id multihash; throws naming the problem. */
    private static void validate(byte[] b, int offset, int end) {
        int length = end - offset;
        if (length < 2) {
            throw new IllegalArgumentException("peer id multihash too short: " + length + " bytes");
        }
        long code = varint(b, offset, end, "multihash code");
        int pos = offset + Varint.size(code);
        long digestLength = varint(b, pos, end, "multihash length");
        pos += Varint.size(digestLength);
        int remaining = end - pos;
        if (code == IDENTITY) {
            if (digestLength > MAX_INLINE_KEY_LENGTH) {
                throw new IllegalArgumentException("identity multihash peer id holds " + digestLength
                        + " bytes; at most " + MAX_INLINE_KEY_LENGTH + " are allowed (longer keys are hashed with SHA-256)");
            }
            checkDigestLength(digestLength, remaining);
            long parsed;
            try {
                parsed = KeyProtobuf.parse(b, pos, end, "PublicKey");
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("identity multihash peer id does not hold a public key: " + e.getMessage(), e);
            }
            int type = KeyProtobuf.type(parsed);
            int dataLength = KeyProtobuf.dataLength(parsed);
            if (type == KeyProtobuf.ED25519 && dataLength != Ed25519PublicKey.LENGTH) {
                throw new IllegalArgumentException("peer id holds an Ed25519 key of " + dataLength + " bytes, expected 32");
            }
            if (type == KeyProtobuf.SECP256K1 && dataLength != 33) {
                throw new IllegalArgumentException("peer id holds a Secp256k1 key of " + dataLength + " bytes, expected 33");
            }
        } else if (code == SHA2_256) {
            if (digestLength != 32) {
                throw new IllegalArgumentException("sha2-256 multihash peer id must have a 32-byte digest, not " + digestLength);
            }
            checkDigestLength(digestLength, remaining);
        } else {
            throw new IllegalArgumentException("unsupported multihash code 0x" + Long.toHexString(code)
                    + " for a peer id (expected identity 0x00 or sha2-256 0x12)");
        }
    }

    private static void checkDigestLength(long digestLength, int remaining) {
        if (digestLength > remaining) {
            throw new IllegalArgumentException("truncated multihash: length " + digestLength + " but " + remaining + " bytes follow");
        }
        if (digestLength < remaining) {
            throw new IllegalArgumentException("multihash length " + digestLength + " but " + remaining
                    + " bytes follow (" + (remaining - digestLength) + " extra)");
        }
    }

    private static long varint(byte[] b, int pos, int end, String what) {
        try {
            return Varint.read(b, pos, end);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad " + what + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses either text form: bare base58btc ({@code 12D3KooW…}, {@code Qm…}) or a CIDv1
     * with codec libp2p-key (0x72) in a multibase encoding ({@code bafz…}).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static PeerId parse(String text) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("empty peer id");
        }
        if (text.length() > MAX_TEXT_LENGTH) {
            throw new IllegalArgumentException("peer id text too long: " + text.length() + " characters (at most "
                    + MAX_TEXT_LENGTH + ")");
        }
        try {
            if (text.charAt(0) == '1' || text.startsWith("Qm")) {
                byte[] multihash = Base58.decode(text);
                validate(multihash, 0, multihash.length);
                return new PeerId(multihash);
            }
            byte[] cid = Multibase.decode(text);
            long version = varint(cid, 0, cid.length, "CID version");
            if (version != 1) {
                throw new IllegalArgumentException("not a CIDv1: version " + version
                        + " (a peer id is bare base58btc or a CIDv1 with a multibase prefix)");
            }
            int pos = Varint.size(version);
            long codec = varint(cid, pos, cid.length, "CID codec");
            if (codec != LIBP2P_KEY) {
                throw new IllegalArgumentException("CID codec 0x" + Long.toHexString(codec) + " is not libp2p-key (0x72)");
            }
            pos += Varint.size(codec);
            validate(cid, pos, cid.length);
            return new PeerId(Arrays.copyOfRange(cid, pos, cid.length));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid peer id '" + text + "': " + e.getMessage(), e);
        }
    }

    /** A random peer id with the shape of an Ed25519 one, from the given source (deterministic for a seeded source). */
    public static PeerId random(Random random) {
        byte[] b = Arrays.copyOf(ED25519_PREFIX, ED25519_PREFIX.length + 32);
        byte[] key = new byte[32];
        random.nextBytes(key);
        System.arraycopy(key, 0, b, ED25519_PREFIX.length, 32);
        return new PeerId(b);
    }

    /** A random peer id from a shared secure source. */
    public static PeerId random() {
        return random(SHARED_RANDOM);
    }

    /** The multihash bytes (a copy). */
    public byte[] toBytes() {
        return bytes.clone();
    }

    /** The base58btc text form. */
    public String toBase58() {
        String text = base58;
        if (text == null) {
            text = Base58.encode(bytes);
            base58 = text;
        }
        return text;
    }

    /** The length of the binary form. */
    public int length() {
        return bytes.length;
    }

    /** Copies the binary form into {@code out} at {@code offset}; returns the offset after it. */
    public int writeTo(byte[] out, int offset) {
        System.arraycopy(bytes, 0, out, offset, bytes.length);
        return offset + bytes.length;
    }

    /** The CIDv1 text form: base32 lower case, multibase prefix {@code b}. */
    public String toCidString() {
        byte[] cid = new byte[2 + bytes.length];
        cid[0] = 0x01;
        cid[1] = LIBP2P_KEY;
        System.arraycopy(bytes, 0, cid, 2, bytes.length);
        return Multibase.encodeBase32(cid);
    }

    /** The peer id as an IPNS name: a CIDv1 ({@code libp2p-key}) in base36 ({@code k51qzi5uqu5d…}). */
    public String toIpnsName() {
        byte[] cid = new byte[2 + bytes.length];
        cid[0] = 0x01;
        cid[1] = LIBP2P_KEY;
        System.arraycopy(bytes, 0, cid, 2, bytes.length);
        return Multibase.encodeBase36(cid);
    }

    /**
     * Whether this id is the identity multihash of exactly {@code encodedKey} (an encoded public
     * key short enough to be inlined, as Ed25519 keys are). Such a key needs no decoding to be
     * matched with the id: the id was made from it.
     */
    public boolean inlines(byte[] encodedKey) {
        return encodedKey.length <= MAX_INLINE_KEY_LENGTH
                && bytes.length == 2 + encodedKey.length
                && bytes[0] == IDENTITY
                && bytes[1] == encodedKey.length
                && Arrays.equals(bytes, 2, bytes.length, encodedKey, 0, encodedKey.length);
    }

    /** The public key, when the id is an identity multihash of an Ed25519 key. */
    public Optional<Ed25519PublicKey> publicKey() {
        Object cached = publicKeyCache;
        if (cached == null) {
            Ed25519PublicKey key = null;
            if (bytes.length == ED25519_PREFIX.length + Ed25519PublicKey.LENGTH
                    && Arrays.equals(bytes, 0, ED25519_PREFIX.length, ED25519_PREFIX, 0, ED25519_PREFIX.length)) {
                key = Ed25519PublicKey.fromRawOrNull(bytes, ED25519_PREFIX.length);
            }
            cached = key == null ? NO_KEY : key;
            publicKeyCache = cached;
        }
        return cached == NO_KEY ? Optional.empty() : Optional.of((Ed25519PublicKey) cached);
    }

    @Override
    public int compareTo(PeerId o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    /**
     * The key of this peer in the Kademlia key space (the SHA-256 digest of {@link #toBytes()}),
     * computed once; {@link Key#of(PeerId)} returns it.
     */
    public Key<PeerId> kademliaKey() {
        Key<PeerId> k = kademliaKey;
        if (k == null) {
            k = Key.withDigest(this, KeyBytes.digestOf(bytes));
            kademliaKey = k;
        }
        return k;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PeerId p && p.hash == hash && Arrays.equals(p.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return toBase58();
    }
}
