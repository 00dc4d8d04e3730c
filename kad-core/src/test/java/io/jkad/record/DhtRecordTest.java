package io.jkad.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.identity.PeerId;
import java.nio.ReadOnlyBufferException;
import java.time.Instant;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DhtRecordTest {

    private static final RecordKey KEY = RecordKey.ofUtf8("k");
    private static final PeerId PEER = PeerId.random(new Random(1));
    private static final Instant T = Instant.parse("2021-03-04T05:06:07.123456789Z");

    @Test
    void valueIsCopiedInAndOut() {
        byte[] v = {1, 2, 3};
        DhtRecord r = DhtRecord.of(KEY, v);
        v[0] = 9;
        assertThat(r.value()).containsExactly(1, 2, 3);
        r.value()[0] = 9;
        assertThat(r.value()).containsExactly(1, 2, 3);
        assertThat(r.valueLength()).isEqualTo(3);
    }

    @Test
    void valueBufferIsReadOnlyView() {
        DhtRecord r = DhtRecord.of(KEY, new byte[] {4, 5});
        assertThat(r.valueBuffer().remaining()).isEqualTo(2);
        assertThat(r.valueBuffer().get(1)).isEqualTo((byte) 5);
        assertThatThrownBy(() -> r.valueBuffer().put(0, (byte) 1)).isInstanceOf(ReadOnlyBufferException.class);
    }

    @Test
    void shortFactoryHasNoPublisherAndNoExpiry() {
        DhtRecord r = DhtRecord.of(KEY, new byte[0]);
        assertThat(r.publisher()).isEmpty();
        assertThat(r.expires()).isEmpty();
        assertThat(r.valueLength()).isZero();
        assertThat(r.isExpired(Instant.MAX)).isFalse();
    }

    @Test
    void expiredAtOrAfterExpiry() {
        DhtRecord r = DhtRecord.of(KEY, new byte[] {1}, Optional.empty(), Optional.of(T));
        assertThat(r.isExpired(T.minusNanos(1))).isFalse();
        assertThat(r.isExpired(T)).isTrue();
        assertThat(r.isExpired(T.plusNanos(1))).isTrue();
    }

    @Test
    void equalityOnAllFourFields() {
        DhtRecord r = DhtRecord.of(KEY, new byte[] {1}, Optional.of(PEER), Optional.of(T));
        assertThat(r).isEqualTo(DhtRecord.of(KEY, new byte[] {1}, Optional.of(PEER), Optional.of(T)))
                .hasSameHashCodeAs(DhtRecord.of(KEY, new byte[] {1}, Optional.of(PEER), Optional.of(T)));
        assertThat(r).isNotEqualTo(DhtRecord.of(RecordKey.ofUtf8("j"), new byte[] {1}, Optional.of(PEER), Optional.of(T)));
        assertThat(r).isNotEqualTo(DhtRecord.of(KEY, new byte[] {2}, Optional.of(PEER), Optional.of(T)));
        assertThat(r).isNotEqualTo(r.withPublisher(Optional.empty()));
        assertThat(r).isNotEqualTo(r.withExpires(Optional.of(T.plusNanos(1))));
        assertThat(r).isNotEqualTo(r.withExpires(Optional.empty()));
    }

    @Test
    void withersChangeOneField() {
        DhtRecord r = DhtRecord.of(KEY, new byte[] {7});
        DhtRecord w = r.withPublisher(Optional.of(PEER)).withExpires(Optional.of(T));
        assertThat(w.key()).isEqualTo(KEY);
        assertThat(w.value()).containsExactly(7);
        assertThat(w.publisher()).contains(PEER);
        assertThat(w.expires()).contains(T);
        assertThat(r.publisher()).isEmpty();
    }

    @Test
    void nullsAreRefused() {
        assertThatThrownBy(() -> DhtRecord.of(null, new byte[0])).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> DhtRecord.of(KEY, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> DhtRecord.of(KEY, new byte[0], null, Optional.empty()))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> DhtRecord.of(KEY, new byte[0], Optional.empty(), null))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void toStringShowsKeyLengthPublisherAndExpiry() {
        DhtRecord r = DhtRecord.of(KEY, new byte[] {1, 2}, Optional.of(PEER), Optional.of(T));
        assertThat(r.toString()).contains("key=k", "2 bytes", PEER.toBase58(), T.toString());
        assertThat(DhtRecord.of(KEY, new byte[0]).toString()).contains("publisher=none", "expires=never");
    }
}
