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
 * A lookup of the closest peers to a target that asks fewer peers than the reference's
 * {@link ClosestPeersIter} and gets there sooner; the requests on the wire are the same.
 *
 * <p>Why the reference costs about twice the messages of an ideal lookup: once stalled it allows
 * k requests in flight, and its walk stops counting answered peers at the first one still in
 * flight, so every answer that comes back frees a slot that goes to the next peer beyond the k
 * closest; most of those are still in flight when the lookup ends. This iterator differs in three
 * ways:
 *
 * <ul>
 *   <li><b>A window of k.</b> It only ever asks a peer that is among the k closest live peers it
 *       knows (failed and unresponsive ones do not count), so every request is one an ideal
 *       lookup might also send.
 *   <li><b>Converging, then all at once.</b> While converging it keeps α requests in flight, each
 *       to the peer with the shortest expected answer time among the 2α closest not asked yet
 *       ({@link LookupHints#expectedNanos}: the node's smoothed round trip to the peer, three
 *       times that when a connection must be dialed first). Once the closest known peer has answered (or after α
 *       answers in a row without progress, as the reference), or once the k-th peer of the window
 *       lies within 1.5 times the expected distance of the target's k-th closest node (from the
 *       node's estimate of the network's size), it asks the rest of the window at once:
 *       termination needs all of them anyway.
 *   <li><b>Hedging.</b> A request not answered within three times its expected time (at least
 *       {@link #MIN_HEDGE}) is <em>slow</em>: it no longer counts toward the requests in flight,
 *       and the window grows by one, so that the next peer is asked beside it. A slow peer still
 *       holds up termination until it answers or its peer timeout makes it unresponsive (as in the
 *       reference), so slowness alone never costs a result; a slow peer that already settles the
 *       lookup by its connection (below) gets no hedge.
 *   <li><b>Dialing ahead.</b> Every peer of the window not asked yet gets a connection asked for
 *       at once ({@link LookupHints#dialAhead}; a dial, not a request): most of them will be
 *       asked, and by then their request costs one round trip instead of a handshake's two and
 *       its own; while converging, a connected peer is also the quicker choice. A peer that
 *       cannot be dialed ({@link #onUnreachable}) leaves the window before it is asked. A lookup
 *       whose query may end before it settles (a get at its quorum, a provider look-up at its
 *       count) dials ahead only the {@link #CHOICES_PER_SLOT}·α closest peers not asked yet, those
 *       its next requests are chosen from: the rest of the window is seldom asked, and its
 *       handshakes would take CPU from the requests that are.
 * </ul>
 *
 * <p>It finishes when each of the k closest live peers it knows is <em>settled</em>, or when there
 * is nobody left to ask in the window and nothing in flight. A peer is settled when it answered, or,
 * once the window is asked at once and the {@link #RESILIENCE} closest answered, when it was asked
 * and the node is connected to it ({@link LookupHints#isConnected}): a connection proves it alive,
 * and its answer would come from the neighbourhood those closest peers already described. The
 * lookup then returns the settled peers, so it may return a peer whose answer had not come yet;
 * this is go-libp2p-kad-dht's rule (its lookups end when their β = 3 closest answered and return
 * the k closest not known to have failed), narrowed to peers known to be reachable. It spares the
 * lookup its last request's round trip, usually to the slowest peer of the neighbourhood.
 *
 * <p>Not thread-safe. Time is passed in: the iterator never reads a clock.
 */
public final class TunedClosestPeersIter implements PeersIterator {

    /** How many of the given start peers are used (as the reference). */
    static final int MAX_INITIAL_PEERS = ClosestPeersIter.MAX_INITIAL_PEERS;
    /** The shortest time after which a request counts as slow. */
    static final Duration MIN_HEDGE = Duration.ofMillis(100);
    /** A request is slow after this many times its expected answer time. */
    static final int HEDGE_FACTOR = 3;
    /** While converging, the next peer asked is the quickest of this many times α closest not asked yet. */
    static final int CHOICES_PER_SLOT = 2;
    /**
     * How far beyond the expected distance of the k-th closest node (k/(N+1) of the keyspace, N from
     * the node's estimate of the network's size) the window's k-th peer may lie for the window to
     * count as the target's neighbourhood, and be asked at once.
     */
    static final double NEIGHBOURHOOD_FACTOR = 1.5;
    /**
     * Once the window is asked at once, how many of its closest peers must have answered before the
     * others may count as settled by a connection alone (go-libp2p-kad-dht's β, 3, the number of
     * closest peers whose answers end its lookups).
     */
    static final int RESILIENCE = 3;

    enum PeerState { NOT_CONTACTED, WAITING, UNRESPONSIVE, SUCCEEDED, FAILED }

    static final class Peer extends PeersByDistance.Known {
        PeerState state = PeerState.NOT_CONTACTED;
        /** While {@code WAITING}: when the request turns slow, and when unresponsive. */
        Instant hedgeAt;
        Instant deadline;
        boolean slow;
        /** Whether a connection to it was asked for ahead of its request. */
        boolean dialedAhead;

        Peer(PeerId id, Distance distance) {
            super(id, distance);
        }
    }

    private final int parallelism;
    private final int numResults;
    private final Duration peerTimeout;
    private final KeyBytes target;
    private final LookupHints hints;
    /**
     * The distance (as a fraction of the keyspace) within which k peers are expected to be the
     * target's neighbourhood: 1.5 times the expected distance of the k-th closest node, k/(N+1);
     * NaN when the network's size is unknown.
     */
    private final double neighbourhood;
    /** Every known peer, in ascending distance to the target. */
    private final PeersByDistance<Peer> closest;

    private boolean finished;
    /** What the lookup returns, fixed when it ends by itself; null until then. */
    private List<PeerId> result;
    /** Whether the rest of the window is asked at once. */
    private boolean converged;
    private int noProgress;
    /** Requests in flight, not unresponsive. */
    private int numWaiting;
    /** Of those, the slow ones. */
    private int numSlow;
    /** Requests sent to a peer beyond the k closest live ones when sent (hedges). */
    private int hedges;
    /** Requests that turned slow. */
    private int slowSeen;
    /** Connections asked for ahead of requests. */
    private int dialsAhead;
    /** How many of the closest peers not asked yet are dialed ahead. */
    private final int dialAheadLimit;

    /**
     * @param knownClosestPeers the peers to start from; the first 20 of them are used
     * @param hints how long an answer of a peer is expected to take if asked now, and the network's size
     */
    public TunedClosestPeersIter(ClosestPeersIterConfig config, KeyBytes target, Iterable<Key<PeerId>> knownClosestPeers,
                                 LookupHints hints) {
        this(config, target, knownClosestPeers, hints, false);
    }

    /**
     * @param mayEndEarly whether the query may end before the lookup settles; it then dials ahead
     *     only the peers its next requests are chosen from
     */
    public TunedClosestPeersIter(ClosestPeersIterConfig config, KeyBytes target, Iterable<Key<PeerId>> knownClosestPeers,
                                 LookupHints hints, boolean mayEndEarly) {
        Objects.requireNonNull(config, "config");
        this.target = Objects.requireNonNull(target, "target");
        Objects.requireNonNull(knownClosestPeers, "knownClosestPeers");
        this.hints = Objects.requireNonNull(hints, "hints");
        this.parallelism = config.parallelism();
        this.dialAheadLimit = mayEndEarly ? CHOICES_PER_SLOT * parallelism : Integer.MAX_VALUE;
        this.numResults = config.numResults();
        this.peerTimeout = config.peerTimeout();
        double size = hints.networkSize();
        this.neighbourhood = size > 0 ? NEIGHBOURHOOD_FACTOR * numResults / (size + 1) : Double.NaN;
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

    @Override
    public Optional<Instant> nextDeadline(Instant now) {
        Objects.requireNonNull(now, "now");
        if (finished) {
            return Optional.empty();
        }
        Instant earliest = null;
        for (Peer peer : closest) {
            if (peer.state == PeerState.WAITING) {
                Instant d = peer.slow ? peer.deadline : peer.hedgeAt;
                earliest = earliest == null || d.isBefore(earliest) ? d : earliest;
            }
        }
        if (wouldContactOrFinish()) {
            return Optional.of(now);
        }
        return Optional.ofNullable(earliest).map(d -> Deadlines.notBefore(d, now));
    }

    @Override
    public PeersIterState next(Instant now) {
        Objects.requireNonNull(now, "now");
        if (finished) {
            return PeersIterState.FINISHED;
        }
        for (Peer peer : closest) {
            if (peer.state == PeerState.WAITING) {
                if (!now.isBefore(peer.deadline)) {
                    numWaiting--;
                    if (peer.slow) {
                        numSlow--;
                    }
                    peer.slow = false;
                    peer.state = PeerState.UNRESPONSIVE;
                } else if (!peer.slow && !now.isBefore(peer.hedgeAt)) {
                    peer.slow = true;
                    numSlow++;
                    slowSeen++;
                }
            }
        }
        Step step = step();
        if (step.finished) {
            result = settledPeers();
            finished = true;
            return PeersIterState.FINISHED;
        }
        if (step.contact != null) {
            Peer peer = step.contact;
            peer.state = PeerState.WAITING;
            dialAhead(now);
            peer.deadline = Deadlines.plus(now, peerTimeout);
            long hedge = Math.max(MIN_HEDGE.toNanos(), HEDGE_FACTOR * Math.max(0, hints.expectedNanos(peer.id)));
            peer.hedgeAt = Deadlines.plus(now, Duration.ofNanos(hedge));
            if (step.beyondK) {
                hedges++;
            }
            numWaiting++;
            return new PeersIterState.Contact(peer.id);
        }
        dialAhead(now);
        return inFlight() >= limit() ? PeersIterState.WAITING_AT_CAPACITY : PeersIterState.WAITING;
    }

    /**
     * Asks for a connection to every peer of the window not asked yet (or to the closest
     * {@link #dialAheadLimit} of them): it will most likely be asked (the window is asked at once
     * when converged), and its request then costs only its own round trip instead of a handshake's
     * and its own.
     */
    private void dialAhead(Instant now) {
        int live = 0;
        int window = numResults;
        int notAsked = 0;
        for (int i = 0, n = closest.size(); i < n && live < window; i++) {
            Peer peer = closest.get(i);
            switch (peer.state) {
                case FAILED, UNRESPONSIVE -> {
                    continue;
                }
                case WAITING -> {
                    if (needsHedge(live, peer)) {
                        window++;
                    }
                }
                case NOT_CONTACTED -> {
                    if (notAsked++ == dialAheadLimit) {
                        return;
                    }
                    if (!peer.dialedAhead) {
                        peer.dialedAhead = true;
                        dialsAhead++;
                        hints.dialAhead(peer.id, now);
                    }
                }
                default -> { }
            }
            live++;
        }
    }

    /** What {@link #next} would do now, apart from timeouts: finish, contact a peer, or wait. */
    private record Step(boolean finished, Peer contact, boolean beyondK) {}

    private static final Step WAIT = new Step(false, null, false);
    private static final Step FINISH = new Step(true, null, false);

    private boolean wouldContactOrFinish() {
        Step s = step();
        return s.finished || s.contact != null;
    }

    private Step step() {
        // The window: the k closest live peers, plus one for each slow request among them that
        // does not settle the lookup by its connection.
        int window = numResults;
        int live = 0;
        int settled = 0;
        boolean allSettledSoFar = true;
        boolean anyCandidate = false;
        boolean atCapacity = inFlight() >= limit();
        int choices = converged ? 1 : CHOICES_PER_SLOT * parallelism;
        Peer best = null;
        long bestCost = Long.MAX_VALUE;
        int bestRank = -1;
        for (int i = 0, n = closest.size(); i < n && live < window; i++) {
            Peer peer = closest.get(i);
            switch (peer.state) {
                case FAILED, UNRESPONSIVE -> {
                    continue;
                }
                case SUCCEEDED -> {
                    if (allSettledSoFar && ++settled >= numResults) {
                        return FINISH;
                    }
                }
                case WAITING -> {
                    if (allSettledSoFar && settledByConnection(live, peer)) {
                        if (++settled >= numResults) {
                            return FINISH;
                        }
                    } else {
                        allSettledSoFar = false;
                    }
                    if (needsHedge(live, peer)) {
                        window++;
                    }
                }
                case NOT_CONTACTED -> {
                    allSettledSoFar = false;
                    anyCandidate = true;
                    if (!atCapacity && choices > 0) {
                        choices--;
                        long cost = converged ? 0 : hints.expectedNanos(peer.id);
                        if (best == null || cost < bestCost) {
                            best = peer;
                            bestCost = cost;
                            bestRank = live;
                        }
                    }
                }
            }
            live++;
        }
        if (best != null) {
            return new Step(false, best, bestRank >= numResults);
        }
        if (allSettledSoFar || (!anyCandidate && numWaiting == 0)) {
            // Every live peer of the window is settled (fewer than k known), or nobody is left to
            // ask and nothing is in flight.
            return FINISH;
        }
        return WAIT;
    }

    /**
     * Whether a peer asked but not answered yet may count toward the end of the lookup: once the
     * window is asked at once and the {@link #RESILIENCE} closest live peers answered, a peer
     * ranked after them that the node is connected to is known to be alive, and its answer would
     * come from within the neighbourhood those closest peers have already described.
     */
    private boolean settledByConnection(int rank, Peer peer) {
        return converged && rank >= RESILIENCE && hints.isConnected(peer.id);
    }

    /**
     * Whether a request in flight gets a hedge (the window grows by one for it): when it is slow,
     * unless its peer settles the lookup by its connection anyway.
     */
    private boolean needsHedge(int rank, Peer peer) {
        return peer.slow && !settledByConnection(rank, peer);
    }

    private int inFlight() {
        return numWaiting - numSlow;
    }

    private int limit() {
        return converged ? numResults : parallelism;
    }

    @Override
    public boolean onSuccess(PeerId peer, Collection<PeerId> closerPeers) {
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(closerPeers, "closerPeers");
        if (finished) {
            return false;
        }
        Peer known = closest.find(peer);
        if (known == null) {
            return false;
        }
        switch (known.state) {
            case WAITING -> {
                numWaiting--;
                if (known.slow) {
                    numSlow--;
                }
                known.slow = false;
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
            if (closest.insert(new Peer(closer, Key.of(closer).distance(target))) == 0) {
                progress = true;
            }
        }
        noProgress = progress ? 0 : noProgress + 1;
        if (!converged && (noProgress >= parallelism || closestLiveSucceeded() || windowInNeighbourhood())) {
            converged = true;
        }
        return true;
    }

    /** Whether the k-th closest live peer known lies within the target's expected neighbourhood. */
    private boolean windowInNeighbourhood() {
        if (Double.isNaN(neighbourhood)) {
            return false;
        }
        int live = 0;
        for (Peer p : closest) {
            if (p.state != PeerState.FAILED && p.state != PeerState.UNRESPONSIVE && ++live == numResults) {
                return p.distance.fraction() <= neighbourhood;
            }
        }
        return false;
    }

    private boolean closestLiveSucceeded() {
        for (Peer p : closest) {
            if (p.state != PeerState.FAILED && p.state != PeerState.UNRESPONSIVE) {
                return p.state == PeerState.SUCCEEDED;
            }
        }
        return false;
    }

    @Override
    public boolean onFailure(PeerId peer) {
        Objects.requireNonNull(peer, "peer");
        if (finished) {
            return false;
        }
        Peer known = closest.find(peer);
        if (known == null) {
            return false;
        }
        switch (known.state) {
            case WAITING -> {
                numWaiting--;
                if (known.slow) {
                    numSlow--;
                }
                known.slow = false;
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

    /** A peer not asked yet that cannot be dialed leaves the window (asking it would fail). */
    @Override
    public boolean onUnreachable(PeerId peer) {
        Objects.requireNonNull(peer, "peer");
        Peer known = finished ? null : closest.find(peer);
        if (known == null || known.state != PeerState.NOT_CONTACTED) {
            return false;
        }
        known.state = PeerState.FAILED;
        return true;
    }

    @Override
    public void finish() {
        finished = true;
    }

    @Override
    public boolean isFinished() {
        return finished;
    }

    /**
     * Closest first, at most {@code numResults}: when the lookup ended by itself, the peers that
     * settled it (answered, or connected and asked, see {@link #settledByConnection}); when it was
     * finished from outside, or while it runs, the peers that answered.
     */
    @Override
    public List<PeerId> result() {
        if (result != null) {
            return result;
        }
        List<PeerId> out = new ArrayList<>(Math.min(numResults, closest.size()));
        for (int i = 0, n = closest.size(); i < n && out.size() < numResults; i++) {
            Peer peer = closest.get(i);
            if (peer.state == PeerState.SUCCEEDED) {
                out.add(peer.id);
            }
        }
        return Collections.unmodifiableList(out);
    }

    /** The live peers of the window that settle the lookup, in the order {@link #step} counts them. */
    private List<PeerId> settledPeers() {
        List<PeerId> out = new ArrayList<>(Math.min(numResults, closest.size()));
        int live = 0;
        for (int i = 0, n = closest.size(); i < n && out.size() < numResults; i++) {
            Peer peer = closest.get(i);
            switch (peer.state) {
                case FAILED, UNRESPONSIVE -> {
                    continue;
                }
                case SUCCEEDED -> out.add(peer.id);
                case WAITING -> {
                    if (settledByConnection(live, peer)) {
                        out.add(peer.id);
                    }
                }
                default -> { }
            }
            live++;
        }
        return Collections.unmodifiableList(out);
    }

    /** Requests in flight that are not unresponsive (slow ones included). */
    int numWaiting() {
        return numWaiting;
    }

    /** Whether the rest of the window is asked at once. */
    boolean isConverged() {
        return converged;
    }

    /** Requests sent to peers beyond the k closest live ones (hedges of slow requests). */
    int hedges() {
        return hedges;
    }

    /** Connections asked for ahead of requests. */
    int dialsAhead() {
        return dialsAhead;
    }

    /** Requests in flight that turned slow. */
    int numSlow() {
        return numSlow;
    }

    /** Requests that turned slow so far. */
    int slowSeen() {
        return slowSeen;
    }

    /** The rank of {@code peer} among the live (not failed, not unresponsive) peers known; -1 if not live. */
    int rankAmongLive(PeerId peer) {
        int live = 0;
        for (Peer p : closest) {
            if (p.state == PeerState.FAILED || p.state == PeerState.UNRESPONSIVE) {
                continue;
            }
            if (p.id.equals(peer)) {
                return live;
            }
            live++;
        }
        return -1;
    }

    /** How many live peers not asked yet are closer to the target than {@code peer}. */
    int notAskedBefore(PeerId peer) {
        int before = 0;
        for (Peer p : closest) {
            if (p.id.equals(peer)) {
                return before;
            }
            if (p.state == PeerState.NOT_CONTACTED) {
                before++;
            }
        }
        return -1;
    }

    PeerState peerState(PeerId peer) {
        Peer known = closest.find(peer);
        return known == null ? null : known.state;
    }

    int numKnown() {
        return closest.size();
    }
}
