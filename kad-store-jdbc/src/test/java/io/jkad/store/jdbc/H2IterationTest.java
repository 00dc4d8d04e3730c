package io.jkad.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.jkad.record.CloseableIterator;
import io.jkad.record.DhtRecord;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/** Iteration on H2: pages of {@link JdbcRecordStore#FETCH_SIZE} rows in key order. */
class H2IterationTest extends IterationChecks {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private HikariDataSource pool;

    @Override
    DataSource freshDatabase() {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl("jdbc:h2:mem:kad-iteration-" + DATABASES.incrementAndGet() + ";DB_CLOSE_DELAY=-1");
        c.setUsername("sa");
        c.setPassword("");
        c.setMaximumPoolSize(4);
        pool = new HikariDataSource(c);
        return pool;
    }

    @Override
    void closeDatabase() {
        try (Connection c = pool.getConnection()) {
            SqlDialect.execute(c, "DROP ALL OBJECTS");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        } finally {
            pool.close();
        }
    }

    @Override
    void assertReadsASliceAtATime(CloseableIterator<DhtRecord> it) {
        assertThat(it).isInstanceOf(KeysetIterator.class);
        assertThat(((KeysetIterator<?>) it).pagesRead()).containsExactly(1, JdbcRecordStore.FETCH_SIZE);
    }

    @Override
    void assertReleased(CloseableIterator<?> it) {
        int[] pages = ((KeysetIterator<?>) it).pagesRead();
        assertThat(pages[0]).isGreaterThan(1);
        assertThat(pages[1]).isZero();
    }
}
