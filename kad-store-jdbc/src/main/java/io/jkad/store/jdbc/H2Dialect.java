package io.jkad.store.jdbc;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * H2 2.x (embedded, file or memory). What differs from standard SQL: {@code MERGE INTO ... KEY}
 * for the upserts, {@code SELECT ... FROM OLD TABLE (DELETE ...)} to learn what a delete removed,
 * {@code VARBINARY} columns (in the scripts), iteration by pages (its cursors do not read from a
 * snapshot), DDL that commits (not transactional), and H2's own error codes for a lock timeout or
 * a concurrent update.
 */
class H2Dialect extends SqlDialect {

    static final String NAME = "h2";

    /** H2's {@code ErrorCode.LOCK_TIMEOUT_1} (SQLSTATE HYT00). */
    private static final int LOCK_TIMEOUT = 50200;
    /** H2's {@code ErrorCode.CONCURRENT_UPDATE_1}. */
    private static final int CONCURRENT_UPDATE = 90131;

    @Override
    String name() {
        return NAME;
    }

    @Override
    String insertLockRowIfAbsent() {
        return "MERGE INTO kad_schema_lock KEY (id) VALUES (1)";
    }

    @Override
    String upsertNodeState() {
        return "MERGE INTO kad_node_state KEY (name) VALUES (?, ?)";
    }

    @Override
    String deleteExpiredProvidersReturningKeys() {
        return "SELECT pkey FROM OLD TABLE (DELETE FROM kad_providers WHERE expires_at <= ?)";
    }

    @Override
    boolean transactionalDdl() {
        return false;
    }

    /**
     * Pages in key order. H2 embedded reads a query's whole result before returning its first row
     * unless lazy query execution is on, and a lazy query is not read from a snapshot: a row found
     * through a secondary index and deleted meanwhile fails it with "Row not found in primary
     * index" (90143), which the conformance kit's iteration-while-writing tests provoke.
     */
    @Override
    Iteration iteration() {
        return Iteration.KEYSET;
    }

    @Override
    SqlAction setLockWait(Connection connection, int millis) throws SQLException {
        int previous;
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT LOCK_TIMEOUT()")) {
            rs.next();
            previous = rs.getInt(1);
        }
        execute(connection, "SET LOCK_TIMEOUT " + millis);
        return () -> execute(connection, "SET LOCK_TIMEOUT " + previous);
    }

    @Override
    boolean isRetryable(SQLException e) {
        return super.isRetryable(e) || e.getErrorCode() == LOCK_TIMEOUT || e.getErrorCode() == CONCURRENT_UPDATE;
    }

    /**
     * A persistent H2 database whose write delay is not 0 keeps a commit in memory for up to that
     * many milliseconds (500 by default) before writing it to its file, so a killed process loses
     * what was acknowledged in that time. With 0 it still can: H2 2.5.252 reopened after a
     * {@code kill -9} without the last writes before it when they came seconds apart, once its file
     * reused freed space (bench/h2-kill: a write every 5 s, killed after the 13th, the last four
     * missing in every run; writes 200 ms apart all kept). Every H2 file database is warned about.
     */
    @Override
    String durabilityWarning(Connection connection) throws SQLException {
        String path;
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT DATABASE_PATH()")) {
            rs.next();
            path = rs.getString(1);
        }
        if (path == null) {
            return null; // in memory: nothing survives the process anyway
        }
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery(
                     "SELECT SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS WHERE SETTING_NAME = 'WRITE_DELAY'")) {
            if (rs.next() && !"0".equals(rs.getString(1))) {
                return "the H2 database " + path + " has WRITE_DELAY " + rs.getString(1)
                        + " ms: a process killed within that time after a write loses it; add ;WRITE_DELAY=0 to jdbc.url";
            }
        }
        return "the H2 database " + path + " can reopen after a kill -9 without the writes of the last seconds"
                + " before it (seen with writes seconds apart; see jkad's README, \"Not finished\");"
                + " RocksDB or PostgreSQL keep every write acknowledged before a kill -9";
    }
}
