package io.jkad.query;

import io.jkad.identity.PeerId;
import io.jkad.routing.Distance;
import io.jkad.routing.KeyBytes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How one query went, recorded by the state machine as it runs it (the times are the {@code now}
 * the state machine was given, never a clock of its own): each peer asked and when, its answer
 * (with how many closer peers it named and its round trip) or its failure, how close to the target
 * the answering peers got, and why the query stopped. Only for queries asked to be traced.
 *
 * <p>Not thread-safe: filled on the thread that drives the query; read once it is done.
 */
public final class QueryTrace {

    /**
     * What happened to one peer: asked, answered, failed, or still unanswered when the query ended
     * (not a failure: a tuned lookup may end on peers it is connected to before they answer).
     */
    public enum Step { ASKED, ANSWERED, FAILED, UNANSWERED }

    /**
     * One event.
     *
     * @param at when the state machine saw it
     * @param peer the peer
     * @param step asked, answered or failed
     * @param closerPeers how many closer peers the answer named (0 otherwise)
     * @param rtt from the request to this answer or failure, for answers and failures
     * @param closestBits the longest common prefix, in bits, of the target and any peer that had
     *     answered by then: how far the lookup had converged (-1 before the first answer)
     * @param detail why it failed (request failed, peer disconnected, dial failed), or empty
     */
    public record Event(Instant at, PeerId peer, Step step, int closerPeers, Optional<Duration> rtt, int closestBits,
                        String detail) {
        public Event {
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(peer, "peer");
            Objects.requireNonNull(step, "step");
            Objects.requireNonNull(rtt, "rtt");
            Objects.requireNonNull(detail, "detail");
        }
    }

    private final KeyBytes target;
    private final List<Event> events = new ArrayList<>();
    private final Map<PeerId, Instant> asked = new HashMap<>();
    private int closestBits = -1;
    private String stopReason;
    private Instant end;

    public QueryTrace(KeyBytes target) {
        this.target = Objects.requireNonNull(target, "target");
    }

    /** The events in the order the state machine saw them. */
    public List<Event> events() {
        return List.copyOf(events);
    }

    /** Why the query stopped, once it did. */
    public Optional<String> stopReason() {
        return Optional.ofNullable(stopReason);
    }

    /** When it stopped, once it did. */
    public Optional<Instant> end() {
        return Optional.ofNullable(end);
    }

    /** The common prefix, in bits, of the target and the closest peer that answered (-1: none did). */
    public int closestBits() {
        return closestBits;
    }

    void asked(PeerId peer, Instant now) {
        asked.put(peer, now);
        events.add(new Event(now, peer, Step.ASKED, 0, Optional.empty(), closestBits, ""));
    }

    /** An answer of {@code peer}, if it was asked and has not answered or failed yet. */
    void answered(PeerId peer, int closerPeers, Instant now) {
        Instant sent = asked.remove(peer);
        if (sent == null) {
            return;
        }
        Distance d = target.distance(KeyBytes.digestOf(peer.toBytes()));
        int bits = d.isZero() ? 256 : 255 - d.bucketIndex();
        closestBits = Math.max(closestBits, bits);
        events.add(new Event(now, peer, Step.ANSWERED, closerPeers, Optional.of(Duration.between(sent, now)),
                closestBits, ""));
    }

    /** A failure of {@code peer}, if it was asked and has not answered or failed yet. */
    void failed(PeerId peer, String why, Instant now) {
        Instant sent = asked.remove(peer);
        if (sent == null) {
            return;
        }
        events.add(new Event(now, peer, Step.FAILED, 0, Optional.of(Duration.between(sent, now)), closestBits, why));
    }

    /** Records why the query stops, unless a reason was recorded already. */
    void stopping(String why) {
        if (stopReason == null) {
            stopReason = why;
        }
    }

    /** The query left the pool: peers still asked get no answer. */
    void ended(Instant now, String why) {
        stopping(why);
        end = now;
        for (Map.Entry<PeerId, Instant> e : asked.entrySet()) {
            events.add(new Event(now, e.getKey(), Step.UNANSWERED, 0, Optional.of(Duration.between(e.getValue(), now)),
                    closestBits, "no answer before the query stopped"));
        }
        asked.clear();
    }
}
