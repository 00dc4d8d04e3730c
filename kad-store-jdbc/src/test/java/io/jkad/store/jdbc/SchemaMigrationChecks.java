package io.jkad.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.identity.PeerId;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.StoreConfig;
import io.jkad.record.StoreException;
import io.jkad.record.StoreException.Kind;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
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
        assertThat(migrator.migrate(ds)).containsExactly(1);
        assertThat(migrator.migrate(ds)).isEmpty();
        assertThat(versionRows(ds)).containsExactly(1);
        // stores opened and reopened on it apply nothing and keep the data
        try (JdbcRecordStore s = JdbcRecordStore.open(ds, config)) {
            s.put(DhtRecord.of(RecordKey.ofUtf8("k"), new byte[] {1}));
        }
        try (JdbcRecordStore s = JdbcRecordStore.open(ds, config)) {
            assertThat(s.get(RecordKey.ofUtf8("k"))).isPresent();
        }
        assertThat(versionRows(ds)).containsExactly(1);
        assertThat(count(ds, "kad_schema_lock")).isEqualTo(1);
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT description, installed_at FROM kad_schema_version")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("init");
            assertThat(rs.getTimestamp(2)).isNotNull();
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
            // exactly one of them applied version 1, the others found it applied
            assertThat(applied).filteredOn(a -> !a.isEmpty()).containsExactly(List.of(1));
            assertThat(versionRows(ds)).containsExactly(1);
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
        assertThat(new SchemaMigrator(dialect()).migrate(ds)).containsExactly(1);
        assertThat(versionRows(ds)).containsExactly(1);
    }

    @Test
    void aDatabaseWithANewerSchemaIsRefused() throws SQLException {
        DataSource ds = freshDatabase();
        new SchemaMigrator(dialect()).migrate(ds);
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO kad_schema_version (version, description, installed_at) VALUES (2, 'future', CURRENT_TIMESTAMP)")) {
            ps.executeUpdate();
        }
        assertThatThrownBy(() -> JdbcRecordStore.open(ds, config))
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.kind()).isEqualTo(Kind.BACKEND))
                .hasMessageContaining("version 2, newer than this jkad's 1");
    }
}
