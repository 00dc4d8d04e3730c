package io.jkad.record;

/**
 * A store refused or failed an operation. {@link #kind()} says why; nothing was changed by the
 * operation that threw it. The message names the store, the operation and the kind, then says
 * what was refused (the key, the size, the limit) or wraps the backend's exception as the cause.
 */
public class StoreException extends RuntimeException {

    /** Why a store operation failed. */
    public enum Kind {
        /** The store holds its maximum number of records and the key is new. */
        MAX_RECORDS,
        /** The key is longer than {@link StoreConfig#maxKeyBytes()}. */
        KEY_TOO_LARGE,
        /** The value is larger than the store accepts. */
        VALUE_TOO_LARGE,
        /** The store holds provider records for its maximum number of keys and the key is new. */
        MAX_PROVIDED_KEYS,
        /** The store is closed. */
        CLOSED,
        /** The backend (disk, database) failed; the cause says how. */
        BACKEND,
        /**
         * The backend cannot be reached (a database server down or out of reach, a connection or
         * statement timeout), or has just failed that way several times and is not tried again for a
         * while: the call failed fast. Nothing was changed; the same call may succeed later.
         */
        UNAVAILABLE
    }

    private final Kind kind;
    private final String store;
    private final String operation;

    public StoreException(Kind kind, String store, String operation, String message) {
        this(kind, store, operation, message, null);
    }

    public StoreException(Kind kind, String store, String operation, String message, Throwable cause) {
        super(store + " store: " + operation + " failed (" + kind + "): " + message, cause);
        this.kind = kind;
        this.store = store;
        this.operation = operation;
    }

    public Kind kind() {
        return kind;
    }

    /** The store's provider name ({@code memory}, {@code rocksdb}, {@code jdbc}). */
    public String store() {
        return store;
    }

    /**
     * The operation that failed: the name of the {@link RecordStore} method ({@code put},
     * {@code get}, {@code addProvider}, {@code records} also for its iterator, …), or {@code open}.
     */
    public String operation() {
        return operation;
    }
}
