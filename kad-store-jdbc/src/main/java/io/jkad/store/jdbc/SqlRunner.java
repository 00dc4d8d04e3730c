package io.jkad.store.jdbc;

import io.jkad.record.StoreException;
import io.jkad.record.StoreException.Kind;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientConnectionException;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the {@link JdbcRecordStore} talks to its database: every call runs on a pooled connection
 * behind the {@link CircuitBreaker} (refused at once while the database is known to be down),
 * is rolled back if it leaves a transaction open, and is run again on a write conflict; and every
 * {@link SQLException} becomes a typed {@link StoreException}: {@code CLOSED}, {@code UNAVAILABLE}
 * (the database could not be reached) or {@code BACKEND}.
 */
final class SqlRunner {

    private static final Logger LOG = LoggerFactory.getLogger(SqlRunner.class);
    private static final String NAME = JdbcStoreProvider.NAME;

    private final DataSource dataSource;
    private final SqlDialect dialect;
    private final CircuitBreaker breaker;
    private final BooleanSupplier closed;

    SqlRunner(DataSource dataSource, SqlDialect dialect, CircuitBreaker breaker, BooleanSupplier closed) {
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.breaker = breaker;
        this.closed = closed;
    }

    /** Work on one connection. */
    @FunctionalInterface
    interface SqlWork<T> {
        T run(Connection c) throws SQLException;
    }

    /**
     * Runs {@code work} on a pooled connection. Work that leaves autocommit off is rolled back if
     * it does not commit. Work that fails with a conflict ({@link SqlDialect#isRetryable}) is run
     * again on a fresh transaction, up to {@link JdbcRecordStore#MAX_ATTEMPTS} times.
     */
    <T> T run(String operation, SqlWork<T> work) {
        checkOpen(operation);
        admit(operation);
        boolean reached = true; // whether the database answered, for the breaker
        String unavailable = null;
        try {
            return attempt(operation, work);
        } catch (StoreException e) {
            if (e.kind() == Kind.UNAVAILABLE) {
                reached = false;
                unavailable = cause(e);
            }
            throw e;
        } finally {
            if (reached) {
                breakerSucceeded();
            } else {
                breakerFailed(operation, unavailable);
            }
        }
    }

    /** Refuses {@code operation} with {@code UNAVAILABLE} if the breaker does not let it through. */
    void admit(String operation) {
        if (!breaker.tryAcquire()) {
            throw refused(operation);
        }
    }

    StoreException refused(String operation) {
        return new StoreException(Kind.UNAVAILABLE, NAME, operation, "the database is unavailable: "
                + breaker.threshold() + " calls in a row failed (last: " + breaker.lastFailure()
                + "); calls fail at once until the cooldown of " + breaker.cooldown().toMillis()
                + " ms ends, then one call probes the database");
    }

    void breakerSucceeded() {
        boolean wasOpen = breaker.state() != CircuitBreaker.State.CLOSED;
        breaker.succeeded();
        if (wasOpen) {
            LOG.info("jdbc store: the database answers again; store calls go through");
        }
    }

    void breakerFailed(String operation, String description) {
        if (breaker.failed(description)) {
            LOG.warn("jdbc store: the database is unavailable ({} failed: {}); store calls fail at once for {} ms,"
                    + " then one probes it", operation, description, breaker.cooldown().toMillis());
        }
    }

    /** What the database said in {@code e}, for the breaker's messages. */
    static String cause(StoreException e) {
        return e.getCause() instanceof SQLException s ? describe(s) : e.getMessage();
    }

    /** {@link #run} without the breaker. */
    private <T> T attempt(String operation, SqlWork<T> work) {
        for (int attempt = 1; ; attempt++) {
            try (Connection c = dataSource.getConnection()) {
                T result;
                try {
                    result = work.run(c);
                } catch (SQLException | RuntimeException e) {
                    restoreQuietly(c, e);
                    throw e;
                }
                if (!c.getAutoCommit()) {
                    c.rollback(); // nothing left to roll back after a commit
                    c.setAutoCommit(true);
                }
                return result;
            } catch (SQLException e) {
                if (attempt < JdbcRecordStore.MAX_ATTEMPTS && !closed.getAsBoolean() && dialect.isRetryable(e)) {
                    LOG.debug("jdbc store: {} conflicted with a concurrent write (attempt {}), running it again: {}",
                            operation, attempt, e.toString());
                    backOff(attempt);
                    continue;
                }
                throw failure(operation, e);
            } catch (IllegalArgumentException e) {
                throw corrupt(operation, e);
            }
        }
    }

    /** Rolls back what {@code c} has not committed and turns autocommit on again; failures go to {@code failure}. */
    private static void restoreQuietly(Connection c, Exception failure) {
        try {
            if (!c.getAutoCommit()) {
                c.rollback();
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }

    /** A short pause before trying a conflicting write again, longer with each attempt. */
    private static void backOff(int attempt) {
        if (attempt < 3) {
            return; // a duplicate key from a concurrent insert: at once
        }
        try {
            Thread.sleep(Math.min(50, attempt * 2L));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The exception for {@code e} ending {@code operation}: {@code CLOSED} once the store is closed,
     * {@code UNAVAILABLE} if the database could not be reached ({@link #isUnavailable}), else {@code BACKEND}.
     */
    StoreException failure(String operation, SQLException e) {
        if (closed.getAsBoolean()) {
            return new StoreException(Kind.CLOSED, NAME, operation, "the store is closed", e);
        }
        if (isUnavailable(e)) {
            return new StoreException(Kind.UNAVAILABLE, NAME, operation, "the database is unavailable: "
                    + describe(e), e);
        }
        return new StoreException(Kind.BACKEND, NAME, operation, describe(e), e);
    }

    /** As {@link #failure}, for an iterator's read; an availability failure counts for the breaker. */
    StoreException iterationFailure(String operation, SQLException e) {
        StoreException failure = failure(operation, e);
        if (failure.kind() == Kind.UNAVAILABLE) {
            breakerFailed(operation, cause(failure));
        }
        return failure;
    }

    /**
     * Whether {@code e} says the database could not be reached or did not answer in time, rather
     * than refused what was asked: the JDBC connection and timeout exception types (HikariCP's
     * acquire timeout is an {@link SQLTransientConnectionException}), SQLSTATE class {@code 08}
     * (connection exception), {@code 57} (operator intervention: {@code 57014} a statement cancelled
     * by {@code statement_timeout}, {@code 57P01}..{@code 57P03} a server shutting down or starting)
     * and {@code 53300} (too many connections).
     */
    static boolean isUnavailable(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLTransientConnectionException || t instanceof SQLNonTransientConnectionException
                    || t instanceof SQLRecoverableException || t instanceof SQLTimeoutException) {
                return true;
            }
            if (t instanceof SQLException s && s.getSQLState() != null) {
                String state = s.getSQLState();
                if (state.startsWith("08") || state.startsWith("57") || state.equals("53300")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The exception for a row that cannot be read (bad bytes in a column). */
    StoreException corrupt(String operation, RuntimeException e) {
        if (closed.getAsBoolean()) {
            return new StoreException(Kind.CLOSED, NAME, operation, "the store is closed", e);
        }
        return new StoreException(Kind.BACKEND, NAME, operation, "a stored row cannot be read: " + e.getMessage(), e);
    }

    /** SQLSTATE, vendor code and message of {@code e}, and those of the exceptions chained to it. */
    static String describe(SQLException e) {
        StringBuilder s = new StringBuilder();
        int depth = 0;
        for (SQLException x = e; x != null && depth < 3; x = x.getNextException(), depth++) {
            if (depth > 0) {
                s.append("; next: ");
            }
            s.append(x.getMessage()).append(" (SQLSTATE ").append(x.getSQLState()).append(", error ")
                    .append(x.getErrorCode()).append(')');
        }
        Throwable cause = e.getCause();
        if (cause != null && cause != e && !(cause instanceof SQLException)) {
            s.append(", caused by ").append(cause);
        }
        return s.toString();
    }

    void checkOpen(String operation) {
        if (closed.getAsBoolean()) {
            throw closedException(operation);
        }
    }

    static StoreException closedException(String operation) {
        return new StoreException(Kind.CLOSED, NAME, operation, "the store is closed");
    }
}
