package io.jkad.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.jkad.record.CloseableIterator;
import io.jkad.record.DhtRecord;
import io.jkad.testkit.PostgresCluster;
import io.jkad.testkit.PostgresExtension;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.junit.jupiter.api.extension.ExtendWith;

/** Iteration on PostgreSQL: a cursor in a read transaction, {@link JdbcRecordStore#FETCH_SIZE} rows per fetch. */
@ExtendWith(PostgresExtension.class)
class PostgresIterationTest extends IterationChecks {

    private final PostgresCluster pg;
    private HikariDataSource pool;

    PostgresIterationTest(PostgresCluster pg) {
        this.pg = pg;
    }

    @Override
    DataSource freshDatabase() {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(PostgresSchemas.url(pg, PostgresSchemas.create(pg)));
        c.setUsername(pg.user());
        c.setMaximumPoolSize(4);
        pool = new HikariDataSource(c);
        return pool;
    }

    @Override
    void closeDatabase() {
        pool.close();
    }

    @Override
    void assertReadsASliceAtATime(CloseableIterator<DhtRecord> it) throws SQLException {
        assertThat(it).isInstanceOf(CursorIterator.class);
        assertThat(((CursorIterator<?>) it).describeStreaming())
                .isEqualTo("fetchSize=" + JdbcRecordStore.FETCH_SIZE + ", autoCommit=false");
    }

    @Override
    void assertReleased(CloseableIterator<?> it) throws SQLException {
        assertThat(((CursorIterator<?>) it).describeStreaming()).isEqualTo("released");
    }
}
