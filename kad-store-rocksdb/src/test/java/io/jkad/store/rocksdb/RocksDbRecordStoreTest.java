package io.jkad.store.rocksdb;

import io.jkad.record.RecordStore;
import io.jkad.record.StoreConfig;
import io.jkad.testkit.RecordStoreContract;

/** The whole conformance kit against the RocksDB store, persistence tests included. */
class RocksDbRecordStoreTest extends RecordStoreContract {

    @Override
    protected RecordStore openStore(StoreConfig config) {
        return new RocksDbStoreProvider().open(config);
    }

    @Override
    protected boolean persistent() {
        return true;
    }
}
