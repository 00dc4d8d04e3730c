package io.jkad.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TokenBucketsTest {

    private final AtomicLong now = new AtomicLong(5_000_000_000L);

    private void advanceMillis(long ms) {
        now.addAndGet(ms * 1_000_000L);
    }

    private static int take(TokenBuckets<String> b, String key, int attempts) {
        int ok = 0;
        for (int i = 0; i < attempts; i++) {
            if (b.tryAcquire(key)) {
                ok++;
            }
        }
        return ok;
    }

    @Test
    void aBurstThenTheRateAndNoMore() {
        TokenBuckets<String> b = new TokenBuckets<>(16, 4, 100, now::get);
        assertThat(take(b, "10.0.0.1", 1000)).isEqualTo(16);
        // A source looping as fast as it can for 10 s gets 4 a second, whatever it tries.
        int granted = 0;
        for (int ms = 0; ms < 10_000; ms++) {
            advanceMillis(1);
            granted += take(b, "10.0.0.1", 10);
        }
        assertThat(granted).isEqualTo(40);
    }

    @Test
    void refusedAttemptsCostNoTokens() {
        TokenBuckets<String> b = new TokenBuckets<>(2, 1, 100, now::get);
        assertThat(take(b, "k", 2)).isEqualTo(2);
        advanceMillis(500);
        assertThat(take(b, "k", 100)).isZero(); // half a token: refused, and nothing taken
        advanceMillis(500);
        assertThat(b.tryAcquire("k")).isTrue();
    }

    @Test
    void keysHaveTheirOwnBucketsAndAnIdleBucketRefillsOnlyToTheBurst() {
        TokenBuckets<String> b = new TokenBuckets<>(3, 1, 100, now::get);
        assertThat(take(b, "attacker", 50)).isEqualTo(3);
        assertThat(take(b, "honest", 3)).isEqualTo(3);
        advanceMillis(3_600_000);
        assertThat(take(b, "attacker", 50)).isEqualTo(3);
    }

    @Test
    void theMapOfBucketsIsBoundedByForgettingTheLeastRecentlyUsed() {
        TokenBuckets<String> b = new TokenBuckets<>(1, 1, 4, now::get);
        assertThat(b.tryAcquire("old")).isTrue();
        for (int i = 0; i < 10_000; i++) {
            b.tryAcquire("spoofed-" + i);
        }
        assertThat(b.size()).isEqualTo(4);
        // "old" was forgotten: it starts again with a full bucket.
        assertThat(b.tryAcquire("old")).isTrue();
        assertThat(b.tryAcquire("old")).isFalse();
    }

    @Test
    void badSettingsAreRefused() {
        assertThatThrownBy(() -> new TokenBuckets<String>(0, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TokenBuckets<String>(1, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TokenBuckets<String>(1, Double.NaN, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TokenBuckets<String>(1, 1, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
