package io.jkad.query;

import java.time.Duration;
import java.util.Objects;

/**
 * Configuration of a {@link QueryPool}.
 *
 * @param timeout how long a query may run (default 60 s)
 * @param replicationFactor k: the closest peers a lookup finds, and the parallelism of queries
 *     to fixed peers (default 20)
 * @param parallelism α, or the number of disjoint paths (default 3)
 * @param disjointQueryPaths whether lookups use S/Kademlia disjoint paths (default false)
 * @param peerTimeout how long a lookup waits for one peer before counting it unresponsive (default 10 s)
 */
public record QueryConfig(Duration timeout, int replicationFactor, int parallelism, boolean disjointQueryPaths,
                          Duration peerTimeout) {

    public static final QueryConfig DEFAULT =
            new QueryConfig(Duration.ofSeconds(60), 20, 3, false, Duration.ofSeconds(10));

    public QueryConfig {
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(peerTimeout, "peerTimeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("query timeout must be > 0: " + timeout);
        }
        if (replicationFactor <= 0) {
            throw new IllegalArgumentException("replication factor must be > 0: " + replicationFactor);
        }
        if (parallelism <= 0) {
            throw new IllegalArgumentException("parallelism must be > 0: " + parallelism);
        }
        if (peerTimeout.isNegative() || peerTimeout.isZero()) {
            throw new IllegalArgumentException("peer timeout must be > 0: " + peerTimeout);
        }
    }
}
