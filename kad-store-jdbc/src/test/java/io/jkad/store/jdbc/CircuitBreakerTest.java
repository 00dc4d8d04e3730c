package io.jkad.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.store.jdbc.CircuitBreaker.State;
import io.jkad.testkit.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The breaker's states on a manual clock: closed, open after N failures in a row, half-open with one probe. */
class CircuitBreakerTest {

    private final ManualClock clock = new ManualClock();
    private final CircuitBreaker breaker = new CircuitBreaker(3, Duration.ofSeconds(5), clock);

    private void fail(int times) {
        for (int i = 0; i < times; i++) {
            assertThat(breaker.tryAcquire()).as("admitted before failure %d", i + 1).isTrue();
            breaker.failed("connection refused");
        }
    }

    @Test
    void opensAfterThresholdConsecutiveFailuresOnly() {
        fail(2);
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(breaker.tryAcquire()).isTrue();
        breaker.succeeded(); // a success in between starts the count again
        fail(2);
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(breaker.consecutiveFailures()).isEqualTo(2);
        fail(1);
        assertThat(breaker.state()).isEqualTo(State.OPEN);
        assertThat(breaker.openUntil()).isEqualTo(clock.instant().plusSeconds(5));
        assertThat(breaker.openings()).isEqualTo(1);
    }

    @Test
    void openRefusesUntilTheCooldownEndsThenLetsExactlyOneProbeThrough() {
        fail(3);
        for (int i = 0; i < 10; i++) {
            assertThat(breaker.tryAcquire()).isFalse();
        }
        clock.advance(Duration.ofMillis(4999));
        assertThat(breaker.tryAcquire()).isFalse();
        assertThat(breaker.refused()).isEqualTo(11);

        clock.advance(Duration.ofMillis(1));
        assertThat(breaker.tryAcquire()).as("the probe").isTrue();
        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
        assertThat(breaker.tryAcquire()).as("a second caller while the probe is out").isFalse();
        clock.advance(Duration.ofMinutes(1));
        assertThat(breaker.tryAcquire()).as("still one probe at a time, however long it takes").isFalse();
    }

    @Test
    void aProbeThatSucceedsClosesTheBreaker() {
        fail(3);
        clock.advance(Duration.ofSeconds(5));
        assertThat(breaker.tryAcquire()).isTrue();
        breaker.succeeded();
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(breaker.consecutiveFailures()).isZero();
        for (int i = 0; i < 5; i++) {
            assertThat(breaker.tryAcquire()).isTrue();
            breaker.succeeded();
        }
        // closed again means the full threshold again
        fail(2);
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
    }

    @Test
    void aProbeThatFailsOpensTheBreakerForAnotherCooldown() {
        fail(3);
        clock.advance(Duration.ofSeconds(6));
        assertThat(breaker.tryAcquire()).isTrue();
        assertThat(breaker.failed("still refused")).as("reopening is not a new opening").isFalse();
        assertThat(breaker.state()).isEqualTo(State.OPEN);
        assertThat(breaker.openUntil()).isEqualTo(clock.instant().plusSeconds(5));
        assertThat(breaker.lastFailure()).isEqualTo("still refused");
        assertThat(breaker.tryAcquire()).isFalse();
        clock.advance(Duration.ofSeconds(5));
        assertThat(breaker.tryAcquire()).isTrue();
        breaker.succeeded();
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(breaker.openings()).isEqualTo(1);
    }

    @Test
    void refusesBadSettings() {
        assertThatThrownBy(() -> new CircuitBreaker(0, Duration.ofSeconds(1), clock))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CircuitBreaker(1, Duration.ZERO, clock))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
