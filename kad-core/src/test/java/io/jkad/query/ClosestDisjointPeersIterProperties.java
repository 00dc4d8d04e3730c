package io.jkad.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.identity.PeerId;
import io.jkad.routing.Key;
import io.jkad.routing.KeyBytes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Lookups over disjoint paths in synthetic networks checked against an oracle. */
class ClosestDisjointPeersIterProperties {

    private static final Duration PEER_TIMEOUT = Duration.ofSeconds(10);
    private static final int K = 20;

    @Property(tries = 120)
    void withoutFailuresThePathsStayDisjointAndFindTheClosestPeers(
            @ForAll long seed,
            @ForAll @IntRange(min = 50, max = 500) int size,
            @ForAll @IntRange(min = 1, max = 20) int bucketSize,
            @ForAll @IntRange(min = 1, max = 6) int paths,
            @ForAll @IntRange(min = 1, max = K) int numResults,
            @ForAll @IntRange(min = 1, max = 30) int startPeers) {
        Random random = new Random(seed);
        SyntheticNetwork network = new SyntheticNetwork(random, size, bucketSize, K);
        KeyBytes target = Key.of(PeerId.random(random)).bytes();
        List<Key<PeerId>> start = network.randomPeers(random, startPeers);
        ClosestDisjointPeersIter iter = new ClosestDisjointPeersIter(
                new ClosestPeersIterConfig(paths, numResults, PEER_TIMEOUT), target, start);
        LookupDriver driver = new LookupDriver(network, iter, target, start, random, 0.0, PEER_TIMEOUT.minusMillis(1), PEER_TIMEOUT);
        PathLearning learning = new PathLearning(iter, target, start, paths);

        driver.run(3 * size + 1, learning::check);

        assertThat(iter.isFinished()).isTrue();
        learning.checkDisjoint(driver);
        driver.checkResult(iter.result(), numResults);
        assertThat(iter.result()).isEqualTo(network.closestTo(target, numResults));
    }

    @Property(tries = 120)
    void withFailuresAndTimeoutsThePathsStayDisjointAndTheResultIsClean(
            @ForAll long seed,
            @ForAll @IntRange(min = 50, max = 500) int size,
            @ForAll @IntRange(min = 1, max = 20) int bucketSize,
            @ForAll @IntRange(min = 1, max = 6) int paths,
            @ForAll @IntRange(min = 1, max = K) int numResults,
            @ForAll @IntRange(min = 0, max = 60) int failurePercent,
            @ForAll @IntRange(min = 2, max = 30) int maxLatencySeconds) {
        Random random = new Random(seed);
        SyntheticNetwork network = new SyntheticNetwork(random, size, bucketSize, K);
        KeyBytes target = Key.of(PeerId.random(random)).bytes();
        List<Key<PeerId>> start = network.randomPeers(random, 20);
        ClosestDisjointPeersIter iter = new ClosestDisjointPeersIter(
                new ClosestPeersIterConfig(paths, numResults, PEER_TIMEOUT), target, start);
        LookupDriver driver = new LookupDriver(network, iter, target, start, random, failurePercent / 100.0,
                Duration.ofSeconds(maxLatencySeconds), PEER_TIMEOUT);
        PathLearning learning = new PathLearning(iter, target, start, paths);

        driver.run(3 * size + 1, learning::check);

        assertThat(iter.isFinished()).isTrue();
        learning.checkDisjoint(driver);
        driver.checkResult(iter.result(), numResults);
    }

    /**
     * What each path may know: the start peers dealt to it (the first 20 given, closest first,
     * round-robin) and the closer peers answered by the peers it contacted itself.
     */
    private static final class PathLearning {
        private final List<Set<PeerId>> mayKnow = new ArrayList<>();
        private final List<Set<PeerId>> contactedBy = new ArrayList<>();
        private final ClosestDisjointPeersIter iter;
        private int answersSeen;

        PathLearning(ClosestDisjointPeersIter iter, KeyBytes target, List<Key<PeerId>> start, int paths) {
            this.iter = iter;
            List<Key<PeerId>> first = new ArrayList<>(start.subList(0, Math.min(20, start.size())));
            first.sort((a, b) -> a.distance(target).compareTo(b.distance(target)));
            for (int i = 0; i < paths; i++) {
                mayKnow.add(new HashSet<>());
                contactedBy.add(new HashSet<>());
            }
            for (int i = 0; i < first.size(); i++) {
                mayKnow.get(i % paths).add(first.get(i).preimage());
            }
        }

        /** On each contact: the path that asks heard of the peer on its own path. */
        void check(PeerId peer, LookupDriver driver) {
            // The answers delivered since the last contact: credit them to the path that asked.
            for (; answersSeen < driver.answerLog.size(); answersSeen++) {
                PeerId responder = driver.answerLog.get(answersSeen);
                mayKnow.get(iter.initiatorOf(responder)).addAll(driver.answers.get(responder));
            }
            int path = iter.initiatorOf(peer);
            assertThat(path).isBetween(0, mayKnow.size() - 1);
            assertThat(mayKnow.get(path)).as("path " + path + " heard of " + peer + " on its own").contains(peer);
            contactedBy.get(path).add(peer);
        }

        void checkDisjoint(LookupDriver driver) {
            Set<PeerId> all = new HashSet<>();
            int total = 0;
            for (Set<PeerId> set : contactedBy) {
                all.addAll(set);
                total += set.size();
            }
            assertThat(all).hasSize(total);
            assertThat(total).isEqualTo(driver.contacted.size());
        }
    }
}
