package io.jkad.util;

import java.util.Arrays;

/** Base58 with the Bitcoin alphabet (multibase {@code base58btc}), without a multibase prefix. */
public final class Base58 {
    private static final char[] ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".toCharArray();
    private static final int[] INDEX = new int[128];

    static {
        Arrays.fill(INDEX, -1);
        for (int i = 0; i < ALPHABET.length; i++) {
            INDEX[ALPHABET[i]] = i;
        }
    }

    private Base58() {}

    /** 58^5, the largest power of 58 below 2^30: base58 digits are produced and consumed five at a time. */
    private static final long CHUNK = 58L * 58 * 58 * 58 * 58;

    /**
     * Encodes {@code input}; each leading zero byte becomes a leading {@code 1}.
     *
     * <p>The number is held in 32-bit words and divided by 58^5 per pass, which gives five digits
     * per pass instead of one: about ten times fewer divisions than digit-at-a-time.
     */
    public static String encode(byte[] input) {
        int zeros = 0;
        while (zeros < input.length && input[zeros] == 0) {
            zeros++;
        }
        int length = input.length - zeros;
        // The significant bytes as big-endian 32-bit words; the first may be partial.
        int wordCount = (length + 3) / 4;
        int[] words = new int[wordCount];
        int p = zeros;
        int firstBytes = length - 4 * (wordCount - 1);
        for (int w = 0; w < wordCount; w++) {
            int v = 0;
            for (int k = w == 0 ? firstBytes : 4; k > 0; k--) {
                v = (v << 8) | (input[p++] & 0xFF);
            }
            words[w] = v;
        }
        char[] out = new char[zeros + length * 2 + 5];
        int outStart = out.length;
        int start = 0;
        while (start < wordCount) {
            long remainder = 0;
            for (int i = start; i < wordCount; i++) {
                long acc = (remainder << 32) | (words[i] & 0xFFFFFFFFL);
                words[i] = (int) (acc / CHUNK);
                remainder = acc % CHUNK;
            }
            while (start < wordCount && words[start] == 0) {
                start++;
            }
            for (int k = 0; k < 5; k++) {
                out[--outStart] = ALPHABET[(int) (remainder % 58)];
                remainder /= 58;
            }
        }
        // The last chunk was padded with zero digits; the number itself has no leading zeros.
        while (outStart < out.length && out[outStart] == ALPHABET[0]) {
            outStart++;
        }
        for (int i = 0; i < zeros; i++) {
            out[--outStart] = ALPHABET[0];
        }
        return new String(out, outStart, out.length - outStart);
    }

    /**
     * Decodes base58btc text; each leading {@code 1} becomes a leading zero byte.
     *
     * @throws IllegalArgumentException on a character outside the alphabet (named with its index)
     */
    public static byte[] decode(String input) {
        int n = input.length();
        int zeros = 0;
        while (zeros < n && input.charAt(zeros) == ALPHABET[0]) {
            zeros++;
        }
        // log(58) / log(256) < 0.7323: an upper bound on the significant bytes.
        int maxBytes = (int) ((n - zeros) * 7323L / 10000) + 1;
        int wordCount = (maxBytes + 3) / 4;
        int[] words = new int[wordCount]; // big-endian
        int i = zeros;
        while (i < n) {
            long group = 0;
            long multiplier = 1;
            for (int k = 0; k < 5 && i < n; k++, i++) {
                char c = input.charAt(i);
                int d = c < 128 ? INDEX[c] : -1;
                if (d < 0) {
                    throw new IllegalArgumentException("invalid base58 character '" + c + "' at " + i);
                }
                group = group * 58 + d;
                multiplier *= 58;
            }
            long carry = group;
            for (int w = wordCount - 1; w >= 0; w--) {
                long acc = (words[w] & 0xFFFFFFFFL) * multiplier + carry;
                words[w] = (int) acc;
                carry = acc >>> 32;
            }
            if (carry != 0) {
                throw new IllegalStateException("base58 decode overflow"); // the size bound above rules this out
            }
        }
        int w = 0;
        while (w < wordCount && words[w] == 0) {
            w++;
        }
        int leadingZeroBytes = w < wordCount ? Integer.numberOfLeadingZeros(words[w]) / 8 : 0;
        int significant = (wordCount - w) * 4 - leadingZeroBytes;
        byte[] result = new byte[zeros + significant];
        int o = zeros;
        for (int b = leadingZeroBytes; w < wordCount; w++, b = 0) {
            for (; b < 4; b++) {
                result[o++] = (byte) (words[w] >>> (24 - 8 * b));
            }
        }
        return result;
    }
}
