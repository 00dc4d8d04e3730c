package io.jkad.record;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Locks striped by record key, for the stores: a write of one key holds its key's stripe, so writes
 * of different keys run side by side, while a sweep or close that touches any key holds them all.
 * With 64 stripes, two writers of random keys meet on one lock once in 64 writes.
 *
 * <p>Limits that span keys (records, provided keys) cannot be checked under one key's lock; a
 * store keeps each as an atomic count in which a new key {@link #reserve reserves} its place before
 * it is written, and gives it back if the write fails, so the limit is never passed.
 */
public final class KeyLocks {

    private final ReentrantLock[] locks;

    /** {@code stripes} locks; a power of two. */
    public KeyLocks(int stripes) {
        if (stripes < 1 || Integer.bitCount(stripes) != 1) {
            throw new IllegalArgumentException("stripes must be a power of two: " + stripes);
        }
        locks = new ReentrantLock[stripes];
        for (int i = 0; i < stripes; i++) {
            locks[i] = new ReentrantLock();
        }
    }

    /** The lock of {@code key}'s stripe. */
    public ReentrantLock of(RecordKey key) {
        int h = key.hashCode();
        return locks[(h ^ (h >>> 16)) & (locks.length - 1)];
    }

    /** Takes every lock, in stripe order (the only order in which more than one is held). */
    public void lockAll() {
        for (ReentrantLock lock : locks) {
            lock.lock();
        }
    }

    /** Releases what {@link #lockAll} took. */
    public void unlockAll() {
        for (int i = locks.length - 1; i >= 0; i--) {
            locks[i].unlock();
        }
    }

    /**
     * Takes one place in {@code count} if it is below {@code limit}: the place of a key being added,
     * given back ({@code decrementAndGet}) if its write fails.
     */
    public static boolean reserve(AtomicLong count, long limit) {
        while (true) {
            long c = count.get();
            if (c >= limit) {
                return false;
            }
            if (count.compareAndSet(c, c + 1)) {
                return true;
            }
        }
    }
}
