package io.jkad.util;

import java.util.Base64;
import java.util.HexFormat;

/**
 * Multibase text: one prefix character naming the base, then the encoded bytes.
 *
 * <p>Decoded: {@code b} base32 (lower), {@code B} base32upper, {@code z} base58btc, {@code f}
 * base16 (lower), {@code F} base16upper, {@code m} base64, {@code M} base64pad, {@code u}
 * base64url, {@code U} base64urlpad, {@code k} base36 (lower), {@code K} base36upper (IPNS names
 * use it). Other prefixes (base2, base8, base10, …) are refused with an error that names the prefix.
 */
public final class Multibase {
    private static final HexFormat HEX = HexFormat.of();

    private Multibase() {}

    /** {@code b} followed by lower-case base32 without padding. */
    public static String encodeBase32(byte[] data) {
        char[] out = new char[1 + Base32.encodedLength(data.length)];
        out[0] = 'b';
        Base32.encodeInto(data, 0, data.length, false, out, 1);
        return new String(out);
    }

    /** {@code u} followed by base64url without padding. */
    /** {@code k} and base36, lower case: how IPNS names are written ({@code k51qzi5uqu5d…}). */
    public static String encodeBase36(byte[] data) {
        int zeros = 0;
        while (zeros < data.length && data[zeros] == 0) {
            zeros++;
        }
        StringBuilder digits = new StringBuilder();
        java.math.BigInteger n = new java.math.BigInteger(1, data);
        if (n.signum() > 0) {
            digits.append(n.toString(36));
        }
        return "k" + "0".repeat(zeros) + digits;
    }

    public static String encodeBase64Url(byte[] data) {
        return "u" + Base64.getUrlEncoder().withoutPadding().encodeToString(data);
    }

    /**
     * Decodes multibase text.
     *
     * @throws IllegalArgumentException if the text is empty, the prefix is not one of those listed
     *     above, or the rest is not valid in that base
     */
    public static byte[] decode(String text) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("empty multibase text");
        }
        char prefix = text.charAt(0);
        if ("bBzfFmMuUkK".indexOf(prefix) < 0) {
            throw new IllegalArgumentException("unsupported multibase prefix '" + prefix
                    + "' (supported: b, B, z, f, F, m, M, u, U, k, K)");
        }
        try {
            switch (prefix) {
                case 'b':
                    return Base32.decode(text, 1, text.length(), false);
                case 'B':
                    return Base32.decode(text, 1, text.length(), true);
                case 'z':
                    return Base58.decode(text.substring(1));
                case 'f':
                    return decodeHex(text, false);
                case 'F':
                    return decodeHex(text, true);
                case 'm':
                    return decodeBase64(text, Base64.getDecoder(), false);
                case 'M':
                    return decodeBase64(text, Base64.getDecoder(), true);
                case 'u':
                    return decodeBase64(text, Base64.getUrlDecoder(), false);
                case 'k':
                    return decodeBase36(text, false);
                case 'K':
                    return decodeBase36(text, true);
                default: // 'U'
                    return decodeBase64(text, Base64.getUrlDecoder(), true);
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid multibase '" + prefix + "' text: " + e.getMessage(), e);
        }
    }

    private static byte[] decodeHex(String text, boolean upper) {
        for (int i = 1; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || (upper ? (c >= 'A' && c <= 'F') : (c >= 'a' && c <= 'f'));
            if (!ok) {
                throw new IllegalArgumentException("invalid base16" + (upper ? "upper" : "") + " character '" + c + "' at " + (i - 1));
            }
        }
        if ((text.length() - 1) % 2 != 0) {
            throw new IllegalArgumentException("odd number of base16 digits: " + (text.length() - 1));
        }
        return HEX.parseHex(text, 1, text.length());
    }

    /**
     * Base36 as multibase defines it: the number in digits 0-9 then a-z (or A-Z), each leading
     * {@code 0} digit one leading zero byte (as base58btc does with {@code 1}).
     */
    private static byte[] decodeBase36(String text, boolean upper) {
        int zeros = 0;
        while (1 + zeros < text.length() && text.charAt(1 + zeros) == '0') {
            zeros++;
        }
        java.math.BigInteger n = java.math.BigInteger.ZERO;
        java.math.BigInteger base = java.math.BigInteger.valueOf(36);
        for (int i = 1 + zeros; i < text.length(); i++) {
            char c = text.charAt(i);
            int digit;
            if (c >= '0' && c <= '9') {
                digit = c - '0';
            } else if (!upper && c >= 'a' && c <= 'z') {
                digit = c - 'a' + 10;
            } else if (upper && c >= 'A' && c <= 'Z') {
                digit = c - 'A' + 10;
            } else {
                throw new IllegalArgumentException("invalid base36" + (upper ? "upper" : "") + " character '" + c
                        + "' at " + (i - 1));
            }
            n = n.multiply(base).add(java.math.BigInteger.valueOf(digit));
        }
        byte[] magnitude = n.signum() == 0 ? new byte[0] : n.toByteArray();
        int skip = magnitude.length > 0 && magnitude[0] == 0 ? 1 : 0; // BigInteger's sign byte
        byte[] out = new byte[zeros + magnitude.length - skip];
        System.arraycopy(magnitude, skip, out, zeros, magnitude.length - skip);
        return out;
    }

    private static byte[] decodeBase64(String text, Base64.Decoder decoder, boolean padded) {
        String body = text.substring(1);
        if (padded && body.length() % 4 != 0) {
            throw new IllegalArgumentException("padded base64 length " + body.length() + " is not a multiple of 4");
        }
        if (!padded && body.indexOf('=') >= 0) {
            throw new IllegalArgumentException("unpadded base64 must not contain '='");
        }
        return decoder.decode(body);
    }
}
