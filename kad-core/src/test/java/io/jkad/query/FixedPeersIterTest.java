package io.jkad.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.identity.PeerId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FixedPeersIterTest {

    private static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");

    private final TestPeers peers = new TestPeers(7, 10);
    private final PeerId a = peers.get(5);
    private final PeerId b = peers.get(1);
    private final PeerId c = peers.get(8);
    private final PeerId d = peers.get(0);

    private static PeersIterState contact(PeerId peer) {
        return new PeersIterState.Contact(peer);
    }

    @Test
    void contactsInTheGivenOrderAtMostParallelismAtATimeEachPeerOnce() {
        FixedPeersIter iter = new FixedPeersIter(List.of(a, b, a, c, b, d), 2);
        assertThat(iter.next(T0)).isEqualTo(contact(a));
        assertThat(iter.next(T0)).isEqualTo(contact(b));
        assertThat(iter.next(T0)).isEqualTo(PeersIterState.WAITING_AT_CAPACITY);
        assertThat(iter.numWaiting()).isEqualTo(2);

        assertThat(iter.onSuccess(b, List.of())).isTrue();
        assertThat(iter.next(T0)).isEqualTo(contact(c));
        assertThat(iter.onFailure(a)).isTrue();
        assertThat(iter.next(T0)).isEqualTo(contact(d));
        assertThat(iter.next(T0)).isEqualTo(PeersIterState.WAITING_AT_CAPACITY);

        iter.onSuccess(d, List.of());
        assertThat(iter.next(T0)).as("nobody left, c in flight").isEqualTo(PeersIterState.WAITING);
        iter.onSuccess(c, List.of());
        assertThat(iter.next(T0)).isEqualTo(PeersIterState.FINISHED);
        assertThat(iter.isFinished()).isTrue();
        // Reported out of order; the result keeps the given order.
        assertThat(iter.result()).containsExactly(b, c, d);
    }

    @Test
    void onlyPeersInFlightAreReported() {
        FixedPeersIter iter = new FixedPeersIter(List.of(a, b), 1);
        assertThat(iter.onSuccess(a, List.of())).as("not contacted yet").isFalse();
        assertThat(iter.onFailure(c)).as("unknown").isFalse();
        iter.next(T0);
        assertThat(iter.onSuccess(a, List.of())).isTrue();
        assertThat(iter.onSuccess(a, List.of())).isFalse();
        assertThat(iter.onFailure(a)).isFalse();
        assertThat(iter.numWaiting()).isZero();
    }

    @Test
    void hasNoPeerTimeout() {
        FixedPeersIter iter = new FixedPeersIter(List.of(a, b), 1);
        iter.next(T0);
        assertThat(iter.next(Instant.MAX)).isEqualTo(PeersIterState.WAITING_AT_CAPACITY);
        assertThat(iter.onSuccess(a, List.of())).isTrue();
    }

    @Test
    void withoutPeersItFinishesAtOnce() {
        FixedPeersIter iter = new FixedPeersIter(List.of(), 3);
        assertThat(iter.next(T0)).isEqualTo(PeersIterState.FINISHED);
        assertThat(iter.result()).isEmpty();
    }

    @Test
    void finishEndsItAndLaterReportsAreIgnored() {
        FixedPeersIter iter = new FixedPeersIter(List.of(a, b), 2);
        iter.next(T0);
        iter.onSuccess(a, List.of());
        iter.next(T0);
        iter.finish();
        assertThat(iter.next(T0)).isEqualTo(PeersIterState.FINISHED);
        assertThat(iter.onSuccess(b, List.of())).isFalse();
        assertThat(iter.result()).containsExactly(a);
    }

    @Test
    void badArgumentsAreRejected() {
        assertThatThrownBy(() -> new FixedPeersIter(List.of(a), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("parallelism must be > 0: 0");
        assertThatThrownBy(() -> new FixedPeersIter(List.of(a), -5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageEndingWith(": -5");
        List<PeerId> withNull = new ArrayList<>();
        withNull.add(null);
        assertThatThrownBy(() -> new FixedPeersIter(withNull, 1)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new FixedPeersIter(null, 1)).isInstanceOf(NullPointerException.class);
    }
}
