package io.jkad.routing;

import java.util.Random;

/** Builds keys at chosen distances for routing tests. */
final class TestKeys {

    private TestKeys() {}

    static KeyBytes random(Random random) {
        return new KeyBytes(random.nextLong(), random.nextLong(), random.nextLong(), random.nextLong());
    }

    /** {@code a XOR d}: the point at distance {@code d} from {@code a}. */
    static KeyBytes at(KeyBytes a, Distance d) {
        return new KeyBytes(a.w0 ^ d.w0, a.w1 ^ d.w1, a.w2 ^ d.w2, a.w3 ^ d.w3);
    }

    /** A random distance whose highest set bit is {@code bucket} (0..255). */
    static Distance distanceInBucket(int bucket, Random random) {
        long[] w = new long[4]; // big-endian words: w[0] holds bits 255..192
        for (int word = 0; word < 4; word++) {
            int low = 64 * (3 - word); // index of this word's least significant bit
            if (bucket > low + 63) {
                w[word] = random.nextLong(); // all below the bucket's bit
            } else if (bucket >= low) {
                int bit = bucket - low;
                long below = bit == 0 ? 0 : random.nextLong() & ((1L << bit) - 1);
                w[word] = (1L << bit) | below;
            } // else: above the bucket's bit, zero
        }
        return new Distance(w[0], w[1], w[2], w[3]);
    }

    /** A random point of bucket {@code bucket} around {@code local}. */
    static KeyBytes inBucket(KeyBytes local, int bucket, Random random) {
        return at(local, distanceInBucket(bucket, random));
    }
}
