package io.jkad.store.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.identity.PeerId;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.StoreConfig;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A read of the memory store hands out what the put stored, without making anything per read. */
class MemoryRecordStoreReadTest {

    @Test
    void getReturnsTheOptionalMadeAtThePutUntilTheNextPut() {
        try (MemoryRecordStore store = new MemoryRecordStore(StoreConfig.defaults(PeerId.random(new Random(1))))) {
            RecordKey key = RecordKey.ofUtf8("k");
            DhtRecord first = DhtRecord.of(key, new byte[] {1});
            store.put(first);
            Optional<DhtRecord> read = store.get(key);
            assertThat(read).containsSame(first);
            assertThat(store.get(key)).isSameAs(read);

            DhtRecord second = DhtRecord.of(key, new byte[] {2});
            store.put(second);
            assertThat(store.get(key)).containsSame(second);
            store.remove(key);
            assertThat(store.get(key)).isEmpty();
        }
    }
}
