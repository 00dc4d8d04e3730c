package io.jkad.record;

import java.util.Iterator;

/**
 * An iterator over a store's contents that may hold resources (a native iterator, a cursor, a
 * connection) until closed: use it in try-with-resources. After {@link #close()},
 * {@link #hasNext()} returns false and {@link #next()} throws
 * {@link java.util.NoSuchElementException}.
 */
public interface CloseableIterator<T> extends Iterator<T>, AutoCloseable {
    /** Releases the iterator's resources; idempotent, also after its store was closed. Throws no checked exception. */
    @Override
    void close();
}
