package io.jkad.net;

import io.jkad.kademlia.QueryResult;
import io.jkad.query.QueryTrace;
import java.util.Objects;

/**
 * A query's result with the trace of how it went ({@link KademliaNode#getRecordTraced} and the
 * other {@code …Traced} operations).
 *
 * @param result the result, as the untraced operation gives it
 * @param trace each peer asked, its answer or failure, and why the query stopped
 */
public record Traced<R extends QueryResult>(R result, QueryTrace trace) {
    public Traced {
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(trace, "trace");
    }
}
