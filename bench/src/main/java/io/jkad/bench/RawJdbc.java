package io.jkad.bench;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import io.jkad.util.Varint;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The JDBC store's raw engine: plain JDBC on the store's own tables (schema version 2 of
 * {@code kad-store-jdbc}: {@code kad_records}, {@code kad_providers}, {@code kad_counts}), one
 * connection per thread with its statements prepared once, autocommit on: one statement per
 * operation. A get is the store's {@code SELECT}; a put the database's upsert ({@code MERGE} in H2,
 * {@code INSERT ... ON CONFLICT} in PostgreSQL); the providers of a key the store's
 * {@code SELECT ... ORDER BY seq}; an update of a provider the store's {@code UPDATE}. The full
 * scan streams every row of {@code kad_records} (H2: lazy query execution; PostgreSQL: a cursor
 * in a transaction, 1,000 rows per fetch). A region of the provided keys is one query of the local
 * peer's rows between the region's start and end in keyspace order (the store's index, with both
 * bounds, which the store's {@code providedFrom} cannot give), read whole; on PostgreSQL its
 * session plans each execution for its parameters ({@code plan_cache_mode = force_custom_plan}):
 * the generic plan that a prepared statement gets after five executions takes {@code peer = $1}
 * for selective and reads all of the local peer's rows through {@code kad_providers_peer} for
 * each region, which would make a poor baseline.
 *
 * <p>Also the bulk loader of the JDBC data sets: batched upserts into {@code kad_records} and a
 * recount of the store's {@code records} counter, in the store's schema (which the store made when
 * it was first opened on the database).
 */
final class RawJdbc extends Engine {

    static final String SELECT_RECORD = "SELECT val, publisher, expires_at FROM kad_records WHERE rkey = ?";
    static final String SELECT_PROVIDERS =
            "SELECT peer, expires_at, addrs FROM kad_providers WHERE pkey = ? ORDER BY seq";
    static final String UPDATE_PROVIDER = "UPDATE kad_providers SET expires_at = ?, addrs = ? WHERE pkey = ? AND peer = ?";
    static final String SCAN = "SELECT rkey, val, publisher, expires_at FROM kad_records";
    static final String PROVIDED_REGION = "SELECT pkey, expires_at, addrs FROM kad_providers"
            + " WHERE peer = ? AND keyspace_id >= ? AND keyspace_id < ? ORDER BY peer, keyspace_id, pkey";
    static final String PROVIDED_LAST_REGION = "SELECT pkey, expires_at, addrs FROM kad_providers"
            + " WHERE peer = ? AND keyspace_id >= ? ORDER BY peer, keyspace_id, pkey";
    static final String RECOUNT =
            "UPDATE kad_counts SET n = (SELECT COUNT(*) FROM kad_records) WHERE name = 'records'";

    private static final int LOAD_BATCH = 1_000;
    private static final byte[] LOCAL_PEER = BenchData.localPeer().toBytes();

    private final Backend backend;
    private final String url;
    private final BenchSets.Records data;
    private final BenchSets.Providers providerData;
    private final ThreadLocal<Session> session = ThreadLocal.withInitial(this::newSession);
    private final List<Session> sessions = Collections.synchronizedList(new ArrayList<>());
    /** Whether the sessions' statements are planned for their parameters at each execution (PostgreSQL). */
    private final boolean customPlans;

    private RawJdbc(Backend backend, String url, BenchSets.Records data, BenchSets.Providers providerData) {
        this(backend, url, data, providerData, false);
    }

    private RawJdbc(Backend backend, String url, BenchSets.Records data, BenchSets.Providers providerData,
                    boolean customPlans) {
        this.backend = backend;
        this.url = url;
        this.data = data;
        this.providerData = providerData;
        this.customPlans = customPlans;
    }

    static RawJdbc ofRecords(DataSet set, BenchSets.Records data) {
        return new RawJdbc(set.backend(), set.jdbcUrl(), data, null);
    }

    static RawJdbc ofProviders(DataSet set, BenchSets.Providers data) {
        return new RawJdbc(set.backend(), set.jdbcUrl(), null, data);
    }

    static RawJdbc ofProvided(DataSet set) {
        return new RawJdbc(set.backend(), set.jdbcUrl(), null, null, true);
    }

    static RawJdbc ofSweep(DataSet set) {
        return new RawJdbc(set.backend(), set.jdbcUrl(), null, null);
    }

    static String upsert(Backend backend) {
        return backend == Backend.H2
                ? "MERGE INTO kad_records (rkey, val, publisher, expires_at) KEY (rkey) VALUES (?, ?, ?, ?)"
                : "INSERT INTO kad_records (rkey, val, publisher, expires_at) VALUES (?, ?, ?, ?)"
                        + " ON CONFLICT (rkey) DO UPDATE SET val = EXCLUDED.val, publisher = EXCLUDED.publisher,"
                        + " expires_at = EXCLUDED.expires_at";
    }

    static Connection connect(Backend backend, String url) throws SQLException {
        return backend == Backend.H2 ? DriverManager.getConnection(url, "sa", "")
                : DriverManager.getConnection(url, BenchEnv.postgresUser(), "");
    }

    /** One thread's connection and statements. */
    private final class Session {
        final Connection c;
        final PreparedStatement get;
        final PreparedStatement upsert;
        final PreparedStatement providers;
        final PreparedStatement updateProvider;
        final PreparedStatement providedRegion;
        final PreparedStatement providedLastRegion;

        Session() throws SQLException {
            c = connect(backend, url);
            c.setAutoCommit(true);
            if (customPlans && backend == Backend.POSTGRESQL) {
                try (Statement s = c.createStatement()) {
                    s.execute("SET plan_cache_mode = force_custom_plan");
                }
            }
            get = c.prepareStatement(SELECT_RECORD);
            upsert = c.prepareStatement(upsert(backend));
            providers = c.prepareStatement(SELECT_PROVIDERS);
            updateProvider = c.prepareStatement(UPDATE_PROVIDER);
            providedRegion = c.prepareStatement(PROVIDED_REGION);
            providedLastRegion = c.prepareStatement(PROVIDED_LAST_REGION);
        }

        void close() {
            try {
                c.close();
            } catch (SQLException e) {
                // closing at the end of a benchmark: nothing to do about it
            }
        }
    }

    private Session newSession() {
        try {
            Session s = new Session();
            sessions.add(s);
            return s;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot connect to " + url + ": " + e.getMessage(), e);
        }
    }

    @Override
    Object get(int i) {
        return select(data.keyBytes[i]);
    }

    @Override
    Object getMiss(int i) {
        return select(data.missBytes[i]);
    }

    private Object select(byte[] key) {
        PreparedStatement ps = session.get().get;
        try {
            ps.setBytes(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                byte[] value = rs.getBytes(1);
                rs.getBytes(2);
                rs.getLong(3);
                return value;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    void put(int i, Instant expires) {
        DhtRecord r = data.records[i];
        PreparedStatement ps = session.get().upsert;
        try {
            ps.setBytes(1, data.keyBytes[i]);
            ps.setBytes(2, r.value());
            ps.setBytes(3, r.publisher().orElseThrow().toBytes());
            ps.setLong(4, nanos(expires));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    Object providers(int k) {
        PreparedStatement ps = session.get().providers;
        try {
            ps.setBytes(1, providerData.keyBytes[k]);
            List<byte[]> peers = new ArrayList<>(BenchEnv.PROVIDERS_PER_KEY);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    peers.add(rs.getBytes(1));
                    rs.getLong(2);
                    rs.getBytes(3);
                }
            }
            return peers;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    boolean addProvider(int k, int j, Instant expires) {
        ProviderRecord r = providerData.provider(k, j, expires);
        PreparedStatement ps = session.get().updateProvider;
        try {
            ps.setLong(1, nanos(expires));
            ps.setBytes(2, encodeAddresses(r.addresses()));
            ps.setBytes(3, providerData.keyBytes[k]);
            ps.setBytes(4, r.provider().toBytes());
            if (ps.executeUpdate() != 1) {
                throw new IllegalStateException("provider " + j + " of key " + k + " is not in the table");
            }
            return true;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    long providedRegion(byte[] start, byte[] end, int count) {
        Session s = session.get();
        PreparedStatement ps = end == null ? s.providedLastRegion : s.providedRegion;
        long read = 0;
        try {
            ps.setBytes(1, LOCAL_PEER);
            ps.setBytes(2, start);
            if (end != null) {
                ps.setBytes(3, end);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rs.getBytes(1);
                    rs.getLong(2);
                    rs.getBytes(3);
                    read++;
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return read;
    }

    @Override
    long fullScan(Instant now) {
        long t = nanos(now);
        long expired = 0;
        try (Connection c = connect(backend, url)) {
            if (backend == Backend.H2) {
                try (Statement s = c.createStatement()) {
                    s.execute("SET LAZY_QUERY_EXECUTION TRUE");
                }
            } else {
                c.setAutoCommit(false);
            }
            try (PreparedStatement ps = c.prepareStatement(SCAN)) {
                ps.setFetchSize(1_000);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rs.getBytes(1);
                        rs.getBytes(2);
                        rs.getBytes(3);
                        long e = rs.getLong(4);
                        if (!rs.wasNull() && e <= t) {
                            expired++;
                        }
                    }
                }
            }
            if (backend != Backend.H2) {
                c.rollback();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return expired;
    }

    @Override
    public void close() {
        synchronized (sessions) {
            for (Session s : sessions) {
                s.close();
            }
            sessions.clear();
        }
        closeAttached();
    }

    // ------------------------------------------------------------------ the store's columns

    /** An instant as the store keeps it: nanoseconds since the epoch. */
    static long nanos(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
    }

    /** An address list as the store keeps it: a varint count, then each a varint length and the bytes. */
    static byte[] encodeAddresses(List<Multiaddr> addresses) {
        List<byte[]> encoded = new ArrayList<>(addresses.size());
        int size = Varint.size(addresses.size());
        for (Multiaddr a : addresses) {
            byte[] b = a.toBytes();
            encoded.add(b);
            size += Varint.size(b.length) + b.length;
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        Varint.write(out, addresses.size());
        for (byte[] b : encoded) {
            Varint.write(out, b.length);
            out.put(b);
        }
        return out.array();
    }

    // ------------------------------------------------------------------ bulk loading

    /**
     * Upserts records {@code from .. to-1} ({@code record.apply(i)}) into {@code kad_records} in
     * batches, one transaction per batch, then sets the store's {@code records} counter to the
     * table's row count.
     */
    static void load(Backend backend, String url, int from, int to, IntFunction<DhtRecord> record) {
        try (Connection c = connect(backend, backend == Backend.POSTGRESQL ? url + "?reWriteBatchedInserts=true" : url)) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(upsert(backend))) {
                int inBatch = 0;
                for (int i = from; i < to; i++) {
                    DhtRecord r = record.apply(i);
                    ps.setBytes(1, r.key().toBytes());
                    ps.setBytes(2, r.value());
                    ps.setBytes(3, r.publisher().map(PeerId::toBytes).orElse(null));
                    ps.setLong(4, nanos(r.expires().orElseThrow()));
                    ps.addBatch();
                    if (++inBatch == LOAD_BATCH) {
                        ps.executeBatch();
                        c.commit();
                        inBatch = 0;
                    }
                }
                if (inBatch > 0) {
                    ps.executeBatch();
                }
            }
            try (Statement s = c.createStatement()) {
                s.executeUpdate(RECOUNT);
            }
            c.commit();
        } catch (SQLException e) {
            throw new IllegalStateException("loading records into " + url + " failed: " + e.getMessage(), e);
        }
    }
}
