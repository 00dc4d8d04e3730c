package io.jkad.store.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RocksDbStoreProviderTest {

    private static final PeerId LOCAL = PeerId.random(new Random(1));

    @TempDir
    Path dir;

    private StoreConfig config() {
        return StoreConfig.defaults(LOCAL).withDataDirectory(dir.resolve("db"));
    }

    private static void roundTrip(RecordStore store) {
        DhtRecord r = DhtRecord.of(RecordKey.ofUtf8("k"), "value".repeat(100).getBytes(),
                Optional.of(PeerId.random(new Random(2))), Optional.of(Instant.parse("2030-01-01T00:00:00.000000001Z")));
        store.put(r);
        assertThat(store.get(r.key())).contains(r);
        ProviderRecord p = new ProviderRecord(r.key(), LOCAL, Optional.empty(), List.of());
        assertThat(store.addProvider(p)).isTrue();
        assertThat(store.providers(r.key())).containsExactly(p);
    }

    @Test
    void foundByNameThroughServiceLoader() {
        assertThat(RecordStores.provider("rocksdb")).isInstanceOf(RocksDbStoreProvider.class);
        assertThat(new RocksDbStoreProvider().name()).isEqualTo("rocksdb");
        try (RecordStore store = RecordStores.open("rocksdb", config())) {
            assertThat(store).isInstanceOf(RocksDbRecordStore.class);
            roundTrip(store);
        }
    }

    @Test
    void createsTheDataDirectoryIfMissing() {
        StoreConfig config = StoreConfig.defaults(LOCAL).withDataDirectory(dir.resolve("a/b/c"));
        try (RecordStore store = new RocksDbStoreProvider().open(config)) {
            roundTrip(store);
        }
        assertThat(dir.resolve("a/b/c")).isDirectory();
    }

    @Test
    void missingDataDirectoryIsAnArgumentErrorNamingTheSetting() {
        assertThatThrownBy(() -> new RocksDbStoreProvider().open(StoreConfig.defaults(LOCAL)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dataDirectory");
        assertThatThrownBy(() -> new RocksDbStoreProvider().open(null)).isInstanceOf(NullPointerException.class);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "rocksdb.block_cache_mb | lots    | rocksdb.block_cache_mb must be an integer",
            "rocksdb.block_cache_mb | -1      | rocksdb.block_cache_mb must be from 0",
            "rocksdb.block_cache_mb | 1048577 | rocksdb.block_cache_mb must be from 0",
            "rocksdb.block_cache_mb | 1.5     | rocksdb.block_cache_mb must be an integer",
            "rocksdb.bloom_bits     | ten     | rocksdb.bloom_bits must be an integer",
            "rocksdb.bloom_bits     | -3      | rocksdb.bloom_bits must be from 0",
            "rocksdb.bloom_bits     | 65      | rocksdb.bloom_bits must be from 0",
            "rocksdb.sync           | yes     | rocksdb.sync must be true or false",
            "rocksdb.sync           | 1       | rocksdb.sync must be true or false",
            "rocksdb.compression    | gzip    | rocksdb.compression must be one of",
            "rocksdb.compression    | lz5     | rocksdb.compression must be one of",
            "rocksdb.blockcache_mb  | 64      | unknown RocksDB store option 'rocksdb.blockcache_mb'",
            "rocksdb.Sync           | true    | unknown RocksDB store option 'rocksdb.Sync'"})
    void badOptionValuesAreArgumentErrorsWithTheValue(String option, String value, String message) {
        StoreConfig config = config().withOption(option, value);
        assertThatThrownBy(() -> new RocksDbStoreProvider().open(config))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message)
                .hasMessageContaining(value);
        assertThat(Files.exists(dir.resolve("db"))).as("nothing created for a bad config").isFalse();
    }

    @Test
    void defaultsWhenNoOptionIsGiven() {
        RocksDbSettings s = RocksDbSettings.of(config());
        assertThat(s).isEqualTo(new RocksDbSettings(32, 10, false, org.rocksdb.CompressionType.LZ4_COMPRESSION));
    }

    @Test
    void optionValuesIgnoreCaseAndSurroundingSpaces() {
        RocksDbSettings s = RocksDbSettings.of(config().withOption("rocksdb.sync", " TRUE ")
                .withOption("rocksdb.compression", "ZSTD").withOption("rocksdb.block_cache_mb", "0")
                .withOption("rocksdb.bloom_bits", " 0"));
        assertThat(s).isEqualTo(new RocksDbSettings(0, 0, true, org.rocksdb.CompressionType.ZSTD_COMPRESSION));
    }

    @Test
    void optionsOfOtherBackendsAreIgnored() {
        try (RecordStore store = new RocksDbStoreProvider().open(config().withOption("jdbc.url", "jdbc:h2:mem:x")
                .withOption("rocksdbish", "x"))) {
            roundTrip(store);
        }
    }

    /** Every compression the option accepts is built into the native library in use. */
    @ParameterizedTest
    @ValueSource(strings = {"none", "snappy", "lz4", "lz4hc", "zlib", "zstd", "bzip2"})
    void everyCompressionOpensAndRoundTripsThroughAFlush(String compression) throws Exception {
        StoreConfig config = config().withOption("rocksdb.compression", compression);
        try (RecordStore store = new RocksDbStoreProvider().open(config)) {
            roundTrip(store);
            // compression applies to table files: flush the memtables so that it is used
            ((RocksDbRecordStore) store).flush();
            assertThat(store.get(RecordKey.ofUtf8("k"))).isPresent();
        }
        try (RecordStore store = new RocksDbStoreProvider().open(config)) {
            assertThat(store.get(RecordKey.ofUtf8("k"))).isPresent();
        }
    }

    @Test
    void everyOtherSettingWorks() {
        StoreConfig config = config().withOption("rocksdb.block_cache_mb", "0").withOption("rocksdb.bloom_bits", "0")
                .withOption("rocksdb.sync", "true");
        try (RecordStore store = new RocksDbStoreProvider().open(config)) {
            roundTrip(store);
        }
        StoreConfig other = config.withOption("rocksdb.block_cache_mb", "1").withOption("rocksdb.bloom_bits", "64");
        try (RecordStore store = new RocksDbStoreProvider().open(other)) {
            assertThat(store.get(RecordKey.ofUtf8("k"))).isPresent();
        }
    }

    @Test
    void aSecondOpenOfTheSameDirectoryIsABackendErrorAndTheFirstGoesOn() {
        try (RecordStore first = new RocksDbStoreProvider().open(config())) {
            Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> new RocksDbStoreProvider().open(config()));
            assertThat(t).isInstanceOf(StoreException.class);
            StoreException e = (StoreException) t;
            assertThat(e.kind()).isEqualTo(Kind.BACKEND);
            assertThat(e.operation()).isEqualTo("open");
            assertThat(e.store()).isEqualTo("rocksdb");
            assertThat(e.getCause()).isInstanceOf(org.rocksdb.RocksDBException.class);
            roundTrip(first);
        }
    }

    @Test
    void aDataDirectoryThatIsAFileIsABackendError() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "not a directory");
        StoreConfig config = StoreConfig.defaults(LOCAL).withDataDirectory(file);
        assertThatThrownBy(() -> new RocksDbStoreProvider().open(config))
                .isInstanceOfSatisfying(StoreException.class, e -> {
                    assertThat(e.kind()).isEqualTo(Kind.BACKEND);
                    assertThat(e.operation()).isEqualTo("open");
                })
                .hasMessageContaining(file.toString());
    }

    @Test
    void aDatabaseOfAnotherLayoutVersionIsRefused() throws Exception {
        new RocksDbStoreProvider().open(config()).close();
        try (RawDb raw = new RawDb(dir.resolve("db"))) {
            raw.put(KeyLayout.CF_DEFAULT, KeyLayout.FORMAT_KEY, new byte[] {KeyLayout.FORMAT_VERSION + 1});
        }
        assertThatThrownBy(() -> new RocksDbStoreProvider().open(config()))
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.kind()).isEqualTo(Kind.BACKEND))
                .hasMessageContaining("layout version [" + (KeyLayout.FORMAT_VERSION + 1) + "]");
        // the failed open released the directory: a raw open works
        try (RawDb raw = new RawDb(dir.resolve("db"))) {
            raw.put(KeyLayout.CF_DEFAULT, KeyLayout.FORMAT_KEY, new byte[] {KeyLayout.FORMAT_VERSION});
        }
        try (RecordStore store = new RocksDbStoreProvider().open(config())) {
            roundTrip(store);
        }
    }
}
