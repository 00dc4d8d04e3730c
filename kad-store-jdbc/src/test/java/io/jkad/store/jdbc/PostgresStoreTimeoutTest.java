package io.jkad.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStore;
import io.jkad.record.StoreConfig;
import io.jkad.record.StoreException;
import io.jkad.record.StoreException.Kind;
import io.jkad.testkit.PostgresCluster;
import io.jkad.testkit.PostgresExtension;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The statement timeout against a real PostgreSQL server: a store call stuck behind a lock that
 * another session holds is cancelled by the server after {@code jdbc.statement_timeout_ms} and
 * fails as {@code UNAVAILABLE}, instead of waiting for as long as the lock is held; the store works
 * again once the lock is released.
 */
@ExtendWith(PostgresExtension.class)
class PostgresStoreTimeoutTest {

    private final PostgresCluster pg;

    PostgresStoreTimeoutTest(PostgresCluster pg) {
        this.pg = pg;
    }

    @Test
    void aStatementStuckOnALockIsCancelledAfterTheStatementTimeout() throws Exception {
        String schema = PostgresSchemas.create(pg);
        StoreConfig config = StoreConfig.defaults(Ed25519KeyPair.generate().peerId())
                .withOption(JdbcStoreProvider.URL, PostgresSchemas.url(pg, schema))
                .withOption(JdbcStoreProvider.USER, pg.user())
                .withOption(JdbcStoreProvider.STATEMENT_TIMEOUT_MS, "300")
                .withOption(JdbcStoreProvider.BREAKER_THRESHOLD, "100");
        try (RecordStore store = new JdbcStoreProvider().open(config);
             Connection other = PostgresSchemas.connect(pg, schema)) {
            store.put(DhtRecord.of(RecordKey.ofUtf8("old"), "v".getBytes(StandardCharsets.UTF_8)));
            other.setAutoCommit(false);
            try (Statement s = other.createStatement()) {
                // holds the record counter's row lock, which a put of a new key needs
                s.execute("SELECT n FROM kad_counts WHERE name = 'records' FOR UPDATE");
            }
            long t0 = System.nanoTime();
            StoreException e = null;
            try {
                store.put(DhtRecord.of(RecordKey.ofUtf8("new"), "v".getBytes(StandardCharsets.UTF_8)));
            } catch (StoreException x) {
                e = x;
            }
            long waitedMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(e).as("the put behind the lock failed").isNotNull();
            assertThat(e.kind()).as("%s", e).isEqualTo(Kind.UNAVAILABLE);
            assertThat(e.getMessage()).contains("57014");
            // a behavioural bound, far from the statement timeout: the lock is held indefinitely
            assertThat(waitedMs).as("waited ms").isLessThan(10_000);
            // a read that needs no lock is served meanwhile, and after the lock is released the put succeeds
            assertThat(store.get(RecordKey.ofUtf8("old"))).isPresent();
            other.rollback();
            store.put(DhtRecord.of(RecordKey.ofUtf8("new"), "v".getBytes(StandardCharsets.UTF_8)));
            assertThat(store.get(RecordKey.ofUtf8("new"))).isPresent();
        }
    }
}
