package io.jkad.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.jkad.testkit.PostgresCluster;
import io.jkad.testkit.PostgresExtension;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;

/** PostgreSQL's plan of providedFrom's cursor: an index scan of the partial keyspace index, no sort. */
@ExtendWith(PostgresExtension.class)
class PostgresKeyspacePlanTest extends KeyspacePlanChecks {

    private final PostgresCluster pg;
    private HikariDataSource pool;

    PostgresKeyspacePlanTest(PostgresCluster pg) {
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
    void assertReadsThroughIndex(Connection c, String sql, List<Object> params, String index, int rows)
            throws SQLException {
        dialect().beginStreaming(c);
        try {
            dialect().preferIndexOrder(c);
            String plan = plan(c, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql, params);
            assertThat(plan).as(sql).containsPattern("Index Scan using " + index + " on kad_providers \\(actual rows="
                    + rows + " loops=1\\)").doesNotContain("Seq Scan").doesNotContain("Bitmap").doesNotContain("Sort");
        } finally {
            dialect().endStreaming(c);
        }
    }

    /** Without the setup, PostgreSQL sorts: the check above is not true by chance. */
    @org.junit.jupiter.api.Test
    void withoutTheSetupThePlannerWouldReadTheWholeRangeAndSortIt() throws SQLException {
        try (Connection c = database().getConnection()) {
            fill(c);
            String plan = plan(c, "EXPLAIN (COSTS OFF) " + dialect().selectProvidedFrom, List.of(LOCAL_PEER,
                    new byte[32]));
            assertThat(plan).contains("Sort");
        }
    }
}
