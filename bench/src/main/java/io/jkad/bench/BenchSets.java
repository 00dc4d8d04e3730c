package io.jkad.bench;

import io.jkad.record.DhtRecord;
import io.jkad.record.Keyspace;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Optional;

/**
 * The contents of the four data sets, made in memory by every fork from {@link BenchData}'s seeds.
 */
final class BenchSets {

    private BenchSets() {}

    /**
     * The get/put data set: {@code n} records with values of {@code valueSize} bytes, expiring at
     * {@link BenchData#FAR}, and {@code n} keys that are not in it (for misses).
     */
    static final class Records {
        final int valueSize;
        final byte[][] keyBytes;
        final RecordKey[] keys;
        final byte[][] missBytes;
        final RecordKey[] missKeys;
        final byte[][] values;
        final DhtRecord[] records;

        Records(int valueSize, int n) {
            this.valueSize = valueSize;
            this.keyBytes = BenchData.keys(BenchData.RECORD_KEY_SEED, n);
            this.keys = BenchData.recordKeys(keyBytes);
            this.missBytes = BenchData.keys(BenchData.MISS_KEY_SEED, n);
            this.missKeys = BenchData.recordKeys(missBytes);
            this.values = BenchData.values(valueSize);
            this.records = new DhtRecord[n];
            for (int i = 0; i < n; i++) {
                records[i] = BenchData.record(keys[i], i, values, BenchData.FAR);
            }
        }

        int size() {
            return keys.length;
        }
    }

    /** The provider data set: {@code n} keys with {@value BenchEnv#PROVIDERS_PER_KEY} providers each. */
    static final class Providers {
        final byte[][] keyBytes;
        final RecordKey[] keys;

        Providers(int n) {
            this.keyBytes = BenchData.keys(BenchData.PROVIDER_KEY_SEED, n);
            this.keys = BenchData.recordKeys(keyBytes);
        }

        int size() {
            return keys.length;
        }

        ProviderRecord provider(int k, int j, Instant expires) {
            return BenchData.provider(keys[k], k, j, expires);
        }
    }

    /**
     * The provided-keys data set: {@code n} keys the local peer provides ({@link BenchData#localProvider}),
     * every other one also provided by a peer of the pool (rows that the keyspace index must leave
     * out), all expiring at {@link BenchData#FAR}. For a walk of the keyspace by regions of
     * {@code bits} bits: where each region starts and how many of the keys it holds.
     */
    static final class Provided {
        final byte[][] keyBytes;
        final RecordKey[] keys;
        /** The keys' ids (SHA-256), in the keys' order. */
        final byte[][] ids;

        Provided(int n) {
            this.keyBytes = BenchData.keys(BenchData.PROVIDED_KEY_SEED, n);
            this.keys = BenchData.recordKeys(keyBytes);
            this.ids = new byte[n][];
            for (int i = 0; i < n; i++) {
                ids[i] = Keyspace.id(keys[i]);
            }
        }

        int size() {
            return keys.length;
        }

        ProviderRecord local(int i) {
            return BenchData.localProvider(keys[i], BenchData.FAR);
        }

        /** The other provider of key {@code i}, if it has one (every even {@code i}). */
        Optional<ProviderRecord> remote(int i) {
            return i % 2 == 0 ? Optional.of(BenchData.provider(keys[i], i, 0, BenchData.FAR)) : Optional.empty();
        }

        /** The first id of each of the {@code 2^bits} regions ({@code bits} from 1 to 16), in order. */
        static byte[][] regionStarts(int bits) {
            checkBits(bits);
            byte[][] starts = new byte[1 << bits][];
            for (int r = 0; r < starts.length; r++) {
                byte[] prefix = ByteBuffer.allocate(Keyspace.ID_BYTES)
                        .putInt(r << (32 - bits)).array();
                starts[r] = Keyspace.regionStart(prefix, bits);
            }
            return starts;
        }

        /** How many of the keys each of the {@code 2^bits} regions holds. */
        int[] regionCounts(int bits) {
            checkBits(bits);
            int[] counts = new int[1 << bits];
            for (byte[] id : ids) {
                counts[(int) ((ByteBuffer.wrap(id).getInt() & 0xFFFFFFFFL) >>> (32 - bits))]++;
            }
            return counts;
        }

        private static void checkBits(int bits) {
            if (bits < 1 || bits > 16) {
                throw new IllegalArgumentException("region bits must be 1 to 16: " + bits);
            }
        }
    }

    /**
     * The sweep data set: {@code n} records of {@value BenchEnv#SWEEP_VALUE_BYTES} bytes; record
     * {@code i} expires at {@link BenchData#BASE} + {@code i} seconds, so a sweep at
     * {@link #sweepInstant(int) sweepInstant(e)} removes exactly records {@code 0 .. e-1}, which
     * lie scattered over the key space (the keys are random).
     */
    static final class Sweep {
        final byte[][] keyBytes;
        final RecordKey[] keys;
        final byte[][] values;

        Sweep(int n) {
            this.keyBytes = BenchData.keys(BenchData.SWEEP_KEY_SEED, n);
            this.keys = BenchData.recordKeys(keyBytes);
            this.values = BenchData.values(BenchEnv.SWEEP_VALUE_BYTES);
        }

        int size() {
            return keys.length;
        }

        static Instant expiry(int i) {
            return BenchData.BASE.plusSeconds(i);
        }

        DhtRecord record(int i) {
            return DhtRecord.of(keys[i], values[i % values.length], Optional.of(BenchData.peer(i)),
                    Optional.of(expiry(i)));
        }

        /** The instant at which records {@code 0 .. expired-1} have expired and no other. */
        static Instant sweepInstant(int expired) {
            return expiry(expired - 1);
        }
    }
}
