package io.jkad.kademlia;

import io.jkad.identity.PeerId;
import io.jkad.protocol.KadPeer;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.jkad.query.Query;
import io.jkad.query.QueryStats;
import io.jkad.record.RecordKey;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@link Kademlia#auditProvider}: looks up the k closest peers to the key, then asks each of them
 * (GET_PROVIDERS) whether it holds this node's provider record.
 */
final class ProviderAuditQuery implements QueryState {

    /** The phases: the lookup, then the questions to the peers it found. */
    sealed interface Phase {}

    record Lookup() implements Phase {}

    record Ask(List<PeerId> closest, Set<PeerId> answered, Set<PeerId> holding, QueryStats lookupStats)
            implements Phase {}

    private final RecordKey key;
    private final Phase phase;

    private ProviderAuditQuery(RecordKey key, Phase phase) {
        this.key = key;
        this.phase = phase;
    }

    static ProviderAuditQuery of(RecordKey key) {
        return new ProviderAuditQuery(key, new Lookup());
    }

    @Override
    public QueryKind kind() {
        return QueryKind.PROVIDER_AUDIT;
    }

    @Override
    public RecordKey key() {
        return key;
    }

    @Override
    public boolean isWholeLookup() {
        return phase instanceof Lookup;
    }

    @Override
    public KadRequest request() {
        return phase instanceof Ask ? new KadRequest.GetProviders(key) : new KadRequest.FindNode(key);
    }

    @Override
    public void onResponse(Query<QueryInner> query, PeerId source, KadResponse response, Queries queries, Instant now) {
        if (phase instanceof Ask ask) {
            if (response instanceof KadResponse.GetProviders r) {
                ask.answered().add(source);
                for (KadPeer p : r.providers()) {
                    if (p.id().equals(queries.localId())) {
                        ask.holding().add(source);
                    }
                }
            }
            query.onSuccess(source, List.of());
        } else {
            queries.discovered(query, source, response);
        }
    }

    @Override
    public Optional<KademliaEvent> onFinished(Query<QueryInner> query, Queries queries, Instant now) {
        if (phase instanceof Ask ask) {
            return report(query, new QueryResult.ProviderAudit.Ok(key, ask.closest(), Set.copyOf(ask.answered()),
                    Set.copyOf(ask.holding())), ask.lookupStats());
        }
        List<PeerId> closest = List.copyOf(query.resultPeers());
        if (closest.isEmpty()) {
            return report(query, new QueryResult.ProviderAudit.Ok(key, closest, Set.of(), Set.of()), QueryStats.empty());
        }
        queries.continueFixed(query, closest, new ProviderAuditQuery(key,
                new Ask(closest, new LinkedHashSet<>(), new LinkedHashSet<>(), query.stats())));
        return Optional.empty();
    }

    @Override
    public Optional<KademliaEvent> onTimeout(Query<QueryInner> query, Queries queries, Instant now) {
        if (phase instanceof Ask ask) {
            return report(query, new QueryResult.ProviderAudit.Timeout(key, ask.closest(), Set.copyOf(ask.answered()),
                    Set.copyOf(ask.holding())), ask.lookupStats());
        }
        return report(query, new QueryResult.ProviderAudit.Timeout(key, List.copyOf(query.resultPeers()), Set.of(),
                Set.of()), QueryStats.empty());
    }

    private static Optional<KademliaEvent> report(Query<QueryInner> query, QueryResult result, QueryStats before) {
        return Optional.of(Queries.completed(query, result, before.merge(query.stats())));
    }
}
