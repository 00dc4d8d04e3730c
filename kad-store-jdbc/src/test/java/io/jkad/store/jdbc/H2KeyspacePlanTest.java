package io.jkad.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;

/** H2's plans of providedFrom's pages: the keyspace index named in the plan, and a scan count of one page. */
class H2KeyspacePlanTest extends KeyspacePlanChecks {

    private HikariDataSource pool;

    @Override
    DataSource database() throws SQLException {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl("jdbc:h2:mem:kad-keyspace-plan");
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
    void assertReadsThroughIndex(Connection c, String sql, List<Object> params, String index, int rows)
            throws SQLException {
        String plan = plan(c, "EXPLAIN ANALYZE " + sql, params);
        assertThat(plan).as(sql).contains("PUBLIC." + index.toUpperCase(Locale.ROOT) + ": PEER = ?1")
                .contains("/* index sorted */")
                // the rows of the page, and for a next page the last row of the page before
                .containsPattern("scanCount: (" + rows + "|" + (rows + 1) + ") ");
    }
}
