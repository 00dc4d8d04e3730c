package io.jkad.kademlia;

import io.jkad.identity.PeerId;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.jkad.query.Query;
import io.jkad.record.RecordKey;
import java.time.Instant;
import java.util.Optional;

/**
 * One kind of query, as a state machine: what it asks peers in its current phase, what it does
 * with an answer, and what it reports (or which phase follows) when its peers iterator finishes
 * or the query times out. Each kind is one class; the compiler checks that it handles every
 * event, and {@link Queries} dispatches to it without knowing the kinds.
 *
 * <p>A multi-phase query (a put or a provide: look up the closest peers, then store at them)
 * continues under the same id with a new state whose phase is a record, as rust-libp2p-kad's
 * {@code PutRecordPhase}. When a query times out is the {@link io.jkad.query.QueryPool}'s
 * business ({@link Query#nextDeadline}), the same for every kind, so a kind has no deadline of
 * its own.
 *
 * <p>Adding a kind: its class here, its {@link QueryResult} family, a {@link QueryKind}, and the
 * method of {@link Kademlia} (and the façade) that starts it.
 */
sealed interface QueryState
        permits BootstrapQuery, ClosestPeersQuery, GetProvidersQuery, GetRecordQuery, PutRecordQuery,
                AddProviderQuery, ReprovideSweep.ExploreQuery, ReprovideSweep.AnnounceQuery, ProviderAuditQuery {

    QueryKind kind();

    /** The phase the query is in; single-phase lookups are always in {@link QueryPhase#LOOKUP}. */
    default QueryPhase phase() {
        return QueryPhase.LOOKUP;
    }

    /** Why a put or provide query runs; empty for lookups. */
    default Optional<QueryContext> context() {
        return Optional.empty();
    }

    /** The key the query is about (for bootstrap: the current lookup target's bytes). */
    RecordKey key();

    /** The request the query sends to a peer in its current phase. */
    KadRequest request();

    /**
     * The requests the query sends to {@code peer} in its current phase: {@link #request()}, except
     * for a query that sends one peer several requests without answers on one stream (the
     * ADD_PROVIDERs of a reprovide sweep).
     */
    default java.util.List<KadRequest> requests(PeerId peer) {
        return java.util.List.of(request());
    }

    /**
     * Whether the query, once its peers iterator finished, ran a whole lookup of the closest peers
     * to {@link #key()} (its result then feeds the network size estimate).
     */
    default boolean isWholeLookup() {
        return false;
    }

    /**
     * Whether the query may end before its lookup settles the closest peers, as soon as it has
     * what it asked for (a get at its quorum, a provider look-up at its count). A tuned lookup then
     * dials ahead only the peers its next requests are chosen from, not the whole window, most of
     * which such a query never asks.
     */
    default boolean mayEndEarly() {
        return false;
    }

    /** {@code source} answered the request of {@code query}; report it to the query's iterator. */
    void onResponse(Query<QueryInner> query, PeerId source, KadResponse response, Queries queries, Instant now);

    /**
     * The query's peers iterator finished: the event to report, or empty when the query continues
     * with its next phase (or reports nothing, as replication does).
     */
    Optional<KademliaEvent> onFinished(Query<QueryInner> query, Queries queries, Instant now);

    /** The query ran past its timeout: the event to report, if any. */
    Optional<KademliaEvent> onTimeout(Query<QueryInner> query, Queries queries, Instant now);
}
