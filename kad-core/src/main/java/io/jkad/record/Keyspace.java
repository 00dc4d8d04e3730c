package io.jkad.record;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Optional;

/**
 * Keyspace order, as a reprovide sweep walks it: a record key's Kademlia id is the SHA-256 of its
 * bytes ({@link #id}); ids compare as unsigned 256-bit numbers, and keys of one id (never two, in
 * practice) by their bytes. A region of the keyspace is every id with a given prefix of
 * {@code bits} bits; {@link #regionStart} is its first id and {@link #nextRegionStart} the first
 * id after it, so that {@link RecordStore#providedFrom} reads one region, or finds the next region
 * that holds keys.
 */
public final class Keyspace {

    /** The length of a Kademlia id: 32 bytes. */
    public static final int ID_BYTES = 32;

    /** Provided records in keyspace order: by their key's id, then by the key's bytes. */
    public static final Comparator<ProviderRecord> ORDER = Comparator
            .comparing((ProviderRecord r) -> id(r.key()), Arrays::compareUnsigned)
            .thenComparing(ProviderRecord::key);

    private Keyspace() {}

    /** The Kademlia id of {@code key}: the SHA-256 of its bytes. */
    public static byte[] id(RecordKey key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.toBytes());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** Whether the first {@code bits} bits of {@code id} are those of {@code prefix}. */
    public static boolean hasPrefix(byte[] id, byte[] prefix, int bits) {
        checkBits(bits);
        int whole = bits / 8;
        if (!Arrays.equals(id, 0, whole, prefix, 0, whole)) {
            return false;
        }
        int rest = bits % 8;
        if (rest == 0) {
            return true;
        }
        int mask = 0xFF << (8 - rest) & 0xFF;
        return (id[whole] & mask) == (prefix[whole] & mask);
    }

    /** The first id of the region of {@code prefix}'s first {@code bits} bits: those bits, then zeros. */
    public static byte[] regionStart(byte[] prefix, int bits) {
        checkBits(bits);
        byte[] start = new byte[ID_BYTES];
        int whole = bits / 8;
        System.arraycopy(prefix, 0, start, 0, whole);
        int rest = bits % 8;
        if (rest != 0) {
            start[whole] = (byte) (prefix[whole] & (0xFF << (8 - rest)));
        }
        return start;
    }

    /**
     * The first id after the region of {@code prefix}'s first {@code bits} bits (the start of the
     * next region of the same length); empty for the last region (all ones) and for {@code bits} 0.
     */
    public static Optional<byte[]> nextRegionStart(byte[] prefix, int bits) {
        byte[] next = regionStart(prefix, bits);
        if (bits == 0) {
            return Optional.empty();
        }
        // add one at the prefix's last bit, carrying towards the front
        int bit = bits - 1;
        for (int i = bit / 8; i >= 0; i--) {
            int add = i == bit / 8 ? 1 << (7 - bit % 8) : 1;
            int sum = (next[i] & 0xFF) + add;
            next[i] = (byte) sum;
            if (sum <= 0xFF) {
                return Optional.of(next);
            }
        }
        return Optional.empty();
    }

    /** How far into the keyspace {@code id} lies, in [0, 1): its first 53 bits over 2^53. */
    public static double fraction(byte[] id) {
        long top = 0;
        for (int i = 0; i < 8; i++) {
            top = top << 8 | (id[i] & 0xFF);
        }
        return (top >>> 11) * 0x1.0p-53;
    }

    /**
     * A random record key whose id has the first {@code bits} bits of {@code prefix}: a lookup
     * target inside that region (peers hash the keys they are asked about, so a target must be a
     * preimage). Found by trying random keys, about 2^bits SHA-256 hashes.
     *
     * @throws IllegalArgumentException if {@code bits} is over 24 (too many hashes)
     */
    public static RecordKey keyWithPrefix(byte[] prefix, int bits, java.util.Random random) {
        checkBits(bits);
        if (bits > 24) {
            throw new IllegalArgumentException("finding a key with a prefix of " + bits + " bits takes too long");
        }
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
        byte[] key = new byte[16];
        random.nextBytes(key);
        for (long counter = 0; ; counter++) {
            for (int i = 0; i < 8; i++) {
                key[8 + i] = (byte) (counter >>> (56 - 8 * i));
            }
            if (hasPrefix(sha.digest(key), prefix, bits)) {
                return RecordKey.of(key.clone());
            }
        }
    }

    private static void checkBits(int bits) {
        if (bits < 0 || bits > ID_BYTES * 8) {
            throw new IllegalArgumentException("a prefix has 0 to 256 bits: " + bits);
        }
    }
}
