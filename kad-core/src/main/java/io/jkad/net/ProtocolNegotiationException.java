package io.jkad.net;

import java.io.IOException;

/**
 * multistream-select failed: the remote supports none of the proposed protocols, sent a malformed
 * or oversized message, or did not finish in time.
 */
public class ProtocolNegotiationException extends IOException {
    private static final long serialVersionUID = 1L;

    public ProtocolNegotiationException(String message) {
        super(message);
    }

    public ProtocolNegotiationException(String message, Throwable cause) {
        super(message, cause);
    }
}
