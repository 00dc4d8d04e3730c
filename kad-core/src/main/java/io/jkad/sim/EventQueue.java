package io.jkad.sim;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.function.BooleanSupplier;

/**
 * The virtual clock of a {@link SimNetwork} and its events, run in time order (events at the same
 * instant in the order they were scheduled, so the same seed gives the same run).
 *
 * <p>The queue is a 4-ary heap over arrays rather than a {@code PriorityQueue} of event objects: a
 * bootstrapping network of thousands of nodes holds about 100,000 events (mostly the idle checks of
 * open connections), and the profile of a 10,000-node bootstrap spent 13 % of its time in the
 * priority queue's {@code compareTo}, following pointers to event objects scattered over the heap.
 * Here an event's time and sequence number sit side by side in one {@code long[]} (the four
 * children of a node in two cache lines), and the heap is half as deep as a binary one. Times are
 * nanoseconds since {@link SimNetwork#EPOCH}; {@link #now()} is an {@code Instant} made once per
 * distinct time.
 *
 * <p>Beside the heap, a FIFO lane takes events scheduled in non-decreasing time order
 * ({@link #scheduleInOrder}): the first idle check of every new connection, due a fixed timeout
 * after the connection opens. Those were most of the heap (one per open connection side, each
 * about ten seconds ahead) and cost a sift through it each; in the lane they cost an append and a
 * removal at the head. The next event is the earlier of the heap's root and the lane's head by
 * (time, sequence number), so the order is the same as with one heap.
 */
final class EventQueue {
    private static final int INITIAL_CAPACITY = 1024;

    /** Event {@code i}'s time at {@code keys[2i]}, its sequence number at {@code keys[2i + 1]}. */
    private long[] keys = new long[2 * INITIAL_CAPACITY];
    private Runnable[] actions = new Runnable[INITIAL_CAPACITY];
    private int size;
    private Instant now = SimNetwork.EPOCH;
    private long nowNanos;
    private long seq;

    /** The lane: a ring of (time, sequence number) pairs and actions, times non-decreasing. */
    private long[] laneKeys = new long[2 * INITIAL_CAPACITY];
    private Runnable[] laneActions = new Runnable[INITIAL_CAPACITY];
    private int laneHead;
    private int laneSize;
    /** The time of the lane's last event (valid when the lane is not empty). */
    private long laneLast;

    Instant now() {
        return now;
    }

    /** The virtual time in nanoseconds since {@link SimNetwork#EPOCH}. */
    long nowNanos() {
        return nowNanos;
    }

    /** Events waiting to run. */
    int size() {
        return size + laneSize;
    }

    void schedule(Instant when, Runnable action) {
        schedule(nanos(when), action);
    }

    /** Schedules {@code action} at {@code when} nanoseconds since {@link SimNetwork#EPOCH}. */
    void schedule(long when, Runnable action) {
        if (size == actions.length) {
            keys = Arrays.copyOf(keys, 4 * size);
            actions = Arrays.copyOf(actions, 2 * size);
        }
        long s = ++seq;
        long[] k = keys;
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 2;
            long pw = k[2 * parent];
            // the new event has the largest sequence number: it goes after its parent on a tie
            if (pw <= when) {
                break;
            }
            k[2 * i] = pw;
            k[2 * i + 1] = k[2 * parent + 1];
            actions[i] = actions[parent];
            i = parent;
        }
        k[2 * i] = when;
        k[2 * i + 1] = s;
        actions[i] = action;
    }

    /**
     * Schedules {@code action} at {@code when} nanoseconds since {@link SimNetwork#EPOCH}, for
     * callers whose times mostly come in non-decreasing order (a fixed delay after now): such an
     * event goes to the lane, any other to the heap. Runs in the same order as {@link #schedule}.
     */
    void scheduleInOrder(long when, Runnable action) {
        if (laneSize > 0 && when < laneLast) {
            schedule(when, action);
            return;
        }
        int capacity = laneActions.length;
        if (laneSize == capacity) {
            long[] k = new long[4 * capacity];
            Runnable[] a = new Runnable[2 * capacity];
            for (int i = 0; i < laneSize; i++) {
                int j = (laneHead + i) & (capacity - 1);
                k[2 * i] = laneKeys[2 * j];
                k[2 * i + 1] = laneKeys[2 * j + 1];
                a[i] = laneActions[j];
            }
            laneKeys = k;
            laneActions = a;
            laneHead = 0;
            capacity *= 2;
        }
        int t = (laneHead + laneSize) & (capacity - 1);
        laneKeys[2 * t] = when;
        laneKeys[2 * t + 1] = ++seq;
        laneActions[t] = action;
        laneSize++;
        laneLast = when;
    }

    /** Runs events until {@code done} holds or no event is due before {@code deadline}. */
    boolean runUntil(BooleanSupplier done, Instant deadline) {
        long limit = nanos(deadline);
        while (!done.getAsBoolean()) {
            long when;
            Runnable action;
            int h = laneHead;
            boolean fromLane = laneSize > 0 && (size == 0 || laneKeys[2 * h] < keys[0]
                    || (laneKeys[2 * h] == keys[0] && laneKeys[2 * h + 1] < keys[1]));
            if (fromLane) {
                when = laneKeys[2 * h];
                if (when > limit) {
                    return false;
                }
                action = laneActions[h];
                laneActions[h] = null;
                laneHead = (h + 1) & (laneActions.length - 1);
                laneSize--;
            } else {
                if (size == 0 || keys[0] > limit) {
                    return false;
                }
                when = keys[0];
                action = actions[0];
                removeFirst();
            }
            if (when > nowNanos) {
                nowNanos = when;
                now = SimNetwork.EPOCH.plusNanos(when);
            }
            action.run();
        }
        return true;
    }

    /** Runs every event due in the next {@code duration}, and moves the clock to its end. */
    void runFor(Duration duration) {
        Instant end = now.plus(duration);
        runUntil(() -> false, end);
        now = end;
        nowNanos = nanos(end);
    }

    /** Removes the root of the heap: the last event sifts down from the top. */
    private void removeFirst() {
        int last = --size;
        long[] k = keys;
        long w = k[2 * last];
        long s = k[2 * last + 1];
        Runnable a = actions[last];
        actions[last] = null;
        if (last == 0) {
            return;
        }
        int i = 0;
        while (true) {
            int first = 4 * i + 1;
            if (first >= last) {
                break;
            }
            int end = Math.min(first + 4, last);
            int min = first;
            long mw = k[2 * first];
            long ms = k[2 * first + 1];
            for (int c = first + 1; c < end; c++) {
                long cw = k[2 * c];
                if (cw < mw || (cw == mw && k[2 * c + 1] < ms)) {
                    min = c;
                    mw = cw;
                    ms = k[2 * c + 1];
                }
            }
            if (w < mw || (w == mw && s < ms)) {
                break;
            }
            k[2 * i] = mw;
            k[2 * i + 1] = ms;
            actions[i] = actions[min];
            i = min;
        }
        k[2 * i] = w;
        k[2 * i + 1] = s;
        actions[i] = a;
    }

    /** Nanoseconds since {@link SimNetwork#EPOCH}. */
    static long nanos(Instant t) {
        long seconds = t.getEpochSecond() - SimNetwork.EPOCH.getEpochSecond();
        return Math.addExact(Math.multiplyExact(seconds, 1_000_000_000L), t.getNano() - SimNetwork.EPOCH.getNano());
    }
}
