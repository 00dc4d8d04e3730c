package io.jkad.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class ManualClockTest {

    @Test
    void standsStillUntilAdvanced() {
        ManualClock clock = new ManualClock();
        assertThat(clock.instant()).isEqualTo(ManualClock.DEFAULT_START).isEqualTo(clock.instant());
        assertThat(clock.instant().getNano()).isEqualTo(123_456_789);
        assertThat(clock.advance(Duration.ofNanos(1))).isEqualTo(ManualClock.DEFAULT_START.plusNanos(1));
        assertThat(clock.instant()).isEqualTo(ManualClock.DEFAULT_START.plusNanos(1));
        assertThat(clock.millis()).isEqualTo(ManualClock.DEFAULT_START.toEpochMilli());
        assertThat(clock.getZone()).isEqualTo(ZoneOffset.UTC);
    }

    @Test
    void advanceRefusesNegativeDurations() {
        ManualClock clock = new ManualClock(Instant.EPOCH);
        assertThatThrownBy(() -> clock.advance(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-1S");
        assertThat(clock.instant()).isEqualTo(Instant.EPOCH);
        assertThat(clock.advance(Duration.ZERO)).isEqualTo(Instant.EPOCH);
    }

    @Test
    void setMovesEitherWay() {
        ManualClock clock = new ManualClock(Instant.EPOCH.plusSeconds(100));
        clock.set(Instant.EPOCH);
        assertThat(clock.instant()).isEqualTo(Instant.EPOCH);
        assertThatThrownBy(() -> clock.set(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void withZoneSharesTheTime() {
        ManualClock clock = new ManualClock(Instant.EPOCH);
        ManualClock paris = clock.withZone(ZoneId.of("Europe/Paris"));
        clock.advance(Duration.ofHours(1));
        assertThat(paris.instant()).isEqualTo(Instant.EPOCH.plusSeconds(3600));
        assertThat(paris.getZone()).isEqualTo(ZoneId.of("Europe/Paris"));
        paris.advance(Duration.ofHours(1));
        assertThat(clock.instant()).isEqualTo(Instant.EPOCH.plusSeconds(7200));
    }
}
