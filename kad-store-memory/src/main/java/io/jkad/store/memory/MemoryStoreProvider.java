package io.jkad.store.memory;

import io.jkad.record.RecordStore;
import io.jkad.record.RecordStoreProvider;
import io.jkad.record.StoreConfig;
import java.util.Objects;

/**
 * The {@code memory} record store backend: records in the JVM's heap, gone when the store is
 * closed. Uses the limits of {@link StoreConfig}; ignores its data directory and options. Found by
 * {@link io.jkad.record.RecordStores#open RecordStores.open("memory", config)}.
 */
public final class MemoryStoreProvider implements RecordStoreProvider {

    /** The backend's name: {@code memory}. */
    public static final String NAME = "memory";

    /** For {@link java.util.ServiceLoader}. */
    public MemoryStoreProvider() {}

    @Override
    public String name() {
        return NAME;
    }

    /**
     * A new, empty, thread-safe in-memory store.
     *
     * @throws NullPointerException if {@code config} is null
     */
    @Override
    public RecordStore open(StoreConfig config) {
        return new MemoryRecordStore(Objects.requireNonNull(config, "config"));
    }
}
