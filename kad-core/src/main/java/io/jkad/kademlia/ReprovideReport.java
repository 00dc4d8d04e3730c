package io.jkad.kademlia;

import java.time.Instant;

/**
 * What announcing one keyspace region cost the reprovide sweep ({@link ReprovideStrategy#SWEEP}),
 * reported as {@link KademliaEvent.RegionReprovided}.
 *
 * @param prefix the region's prefix, as a string of {@code bits} binary digits
 * @param bits the prefix length
 * @param cycle the sweep cycle the region belongs to
 * @param position where in the keyspace (a fraction in [0, 1)) the region's keys began: the region's
 *     start, or where the last region ended when regions shrank between the two; its time in the
 *     schedule
 * @param keys the keys announced
 * @param peersExplored the peers the exploration found (the region's, and some beyond it)
 * @param lookups the lookups the exploration took (or, announced key by key, one per key)
 * @param lookupRequests the FIND_NODE requests of those lookups (zero when key by key: each key's
 *     lookup then reports its own {@link QueryResult.AddProvider})
 * @param addProviderRequests the ADD_PROVIDERs sent
 * @param keyByKey whether the region was so small that each key had its own lookup
 * @param started when the region's announcement began
 * @param finished when its last ADD_PROVIDER was handed to the network
 */
public record ReprovideReport(String prefix, int bits, long cycle, double position, int keys, int peersExplored, int lookups,
                              int lookupRequests, int addProviderRequests, boolean keyByKey, Instant started,
                              Instant finished) {}
