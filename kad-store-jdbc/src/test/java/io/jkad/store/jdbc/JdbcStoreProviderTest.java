package io.jkad.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.jkad.identity.PeerId;
import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStore;
import io.jkad.record.RecordStores;
import io.jkad.record.StoreConfig;
import io.jkad.record.StoreException;
import io.jkad.record.StoreException.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code jdbc} provider's options, errors and pool handling, on H2. */
class JdbcStoreProviderTest {

    private static final AtomicInteger DATABASES = new AtomicInteger();

    @TempDir
    Path dir;

    private final PeerId local = PeerId.random(new Random(7));
    private final StoreConfig inMemory = StoreConfig.defaults(local);

    private static String memoryUrl() {
        return "jdbc:h2:mem:kad-provider-test-" + DATABASES.incrementAndGet();
    }

    private static HikariDataSource pool(String url) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(url);
        c.setUsername("sa");
        c.setPassword("");
        c.setMaximumPoolSize(4);
        return new HikariDataSource(c);
    }

    @Test
    void isRegisteredUnderTheNameJdbc() {
        assertThat(RecordStores.names()).contains("jdbc");
        assertThat(RecordStores.provider("jdbc")).isInstanceOf(JdbcStoreProvider.class);
        assertThat(new JdbcStoreProvider().name()).isEqualTo("jdbc");
    }

    @Test
    void defaultDatabaseIsAnH2FileInTheDataDirectoryThatWritesAtEachCommit() throws SQLException {
        StoreConfig config = inMemory.withDataDirectory(dir);
        String url = JdbcStoreProvider.url(config);
        assertThat(url).isEqualTo("jdbc:h2:file:" + dir.toAbsolutePath().resolve("records") + ";WRITE_DELAY=0");
        try (RecordStore s = RecordStores.open("jdbc", config)) {
            s.put(DhtRecord.of(RecordKey.ofUtf8("k"), new byte[] {1}));
            assertThat(((JdbcRecordStore) s).dialect().name()).isEqualTo("h2");
            assertThat(dir.resolve("records.mv.db")).exists();
            // the same JVM may connect to the open database: its write delay is 0
            try (Connection c = DriverManager.getConnection(url, "sa", "");
                 Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery(
                         "SELECT SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS WHERE SETTING_NAME = 'WRITE_DELAY'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("0");
            }
        }
    }

    @Test
    void anH2FileDatabaseIsWarnedAboutWhatAKillCanLose() throws SQLException {
        H2Dialect h2 = new H2Dialect();
        String base = "jdbc:h2:file:" + dir.toAbsolutePath().resolve("warned");
        try (Connection c = DriverManager.getConnection(base, "sa", "")) {
            assertThat(h2.durabilityWarning(c)).contains("WRITE_DELAY 500 ms").contains("WRITE_DELAY=0");
        }
        try (Connection c = DriverManager.getConnection(base + ";WRITE_DELAY=0", "sa", "")) {
            assertThat(h2.durabilityWarning(c)).doesNotContain("WRITE_DELAY").contains("kill -9")
                    .contains("RocksDB or PostgreSQL");
        }
        try (Connection c = DriverManager.getConnection(memoryUrl(), "sa", "")) {
            assertThat(h2.durabilityWarning(c)).isNull();
        }
    }

    @Test
    void withoutUrlOrDataDirectoryTheErrorNamesBoth() {
        assertThatThrownBy(() -> new JdbcStoreProvider().open(inMemory))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("jdbc.url")
                .hasMessageContaining("data directory");
    }

    @Test
    void unknownJdbcOptionIsRefusedListingTheKnownOnes() {
        StoreConfig config = inMemory.withOption(JdbcStoreProvider.URL, memoryUrl()).withOption("jdbc.poolsize", "4");
        assertThatThrownBy(() -> new JdbcStoreProvider().open(config))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("jdbc.poolsize")
                .hasMessageContaining("jdbc.pool_size, jdbc.statement_timeout_ms, jdbc.url, jdbc.user");
        // another backend's options are not the jdbc store's business
        try (RecordStore s = new JdbcStoreProvider().open(inMemory.withOption(JdbcStoreProvider.URL, memoryUrl())
                .withOption("rocksdb.block_cache", "8m"))) {
            assertThat(s.get(RecordKey.ofUtf8("k"))).isEmpty();
        }
    }

    @Test
    void badPoolSizesAreRefusedWithTheValue() {
        for (String bad : List.of("many", "1", "0", "-3", "")) {
            StoreConfig config = inMemory.withOption(JdbcStoreProvider.URL, memoryUrl())
                    .withOption(JdbcStoreProvider.POOL_SIZE, bad);
            assertThatThrownBy(() -> new JdbcStoreProvider().open(config))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("jdbc.pool_size")
                    .hasMessageContaining(": " + bad);
        }
        StoreConfig two = inMemory.withOption(JdbcStoreProvider.URL, memoryUrl())
                .withOption(JdbcStoreProvider.POOL_SIZE, "2");
        try (RecordStore s = new JdbcStoreProvider().open(two)) {
            s.put(DhtRecord.of(RecordKey.ofUtf8("k"), new byte[0]));
        }
    }

    @Test
    void unknownDialectIsRefusedListingTheKnownOnes() {
        StoreConfig config = inMemory.withOption(JdbcStoreProvider.URL, memoryUrl())
                .withOption(JdbcStoreProvider.DIALECT, "mysql");
        assertThatThrownBy(() -> new JdbcStoreProvider().open(config))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Unknown jdbc.dialect 'mysql'; known dialects: h2, postgresql");
        try (HikariDataSource pool = pool(memoryUrl())) {
            assertThatThrownBy(() -> JdbcRecordStore.open(pool, inMemory.withOption(JdbcStoreProvider.DIALECT, "oracle")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'oracle'")
                    .hasMessageContaining("h2, postgresql");
        }
    }

    @Test
    void dialectIsDetectedFromTheDatabaseOrTakenFromTheOption() {
        try (RecordStore s = new JdbcStoreProvider().open(inMemory.withOption(JdbcStoreProvider.URL, memoryUrl()))) {
            assertThat(((JdbcRecordStore) s).dialect()).isInstanceOf(H2Dialect.class);
        }
        try (RecordStore s = new JdbcStoreProvider().open(inMemory.withOption(JdbcStoreProvider.URL, memoryUrl())
                .withOption(JdbcStoreProvider.DIALECT, " H2 "))) {
            assertThat(((JdbcRecordStore) s).dialect().name()).isEqualTo("h2");
        }
        assertThat(SqlDialects.forProduct("H2", "2.5.252")).isInstanceOf(H2Dialect.class);
        assertThat(SqlDialects.forProduct("PostgreSQL", "15.18")).isInstanceOf(PostgresDialect.class);
        assertThatThrownBy(() -> SqlDialects.forProduct("MySQL", "8.4.0"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("MySQL 8.4.0")
                .hasMessageContaining("h2, postgresql");
        assertThat(SqlDialects.names()).containsExactly("h2", "postgresql");
    }

    @Test
    void urlWithoutADriverIsABackendErrorNamingIt() {
        StoreConfig config = inMemory.withOption(JdbcStoreProvider.URL, "jdbc:nosuchdb://localhost/kad");
        assertThatThrownBy(() -> new JdbcStoreProvider().open(config))
                .isInstanceOfSatisfying(StoreException.class, e -> {
                    assertThat(e.kind()).isEqualTo(Kind.BACKEND);
                    assertThat(e.store()).isEqualTo("jdbc");
                    assertThat(e.operation()).isEqualTo("open");
                    assertThat(e.getCause()).isNotNull();
                })
                .hasMessageContaining("cannot connect to jdbc:nosuchdb://localhost/kad");
    }

    @Test
    void unreachableServerIsABackendErrorWithoutThePassword() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            closedPort = s.getLocalPort();
        }
        String url = "jdbc:postgresql://127.0.0.1:" + closedPort + "/kad?password=s3cret&connectTimeout=2";
        StoreConfig config = inMemory.withOption(JdbcStoreProvider.URL, url)
                .withOption(JdbcStoreProvider.USER, "kad");
        assertThatThrownBy(() -> new JdbcStoreProvider().open(config))
                .isInstanceOfSatisfying(StoreException.class, e -> {
                    assertThat(e.kind()).isEqualTo(Kind.BACKEND);
                    assertThat(e.operation()).isEqualTo("open");
                })
                .hasMessageContaining("127.0.0.1:" + closedPort)
                .hasMessageContaining("password=***")
                .hasMessageContaining("refused")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void poolOptionsDoNotApplyToAnEmbeddersDataSource() {
        try (HikariDataSource pool = pool(memoryUrl())) {
            for (String option : List.of(JdbcStoreProvider.URL, JdbcStoreProvider.USER, JdbcStoreProvider.PASSWORD,
                    JdbcStoreProvider.POOL_SIZE)) {
                assertThatThrownBy(() -> JdbcRecordStore.open(pool, inMemory.withOption(option, "x")))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageStartingWith(option + " configures the pool");
            }
        }
    }

    @Test
    void closeLeavesAnEmbeddersPoolOpenAndIsIdempotent() throws SQLException {
        String url = memoryUrl();
        try (HikariDataSource pool = pool(url)) {
            JdbcRecordStore s = JdbcRecordStore.open(pool, inMemory);
            s.put(DhtRecord.of(RecordKey.ofUtf8("k"), new byte[] {1}));
            s.close();
            s.close();
            assertThat(pool.isClosed()).isFalse();
            try (Connection c = pool.getConnection(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM kad_records")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(1);
            }
            // a second store on the same pool finds the record
            try (JdbcRecordStore again = JdbcRecordStore.open(pool, inMemory)) {
                assertThat(again.get(RecordKey.ofUtf8("k"))).isPresent();
            }
        }
    }

    @Test
    void closeClosesThePoolTheProviderBuiltAndItsInMemoryDatabase() {
        String url = memoryUrl();
        RecordStore s = new JdbcStoreProvider().open(inMemory.withOption(JdbcStoreProvider.URL, url));
        s.put(DhtRecord.of(RecordKey.ofUtf8("k"), new byte[] {1}));
        s.close();
        assertThatCode(s::close).doesNotThrowAnyException();
        // no connection is left: the in-memory database is gone
        assertThatThrownBy(() -> DriverManager.getConnection(url + ";IFEXISTS=TRUE", "sa", "").close())
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("not found");
    }

    @Test
    void expiriesOutsideTheStorableRangeAreRefusedAndNothingIsStored() {
        try (RecordStore s = new JdbcStoreProvider().open(inMemory.withOption(JdbcStoreProvider.URL, memoryUrl()))) {
            Instant far = Instant.parse("2300-01-01T00:00:00Z");
            RecordKey k = RecordKey.ofUtf8("k");
            assertThatThrownBy(() -> s.put(DhtRecord.of(k, new byte[1], Optional.empty(), Optional.of(far))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("2300-01-01T00:00:00Z");
            assertThatThrownBy(() -> s.addProvider(new ProviderRecord(k, local, Optional.of(far), List.of())))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("2300-01-01T00:00:00Z");
            assertThat(s.get(k)).isEmpty();
            assertThat(s.providers(k)).isEmpty();
            // the edges of the range are kept exactly
            Instant early = Instant.parse("1677-09-21T00:12:44Z");
            Instant late = Instant.parse("2262-04-11T23:47:16.854775807Z");
            s.put(DhtRecord.of(k, new byte[1], Optional.empty(), Optional.of(late)));
            assertThat(s.get(k).orElseThrow().expires()).contains(late);
            RecordKey k2 = RecordKey.ofUtf8("k2");
            s.put(DhtRecord.of(k2, new byte[1], Optional.empty(), Optional.of(early)));
            assertThat(s.get(k2).orElseThrow().expires()).contains(early);
            // a sweep may be asked for any instant: before the range nothing has expired, after it all
            assertThat(s.removeExpired(Instant.MIN)).isZero();
            assertThat(s.removeExpired(late.minusNanos(1))).isEqualTo(1);
            assertThat(s.get(k)).isPresent();
            assertThat(s.removeExpired(far)).isEqualTo(1);
            assertThat(s.get(k)).isEmpty();
        }
    }

    @Test
    void anSqlErrorIsABackendErrorAndTheFailedOperationChangesNothing() throws SQLException {
        String url = memoryUrl();
        try (HikariDataSource pool = pool(url); JdbcRecordStore s = JdbcRecordStore.open(pool, inMemory)) {
            RecordKey k = RecordKey.ofUtf8("k");
            s.put(DhtRecord.of(k, new byte[] {1}));
            // sabotage: addProvider of a new key reserves a provided-key slot and inserts the key's row,
            // then fails inserting the provider record itself
            try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
                st.execute("ALTER TABLE kad_providers ADD COLUMN sabotage INTEGER NOT NULL");
            }
            assertThatThrownBy(() -> s.addProvider(new ProviderRecord(k, local, Optional.empty(), List.of())))
                    .isInstanceOfSatisfying(StoreException.class, e -> {
                        assertThat(e.kind()).isEqualTo(Kind.BACKEND);
                        assertThat(e.store()).isEqualTo("jdbc");
                        assertThat(e.operation()).isEqualTo("addProvider");
                        assertThat(e.getCause()).isInstanceOf(SQLException.class);
                    })
                    .hasMessageContaining("SABOTAGE");
            assertThat(s.count(SqlDialect.COUNT_PROVIDER_KEYS)).isZero();
            try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
                try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM kad_provider_keys")) {
                    rs.next();
                    assertThat(rs.getInt(1)).isZero();
                }
                st.execute("ALTER TABLE kad_providers DROP COLUMN sabotage");
            }
            assertThat(s.addProvider(new ProviderRecord(k, local, Optional.empty(), List.of()))).isTrue();
            assertThat(s.count(SqlDialect.COUNT_PROVIDER_KEYS)).isEqualTo(1);
            assertThat(s.count(SqlDialect.COUNT_RECORDS)).isEqualTo(1);
        }
    }

    @Test
    void aDataDirectoryPathWithASemicolonIsRefused() throws Exception {
        Path odd = Files.createDirectories(dir.resolve("a;b"));
        assertThatThrownBy(() -> JdbcStoreProvider.url(inMemory.withDataDirectory(odd)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a;b");
    }
}
