package io.jkad.kademlia;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Where the reprovide sweep stands ({@link Kademlia#reprovideStatus}).
 *
 * @param interval the reprovide interval (one cycle)
 * @param cycle the number of the cycle in progress (0 for the first)
 * @param cycleStart when the cycle in progress began (or begins)
 * @param position how far into the keyspace the cycle is, in [0, 1)
 * @param regionBits the prefix length of regions now
 * @param networkSize the network size estimate regions are sized from
 * @param regionRunning whether a region is being announced now
 * @param nextRegionDue when the next region is due, if known (empty while a region runs, or while
 *     the sweep waits for peers or keys)
 * @param lag how far behind its schedule the sweep is (zero when on time)
 * @param regionsDone regions announced since the node started
 * @param keysAnnounced keys announced by the sweep since the node started
 * @param failures regions that failed (and were tried again) since the node started
 * @param lastRegion the last region announced, if one was
 */
public record ReprovideStatus(Duration interval, long cycle, Instant cycleStart, double position, int regionBits,
                              OptionalDouble networkSize, boolean regionRunning, Optional<Instant> nextRegionDue,
                              Duration lag, long regionsDone, long keysAnnounced, long failures,
                              Optional<ReprovideReport> lastRegion) {}
