package io.jkad.validation;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/** What a {@link RecordValidator} says of a record: valid (until when, if it says), or why not. */
public sealed interface Validation {

    /** A valid record; {@code validUntil}: when it stops being valid (an IPNS record's end of life). */
    record Valid(Optional<Instant> validUntil) implements Validation {
        public static final Valid FOREVER = new Valid(Optional.empty());

        public Valid {
            Objects.requireNonNull(validUntil, "validUntil");
        }
    }

    /** An invalid record: the reason, and a detail for the log and the error message. */
    record Invalid(InvalidReason reason, String detail) implements Validation {
        public Invalid {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(detail, "detail");
        }

        @Override
        public String toString() {
            return reason.name().toLowerCase(java.util.Locale.ROOT) + ": " + detail;
        }
    }

    static Invalid invalid(InvalidReason reason, String detail) {
        return new Invalid(reason, detail);
    }

    default boolean isValid() {
        return this instanceof Valid;
    }
}
