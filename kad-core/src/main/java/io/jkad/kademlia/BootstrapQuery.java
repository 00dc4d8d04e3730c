package io.jkad.kademlia;

import io.jkad.identity.PeerId;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.jkad.query.Query;
import io.jkad.record.RecordKey;
import io.jkad.routing.Key;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * {@link Kademlia#bootstrap}: a lookup of the local key, then one lookup of a random key in each
 * bucket farther than the closest neighbour's, each reported as one {@link QueryResult.Bootstrap}.
 *
 * <p>Unless {@link KademliaConfig#refreshFullBuckets()}, a refresh whose bucket has meanwhile
 * filled with k peers, each seen connected since the bootstrap started, is skipped: its lookup
 * could add no peer to that bucket, and its entries are known to be alive.
 */
final class BootstrapQuery implements QueryState {

    /** The phases: the self-lookup, then the bucket refreshes. */
    sealed interface Phase {}

    /** Looking up the local key; the refresh targets are drawn when it finishes. */
    record SelfLookup() implements Phase {}

    /** Looking up a refresh target, with the targets still to look up. */
    record RefreshBuckets(ArrayDeque<Key<PeerId>> remaining) implements Phase {}

    private final PeerId peer;
    private final Phase phase;
    /** When the bootstrap started. */
    private final Instant started;

    private BootstrapQuery(PeerId peer, Phase phase, Instant started) {
        this.peer = peer;
        this.phase = phase;
        this.started = started;
    }

    /** A bootstrap of the node {@code localId}, started at {@code now}. */
    static BootstrapQuery of(PeerId localId, Instant now) {
        return new BootstrapQuery(localId, new SelfLookup(), now);
    }

    @Override
    public QueryKind kind() {
        return QueryKind.BOOTSTRAP;
    }

    @Override
    public RecordKey key() {
        return RecordKey.of(peer.toBytes());
    }

    @Override
    public boolean isWholeLookup() {
        return true;
    }

    @Override
    public KadRequest request() {
        return new KadRequest.FindNode(key());
    }

    @Override
    public void onResponse(Query<QueryInner> query, PeerId source, KadResponse response, Queries queries, Instant now) {
        queries.discovered(query, source, response);
    }

    @Override
    public Optional<KademliaEvent> onFinished(Query<QueryInner> query, Queries queries, Instant now) {
        ArrayDeque<Key<PeerId>> remaining = phase instanceof RefreshBuckets r ? r.remaining() : queries.refreshTargets(now);
        dropNeedless(remaining, queries);
        int numRemaining = remaining.size();
        lookUpNext(query, remaining, queries);
        return event(query, new QueryResult.Bootstrap.Ok(peer, numRemaining), numRemaining == 0);
    }

    @Override
    public Optional<KademliaEvent> onTimeout(Query<QueryInner> query, Queries queries, Instant now) {
        // A self-lookup that timed out ends the bootstrap: no bucket is refreshed.
        if (phase instanceof RefreshBuckets r) {
            dropNeedless(r.remaining(), queries);
            int numRemaining = r.remaining().size();
            boolean next = lookUpNext(query, r.remaining(), queries);
            return event(query, new QueryResult.Bootstrap.Timeout(peer, OptionalInt.of(numRemaining)), !next);
        }
        return event(query, new QueryResult.Bootstrap.Timeout(peer, OptionalInt.empty()), true);
    }

    /** Drops the targets at the head of {@code remaining} whose bucket needs no refresh now. */
    private void dropNeedless(ArrayDeque<Key<PeerId>> remaining, Queries queries) {
        while (!remaining.isEmpty() && !queries.needsRefresh(remaining.peek(), started)) {
            remaining.poll();
        }
    }

    /** Continues with the next refresh target, if any; whether there was one. */
    private boolean lookUpNext(Query<QueryInner> query, ArrayDeque<Key<PeerId>> remaining, Queries queries) {
        Key<PeerId> next = remaining.poll();
        if (next == null) {
            return false;
        }
        queries.continueLookup(query, new BootstrapQuery(next.preimage(), new RefreshBuckets(remaining), started));
        return true;
    }

    private static Optional<KademliaEvent> event(Query<QueryInner> query, QueryResult.Bootstrap result, boolean last) {
        return Optional.of(new KademliaEvent.QueryCompleted(query.id(), result, query.stats(), last, query.trace()));
    }
}
