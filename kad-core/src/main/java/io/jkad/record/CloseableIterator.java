package io.jkad.record;

import java.util.Iterator;

/** An iterator over a store's contents that may hold resources until closed. */
public interface CloseableIterator<T> extends Iterator<T>, AutoCloseable {
    /** Releases the iterator's resources; idempotent. Throws no checked exception. */
    @Override
    void close();
}
