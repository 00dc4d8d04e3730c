package io.jkad.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.jkad.testkit.PostgresCluster;
import io.jkad.testkit.PostgresExtension;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;

/** Schema migrations on PostgreSQL, each test in a fresh schema of the test server. */
@ExtendWith(PostgresExtension.class)
class PostgresSchemaMigrationTest extends SchemaMigrationChecks {

    private final PostgresCluster pg;
    private final List<HikariDataSource> pools = new ArrayList<>();

    PostgresSchemaMigrationTest(PostgresCluster pg) {
        this.pg = pg;
    }

    @Override
    DataSource freshDatabase() {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(PostgresSchemas.url(pg, PostgresSchemas.create(pg)));
        c.setUsername(pg.user());
        c.setMaximumPoolSize(10);
        HikariDataSource pool = new HikariDataSource(c);
        pools.add(pool);
        return pool;
    }

    @AfterEach
    void closePools() {
        pools.forEach(HikariDataSource::close);
    }

    @Override
    SqlDialect dialect() {
        return new PostgresDialect();
    }

    @Override
    SqlDialect brokenDialect() {
        return new PostgresDialect() {
            @Override
            String scriptFolder() {
                return "db-test/broken/postgresql";
            }
        };
    }

    @Override
    boolean tableExists(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }
}
