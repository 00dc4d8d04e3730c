package io.jkad.record;

/**
 * A record store backend, found with {@link java.util.ServiceLoader}: register the implementation
 * in {@code META-INF/services/io.jkad.record.RecordStoreProvider}.
 */
public interface RecordStoreProvider {

    /** The backend's name, lower case: {@code memory}, {@code rocksdb}, {@code jdbc}. */
    String name();

    /**
     * Opens (creating if needed) a store.
     *
     * @throws StoreException {@code BACKEND} if it cannot be opened
     * @throws IllegalArgumentException if the configuration lacks what the backend needs
     */
    RecordStore open(StoreConfig config);
}
