package io.jkad.sim;

import java.time.Duration;
import java.time.Instant;
import java.util.PriorityQueue;
import java.util.function.BooleanSupplier;

/**
 * The virtual clock of a {@link SimNetwork} and its events, run in time order (events at the same
 * instant in the order they were scheduled, so the same seed gives the same run).
 */
final class EventQueue {
    private final PriorityQueue<Scheduled> queue = new PriorityQueue<>();
    private Instant now = SimNetwork.EPOCH;
    private long seq;

    /** An event: when (nanoseconds since {@link SimNetwork#EPOCH}), a tie-breaking sequence number, what. */
    private record Scheduled(long at, long seq, Runnable action) implements Comparable<Scheduled> {
        @Override
        public int compareTo(Scheduled o) {
            int c = Long.compare(at, o.at);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    Instant now() {
        return now;
    }

    void schedule(Instant at, Runnable action) {
        queue.add(new Scheduled(nanos(at), ++seq, action));
    }

    /** Runs events until {@code done} holds or no event is due before {@code deadline}. */
    boolean runUntil(BooleanSupplier done, Instant deadline) {
        long limit = nanos(deadline);
        long current = nanos(now);
        while (!done.getAsBoolean()) {
            Scheduled next = queue.peek();
            if (next == null || next.at() > limit) {
                return false;
            }
            queue.poll();
            if (next.at() > current) {
                current = next.at();
                now = SimNetwork.EPOCH.plusNanos(current);
            }
            next.action().run();
        }
        return true;
    }

    /** Runs every event due in the next {@code duration}, and moves the clock to its end. */
    void runFor(Duration duration) {
        Instant end = now.plus(duration);
        runUntil(() -> false, end);
        now = end;
    }

    private static long nanos(Instant t) {
        return Duration.between(SimNetwork.EPOCH, t).toNanos();
    }
}
