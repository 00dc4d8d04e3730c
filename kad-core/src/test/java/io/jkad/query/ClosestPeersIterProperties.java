package io.jkad.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.identity.PeerId;
import io.jkad.routing.Key;
import io.jkad.routing.KeyBytes;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Lookups with {@link ClosestPeersIter} in synthetic networks checked against an oracle. */
class ClosestPeersIterProperties {

    private static final Duration PEER_TIMEOUT = Duration.ofSeconds(10);
    private static final int K = 20;

    @Property(tries = 150)
    void withoutFailuresFindsExactlyTheClosestPeers(
            @ForAll long seed,
            @ForAll @IntRange(min = 50, max = 500) int size,
            @ForAll @IntRange(min = 1, max = 20) int bucketSize,
            @ForAll @IntRange(min = 1, max = 6) int alpha,
            @ForAll @IntRange(min = 1, max = K) int numResults,
            @ForAll @IntRange(min = 1, max = 30) int startPeers) {
        Random random = new Random(seed);
        SyntheticNetwork network = new SyntheticNetwork(random, size, bucketSize, K);
        KeyBytes target = Key.of(PeerId.random(random)).bytes();
        List<Key<PeerId>> start = network.randomPeers(random, startPeers);
        ClosestPeersIter iter = new ClosestPeersIter(new ClosestPeersIterConfig(alpha, numResults, PEER_TIMEOUT), target, start);
        // Every answer comes before its peer times out.
        LookupDriver driver = new LookupDriver(network, iter, target, start, random, 0.0, PEER_TIMEOUT.minusMillis(1), PEER_TIMEOUT);

        driver.run(3 * size + 1, (peer, d) -> checkInFlight(iter, d, alpha, numResults));

        assertThat(iter.isFinished()).isTrue();
        driver.checkResult(iter.result(), numResults);
        assertThat(iter.result()).isEqualTo(network.closestTo(target, numResults));
    }

    @Property(tries = 150)
    void withFailuresAndTimeoutsTerminatesWithinBoundsAndNeverReturnsAFailedPeer(
            @ForAll long seed,
            @ForAll @IntRange(min = 50, max = 500) int size,
            @ForAll @IntRange(min = 1, max = 20) int bucketSize,
            @ForAll @IntRange(min = 1, max = 6) int alpha,
            @ForAll @IntRange(min = 1, max = K) int numResults,
            @ForAll @IntRange(min = 0, max = 60) int failurePercent,
            @ForAll @IntRange(min = 2, max = 30) int maxLatencySeconds) {
        Random random = new Random(seed);
        SyntheticNetwork network = new SyntheticNetwork(random, size, bucketSize, K);
        KeyBytes target = Key.of(PeerId.random(random)).bytes();
        List<Key<PeerId>> start = network.randomPeers(random, 20);
        ClosestPeersIter iter = new ClosestPeersIter(new ClosestPeersIterConfig(alpha, numResults, PEER_TIMEOUT), target, start);
        LookupDriver driver = new LookupDriver(network, iter, target, start, random, failurePercent / 100.0,
                Duration.ofSeconds(maxLatencySeconds), PEER_TIMEOUT);

        driver.run(3 * size + 1, (peer, d) -> checkInFlight(iter, d, alpha, numResults));

        assertThat(iter.isFinished()).isTrue();
        driver.checkResult(iter.result(), numResults);
        for (PeerId peer : iter.result()) {
            assertThat(iter.peerState(peer)).isEqualTo(ClosestPeersIter.PeerState.SUCCEEDED);
        }
    }

    /**
     * The reference's capacity rule: while iterating at most α requests in flight, while stalled
     * at most max(numResults, α); requests past their peer timeout do not count (the iterator may
     * not have noticed them yet, so its own count can only be higher).
     */
    private static void checkInFlight(ClosestPeersIter iter, LookupDriver driver, int alpha, int numResults) {
        int cap = iter.isStalled() ? Math.max(numResults, alpha) : alpha;
        assertThat(driver.inFlightNotTimedOut()).as("in flight, stalled=" + iter.isStalled()).isLessThanOrEqualTo(cap);
        assertThat(iter.numWaiting()).isLessThanOrEqualTo(cap);
    }
}
