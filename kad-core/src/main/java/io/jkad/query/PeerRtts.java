package io.jkad.query;

import io.jkad.identity.PeerId;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * What a node knows of its peers' round-trip times: a smoothed estimate per peer (as TCP's SRTT,
 * an exponentially weighted mean with weight 1/8 for a new sample), for at most {@code capacity}
 * peers (the least recently used ones are forgotten), and the smoothed mean over all peers as
 * the guess for a peer never measured. The samples come from the node's own requests: the time
 * between handing out a request and receiving its answer, which the sans-IO state machine sees.
 *
 * <p>Bounded memory: {@code capacity} entries of a peer id and a long. Not thread-safe: it belongs
 * to the thread that drives the state machine.
 */
public final class PeerRtts {

    /**
     * How many peers a node remembers by default: about a routing table's worth (k·log2(N/k) is
     * about 200 at 100,000 nodes), some 30 KiB at most, which matters to a simulator of many nodes.
     */
    public static final int DEFAULT_CAPACITY = 256;
    /** The guess before any sample. */
    static final long DEFAULT_NANOS = Duration.ofMillis(200).toNanos();

    private final int capacity;
    private final LinkedHashMap<PeerId, long[]> byPeer;
    private long overallNanos = -1;

    public PeerRtts(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be > 0: " + capacity);
        }
        this.capacity = capacity;
        this.byPeer = new LinkedHashMap<>(Math.min(capacity, 64) * 2, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<PeerId, long[]> eldest) {
                return size() > PeerRtts.this.capacity;
            }
        };
    }

    /** Records a round trip of {@code rtt} to {@code peer}. */
    public void record(PeerId peer, Duration rtt) {
        Objects.requireNonNull(peer, "peer");
        long sample = Math.max(0, rtt.toNanos());
        long[] srtt = byPeer.get(peer);
        if (srtt == null) {
            byPeer.put(peer, new long[] {sample});
        } else {
            srtt[0] += (sample - srtt[0]) / 8;
        }
        overallNanos = overallNanos < 0 ? sample : overallNanos + (sample - overallNanos) / 8;
    }

    /** The smoothed round trip to {@code peer}, if it was measured (and not forgotten). */
    public OptionalLong estimateNanos(PeerId peer) {
        long[] srtt = byPeer.get(peer);
        return srtt == null ? OptionalLong.empty() : OptionalLong.of(srtt[0]);
    }

    /** The estimate for {@code peer}, or the smoothed mean over all peers when it was never measured. */
    public long expectedNanos(PeerId peer) {
        OptionalLong e = estimateNanos(peer);
        return e.isPresent() ? e.getAsLong() : overallNanos < 0 ? DEFAULT_NANOS : overallNanos;
    }

    /** How many peers have an estimate (at most the capacity). */
    public int size() {
        return byPeer.size();
    }

    public int capacity() {
        return capacity;
    }
}
