package io.jkad.query;

/** The identifier of a query in a {@link QueryPool}, unique within that pool. */
public record QueryId(long value) {
    @Override
    public String toString() {
        return "Q" + value;
    }
}
