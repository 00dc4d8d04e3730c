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

    public static String encode(byte[] input) {
        if (input.length == 0) {
            return "";
        }
        int zeros = 0;
        while (zeros < input.length && input[zeros] == 0) {
            zeros++;
        }
        byte[] digits = Arrays.copyOf(input, input.length);
        char[] out = new char[input.length * 2];
        int outStart = out.length;
        int start = zeros;
        while (start < digits.length) {
            // Divide the big-endian number in digits[start..] by 58, in place.
            int remainder = 0;
            for (int i = start; i < digits.length; i++) {
                int acc = remainder * 256 + (digits[i] & 0xFF);
                digits[i] = (byte) (acc / 58);
                remainder = acc % 58;
            }
            out[--outStart] = ALPHABET[remainder];
            while (start < digits.length && digits[start] == 0) {
                start++;
            }
        }
        for (int i = 0; i < zeros; i++) {
            out[--outStart] = ALPHABET[0];
        }
        return new String(out, outStart, out.length - outStart);
    }

    /** @throws IllegalArgumentException on a character outside the alphabet */
    public static byte[] decode(String input) {
        if (input.isEmpty()) {
            return new byte[0];
        }
        byte[] digits58 = new byte[input.length()];
        for (int i = 0; i < input.length(); i++) {
            char c = input.charAt(i);
            int d = c < 128 ? INDEX[c] : -1;
            if (d < 0) {
                throw new IllegalArgumentException("invalid base58 character '" + c + "' at " + i);
            }
            digits58[i] = (byte) d;
        }
        int zeros = 0;
        while (zeros < digits58.length && digits58[zeros] == 0) {
            zeros++;
        }
        byte[] out = new byte[input.length()];
        int outStart = out.length;
        int start = zeros;
        while (start < digits58.length) {
            int remainder = 0;
            for (int i = start; i < digits58.length; i++) {
                int acc = remainder * 58 + (digits58[i] & 0xFF);
                digits58[i] = (byte) (acc / 256);
                remainder = acc % 256;
            }
            out[--outStart] = (byte) remainder;
            while (start < digits58.length && digits58[start] == 0) {
                start++;
            }
        }
        while (outStart < out.length && out[outStart] == 0) {
            outStart++;
        }
        byte[] result = new byte[zeros + out.length - outStart];
        System.arraycopy(out, outStart, result, zeros, out.length - outStart);
        return result;
    }
}
