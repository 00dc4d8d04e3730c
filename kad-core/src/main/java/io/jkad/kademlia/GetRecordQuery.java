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
import io.jkad.validation.Validation;
import io.jkad.validation.Validators;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Kademlia#getRecord}: a lookup that collects valid copies of a record until a quorum of
 * peers returned one. Each copy a peer returns is checked by its namespace's validator
 * ({@link KademliaConfig#validators()}); an invalid one does not count. At the end the validator
 * selects the best of the copies, which the result lists first, and the best is sent (a
 * {@link PutRecordQuery} of its own) to the peers that returned another or an invalid one and,
 * with caching, to the closest peers that answered without one — the entry correction of the
 * Kademlia spec (go does it too, but only after a lookup that ran to its end).
 */
final class GetRecordQuery implements QueryState {
    private static final Logger log = LoggerFactory.getLogger(GetRecordQuery.class);

    private final RecordKey key;
    private final int quorum;
    private final List<PeerRecord> records = new ArrayList<>();
    /** The peers that answered without the record, by distance to the key. */
    private final TreeMap<Distance, PeerId> cacheCandidates = new TreeMap<>();
    /** The peers that returned an invalid record. */
    private final List<PeerId> invalid = new ArrayList<>();

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

    /** It ends at its quorum. */
    @Override
    public boolean mayEndEarly() {
        return true;
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
    public void onResponse(Query<QueryInner> query, PeerId source, KadResponse response, Queries queries, Instant now) {
        if (response instanceof KadResponse.GetValue r) {
            Optional<DhtRecord> record = r.record().filter(rec -> rec.key().equals(key));
            if (r.record().isPresent() && record.isEmpty()) {
                log.debug("Peer {} answered a lookup of {} with a record of {}", source, key, r.record().get().key());
            }
            Optional<Validation.Invalid> refused = record.flatMap(rec -> queries.validators()
                    .validate(key, rec.value(), now) instanceof Validation.Invalid i ? Optional.of(i) : Optional.empty());
            if (refused.isPresent()) {
                log.debug("Peer {} returned an invalid record for {}: {}", source, key, refused.get());
                invalid.add(source);
            } else if (record.isPresent()) {
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
        List<PeerId> candidates = new ArrayList<>(cacheCandidates.values());
        if (records.isEmpty()) {
            result = new QueryResult.GetRecord.NotFound(key, query.resultPeers());
        } else {
            // the quorum reached, or the lookup ran to its end: either way what it found is all
            // there is to know, and the peers that hold less get the best
            selectBest(queries.validators());
            correct(queries, candidates);
            result = quorumReached() ? new QueryResult.GetRecord.Ok(key, List.copyOf(records), candidates)
                    : new QueryResult.GetRecord.QuorumFailed(key, records, quorum);
        }
        return Queries.completed(query, result);
    }

    /**
     * Sends the best copy (first, once selected) to the peers that returned another or an invalid
     * one and, with caching, to the closest peers that answered without one.
     */
    private void correct(Queries queries, List<PeerId> candidates) {
        DhtRecord best = records.get(0).record();
        java.util.Set<PeerId> targets = new java.util.LinkedHashSet<>(invalid);
        for (PeerRecord pr : records) {
            if (!java.util.Arrays.equals(pr.record().value(), best.value())) {
                pr.peer().ifPresent(targets::add);
            }
        }
        if (queries.caching() instanceof Caching.Enabled) {
            targets.addAll(candidates);
        }
        if (!targets.isEmpty()) {
            queries.startFixed(new ArrayList<>(targets), PutRecordQuery.storing(best, 1, QueryContext.CACHE));
        }
    }

    /** Moves the best of the copies found to the front (the validator's choice; equal copies keep their order). */
    private void selectBest(Validators validators) {
        if (records.size() < 2) {
            return;
        }
        List<byte[]> values = new ArrayList<>();
        for (PeerRecord pr : records) {
            values.add(pr.record().value());
        }
        int best = validators.select(key, values);
        if (best != 0) {
            records.add(0, records.remove(best));
        }
    }

    @Override
    public Optional<KademliaEvent> onTimeout(Query<QueryInner> query, Queries queries, Instant now) {
        selectBest(queries.validators());
        return Queries.completed(query, new QueryResult.GetRecord.Timeout(key, records, quorum));
    }
}
