package io.jkad.store.jdbc;

import io.jkad.record.RecordStore;
import io.jkad.record.StoreConfig;
import io.jkad.testkit.RecordStoreContract;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The JDBC store on H2 in-memory databases against the whole conformance kit. Each store gets a
 * database of its own name (in-memory databases are shared by name within the JVM); it lives as
 * long as the store, so the kit's persistence tests do not apply.
 */
class JdbcH2MemoryRecordStoreTest extends RecordStoreContract {

    private static final AtomicInteger DATABASES = new AtomicInteger();

    @Override
    protected RecordStore openStore(StoreConfig config) {
        String url = "jdbc:h2:mem:kad-contract-" + DATABASES.incrementAndGet();
        return new JdbcStoreProvider().open(config.withOption(JdbcStoreProvider.URL, url));
    }
}
