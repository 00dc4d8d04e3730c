package io.jkad.record;

import io.jkad.identity.PeerId;
import java.time.Instant;
import java.util.Optional;

/**
 * A value record: key, value, the peer that published it (if known) and when it expires (never,
 * if empty). Immutable; equality on all four.
 */
public final class DhtRecord {

    private DhtRecord() {}

    public static DhtRecord of(RecordKey key, byte[] value) {
        throw new UnsupportedOperationException("not implemented");
    }

    public static DhtRecord of(RecordKey key, byte[] value, Optional<PeerId> publisher, Optional<Instant> expires) {
        throw new UnsupportedOperationException("not implemented");
    }

    public RecordKey key() {
        throw new UnsupportedOperationException("not implemented");
    }

    /** The value (a copy). */
    public byte[] value() {
        throw new UnsupportedOperationException("not implemented");
    }

    public int valueLength() {
        throw new UnsupportedOperationException("not implemented");
    }

    public Optional<PeerId> publisher() {
        throw new UnsupportedOperationException("not implemented");
    }

    public Optional<Instant> expires() {
        throw new UnsupportedOperationException("not implemented");
    }

    /** Whether the record has expired at {@code now} (expiry at or before {@code now}). */
    public boolean isExpired(Instant now) {
        throw new UnsupportedOperationException("not implemented");
    }

    public DhtRecord withPublisher(Optional<PeerId> publisher) {
        throw new UnsupportedOperationException("not implemented");
    }

    public DhtRecord withExpires(Optional<Instant> expires) {
        throw new UnsupportedOperationException("not implemented");
    }
}
