package io.jkad.store.jdbc;

import io.jkad.identity.PeerId;
import io.jkad.record.Keyspace;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.StoreException;
import io.jkad.record.StoreException.Kind;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * The provider rows of the {@link JdbcRecordStore}, on a connection the store's transaction
 * holds: {@code kad_providers} (one row per key and provider) and {@code kad_provider_keys} (one
 * row per key with its number of providers, the row concurrent writers of a key lock), with the
 * per-key and provided-key limits and the {@code provider_keys} counter kept in the same
 * transaction. The store keeps the checks, the transactions and their retries ({@link SqlRunner}).
 *
 * <p>The local peer's rows carry their key's keyspace id ({@code keyspace_id}, the SHA-256 of the
 * key), written with the row: a provider is added with it, and an update in place keeps the row's
 * key and so its id. {@link #indexLocalRows} fills it in for rows written without it.
 */
final class ProviderRows {

    private static final String NAME = JdbcStoreProvider.NAME;

    private final SqlDialect dialect;
    private final Counters counters;
    private final int maxProvidersPerKey;
    private final int maxProvidedKeys;

    ProviderRows(SqlDialect dialect, Counters counters, int maxProvidersPerKey, int maxProvidedKeys) {
        this.dialect = dialect;
        this.counters = counters;
        this.maxProvidersPerKey = maxProvidersPerKey;
        this.maxProvidedKeys = maxProvidedKeys;
    }

    /**
     * Adds or refreshes a provider of {@code recordKey}; false if the key's list is full.
     *
     * @param keyspaceId the key's keyspace id if the provider is the local peer, else null
     * @throws StoreException {@code MAX_PROVIDED_KEYS} if the key is new and the store provides for the most keys
     */
    boolean add(Connection c, RecordKey recordKey, byte[] key, byte[] peer, Long expiry, byte[] addresses,
                byte[] keyspaceId) throws SQLException {
        // a provider already listed: updated in place, one autocommit statement
        if (updateProvider(c, key, peer, expiry, addresses) == 1) {
            return true;
        }
        c.setAutoCommit(false);
        boolean slotTaken;
        try (PreparedStatement ps = c.prepareStatement(dialect.addToProviderKey)) {
            ps.setBytes(1, key);
            ps.setInt(2, maxProvidersPerKey);
            slotTaken = ps.executeUpdate() == 1;
        }
        if (!slotTaken) {
            // the key has no providers, or a full list: decide under the key's lock
            Integer providers = lockProviderKey(c, key);
            if (providers == null) {
                if (!counters.reserve(c, SqlDialect.COUNT_PROVIDER_KEYS, maxProvidedKeys)) {
                    throw new StoreException(Kind.MAX_PROVIDED_KEYS, NAME, "addProvider",
                            "provider records exist for the maximum of " + maxProvidedKeys + " keys and key "
                                    + recordKey + " is new");
                }
                try (PreparedStatement ps = c.prepareStatement(dialect.insertProviderKey)) {
                    ps.setBytes(1, key);
                    ps.executeUpdate(); // a duplicate (a concurrent first provider) runs addProvider again
                }
            } else if (updateProvider(c, key, peer, expiry, addresses) == 1) {
                c.commit(); // listed meanwhile by a concurrent addProvider
                return true;
            } else if (providers >= maxProvidersPerKey) {
                c.rollback();
                return false;
            } else {
                // a concurrent removal made room between the two statements
                try (PreparedStatement ps = c.prepareStatement(dialect.removeFromProviderKey)) {
                    ps.setInt(1, -1);
                    ps.setBytes(2, key);
                    ps.executeUpdate();
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement(dialect.insertProvider)) {
            ps.setBytes(1, key);
            ps.setBytes(2, peer);
            Columns.setExpiry(ps, 3, expiry);
            Columns.setBytesOrNull(ps, 4, addresses);
            Columns.setBytesOrNull(ps, 5, keyspaceId);
            ps.executeUpdate();
        }
        c.commit();
        return true;
    }

    /** Rows whose keyspace id {@link #indexLocalRows} writes per transaction. */
    static final int INDEX_BATCH = 1000;

    /**
     * Writes the keyspace id of every provider row of {@code localPeer} that has none, in
     * transactions of {@value #INDEX_BATCH} rows: at open, for the rows of a database of schema
     * version 1 (the version 2 script adds the column empty, as it cannot know the local peer), or
     * of a database last opened with another local peer. Each id is a function of its row's key, so
     * a run that dies part way, or two stores at once, write the same ids; the next open finishes.
     * When every row has its id, this costs one query over the local peer's rows.
     *
     * @return how many rows it wrote
     */
    static long indexLocalRows(DataSource dataSource, SqlDialect dialect, byte[] localPeer) throws SQLException {
        long written = 0;
        try (Connection c = dataSource.getConnection()) {
            while (true) {
                List<byte[]> keys = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement(dialect.selectUnindexedProvided)) {
                    ps.setBytes(1, localPeer);
                    ps.setInt(2, INDEX_BATCH);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            keys.add(rs.getBytes(1));
                        }
                    }
                }
                if (keys.isEmpty()) {
                    return written;
                }
                c.setAutoCommit(false);
                try (PreparedStatement ps = c.prepareStatement(dialect.indexProvided)) {
                    for (byte[] key : keys) {
                        ps.setBytes(1, Keyspace.id(RecordKey.of(key)));
                        ps.setBytes(2, key);
                        ps.setBytes(3, localPeer);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                    c.commit();
                } catch (SQLException | RuntimeException e) {
                    c.rollback();
                    throw e;
                } finally {
                    c.setAutoCommit(true);
                }
                written += keys.size();
                if (keys.size() < INDEX_BATCH) {
                    return written;
                }
            }
        }
    }

    /** The providers of {@code key}, in the order they were added. */
    List<ProviderRecord> select(Connection c, RecordKey key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(dialect.selectProviders)) {
            ps.setBytes(1, key.toBytes());
            try (ResultSet rs = ps.executeQuery()) {
                List<ProviderRecord> list = new ArrayList<>();
                while (rs.next()) {
                    list.add(new ProviderRecord(key, PeerId.fromBytes(rs.getBytes(1)), Columns.expiry(rs, 2),
                            Columns.decodeAddresses(rs.getBytes(3))));
                }
                return List.copyOf(list);
            }
        }
    }

    /** Removes {@code peer} from the providers of {@code key}, in the caller's transaction. */
    void delete(Connection c, RecordKey key, byte[] peer) throws SQLException {
        int removed;
        try (PreparedStatement ps = c.prepareStatement(dialect.deleteProvider)) {
            ps.setBytes(1, key.toBytes());
            ps.setBytes(2, peer);
            removed = ps.executeUpdate();
        }
        if (removed > 0) {
            releaseSlots(c, Map.of(key, removed));
        }
    }

    /** Deletes the provider rows expired before {@code sweepNanos}; how many. */
    long deleteExpired(Connection c, long sweepNanos) throws SQLException {
        long providers = 0;
        Map<RecordKey, Integer> removed = new TreeMap<>();
        try (PreparedStatement ps = c.prepareStatement(dialect.deleteExpiredProvidersReturningKeys())) {
            ps.setLong(1, sweepNanos);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    removed.merge(RecordKey.of(rs.getBytes(1)), 1, Integer::sum);
                    providers++;
                }
            }
        }
        if (providers > 0) {
            releaseSlots(c, removed);
        }
        return providers;
    }

    private int updateProvider(Connection c, byte[] key, byte[] peer, Long expiry, byte[] addresses)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(dialect.updateProvider)) {
            Columns.setExpiry(ps, 1, expiry);
            Columns.setBytesOrNull(ps, 2, addresses);
            ps.setBytes(3, key);
            ps.setBytes(4, peer);
            return ps.executeUpdate();
        }
    }

    /** Locks the key's {@code kad_provider_keys} row; its number of providers, or null if it has none. */
    private Integer lockProviderKey(Connection c, byte[] key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(dialect.lockProviderKey)) {
            ps.setBytes(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getInt(1) : null;
            }
        }
    }

    /**
     * Gives back {@code removed.get(key)} provider slots of each key, deletes the keys left without
     * providers and gives back their provided-key slots. Keys in order, so that concurrent
     * removals lock rows in the same order.
     */
    private void releaseSlots(Connection c, Map<RecordKey, Integer> removed) throws SQLException {
        TreeMap<RecordKey, Integer> sorted = new TreeMap<>(removed);
        try (PreparedStatement ps = c.prepareStatement(dialect.removeFromProviderKey)) {
            for (Map.Entry<RecordKey, Integer> e : sorted.entrySet()) {
                ps.setInt(1, e.getValue());
                ps.setBytes(2, e.getKey().toBytes());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        long emptied = 0;
        try (PreparedStatement ps = c.prepareStatement(dialect.deleteEmptyProviderKey)) {
            for (RecordKey key : sorted.keySet()) {
                ps.setBytes(1, key.toBytes());
                ps.addBatch();
            }
            for (int n : ps.executeBatch()) {
                if (n < 0) {
                    throw new SQLException("the driver did not say how many rows a batched delete removed: " + n);
                }
                emptied += n;
            }
        }
        if (emptied > 0) {
            counters.release(c, SqlDialect.COUNT_PROVIDER_KEYS, emptied);
        }
    }
}
