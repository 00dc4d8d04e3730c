package io.jkad.store.jdbc;

import io.jkad.testkit.PostgresCluster;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/** Fresh schemas in the test cluster's {@code postgres} database: a store in each sees only its own tables. */
final class PostgresSchemas {

    private static final AtomicInteger SCHEMAS = new AtomicInteger();

    private PostgresSchemas() {}

    /** Creates a new, empty schema; its name. */
    static String create(PostgresCluster pg) {
        String schema = "kad_test_" + SCHEMAS.incrementAndGet();
        try (Connection c = connect(pg); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create schema " + schema + " on " + pg, e);
        }
        return schema;
    }

    /** The URL of {@code schema}: its tables found and created there ({@code currentSchema}). */
    static String url(PostgresCluster pg, String schema) {
        return pg.jdbcUrl("postgres") + "?currentSchema=" + schema;
    }

    /** A connection as the superuser to the {@code postgres} database. */
    static Connection connect(PostgresCluster pg) throws SQLException {
        return DriverManager.getConnection(pg.jdbcUrl("postgres"), pg.user(), "");
    }

    /** A connection as the superuser with {@code schema} first on the search path. */
    static Connection connect(PostgresCluster pg, String schema) throws SQLException {
        return DriverManager.getConnection(url(pg, schema), pg.user(), "");
    }
}
