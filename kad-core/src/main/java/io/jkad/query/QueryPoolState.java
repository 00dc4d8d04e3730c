package io.jkad.query;

import io.jkad.identity.PeerId;

/** The outcome of {@link QueryPool#poll}. */
public sealed interface QueryPoolState<T> {

    /** No queries in the pool. */
    record Idle<T>() implements QueryPoolState<T> {}

    /** {@code query} wants a request sent to {@code peer}. */
    record Contact<T>(Query<T> query, PeerId peer) implements QueryPoolState<T> {}

    /** Queries are running and all are waiting for responses. */
    record Waiting<T>() implements QueryPoolState<T> {}

    /** {@code query} finished and was removed from the pool. */
    record Finished<T>(Query<T> query) implements QueryPoolState<T> {}

    /** {@code query} ran past the query timeout and was removed from the pool. */
    record Timeout<T>(Query<T> query) implements QueryPoolState<T> {}
}
