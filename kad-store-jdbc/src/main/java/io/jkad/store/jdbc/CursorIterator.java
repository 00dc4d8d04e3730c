package io.jkad.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Iterates the rows of one query through a database cursor, {@code fetchSize} rows per round
 * trip, from the snapshot the query started with (PostgreSQL: a portal in a read transaction, see
 * {@link SqlDialect#beginStreaming}). It holds a pooled connection until it is exhausted or closed.
 */
final class CursorIterator<T> extends StoreIterator<T> {

    private static final Logger LOG = LoggerFactory.getLogger(CursorIterator.class);

    /** Sets the query's parameters. */
    @FunctionalInterface
    interface Binder {
        void bind(PreparedStatement statement) throws SQLException;
    }

    private final SqlDialect dialect;
    private final RowReader<T> reader;
    private Connection connection;
    private PreparedStatement statement;
    private ResultSet rows;
    private boolean streaming;

    private CursorIterator(JdbcRecordStore store, SqlDialect dialect, String operation, RowReader<T> reader) {
        super(store, operation);
        this.dialect = dialect;
        this.reader = reader;
    }

    /**
     * Starts {@code sql} on {@code connection}, which the iterator then owns.
     *
     * @param indexOrder whether {@code sql} is in the order of an index that the database should
     *     walk ({@link SqlDialect#preferIndexOrder})
     * @throws SQLException if the query cannot be started (the connection is closed then)
     */
    static <T> CursorIterator<T> start(JdbcRecordStore store, SqlDialect dialect, String operation,
                                       Connection connection, String sql, Binder binder, boolean indexOrder,
                                       int fetchSize, RowReader<T> reader) throws SQLException {
        CursorIterator<T> it = new CursorIterator<>(store, dialect, operation, reader);
        it.connection = connection;
        try {
            dialect.beginStreaming(connection);
            it.streaming = true;
            if (indexOrder) {
                dialect.preferIndexOrder(connection);
            }
            it.statement = connection.prepareStatement(sql, ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
            it.statement.setFetchSize(fetchSize);
            binder.bind(it.statement);
            it.rows = it.statement.executeQuery();
            return it;
        } catch (SQLException | RuntimeException e) {
            it.release();
            throw e;
        }
    }

    @Override
    T fetch() throws SQLException {
        return rows.next() ? reader.read(rows) : null;
    }

    /** The running query's fetch size and whether its connection is in a transaction, for tests. */
    synchronized String describeStreaming() throws SQLException {
        return statement == null ? "released"
                : "fetchSize=" + statement.getFetchSize() + ", autoCommit=" + connection.getAutoCommit();
    }

    /** Closes the result set, the statement, then ends the read transaction and closes the connection. */
    @Override
    synchronized void release() {
        SQLException problems = null;
        if (rows != null) {
            try {
                rows.close();
            } catch (SQLException e) {
                problems = add(problems, e);
            }
            rows = null;
        }
        if (statement != null) {
            try {
                statement.close();
            } catch (SQLException e) {
                problems = add(problems, e);
            }
            statement = null;
        }
        if (connection != null) {
            try {
                if (streaming) {
                    dialect.endStreaming(connection);
                }
            } catch (SQLException e) {
                problems = add(problems, e);
            }
            try {
                connection.close();
            } catch (SQLException e) {
                problems = add(problems, e);
            }
            connection = null;
        }
        if (problems != null) {
            LOG.debug("Releasing the connection of a {} iterator failed", operation, problems);
        }
    }

    private static SQLException add(SQLException first, SQLException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }
}
