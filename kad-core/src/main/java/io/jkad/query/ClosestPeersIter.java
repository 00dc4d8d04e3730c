package io.jkad.query;

import io.jkad.identity.PeerId;
import io.jkad.routing.Distance;
import io.jkad.routing.Key;
import io.jkad.routing.KeyBytes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An iterative lookup of the closest peers to a target (the reference's {@code ClosestPeersIter}).
 *
 * <p>The iterator keeps every peer it has heard of, ordered by XOR distance to the target, each
 * in one of the states not contacted, waiting (with a deadline), unresponsive, succeeded or
 * failed. {@link #next} walks them closest first and hands out the closest peer not yet
 * contacted while fewer than the allowed number of requests are in flight. It finishes once the
 * {@code numResults} closest peers it knows of (skipping failed and unresponsive ones) have all
 * answered, or when there is nobody left to ask and nothing in flight.
 *
 * <p>The iterator starts in the <em>iterating</em> state, with at most {@code parallelism}
 * requests in flight. After {@code parallelism} answers in a row that made no progress (no new
 * closest peer, and {@code numResults} peers already known) it is <em>stalled</em> and allows up
 * to {@code max(numResults, parallelism)} requests in flight, so that the remaining closest peers
 * are asked at once; an answer that makes progress sends it back to iterating.
 *
 * <p>A request not answered within {@code peerTimeout} makes its peer <em>unresponsive</em>: it
 * no longer counts toward the parallelism limit nor holds up termination, but a late answer is
 * still taken.
 *
 * <p>Not thread-safe. Time is passed in: the iterator never reads a clock.
 */
public final class ClosestPeersIter implements PeersIterator {

    /** How many of the given start peers are used (the reference's K_VALUE). */
    static final int MAX_INITIAL_PEERS = 20;

    private enum State { ITERATING, STALLED, FINISHED }

    /** The state of one known peer. */
    enum PeerState { NOT_CONTACTED, WAITING, UNRESPONSIVE, SUCCEEDED, FAILED }

    /** A known peer, its distance to the target and its state. */
    static final class Peer extends PeersByDistance.Known {
        PeerState state = PeerState.NOT_CONTACTED;
        /** When a request in flight counts as unresponsive; set while {@code WAITING}. */
        Instant deadline;

        Peer(PeerId id, Distance distance) {
            super(id, distance);
        }
    }

    private final int parallelism;
    private final int numResults;
    private final Duration peerTimeout;
    private final KeyBytes target;

    /** Every known peer, in ascending distance to the target. */
    private final PeersByDistance<Peer> closest;

    private State state = State.ITERATING;
    /** Answers in a row without progress, while iterating. */
    private int noProgress;
    /** Requests in flight that have not yet been declared unresponsive. */
    private int numWaiting;

    /**
     * @param knownClosestPeers the peers to start from; the first 20 of them are used
     * @throws NullPointerException if an argument or one of the peers is null
     */
    public ClosestPeersIter(ClosestPeersIterConfig config, KeyBytes target, Iterable<Key<PeerId>> knownClosestPeers) {
        Objects.requireNonNull(config, "config");
        this.target = Objects.requireNonNull(target, "target");
        Objects.requireNonNull(knownClosestPeers, "knownClosestPeers");
        this.parallelism = config.parallelism();
        this.numResults = config.numResults();
        this.peerTimeout = config.peerTimeout();
        this.closest = new PeersByDistance<>(Math.max(MAX_INITIAL_PEERS, numResults) * 2);
        int taken = 0;
        for (Key<PeerId> key : knownClosestPeers) {
            if (taken++ == MAX_INITIAL_PEERS) {
                break;
            }
            Objects.requireNonNull(key, "a known closest peer is null");
            closest.insert(new Peer(key.preimage(), key.distance(target)));
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Mirrors {@link #next}'s walk: at capacity it stops at the first peer in flight, until that
     * one turns unresponsive; below capacity every peer in flight may, and a peer not contacted
     * yet would be asked at once.
     */
    @Override
    public Optional<Instant> nextDeadline(Instant now) {
        Objects.requireNonNull(now, "now");
        if (state == State.FINISHED) {
            return Optional.empty();
        }
        boolean atCapacity = atCapacity();
        Instant earliest = null;
        for (Peer peer : closest) {
            if (peer.state == PeerState.WAITING) {
                if (atCapacity) {
                    return Optional.of(Deadlines.notBefore(peer.deadline, now));
                }
                earliest = earliest == null || peer.deadline.isBefore(earliest) ? peer.deadline : earliest;
            } else if (peer.state == PeerState.NOT_CONTACTED) {
                return atCapacity ? Optional.empty() : Optional.of(now);
            }
        }
        return Optional.ofNullable(earliest).map(d -> Deadlines.notBefore(d, now));
    }

    @Override
    public PeersIterState next(Instant now) {
        Objects.requireNonNull(now, "now");
        if (state == State.FINISHED) {
            return PeersIterState.FINISHED;
        }
        // Successful answers counted among the closest peers. Once a request to one of them is
        // still in flight (and we are not at capacity), stop counting: the lookup cannot end
        // before that answer, whatever farther peers said.
        int resultCounter = 0;
        boolean counting = true;
        boolean atCapacity = atCapacity();

        for (int i = 0, n = closest.size(); i < n; i++) {
            Peer peer = closest.get(i);
            switch (peer.state) {
                case WAITING -> {
                    if (!now.isBefore(peer.deadline)) {
                        // Unresponsive: no longer counts toward the parallelism; a late answer
                        // is still accepted.
                        numWaiting--;
                        peer.state = PeerState.UNRESPONSIVE;
                    } else if (atCapacity) {
                        return PeersIterState.WAITING_AT_CAPACITY;
                    } else {
                        counting = false;
                    }
                }
                case SUCCEEDED -> {
                    if (counting && ++resultCounter >= numResults) {
                        state = State.FINISHED;
                        return PeersIterState.FINISHED;
                    }
                }
                case NOT_CONTACTED -> {
                    if (atCapacity) {
                        return PeersIterState.WAITING_AT_CAPACITY;
                    }
                    peer.state = PeerState.WAITING;
                    peer.deadline = Deadlines.plus(now, peerTimeout);
                    numWaiting++;
                    return new PeersIterState.Contact(peer.id);
                }
                default -> {
                    // Unresponsive and failed peers are skipped.
                }
            }
        }

        if (numWaiting > 0) {
            // Answers are still due, and no more peers to ask for now.
            return PeersIterState.WAITING;
        }
        // Everybody known was asked, and nobody is in flight.
        state = State.FINISHED;
        return PeersIterState.FINISHED;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Accepted for a peer in flight or declared unresponsive. The closer peers not known yet
     * join the iteration. The answer makes progress if one of them became the closest known
     * peer, or if fewer than {@code numResults} peers were known before it.
     */
    @Override
    public boolean onSuccess(PeerId peer, Collection<PeerId> closerPeers) {
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(closerPeers, "closerPeers");
        if (state == State.FINISHED) {
            return false;
        }
        Peer known = closest.find(peer);
        if (known == null) {
            return false;
        }
        switch (known.state) {
            case WAITING -> {
                numWaiting--;
                known.state = PeerState.SUCCEEDED;
            }
            case UNRESPONSIVE -> known.state = PeerState.SUCCEEDED;
            default -> {
                return false;
            }
        }

        boolean progress = closest.size() < numResults;
        for (PeerId closer : closerPeers) {
            Objects.requireNonNull(closer, "a closer peer is null");
            if (closest.contains(closer)) {
                continue;
            }
            int index = closest.insert(new Peer(closer, Key.of(closer).distance(target)));
            // Progress if any of the new peers is now the closest known. (The reference at 0.29
            // overwrites the flag for each closer peer, so only the last one counted; we take
            // any of them.)
            if (index == 0) {
                progress = true;
            }
        }

        switch (state) {
            case ITERATING -> {
                noProgress = progress ? 0 : noProgress + 1;
                if (noProgress >= parallelism) {
                    state = State.STALLED;
                }
            }
            case STALLED -> {
                if (progress) {
                    state = State.ITERATING;
                    noProgress = 0;
                }
            }
            default -> {
            }
        }
        return true;
    }

    /** {@inheritDoc} Accepted for a peer in flight or declared unresponsive. */
    @Override
    public boolean onFailure(PeerId peer) {
        Objects.requireNonNull(peer, "peer");
        if (state == State.FINISHED) {
            return false;
        }
        Peer known = closest.find(peer);
        if (known == null) {
            return false;
        }
        switch (known.state) {
            case WAITING -> {
                numWaiting--;
                known.state = PeerState.FAILED;
                return true;
            }
            case UNRESPONSIVE -> {
                known.state = PeerState.FAILED;
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    @Override
    public void finish() {
        state = State.FINISHED;
    }

    @Override
    public boolean isFinished() {
        return state == State.FINISHED;
    }

    /** The peers that succeeded, closest first, at most {@code numResults}. */
    @Override
    public List<PeerId> result() {
        List<PeerId> out = new ArrayList<>(Math.min(numResults, closest.size()));
        for (int i = 0, n = closest.size(); i < n && out.size() < numResults; i++) {
            Peer peer = closest.get(i);
            if (peer.state == PeerState.SUCCEEDED) {
                out.add(peer.id);
            }
        }
        return Collections.unmodifiableList(out);
    }

    /** Adds the succeeded peers (at most {@code numResults}, closest first) to {@code out}. */
    void collectResult(List<Peer> out) {
        int taken = 0;
        for (int i = 0, n = closest.size(); i < n && taken < numResults; i++) {
            Peer peer = closest.get(i);
            if (peer.state == PeerState.SUCCEEDED) {
                out.add(peer);
                taken++;
            }
        }
    }

    /** Requests in flight that have not been declared unresponsive. */
    int numWaiting() {
        return numWaiting;
    }

    /** Whether the iteration is stalled (and so allows up to {@code max(numResults, parallelism)} requests). */
    boolean isStalled() {
        return state == State.STALLED;
    }

    /** The state of {@code peer}, or null when unknown. */
    PeerState peerState(PeerId peer) {
        Peer known = closest.find(peer);
        return known == null ? null : known.state;
    }

    /** How many peers the iterator knows. */
    int numKnown() {
        return closest.size();
    }

    private boolean atCapacity() {
        return switch (state) {
            case STALLED -> numWaiting >= Math.max(numResults, parallelism);
            case ITERATING -> numWaiting >= parallelism;
            case FINISHED -> true;
        };
    }
}
