package io.jkad.bench;

import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import java.time.Instant;
import java.util.Optional;

/**
 * The contents of the three data sets, made in memory by every fork from {@link BenchData}'s seeds.
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
