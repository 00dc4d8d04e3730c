package io.jkad.record;

/** The key of a value record or of provider records: opaque bytes. Immutable; equality on the bytes. */
public final class RecordKey implements Comparable<RecordKey> {

    private RecordKey() {}

    /** @throws IllegalArgumentException if {@code bytes} is empty */
    public static RecordKey of(byte[] bytes) {
        throw new UnsupportedOperationException("not implemented");
    }

    /** The UTF-8 bytes of {@code text}. */
    public static RecordKey ofUtf8(String text) {
        throw new UnsupportedOperationException("not implemented");
    }

    /** The bytes (a copy). */
    public byte[] toBytes() {
        throw new UnsupportedOperationException("not implemented");
    }

    public int length() {
        throw new UnsupportedOperationException("not implemented");
    }

    /** Unsigned lexicographic order of the bytes. */
    @Override
    public int compareTo(RecordKey o) {
        throw new UnsupportedOperationException("not implemented");
    }

    /** The key as text when it is printable UTF-8, else as hex. */
    @Override
    public String toString() {
        throw new UnsupportedOperationException("not implemented");
    }
}
