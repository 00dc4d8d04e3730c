package io.jkad.store.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.identity.PeerId;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStore;
import io.jkad.record.RecordStores;
import io.jkad.record.StoreConfig;
import io.jkad.record.StoreException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The memory backend as found through ServiceLoader. */
class MemoryStoreProviderTest {

    private final StoreConfig config = StoreConfig.defaults(PeerId.random(new Random(3)));

    @Test
    void isRegisteredUnderTheNameMemory() {
        assertThat(RecordStores.names()).contains("memory");
        assertThat(RecordStores.provider("memory")).isInstanceOf(MemoryStoreProvider.class);
        assertThat(new MemoryStoreProvider().name()).isEqualTo("memory");
    }

    @Test
    void openByNameGivesAWorkingStore() {
        try (RecordStore store = RecordStores.open("memory", config)) {
            assertThat(store).isInstanceOf(MemoryRecordStore.class);
            store.put(DhtRecord.of(RecordKey.ofUtf8("k"), new byte[] {1}));
            assertThat(store.get(RecordKey.ofUtf8("k"))).isPresent();
        }
    }

    @Test
    void eachOpenGivesANewEmptyStore() {
        try (RecordStore a = RecordStores.open("memory", config); RecordStore b = RecordStores.open("memory", config)) {
            a.put(DhtRecord.of(RecordKey.ofUtf8("k"), new byte[] {1}));
            assertThat(b.get(RecordKey.ofUtf8("k"))).isEmpty();
        }
    }

    @Test
    void misspeltNameFailsWithTheNamesFound() {
        assertThatThrownBy(() -> RecordStores.open("memroy", config))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("No RecordStore named 'memroy'; found [memory]. Did you mean 'memory'?");
    }

    @Test
    void missingJkadBackendNamesItsArtifact() {
        assertThatThrownBy(() -> RecordStores.open("rocksdb", config))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("No RecordStore named 'rocksdb'; found [memory]. "
                        + "Add io.jkad:kad-store-rocksdb to the classpath.");
    }

    @Test
    void configLimitsAreUsed() {
        try (RecordStore store = RecordStores.open("memory", config.withLimits(1, 4, 1, 1))) {
            store.put(DhtRecord.of(RecordKey.ofUtf8("a"), new byte[4]));
            assertThatThrownBy(() -> store.put(DhtRecord.of(RecordKey.ofUtf8("b"), new byte[1])))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("memory store: put failed (MAX_RECORDS)")
                    .hasMessageContaining("maximum of 1 records and key b is new");
            assertThatThrownBy(() -> store.put(DhtRecord.of(RecordKey.ofUtf8("a"), new byte[5])))
                    .hasMessageContaining("value of 5 bytes under key a exceeds maxValueBytes 4");
        }
    }

    @Test
    void nullConfigIsRefused() {
        assertThatThrownBy(() -> new MemoryStoreProvider().open(null)).isInstanceOf(NullPointerException.class);
    }
}
