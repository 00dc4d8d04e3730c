package io.jkad.query;

import java.time.Duration;
import java.util.Objects;

/**
 * Configuration of a closest-peers iteration.
 *
 * @param parallelism α, the most requests in flight (default 3)
 * @param numResults how many closest peers the iteration must find (default 20)
 * @param peerTimeout after how long an unanswered request counts as unresponsive (default 10 s)
 */
public record ClosestPeersIterConfig(int parallelism, int numResults, Duration peerTimeout) {

    public static final ClosestPeersIterConfig DEFAULT = new ClosestPeersIterConfig(3, 20, Duration.ofSeconds(10));

    public ClosestPeersIterConfig {
        if (parallelism <= 0) {
            throw new IllegalArgumentException("parallelism must be > 0: " + parallelism);
        }
        if (numResults <= 0) {
            throw new IllegalArgumentException("numResults must be > 0: " + numResults);
        }
        Objects.requireNonNull(peerTimeout, "peerTimeout");
        if (peerTimeout.isNegative() || peerTimeout.isZero()) {
            throw new IllegalArgumentException("peerTimeout must be > 0: " + peerTimeout);
        }
    }
}
