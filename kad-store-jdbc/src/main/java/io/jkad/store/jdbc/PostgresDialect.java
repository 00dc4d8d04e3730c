package io.jkad.store.jdbc;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * PostgreSQL (10 or later: identity columns). What differs from standard SQL: {@code INSERT ... ON CONFLICT} for
 * the upserts, {@code DELETE ... RETURNING}, {@code BYTEA} columns (in the scripts), cursors that
 * need a transaction (autocommit off) for the driver to fetch rows {@code fetchSize} at a time,
 * transactional DDL, and {@code lock_timeout}.
 */
class PostgresDialect extends SqlDialect {

    static final String NAME = "postgresql";

    @Override
    String name() {
        return NAME;
    }

    @Override
    String insertLockRowIfAbsent() {
        return "INSERT INTO kad_schema_lock (id) VALUES (1) ON CONFLICT (id) DO NOTHING";
    }

    @Override
    String upsertNodeState() {
        return "INSERT INTO kad_node_state (name, val) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET val = EXCLUDED.val";
    }

    @Override
    String deleteExpiredProvidersReturningKeys() {
        return "DELETE FROM kad_providers WHERE expires_at <= ? RETURNING pkey";
    }

    @Override
    boolean transactionalDdl() {
        return true;
    }

    /**
     * The PostgreSQL driver reads the whole result of a query unless the connection is in a
     * transaction (autocommit off, {@link #beginStreaming}) and the statement has a fetch size:
     * then it reads through a portal, {@code fetchSize} rows per round trip, from the snapshot the
     * query started with.
     */
    @Override
    Iteration iteration() {
        return Iteration.CURSOR;
    }

    /**
     * {@code enable_sort} off for the cursor's transaction ({@code SET LOCAL}: the rollback of
     * {@link #endStreaming} ends it). The planner costs the query for all the rows after the
     * position, and for many of them prefers a bitmap scan and a sort of them all, which reads
     * them all before the first row; with sorting priced out the ordered index scan is the plan,
     * and a cursor that is closed after one region has read only that region.
     */
    @Override
    void preferIndexOrder(Connection connection) throws SQLException {
        execute(connection, "SET LOCAL enable_sort = off");
    }

    /** {@code SET LOCAL} lasts until the end of the transaction: nothing to put back. */
    @Override
    SqlAction setLockWait(Connection connection, int millis) throws SQLException {
        execute(connection, "SET LOCAL lock_timeout = " + millis);
        return () -> { };
    }

    /**
     * {@code statement_timeout} to 0 and the driver's socket timeout off, then back to what they
     * were (the pool sets them on each connection: {@link JdbcStoreProvider}).
     */
    @Override
    SqlAction allowLongStatements(Connection connection) throws SQLException {
        String previous;
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SHOW statement_timeout")) {
            rs.next();
            previous = rs.getString(1);
        }
        int previousNetwork = connection.getNetworkTimeout();
        execute(connection, "SET statement_timeout = 0");
        connection.setNetworkTimeout(Runnable::run, 0);
        return () -> {
            execute(connection, "SET statement_timeout = '" + previous.replace("'", "''") + "'");
            connection.setNetworkTimeout(Runnable::run, previousNetwork);
        };
    }

    /** Adds {@code 55P03} (lock_not_available: a lock wait that timed out). */
    @Override
    boolean isRetryable(SQLException e) {
        return super.isRetryable(e) || "55P03".equals(e.getSQLState());
    }
}
