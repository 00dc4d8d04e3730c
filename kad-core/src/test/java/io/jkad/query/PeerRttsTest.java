package io.jkad.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.identity.PeerId;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PeerRttsTest {

    private static final Random RANDOM = new Random(7);

    @Test
    void aPeerNeverMeasuredGetsTheMeanOverAllPeers() {
        PeerRtts rtts = new PeerRtts(8);
        PeerId a = PeerId.random(RANDOM);
        PeerId b = PeerId.random(RANDOM);
        assertThat(rtts.expectedNanos(a)).isEqualTo(PeerRtts.DEFAULT_NANOS);
        rtts.record(a, Duration.ofMillis(40));
        assertThat(rtts.estimateNanos(a)).hasValue(Duration.ofMillis(40).toNanos());
        assertThat(rtts.estimateNanos(b)).isEmpty();
        assertThat(rtts.expectedNanos(b)).isEqualTo(Duration.ofMillis(40).toNanos());
    }

    @Test
    void theEstimateMovesAnEighthTowardEachNewSample() {
        PeerRtts rtts = new PeerRtts(8);
        PeerId a = PeerId.random(RANDOM);
        rtts.record(a, Duration.ofMillis(80));
        rtts.record(a, Duration.ofMillis(160));
        assertThat(rtts.estimateNanos(a)).hasValue(Duration.ofMillis(90).toNanos());
    }

    @Test
    void atMostCapacityPeersAreKeptTheLeastRecentlyUsedGoFirst() {
        PeerRtts rtts = new PeerRtts(3);
        PeerId[] peers = new PeerId[5];
        for (int i = 0; i < peers.length; i++) {
            peers[i] = PeerId.random(RANDOM);
        }
        rtts.record(peers[0], Duration.ofMillis(1));
        rtts.record(peers[1], Duration.ofMillis(1));
        rtts.record(peers[2], Duration.ofMillis(1));
        rtts.estimateNanos(peers[0]); // used: peers[1] is now the eldest
        rtts.record(peers[3], Duration.ofMillis(1));
        assertThat(rtts.size()).isEqualTo(3);
        assertThat(rtts.estimateNanos(peers[1])).isEmpty();
        assertThat(rtts.estimateNanos(peers[0])).isPresent();
        for (int i = 0; i < 1000; i++) {
            rtts.record(PeerId.random(RANDOM), Duration.ofMillis(i));
        }
        assertThat(rtts.size()).isEqualTo(3);
        assertThatThrownBy(() -> new PeerRtts(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
