package io.jkad.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The simulator's event queue: time order, ties in scheduling order, events that schedule events. */
class EventQueueTest {

    /** An event as the test expects to see it run. */
    private record Expected(long at, long seq) {}

    @Test
    void eventsRunInTimeOrderAndTiesInTheOrderTheyWereScheduled() {
        EventQueue events = new EventQueue();
        Random rnd = new Random(42);
        List<Expected> expected = new ArrayList<>();
        List<Expected> ran = new ArrayList<>();
        long[] seq = {0};
        // few distinct times, so that many events tie; enough of them to grow the arrays
        for (int i = 0; i < 5_000; i++) {
            long at = rnd.nextInt(300) * 1_000_000L;
            Expected e = new Expected(at, ++seq[0]);
            expected.add(e);
            events.schedule(at, () -> ran.add(e));
        }
        // events scheduled while running: at the current time (after the others of that time) and later
        List<Expected> late = new ArrayList<>();
        events.schedule(150_000_000L, () -> {
            long now = events.nowNanos();
            for (int i = 0; i < 50; i++) {
                long at = now + rnd.nextInt(3) * 1_000_000L;
                Expected e = new Expected(at, 1_000_000 + i);
                late.add(e);
                events.schedule(at, () -> ran.add(e));
            }
        });
        boolean done = events.runUntil(() -> false, SimNetwork.EPOCH.plus(Duration.ofHours(1)));

        assertThat(done).isFalse();
        assertThat(events.size()).isZero();
        expected.addAll(late);
        expected.sort(Comparator.comparingLong(Expected::at).thenComparingLong(Expected::seq));
        assertThat(ran).containsExactlyElementsOf(expected);
        assertThat(events.now()).isEqualTo(SimNetwork.EPOCH.plusNanos(expected.get(expected.size() - 1).at()));
    }

    @Test
    void runUntilStopsAtTheDeadlineAndWhenDone() {
        EventQueue events = new EventQueue();
        List<Integer> ran = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            int n = i;
            events.schedule(SimNetwork.EPOCH.plusSeconds(i), () -> ran.add(n));
        }
        assertThat(events.runUntil(() -> ran.size() == 3, SimNetwork.EPOCH.plusSeconds(100))).isTrue();
        assertThat(ran).containsExactly(1, 2, 3);
        assertThat(events.now()).isEqualTo(SimNetwork.EPOCH.plusSeconds(3));

        assertThat(events.runUntil(() -> false, SimNetwork.EPOCH.plusMillis(5_500))).isFalse();
        assertThat(ran).containsExactly(1, 2, 3, 4, 5);

        events.runFor(Duration.ofMillis(2_250));
        assertThat(ran).containsExactly(1, 2, 3, 4, 5, 6, 7);
        assertThat(events.now()).isEqualTo(SimNetwork.EPOCH.plusSeconds(5).plusMillis(2_250));
        assertThat(events.size()).isEqualTo(3);
    }
}
