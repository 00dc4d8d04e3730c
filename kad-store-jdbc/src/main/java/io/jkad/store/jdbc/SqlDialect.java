package io.jkad.store.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The SQL the JDBC store speaks: standard SQL here, one thin subclass per database for what
 * differs (after Quartz's {@code StdJDBCDelegate} and its {@code PostgreSQLDelegate}). Every
 * statement is run as a prepared statement with {@code ?} parameters.
 *
 * <h2>Schema (version 2: the scripts {@code db/<dialect>/V1__init.sql}, then
 * {@code V2__provided_keyspace_and_node_state.sql})</h2>
 * <ul>
 *   <li>{@code kad_records(rkey, val, publisher, expires_at)}: one row per value record; primary
 *       key {@code rkey}; index on {@code expires_at}.
 *   <li>{@code kad_providers(pkey, peer, seq, expires_at, addrs)}: one row per provider record;
 *       primary key {@code (pkey, peer)}; {@code seq} is an identity column giving the order in
 *       which providers were first added (an update keeps it, a new row takes a larger one);
 *       indexes on {@code (pkey, seq)}, {@code expires_at} and {@code (peer, pkey)} (the local
 *       peer's rows are the provided keys). Since version 2, {@code keyspace_id}: the SHA-256 of
 *       {@code pkey} in the local peer's rows, {@code NULL} in the others', with the index
 *       {@code kad_providers_keyspace} that lists the provided keys in keyspace order: on
 *       PostgreSQL {@code (keyspace_id, pkey)} of the rows that have an id, on H2 (no partial
 *       indexes) {@code (peer, keyspace_id, pkey)} of all rows.
 *   <li>{@code kad_provider_keys(pkey, providers)}: one row per key that has provider records,
 *       with their number; its row lock serialises the writers of one key's provider list.
 *   <li>{@code kad_counts(name, n)}: the counters that the limits compare with, kept in the same
 *       transaction as the rows they count: {@code records} (rows of {@code kad_records}) and
 *       {@code provider_keys} (rows of {@code kad_provider_keys}).
 *   <li>{@code kad_node_state(name, val)} (since version 2): the node state entries; primary key
 *       {@code name}.
 * </ul>
 * Expiry instants are stored as nanoseconds since the epoch in a {@code BIGINT} (exact from 1677
 * to 2262), {@code NULL} for never. Column names avoid {@code KEY} and {@code VALUE}, reserved in
 * H2 2.x.
 */
abstract class SqlDialect {

    /** The counter of value records in {@code kad_counts}. */
    static final String COUNT_RECORDS = "records";
    /** The counter of keys with provider records in {@code kad_counts}. */
    static final String COUNT_PROVIDER_KEYS = "provider_keys";

    // ------------------------------------------------------------------ value records

    final String selectRecord = "SELECT val, publisher, expires_at FROM kad_records WHERE rkey = ?";
    final String updateRecord = "UPDATE kad_records SET val = ?, publisher = ?, expires_at = ? WHERE rkey = ?";
    final String insertRecord = "INSERT INTO kad_records (rkey, val, publisher, expires_at) VALUES (?, ?, ?, ?)";
    final String deleteRecord = "DELETE FROM kad_records WHERE rkey = ?";
    final String deleteExpiredRecords = "DELETE FROM kad_records WHERE expires_at <= ?";
    final String selectAllRecords = "SELECT rkey, val, publisher, expires_at FROM kad_records";
    final String firstRecordsPage =
            "SELECT rkey, val, publisher, expires_at FROM kad_records ORDER BY rkey FETCH FIRST ? ROWS ONLY";
    final String nextRecordsPage = "SELECT rkey, val, publisher, expires_at FROM kad_records WHERE rkey > ?"
            + " ORDER BY rkey FETCH FIRST ? ROWS ONLY";

    // ------------------------------------------------------------------ provider records

    final String selectProviders = "SELECT peer, expires_at, addrs FROM kad_providers WHERE pkey = ? ORDER BY seq";
    final String updateProvider = "UPDATE kad_providers SET expires_at = ?, addrs = ? WHERE pkey = ? AND peer = ?";
    /** Parameters: key, peer, expiry, addresses, keyspace id (the key's SHA-256 for the local peer, else null). */
    final String insertProvider =
            "INSERT INTO kad_providers (pkey, peer, expires_at, addrs, keyspace_id) VALUES (?, ?, ?, ?, ?)";
    final String deleteProvider = "DELETE FROM kad_providers WHERE pkey = ? AND peer = ?";
    final String selectProvided = "SELECT pkey, expires_at, addrs FROM kad_providers WHERE peer = ?";
    final String firstProvidedPage = "SELECT pkey, expires_at, addrs FROM kad_providers WHERE peer = ?"
            + " ORDER BY pkey FETCH FIRST ? ROWS ONLY";
    final String nextProvidedPage = "SELECT pkey, expires_at, addrs FROM kad_providers WHERE peer = ? AND pkey > ?"
            + " ORDER BY pkey FETCH FIRST ? ROWS ONLY";

    /**
     * The local peer's rows in keyspace order from an id, through one cursor. Parameters: peer, id.
     * The order names {@code peer} first, which changes nothing (one peer is selected) but tells
     * H2 that its index {@code (peer, keyspace_id, pkey)} is in this order: without it, H2 takes
     * the index on {@code (peer, pkey)} and sorts all the local rows for each page.
     */
    final String selectProvidedFrom = "SELECT pkey, expires_at, addrs FROM kad_providers"
            + " WHERE peer = ? AND keyspace_id >= ? ORDER BY peer, keyspace_id, pkey";
    /** The first page of {@link #selectProvidedFrom}. Parameters: peer, id, page size. */
    final String firstProvidedFromPage = "SELECT pkey, expires_at, addrs, keyspace_id FROM kad_providers"
            + " WHERE peer = ? AND keyspace_id >= ? ORDER BY peer, keyspace_id, pkey FETCH FIRST ? ROWS ONLY";
    /**
     * The page after the row {@code (id, key)}. Parameters: peer, id, id, key, page size. The range
     * starts at the id; the second condition drops the rows of that id up to the key (the one row,
     * in practice), so the index range is not split into two.
     */
    final String nextProvidedFromPage = "SELECT pkey, expires_at, addrs, keyspace_id FROM kad_providers"
            + " WHERE peer = ? AND keyspace_id >= ? AND (keyspace_id > ? OR pkey > ?)"
            + " ORDER BY peer, keyspace_id, pkey FETCH FIRST ? ROWS ONLY";
    /** Rows of a peer without a keyspace id (to fill in at open). Parameters: peer, how many. */
    final String selectUnindexedProvided =
            "SELECT pkey FROM kad_providers WHERE peer = ? AND keyspace_id IS NULL FETCH FIRST ? ROWS ONLY";
    /** Parameters: keyspace id, key, peer. */
    final String indexProvided =
            "UPDATE kad_providers SET keyspace_id = ? WHERE pkey = ? AND peer = ? AND keyspace_id IS NULL";

    /** Takes a provider slot of a key that has providers and room for one more (0 rows: no such key, or full). */
    final String addToProviderKey =
            "UPDATE kad_provider_keys SET providers = providers + 1 WHERE pkey = ? AND providers < ?";
    final String lockProviderKey = "SELECT providers FROM kad_provider_keys WHERE pkey = ? FOR UPDATE";
    final String insertProviderKey = "INSERT INTO kad_provider_keys (pkey, providers) VALUES (?, 1)";
    final String removeFromProviderKey = "UPDATE kad_provider_keys SET providers = providers - ? WHERE pkey = ?";
    final String deleteEmptyProviderKey = "DELETE FROM kad_provider_keys WHERE pkey = ? AND providers = 0";

    // ------------------------------------------------------------------ node state

    final String selectNodeState = "SELECT val FROM kad_node_state WHERE name = ?";

    /** Sets node state entry {@code name} (first parameter) to the value (second), inserting or replacing it. */
    abstract String upsertNodeState();

    // ------------------------------------------------------------------ counters

    /** Reserves one more unit of a counter below a limit, under the counter row's lock (0 rows: at the limit). */
    final String reserveCount = "UPDATE kad_counts SET n = n + 1 WHERE name = ? AND n < ?";
    final String releaseCount = "UPDATE kad_counts SET n = n - ? WHERE name = ?";
    final String selectCount = "SELECT n FROM kad_counts WHERE name = ?";
    /** Both counters, for {@code counts()}. */
    final String selectCounts = "SELECT name, n FROM kad_counts";

    // ------------------------------------------------------------------ schema versions

    final String createVersionTable = "CREATE TABLE IF NOT EXISTS kad_schema_version ("
            + "version INTEGER NOT NULL PRIMARY KEY, "
            + "description VARCHAR(200) NOT NULL, "
            + "installed_at TIMESTAMP NOT NULL)";
    final String createLockTable = "CREATE TABLE IF NOT EXISTS kad_schema_lock (id INTEGER NOT NULL PRIMARY KEY)";
    final String lockSchema = "SELECT id FROM kad_schema_lock WHERE id = 1 FOR UPDATE";
    final String selectVersions = "SELECT version FROM kad_schema_version ORDER BY version";
    final String insertVersion =
            "INSERT INTO kad_schema_version (version, description, installed_at) VALUES (?, ?, CURRENT_TIMESTAMP)";

    /** The dialect's name, lower case, as {@code jdbc.dialect} gives it: {@code h2}, {@code postgresql}. */
    abstract String name();

    /** Where the dialect's migration scripts are, as a class path resource folder. */
    String scriptFolder() {
        return "db/" + name();
    }

    /** Inserts the one row of {@code kad_schema_lock} unless it is there (an upsert that changes nothing if present). */
    abstract String insertLockRowIfAbsent();

    /**
     * A statement that deletes the expired provider records ({@code expires_at <= ?}) and answers
     * one row with the {@code pkey} of each row it deleted.
     */
    abstract String deleteExpiredProvidersReturningKeys();

    /**
     * Whether DDL statements take part in transactions. Where they do, a migration script that fails
     * is rolled back whole; where they do not (H2 commits each DDL statement), the scripts are
     * written to be run again (IF NOT EXISTS) and the version row is written only at the end.
     */
    abstract boolean transactionalDdl();

    /** How the store's iterators read rows. */
    enum Iteration {
        /**
         * One query through a cursor that reads from the query's snapshot, {@code fetchSize} rows
         * per round trip; the iterator holds a connection ({@link CursorIterator}).
         */
        CURSOR,
        /** A query per page in key order, each after the last key of the page before ({@link KeysetIterator}). */
        KEYSET
    }

    /** How this database's rows are iterated without loading them all. */
    abstract Iteration iteration();

    /**
     * Sets up {@code connection} (fresh from the pool) to stream a query's rows {@code fetchSize}
     * at a time instead of reading them all first, for {@link Iteration#CURSOR}. The JDBC way:
     * a transaction (autocommit off) for the cursor to live in.
     */
    void beginStreaming(Connection connection) throws SQLException {
        connection.setAutoCommit(false);
    }

    /**
     * Sets up the read transaction of a cursor (after {@link #beginStreaming}) whose query is in
     * the order of an index, so that the database walks that index and reads no more rows than the
     * caller takes, instead of reading every row the query selects and sorting them first. For
     * {@code providedFrom}: a caller reads one region of the keyspace and stops, but a planner
     * costs the whole range from the position to the end. Lasts until {@link #endStreaming}.
     */
    void preferIndexOrder(Connection connection) throws SQLException {
    }

    /** Undoes {@link #beginStreaming} before the connection goes back to its pool. */
    void endStreaming(Connection connection) throws SQLException {
        connection.rollback();
        connection.setAutoCommit(true);
    }

    /**
     * Makes {@code connection}, which is in a transaction, wait up to {@code millis} for a row lock
     * (the schema lock at open, held by another store while it migrates).
     *
     * @return what puts the connection's lock wait back as it was, to run before it goes back to its pool
     */
    abstract SqlAction setLockWait(Connection connection, int millis) throws SQLException;

    /**
     * Lifts the per-statement timeouts that the provider's pool sets on {@code connection}, for the
     * schema migration at open (a script, or the wait for another store's migration, may take far
     * longer than a store operation).
     *
     * @return what puts them back, to run before the connection goes back to its pool
     */
    SqlAction allowLongStatements(Connection connection) throws SQLException {
        return () -> { };
    }

    /** Something to run on a connection that may throw {@link SQLException}. */
    @FunctionalInterface
    interface SqlAction {
        void run() throws SQLException;
    }

    /**
     * Whether {@code e} is a conflict with a concurrent transaction that running the same operation
     * again resolves: a duplicate key from a concurrent insert, a deadlock, a serialization failure,
     * a lock wait that timed out. The standard SQLSTATEs are recognised here; dialects add their own.
     */
    boolean isRetryable(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.equals("23505") || state.startsWith("40"));
    }

    /**
     * Problems with how the database is set up for this store, as a sentence each (for a warning
     * at open): H2 file databases that may lose acknowledged writes, for instance.
     */
    String durabilityWarning(Connection connection) throws SQLException {
        return null;
    }

    /** Runs {@code sql} (no parameters) on {@code connection}. */
    static void execute(Connection connection, String sql) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute(sql);
        }
    }

    @Override
    public String toString() {
        return name();
    }
}
