package io.jkad.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The runner's command line. */
class StoreBenchReportTest {

    @Test
    void parsesTheOptions() {
        StoreBenchReport.Args a = StoreBenchReport.Args.parse(new String[] {"--quick", "--backends", "rocksdb,memory",
                "--out", "x/y", "--data-dir", "/tmp/d", "--include", "get", "--prof", "gc", "--name", "n"});
        assertThat(a.quick).isTrue();
        assertThat(a.backends).containsExactly(Backend.ROCKSDB, Backend.MEMORY);
        assertThat(a.out).isEqualTo(Path.of("x/y"));
        assertThat(a.dataDir).isEqualTo(Path.of("/tmp/d"));
        assertThat(a.include).isEqualTo("get");
        assertThat(a.profiler).isEqualTo("gc");
        assertThat(a.name).isEqualTo("n");
    }

    @Test
    void defaultsToEveryBackendAndTheResultsFolder() {
        StoreBenchReport.Args a = StoreBenchReport.Args.parse(new String[0]);
        assertThat(a.quick).isFalse();
        assertThat(a.backends).containsExactly(Backend.values());
        assertThat(a.out).isEqualTo(Path.of("bench", "results"));
    }

    @Test
    void refusesUnknownOptionsMissingValuesAndUnknownBackends() {
        assertThatThrownBy(() -> StoreBenchReport.Args.parse(new String[] {"--fast"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'--fast'");
        assertThatThrownBy(() -> StoreBenchReport.Args.parse(new String[] {"--out"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--out needs a value");
        assertThatThrownBy(() -> StoreBenchReport.Args.parse(new String[] {"--backends", "memory,mongo"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'mongo'");
        assertThatThrownBy(() -> StoreBenchReport.Args.parse(new String[] {"--backends", ","}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no backend");
        assertThat(List.of(Backend.values())).extracting(b -> b.param)
                .containsExactly("memory", "rocksdb", "h2", "postgresql");
    }
}
