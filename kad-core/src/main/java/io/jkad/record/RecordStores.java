package io.jkad.record;

import java.util.List;

/** Opens record stores by backend name through {@link java.util.ServiceLoader}. */
public final class RecordStores {

    private RecordStores() {}

    /**
     * Opens the store of the backend named {@code name}.
     *
     * @throws IllegalArgumentException if no backend has that name (the message lists the names
     *     found and the artifact to add) or several do
     */
    public static RecordStore open(String name, StoreConfig config) {
        throw new UnsupportedOperationException("not implemented");
    }

    /** The provider named {@code name}, with the same errors as {@link #open}. */
    public static RecordStoreProvider provider(String name) {
        throw new UnsupportedOperationException("not implemented");
    }

    /** The names of the backends on the class path, sorted. */
    public static List<String> names() {
        throw new UnsupportedOperationException("not implemented");
    }
}
