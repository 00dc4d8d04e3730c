package io.jkad.interop;

/**
 * A js peer command failed: the peer answered with an error ({@link #errorName()} is js's error
 * name, e.g. {@code NotFoundError}, {@code TimeoutError}), or the process died or did not answer.
 */
public final class PeerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String errorName;

    PeerException(String errorName, String message) {
        super(message);
        this.errorName = errorName;
    }

    PeerException(String errorName, String message, Throwable cause) {
        super(message, cause);
        this.errorName = errorName;
    }

    /** js's error name ({@code NotFoundError}, {@code TimeoutError}, {@code Error}, …), or {@code ProcessError}. */
    public String errorName() {
        return errorName;
    }

    public boolean isNotFound() {
        return "NotFoundError".equals(errorName);
    }

    public boolean isTimeout() {
        return "TimeoutError".equals(errorName);
    }
}
