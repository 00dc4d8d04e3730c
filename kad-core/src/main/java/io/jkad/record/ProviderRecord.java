package io.jkad.record;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A provider record: {@code provider} says it can serve the content of {@code key}, reachable at
 * {@code addresses} (empty for the local node's own records, filled on demand), until
 * {@code expires} (never, if empty).
 */
public record ProviderRecord(RecordKey key, PeerId provider, Optional<Instant> expires, List<Multiaddr> addresses) {

    public ProviderRecord {
        java.util.Objects.requireNonNull(key, "key");
        java.util.Objects.requireNonNull(provider, "provider");
        java.util.Objects.requireNonNull(expires, "expires");
        addresses = List.copyOf(addresses);
    }

    /** Whether the record has expired at {@code now} (expiry at or before {@code now}). */
    public boolean isExpired(Instant now) {
        return expires.isPresent() && !expires.get().isAfter(now);
    }
}
