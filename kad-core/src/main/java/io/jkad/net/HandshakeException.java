package io.jkad.net;

import java.io.IOException;

/**
 * The Noise security handshake failed: a malformed or unauthenticated message, a bad identity
 * signature, an unsupported identity key type, or a remote whose peer id is not the one dialed.
 */
public class HandshakeException extends IOException {
    private static final long serialVersionUID = 1L;

    public HandshakeException(String message) {
        super(message);
    }

    public HandshakeException(String message, Throwable cause) {
        super(message, cause);
    }
}
