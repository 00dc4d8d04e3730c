package io.jkad.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStore;
import io.jkad.record.StoreConfig;
import io.jkad.record.StoreException;
import io.jkad.record.StoreException.Kind;
import io.jkad.testkit.ManualClock;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The store's use of its circuit breaker, on H2 in memory behind a data source that a test can
 * switch off (it then fails as HikariCP does when no connection can be had): calls fail with
 * {@code UNAVAILABLE}, after the threshold without asking the data source at all, one probe per
 * cooldown, recovery on the first probe that succeeds. Refusals that the database itself makes
 * never open the breaker.
 */
class JdbcStoreBreakerTest {

    private static final AtomicInteger DATABASES = new AtomicInteger();

    private final ManualClock clock = new ManualClock();
    private final SwitchableDataSource dataSource = new SwitchableDataSource();
    private final JdbcRecordStore store = JdbcRecordStore.open(dataSource, StoreConfig
            .defaults(Ed25519KeyPair.generate().peerId())
            .withLimits(2, 64, 20, 1024)
            .withOption(JdbcStoreProvider.BREAKER_THRESHOLD, "3")
            .withOption(JdbcStoreProvider.BREAKER_COOLDOWN_MS, "2000"), null, null, clock);

    @AfterEach
    void close() {
        store.close();
    }

    private static DhtRecord record(String key) {
        return DhtRecord.of(RecordKey.ofUtf8(key), key.getBytes(StandardCharsets.UTF_8));
    }

    private static StoreException unavailable(Runnable call) {
        try {
            call.run();
        } catch (StoreException e) {
            assertThat(e.kind()).as("%s", e).isEqualTo(Kind.UNAVAILABLE);
            return e;
        }
        throw new AssertionError("the call did not fail");
    }

    @Test
    void failsFastWhileTheDatabaseIsAwayAndRecoversByItself() {
        store.put(record("before"));
        dataSource.down = true;
        int asked = dataSource.attempts.get();

        for (int i = 0; i < 3; i++) {
            StoreException e = unavailable(() -> store.get(RecordKey.ofUtf8("before")));
            assertThat(e.getMessage()).contains("the database is unavailable").contains("no connection");
        }
        assertThat(dataSource.attempts.get() - asked).as("the data source was asked by each of the first calls")
                .isEqualTo(3);
        assertThat(store.breaker().state()).isEqualTo(CircuitBreaker.State.OPEN);

        // Open: every kind of call fails at once, without going to the data source.
        asked = dataSource.attempts.get();
        unavailable(() -> store.put(record("during")));
        unavailable(() -> store.get(RecordKey.ofUtf8("before")));
        unavailable(() -> store.providers(RecordKey.ofUtf8("before")));
        unavailable(() -> store.records().hasNext());
        unavailable(store::counts);
        StoreException fast = unavailable(() -> store.removeExpired(clock.instant()));
        assertThat(fast.getMessage()).contains("3 calls in a row failed").contains("no connection");
        assertThat(dataSource.attempts.get()).as("no call reached the data source").isEqualTo(asked);

        // After the cooldown one probe goes through; it fails: open for another cooldown.
        clock.advance(Duration.ofMillis(2000));
        unavailable(() -> store.get(RecordKey.ofUtf8("before")));
        assertThat(dataSource.attempts.get()).isEqualTo(asked + 1);
        unavailable(() -> store.get(RecordKey.ofUtf8("before")));
        assertThat(dataSource.attempts.get()).isEqualTo(asked + 1);

        // The database comes back: the next probe closes the breaker, and nothing was lost.
        dataSource.down = false;
        unavailable(() -> store.get(RecordKey.ofUtf8("before"))); // still cooling down
        clock.advance(Duration.ofMillis(2000));
        assertThat(store.get(RecordKey.ofUtf8("before"))).isPresent();
        assertThat(store.breaker().state()).isEqualTo(CircuitBreaker.State.CLOSED);
        store.put(record("after"));
        assertThat(store.get(RecordKey.ofUtf8("after"))).isPresent();
        assertThat(store.get(RecordKey.ofUtf8("during"))).isEmpty();
    }

    @Test
    void refusalsByTheDatabaseNeverOpenTheBreaker() {
        store.put(record("one"));
        store.put(record("two"));
        for (int i = 0; i < 10; i++) {
            // the store is full (2 records), the value too large, a key that H2 cannot hold: answers, not outages
            assertThatThrownBy(() -> store.put(record("three"))).isInstanceOfSatisfying(StoreException.class,
                    e -> assertThat(e.kind()).isEqualTo(Kind.MAX_RECORDS));
            assertThatThrownBy(() -> store.put(DhtRecord.of(RecordKey.ofUtf8("one"), new byte[65])))
                    .isInstanceOfSatisfying(StoreException.class,
                            e -> assertThat(e.kind()).isEqualTo(Kind.VALUE_TOO_LARGE));
        }
        assertThat(store.breaker().state()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(store.breaker().consecutiveFailures()).isZero();
        assertThat(store.get(RecordKey.ofUtf8("one"))).isPresent();
    }

    @Test
    void aSuccessBetweenFailuresStartsTheCountAgain() {
        for (int i = 0; i < 5; i++) {
            dataSource.down = true;
            unavailable(() -> store.get(RecordKey.ofUtf8("k")));
            unavailable(() -> store.get(RecordKey.ofUtf8("k")));
            dataSource.down = false;
            assertThat(store.get(RecordKey.ofUtf8("k"))).isEmpty();
        }
        assertThat(store.breaker().openings()).isZero();
    }

    @Test
    void theOptionsAreChecked() {
        StoreConfig base = StoreConfig.defaults(Ed25519KeyPair.generate().peerId())
                .withOption(JdbcStoreProvider.URL, "jdbc:h2:mem:breaker-options-" + DATABASES.incrementAndGet());
        for (String[] bad : new String[][] {
                {JdbcStoreProvider.BREAKER_THRESHOLD, "0"},
                {JdbcStoreProvider.BREAKER_COOLDOWN_MS, "soon"},
                {JdbcStoreProvider.ACQUIRE_TIMEOUT_MS, "100"},
                {JdbcStoreProvider.STATEMENT_TIMEOUT_MS, "-1"}}) {
            assertThatThrownBy(() -> new JdbcStoreProvider().open(base.withOption(bad[0], bad[1])).close())
                    .as("%s=%s", bad[0], bad[1])
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(bad[0]);
        }
        try (RecordStore ok = new JdbcStoreProvider().open(base.withOption(JdbcStoreProvider.ACQUIRE_TIMEOUT_MS, "250")
                .withOption(JdbcStoreProvider.BREAKER_COOLDOWN_MS, "100"))) {
            ok.put(record("fine"));
        }
        // an embedder's own DataSource brings its own timeouts
        assertThatThrownBy(() -> JdbcRecordStore.open(dataSource, StoreConfig.defaults(Ed25519KeyPair.generate().peerId())
                .withOption(JdbcStoreProvider.ACQUIRE_TIMEOUT_MS, "300")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(JdbcStoreProvider.ACQUIRE_TIMEOUT_MS);
    }

    /** An H2 in-memory database that fails, while {@code down}, as a pool does that has no connection to give. */
    private static final class SwitchableDataSource implements DataSource {
        private final JdbcDataSource h2 = new JdbcDataSource();
        private final Connection keepAlive;
        volatile boolean down;
        final AtomicInteger attempts = new AtomicInteger();

        SwitchableDataSource() {
            h2.setURL("jdbc:h2:mem:breaker-" + DATABASES.incrementAndGet());
            try {
                keepAlive = h2.getConnection();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public Connection getConnection() throws SQLException {
            attempts.incrementAndGet();
            if (down) {
                throw new SQLTransientConnectionException("no connection available, request timed out after 500ms",
                        "08001");
            }
            return h2.getConnection();
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            return getConnection();
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {}

        @Override
        public void setLoginTimeout(int seconds) {}

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }
}
