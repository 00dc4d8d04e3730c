package io.jkad.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report made from canned JMH results: pairing, ratios, sweep figures, and the three files. */
class StoreReportTest {

    private static final StoreReport.Context CONTEXT = new StoreReport.Context("2026-01-02", "run-store-bench.sh --quick",
            Map.of("mode", "quick"), Map.of("cores", "2"));

    private static String canned() throws IOException {
        try (InputStream in = StoreReportTest.class.getResourceAsStream("/jmh-canned.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void pairsEachStoreResultWithItsRawResult() throws IOException {
        StoreReport report = StoreReport.fromJmhJson(canned());

        assertThat(report.ratios()).hasSize(3);
        StoreReport.Ratio memoryPut = report.ratios().get(0);
        assertThat(memoryPut.backend()).isEqualTo("memory");
        assertThat(memoryPut.op()).isEqualTo("put");
        assertThat(memoryPut.valueSize()).isEqualTo(4096);
        assertThat(memoryPut.threads()).isEqualTo(2);
        assertThat(memoryPut.ratio()).isCloseTo(0.2, within(1e-9));
        assertThat(memoryPut.met()).isFalse();
        assertThat(memoryPut.ratioError()).isNaN();

        StoreReport.Ratio rocksGet = report.ratios().get(1);
        assertThat(rocksGet.backend()).isEqualTo("rocksdb");
        assertThat(rocksGet.ratio()).isCloseTo(0.9, within(1e-9));
        assertThat(rocksGet.met()).isTrue();
        // 10% relative error on each side, in quadrature
        assertThat(rocksGet.ratioError()).isCloseTo(0.9 * Math.sqrt(0.02), within(1e-9));

        StoreReport.Ratio h2Providers = report.ratios().get(2);
        assertThat(h2Providers.backend()).isEqualTo("jdbc/h2");
        assertThat(h2Providers.valueSize()).isNull();
        assertThat(h2Providers.ratio()).isCloseTo(5000.0 / 6000.0, within(1e-9));

        assertThat(report.unpaired()).singleElement().asString()
                .contains("StoreProviderBenchmark.addProvider", "backend=h2", "no raw result");
    }

    @Test
    void sweepFiguresAreInMillisecondsAndComparedWithTheRawScan() throws IOException {
        StoreReport report = StoreReport.fromJmhJson(canned());

        assertThat(report.sweeps()).extracting(StoreReport.Sweep::backend).containsExactly("memory", "rocksdb");
        StoreReport.Sweep memory = report.sweeps().get(0);
        assertThat(memory.sweepSmall().ms()).isCloseTo(0.6, within(1e-9));
        assertThat(memory.smallFraction()).hasValueSatisfying(f -> assertThat(f).isCloseTo(0.06, within(1e-9)));
        assertThat(memory.sweepLarge()).isNull();
        assertThat(memory.storeScan()).isNull();

        StoreReport.Sweep rocks = report.sweeps().get(1);
        assertThat(rocks.sweepLarge().ms()).isCloseTo(250, within(1e-9));
        assertThat(rocks.smallFraction()).hasValueSatisfying(f -> assertThat(f).isCloseTo(0.002, within(1e-9)));
        assertThat(rocks.largeFraction()).hasValueSatisfying(f -> assertThat(f).isCloseTo(0.25, within(1e-9)));
    }

    @Test
    void markdownHasTheTablesAndNamesTheShortfalls() throws IOException {
        String md = StoreReport.fromJmhJson(canned()).markdown(CONTEXT);

        assertThat(md).contains("# Store benchmarks, 2026-01-02", "run-store-bench.sh --quick",
                "| store | op | value size | threads | ops/s ± error | raw ops/s | ratio | aim |");
        assertThat(md).contains("| rocksdb | get (hit) | 256 B | 1 | 90,000 ± 9,000 | 100,000 ± 10,000 | 0.90 ± 0.13 | ≥ 0.8 met |");
        assertThat(md).contains("| jdbc/h2 | providers (20) | — | 1 |");
        assertThat(md).contains("| rocksdb | 2.0 ± 0.500 | 250 ± 10.0 | 1,000 ± 50.0 | 1,500 ± 50.0 | 0.20% | 25% | ≤ 5% met |");
        assertThat(md).contains("- memory sweep of 0.1%: 6.00% of a full scan (aim 5%)");
        // no error known for the memory put: not "by more than the error"
        assertThat(md.substring(md.indexOf("Short, but"))).contains("- memory put 4 KiB, 2 threads: 0.20 (aim 0.5)");
        assertThat(md).contains("| memory | put | 4 KiB | 2 | 400,000 ± ? | 2,000,000 ± ? | 0.20 | < 0.5 (within error) |");
        assertThat(md).doesNotContain("- rocksdb get");
    }

    @Test
    void writesJsonWithTheJmhResultsAndTheRatiosAndAChart(@TempDir Path dir) throws IOException {
        StoreReport report = StoreReport.fromJmhJson(canned());
        Path base = dir.resolve("store-2026-01-02");

        report.write(base, CONTEXT);

        JsonObject json = JsonParser.parseString(Files.readString(Path.of(base + ".json"))).getAsJsonObject();
        assertThat(json.getAsJsonArray("jmh")).hasSize(13);
        assertThat(json.getAsJsonArray("ratios")).hasSize(3);
        assertThat(json.getAsJsonArray("ratios").get(1).getAsJsonObject().get("ratio").getAsDouble())
                .isCloseTo(0.9, within(1e-9));
        assertThat(json.getAsJsonArray("sweeps").get(1).getAsJsonObject().get("sweep0_1PercentOfRawScan").getAsDouble())
                .isCloseTo(0.002, within(1e-9));
        assertThat(Files.readString(Path.of(base + ".md"))).startsWith("# Store benchmarks");
        byte[] png = Files.readAllBytes(Path.of(base + ".png"));
        assertThat(png.length).isGreaterThan(1000);
        assertThat(new String(png, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
    }

    /** A result of the provided-keys benchmark: regions per second, and its keys counter. */
    private static String providedResult(String backend, String engine, double regions, double keys, double keysError) {
        return """
                {"benchmark": "io.jkad.bench.StoreProvidedBenchmark.providedRegion", "mode": "thrpt", "threads": 1,
                 "params": {"backend": "%s", "engine": "%s", "regionBits": "7"},
                 "primaryMetric": {"score": %s, "scoreError": 1.0, "scoreUnit": "ops/s"},
                 "secondaryMetrics": {"keys": {"score": %s, "scoreError": %s, "scoreUnit": "ops/s"}}}
                """.formatted(backend, engine, regions, keys, keysError);
    }

    @Test
    void theProvidedKeysRowsCompareKeysPerSecond() {
        StoreReport report = StoreReport.fromJmhJson("[" + providedResult("rocksdb", "store", 1000, 230_000, 23_000)
                + "," + providedResult("rocksdb", "raw", 2000, 460_000, 0) + "]");

        assertThat(report.unpaired()).isEmpty();
        StoreReport.Ratio r = report.ratios().get(0);
        assertThat(r.backend()).isEqualTo("rocksdb");
        assertThat(r.op()).isEqualTo("providedFrom, a region (keys/s)");
        assertThat(r.store()).isEqualTo(230_000);
        assertThat(r.raw()).isEqualTo(460_000);
        assertThat(r.ratio()).isCloseTo(0.5, within(1e-9));
        assertThat(r.ratioError()).isCloseTo(0.05, within(1e-9));
        assertThat(r.aim()).isEqualTo(StoreReport.READ_AIM);
        assertThat(report.markdown(CONTEXT)).contains(
                "| rocksdb | providedFrom, a region (keys/s) | — | 1 | 230,000 ± 23,000 | 460,000 ± 0 | 0.50 ± 0.05 | **< 0.8** |");
    }

    @Test
    void refusesWhatIsNotAJmhResultArray() {
        assertThatThrownBy(() -> StoreReport.fromJmhJson("{\"benchmark\": \"x\"}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("JSON array");
        assertThatThrownBy(() -> StoreReport.fromJmhJson("[{\"mode\": \"thrpt\"}]"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("without \"benchmark\"");
        assertThatThrownBy(() -> StoreReport.fromJmhJson("[{\"benchmark\": \"io.jkad.bench.X.y\"}]"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("primaryMetric");
    }

    @Test
    void timeUnitsConvertToMilliseconds() {
        assertThat(StoreReport.toMillis(1_500_000, "ns/op")).isCloseTo(1.5, within(1e-12));
        assertThat(StoreReport.toMillis(1500, "us/op")).isCloseTo(1.5, within(1e-12));
        assertThat(StoreReport.toMillis(2, "s/op")).isCloseTo(2000, within(1e-12));
        assertThatThrownBy(() -> StoreReport.toMillis(1, "ops/s")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ops/s");
    }

    @Test
    void opsAreRoundedToThreeFigures() {
        assertThat(StoreReportMarkdown.ops(3_214_567)).isEqualTo("3,210,000");
        assertThat(StoreReportMarkdown.ops(17_049)).isEqualTo("17,000");
        assertThat(StoreReportMarkdown.ops(Double.NaN)).isEqualTo("?");
        assertThat(StoreReportMarkdown.ops(12.3456)).isEqualTo("12.3");
    }

    @Test
    void aShortfallIsClearOnlyWhenTheAimLiesAboveTheInterval() {
        StoreReport.Ratio tight = new StoreReport.Ratio("rocksdb", "get (hit)", 256, 1, 50, 1, 100, 1, 0.8);
        assertThat(tight.met()).isFalse();
        assertThat(tight.clearlyShort()).isTrue();
        StoreReport.Ratio loose = new StoreReport.Ratio("rocksdb", "get (hit)", 256, 1, 50, 40, 100, 1, 0.8);
        assertThat(loose.clearlyShort()).isFalse();
        StoreReport.Ratio unknown = new StoreReport.Ratio("rocksdb", "get (hit)", 256, 1, 50, Double.NaN, 100, 1, 0.8);
        assertThat(unknown.clearlyShort()).isFalse();
        StoreReport.Ratio met = new StoreReport.Ratio("rocksdb", "get (hit)", 256, 1, 90, 1, 100, 1, 0.8);
        assertThat(met.clearlyShort()).isFalse();
    }
}
