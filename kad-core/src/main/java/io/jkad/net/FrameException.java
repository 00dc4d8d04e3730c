package io.jkad.net;

import java.io.IOException;
import java.util.Objects;

/**
 * A length-prefixed frame was refused by {@link UvarintFrameDecoder}: its prefix is malformed, it
 * announces more than the maximum, or it did not arrive whole in time. The decoder fires it down
 * the pipeline (so the handler behind it, and the request waiting on the stream, learn why) and
 * then resets the stream: the peer that sent it loses that stream, nothing else.
 */
public final class FrameException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Why the frame was refused. */
    public enum Kind {
        /** The length prefix is not a minimal unsigned varint of at most 9 bytes. */
        MALFORMED_LENGTH,
        /** The announced length exceeds the decoder's maximum. */
        TOO_LARGE,
        /** The frame's first byte arrived but the whole frame did not within the deadline. */
        DEADLINE
    }

    private final Kind kind;

    public FrameException(Kind kind, String message) {
        super(message);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public Kind kind() {
        return kind;
    }
}
