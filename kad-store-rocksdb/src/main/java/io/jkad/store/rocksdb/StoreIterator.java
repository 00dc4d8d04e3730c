package io.jkad.store.rocksdb;

import io.jkad.record.CloseableIterator;
import io.jkad.record.StoreException;
import io.jkad.record.StoreException.Kind;
import io.jkad.store.rocksdb.ValueCodec.CorruptValueException;
import java.nio.file.Path;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * A {@link CloseableIterator} over a RocksDB iterator of one column family of a
 * {@link RocksDbRecordStore}: a consistent point-in-time view from when it was made. Not for use
 * from several threads at once (like any iterator), but safe against the store closing from another
 * thread: it touches the native iterator only holding the read side of the store's close guard, and
 * the store's {@link RocksDbRecordStore#close()} releases it ({@link #endByClose()}; it then ends).
 */
final class StoreIterator<T> implements CloseableIterator<T> {

    /** Decodes one entry of a column family. */
    @FunctionalInterface
    interface EntryDecoder<T> {
        T decode(byte[] key, byte[] value) throws CorruptValueException;
    }

    private final ReadWriteLock closeGuard;
    private final Set<StoreIterator<?>> openIterators;
    private final Path directory;
    private final String operation;
    private final String what;
    private final EntryDecoder<T> decoder;
    private final RocksIterator iterator;
    private T buffered;
    /** Released: closed, exhausted, or its store closed. */
    private boolean ended;
    /** Released because its store closed. */
    private boolean endedByClose;

    /**
     * Made holding the read side of {@code closeGuard}; registers itself in {@code openIterators}
     * until released.
     */
    StoreIterator(RocksDbResources res, ReadWriteLock closeGuard, Set<StoreIterator<?>> openIterators, Path directory,
                  String operation, String what, ColumnFamilyHandle family, EntryDecoder<T> decoder) {
        this.closeGuard = closeGuard;
        this.openIterators = openIterators;
        this.directory = directory;
        this.operation = operation;
        this.what = what;
        this.decoder = decoder;
        this.iterator = res.db.newIterator(family, res.scanReadOptions);
        openIterators.add(this);
        iterator.seekToFirst();
    }

    @Override
    public boolean hasNext() {
        Lock shared = closeGuard.readLock();
        shared.lock();
        try {
            if (ended) {
                return false;
            }
            if (buffered != null) {
                return true;
            }
            if (!iterator.isValid()) {
                try {
                    iterator.status();
                } catch (RocksDBException e) {
                    release();
                    throw RocksDbRecordStore.backend(directory, operation, "iterating", e);
                }
                release();
                return false;
            }
            byte[] key = iterator.key();
            byte[] value = iterator.value();
            iterator.next(); // past a damaged entry too, so that a caller may go on
            try {
                buffered = decoder.decode(key, value);
            } catch (CorruptValueException | IllegalArgumentException e) {
                throw RocksDbRecordStore.backend(directory, operation,
                        what + " under key " + RocksDbRecordStore.keyText(key) + ": " + e.getMessage(), e);
            }
            return true;
        } finally {
            shared.unlock();
        }
    }

    @Override
    public T next() {
        if (!hasNext()) {
            if (endedByClose) {
                // hasNext() may have said true just before the store closed: say why there is no next
                throw new StoreException(Kind.CLOSED, RocksDbStoreProvider.NAME, operation, "the store is closed");
            }
            throw new NoSuchElementException();
        }
        T next = buffered;
        buffered = null;
        return next;
    }

    @Override
    public void close() {
        Lock shared = closeGuard.readLock();
        shared.lock();
        try {
            release();
        } finally {
            shared.unlock();
        }
    }

    /** Ends it because its store is closing. Holds the write side of the close guard. */
    void endByClose() {
        endedByClose = true;
        release();
    }

    /** Frees the native iterator; idempotent. Holds either side of the close guard. */
    private void release() {
        if (!ended) {
            ended = true;
            buffered = null;
            iterator.close();
            openIterators.remove(this);
        }
    }
}
