package io.jkad.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.record.CloseableIterator;
import io.jkad.record.DhtRecord;
import io.jkad.record.Keyspace;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.StoreConfig;
import io.jkad.record.StoreException;
import io.jkad.record.StoreException.Kind;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The schema migration tests, run against each database by a subclass that says how to get a
 * fresh, empty database.
 */
abstract class SchemaMigrationChecks {

    /** A DataSource on a fresh, empty database; closed after the test by the subclass. */
    abstract DataSource freshDatabase();

    /** The dialect under test. */
    abstract SqlDialect dialect();

    /** The dialect with the broken scripts of {@code db-test/broken/<dialect>}. */
    abstract SqlDialect brokenDialect();

    /** Whether {@code table} exists in the database. */
    abstract boolean tableExists(Connection c, String table) throws SQLException;

    final StoreConfig config = StoreConfig.defaults(PeerId.random(new Random(11)));

    static List<Integer> versionRows(DataSource ds) throws SQLException {
        List<Integer> versions = new ArrayList<>();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT version FROM kad_schema_version ORDER BY version")) {
            while (rs.next()) {
                versions.add(rs.getInt(1));
            }
        }
        return versions;
    }

    static long count(DataSource ds, String table) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void theSchemaIsCreatedOnceAndEachVersionRecordedOnce() throws SQLException {
        DataSource ds = freshDatabase();
        SchemaMigrator migrator = new SchemaMigrator(dialect());
        assertThat(migrator.migrate(ds)).containsExactly(1, 2);
        assertThat(migrator.migrate(ds)).isEmpty();
        assertThat(versionRows(ds)).containsExactly(1, 2);
        // stores opened and reopened on it apply nothing and keep the data
        try (JdbcRecordStore s = JdbcRecordStore.open(ds, config)) {
            s.put(DhtRecord.of(RecordKey.ofUtf8("k"), new byte[] {1}));
        }
        try (JdbcRecordStore s = JdbcRecordStore.open(ds, config)) {
            assertThat(s.get(RecordKey.ofUtf8("k"))).isPresent();
        }
        assertThat(versionRows(ds)).containsExactly(1, 2);
        assertThat(count(ds, "kad_schema_lock")).isEqualTo(1);
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT description, installed_at FROM kad_schema_version ORDER BY version")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("init");
            assertThat(rs.getTimestamp(2)).isNotNull();
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("provided_keyspace_and_node_state");
        }
    }

    @Test
    void theDialectIsDetectedFromTheConnection() {
        try (JdbcRecordStore s = JdbcRecordStore.open(freshDatabase(), config)) {
            assertThat(s.dialect().getClass()).isEqualTo(dialect().getClass());
        }
    }

    @Test
    void storesOpeningAtOnceMigrateOnce() throws Exception {
        DataSource ds = freshDatabase();
        int stores = 4;
        ExecutorService pool = Executors.newFixedThreadPool(stores);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<Integer>>> results = new ArrayList<>();
            for (int i = 0; i < stores; i++) {
                Callable<List<Integer>> open = () -> {
                    start.await();
                    return new SchemaMigrator(dialect()).migrate(ds);
                };
                results.add(pool.submit(open));
            }
            start.countDown();
            List<List<Integer>> applied = new ArrayList<>();
            for (Future<List<Integer>> f : results) {
                applied.add(f.get(60, TimeUnit.SECONDS));
            }
            // exactly one of them applied the versions, the others found them applied
            assertThat(applied).filteredOn(a -> !a.isEmpty()).containsExactly(List.of(1, 2));
            assertThat(versionRows(ds)).containsExactly(1, 2);
            assertThat(count(ds, "kad_counts")).isEqualTo(2);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFailingScriptIsRolledBackAndRecordsNoVersion() throws SQLException {
        DataSource ds = freshDatabase();
        assertThatThrownBy(() -> JdbcRecordStore.open(ds, config.withOption(JdbcStoreProvider.DIALECT, dialect().name()),
                null, brokenDialect()))
                .isInstanceOfSatisfying(StoreException.class, e -> {
                    assertThat(e.kind()).isEqualTo(Kind.BACKEND);
                    assertThat(e.operation()).isEqualTo("open");
                })
                .hasMessageContaining("V1__init.sql")
                .hasMessageContaining("NO_SUCH_TYPE");
        assertThat(versionRows(ds)).isEmpty();
        try (Connection c = ds.getConnection()) {
            assertThat(tableExists(c, "kad_broken_second")).isFalse();
            if (dialect().transactionalDdl()) {
                // all of the script is undone, the table it created first included
                assertThat(tableExists(c, "kad_broken_first")).isFalse();
            } else {
                // DDL committed as it ran; the data the script wrote before failing is undone
                assertThat(tableExists(c, "kad_broken_first")).isTrue();
                assertThat(count(ds, "kad_broken_first")).isZero();
            }
        }
        // the real scripts still apply afterwards
        assertThat(new SchemaMigrator(dialect()).migrate(ds)).containsExactly(1, 2);
        assertThat(versionRows(ds)).containsExactly(1, 2);
    }

    /** How the store of schema version 1 inserted a provider row (no keyspace_id then). */
    private static final String V1_INSERT_PROVIDER =
            "INSERT INTO kad_providers (pkey, peer, expires_at, addrs) VALUES (?, ?, ?, ?)";

    /**
     * A database of schema version 1 with provider rows, as the version 1 store wrote them: opened,
     * it is brought to version 2 and the local peer's rows get their keyspace ids (more rows than one
     * batch of them), so that providedFrom lists them in keyspace order; the other peers' rows get
     * none. Opened later with another local peer, the store gives that peer's rows their ids.
     */
    @Test
    void aVersion1DatabaseGetsTheKeyspaceIdsOfItsLocalProvidedKeys() throws SQLException {
        DataSource ds = freshDatabase();
        assertThat(new SchemaMigrator(dialect(), SchemaMigrator.MIGRATIONS.subList(0, 1)).migrate(ds)).containsExactly(1);
        PeerId local = config.localPeer();
        PeerId other = PeerId.random(new Random(12));
        Instant expiry = Instant.parse("2031-02-03T04:05:06.000000007Z");
        List<Multiaddr> addresses = List.of(Multiaddr.parse("/ip4/192.0.2.7/tcp/4001"));
        Map<RecordKey, List<ProviderRecord>> written = new LinkedHashMap<>();
        for (int i = 0; i < 2500; i++) {
            RecordKey k = RecordKey.ofUtf8("v1-provided-" + i);
            List<ProviderRecord> list = new ArrayList<>();
            if (i % 2 == 0) {
                list.add(new ProviderRecord(k, other, Optional.empty(), addresses));
            }
            if (i % 3 != 0) {
                list.add(new ProviderRecord(k, local, i % 5 == 0 ? Optional.empty() : Optional.of(expiry), List.of()));
            }
            if (!list.isEmpty()) {
                written.put(k, list);
            }
        }
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement providers = c.prepareStatement(V1_INSERT_PROVIDER);
                 PreparedStatement keys = c.prepareStatement(dialect().insertProviderKey);
                 PreparedStatement counts = c.prepareStatement("UPDATE kad_counts SET n = ? WHERE name = ?")) {
                for (Map.Entry<RecordKey, List<ProviderRecord>> e : written.entrySet()) {
                    for (ProviderRecord p : e.getValue()) {
                        providers.setBytes(1, p.key().toBytes());
                        providers.setBytes(2, p.provider().toBytes());
                        Columns.setExpiry(providers, 3, Columns.expiryNanos(p.expires()));
                        Columns.setBytesOrNull(providers, 4, Columns.encodeAddresses(p.addresses()));
                        providers.addBatch();
                    }
                    keys.setBytes(1, e.getKey().toBytes());
                    keys.addBatch();
                }
                providers.executeBatch();
                keys.executeBatch();
                // the keys' rows say 1 provider; those with 2 say so
                try (PreparedStatement two = c.prepareStatement(
                        "UPDATE kad_provider_keys SET providers = 2 WHERE pkey = ?")) {
                    for (Map.Entry<RecordKey, List<ProviderRecord>> e : written.entrySet()) {
                        if (e.getValue().size() == 2) {
                            two.setBytes(1, e.getKey().toBytes());
                            two.addBatch();
                        }
                    }
                    two.executeBatch();
                }
                counts.setInt(1, written.size());
                counts.setString(2, SqlDialect.COUNT_PROVIDER_KEYS);
                counts.executeUpdate();
            }
            c.commit();
        }
        List<ProviderRecord> mine = ofPeer(written, local);
        List<ProviderRecord> others = ofPeer(written, other);
        assertThat(mine).hasSizeGreaterThan(ProviderRows.INDEX_BATCH);

        try (JdbcRecordStore s = JdbcRecordStore.open(ds, config)) {
            assertThat(versionRows(ds)).containsExactly(1, 2);
            assertKeyspaceOrder(s, mine);
            assertThat(s.counts().providerKeys()).isEqualTo(written.size());
            for (RecordKey k : List.of(RecordKey.ofUtf8("v1-provided-1"), RecordKey.ofUtf8("v1-provided-2"),
                    RecordKey.ofUtf8("v1-provided-4"))) {
                assertThat(s.providers(k)).containsExactlyElementsOf(written.get(k));
            }
            // the writes of version 2 keep the index: a local provider added, one removed
            ProviderRecord added = new ProviderRecord(RecordKey.ofUtf8("v1-provided-0"), local, Optional.empty(), List.of());
            assertThat(s.addProvider(added)).isTrue();
            s.removeProvider(mine.get(0).key(), local);
            List<ProviderRecord> now = new ArrayList<>(mine.subList(1, mine.size()));
            now.add(added);
            now.sort(Keyspace.ORDER);
            assertKeyspaceOrder(s, now);
            s.putNodeState("migrated", new byte[] {2});
            assertThat(s.nodeState("migrated")).hasValueSatisfying(v -> assertThat(v).containsExactly(2));
        }
        // in the table: the local peer's rows carry their key's id, the other peer's none
        try (Connection c = ds.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pkey, peer, keyspace_id FROM kad_providers")) {
            int rows = 0;
            while (rs.next()) {
                byte[] id = rs.getBytes(3);
                if (Arrays.equals(rs.getBytes(2), local.toBytes())) {
                    assertThat(id).isEqualTo(Keyspace.id(RecordKey.of(rs.getBytes(1))));
                } else {
                    assertThat(id).isNull();
                }
                rows++;
            }
            assertThat(rows).isEqualTo(written.values().stream().mapToInt(List::size).sum());
        }
        // the same database opened by a node of another identity: its rows are the provided ones now
        try (JdbcRecordStore s = JdbcRecordStore.open(ds, StoreConfig.defaults(other))) {
            assertThat(versionRows(ds)).containsExactly(1, 2);
            assertKeyspaceOrder(s, others);
        }
    }

    private static List<ProviderRecord> ofPeer(Map<RecordKey, List<ProviderRecord>> written, PeerId peer) {
        List<ProviderRecord> out = new ArrayList<>();
        written.values().forEach(l -> l.stream().filter(p -> p.provider().equals(peer)).forEach(out::add));
        out.sort(Keyspace.ORDER);
        return out;
    }

    /** providedFrom lists {@code expected} (in keyspace order), from the start and from the middle; provided() the same. */
    private static void assertKeyspaceOrder(JdbcRecordStore s, List<ProviderRecord> expected) {
        assertThat(drain(s.providedFrom(new byte[Keyspace.ID_BYTES]))).containsExactlyElementsOf(expected);
        int middle = expected.size() / 2;
        assertThat(drain(s.providedFrom(Keyspace.id(expected.get(middle).key()))))
                .containsExactlyElementsOf(expected.subList(middle, expected.size()));
        assertThat(new HashSet<>(drain(s.provided()))).isEqualTo(new HashSet<>(expected));
    }

    private static List<ProviderRecord> drain(CloseableIterator<ProviderRecord> it) {
        try (it) {
            List<ProviderRecord> out = new ArrayList<>();
            it.forEachRemaining(out::add);
            return out;
        }
    }

    @Test
    void aDatabaseWithANewerSchemaIsRefused() throws SQLException {
        DataSource ds = freshDatabase();
        new SchemaMigrator(dialect()).migrate(ds);
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO kad_schema_version (version, description, installed_at) VALUES (3, 'future', CURRENT_TIMESTAMP)")) {
            ps.executeUpdate();
        }
        assertThatThrownBy(() -> JdbcRecordStore.open(ds, config))
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.kind()).isEqualTo(Kind.BACKEND))
                .hasMessageContaining("version 3, newer than this jkad's 2");
    }
}
