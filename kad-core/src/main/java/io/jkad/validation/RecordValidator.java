package io.jkad.validation;

import io.jkad.record.RecordKey;
import java.time.Instant;
import java.util.List;

/**
 * Validation and selection of the records of one key namespace: the first path segment of the
 * key ({@code pk} for {@code /pk/…}). Implementations are found with {@link java.util.ServiceLoader}
 * (list the class in {@code META-INF/services/io.jkad.validation.RecordValidator}; it needs a
 * public no-argument constructor) or given to {@link Validators#of}, and bound with Guice through
 * {@code KademliaModule}. They must be thread-safe and must not block: they run on the node's
 * logic thread, once for every record received.
 */
public interface RecordValidator {

    /** The namespace this validator answers for, without slashes ({@code "ipns"}). */
    String namespace();

    /**
     * Whether {@code value} is a valid record for {@code key} at {@code now}.
     *
     * @return {@link Validation.Valid} (with the instant the record stops being valid, if it has
     *     one), or {@link Validation.Invalid} with the reason; never throws for bad input
     */
    Validation validate(RecordKey key, byte[] value, Instant now);

    /**
     * The index of the best of {@code values}, all valid for {@code key}: the one a lookup
     * returns and sends to the peers that had another. The answer must not depend on the order
     * of equally good values if peers are to agree (the first wins only when they are equal).
     */
    int select(RecordKey key, List<byte[]> values);
}
