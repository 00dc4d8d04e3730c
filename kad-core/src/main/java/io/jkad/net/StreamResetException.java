package io.jkad.net;

import java.io.IOException;

/** A stream was reset (by either side, or because its connection closed) before the operation completed. */
public class StreamResetException extends IOException {
    private static final long serialVersionUID = 1L;

    public StreamResetException(String message) {
        super(message);
    }
}
