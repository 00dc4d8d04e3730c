package io.jkad.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Distance against {@link BigInteger} arithmetic on the same 256-bit values. */
class DistanceTest {

    private static BigInteger big(Distance d) {
        return new BigInteger(1, d.toByteArray());
    }

    private static Distance sparse(Random r) {
        // Mostly-zero words make equal prefixes and the word boundaries likely.
        long[] w = new long[4];
        for (int i = 0; i < 4; i++) {
            w[i] = switch (r.nextInt(4)) {
                case 0 -> 0;
                case 1 -> -1L;
                case 2 -> 1L << r.nextInt(64);
                default -> r.nextLong();
            };
        }
        return new Distance(w[0], w[1], w[2], w[3]);
    }

    @Property(tries = 500)
    void agreesWithBigInteger(@ForAll long seed) {
        Random r = new Random(seed);
        KeyBytes a = TestKeys.random(r);
        KeyBytes b = TestKeys.random(r);
        Distance d = a.distance(b);
        assertThat(big(d)).isEqualTo(new BigInteger(1, a.toByteArray()).xor(new BigInteger(1, b.toByteArray())));
        Distance x = sparse(r);
        Distance y = r.nextBoolean() ? sparse(r) : x;
        assertThat(Integer.signum(x.compareTo(y))).isEqualTo(big(x).compareTo(big(y)));
        assertThat(x.equals(y)).isEqualTo(big(x).equals(big(y)));
        assertThat(x.bucketIndex()).isEqualTo(big(x).bitLength() - 1);
        assertThat(x.isZero()).isEqualTo(big(x).signum() == 0);
        int bit = r.nextInt(256);
        assertThat(x.testBit(bit)).isEqualTo(big(x).testBit(bit));
        assertThat(Distance.fromBytes(x.toByteArray())).isEqualTo(x);
    }

    @Property(tries = 256)
    void aDistanceInBucketHasThatBucketIndex(@ForAll @IntRange(min = 0, max = 255) int bucket, @ForAll long seed) {
        Distance d = TestKeys.distanceInBucket(bucket, new Random(seed));
        assertThat(d.bucketIndex()).isEqualTo(bucket);
        assertThat(KBucketsTable.bucketIndex(KeyBytes.fromDigest(new byte[32]), TestKeys.at(KeyBytes.fromDigest(new byte[32]), d)))
                .isEqualTo(bucket);
    }

    @Test
    void edges() {
        assertThat(Distance.ZERO.bucketIndex()).isEqualTo(-1);
        assertThat(Distance.MAX.bucketIndex()).isEqualTo(255);
        assertThat(Distance.ZERO.compareTo(Distance.MAX)).isNegative();
        assertThat(new Distance(0, 0, 0, 1).bucketIndex()).isZero();
        assertThat(new Distance(Long.MIN_VALUE, 0, 0, 0).compareTo(new Distance(1, 0, 0, 0))).isPositive();
    }

    @Test
    void rejectsBadInput() {
        assertThatThrownBy(() -> Distance.fromBytes(new byte[31]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("31");
        assertThatThrownBy(() -> Distance.ZERO.testBit(256))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("256");
        assertThatThrownBy(() -> Distance.ZERO.testBit(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
        assertThatThrownBy(() -> KeyBytes.fromDigest(new byte[33]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("33");
    }
}
