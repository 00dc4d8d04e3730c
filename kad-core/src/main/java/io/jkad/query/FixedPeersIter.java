package io.jkad.query;

import io.jkad.identity.PeerId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Requests to a fixed set of peers, at most {@code parallelism} at a time.
 *
 * <p>The peers are contacted in the order given, each once (duplicates are dropped). There is no
 * per-peer timeout: a request stays in flight until it is reported, and the query's own timeout
 * bounds the whole. Not thread-safe.
 */
public final class FixedPeersIter implements PeersIterator {

    private enum PeerState { NOT_CONTACTED, WAITING, SUCCEEDED, FAILED }

    private final int parallelism;
    /** The distinct peers in the order given. */
    private final PeerId[] peers;
    private final PeerState[] states;
    /** Index into {@link #peers} by id. Only looked up, never iterated. */
    private final HashMap<PeerId, Integer> indexOf;
    /** The next peer to contact. */
    private int cursor;
    private int numWaiting;
    private boolean finished;

    /**
     * @throws IllegalArgumentException if {@code parallelism} &lt;= 0
     * @throws NullPointerException if {@code peers} or one of them is null
     */
    public FixedPeersIter(Collection<PeerId> peers, int parallelism) {
        Objects.requireNonNull(peers, "peers");
        if (parallelism <= 0) {
            throw new IllegalArgumentException("parallelism must be > 0: " + parallelism);
        }
        this.parallelism = parallelism;
        this.indexOf = new HashMap<>(Math.max(16, peers.size() * 2));
        List<PeerId> distinct = new ArrayList<>(peers.size());
        for (PeerId peer : peers) {
            Objects.requireNonNull(peer, "a peer is null");
            if (indexOf.putIfAbsent(peer, distinct.size()) == null) {
                distinct.add(peer);
            }
        }
        this.peers = distinct.toArray(new PeerId[0]);
        this.states = new PeerState[this.peers.length];
        Arrays.fill(states, PeerState.NOT_CONTACTED);
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code now} is not used: fixed-peer requests have no per-peer timeout.
     */
    /** Empty: fixed-peer requests have no per-peer timeout, only reports move the iteration. */
    @Override
    public Optional<Instant> nextDeadline(Instant now) {
        return Optional.empty();
    }

    @Override
    public PeersIterState next(Instant now) {
        if (finished) {
            return PeersIterState.FINISHED;
        }
        if (numWaiting >= parallelism) {
            return PeersIterState.WAITING_AT_CAPACITY;
        }
        if (cursor < peers.length) {
            int i = cursor++;
            states[i] = PeerState.WAITING;
            numWaiting++;
            return new PeersIterState.Contact(peers[i]);
        }
        if (numWaiting == 0) {
            finished = true;
            return PeersIterState.FINISHED;
        }
        return PeersIterState.WAITING;
    }

    /** {@inheritDoc} Accepted only for a peer in flight; {@code closerPeers} are ignored. */
    @Override
    public boolean onSuccess(PeerId peer, Collection<PeerId> closerPeers) {
        return report(peer, PeerState.SUCCEEDED);
    }

    /**
     * {@inheritDoc} Accepted only for a peer in flight. The failed request no longer counts
     * toward the parallelism. (The rust-libp2p fixed iterator we read keeps counting it, so that
     * a failure holds its slot, and keeps the iterator from finishing, until the query times
     * out; we free it.)
     */
    @Override
    public boolean onFailure(PeerId peer) {
        return report(peer, PeerState.FAILED);
    }

    private boolean report(PeerId peer, PeerState outcome) {
        Objects.requireNonNull(peer, "peer");
        if (finished) {
            return false;
        }
        Integer i = indexOf.get(peer);
        if (i == null || states[i] != PeerState.WAITING) {
            return false;
        }
        states[i] = outcome;
        numWaiting--;
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

    /** The peers that succeeded, in the order they were given. */
    @Override
    public List<PeerId> result() {
        List<PeerId> out = new ArrayList<>();
        for (int i = 0; i < peers.length; i++) {
            if (states[i] == PeerState.SUCCEEDED) {
                out.add(peers[i]);
            }
        }
        return Collections.unmodifiableList(out);
    }

    /** Requests in flight (for tests). */
    int numWaiting() {
        return numWaiting;
    }
}
