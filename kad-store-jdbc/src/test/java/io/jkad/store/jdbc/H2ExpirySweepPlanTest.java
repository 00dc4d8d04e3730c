package io.jkad.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;

/** H2's plans of the sweep: index named in the plan, and a scan count of what was removed (EXPLAIN ANALYZE runs it). */
class H2ExpirySweepPlanTest extends ExpirySweepPlanChecks {

    private HikariDataSource pool;

    @Override
    DataSource database() throws SQLException {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl("jdbc:h2:mem:kad-sweep-plan");
        c.setUsername("sa");
        c.setPassword("");
        pool = new HikariDataSource(c);
        new SchemaMigrator(dialect()).migrate(pool);
        return pool;
    }

    @AfterEach
    void close() {
        pool.close();
    }

    @Override
    SqlDialect dialect() {
        return new H2Dialect();
    }

    @Override
    void assertUsesIndex(Connection c, String sql, long now, String index) throws SQLException {
        // the returning form hides the inner delete's plan: look at the delete itself, then at what both scanned
        String delete = sql.contains("OLD TABLE") ? sql.substring(sql.indexOf("(DELETE") + 1, sql.length() - 1) : sql;
        String plan = plan(c, "EXPLAIN " + delete, now);
        assertThat(plan).contains("PUBLIC." + index.toUpperCase(Locale.ROOT) + ": EXPIRES_AT <=");
        c.setAutoCommit(false);
        try {
            assertThat(plan(c, "EXPLAIN ANALYZE " + sql, now)).as(sql).contains("scanCount: 4 ");
        } finally {
            c.rollback();
            c.setAutoCommit(true);
        }
    }
}
