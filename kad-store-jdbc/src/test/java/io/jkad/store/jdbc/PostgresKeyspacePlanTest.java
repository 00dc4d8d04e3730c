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

    /**
     * The driver's statements become server-side prepared statements after a few executions, and
     * PostgreSQL then may plan them once for any parameters: its generic plan takes "peer = $1" to
     * be selective (one of many peers) and reads every local row through kad_providers_peer, then
     * sorts them. With sorting priced out, the generic plan walks the keyspace index too.
     */
    @org.junit.jupiter.api.Test
    void theGenericPlanOfThePreparedQueryWalksTheIndexToo() throws SQLException {
        try (Connection c = database().getConnection()) {
            List<byte[]> ids = fill(c);
            String region = java.util.HexFormat.of().formatHex(io.jkad.record.Keyspace.regionStart(ids.get(ids.size() / 4), 7));
            String peer = java.util.HexFormat.of().formatHex(LOCAL_PEER);
            dialect().beginStreaming(c);
            try {
                dialect().preferIndexOrder(c);
                SqlDialect.execute(c, "PREPARE provided_from(bytea, bytea) AS "
                        + dialect().selectProvidedFrom.replaceFirst("\\?", "\\$1").replaceFirst("\\?", "\\$2"));
                String plan = "";
                for (int i = 0; i < 7; i++) { // the sixth execution on may use the generic plan
                    plan = plan(c, "EXPLAIN (COSTS OFF) EXECUTE provided_from('\\x" + peer + "', '\\x" + region + "')",
                            List.of());
                }
                assertThat(plan).containsPattern("Index Scan using kad_providers_keyspace on kad_providers")
                        .doesNotContain("Sort").doesNotContain("kad_providers_peer");
            } finally {
                dialect().endStreaming(c);
            }
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
