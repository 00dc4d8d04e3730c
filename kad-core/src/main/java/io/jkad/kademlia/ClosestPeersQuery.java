package io.jkad.kademlia;

import io.jkad.identity.PeerId;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.jkad.query.Query;
import io.jkad.record.RecordKey;
import java.time.Instant;
import java.util.Optional;

/** {@link Kademlia#getClosestPeers}: a lookup of the k closest peers to a key. */
final class ClosestPeersQuery implements QueryState {
    private final RecordKey key;

    ClosestPeersQuery(RecordKey key) {
        this.key = key;
    }

    @Override
    public QueryKind kind() {
        return QueryKind.GET_CLOSEST_PEERS;
    }

    @Override
    public RecordKey key() {
        return key;
    }

    @Override
    public boolean isWholeLookup() {
        return true;
    }

    @Override
    public KadRequest request() {
        return new KadRequest.FindNode(key);
    }

    @Override
    public void onResponse(Query<QueryInner> query, PeerId source, KadResponse response, Queries queries, Instant now) {
        queries.discovered(query, source, response);
    }

    @Override
    public Optional<KademliaEvent> onFinished(Query<QueryInner> query, Queries queries, Instant now) {
        return Queries.completed(query, new QueryResult.GetClosestPeers.Ok(key, query.resultPeers()));
    }

    @Override
    public Optional<KademliaEvent> onTimeout(Query<QueryInner> query, Queries queries, Instant now) {
        return Queries.completed(query, new QueryResult.GetClosestPeers.Timeout(key, query.resultPeers()));
    }
}
