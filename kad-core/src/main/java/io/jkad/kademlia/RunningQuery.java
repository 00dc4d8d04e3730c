package io.jkad.kademlia;

import io.jkad.query.Query;
import io.jkad.query.QueryId;
import io.jkad.query.QueryStats;
import io.jkad.record.RecordKey;
import java.util.Optional;

/**
 * A view of a running query: what it does, its phase and statistics. Valid while the query runs;
 * like the node it belongs to, use it on the node's logic thread only.
 */
public final class RunningQuery {
    private final Query<QueryInner> query;

    RunningQuery(Query<QueryInner> query) {
        this.query = query;
    }

    public QueryId id() {
        return query.id();
    }

    public QueryKind kind() {
        return query.inner().state.kind();
    }

    public QueryPhase phase() {
        return query.inner().state.phase();
    }

    /** Why a put or provide query runs; empty for lookups. */
    public Optional<QueryContext> context() {
        return query.inner().state.context();
    }

    /** The key looked up, stored or provided (for bootstrap: the current lookup target's bytes). */
    public RecordKey key() {
        return query.inner().state.key();
    }

    /** The statistics of the current phase. */
    public QueryStats stats() {
        return query.stats();
    }

    /** Finishes the query at the next poll, with what it has found so far. */
    public void finish() {
        query.finish();
    }

    @Override
    public String toString() {
        return id() + " " + kind() + "/" + phase() + " " + key();
    }
}
