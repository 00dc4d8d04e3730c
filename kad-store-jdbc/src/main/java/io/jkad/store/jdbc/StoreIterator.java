package io.jkad.store.jdbc;

import io.jkad.record.CloseableIterator;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.NoSuchElementException;

/**
 * The part of the store's iterators that does not depend on how rows are read: one row read
 * ahead, the end, closing (idempotent, also from another thread: the store closes the iterators
 * still open when it closes, and an iterator closed that way ends), and errors as
 * {@link io.jkad.record.StoreException}s.
 */
abstract class StoreIterator<T> implements CloseableIterator<T> {

    /** Reads one row. */
    @FunctionalInterface
    interface RowReader<T> {
        T read(ResultSet row) throws SQLException;
    }

    private final JdbcRecordStore store;
    final String operation;
    private T next;
    private boolean exhausted;
    private boolean closed;

    StoreIterator(JdbcRecordStore store, String operation) {
        this.store = store;
        this.operation = operation;
    }

    /** The next row, or null at the end. */
    abstract T fetch() throws SQLException;

    /** Releases what the iterator holds (connection, statement); never throws. */
    abstract void release();

    @Override
    public final synchronized boolean hasNext() {
        if (closed) {
            return false;
        }
        if (next != null) {
            return true;
        }
        if (exhausted) {
            return false;
        }
        try {
            next = fetch();
        } catch (SQLException e) {
            close();
            throw store.iterationFailure(operation, e);
        } catch (RuntimeException e) {
            close();
            throw store.corrupt(operation, e);
        }
        if (next == null) {
            exhausted = true;
            release(); // give resources back as soon as the end is reached
            return false;
        }
        return true;
    }

    @Override
    public final synchronized T next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        T t = next;
        next = null;
        return t;
    }

    @Override
    public final void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            next = null;
            release();
        }
        store.forget(this);
    }
}
