package io.jkad.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.jkad.testkit.PostgresCluster;
import io.jkad.testkit.PostgresExtension;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;

/** PostgreSQL's plans of the sweep: an index scan on the expiry index, and rows removed as expected (EXPLAIN ANALYZE runs it). */
@ExtendWith(PostgresExtension.class)
class PostgresExpirySweepPlanTest extends ExpirySweepPlanChecks {

    private final PostgresCluster pg;
    private HikariDataSource pool;

    PostgresExpirySweepPlanTest(PostgresCluster pg) {
        this.pg = pg;
    }

    @Override
    DataSource database() throws SQLException {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(PostgresSchemas.url(pg, PostgresSchemas.create(pg)));
        c.setUsername(pg.user());
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
        return new PostgresDialect();
    }

    @Override
    void assertUsesIndex(Connection c, String sql, long now, String index) throws SQLException {
        c.setAutoCommit(false);
        try {
            String plan = plan(c, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql, now);
            assertThat(plan).as(sql).containsPattern("Index (Only )?Scan using " + index)
                    .contains("rows=3 loops=1").doesNotContain("Seq Scan");
        } finally {
            c.rollback();
            c.setAutoCommit(true);
        }
    }
}
