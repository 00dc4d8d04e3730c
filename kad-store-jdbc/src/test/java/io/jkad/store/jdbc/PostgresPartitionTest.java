package io.jkad.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.StoreConfig;
import io.jkad.record.StoreException;
import io.jkad.record.StoreException.Kind;
import io.jkad.testkit.PostgresCluster;
import io.jkad.testkit.PostgresExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The worst outage for a client: the network to a real PostgreSQL server stops delivering while
 * every connection stays open ({@link FreezingProxy}), so the server cannot cancel anything and no
 * connection error comes. Store calls still end, with {@code UNAVAILABLE}: a pooled connection's
 * statement at the driver's socket timeout, a new connection at the pool's acquire timeout; then
 * the breaker makes them fail at once, and the store works again when the network does.
 */
@ExtendWith(PostgresExtension.class)
class PostgresPartitionTest {

    private final PostgresCluster pg;

    PostgresPartitionTest(PostgresCluster pg) {
        this.pg = pg;
    }

    private static DhtRecord record(String key) {
        return DhtRecord.of(RecordKey.ofUtf8(key), key.getBytes(StandardCharsets.UTF_8));
    }

    private static long failsUnavailableMs(Runnable call) {
        long t0 = System.nanoTime();
        try {
            call.run();
        } catch (StoreException e) {
            assertThat(e.kind()).as("%s", e).isEqualTo(Kind.UNAVAILABLE);
            return (System.nanoTime() - t0) / 1_000_000;
        }
        throw new AssertionError("the call did not fail");
    }

    @Test
    void callsEndWhileTheNetworkIsSilentAndWorkAgainWhenItReturns() throws Exception {
        String schema = PostgresSchemas.create(pg);
        try (FreezingProxy proxy = new FreezingProxy(pg.host(), pg.port());
             JdbcRecordStore store = (JdbcRecordStore) new JdbcStoreProvider().open(StoreConfig
                     .defaults(Ed25519KeyPair.generate().peerId())
                     .withOption(JdbcStoreProvider.URL, "jdbc:postgresql://127.0.0.1:" + proxy.port()
                             + "/postgres?currentSchema=" + schema)
                     .withOption(JdbcStoreProvider.USER, pg.user())
                     .withOption(JdbcStoreProvider.STATEMENT_TIMEOUT_MS, "500")
                     .withOption(JdbcStoreProvider.BREAKER_COOLDOWN_MS, "1000"))) {
            store.put(record("before"));
            proxy.freeze();
            for (int i = 0; i < 3; i++) {
                long ms = failsUnavailableMs(() -> store.get(RecordKey.ofUtf8("before")));
                System.out.println("PostgresPartitionTest: call " + i + " with the network silent took " + ms + " ms");
                // socket timeout 500 ms rounded up to 1 s, plus 1 s; acquire 500 ms: bounded, never for ever
                assertThat(ms).as("ms of call %s", i).isLessThan(10_000);
            }
            assertThat(store.breaker().state()).isEqualTo(CircuitBreaker.State.OPEN);
            long fast = failsUnavailableMs(() -> store.put(record("during")));
            assertThat(fast).as("ms of a call with the breaker open").isLessThan(1_000);

            proxy.thaw();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                    .until(() -> store.get(RecordKey.ofUtf8("before")).isPresent());
            store.put(record("after"));
            assertThat(store.get(RecordKey.ofUtf8("after"))).isPresent();
            assertThat(store.breaker().state()).isEqualTo(CircuitBreaker.State.CLOSED);
        }
    }
}
