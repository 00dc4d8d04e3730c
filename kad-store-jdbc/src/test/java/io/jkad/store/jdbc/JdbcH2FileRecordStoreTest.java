package io.jkad.store.jdbc;

import io.jkad.record.RecordStore;
import io.jkad.record.StoreConfig;
import io.jkad.testkit.RecordStoreContract;

/**
 * The JDBC store on its default database, an embedded H2 file database in the data directory,
 * against the whole conformance kit (persistence tests included: reopening the data directory
 * reopens the file).
 */
class JdbcH2FileRecordStoreTest extends RecordStoreContract {

    @Override
    protected RecordStore openStore(StoreConfig config) {
        return new JdbcStoreProvider().open(config);
    }

    @Override
    protected boolean persistent() {
        return true;
    }
}
