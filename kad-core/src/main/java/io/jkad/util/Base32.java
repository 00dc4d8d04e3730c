package io.jkad.util;

import java.util.Arrays;

/**
 * Base32 of RFC 4648 §6 (alphabet {@code a-z2-7}) without padding, as multibase uses it
 * ({@code base32}, prefix {@code b}, lower case; {@code base32upper}, prefix {@code B}).
 *
 * <p>Decoding is strict: one letter case only (the one asked for), no padding, no length that
 * no byte string encodes to (1, 3 or 6 characters past a multiple of 8), and the unused low bits
 * of the last character must be zero, so that every byte string has exactly one encoding.
 */
public final class Base32 {
    private static final char[] LOWER = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
    private static final char[] UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".toCharArray();
    private static final byte[] LOWER_INDEX = index(LOWER);
    private static final byte[] UPPER_INDEX = index(UPPER);

    private Base32() {}

    private static byte[] index(char[] alphabet) {
        byte[] index = new byte[128];
        Arrays.fill(index, (byte) -1);
        for (int i = 0; i < alphabet.length; i++) {
            index[alphabet[i]] = (byte) i;
        }
        return index;
    }

    /** The number of characters {@link #encode} produces for {@code byteCount} bytes. */
    public static int encodedLength(int byteCount) {
        return (int) ((byteCount * 8L + 4) / 5);
    }

    /** Encodes in lower case without padding. */
    public static String encode(byte[] input) {
        return encode(input, 0, input.length, false);
    }

    /** Encodes {@code input[offset, offset+length)} without padding, in lower or upper case. */
    public static String encode(byte[] input, int offset, int length, boolean upperCase) {
        char[] out = new char[encodedLength(length)];
        encodeInto(input, offset, length, upperCase, out, 0);
        return new String(out);
    }

    /**
     * Encodes {@code input[offset, offset+length)} into {@code out} at {@code outOffset}.
     *
     * @return the index in {@code out} just past the last character written
     */
    public static int encodeInto(byte[] input, int offset, int length, boolean upperCase, char[] out, int outOffset) {
        char[] alphabet = upperCase ? UPPER : LOWER;
        int o = outOffset;
        int buffer = 0;
        int bits = 0;
        int end = offset + length;
        for (int i = offset; i < end; i++) {
            buffer = (buffer << 8) | (input[i] & 0xFF);
            bits += 8;
            while (bits >= 5) {
                bits -= 5;
                out[o++] = alphabet[(buffer >>> bits) & 0x1F];
            }
        }
        if (bits > 0) {
            out[o++] = alphabet[(buffer << (5 - bits)) & 0x1F];
        }
        return o;
    }

    /**
     * Decodes lower-case base32 without padding.
     *
     * @throws IllegalArgumentException on a character outside the lower-case alphabet, an
     *     impossible length or non-zero trailing bits
     */
    public static byte[] decode(CharSequence input) {
        return decode(input, 0, input.length(), false);
    }

    /**
     * Decodes the characters {@code input[from, to)}, which must all be of the given case.
     *
     * @throws IllegalArgumentException on a character outside that alphabet, an impossible
     *     length or non-zero trailing bits
     */
    public static byte[] decode(CharSequence input, int from, int to, boolean upperCase) {
        int chars = to - from;
        int rest = chars % 8;
        if (rest == 1 || rest == 3 || rest == 6) {
            throw new IllegalArgumentException("invalid base32 length " + chars + " (no byte string encodes to it)");
        }
        byte[] index = upperCase ? UPPER_INDEX : LOWER_INDEX;
        byte[] out = new byte[(int) (chars * 5L / 8)];
        int o = 0;
        int buffer = 0;
        int bits = 0;
        for (int i = from; i < to; i++) {
            char c = input.charAt(i);
            int d = c < 128 ? index[c] : -1;
            if (d < 0) {
                throw new IllegalArgumentException("invalid base32 character '" + c + "' at " + (i - from)
                        + (upperCase ? " (expected A-Z, 2-7)" : " (expected a-z, 2-7)"));
            }
            buffer = (buffer << 5) | d;
            bits += 5;
            if (bits >= 8) {
                bits -= 8;
                out[o++] = (byte) (buffer >>> bits);
            }
        }
        if ((buffer & ((1 << bits) - 1)) != 0) {
            throw new IllegalArgumentException("invalid base32: non-zero trailing bits in the last character");
        }
        return out;
    }
}
