package io.jkad.kademlia;

import io.jkad.identity.PeerId;
import io.jkad.protocol.ConnectionType;
import io.jkad.protocol.KadPeer;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.jkad.query.Query;
import io.jkad.query.QueryStats;
import io.jkad.record.RecordKey;
import java.time.Instant;
import java.util.Optional;

/**
 * {@link Kademlia#startProviding} and its republication: looks up the k closest peers to the key,
 * then announces the local node to them as a provider (ADD_PROVIDER has no answer).
 */
final class AddProviderQuery implements QueryState {

    /** The phases, as rust-libp2p-kad's {@code AddProviderPhase}. */
    sealed interface Phase {
        /** The statistics of the lookup that found the peers (empty while it runs). */
        QueryStats lookupStats();
    }

    /** Looking up the closest peers to the key. */
    record GetClosestPeers() implements Phase {
        @Override
        public QueryStats lookupStats() {
            return QueryStats.empty();
        }
    }

    /** Announcing {@code provider} (the local node, with its addresses) to the peers found. */
    record AddProvider(KadPeer provider, QueryStats lookupStats) implements Phase {}

    private final RecordKey key;
    private final boolean republish;
    private final Phase phase;

    private AddProviderQuery(RecordKey key, boolean republish, Phase phase) {
        this.key = key;
        this.republish = republish;
        this.phase = phase;
    }

    /** Provides {@code key}: a first announcement, or ({@code republish}) a periodic one. */
    static AddProviderQuery lookup(RecordKey key, boolean republish) {
        return new AddProviderQuery(key, republish, new GetClosestPeers());
    }

    @Override
    public QueryKind kind() {
        return QueryKind.ADD_PROVIDER;
    }

    @Override
    public QueryPhase phase() {
        return phase instanceof AddProvider ? QueryPhase.ADD_PROVIDER : QueryPhase.LOOKUP;
    }

    @Override
    public Optional<QueryContext> context() {
        return Optional.of(republish ? QueryContext.REPUBLISH : QueryContext.PUBLISH);
    }

    @Override
    public RecordKey key() {
        return key;
    }

    @Override
    public boolean isWholeLookup() {
        return phase instanceof GetClosestPeers;
    }

    @Override
    public KadRequest request() {
        return phase instanceof AddProvider a ? new KadRequest.AddProvider(key, a.provider()) : new KadRequest.FindNode(key);
    }

    @Override
    public void onResponse(Query<QueryInner> query, PeerId source, KadResponse response, Queries queries, Instant now) {
        queries.discovered(query, source, response);
    }

    @Override
    public Optional<KademliaEvent> onFinished(Query<QueryInner> query, Queries queries, Instant now) {
        if (phase instanceof GetClosestPeers) {
            KadPeer local = new KadPeer(queries.localId(), queries.localAddresses(), ConnectionType.CONNECTED);
            queries.continueFixed(query, query.resultPeers(),
                    new AddProviderQuery(key, republish, new AddProvider(local, query.stats())));
            return Optional.empty();
        }
        return report(query, new QueryResult.AddProvider.Ok(key, republish));
    }

    @Override
    public Optional<KademliaEvent> onTimeout(Query<QueryInner> query, Queries queries, Instant now) {
        return report(query, new QueryResult.AddProvider.Timeout(key, republish));
    }

    private Optional<KademliaEvent> report(Query<QueryInner> query, QueryResult.AddProvider result) {
        return Optional.of(Queries.completed(query, result, phase.lookupStats().merge(query.stats())));
    }
}
