package io.jkad.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The region latency model: deterministic per seed, every region used, and a long tail. */
class RegionLatencyTest {

    private static final RegionLatency MODEL = RegionLatency.DEFAULT;

    private static List<Integer> regions(long seed, int nodes) {
        List<Integer> out = new ArrayList<>(nodes);
        for (int i = 0; i < nodes; i++) {
            out.add(MODEL.region(seed, i));
        }
        return out;
    }

    private static List<Duration> draws(long seed, int n) {
        Random random = new Random(seed);
        List<Duration> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(MODEL.latency(i % MODEL.regions(), (i / 7) % MODEL.regions(), random));
        }
        return out;
    }

    @Test
    void theSameSeedPlacesTheSameNodesInTheSameRegionsAndDrawsTheSameLatencies() {
        assertThat(regions(42, 500)).isEqualTo(regions(42, 500));
        assertThat(regions(42, 500)).isNotEqualTo(regions(43, 500));
        assertThat(new HashSet<>(regions(42, 500))).hasSize(MODEL.regions());
        assertThat(draws(5, 1000)).isEqualTo(draws(5, 1000));
        assertThat(draws(5, 1000)).isNotEqualTo(draws(6, 1000));
    }

    @Test
    void aMessageTakesAtLeastItsBaseLatencyAndSomeTakeMuchLonger() {
        Random random = new Random(1);
        int n = 20_000;
        int over100 = 0;
        int over500 = 0;
        for (int i = 0; i < n; i++) {
            Duration d = MODEL.latency(0, 3, random);
            Duration jitter = d.minusMillis(MODEL.oneWayMillis()[0][3]);
            assertThat(jitter.isNegative()).isFalse();
            assertThat(jitter).isLessThanOrEqualTo(MODEL.maxJitter());
            if (jitter.toMillis() > 100) {
                over100++;
            }
            if (jitter.toMillis() > 500) {
                over500++;
            }
        }
        // Lomax(10 ms, 1.3): P(> 100 ms) = 11^-1.3 = 4.4 %, P(> 500 ms) = 51^-1.3 = 0.60 %.
        assertThat(over100 / (double) n).isBetween(0.035, 0.053);
        assertThat(over500 / (double) n).isBetween(0.0035, 0.0085);
    }

    @Test
    void badMatricesAreRefused() {
        assertThatThrownBy(() -> new RegionLatency(new long[][] {{1, 2}}, 1, 1, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("square");
        assertThatThrownBy(() -> new RegionLatency(new long[][] {{-1}}, 1, 1, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RegionLatency(new long[][] {{1}}, 1, 0, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
