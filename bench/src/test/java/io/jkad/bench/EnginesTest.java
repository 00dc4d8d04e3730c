package io.jkad.bench;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link EngineChecks} for the embedded backends: memory, RocksDB and H2. */
class EnginesTest {

    @TempDir
    Path dir;

    @BeforeEach
    void smallDataSets() {
        EngineChecks.useSmallDataSets(dir);
    }

    @AfterEach
    void clear() {
        EngineChecks.clearProperties();
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "rocksdb", "h2"})
    void storeAndRawEngineReadWhatTheOtherWrote(String backend) {
        EngineChecks.records(Backend.of(backend));
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "rocksdb", "h2"})
    void providersAgree(String backend) {
        EngineChecks.providers(Backend.of(backend));
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "rocksdb", "h2"})
    void providedKeysAreReadInKeyspaceOrderByRegion(String backend) {
        EngineChecks.provided(Backend.of(backend));
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "rocksdb", "h2"})
    void sweepRemovesExactlyTheExpiredAndScansCountThem(String backend) {
        EngineChecks.sweep(Backend.of(backend));
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "rocksdb", "h2"})
    void benchmarkMethodsRun(String backend) {
        EngineChecks.benchmarks(Backend.of(backend));
    }
}
