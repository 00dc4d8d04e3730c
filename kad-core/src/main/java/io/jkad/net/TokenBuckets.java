package io.jkad.net;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * A token bucket per key (a source IP, a subnet): each key may take {@code burst} tokens at once
 * and gets {@code perSecond} back every second, up to {@code burst}. The host takes one token per
 * accepted connection, before any handshake work, so a source that loops Noise message 1 costs
 * the node at most {@code perSecond} handshakes a second plus the closing of the refused sockets.
 *
 * <p>Bounded: at most {@code maxKeys} buckets are kept; past that the least recently used one is
 * forgotten. A forgotten key starts again with a full bucket, so an attacker with more than
 * {@code maxKeys} addresses gets a fresh burst per address cycle; the host's per-subnet buckets
 * and transient caps bound that case. A refused take costs no token. Thread-safe (one lock: takes
 * happen once per accepted connection).
 */
final class TokenBuckets<K> {

    /** The time one token takes to come back; a bucket holds time, {@code burst} of these at most (no rounding drift). */
    private final long tokenNanos;
    private final long capacityNanos;
    private final LongSupplier nanoTime;
    private final Map<K, Bucket> buckets;

    private static final class Bucket {
        long tokens; // in nanoseconds of refill
        long updated;

        Bucket(long tokens, long updated) {
            this.tokens = tokens;
            this.updated = updated;
        }
    }

    TokenBuckets(int burst, double perSecond, int maxKeys) {
        this(burst, perSecond, maxKeys, System::nanoTime);
    }

    /** With a clock of its own (tests). */
    TokenBuckets(int burst, double perSecond, int maxKeys, LongSupplier nanoTime) {
        if (burst < 1) {
            throw new IllegalArgumentException("burst must be >= 1: " + burst);
        }
        if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
            throw new IllegalArgumentException("perSecond must be > 0 and finite: " + perSecond);
        }
        if (maxKeys < 1) {
            throw new IllegalArgumentException("maxKeys must be >= 1: " + maxKeys);
        }
        this.tokenNanos = Math.max(1, Math.round(1e9 / perSecond));
        this.capacityNanos = tokenNanos > Long.MAX_VALUE / burst ? Long.MAX_VALUE : tokenNanos * burst;
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.buckets = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, Bucket> eldest) {
                return size() > maxKeys;
            }
        };
    }

    /** Takes a token of {@code key}; false, taking nothing, if its bucket is empty. */
    synchronized boolean tryAcquire(K key) {
        long now = nanoTime.getAsLong();
        Bucket b = buckets.get(key);
        if (b == null) {
            b = new Bucket(capacityNanos, now);
            buckets.put(key, b);
        } else {
            long elapsed = Math.max(0, now - b.updated);
            b.tokens = elapsed >= capacityNanos - b.tokens ? capacityNanos : b.tokens + elapsed;
            b.updated = now;
        }
        if (b.tokens < tokenNanos) {
            return false;
        }
        b.tokens -= tokenNanos;
        return true;
    }

    /** The number of keys with a bucket now. */
    synchronized int size() {
        return buckets.size();
    }
}
