package io.jkad.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.identity.PeerId;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class QueryPoolTest {

    private static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final TestPeers peers = new TestPeers(3, 30);

    private static QueryConfig config(int k, int alpha, boolean disjoint) {
        return new QueryConfig(TIMEOUT, k, alpha, disjoint, Duration.ofSeconds(10));
    }

    private PeerId p(int rank) {
        return peers.get(rank);
    }

    private static <T> PeerId contactOf(QueryPoolState<T> state, Query<T> query) {
        assertThat(state).isInstanceOf(QueryPoolState.Contact.class);
        QueryPoolState.Contact<T> contact = (QueryPoolState.Contact<T>) state;
        assertThat(contact.query()).isSameAs(query);
        return contact.peer();
    }

    @Test
    void anEmptyPoolIsIdle() {
        QueryPool<String> pool = new QueryPool<>(QueryConfig.DEFAULT);
        assertThat(pool.poll(T0)).isInstanceOf(QueryPoolState.Idle.class);
        assertThat(pool.size()).isZero();
        assertThat(pool.config()).isEqualTo(QueryConfig.DEFAULT);
    }

    @Test
    void aFixedQueryAsksReplicationFactorPeersAtATimeAndCountsItsRequests() {
        QueryPool<String> pool = new QueryPool<>(config(2, 3, false));
        QueryId id = pool.addFixed(List.of(p(5), p(1), p(7)), "put");
        Query<String> query = pool.get(id).orElseThrow();
        assertThat(query.inner()).isEqualTo("put");

        assertThat(contactOf(pool.poll(T0), query)).isEqualTo(p(5));
        assertThat(contactOf(pool.poll(T0), query)).isEqualTo(p(1));
        assertThat(pool.poll(T0)).isInstanceOf(QueryPoolState.Waiting.class);

        query.onSuccess(p(1), List.of());
        query.onSuccess(p(1), List.of()); // not taken: not counted
        query.onSuccess(p(20), List.of()); // unknown: not counted
        assertThat(contactOf(pool.poll(T0), query)).isEqualTo(p(7));
        query.onFailure(p(5));
        query.onFailure(p(5));
        assertThat(query.stats()).isEqualTo(new QueryStats(3, 1, 1, Optional.of(T0), Optional.empty()));
        assertThat(query.stats().numPending()).isEqualTo(1);

        query.onSuccess(p(7), List.of());
        QueryPoolState<String> done = pool.poll(T0.plusSeconds(2));
        assertThat(done).isEqualTo(new QueryPoolState.Finished<>(query));
        assertThat(query.stats()).isEqualTo(new QueryStats(3, 2, 1, Optional.of(T0), Optional.of(T0.plusSeconds(2))));
        assertThat(query.resultPeers()).containsExactly(p(1), p(7));
        assertThat(pool.size()).isZero();
        assertThat(pool.get(id)).isEmpty();
        assertThat(pool.poll(T0.plusSeconds(2))).isInstanceOf(QueryPoolState.Idle.class);
    }

    @Test
    void aQueryTimesOutOnceItRanForTheTimeoutSinceItsFirstPoll() {
        QueryPool<String> pool = new QueryPool<>(config(20, 3, false));
        QueryId id = pool.addFixed(List.of(p(0), p(1)), "put");
        Query<String> query = pool.get(id).orElseThrow();
        assertThat(query.stats().start()).as("not polled yet").isEmpty();

        Instant start = T0.plusSeconds(1);
        contactOf(pool.poll(start), query);
        contactOf(pool.poll(start), query);
        assertThat(query.stats().start()).contains(start);
        // No answer ever comes.
        assertThat(pool.poll(start.plusSeconds(30))).isInstanceOf(QueryPoolState.Waiting.class);
        assertThat(pool.poll(start.plus(TIMEOUT).minusNanos(1))).isInstanceOf(QueryPoolState.Waiting.class);
        assertThat(pool.size()).isEqualTo(1);

        assertThat(pool.poll(start.plus(TIMEOUT))).isEqualTo(new QueryPoolState.Timeout<>(query));
        assertThat(query.stats()).isEqualTo(
                new QueryStats(2, 0, 0, Optional.of(start), Optional.of(start.plus(TIMEOUT))));
        assertThat(pool.get(id)).isEmpty();
        assertThat(pool.poll(start.plus(TIMEOUT))).isInstanceOf(QueryPoolState.Idle.class);
    }

    @Test
    void aLookupAtCapacityTimesOutToo() {
        // Peers slower to time out than the query: the lookup stays at capacity.
        QueryPool<String> pool = new QueryPool<>(new QueryConfig(TIMEOUT, 20, 2, false, Duration.ofSeconds(120)));
        Query<String> query = pool.get(pool.addIterClosest(peers.target, peers.keys(0, 5), "lookup")).orElseThrow();
        contactOf(pool.poll(T0), query);
        contactOf(pool.poll(T0), query);
        assertThat(pool.poll(T0.plusSeconds(59))).isInstanceOf(QueryPoolState.Waiting.class);
        assertThat(pool.poll(T0.plusSeconds(61))).isEqualTo(new QueryPoolState.Timeout<>(query));
        assertThat(query.stats().end()).contains(T0.plusSeconds(61));
    }

    @Test
    void aQueryThatFinishesIsNotReportedAsTimedOut() {
        QueryPool<String> pool = new QueryPool<>(config(20, 3, false));
        Query<String> query = pool.get(pool.addFixed(List.of(p(0)), "put")).orElseThrow();
        contactOf(pool.poll(T0), query);
        query.onSuccess(p(0), List.of());
        assertThat(pool.poll(T0.plus(TIMEOUT).plusSeconds(1))).isEqualTo(new QueryPoolState.Finished<>(query));
    }

    @Test
    void queriesAreSteppedInInsertionOrder() {
        QueryPool<String> pool = new QueryPool<>(config(1, 1, false));
        QueryId first = pool.addFixed(List.of(p(9), p(8)), "first");
        QueryId second = pool.addFixed(List.of(p(2)), "second");
        QueryId third = pool.addFixed(List.of(), "third");
        assertThat(first.value()).isLessThan(second.value());
        assertThat(pool.queries()).extracting(Query::id).containsExactly(first, second, third);

        Query<String> q1 = pool.get(first).orElseThrow();
        Query<String> q2 = pool.get(second).orElseThrow();
        Query<String> q3 = pool.get(third).orElseThrow();
        assertThat(contactOf(pool.poll(T0), q1)).isEqualTo(p(9));
        assertThat(contactOf(pool.poll(T0), q2)).isEqualTo(p(2));
        assertThat(pool.poll(T0)).isEqualTo(new QueryPoolState.Finished<>(q3));
        assertThat(pool.poll(T0)).isInstanceOf(QueryPoolState.Waiting.class);
        q2.onSuccess(p(2), List.of());
        q1.onSuccess(p(9), List.of());
        assertThat(contactOf(pool.poll(T0), q1)).isEqualTo(p(8));
        assertThat(pool.poll(T0)).isEqualTo(new QueryPoolState.Finished<>(q2));
    }

    @Test
    void continuingAQueryKeepsItsIdWithFreshStatsAndThePhasesMerge() {
        QueryPool<String> pool = new QueryPool<>(config(20, 3, false));
        QueryId id = pool.addIterClosest(peers.target, peers.keys(0, 2), "phase 1");
        Query<String> phase1 = pool.get(id).orElseThrow();
        contactOf(pool.poll(T0), phase1);
        contactOf(pool.poll(T0), phase1);
        phase1.onSuccess(p(0), List.of());
        phase1.onFailure(p(1));
        assertThat(pool.poll(T0.plusSeconds(1))).isEqualTo(new QueryPoolState.Finished<>(phase1));
        QueryStats stats1 = phase1.stats();

        assertThatThrownBy(() -> pool.continueFixed(new QueryId(id.value() + 1), List.of(p(0)), "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Q" + (id.value() + 1));

        pool.continueFixed(id, phase1.resultPeers(), "phase 2");
        Query<String> phase2 = pool.get(id).orElseThrow();
        assertThat(phase2).isNotSameAs(phase1);
        assertThat(phase2.id()).isEqualTo(id);
        assertThat(phase2.inner()).isEqualTo("phase 2");
        assertThat(phase2.stats()).isEqualTo(QueryStats.empty());
        assertThatThrownBy(() -> pool.continueFixed(id, List.of(), "again"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(id.toString());

        assertThat(contactOf(pool.poll(T0.plusSeconds(2)), phase2)).isEqualTo(p(0));
        phase2.onSuccess(p(0), List.of());
        assertThat(pool.poll(T0.plusSeconds(3))).isEqualTo(new QueryPoolState.Finished<>(phase2));

        QueryStats merged = stats1.merge(phase2.stats());
        assertThat(merged).isEqualTo(new QueryStats(3, 2, 1, Optional.of(T0), Optional.of(T0.plusSeconds(3))));

        // A third phase as a lookup again; ids of new queries keep counting.
        pool.continueIterClosest(id, peers.target, peers.keys(0, 1), "phase 3");
        assertThat(pool.get(id).orElseThrow().inner()).isEqualTo("phase 3");
        assertThat(pool.addFixed(List.of(), "other").value()).isEqualTo(id.value() + 1);
    }

    @Test
    void lookupsUseParallelismAndReplicationFactor() {
        QueryPool<String> pool = new QueryPool<>(config(3, 2, false));
        QueryId id = pool.addIterClosest(peers.target, peers.keys(0, 10), "lookup");
        Query<String> query = pool.get(id).orElseThrow();
        assertThat(contactOf(pool.poll(T0), query)).isEqualTo(p(0));
        assertThat(contactOf(pool.poll(T0), query)).isEqualTo(p(1));
        assertThat(pool.poll(T0)).isInstanceOf(QueryPoolState.Waiting.class);
        query.onSuccess(p(0), List.of());
        query.onSuccess(p(1), List.of());
        assertThat(contactOf(pool.poll(T0), query)).isEqualTo(p(2));
        query.onSuccess(p(2), List.of());
        assertThat(pool.poll(T0)).isEqualTo(new QueryPoolState.Finished<>(query));
        assertThat(query.resultPeers()).containsExactly(p(0), p(1), p(2));
        assertThat(query.peersIterator()).isInstanceOf(ClosestPeersIter.class);
    }

    @Test
    void disjointPathsWhenConfigured() {
        QueryPool<String> pool = new QueryPool<>(config(20, 3, true));
        QueryId id = pool.addIterClosest(peers.target, peers.keys(0, 9), "lookup");
        Query<String> query = pool.get(id).orElseThrow();
        assertThat(query.peersIterator()).isInstanceOf(ClosestDisjointPeersIter.class);
        assertThat(((ClosestDisjointPeersIter) query.peersIterator()).numPaths()).isEqualTo(3);
        for (int i = 0; i < 3; i++) {
            contactOf(pool.poll(T0), query);
        }
        // tryFinish on a disjoint lookup finishes only the path that asked the peer.
        assertThat(query.tryFinish(List.of(p(0)))).isFalse();
        assertThat(query.isFinished()).isFalse();
        assertThat(query.tryFinish(List.of(p(1), p(2)))).isTrue();
        assertThat(pool.poll(T0)).isEqualTo(new QueryPoolState.Finished<>(query));
    }

    @Test
    void tryFinishAndFinishEndOtherQueriesAtOnce() {
        QueryPool<String> pool = new QueryPool<>(config(20, 3, false));
        Query<String> lookup = pool.get(pool.addIterClosest(peers.target, peers.keys(0, 9), "a")).orElseThrow();
        Query<String> fixed = pool.get(pool.addFixed(List.of(p(1), p(2)), "b")).orElseThrow();
        pool.poll(T0);
        assertThat(lookup.tryFinish(List.of())).isTrue();
        assertThat(lookup.isFinished()).isTrue();
        fixed.finish();
        fixed.setInner("b2");
        assertThat(pool.poll(T0)).isEqualTo(new QueryPoolState.Finished<>(lookup));
        assertThat(pool.poll(T0)).isEqualTo(new QueryPoolState.Finished<>(fixed));
        assertThat(fixed.inner()).isEqualTo("b2");
        assertThat(fixed.stats().requests()).isZero();
    }

    @Test
    void badConfigurationIsRejected() {
        assertThatThrownBy(() -> config(0, 3, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("replication factor must be > 0: 0");
        assertThatThrownBy(() -> config(20, 0, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("parallelism must be > 0: 0");
        assertThatThrownBy(() -> new QueryConfig(Duration.ZERO, 20, 3, false, Duration.ofSeconds(10)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT0S");
        assertThatThrownBy(() -> new QueryConfig(TIMEOUT, 20, 3, false, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-1S");
        assertThatThrownBy(() -> new QueryPool<String>(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void aHugeTimeoutSaturatesInsteadOfOverflowing() {
        QueryPool<String> pool = new QueryPool<>(
                new QueryConfig(Duration.ofSeconds(Long.MAX_VALUE), 20, 3, false, Duration.ofSeconds(Long.MAX_VALUE)));
        Query<String> query = pool.get(pool.addIterClosest(peers.target, peers.keys(0, 1), "x")).orElseThrow();
        contactOf(pool.poll(T0), query);
        assertThat(pool.poll(Instant.MAX.minusSeconds(1))).isInstanceOf(QueryPoolState.Waiting.class);
    }

    @Test
    void aQueryDeadlineIsItsTimeoutOrItsNextPeerTimeoutWhicheverComesFirst() {
        QueryPool<String> pool = new QueryPool<>(new QueryConfig(TIMEOUT, 20, 1, false, Duration.ofSeconds(10)));
        QueryId id = pool.addIterClosest(peers.target, peers.keys(0, 3), "lookup");
        Query<String> query = pool.get(id).orElseThrow();
        assertThat(query.nextDeadline(T0)).as("not started").isEmpty();
        contactOf(pool.poll(T0), query);
        assertThat(query.nextDeadline(T0)).contains(T0.plusSeconds(10));
        query.onSuccess(p(0), List.of());
        contactOf(pool.poll(T0.plusSeconds(55)), query);
        assertThat(query.nextDeadline(T0.plusSeconds(55))).contains(T0.plus(TIMEOUT));
        assertThat(query.nextDeadline(T0.plusSeconds(61))).as("overdue: due now").contains(T0.plusSeconds(61));

        QueryId fixed = pool.addFixed(List.of(p(7)), "fixed");
        Query<String> fixedQuery = pool.get(fixed).orElseThrow();
        pool.poll(T0.plusSeconds(56));
        assertThat(fixedQuery.nextDeadline(T0.plusSeconds(56))).contains(T0.plusSeconds(56).plus(TIMEOUT));
    }
}
