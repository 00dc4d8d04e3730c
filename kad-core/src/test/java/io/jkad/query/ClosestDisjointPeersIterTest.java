package io.jkad.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.identity.PeerId;
import io.jkad.query.ClosestPeersIter.PeerState;
import io.jkad.routing.Key;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClosestDisjointPeersIterTest {

    private static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final TestPeers peers = new TestPeers(99, 40);

    private ClosestDisjointPeersIter iter(int paths, int numResults, List<Key<PeerId>> start) {
        return new ClosestDisjointPeersIter(new ClosestPeersIterConfig(paths, numResults, TIMEOUT), 1, peers.target, start);
    }

    private PeersIterState contact(int rank) {
        return new PeersIterState.Contact(peers.get(rank));
    }

    private PeerId p(int rank) {
        return peers.get(rank);
    }

    @Test
    void dealsTheStartPeersRoundRobinClosestFirstAndAsksThePathsInTurn() {
        List<Key<PeerId>> start = peers.keys(10, 16);
        Collections.reverse(start);
        ClosestDisjointPeersIter iter = iter(3, 5, start);
        assertThat(iter.numPaths()).isEqualTo(3);
        // Path 0 got ranks 10 and 13, path 1 ranks 11 and 14, path 2 ranks 12 and 15.
        assertThat(iter.path(0).peerState(p(13))).isEqualTo(PeerState.NOT_CONTACTED);
        assertThat(iter.path(0).peerState(p(11))).isNull();
        assertThat(iter.path(2).peerState(p(15))).isEqualTo(PeerState.NOT_CONTACTED);

        assertThat(iter.next(T0)).isEqualTo(contact(10));
        assertThat(iter.next(T0)).isEqualTo(contact(11));
        assertThat(iter.next(T0)).isEqualTo(contact(12));
        // Each path has parallelism 1.
        assertThat(iter.next(T0)).isEqualTo(PeersIterState.WAITING_AT_CAPACITY);
        assertThat(iter.initiatorOf(p(10))).isZero();
        assertThat(iter.initiatorOf(p(11))).isEqualTo(1);
        assertThat(iter.initiatorOf(p(12))).isEqualTo(2);
        assertThat(iter.initiatorOf(p(13))).isEqualTo(-1);
    }

    @Test
    void closerPeersGoOnlyToTheInitiatingPathAndNoPeerIsContactedTwice() {
        ClosestDisjointPeersIter iter = iter(3, 5, peers.keys(10, 16));
        for (int i = 0; i < 3; i++) {
            iter.next(T0);
        }
        assertThat(iter.onSuccess(p(10), List.of(p(0), p(1)))).isTrue();
        assertThat(iter.path(0).peerState(p(0))).isEqualTo(PeerState.NOT_CONTACTED);
        assertThat(iter.path(1).peerState(p(0))).isNull();
        assertThat(iter.next(T0)).isEqualTo(contact(0));

        // Path 1 hears of rank 0 as well, which path 0 asked already: no second request.
        assertThat(iter.onSuccess(p(11), List.of(p(0)))).isTrue();
        assertThat(iter.next(T0)).isEqualTo(PeersIterState.WAITING_AT_CAPACITY);
        assertThat(iter.path(1).peerState(p(0))).as("left waiting for the answer").isEqualTo(PeerState.WAITING);
        assertThat(iter.initiatorOf(p(0))).isZero();

        // The answer: the closer peers go to path 0; path 1 learns only of the success.
        assertThat(iter.onSuccess(p(0), List.of(p(2)))).isTrue();
        assertThat(iter.path(0).peerState(p(2))).isEqualTo(PeerState.NOT_CONTACTED);
        assertThat(iter.path(1).peerState(p(0))).isEqualTo(PeerState.SUCCEEDED);
        assertThat(iter.path(1).peerState(p(2))).isNull();
    }

    @Test
    void aPathWantingAPeerAnsweredBeforeIsToldTheOutcome() {
        ClosestDisjointPeersIter iter = iter(3, 5, peers.keys(10, 16));
        for (int i = 0; i < 3; i++) {
            iter.next(T0);
        }
        iter.onSuccess(p(10), List.of(p(0)));
        assertThat(iter.next(T0)).isEqualTo(contact(0));
        iter.onSuccess(p(0), List.of(p(3)));
        assertThat(iter.onFailure(p(11))).isTrue();
        assertThat(iter.path(1).peerState(p(11))).isEqualTo(PeerState.FAILED);

        // Path 2 hears of rank 0 (answered) and rank 11 (failed) only now.
        assertThat(iter.onSuccess(p(12), List.of(p(0), p(11)))).isTrue();
        // Taking turns after path 0: path 1 asks its rank 14; path 2 is told of rank 0 and 11,
        // then asks rank 15; path 0 asks rank 3.
        assertThat(iter.next(T0)).isEqualTo(contact(14));
        assertThat(iter.next(T0)).isEqualTo(contact(15));
        assertThat(iter.next(T0)).isEqualTo(contact(3));
        assertThat(iter.path(2).peerState(p(0))).isEqualTo(PeerState.SUCCEEDED);
        assertThat(iter.path(2).peerState(p(11))).isEqualTo(PeerState.FAILED);
        assertThat(iter.path(2).peerState(p(3))).as("closer peers stay with path 0").isNull();
        assertThat(iter.initiatorOf(p(15))).isEqualTo(2);
    }

    @Test
    void waitingIfAnyPathWaitsWithRoomForMoreRequests() {
        ClosestDisjointPeersIter iter = iter(2, 2, peers.keys(0, 4));
        assertThat(iter.next(T0)).isEqualTo(contact(0));
        assertThat(iter.next(T0)).isEqualTo(contact(1));
        // Nothing new from rank 0 and two peers known already: path 0 stalls, 2 in flight allowed.
        iter.onSuccess(p(0), List.of());
        assertThat(iter.path(0).isStalled()).isTrue();
        assertThat(iter.next(T0)).isEqualTo(contact(2));
        // Path 1 is at capacity; path 0 waits for rank 2 with room for one more.
        assertThat(iter.next(T0)).isEqualTo(PeersIterState.WAITING);
    }

    @Test
    void theOutcomeIsRememberedEvenWhenTheInitiatingPathHadFinished() {
        ClosestDisjointPeersIter iter = iter(2, 5, peers.keys(10, 14));
        assertThat(iter.next(T0)).isEqualTo(contact(10));
        assertThat(iter.next(T0)).isEqualTo(contact(11));
        assertThat(iter.finishPaths(List.of(p(10)))).isFalse();
        // Path 0 finished: it does not take the answer, but the answer is remembered.
        assertThat(iter.onSuccess(p(10), List.of(p(0)))).isFalse();
        // Path 1 hears of rank 10 and wants it: told at once, no request and no waiting.
        iter.onSuccess(p(11), List.of(p(10)));
        assertThat(iter.next(T0)).isEqualTo(contact(13));
        assertThat(iter.path(1).peerState(p(10))).isEqualTo(PeerState.SUCCEEDED);
        assertThat(iter.path(1).peerState(p(0))).isNull();
    }

    @Test
    void reportsForPeersNobodyContactedAreIgnored() {
        ClosestDisjointPeersIter iter = iter(2, 5, peers.keys(10, 16));
        assertThat(iter.onSuccess(p(10), List.of(p(0)))).isFalse();
        assertThat(iter.onFailure(p(10))).isFalse();
        assertThat(iter.path(0).peerState(p(0))).isNull();
    }

    @Test
    void finishPathsFinishesOnlyThePathsThatContactedThePeers() {
        ClosestDisjointPeersIter iter = iter(3, 5, peers.keys(10, 16));
        for (int i = 0; i < 3; i++) {
            iter.next(T0);
        }
        assertThat(iter.finishPaths(List.of(p(10), p(30)))).isFalse();
        assertThat(iter.path(0).isFinished()).isTrue();
        assertThat(iter.path(1).isFinished()).isFalse();
        assertThat(iter.isFinished()).isFalse();
        assertThat(iter.finishPaths(List.of(p(11), p(12)))).isTrue();
        assertThat(iter.isFinished()).isTrue();
        assertThat(iter.next(T0)).isEqualTo(PeersIterState.FINISHED);
    }

    @Test
    void finishFinishesEveryPath() {
        ClosestDisjointPeersIter iter = iter(3, 5, peers.keys(10, 16));
        iter.next(T0);
        iter.finish();
        assertThat(iter.isFinished()).isTrue();
        assertThat(iter.next(T0)).isEqualTo(PeersIterState.FINISHED);
    }

    @Test
    void resultIsTheUnionOfThePathsClosestFirstWithoutDuplicatesCutToNumResults() {
        ClosestDisjointPeersIter iter = iter(2, 3, peers.keys(0, 4));
        // Path 0: ranks 0 and 2; path 1: ranks 1 and 3.
        assertThat(iter.next(T0)).isEqualTo(contact(0));
        assertThat(iter.next(T0)).isEqualTo(contact(1));
        iter.onSuccess(p(0), List.of());
        iter.onSuccess(p(1), List.of(p(0))); // path 1 will count rank 0 as well
        assertThat(iter.next(T0)).isEqualTo(contact(2));
        assertThat(iter.next(T0)).isEqualTo(contact(3));
        iter.onSuccess(p(2), List.of());
        iter.onSuccess(p(3), List.of());
        assertThat(iter.next(T0)).isEqualTo(PeersIterState.FINISHED);
        assertThat(iter.path(1).result()).containsExactly(p(0), p(1), p(3));
        assertThat(iter.result()).containsExactly(p(0), p(1), p(2));
    }

    @Test
    void morePathsThanStartPeers() {
        ClosestDisjointPeersIter iter = iter(5, 2, peers.keys(0, 2));
        assertThat(iter.next(T0)).isEqualTo(contact(0));
        assertThat(iter.next(T0)).isEqualTo(contact(1));
        // Paths 2 to 4 had nobody to ask and are finished; 0 and 1 are at capacity.
        assertThat(iter.next(T0)).isEqualTo(PeersIterState.WAITING_AT_CAPACITY);
        assertThat(iter.path(4).isFinished()).isTrue();
        iter.onSuccess(p(0), List.of());
        iter.onSuccess(p(1), List.of());
        assertThat(iter.next(T0)).isEqualTo(PeersIterState.FINISHED);
        assertThat(iter.result()).containsExactly(p(0), p(1));
    }

    @Test
    void eachPathOfThePublicIteratorHasTheFullParallelism() {
        // 3 paths with α = 3 each, 3 start peers per path: 9 requests before the iterator is at capacity.
        ClosestDisjointPeersIter iter = new ClosestDisjointPeersIter(
                new ClosestPeersIterConfig(3, 5, TIMEOUT), peers.target, peers.keys(10, 19));
        for (int i = 0; i < 9; i++) {
            assertThat(iter.next(T0)).isInstanceOf(PeersIterState.Contact.class);
        }
        assertThat(iter.next(T0)).isEqualTo(PeersIterState.WAITING_AT_CAPACITY);
    }
}
