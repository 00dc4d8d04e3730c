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
import java.util.function.UnaryOperator;
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
    private final UnaryOperator<byte[]> recordKeyOf;
    private final RocksIterator iterator;
    private T buffered;
    /** Released: closed, exhausted, or its store closed. */
    private boolean ended;
    /** Released because its store closed. */
    private boolean endedByClose;

    /**
     * Made holding the read side of {@code closeGuard}; registers itself in {@code openIterators}
     * until released.
     *
     * @param from the column family key to start at (the first at or after it), or null for its first
     * @param recordKeyOf the record key in a column family key, to name it in an error (may throw
     *     {@link IllegalArgumentException} for a malformed one)
     */
    StoreIterator(RocksDbResources res, ReadWriteLock closeGuard, Set<StoreIterator<?>> openIterators, Path directory,
                  String operation, String what, ColumnFamilyHandle family, byte[] from, UnaryOperator<byte[]> recordKeyOf,
                  EntryDecoder<T> decoder) {
        this.closeGuard = closeGuard;
        this.openIterators = openIterators;
        this.directory = directory;
        this.operation = operation;
        this.what = what;
        this.decoder = decoder;
        this.recordKeyOf = recordKeyOf;
        this.iterator = res.db.newIterator(family, res.scanReadOptions);
        openIterators.add(this);
        if (from == null) {
            iterator.seekToFirst();
        } else {
            iterator.seek(from);
        }
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
                        what + " under key " + keyName(key) + ": " + e.getMessage(), e);
            }
            return true;
        } finally {
            shared.unlock();
        }
    }

    /** The record key in a column family key, as text; the whole key in hex if it is malformed. */
    private String keyName(byte[] key) {
        try {
            return RocksDbRecordStore.keyText(recordKeyOf.apply(key));
        } catch (IllegalArgumentException e) {
            return "0x" + RocksDbRecordStore.hex(key) + " (malformed)";
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
