package io.jkad.store.memory;

import io.jkad.record.RecordStore;
import io.jkad.record.StoreConfig;
import io.jkad.testkit.RecordStoreContract;

/** The memory store against the whole conformance kit. */
class MemoryRecordStoreTest extends RecordStoreContract {

    @Override
    protected RecordStore openStore(StoreConfig config) {
        return new MemoryStoreProvider().open(config);
    }
}
