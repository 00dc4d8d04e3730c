package io.jkad.bench;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What a store benchmark calls: a store opened through {@code RecordStores.open} ({@link StoreEngine})
 * or its raw engine on the same data ({@link RawMemory}, {@link RawRocksDb}, {@link RawJdbc}).
 * Records and providers are named by their index in the data set ({@link BenchSets}), so both sides
 * are handed the same work and each picks its own form of the key from arrays made beforehand.
 * Thread-safe: the benchmarks call it from one or two threads.
 */
abstract class Engine implements AutoCloseable {

    private final List<AutoCloseable> attached = new ArrayList<>();

    /** Keeps {@code resource} open as long as this engine; closed after it. */
    final Engine attach(AutoCloseable resource) {
        attached.add(resource);
        return this;
    }

    /** Closes what was {@linkplain #attach attached}; each subclass's {@link #close()} ends with it. */
    final void closeAttached() {
        for (AutoCloseable a : attached) {
            try {
                a.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing " + a + " failed", e);
            }
        }
        attached.clear();
    }

    /** Reads record {@code i} of the get/put data set (present). */
    Object get(int i) {
        throw unsupported("get");
    }

    /** Reads miss key {@code i} (absent). */
    Object getMiss(int i) {
        throw unsupported("getMiss");
    }

    /** Writes record {@code i} of the get/put data set again, expiring at {@code expires}. */
    void put(int i, Instant expires) {
        throw unsupported("put");
    }

    /** Reads the providers of provider key {@code k}. */
    Object providers(int k) {
        throw unsupported("providers");
    }

    /** Announces provider {@code j} of key {@code k} again (it is listed: an update in place), expiring at {@code expires}. */
    boolean addProvider(int k, int j, Instant expires) {
        throw unsupported("addProvider");
    }

    /** Removes what has expired at {@code now}; the number removed. */
    long removeExpired(Instant now) {
        throw unsupported("removeExpired");
    }

    /** Reads every value record whole and counts those expired at {@code now}. */
    long fullScan(Instant now) {
        throw unsupported("fullScan");
    }

    /**
     * Reads the {@code count} provided records of the local peer in the keyspace region from
     * {@code start} to {@code end} (exclusive; null for the last region), in keyspace order, each
     * record whole; the number read. {@code count} is counted from the data set beforehand, so that
     * neither side hashes keys to find the region's end; the store, whose {@code providedFrom} takes
     * only a start, ignores {@code end}, and a raw engine may use it.
     */
    long providedRegion(byte[] start, byte[] end, int count) {
        throw unsupported("providedRegion");
    }

    @Override
    public abstract void close();

    private UnsupportedOperationException unsupported(String op) {
        return new UnsupportedOperationException(getClass().getSimpleName() + " does not do " + op);
    }
}
