package io.jkad.validation;

import io.jkad.record.RecordKey;

/** A record a validator refused, where a caller gave it (a local put): the key and the reason. */
public final class InvalidRecordException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final transient RecordKey key;
    private final InvalidReason reason;

    public InvalidRecordException(RecordKey key, Validation.Invalid invalid) {
        super("invalid record for " + key + ": " + invalid);
        this.key = key;
        this.reason = invalid.reason();
    }

    public RecordKey key() {
        return key;
    }

    public InvalidReason reason() {
        return reason;
    }
}
