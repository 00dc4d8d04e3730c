package io.jkad.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Schema migrations on H2 in-memory databases. */
class H2SchemaMigrationTest extends SchemaMigrationChecks {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private final List<HikariDataSource> pools = new ArrayList<>();

    @Override
    DataSource freshDatabase() {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl("jdbc:h2:mem:kad-migration-" + DATABASES.incrementAndGet() + ";DB_CLOSE_DELAY=-1");
        c.setUsername("sa");
        c.setPassword("");
        c.setMaximumPoolSize(10);
        HikariDataSource pool = new HikariDataSource(c);
        pools.add(pool);
        return pool;
    }

    @AfterEach
    void dropDatabases() throws SQLException {
        for (HikariDataSource pool : pools) {
            try (Connection c = pool.getConnection()) {
                SqlDialect.execute(c, "DROP ALL OBJECTS");
            }
            pool.close();
        }
    }

    @Override
    SqlDialect dialect() {
        return new H2Dialect();
    }

    @Override
    SqlDialect brokenDialect() {
        return new H2Dialect() {
            @Override
            String scriptFolder() {
                return "db-test/broken/h2";
            }
        };
    }

    @Override
    boolean tableExists(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME = UPPER(?)")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1) > 0;
            }
        }
    }

    @Test
    void scriptsSplitIntoStatementsWithoutComments() {
        assertThat(SchemaMigrator.statements("""
                -- a comment
                CREATE TABLE t (
                    a INTEGER  -- not a statement end
                );

                INSERT INTO t VALUES (1);
                  -- indented comment
                SELECT 1""")).containsExactly(
                "CREATE TABLE t (\n    a INTEGER  -- not a statement end\n)", "INSERT INTO t VALUES (1)", "SELECT 1");
    }

    @Test
    void everyScriptOfEveryDialectIsOnTheClassPath() {
        for (String name : SqlDialects.names()) {
            for (SchemaMigrator.Migration m : SchemaMigrator.MIGRATIONS) {
                String resource = m.resource(SqlDialects.byName(name).scriptFolder());
                assertThat(getClass().getClassLoader().getResource(resource)).as(resource).isNotNull();
            }
        }
    }
}
