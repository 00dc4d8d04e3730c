package io.jkad.sim;

import io.jkad.identity.PeerId;
import io.jkad.kademlia.KademliaConfig;
import io.jkad.record.RecordStore;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;

/**
 * The settings of a {@link SimNetwork}.
 *
 * @param seed the seed of every random choice (same seed, same run)
 * @param minLatency the smallest one-way message latency
 * @param maxLatency the largest one-way message latency (uniformly distributed in between)
 * @param loss the probability that a message (request or response) is lost
 * @param requestTimeout after how long an unanswered request fails (default 10 s, as rust-libp2p)
 * @param dialTimeout after how long a dial of an unreachable node fails
 * @param kademlia the configuration of every node
 * @param stores opens the record store of a node
 * @param regions when present, the links' latency comes from this region matrix with a long tail
 *     instead of the uniform {@code minLatency..maxLatency} (the Sybils' flood keeps the uniform one)
 */
public record SimConfig(long seed, Duration minLatency, Duration maxLatency, double loss, Duration requestTimeout,
                        Duration dialTimeout, KademliaConfig kademlia, Function<PeerId, RecordStore> stores,
                        java.util.Optional<RegionLatency> regions) {

    public SimConfig {
        Objects.requireNonNull(minLatency, "minLatency");
        Objects.requireNonNull(maxLatency, "maxLatency");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(dialTimeout, "dialTimeout");
        Objects.requireNonNull(kademlia, "kademlia");
        Objects.requireNonNull(stores, "stores");
        Objects.requireNonNull(regions, "regions");
        if (minLatency.isNegative() || maxLatency.compareTo(minLatency) < 0) {
            throw new IllegalArgumentException("latency range must satisfy 0 <= min <= max: " + minLatency + ".." + maxLatency);
        }
        if (!(loss >= 0.0 && loss < 1.0)) {
            throw new IllegalArgumentException("loss must be in [0, 1): " + loss);
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("request timeout must be > 0: " + requestTimeout);
        }
        if (dialTimeout.isNegative() || dialTimeout.isZero()) {
            throw new IllegalArgumentException("dial timeout must be > 0: " + dialTimeout);
        }
    }

    /** 10–100 ms latency, no loss, 10 s request timeout, 5 s dial timeout, the reference defaults. */
    public static SimConfig defaults(long seed, Function<PeerId, RecordStore> stores) {
        return new SimConfig(seed, Duration.ofMillis(10), Duration.ofMillis(100), 0.0, Duration.ofSeconds(10),
                Duration.ofSeconds(5), KademliaConfig.defaults(), stores, java.util.Optional.empty());
    }

    public SimConfig withLoss(double loss) {
        return new SimConfig(seed, minLatency, maxLatency, loss, requestTimeout, dialTimeout, kademlia, stores, regions);
    }

    public SimConfig withKademlia(KademliaConfig config) {
        return new SimConfig(seed, minLatency, maxLatency, loss, requestTimeout, dialTimeout, config, stores, regions);
    }

    /** The links' latency from {@code regions} (see {@link RegionLatency}). */
    public SimConfig withRegions(RegionLatency regions) {
        return new SimConfig(seed, minLatency, maxLatency, loss, requestTimeout, dialTimeout, kademlia, stores,
                java.util.Optional.of(regions));
    }

    /** Uniform latencies between {@code min} and {@code max} (no region matrix). */
    public SimConfig withLatency(Duration min, Duration max) {
        return new SimConfig(seed, min, max, loss, requestTimeout, dialTimeout, kademlia, stores, java.util.Optional.empty());
    }
}
