package io.jkad.bench;

import io.jkad.testkit.PostgresCluster;
import io.jkad.testkit.PostgresExtension;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@link EngineChecks} on a throwaway PostgreSQL server (skipped where PostgreSQL is not installed). */
@ExtendWith(PostgresExtension.class)
class EnginesPostgresTest {

    @TempDir
    Path dir;

    @BeforeEach
    void smallDataSets(PostgresCluster pg) {
        EngineChecks.useSmallDataSets(dir);
        System.setProperty(BenchEnv.PG_URL, pg.jdbcUrl(""));
        System.setProperty(BenchEnv.PG_USER, pg.user());
    }

    @AfterEach
    void clear() {
        EngineChecks.clearProperties();
        System.clearProperty(BenchEnv.PG_USER);
    }

    @Test
    void storeAndRawEngineAgree() {
        EngineChecks.records(Backend.POSTGRESQL);
        EngineChecks.providers(Backend.POSTGRESQL);
        EngineChecks.provided(Backend.POSTGRESQL);
        EngineChecks.sweep(Backend.POSTGRESQL);
        EngineChecks.benchmarks(Backend.POSTGRESQL);
    }
}
