package io.jkad.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.jkad.identity.PeerId;
import io.jkad.routing.KeyBytes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Runs one lookup against a {@link SyntheticNetwork} in virtual time: every request is answered
 * (success with the responder's closer peers, or failure) after a random latency, so every
 * request is eventually reported, as the network layer's own request timeout guarantees in a
 * real node. Checks on the way that no peer is contacted twice and that only peers heard of are
 * contacted.
 */
final class LookupDriver {

    static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");

    private record Event(Instant at, long seq, PeerId peer, boolean success) {}

    private final SyntheticNetwork network;
    private final PeersIterator iter;
    private final KeyBytes target;
    private final Random random;
    private final double failureRate;
    private final Duration maxLatency;
    private final Duration peerTimeout;

    Instant now = T0;
    /** Contacted peers, in contact order. */
    final List<PeerId> contacted = new ArrayList<>();
    /** Peers whose request was answered with success / reported failed. */
    final Set<PeerId> succeeded = new HashSet<>();
    final Set<PeerId> failed = new HashSet<>();
    /** Every peer the lookup heard of: the start peers and the answers' closer peers. */
    final Set<PeerId> heardOf = new HashSet<>();
    /** The closer peers each successful responder answered with. */
    final Map<PeerId, List<PeerId>> answers = new HashMap<>();
    /** The successful responders in the order their answers were delivered. */
    final List<PeerId> answerLog = new ArrayList<>();
    /** Requests not yet reported, by peer, with the instant they count as unresponsive. */
    final Map<PeerId, Instant> outstanding = new LinkedHashMap<>();
    int steps;

    private final PriorityQueue<Event> events =
            new PriorityQueue<>(Comparator.comparing(Event::at).thenComparingLong(Event::seq));
    private long seq;

    LookupDriver(SyntheticNetwork network, PeersIterator iter, KeyBytes target, Iterable<? extends io.jkad.routing.Key<PeerId>> start,
                 Random random, double failureRate, Duration maxLatency, Duration peerTimeout) {
        this.network = network;
        this.iter = iter;
        this.target = target;
        this.random = random;
        this.failureRate = failureRate;
        this.maxLatency = maxLatency;
        this.peerTimeout = peerTimeout;
        for (var key : start) {
            heardOf.add(key.preimage());
        }
    }

    /**
     * Drives the lookup to its end.
     *
     * @param maxSteps the most calls of {@code next} allowed: each call either contacts a new
     *     peer or is followed by a step forward in time to an answer or a peer's deadline, so a
     *     lookup in a network of n peers ends within 3n + 1 calls
     * @param onContact called after each contact with the peer
     */
    void run(int maxSteps, BiConsumer<PeerId, LookupDriver> onContact) {
        while (true) {
            if (++steps > maxSteps) {
                fail("no end after " + maxSteps + " steps; contacted " + contacted.size());
            }
            PeersIterState state = iter.next(now);
            if (state instanceof PeersIterState.Contact contact) {
                PeerId peer = contact.peer();
                assertThat(heardOf).as("contacts only peers it heard of").contains(peer);
                assertThat(outstanding.containsKey(peer) || contacted.contains(peer)).as("contacted twice: " + peer).isFalse();
                contacted.add(peer);
                outstanding.put(peer, now.plus(peerTimeout));
                onContact.accept(peer, this);
                long latencyNanos = 1_000_000L + (long) (random.nextDouble() * (maxLatency.toNanos() - 1_000_000L));
                boolean success = random.nextDouble() >= failureRate;
                events.add(new Event(now.plusNanos(latencyNanos), seq++, peer, success));
                continue;
            }
            if (state instanceof PeersIterState.Finished) {
                return;
            }
            // Waiting: go to the next answer, or the next deadline of a request in flight.
            Instant next = events.isEmpty() ? null : events.peek().at();
            for (Instant deadline : outstanding.values()) {
                if (deadline.isAfter(now) && (next == null || deadline.isBefore(next))) {
                    next = deadline;
                }
            }
            if (next == null) {
                fail("waiting (" + state + ") with no answer due and no deadline ahead");
            }
            now = next;
            while (!events.isEmpty() && !events.peek().at().isAfter(now)) {
                deliver(events.poll());
            }
        }
    }

    private void deliver(Event event) {
        outstanding.remove(event.peer());
        if (event.success()) {
            List<PeerId> closer = network.answer(event.peer(), target);
            answers.put(event.peer(), closer);
            answerLog.add(event.peer());
            heardOf.addAll(closer);
            succeeded.add(event.peer());
            iter.onSuccess(event.peer(), closer);
        } else {
            failed.add(event.peer());
            iter.onFailure(event.peer());
        }
    }

    /** Requests in flight that are not past their peer timeout. */
    int inFlightNotTimedOut() {
        int n = 0;
        for (Instant deadline : outstanding.values()) {
            if (deadline.isAfter(now)) {
                n++;
            }
        }
        return n;
    }

    /** Checks the shape of a result: distinct, closest first, at most {@code numResults}, only peers that answered. */
    void checkResult(List<PeerId> result, int numResults) {
        assertThat(result).doesNotHaveDuplicates();
        assertThat(result.size()).isLessThanOrEqualTo(numResults);
        assertThat(result).isSortedAccordingTo(Comparator.comparing(p -> network.distance(p, target)));
        assertThat(succeeded).as("only peers that answered").containsAll(result);
        for (PeerId peer : result) {
            assertThat(failed).as("never a failed peer").doesNotContain(peer);
        }
    }
}
