package io.jkad.testkit;

import io.jkad.record.RecordStore;
import io.jkad.record.StoreConfig;
import io.jkad.record.TestRecordStore;

/**
 * kad-core's test store ({@link TestRecordStore}, from kad-core's test-jar) against the whole
 * conformance kit: the state-machine and simulator tests run on it, so it must be held to the same
 * definition of a store as the real backends.
 */
class TestRecordStoreContractTest extends RecordStoreContract {

    @Override
    protected RecordStore openStore(StoreConfig config) {
        return new TestRecordStore(config);
    }
}
