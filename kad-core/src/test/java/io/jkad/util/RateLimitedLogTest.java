package io.jkad.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimitedLogTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final List<String> lines = new ArrayList<>();
    private final RateLimitedLog log = new RateLimitedLog(Duration.ofSeconds(10), now::get, lines::add);

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void aFloodOfOneReasonGivesOneLinePerIntervalWithTheCountHeldBack() {
        assertThat(log.log("rate", () -> "refused 1")).isTrue();
        for (int i = 0; i < 10_000; i++) {
            advance(Duration.ofMillis(1)); // 10 s in all
            log.log("rate", () -> "refused more");
        }
        // 10,000 attempts over 10 s: the first line, and one when the 10 s had passed.
        assertThat(lines).containsExactly("refused 1", "refused more (+9999 more in the last 10 s)");
        advance(Duration.ofSeconds(3));
        assertThat(log.log("rate", () -> "x")).isFalse();
        advance(Duration.ofSeconds(7));
        assertThat(log.log("rate", () -> "again")).isTrue();
        assertThat(lines).last().isEqualTo("again (+1 more in the last 10 s)");
    }

    @Test
    void reasonsAreLimitedSeparately() {
        assertThat(log.log("a", () -> "a1")).isTrue();
        assertThat(log.log("b", () -> "b1")).isTrue();
        assertThat(log.log("a", () -> "a2")).isFalse();
        assertThat(lines).containsExactly("a1", "b1");
    }

    @Test
    void heldBackMessagesAreNotBuilt() {
        AtomicInteger built = new AtomicInteger();
        for (int i = 0; i < 100; i++) {
            log.log("r", () -> "line " + built.incrementAndGet());
        }
        assertThat(built).hasValue(1);
    }

    @Test
    void reasonsBeyondTheCapAreDroppedAndCounted() {
        for (int i = 0; i < RateLimitedLog.MAX_REASONS; i++) {
            assertThat(log.log("reason " + i, () -> "l")).isTrue();
        }
        assertThat(log.log("one too many", () -> "l")).isFalse();
        assertThat(log.dropped()).isEqualTo(1);
        assertThat(lines).hasSize(RateLimitedLog.MAX_REASONS);
    }

    @Test
    void intervalMustBePositive() {
        assertThatThrownBy(() -> new RateLimitedLog(Duration.ZERO, lines::add)).isInstanceOf(IllegalArgumentException.class);
    }
}
