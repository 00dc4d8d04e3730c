package io.jkad.kademlia;

import io.jkad.identity.PeerId;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.jkad.query.Query;
import io.jkad.query.QueryStats;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Storing a record at the k closest peers ({@link Kademlia#putRecord}, republication, replication)
 * or at given peers ({@link Kademlia#putRecordTo}, write-back caching). Publications report a
 * {@link QueryResult.PutRecord}; replication and caching only log theirs.
 */
final class PutRecordQuery implements QueryState {
    private static final Logger log = LoggerFactory.getLogger(PutRecordQuery.class);

    /** The phases, as rust-libp2p-kad's {@code PutRecordPhase}. */
    sealed interface Phase {
        /** The statistics of the lookup that found the peers (empty while it runs, or without one). */
        QueryStats lookupStats();
    }

    /** Looking up the closest peers to the key. */
    record GetClosestPeers() implements Phase {
        @Override
        public QueryStats lookupStats() {
            return QueryStats.empty();
        }
    }

    /** Sending the record to the peers found (or given); {@code success} are those that stored it. */
    record PutRecord(List<PeerId> success, QueryStats lookupStats) implements Phase {}

    private final DhtRecord record;
    private final int quorum;
    private final QueryContext context;
    private final Phase phase;

    private PutRecordQuery(DhtRecord record, int quorum, QueryContext context, Phase phase) {
        this.record = record;
        this.quorum = quorum;
        this.context = context;
        this.phase = phase;
    }

    /** Looks up the closest peers, then stores the record there. */
    static PutRecordQuery lookup(DhtRecord record, int quorum, QueryContext context) {
        return new PutRecordQuery(record, quorum, context, new GetClosestPeers());
    }

    /** Stores the record at the peers the query is started with. */
    static PutRecordQuery storing(DhtRecord record, int quorum, QueryContext context) {
        return new PutRecordQuery(record, quorum, context, new PutRecord(new ArrayList<>(), QueryStats.empty()));
    }

    @Override
    public QueryKind kind() {
        return QueryKind.PUT_RECORD;
    }

    @Override
    public QueryPhase phase() {
        return phase instanceof PutRecord ? QueryPhase.PUT_RECORD : QueryPhase.LOOKUP;
    }

    @Override
    public Optional<QueryContext> context() {
        return Optional.of(context);
    }

    @Override
    public RecordKey key() {
        return record.key();
    }

    @Override
    public boolean isWholeLookup() {
        return !(phase instanceof PutRecord);
    }

    @Override
    public KadRequest request() {
        return phase instanceof PutRecord ? new KadRequest.PutValue(record) : new KadRequest.FindNode(record.key());
    }

    @Override
    public void onResponse(Query<QueryInner> query, PeerId source, KadResponse response, Queries queries, Instant now) {
        if (!(phase instanceof PutRecord p) || !(response instanceof KadResponse.PutValue r)) {
            queries.discovered(query, source, response);
            return;
        }
        if (!r.key().equals(record.key())) {
            log.debug("Peer {} acknowledged a put of {} with key {}", source, record.key(), r.key());
            query.onFailure(source);
            return;
        }
        query.onSuccess(source, List.of());
        if (!p.success().contains(source)) {
            p.success().add(source);
        }
        if (p.success().size() >= quorum && !query.tryFinish(p.success())) {
            log.debug("Query {} reached its quorum {} but cannot finish yet", query.id(), quorum);
        }
    }

    @Override
    public Optional<KademliaEvent> onFinished(Query<QueryInner> query, Queries queries, Instant now) {
        if (!(phase instanceof PutRecord p)) {
            queries.continueFixed(query, query.resultPeers(),
                    new PutRecordQuery(record, quorum, context, new PutRecord(new ArrayList<>(), query.stats())));
            return Optional.empty();
        }
        boolean republish = context == QueryContext.REPUBLISH;
        QueryResult.PutRecord result = p.success().size() >= quorum
                ? new QueryResult.PutRecord.Ok(record.key(), republish, p.success())
                : new QueryResult.PutRecord.QuorumFailed(record.key(), republish, p.success(), quorum);
        return report(query, result, result.isOk() ? "ok" : "quorum failed");
    }

    @Override
    public Optional<KademliaEvent> onTimeout(Query<QueryInner> query, Queries queries, Instant now) {
        List<PeerId> success = phase instanceof PutRecord p ? p.success() : List.of();
        boolean republish = context == QueryContext.REPUBLISH;
        return report(query, new QueryResult.PutRecord.Timeout(record.key(), republish, success, quorum), "timed out");
    }

    /** Publications report their result; replication and caching log it. */
    private Optional<KademliaEvent> report(Query<QueryInner> query, QueryResult.PutRecord result, String outcome) {
        QueryStats merged = phase.lookupStats().merge(query.stats());
        return switch (context) {
            case PUBLISH, CUSTOM, REPUBLISH -> Optional.of(Queries.completed(query, result, merged));
            case REPLICATE, CACHE -> {
                log.debug("{} of record {}: {}", context, record.key(), outcome);
                yield Optional.empty();
            }
        };
    }
}
