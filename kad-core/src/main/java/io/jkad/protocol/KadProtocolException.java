package io.jkad.protocol;

import java.util.Objects;

/**
 * A Kademlia message that cannot be decoded: bytes that are not the protobuf, a message too large,
 * a missing or invalid field, or a type that does not fit (a response to another request, a
 * message type no one answers). {@link #kind()} says which; the message names the field and value.
 * The remote peer sent it: the usual reaction is to reset that stream.
 */
public final class KadProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What is wrong. */
    public enum Kind {
        /** The bytes are not a valid protobuf {@code Message}. */
        MALFORMED,
        /** The message is larger than the codec's maximum message size. */
        TOO_LARGE,
        /** A key (of the message or of its record) is longer than the codec's maximum key size. */
        KEY_TOO_LARGE,
        /** The message type field holds a number that is not a Kademlia message type. */
        UNKNOWN_TYPE,
        /** A field the message type needs is absent (or empty). */
        MISSING_FIELD,
        /** A field is present but invalid (bad peer id, key mismatch, …). */
        INVALID_FIELD,
        /** A response of another type than the request it answers, or a type that has no request or response form. */
        UNEXPECTED_TYPE
    }

    private final Kind kind;

    public KadProtocolException(Kind kind, String message) {
        super(message);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public KadProtocolException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    /** What is wrong with the message. */
    public Kind kind() {
        return kind;
    }
}
