package io.jkad.kademlia;

import io.jkad.identity.PeerId;
import io.jkad.protocol.KadRequest;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The token buckets of {@link RequestLimits}, one set per peer, as a generic cell rate algorithm:
 * per peer and type one "theoretical arrival time" (TAT); a request at {@code now} is allowed when
 * {@code TAT - (burst - 1) · interval <= now}, and then moves the TAT one interval past
 * {@code max(TAT, now)}. A bucket whose TATs have all passed is full again, the same as a new one,
 * so it is dropped when it becomes the least recently seen; past {@code maxPeers} the least
 * recently seen is dropped anyway. Sans-IO, not thread-safe (the logic thread owns it).
 */
final class RequestBudget {
    /** How many least recently seen buckets one call checks for idleness (amortised clean-up). */
    private static final int IDLE_CHECKS_PER_CALL = 2;

    private final long[] interval = new long[RequestLimits.TYPES];
    private final long[] tolerance = new long[RequestLimits.TYPES];
    private final int maxPeers;
    private final LinkedHashMap<PeerId, long[]> buckets;

    RequestBudget(RequestLimits limits) {
        RequestLimits.Rate[] rates = limits.rates();
        for (int i = 0; i < RequestLimits.TYPES; i++) {
            interval[i] = rates[i].intervalNanos();
            tolerance[i] = interval[i] == 0 ? 0 : saturatedMultiply(rates[i].burst() - 1, interval[i]);
        }
        this.maxPeers = limits.maxPeers();
        this.buckets = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<PeerId, long[]> eldest) {
                return size() > RequestBudget.this.maxPeers;
            }
        };
    }

    /** Takes a token of {@code request}'s type from {@code peer}'s bucket; false if there is none. */
    boolean tryAcquire(PeerId peer, KadRequest request, Instant now) {
        int type = RequestLimits.typeIndex(request);
        long t = nanos(now);
        dropIdle(t);
        if (interval[type] == 0) {
            return true;
        }
        long[] tat = buckets.get(peer);
        if (tat == null) {
            tat = new long[RequestLimits.TYPES];
            java.util.Arrays.fill(tat, Long.MIN_VALUE);
            buckets.put(peer, tat);
        }
        long current = Math.max(tat[type], t);
        if (current - tolerance[type] > t) {
            return false;
        }
        tat[type] = current + interval[type];
        return true;
    }

    /** The number of peers with a bucket (for tests). */
    int trackedPeers() {
        return buckets.size();
    }

    private void dropIdle(long t) {
        Iterator<long[]> it = buckets.values().iterator();
        for (int i = 0; i < IDLE_CHECKS_PER_CALL && it.hasNext(); i++) {
            if (!full(it.next(), t)) {
                return;
            }
            it.remove();
        }
    }

    private static boolean full(long[] tat, long t) {
        for (long v : tat) {
            if (v > t) {
                return false;
            }
        }
        return true;
    }

    private static long nanos(Instant now) {
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private static long saturatedMultiply(long a, long b) {
        long r = a * b;
        return a != 0 && r / a != b ? Long.MAX_VALUE : r;
    }
}
