package io.jkad.store.jdbc;

import io.jkad.identity.PeerId;
import io.jkad.record.CloseableIterator;
import io.jkad.record.DhtRecord;
import io.jkad.record.Keyspace;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStore;
import io.jkad.record.StoreConfig;
import io.jkad.record.StoreCounts;
import io.jkad.record.StoreException;
import io.jkad.record.StoreException.Kind;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link RecordStore} in a SQL database over JDBC: H2 (embedded, file or memory) or
 * PostgreSQL. Open it on a {@link DataSource} of your own with {@link #open(DataSource, StoreConfig)},
 * or let {@link JdbcStoreProvider} ({@code RecordStores.open("jdbc", config)}) build a pool from
 * {@code jdbc.*} options.
 *
 * <p>At open the store finds its SQL dialect ({@code jdbc.dialect}, else from the connection's
 * metadata), creates or upgrades its schema (see {@link SqlDialect} for the tables, and the
 * migration scripts {@code db/<dialect>/V<n>__*.sql}), and writes the keyspace id of the local
 * peer's provider rows that have none ({@link ProviderRows#indexLocalRows}: after the upgrade from
 * schema version 1, or when the database was last opened with another local peer).
 *
 * <h2>How the limits are kept</h2>
 * Counts are not computed with {@code COUNT(*)} (a scan in PostgreSQL, and racy between the count
 * and the insert): the table {@code kad_counts} holds the number of value records and of keys with
 * providers, changed in the same transaction as the rows they count. A write that adds a row under
 * a new key first runs {@code UPDATE kad_counts SET n = n + 1 WHERE name = ? AND n < limit}: one
 * row updated means a slot is taken, under that row's lock until commit, so concurrent writers
 * (threads, processes, other stores on the same database) never pass a limit; none means the store
 * is full. Writes that replace a record or update a provider in place never touch the counters. A
 * key's number of providers lives in its {@code kad_provider_keys} row and is taken the same way.
 *
 * <h2>Transactions</h2>
 * Every write is one transaction (or one autocommit statement), so a failed operation changes
 * nothing. A write that meets a concurrent one (a duplicate key from a concurrent insert, a
 * deadlock, a lock wait timeout) is rolled back and run again, up to {@value #MAX_ATTEMPTS} times.
 * Every {@link SQLException} that ends an operation is thrown as a {@link StoreException} of kind
 * {@code BACKEND} (store {@code jdbc}, the operation's name, the exception as cause), or
 * {@code CLOSED} once the store is closed.
 *
 * <h2>Iteration</h2>
 * {@link #records()}, {@link #provided()} and {@link #providedFrom} read {@value #FETCH_SIZE} rows
 * at a time, never the whole table; {@code providedFrom} walks the keyspace index from the
 * position, so it reads what it returns. On PostgreSQL an open iterator holds one pooled
 * connection with a cursor in a read transaction (its snapshot) until it is exhausted or closed,
 * so a pool needs one connection per
 * open iterator plus one for other operations. On H2, whose cursors do not read from a snapshot,
 * an iterator reads pages in key order (for {@code providedFrom}: keyspace order), one short
 * query each, and holds nothing in between. Close iterators (try-with-resources).
 *
 * <h2>Node state</h2>
 * {@link #putNodeState} is one autocommit upsert into {@code kad_node_state}, a table no record
 * operation reads: durable when it returns as a put record is (on H2 with {@code WRITE_DELAY=0},
 * which the provider's URLs set).
 *
 * <h2>When the database is away</h2>
 * The node calls the store on its logic thread, so a store call that waits stops the node. Every
 * operation goes through a {@link CircuitBreaker}: a failure of the unavailable kind (no connection
 * within the pool's acquire timeout, a connection error, a statement cancelled by its timeout: see
 * {@link SqlRunner#isUnavailable}) is thrown as a {@link StoreException} of kind {@code UNAVAILABLE}, and
 * after {@code jdbc.breaker_threshold} of them in a row ({@value JdbcStoreProvider#DEFAULT_BREAKER_THRESHOLD})
 * every call fails at once with {@code UNAVAILABLE}, without touching the pool, for
 * {@code jdbc.breaker_cooldown_ms} ({@value JdbcStoreProvider#DEFAULT_BREAKER_COOLDOWN_MS} ms); then
 * one call probes the database, and its success closes the breaker. The timeouts that bound each
 * call are those of the provider's pool ({@link JdbcStoreProvider}); an embedder's
 * {@link DataSource} brings its own.
 *
 * <h2>Parts</h2>
 * This class keeps the checks of each operation of the SPI, its transaction and its value-record
 * statements, iteration and the store's life cycle; {@link SqlRunner} runs the transactions (the
 * breaker, retries, error mapping), {@link ProviderRows} holds the provider statements and
 * {@link Counters} the counters. Most of its length is the description above.
 *
 * <p>Thread-safe. Expiry instants are kept exactly as nanoseconds since the epoch, so expiries
 * before 1677-09-21 or after 2262-04-11 are refused with {@link IllegalArgumentException}. Keys
 * are primary keys: PostgreSQL's B-tree indexes take keys up to about 2,700 bytes, H2's columns
 * up to 1,000,000; a longer key fails with {@code BACKEND}.
 */
public final class JdbcRecordStore implements RecordStore {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcRecordStore.class);

    /** Rows an iterator reads from the database at a time. */
    public static final int FETCH_SIZE = 256;

    /** How many times a write that conflicts with a concurrent one is tried. */
    static final int MAX_ATTEMPTS = 20;

    private static final String NAME = JdbcStoreProvider.NAME;

    private final DataSource dataSource;
    private final SqlDialect dialect;
    private final PeerId localPeer;
    /** Its key limit is checked before any statement: H2's and PostgreSQL's own limits differ. */
    private final StoreConfig config;
    private final byte[] localPeerBytes;
    private final int maxRecords;
    private final int maxValueBytes;
    private final int maxProvidersPerKey;
    private final int maxProvidedKeys;
    /** What the store opened and closes last (the provider's pool); null for an embedder's DataSource. */
    private final AutoCloseable owned;
    private final Set<StoreIterator<?>> iterators = ConcurrentHashMap.newKeySet();
    private final CircuitBreaker breaker;
    private final SqlRunner sql;
    private final Counters counters;
    private final ProviderRows providerRows;
    private volatile boolean closed;

    private JdbcRecordStore(DataSource dataSource, SqlDialect dialect, StoreConfig config, AutoCloseable owned,
                            CircuitBreaker breaker) {
        this.dataSource = dataSource;
        this.breaker = breaker;
        this.dialect = dialect;
        this.localPeer = config.localPeer();
        this.config = config;
        this.localPeerBytes = localPeer.toBytes();
        this.maxRecords = config.maxRecords();
        this.maxValueBytes = config.maxValueBytes();
        this.maxProvidersPerKey = config.maxProvidersPerKey();
        this.maxProvidedKeys = config.maxProvidedKeys();
        this.owned = owned;
        this.sql = new SqlRunner(dataSource, dialect, breaker, () -> closed);
        this.counters = new Counters(dialect);
        this.providerRows = new ProviderRows(dialect, counters, maxProvidersPerKey, maxProvidedKeys);
    }

    /**
     * Opens a store on the embedder's {@code dataSource} (a pool, preferably: the store takes a
     * connection per operation and gives it back at once; opening takes two at once, one holding
     * the schema lock). The store never closes {@code dataSource}. Of the {@code jdbc.*} options
     * only {@code jdbc.dialect} and the breaker's ({@code jdbc.breaker_threshold},
     * {@code jdbc.breaker_cooldown_ms}) apply; the pool's own timeouts bound how long a call waits.
     *
     * @throws IllegalArgumentException if {@code config} has {@code jdbc.url}, {@code jdbc.user},
     *     {@code jdbc.password}, {@code jdbc.pool_size}, {@code jdbc.acquire_timeout_ms} or
     *     {@code jdbc.statement_timeout_ms} (they describe the provider's own pool), an
     *     unknown {@code jdbc.dialect}, or the database is none of those the store knows
     * @throws StoreException {@code BACKEND} if the database cannot be reached or its schema cannot
     *     be created or upgraded
     */
    public static JdbcRecordStore open(DataSource dataSource, StoreConfig config) {
        Objects.requireNonNull(dataSource, "dataSource");
        Objects.requireNonNull(config, "config");
        for (String option : List.of(JdbcStoreProvider.URL, JdbcStoreProvider.USER, JdbcStoreProvider.PASSWORD,
                JdbcStoreProvider.POOL_SIZE, JdbcStoreProvider.ACQUIRE_TIMEOUT_MS,
                JdbcStoreProvider.STATEMENT_TIMEOUT_MS)) {
            if (config.option(option).isPresent()) {
                throw new IllegalArgumentException(option + " configures the pool that JdbcStoreProvider builds; "
                        + "with a DataSource given it does not apply: " + option + "=" + redacted(option, config));
            }
        }
        return open(dataSource, config, null);
    }

    /**
     * Opens a store on {@code dataSource}; closes {@code owned} (if not null) when the store closes,
     * or at once if opening fails.
     */
    static JdbcRecordStore open(DataSource dataSource, StoreConfig config, AutoCloseable owned) {
        return open(dataSource, config, owned, null);
    }

    /**
     * Opens a store on {@code dataSource} speaking {@code dialect} (null: {@code jdbc.dialect}, else
     * detected); closes {@code owned} (if not null) when the store closes, or at once if opening fails.
     */
    static JdbcRecordStore open(DataSource dataSource, StoreConfig config, AutoCloseable owned, SqlDialect given) {
        return open(dataSource, config, owned, given, CircuitBreaker.monotonicClock());
    }

    /** As {@link #open(DataSource, StoreConfig, AutoCloseable, SqlDialect)}, the breaker on {@code clock}. */
    static JdbcRecordStore open(DataSource dataSource, StoreConfig config, AutoCloseable owned, SqlDialect given,
                                Clock clock) {
        try {
            CircuitBreaker breaker = JdbcStoreProvider.breaker(config, clock);
            SqlDialect dialect = given != null ? given
                    : config.option(JdbcStoreProvider.DIALECT).map(SqlDialects::byName).orElse(null);
            try (Connection c = dataSource.getConnection()) {
                if (dialect == null) {
                    dialect = SqlDialects.detect(c.getMetaData());
                }
                String warning = dialect.durabilityWarning(c);
                if (warning != null) {
                    LOG.warn("jdbc store: {}", warning);
                }
            }
            List<Integer> applied = new SchemaMigrator(dialect).migrate(dataSource);
            if (!applied.isEmpty()) {
                LOG.info("jdbc store: applied schema versions {} ({})", applied, dialect);
            }
            long indexed = ProviderRows.indexLocalRows(dataSource, dialect, config.localPeer().toBytes());
            if (indexed > 0) {
                LOG.info("jdbc store: wrote the keyspace id of {} provider records of the local peer ({})", indexed,
                        dialect);
            }
            return new JdbcRecordStore(dataSource, dialect, config, owned, breaker);
        } catch (SQLException e) {
            closeQuietly(owned, e);
            throw new StoreException(Kind.BACKEND, NAME, "open", "cannot open the store: " + SqlRunner.describe(e), e);
        } catch (IllegalStateException e) {
            closeQuietly(owned, e);
            throw new StoreException(Kind.BACKEND, NAME, "open", e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(owned, e);
            throw e;
        }
    }

    private static String redacted(String option, StoreConfig config) {
        return option.equals(JdbcStoreProvider.PASSWORD) ? "***" : config.option(option).orElse("");
    }

    private static void closeQuietly(AutoCloseable resource, Exception failure) {
        if (resource != null) {
            try {
                resource.close();
            } catch (Exception e) {
                failure.addSuppressed(e);
            }
        }
    }

    /** The dialect the store speaks. */
    SqlDialect dialect() {
        return dialect;
    }

    /** The breaker every operation goes through, for tests. */
    CircuitBreaker breaker() {
        return breaker;
    }

    // ------------------------------------------------------------------ value records

    @Override
    public Optional<DhtRecord> get(RecordKey key) {
        Objects.requireNonNull(key, "key");
        if (!config.fits(key)) {
            sql.checkOpen("get");
            return Optional.empty();
        }
        byte[] k = key.toBytes();
        return sql.run("get", c -> {
            try (PreparedStatement ps = c.prepareStatement(dialect.selectRecord)) {
                ps.setBytes(1, k);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    return Optional.of(DhtRecord.of(key, rs.getBytes(1), Columns.peer(rs, 2), Columns.expiry(rs, 3)));
                }
            }
        });
    }

    @Override
    public void put(DhtRecord record) {
        Objects.requireNonNull(record, "record");
        sql.checkOpen("put");
        config.checkKey(record.key(), NAME, "put");
        if (record.valueLength() > maxValueBytes) {
            throw new StoreException(Kind.VALUE_TOO_LARGE, NAME, "put", "value of " + record.valueLength()
                    + " bytes under key " + record.key() + " exceeds maxValueBytes " + maxValueBytes);
        }
        Long expiry = Columns.expiryNanos(record.expires());
        byte[] key = record.key().toBytes();
        byte[] value = record.value();
        byte[] publisher = record.publisher().map(PeerId::toBytes).orElse(null);
        sql.run("put", c -> {
            // the usual case, a key already stored: one autocommit statement
            if (updateRecord(c, key, value, publisher, expiry) == 1) {
                return null;
            }
            c.setAutoCommit(false);
            if (!counters.reserve(c, SqlDialect.COUNT_RECORDS, maxRecords)) {
                // full; unless a concurrent put stored this key meanwhile, which makes this a replacement
                if (updateRecord(c, key, value, publisher, expiry) == 1) {
                    c.commit();
                    return null;
                }
                throw new StoreException(Kind.MAX_RECORDS, NAME, "put", "the store holds its maximum of "
                        + maxRecords + " records and key " + record.key() + " is new");
            }
            try (PreparedStatement ps = c.prepareStatement(dialect.insertRecord)) {
                ps.setBytes(1, key);
                ps.setBytes(2, value);
                Columns.setBytesOrNull(ps, 3, publisher);
                Columns.setExpiry(ps, 4, expiry);
                ps.executeUpdate(); // a duplicate key (a concurrent insert) rolls back and runs put again
            }
            c.commit();
            return null;
        });
    }

    private int updateRecord(Connection c, byte[] key, byte[] value, byte[] publisher, Long expiry)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(dialect.updateRecord)) {
            ps.setBytes(1, value);
            Columns.setBytesOrNull(ps, 2, publisher);
            Columns.setExpiry(ps, 3, expiry);
            ps.setBytes(4, key);
            return ps.executeUpdate();
        }
    }

    @Override
    public void remove(RecordKey key) {
        Objects.requireNonNull(key, "key");
        if (!config.fits(key)) {
            sql.checkOpen("remove");
            return;
        }
        byte[] k = key.toBytes();
        sql.run("remove", c -> {
            c.setAutoCommit(false);
            int removed;
            try (PreparedStatement ps = c.prepareStatement(dialect.deleteRecord)) {
                ps.setBytes(1, k);
                removed = ps.executeUpdate();
            }
            if (removed > 0) {
                counters.release(c, SqlDialect.COUNT_RECORDS, removed);
            }
            c.commit();
            return null;
        });
    }

    @Override
    public CloseableIterator<DhtRecord> records() {
        StoreIterator.RowReader<DhtRecord> reader = rs -> DhtRecord.of(
                RecordKey.of(rs.getBytes(1)), rs.getBytes(2), Columns.peer(rs, 3), Columns.expiry(rs, 4));
        return iterate("records", dialect.selectAllRecords, dialect.firstRecordsPage, dialect.nextRecordsPage,
                null, reader);
    }

    // ------------------------------------------------------------------ provider records

    @Override
    public boolean addProvider(ProviderRecord record) {
        Objects.requireNonNull(record, "record");
        sql.checkOpen("addProvider");
        config.checkKey(record.key(), NAME, "addProvider");
        Long expiry = Columns.expiryNanos(record.expires());
        byte[] key = record.key().toBytes();
        byte[] peer = record.provider().toBytes();
        byte[] addresses = Columns.encodeAddresses(record.addresses());
        byte[] keyspaceId = record.provider().equals(localPeer) ? Keyspace.id(record.key()) : null;
        return sql.run("addProvider", c -> {
            return providerRows.add(c, record.key(), key, peer, expiry, addresses, keyspaceId);
        });
    }

    @Override
    public List<ProviderRecord> providers(RecordKey key) {
        Objects.requireNonNull(key, "key");
        if (!config.fits(key)) {
            sql.checkOpen("providers");
            return List.of();
        }
        byte[] k = key.toBytes();
        return sql.run("providers", c -> {
            return providerRows.select(c, key);
        });
    }

    @Override
    public CloseableIterator<ProviderRecord> provided() {
        StoreIterator.RowReader<ProviderRecord> reader = rs -> new ProviderRecord(RecordKey.of(rs.getBytes(1)),
                localPeer, Columns.expiry(rs, 2), Columns.decodeAddresses(rs.getBytes(3)));
        return iterate("provided", dialect.selectProvided, dialect.firstProvidedPage, dialect.nextProvidedPage,
                localPeerBytes, reader);
    }

    /**
     * The local peer's rows from the keyspace index ({@link SqlDialect#selectProvidedFrom}): on
     * PostgreSQL one cursor, in a read transaction that walks the index
     * ({@link SqlDialect#preferIndexOrder}); on H2 pages of it, each after the last row's
     * {@code (keyspace_id, pkey)}.
     */
    @Override
    public CloseableIterator<ProviderRecord> providedFrom(byte[] from) {
        if (from.length != Keyspace.ID_BYTES) {
            throw new IllegalArgumentException("a keyspace position is 32 bytes, not " + from.length);
        }
        byte[] start = from.clone();
        StoreIterator.RowReader<ProviderRecord> reader = rs -> new ProviderRecord(RecordKey.of(rs.getBytes(1)),
                localPeer, Columns.expiry(rs, 2), Columns.decodeAddresses(rs.getBytes(3)));
        KeysetIterator.After after = (ps, i, last) -> {
            if (last == null) {
                ps.setBytes(i, start);
                return i + 1;
            }
            // last: keyspace id ‖ key (see the reader below)
            byte[] id = Arrays.copyOf(last, Keyspace.ID_BYTES);
            ps.setBytes(i, id);
            ps.setBytes(i + 1, id);
            ps.setBytes(i + 2, Arrays.copyOfRange(last, Keyspace.ID_BYTES, last.length));
            return i + 3;
        };
        KeysetIterator.KeyedReader<ProviderRecord> keyed = rs -> {
            byte[] id = rs.getBytes(4);
            byte[] key = rs.getBytes(1);
            byte[] position = Arrays.copyOf(id, id.length + key.length);
            System.arraycopy(key, 0, position, id.length, key.length);
            return new KeysetIterator.Keyed<>(position, reader.read(rs));
        };
        return iterate("providedFrom", dialect.selectProvidedFrom, ps -> {
            ps.setBytes(1, localPeerBytes);
            ps.setBytes(2, start);
        }, dialect.firstProvidedFromPage, dialect.nextProvidedFromPage, ps -> {
            ps.setBytes(1, localPeerBytes);
            return 2;
        }, true, after, reader, keyed);
    }

    @Override
    public void removeProvider(RecordKey key, PeerId provider) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(provider, "provider");
        if (!config.fits(key)) {
            sql.checkOpen("removeProvider");
            return;
        }
        byte[] k = key.toBytes();
        byte[] peer = provider.toBytes();
        sql.run("removeProvider", c -> {
            c.setAutoCommit(false);
            providerRows.delete(c, key, peer);
            c.commit();
            return null;
        });
    }

    // ------------------------------------------------------------------ node state

    @Override
    public Optional<byte[]> nodeState(String name) {
        RecordStore.checkNodeState(name, null);
        return sql.run("nodeState", c -> {
            try (PreparedStatement ps = c.prepareStatement(dialect.selectNodeState)) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getBytes(1)) : Optional.<byte[]>empty();
                }
            }
        });
    }

    /** One autocommit upsert: committed (and so durable) when it returns. */
    @Override
    public void putNodeState(String name, byte[] value) {
        Objects.requireNonNull(value, "value");
        RecordStore.checkNodeState(name, value);
        byte[] copy = value.clone();
        sql.run("putNodeState", c -> {
            try (PreparedStatement ps = c.prepareStatement(dialect.upsertNodeState())) {
                ps.setString(1, name);
                ps.setBytes(2, copy);
                ps.executeUpdate();
            }
            return null;
        });
    }

    // ------------------------------------------------------------------ expiry

    @Override
    public long removeExpired(Instant now) {
        Objects.requireNonNull(now, "now");
        sql.checkOpen("removeExpired");
        long t = Columns.sweepNanos(now);
        return sql.run("removeExpired", c -> {
            c.setAutoCommit(false);
            long records;
            try (PreparedStatement ps = c.prepareStatement(dialect.deleteExpiredRecords)) {
                ps.setLong(1, t);
                records = ps.executeUpdate();
            }
            if (records > 0) {
                counters.release(c, SqlDialect.COUNT_RECORDS, records);
            }
            long providers = providerRows.deleteExpired(c, t);
            c.commit();
            return records + providers;
        });
    }

    // ------------------------------------------------------------------ counters

    /** The two rows of {@code kad_counts} (kept in the same transactions as the rows they count), read in one query. */
    @Override
    public StoreCounts counts() {
        sql.checkOpen("counts");
        return sql.run("counts", c -> {
            long records = 0;
            long providerKeys = 0;
            try (PreparedStatement ps = c.prepareStatement(dialect.selectCounts);
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    if (SqlDialect.COUNT_RECORDS.equals(name)) {
                        records = rs.getLong(2);
                    } else if (SqlDialect.COUNT_PROVIDER_KEYS.equals(name)) {
                        providerKeys = rs.getLong(2);
                    }
                }
            }
            return new StoreCounts(records, providerKeys);
        });
    }

    /** The value of counter {@code name}, for tests. */
    long count(String name) {
        return sql.run("count", c -> {
            try (PreparedStatement ps = c.prepareStatement(dialect.selectCount)) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : -1;
                }
            }
        });
    }

    // ------------------------------------------------------------------ iteration

    /**
     * An iterator over the rows of {@code cursorQuery} ({@link SqlDialect.Iteration#CURSOR}) or of
     * the pages of {@code firstPage} and {@code nextPage} ({@link SqlDialect.Iteration#KEYSET}),
     * whose first column is the key. {@code peer}, if not null, is the first parameter of each.
     */
    private <T> CloseableIterator<T> iterate(String operation, String cursorQuery, String firstPage,
                                             String nextPage, byte[] peer, StoreIterator.RowReader<T> reader) {
        return iterate(operation, cursorQuery, ps -> {
            if (peer != null) {
                ps.setBytes(1, peer);
            }
        }, firstPage, nextPage, ps -> {
            if (peer == null) {
                return 1;
            }
            ps.setBytes(1, peer);
            return 2;
        }, false, KeysetIterator.AFTER_KEY, reader, rs -> new KeysetIterator.Keyed<>(rs.getBytes(1), reader.read(rs)));
    }

    /**
     * An iterator over the rows of {@code cursorQuery} with the parameters of {@code cursorBinder},
     * each read by {@code reader}, in the order of an index if {@code indexOrder}
     * ({@link SqlDialect.Iteration#CURSOR}), or of the pages of
     * {@code firstPage} and {@code nextPage} with those of {@code pageBinder} and {@code after},
     * each read with its position by {@code keyed} ({@link SqlDialect.Iteration#KEYSET}).
     */
    private <T> CloseableIterator<T> iterate(String operation, String cursorQuery, CursorIterator.Binder cursorBinder,
                                             String firstPage, String nextPage, KeysetIterator.Binder pageBinder,
                                             boolean indexOrder, KeysetIterator.After after,
                                             StoreIterator.RowReader<T> reader,
                                             KeysetIterator.KeyedReader<T> keyed) {
        sql.checkOpen(operation);
        StoreIterator<T> it;
        if (dialect.iteration() == SqlDialect.Iteration.CURSOR) {
            sql.admit(operation);
            try {
                Connection c = dataSource.getConnection();
                it = CursorIterator.start(this, dialect, operation, c, cursorQuery, cursorBinder, indexOrder, FETCH_SIZE,
                        reader);
            } catch (SQLException e) {
                StoreException failure = sql.failure(operation, e);
                if (failure.kind() == Kind.UNAVAILABLE) {
                    sql.breakerFailed(operation, SqlRunner.cause(failure));
                } else {
                    sql.breakerSucceeded();
                }
                throw failure;
            } catch (RuntimeException | Error e) {
                sql.breakerSucceeded(); // not the database's availability: let the next call through
                throw e;
            }
            sql.breakerSucceeded();
        } else {
            if (breaker.refusing()) {
                throw sql.refused(operation);
            }
            it = new KeysetIterator<>(this, operation, dataSource, firstPage, nextPage, pageBinder, after, FETCH_SIZE,
                    keyed);
        }
        iterators.add(it);
        if (closed) {
            it.close();
            throw SqlRunner.closedException(operation);
        }
        return it;
    }

    /** As {@link SqlRunner#failure}, for an iterator's read; an availability failure counts for the breaker. */
    StoreException iterationFailure(String operation, SQLException e) {
        return sql.iterationFailure(operation, e);
    }

    /** The exception for a row an iterator cannot read. */
    StoreException corrupt(String operation, RuntimeException e) {
        return sql.corrupt(operation, e);
    }

    /** Forgets an iterator that closed. */
    void forget(StoreIterator<?> it) {
        iterators.remove(it);
    }

    /**
     * Closes the iterators still open (giving their connections back), then what the store opened
     * itself (the provider's pool); an embedder's {@link DataSource} stays open. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        for (StoreIterator<?> it : List.copyOf(iterators)) {
            it.close();
        }
        if (owned != null) {
            try {
                owned.close();
            } catch (Exception e) {
                LOG.warn("jdbc store: closing the connection pool failed", e);
            }
        }
    }

    @Override
    public String toString() {
        return "JdbcRecordStore[" + dialect + (closed ? ", closed" : "") + "]";
    }
}
