package io.jkad.record;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The key of a value record or of provider records: opaque bytes. Immutable; equality on the
 * bytes; ordered by the unsigned bytes. Never empty.
 */
public final class RecordKey implements Comparable<RecordKey> {

    private final byte[] bytes;
    private final int hash;

    private RecordKey(byte[] bytes) {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    /**
     * The key made of {@code bytes} (copied).
     *
     * @throws IllegalArgumentException if {@code bytes} is empty
     * @throws NullPointerException if {@code bytes} is null
     */
    public static RecordKey of(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length == 0) {
            throw new IllegalArgumentException("a record key must not be empty: 0 bytes");
        }
        return new RecordKey(bytes.clone());
    }

    /**
     * The UTF-8 bytes of {@code text}.
     *
     * @throws IllegalArgumentException if {@code text} is empty
     * @throws NullPointerException if {@code text} is null
     */
    public static RecordKey ofUtf8(String text) {
        Objects.requireNonNull(text, "text");
        if (text.isEmpty()) {
            throw new IllegalArgumentException("a record key must not be empty: \"\"");
        }
        return new RecordKey(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The bytes (a copy). */
    public byte[] toBytes() {
        return bytes.clone();
    }

    /** The number of bytes, at least 1. */
    public int length() {
        return bytes.length;
    }

    /** The bytes as lower-case hex, two digits a byte. */
    public String toHex() {
        return HexFormat.of().formatHex(bytes);
    }

    /** Unsigned lexicographic order of the bytes; a proper prefix sorts first. */
    @Override
    public int compareTo(RecordKey o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RecordKey k && k.hash == hash && Arrays.equals(k.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    /**
     * The key as text when its bytes are valid UTF-8 made only of printable characters (no control,
     * format, private-use or unassigned code points), else {@code 0x} followed by {@link #toHex()}.
     */
    @Override
    public String toString() {
        String text = printableUtf8(bytes);
        return text != null ? text : "0x" + toHex();
    }

    /** The text of {@code bytes} if they are strict UTF-8 of printable characters, else null. */
    static String printableUtf8(byte[] bytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            switch (Character.getType(cp)) {
                case Character.CONTROL, Character.FORMAT, Character.PRIVATE_USE, Character.SURROGATE,
                        Character.UNASSIGNED, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> {
                    return null;
                }
                default -> i += Character.charCount(cp);
            }
        }
        return text;
    }
}
