package io.jkad.store.jdbc;

import io.jkad.record.RecordStore;
import io.jkad.record.StoreConfig;
import io.jkad.testkit.PostgresCluster;
import io.jkad.testkit.PostgresExtension;
import io.jkad.testkit.RecordStoreContract;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The JDBC store on a real PostgreSQL server (started for the test run by {@link PostgresExtension};
 * the tests are skipped where PostgreSQL is not installed) against the whole conformance kit. Each
 * data directory the kit makes gets a schema of its own, so reopening a data directory reopens the
 * same tables.
 */
@ExtendWith(PostgresExtension.class)
class JdbcPostgresRecordStoreTest extends RecordStoreContract {

    private static final Map<Path, String> SCHEMAS = new ConcurrentHashMap<>();

    private final PostgresCluster pg;

    JdbcPostgresRecordStoreTest(PostgresCluster pg) {
        this.pg = pg;
    }

    @Override
    protected RecordStore openStore(StoreConfig config) {
        String schema = SCHEMAS.computeIfAbsent(config.dataDirectory().orElseThrow(), d -> PostgresSchemas.create(pg));
        return new JdbcStoreProvider().open(config
                .withOption(JdbcStoreProvider.URL, PostgresSchemas.url(pg, schema))
                .withOption(JdbcStoreProvider.USER, pg.user()));
    }

    @Override
    protected boolean persistent() {
        return true;
    }
}
