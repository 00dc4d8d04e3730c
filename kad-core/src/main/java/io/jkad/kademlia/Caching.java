package io.jkad.kademlia;

/**
 * Write-back caching after a successful {@code getRecord}: with {@link Enabled}, the
 * {@code maxPeers} peers closest to the key that were asked and did not return the record are
 * tracked (returned as cache candidates) and, when the lookup used a quorum of 1, sent the record.
 */
public sealed interface Caching {

    /** Caching disabled: no cache candidates are tracked. */
    record Disabled() implements Caching {}

    /** Track up to {@code maxPeers} cache candidates (at least 1). */
    record Enabled(int maxPeers) implements Caching {
        public Enabled {
            if (maxPeers <= 0 || maxPeers > 0xFFFF) {
                throw new IllegalArgumentException("caching maxPeers must be in 1..65535: " + maxPeers);
            }
        }
    }

    Caching DISABLED = new Disabled();

    static Caching enabled(int maxPeers) {
        return new Enabled(maxPeers);
    }
}
