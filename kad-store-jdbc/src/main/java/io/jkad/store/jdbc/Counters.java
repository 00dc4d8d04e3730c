package io.jkad.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The rows of {@code kad_counts}: the number of value records and of provided keys, changed in
 * the transactions that add and remove the rows they count, so that the limits hold under
 * concurrent writers.
 */
final class Counters {

    private final SqlDialect dialect;

    Counters(SqlDialect dialect) {
        this.dialect = dialect;
    }

    /** Takes one unit of counter {@code name} if it is below {@code limit}; false if at the limit. */
    boolean reserve(Connection c, String name, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(dialect.reserveCount)) {
            ps.setString(1, name);
            ps.setLong(2, limit);
            return ps.executeUpdate() == 1;
        }
    }

    void release(Connection c, String name, long n) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(dialect.releaseCount)) {
            ps.setLong(1, n);
            ps.setString(2, name);
            if (ps.executeUpdate() != 1) {
                throw new SQLException("the counter " + name + " is missing from kad_counts");
            }
        }
    }
}
