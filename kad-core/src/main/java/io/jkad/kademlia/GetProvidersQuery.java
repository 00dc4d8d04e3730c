package io.jkad.kademlia;

import io.jkad.identity.PeerId;
import io.jkad.protocol.KadPeer;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.jkad.query.Query;
import io.jkad.record.RecordKey;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/** {@link Kademlia#getProviders}: a lookup that collects the providers of a key on its way. */
final class GetProvidersQuery implements QueryState {
    private final RecordKey key;
    private final Set<PeerId> providers;
    private final int enough;

    /**
     * A lookup of {@code key}'s providers, starting with those known locally, that stops once it
     * knows {@code enough} of them.
     */
    GetProvidersQuery(RecordKey key, Collection<PeerId> localProviders, int enough) {
        this.key = key;
        this.providers = new LinkedHashSet<>(localProviders);
        this.enough = enough;
    }

    /** Whether the providers known already are enough: the lookup may stop. */
    boolean satisfied() {
        return providers.size() >= enough;
    }

    /** It ends at its count, when it has one. */
    @Override
    public boolean mayEndEarly() {
        return enough != Integer.MAX_VALUE;
    }

    @Override
    public QueryKind kind() {
        return QueryKind.GET_PROVIDERS;
    }

    @Override
    public RecordKey key() {
        return key;
    }

    @Override
    public KadRequest request() {
        return new KadRequest.GetProviders(key);
    }

    @Override
    public void onResponse(Query<QueryInner> query, PeerId source, KadResponse response, Queries queries, Instant now) {
        if (response instanceof KadResponse.GetProviders r) {
            for (KadPeer p : r.providers()) {
                providers.add(p.id());
            }
        }
        queries.discovered(query, source, response);
        if (satisfied()) {
            query.finish();
        }
    }

    @Override
    public Optional<KademliaEvent> onFinished(Query<QueryInner> query, Queries queries, Instant now) {
        return Queries.completed(query, new QueryResult.GetProviders.Ok(key, providers, query.resultPeers()));
    }

    @Override
    public Optional<KademliaEvent> onTimeout(Query<QueryInner> query, Queries queries, Instant now) {
        return Queries.completed(query, new QueryResult.GetProviders.Timeout(key, providers, query.resultPeers()));
    }
}
