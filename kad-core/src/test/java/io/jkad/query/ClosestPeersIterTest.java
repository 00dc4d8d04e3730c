package io.jkad.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.identity.PeerId;
import io.jkad.query.ClosestPeersIter.PeerState;
import io.jkad.routing.Key;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClosestPeersIterTest {

    private static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final TestPeers peers = new TestPeers(42, 40);

    private ClosestPeersIter iter(int parallelism, int numResults, List<Key<PeerId>> start) {
        return new ClosestPeersIter(new ClosestPeersIterConfig(parallelism, numResults, TIMEOUT), peers.target, start);
    }

    private static PeersIterState contact(PeerId peer) {
        return new PeersIterState.Contact(peer);
    }

    @Test
    void contactsClosestFirstUpToParallelism() {
        List<Key<PeerId>> start = peers.keys(0, 10);
        Collections.reverse(start);
        ClosestPeersIter iter = iter(3, 5, start);

        assertThat(iter.next(T0)).isEqualTo(contact(peers.get(0)));
        assertThat(iter.next(T0)).isEqualTo(contact(peers.get(1)));
        assertThat(iter.next(T0)).isEqualTo(contact(peers.get(2)));
        assertThat(iter.next(T0)).isEqualTo(PeersIterState.WAITING_AT_CAPACITY);
        assertThat(iter.numWaiting()).isEqualTo(3);
        assertThat(iter.peerState(peers.get(3))).isEqualTo(PeerState.NOT_CONTACTED);
    }

    @Test
    void startsFromTheFirstTwentyGivenPeersWithoutDuplicates() {
        List<Key<PeerId>> start = peers.keys(0, 30);
        Collections.reverse(start); // ranks 29, 28, ..., 0: the first 20 are ranks 29..10
        ClosestPeersIter iter = iter(3, 5, start);
        assertThat(iter.numKnown()).isEqualTo(20);
        assertThat(iter.peerState(peers.get(9))).isNull();
        assertThat(iter.next(T0)).isEqualTo(contact(peers.get(10)));

        List<Key<PeerId>> duplicated = new ArrayList<>(peers.keys(0, 3));
        duplicated.addAll(peers.keys(0, 3));
        assertThat(iter(3, 5, duplicated).numKnown()).isEqualTo(3);
    }

    @Test
    void successAddsCloserPeersAndFreesTheSlot() {
        ClosestPeersIter iter = iter(1, 3, peers.keys(10, 20));
        assertThat(iter.next(T0)).isEqualTo(contact(peers.get(10)));
        assertThat(iter.next(T0)).isEqualTo(PeersIterState.WAITING_AT_CAPACITY);

        assertThat(iter.onSuccess(peers.get(10), List.of(peers.get(1), peers.get(0)))).isTrue();
        assertThat(iter.peerState(peers.get(10))).isEqualTo(PeerState.SUCCEEDED);
        assertThat(iter.numWaiting()).isZero();
        assertThat(iter.next(T0)).isEqualTo(contact(peers.get(0)));
    }

    @Test
    void reportsForPeersNotWaitedForAreIgnored() {
        ClosestPeersIter iter = iter(1, 3, peers.keys(10, 20));
        PeerId unknown = peers.get(30);
        assertThat(iter.onSuccess(unknown, List.of())).isFalse();
        assertThat(iter.onFailure(unknown)).isFalse();
        // Known but never contacted.
        assertThat(iter.onSuccess(peers.get(11), List.of(peers.get(0)))).isFalse();
        assertThat(iter.onFailure(peers.get(11))).isFalse();
        assertThat(iter.peerState(peers.get(0))).as("closer peers of a rejected report are ignored").isNull();

        iter.next(T0);
        assertThat(iter.onSuccess(peers.get(10), List.of())).isTrue();
        assertThat(iter.onSuccess(peers.get(10), List.of())).as("second report").isFalse();
        assertThat(iter.onFailure(peers.get(10))).as("failure after success").isFalse();
        assertThat(iter.peerState(peers.get(10))).isEqualTo(PeerState.SUCCEEDED);
    }

    @Test
    void peerPastItsTimeoutBecomesUnresponsiveFreesItsSlotAndALateAnswerIsTaken() {
        ClosestPeersIter iter = iter(1, 2, peers.keys(0, 6));
        assertThat(iter.next(T0)).isEqualTo(contact(peers.get(0)));
        assertThat(iter.next(T0.plus(TIMEOUT).minusNanos(1))).isEqualTo(PeersIterState.WAITING_AT_CAPACITY);
        assertThat(iter.peerState(peers.get(0))).isEqualTo(PeerState.WAITING);

        // As in the reference, capacity is judged before the walk that declares the peer
        // unresponsive: the slot is free from the next call on.
        Instant t1 = T0.plus(TIMEOUT);
        assertThat(iter.next(t1)).isEqualTo(PeersIterState.WAITING_AT_CAPACITY);
        assertThat(iter.peerState(peers.get(0))).isEqualTo(PeerState.UNRESPONSIVE);
        assertThat(iter.numWaiting()).isZero();
        assertThat(iter.next(t1)).isEqualTo(contact(peers.get(1)));
        assertThat(iter.numWaiting()).isEqualTo(1);

        // The late answer is accepted; it does not free a slot a second time.
        assertThat(iter.onSuccess(peers.get(0), List.of())).isTrue();
        assertThat(iter.peerState(peers.get(0))).isEqualTo(PeerState.SUCCEEDED);
        assertThat(iter.numWaiting()).isEqualTo(1);
        // That answer brought nothing new (α = 1): stalled, so up to numResults = 2 in flight.
        assertThat(iter.isStalled()).isTrue();
        assertThat(iter.next(t1)).isEqualTo(contact(peers.get(2)));
        assertThat(iter.next(t1)).isEqualTo(PeersIterState.WAITING_AT_CAPACITY);

        assertThat(iter.onSuccess(peers.get(1), List.of())).isTrue();
        assertThat(iter.next(t1)).isEqualTo(PeersIterState.FINISHED);
        assertThat(iter.result()).containsExactly(peers.get(0), peers.get(1));
    }

    @Test
    void unresponsivePeersDoNotHoldUpTermination() {
        ClosestPeersIter iter = iter(2, 2, peers.keys(0, 3));
        iter.next(T0);
        iter.next(T0);
        Instant t1 = T0.plus(TIMEOUT);
        assertThat(iter.next(t1)).isEqualTo(PeersIterState.WAITING_AT_CAPACITY);
        assertThat(iter.next(t1)).isEqualTo(contact(peers.get(2)));
        assertThat(iter.onSuccess(peers.get(2), List.of())).isTrue();
        assertThat(iter.next(t1)).isEqualTo(PeersIterState.FINISHED);
        assertThat(iter.result()).containsExactly(peers.get(2));
        assertThat(iter.onSuccess(peers.get(0), List.of())).as("finished").isFalse();
    }

    @Test
    void failedPeersAreSkippedAndLeftOutOfTheResult() {
        ClosestPeersIter iter = iter(1, 2, peers.keys(0, 4));
        assertThat(iter.next(T0)).isEqualTo(contact(peers.get(0)));
        assertThat(iter.onFailure(peers.get(0))).isTrue();
        assertThat(iter.onFailure(peers.get(0))).isFalse();
        assertThat(iter.onSuccess(peers.get(0), List.of())).isFalse();
        assertThat(iter.numWaiting()).isZero();

        assertThat(iter.next(T0)).isEqualTo(contact(peers.get(1)));
        iter.onSuccess(peers.get(1), List.of());
        assertThat(iter.next(T0)).isEqualTo(contact(peers.get(2)));
        iter.onSuccess(peers.get(2), List.of());
        assertThat(iter.next(T0)).isEqualTo(PeersIterState.FINISHED);
        assertThat(iter.result()).containsExactly(peers.get(1), peers.get(2));
    }

    @Test
    void failureOfAnUnresponsivePeerIsTaken() {
        ClosestPeersIter iter = iter(1, 2, peers.keys(0, 4));
        iter.next(T0);
        iter.next(T0.plus(TIMEOUT));
        assertThat(iter.peerState(peers.get(0))).isEqualTo(PeerState.UNRESPONSIVE);
        assertThat(iter.onFailure(peers.get(0))).isTrue();
        assertThat(iter.peerState(peers.get(0))).isEqualTo(PeerState.FAILED);
        assertThat(iter.numWaiting()).isZero();
        assertThat(iter.next(T0.plus(TIMEOUT))).isEqualTo(contact(peers.get(1)));
    }

    @Test
    void finishesOnceTheClosestNumResultsPeersSucceeded() {
        ClosestPeersIter iter = iter(3, 3, peers.keys(0, 10));
        for (int i = 0; i < 3; i++) {
            iter.next(T0);
        }
        iter.onSuccess(peers.get(2), List.of());
        iter.onSuccess(peers.get(0), List.of());
        iter.onSuccess(peers.get(1), List.of());
        assertThat(iter.next(T0)).isEqualTo(PeersIterState.FINISHED);
        assertThat(iter.isFinished()).isTrue();
        assertThat(iter.result()).containsExactly(peers.get(0), peers.get(1), peers.get(2));
        assertThat(iter.peerState(peers.get(3))).isEqualTo(PeerState.NOT_CONTACTED);
        assertThat(iter.next(T0)).isEqualTo(PeersIterState.FINISHED);
    }

    @Test
    void aCloserPeerInFlightHoldsUpTermination() {
        ClosestPeersIter iter = iter(3, 2, peers.keys(0, 6));
        for (int i = 0; i < 3; i++) {
            iter.next(T0);
        }
        iter.onSuccess(peers.get(1), List.of());
        iter.onSuccess(peers.get(2), List.of());
        // Two peers succeeded, but the closest is still in flight: go on asking.
        assertThat(iter.next(T0)).isEqualTo(contact(peers.get(3)));
        assertThat(iter.next(T0)).isEqualTo(contact(peers.get(4)));
        assertThat(iter.next(T0)).isEqualTo(PeersIterState.WAITING_AT_CAPACITY);
        assertThat(iter.isFinished()).isFalse();

        iter.onSuccess(peers.get(0), List.of());
        assertThat(iter.next(T0)).isEqualTo(PeersIterState.FINISHED);
        assertThat(iter.result()).containsExactly(peers.get(0), peers.get(1));
    }

    @Test
    void finishesWhenNobodyIsLeftToAsk() {
        ClosestPeersIter iter = iter(3, 5, peers.keys(0, 2));
        iter.next(T0);
        iter.next(T0);
        assertThat(iter.next(T0)).isEqualTo(PeersIterState.WAITING);
        iter.onSuccess(peers.get(0), List.of());
        assertThat(iter.next(T0)).isEqualTo(PeersIterState.WAITING);
        iter.onSuccess(peers.get(1), List.of());
        assertThat(iter.next(T0)).isEqualTo(PeersIterState.FINISHED);
        assertThat(iter.result()).containsExactly(peers.get(0), peers.get(1));
    }

    @Test
    void withoutStartPeersItFinishesAtOnce() {
        ClosestPeersIter iter = iter(3, 5, List.of());
        assertThat(iter.next(T0)).isEqualTo(PeersIterState.FINISHED);
        assertThat(iter.result()).isEmpty();
    }

    @Test
    void stallsAfterParallelismAnswersWithoutProgressAndThenAllowsNumResultsInFlight() {
        ClosestPeersIter iter = iter(2, 4, peers.keys(5, 15));
        assertThat(iter.next(T0)).isEqualTo(contact(peers.get(5)));
        assertThat(iter.next(T0)).isEqualTo(contact(peers.get(6)));
        assertThat(iter.next(T0)).isEqualTo(PeersIterState.WAITING_AT_CAPACITY);

        iter.onSuccess(peers.get(5), List.of(peers.get(30)));
        assertThat(iter.isStalled()).isFalse();
        assertThat(iter.next(T0)).isEqualTo(contact(peers.get(7)));
        iter.onSuccess(peers.get(6), List.of());
        assertThat(iter.isStalled()).isTrue();

        // Stalled: up to max(numResults, parallelism) = 4 in flight.
        assertThat(iter.next(T0)).isEqualTo(contact(peers.get(8)));
        assertThat(iter.next(T0)).isEqualTo(contact(peers.get(9)));
        assertThat(iter.next(T0)).isEqualTo(contact(peers.get(10)));
        assertThat(iter.next(T0)).isEqualTo(PeersIterState.WAITING_AT_CAPACITY);
        assertThat(iter.numWaiting()).isEqualTo(4);

        // A new closest peer is progress: back to iterating, with α = 2 in flight at most.
        iter.onSuccess(peers.get(7), List.of(peers.get(0)));
        assertThat(iter.isStalled()).isFalse();
        assertThat(iter.numWaiting()).isEqualTo(3);
        assertThat(iter.next(T0)).isEqualTo(PeersIterState.WAITING_AT_CAPACITY);
        iter.onFailure(peers.get(8));
        iter.onFailure(peers.get(9));
        assertThat(iter.next(T0)).isEqualTo(contact(peers.get(0)));
    }

    @Test
    void anyNewClosestPeerIsProgressNotOnlyTheLastOneReported() {
        ClosestPeersIter iter = iter(1, 3, peers.keys(5, 10));
        iter.next(T0);
        // The new closest peer comes first, a far one last.
        iter.onSuccess(peers.get(5), List.of(peers.get(0), peers.get(35)));
        assertThat(iter.isStalled()).isFalse();

        // Control: an answer with only a far new peer is no progress, and with α = 1 stalls.
        ClosestPeersIter control = iter(1, 3, peers.keys(5, 10));
        control.next(T0);
        control.onSuccess(peers.get(5), List.of(peers.get(35)));
        assertThat(control.isStalled()).isTrue();
    }

    @Test
    void aCloserPeerAlreadyKnownIsNoProgress() {
        ClosestPeersIter iter = iter(1, 3, peers.keys(0, 10));
        iter.next(T0);
        iter.onSuccess(peers.get(0), List.of(peers.get(1)));
        assertThat(iter.isStalled()).isTrue();
    }

    @Test
    void anyAnswerIsProgressWhileFewerThanNumResultsPeersAreKnown() {
        ClosestPeersIter iter = iter(1, 10, peers.keys(0, 3));
        iter.next(T0);
        iter.onSuccess(peers.get(0), List.of());
        assertThat(iter.isStalled()).isFalse();
    }

    @Test
    void finishEndsTheIteration() {
        ClosestPeersIter iter = iter(3, 3, peers.keys(0, 10));
        iter.next(T0);
        iter.finish();
        assertThat(iter.isFinished()).isTrue();
        assertThat(iter.next(T0)).isEqualTo(PeersIterState.FINISHED);
        assertThat(iter.onSuccess(peers.get(0), List.of())).isFalse();
        assertThat(iter.onFailure(peers.get(0))).isFalse();
        assertThat(iter.result()).isEmpty();
    }

    @Test
    void resultIsCutToNumResults() {
        ClosestPeersIter iter = iter(5, 2, peers.keys(0, 5));
        for (int i = 0; i < 5; i++) {
            iter.next(T0);
        }
        for (int i = 4; i >= 0; i--) {
            iter.onSuccess(peers.get(i), List.of());
        }
        assertThat(iter.result()).containsExactly(peers.get(0), peers.get(1));
    }

    @Test
    void badArgumentsAreRejected() {
        assertThatThrownBy(() -> new ClosestPeersIterConfig(0, 20, TIMEOUT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("parallelism").hasMessageEndingWith(": 0");
        assertThatThrownBy(() -> new ClosestPeersIterConfig(-2, 20, TIMEOUT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageEndingWith(": -2");
        assertThatThrownBy(() -> new ClosestPeersIterConfig(3, 0, TIMEOUT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("numResults").hasMessageEndingWith(": 0");
        assertThatThrownBy(() -> new ClosestPeersIterConfig(3, 20, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("peerTimeout").hasMessageContaining("PT0S");
        assertThatThrownBy(() -> new ClosestPeersIter(ClosestPeersIterConfig.DEFAULT, null, List.of()))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("target");
        ClosestPeersIter iter = iter(3, 3, peers.keys(0, 3));
        iter.next(T0);
        List<PeerId> withNull = new ArrayList<>();
        withNull.add(null);
        assertThatThrownBy(() -> iter.onSuccess(peers.get(0), withNull)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void nextDeadlineIsTheFirstWaitingPeersTimeoutAtCapacityAndTheEarliestBelowIt() {
        ClosestPeersIter iter = iter(2, 5, peers.keys(0, 10));
        assertThat(iter.nextDeadline(T0)).as("a peer to contact now").contains(T0);
        assertThat(iter.next(T0)).isEqualTo(contact(peers.get(0)));
        Instant later = T0.plusSeconds(3);
        assertThat(iter.next(later)).isEqualTo(contact(peers.get(1)));
        assertThat(iter.next(later)).isEqualTo(PeersIterState.WAITING_AT_CAPACITY);
        // At capacity the walk stops at the closest peer in flight: its timeout is the next step.
        assertThat(iter.nextDeadline(later)).contains(T0.plus(TIMEOUT));
        assertThat(iter.next(T0.plus(TIMEOUT).minusNanos(1))).isEqualTo(PeersIterState.WAITING_AT_CAPACITY);
        assertThat(iter.next(T0.plus(TIMEOUT))).isEqualTo(PeersIterState.WAITING_AT_CAPACITY);
        assertThat(iter.peerState(peers.get(0))).isEqualTo(PeerState.UNRESPONSIVE);
        // The walk saw the capacity as full when it started: the next step asks the next peer.
        assertThat(iter.nextDeadline(T0.plus(TIMEOUT))).contains(T0.plus(TIMEOUT));
        assertThat(iter.next(T0.plus(TIMEOUT))).isEqualTo(contact(peers.get(2)));

    }

    @Test
    void nextDeadlineIsNowForAPeerToAskAndEmptyOnceFinished() {
        ClosestPeersIter iter = iter(1, 1, peers.keys(5, 10));
        assertThat(iter.next(T0)).isEqualTo(contact(peers.get(5)));
        // A closer peer learned from the answer: asked at once.
        iter.onSuccess(peers.get(5), List.of(peers.get(0)));
        assertThat(iter.nextDeadline(T0)).contains(T0);
        assertThat(iter.next(T0)).isEqualTo(contact(peers.get(0)));
        assertThat(iter.nextDeadline(T0)).contains(T0.plus(TIMEOUT));
        iter.onSuccess(peers.get(0), List.of());
        assertThat(iter.next(T0)).isEqualTo(PeersIterState.FINISHED);
        assertThat(iter.nextDeadline(T0)).isEmpty();
    }

    @Test
    void belowCapacityTheEarliestTimeoutOfThePeersInFlightIsTheNextDeadline() {
        ClosestPeersIter iter = iter(3, 5, peers.keys(0, 3));
        assertThat(iter.next(T0.plusSeconds(2))).isEqualTo(contact(peers.get(0)));
        assertThat(iter.next(T0.plusSeconds(1))).isEqualTo(contact(peers.get(1)));
        assertThat(iter.next(T0)).isEqualTo(contact(peers.get(2)));
        iter.onSuccess(peers.get(2), List.of());
        assertThat(iter.nextDeadline(T0)).contains(T0.plusSeconds(1).plus(TIMEOUT));
        assertThat(iter.nextDeadline(T0.plusSeconds(30))).as("overdue: due now").contains(T0.plusSeconds(30));
    }
}
