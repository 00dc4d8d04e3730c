package io.jkad.kademlia;

import io.jkad.identity.PeerId;
import io.jkad.record.DhtRecord;
import java.util.Objects;
import java.util.Optional;

/**
 * A record found by {@code getRecord} and the peer that returned it (empty when it came from the
 * local store).
 */
public record PeerRecord(Optional<PeerId> peer, DhtRecord record) {
    public PeerRecord {
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(record, "record");
    }
}
