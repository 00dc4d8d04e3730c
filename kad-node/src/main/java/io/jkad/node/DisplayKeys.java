package io.jkad.node;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * How the command line turns a KEY argument into key bytes, and key bytes back into text.
 *
 * <p>Record keys ({@code put}, {@code get}) are the UTF-8 bytes of the text. Provider keys
 * ({@code provide}, {@code providers}) are CIDs' multihashes ({@link ClientCommands.ProviderKeyArg}).
 * With {@code --hex} the argument is the key's bytes in hex, used as they are.
 */
final class DisplayKeys {

    private DisplayKeys() {}

    /** The UTF-8 bytes of {@code text}, or the bytes {@code text} spells in hex. */
    static byte[] recordKey(String text, boolean hex) {
        return hex ? hex(text) : text.getBytes(StandardCharsets.UTF_8);
    }

    /** A sha2-256 multihash. */
    static byte[] multihash(byte[] data) {
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] mh = new byte[2 + digest.length];
        mh[0] = 0x12;
        mh[1] = 0x20;
        System.arraycopy(digest, 0, mh, 2, digest.length);
        return mh;
    }

    /**
     * @throws IllegalArgumentException if {@code text} is not an even number of hex digits, or empty
     */
    static byte[] hex(String text) {
        String t = text.startsWith("0x") ? text.substring(2) : text;
        byte[] b;
        try {
            b = HexFormat.of().parseHex(t);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not hex: '" + text + "'");
        }
        if (b.length == 0) {
            throw new IllegalArgumentException("the key must not be empty");
        }
        return b;
    }

    /** The key as text when it is printable UTF-8, otherwise {@code 0x} and its hex. */
    static String describe(byte[] key) {
        return printable(key).orElse("0x" + HexFormat.of().formatHex(key));
    }

    /** The bytes as text if they are valid UTF-8 without control characters. */
    static java.util.Optional<String> printable(byte[] bytes) {
        try {
            String s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (Character.isISOControl(c) && c != '\n' && c != '\t' && c != '\r') {
                    return java.util.Optional.empty();
                }
            }
            return java.util.Optional.of(s);
        } catch (CharacterCodingException e) {
            return java.util.Optional.empty();
        }
    }
}
