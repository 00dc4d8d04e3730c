package io.jkad.record;

import io.jkad.identity.PeerId;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * A value record: key, value, the peer that published it (if known) and when it expires (never,
 * if empty). Immutable: the value is copied in and copied out. Equality on all four; the value may
 * be empty.
 */
public final class DhtRecord {

    private final RecordKey key;
    private final byte[] value;
    private final Optional<PeerId> publisher;
    private final Optional<Instant> expires;
    /** Lazily computed; 0 means "not yet" (a real hash of 0 is recomputed, which is harmless). */
    private int hash;

    private DhtRecord(RecordKey key, byte[] value, Optional<PeerId> publisher, Optional<Instant> expires) {
        this.key = Objects.requireNonNull(key, "key");
        this.value = value;
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.expires = Objects.requireNonNull(expires, "expires");
    }

    /**
     * A record without publisher that never expires.
     *
     * @throws NullPointerException if an argument is null
     */
    public static DhtRecord of(RecordKey key, byte[] value) {
        return of(key, value, Optional.empty(), Optional.empty());
    }

    /**
     * A record; {@code value} is copied.
     *
     * @throws NullPointerException if an argument is null
     */
    public static DhtRecord of(RecordKey key, byte[] value, Optional<PeerId> publisher, Optional<Instant> expires) {
        Objects.requireNonNull(value, "value");
        return new DhtRecord(key, value.clone(), publisher, expires);
    }

    public RecordKey key() {
        return key;
    }

    /** The value (a copy). */
    public byte[] value() {
        return value.clone();
    }

    /** A read-only view of the value, without copying it. */
    public ByteBuffer valueBuffer() {
        return ByteBuffer.wrap(value).asReadOnlyBuffer();
    }

    /** The length of the value in bytes, without copying it. */
    public int valueLength() {
        return value.length;
    }

    /** The peer that published the record, if known. */
    public Optional<PeerId> publisher() {
        return publisher;
    }

    /** When the record expires; empty if it never does. */
    public Optional<Instant> expires() {
        return expires;
    }

    /** Whether the record has expired at {@code now} (expiry at or before {@code now}). */
    public boolean isExpired(Instant now) {
        Objects.requireNonNull(now, "now");
        return expires.isPresent() && !expires.get().isAfter(now);
    }

    /** This record with another publisher (the value is shared, not copied). */
    public DhtRecord withPublisher(Optional<PeerId> publisher) {
        return new DhtRecord(key, value, publisher, expires);
    }

    /** This record with another expiry (the value is shared, not copied). */
    public DhtRecord withExpires(Optional<Instant> expires) {
        return new DhtRecord(key, value, publisher, expires);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        return o instanceof DhtRecord r
                && key.equals(r.key)
                && publisher.equals(r.publisher)
                && expires.equals(r.expires)
                && Arrays.equals(value, r.value);
    }

    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0) {
            h = ((key.hashCode() * 31 + Arrays.hashCode(value)) * 31 + publisher.hashCode()) * 31
                    + expires.hashCode();
            hash = h;
        }
        return h;
    }

    /** Key, value length, publisher and expiry (the value itself is not printed). */
    @Override
    public String toString() {
        return "DhtRecord[key=" + key + ", value=" + value.length + " bytes, publisher="
                + publisher.map(PeerId::toString).orElse("none") + ", expires="
                + expires.map(Instant::toString).orElse("never") + "]";
    }
}
