package io.jkad.kademlia;

import io.jkad.identity.PeerId;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.jkad.query.Query;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.jkad.routing.Distance;
import io.jkad.routing.Key;
import io.jkad.routing.KeyBytes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Kademlia#getRecord}: a lookup that collects copies of a record until a quorum of peers
 * returned it. With caching, the closest peers that answered without it are remembered and, for a
 * quorum of 1, sent the record afterwards (a {@link PutRecordQuery} of its own).
 */
final class GetRecordQuery implements QueryState {
    private static final Logger log = LoggerFactory.getLogger(GetRecordQuery.class);

    private final RecordKey key;
    private final int quorum;
    private final List<PeerRecord> records = new ArrayList<>();
    /** The peers that answered without the record, by distance to the key. */
    private final TreeMap<Distance, PeerId> cacheCandidates = new TreeMap<>();

    /** A lookup of {@code key} until {@code quorum} copies, counting a valid {@code local} copy. */
    GetRecordQuery(RecordKey key, int quorum, Optional<DhtRecord> local) {
        this.key = key;
        this.quorum = quorum;
        local.ifPresent(r -> records.add(new PeerRecord(Optional.empty(), r)));
    }

    /** Whether the local copy alone reached the quorum (the query then finishes at once). */
    boolean quorumReached() {
        return records.size() >= quorum;
    }

    @Override
    public QueryKind kind() {
        return QueryKind.GET_RECORD;
    }

    @Override
    public RecordKey key() {
        return key;
    }

    @Override
    public KadRequest request() {
        return new KadRequest.GetValue(key);
    }

    @Override
    public void onResponse(Query<QueryInner> query, PeerId source, KadResponse response, Queries queries) {
        if (response instanceof KadResponse.GetValue r) {
            Optional<DhtRecord> record = r.record().filter(rec -> rec.key().equals(key));
            if (r.record().isPresent() && record.isEmpty()) {
                log.debug("Peer {} answered a lookup of {} with a record of {}", source, key, r.record().get().key());
            }
            if (record.isPresent()) {
                found(query, source, record.get());
            } else if (queries.caching() instanceof Caching.Enabled enabled) {
                Distance d = Key.of(source).distance(KeyBytes.digestOf(key.toBytes()));
                cacheCandidates.put(d, source);
                while (cacheCandidates.size() > enabled.maxPeers()) {
                    cacheCandidates.pollLastEntry();
                }
            }
        }
        queries.discovered(query, source, response);
    }

    private void found(Query<QueryInner> query, PeerId source, DhtRecord record) {
        records.add(new PeerRecord(Optional.of(source), record));
        if (quorumReached()) {
            List<PeerId> peers = new ArrayList<>();
            for (PeerRecord pr : records) {
                pr.peer().ifPresent(peers::add);
            }
            if (!query.tryFinish(peers)) {
                log.debug("Query {} reached its quorum {} but cannot finish yet", query.id(), quorum);
            }
        }
    }

    @Override
    public Optional<KademliaEvent> onFinished(Query<QueryInner> query, Queries queries, Instant now) {
        QueryResult.GetRecord result;
        if (quorumReached()) {
            List<PeerId> candidates = new ArrayList<>(cacheCandidates.values());
            if (quorum == 1 && !candidates.isEmpty()) {
                queries.startFixed(candidates, PutRecordQuery.storing(records.get(0).record(), 1, QueryContext.CACHE));
            }
            result = new QueryResult.GetRecord.Ok(key, records, candidates);
        } else if (records.isEmpty()) {
            result = new QueryResult.GetRecord.NotFound(key, query.resultPeers());
        } else {
            result = new QueryResult.GetRecord.QuorumFailed(key, records, quorum);
        }
        return Queries.completed(query, result);
    }

    @Override
    public Optional<KademliaEvent> onTimeout(Query<QueryInner> query, Queries queries, Instant now) {
        return Queries.completed(query, new QueryResult.GetRecord.Timeout(key, records, quorum));
    }
}
