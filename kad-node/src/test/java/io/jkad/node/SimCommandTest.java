package io.jkad.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code kad sim}: a small network end to end, its summary, or its JSON document with {@code --json}. */
class SimCommandTest {

    private static String run(String... args) {
        SimCommand command = new SimCommand();
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        command.out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
        int exit = new CommandLine(command).execute(args);
        assertThat(exit).isZero();
        return buffer.toString(StandardCharsets.UTF_8);
    }

    private static double field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":([-0-9.eE]+|true|false)").matcher(json);
        assertThat(m.find()).as("field %s in %s", name, json).isTrue();
        String v = m.group(1);
        return v.equals("true") ? 1 : v.equals("false") ? 0 : Double.parseDouble(v);
    }

    @Test
    void aSmallNetworkRunsAndEndsWithAJsonLine() {
        String out = run("--nodes", "40", "--lookups", "20", "--seed", "3", "--puts", "5", "--batch", "20", "--json");
        String json = out.strip();
        assertThat(json).as("--json: one JSON document, nothing else").startsWith("{").endsWith("}")
                .doesNotContain("\n");
        for (String name : List.of("nodes", "lookups", "precision", "success", "mean_rounds", "p95_rounds",
                "messages_per_lookup", "dials_per_lookup", "get_success", "wall_ms", "heap_mb", "wall_seconds", "cpu_seconds",
                "bootstrap_messages", "sim_messages_per_second", "heap_bytes_per_node")) {
            field(json, name);
        }
        assertThat(field(json, "sim_messages_per_second")).isGreaterThan(0);
        assertThat(field(json, "bootstrap_messages")).isPositive().isLessThan(field(json, "messages"));
        assertThat(field(json, "heap_bytes_per_node")).isPositive();
        assertThat(field(json, "nodes")).isEqualTo(40);
        assertThat(field(json, "lookups")).isEqualTo(20);
        assertThat(field(json, "precision")).isGreaterThan(0.9);
        assertThat(field(json, "get_success")).isEqualTo(1.0);
        assertThat(field(json, "mean_rounds")).isGreaterThanOrEqualTo(1.0);
        // without --json: the readable summary only
        String human = run("--nodes", "20", "--lookups", "5", "--seed", "3", "--puts", "2");
        assertThat(human).contains("precision").doesNotContain("{");
    }

    @Test
    void traceShowsHowTheFirstLookupsWent() {
        String out = run("--nodes", "30", "--lookups", "4", "--seed", "5", "--puts", "1", "--trace", "2");
        assertThat(out.split("lookup of ", -1)).as("two traced lookups").hasSize(3);
        assertThat(out).contains(" asked ").contains(" answered ").contains("rtt ").contains("closest so far")
                .contains("stopped: ");
        // the same figures as without traces: tracing changes nothing it records
        String plain = run("--nodes", "30", "--lookups", "4", "--seed", "5", "--puts", "1", "--json");
        String traced = run("--nodes", "30", "--lookups", "4", "--seed", "5", "--puts", "1", "--trace", "2", "--json");
        assertThat(field(traced.strip(), "messages")).isEqualTo(field(plain.strip(), "messages"));
        assertThat(field(traced.strip(), "precision")).isEqualTo(field(plain.strip(), "precision"));
    }

    @Test
    void theSameSeedGivesTheSameFigures() {
        String a = run("--nodes", "30", "--lookups", "10", "--seed", "9", "--puts", "2", "--json");
        String b = run("--nodes", "30", "--lookups", "10", "--seed", "9", "--puts", "2", "--json");
        for (String name : List.of("precision", "mean_rounds", "messages_per_lookup", "messages")) {
            assertThat(field(last(a), name)).isEqualTo(field(last(b), name));
        }
        // every figure but the machine's (time, heap) is the same
        assertThat(withoutMachineFigures(last(a))).isEqualTo(withoutMachineFigures(last(b)));
        String other = run("--nodes", "30", "--lookups", "10", "--seed", "10", "--puts", "2", "--json");
        assertThat(withoutMachineFigures(last(other))).isNotEqualTo(withoutMachineFigures(last(a)));
    }

    /** The JSON document without the fields that measure the machine rather than the simulation. */
    private static String withoutMachineFigures(String json) {
        return json.replaceAll("\"(wall_ms|bootstrap_wall_ms|heap_mb|heap_peak_mb|heap_max_mb|wall_seconds|cpu_seconds"
                + "|sim_messages_per_second|bootstrap_messages_per_second|heap_bytes_per_node)\":[-0-9.eE]+,?", "");
    }

    /**
     * {@code --strategy both}: the reference and the tuned strategy on the same network and lookups;
     * the JSON line carries each one's figures, the ideal model's, and the ratios.
     */
    @Test
    void bothStrategiesRunOnTheSameLookupsAndTheTunedOneAsksFewerPeers() {
        String json = run("--nodes", "120", "--lookups", "30", "--seed", "6", "--puts", "2", "--batch", "40",
                "--strategy", "both", "--json").strip();
        assertThat(json).contains("\"strategy\":\"tuned\"").contains("\"reference_strategy\":\"reference\"")
                .contains("\"latency\":\"regions\"");
        double tuned = field(json, "messages_per_lookup");
        double reference = field(json, "reference_messages_per_lookup");
        double ideal = field(json, "ideal_messages_per_lookup");
        assertThat(tuned).isLessThan(reference);
        // the tuned lookup may ask fewer than the ideal model, which waits for all k closest to
        // answer: it can end on connected peers whose answers have not come yet
        assertThat(ideal).isGreaterThanOrEqualTo(19).isLessThan(reference);
        assertThat(field(json, "messages_ratio_to_ideal")).isEqualTo(tuned / ideal, within(0.001));
        assertThat(field(json, "messages_ratio_to_reference")).isEqualTo(tuned / reference, within(0.001));
        assertThat(field(json, "median_ratio_to_reference")).isEqualTo(
                field(json, "median_lookup_virtual_ms") / field(json, "reference_median_lookup_virtual_ms"), within(0.001));
        assertThat(field(json, "precision")).isGreaterThan(0.95);
        assertThat(field(json, "reference_precision")).isGreaterThan(0.95);
        // the lookups dial the peers they ask (no connection survives from one strategy to the next)
        assertThat(field(json, "dials_per_lookup")).isGreaterThan(0);
        assertThat(field(json, "reference_dials_per_lookup")).isGreaterThan(0);
    }

    @Test
    void oneStrategyAloneIsNamedInTheJsonLine() {
        String json = run("--nodes", "40", "--lookups", "5", "--seed", "3", "--puts", "1", "--batch", "20",
                "--strategy", "reference", "--latency", "uniform", "--json").strip();
        assertThat(json).contains("\"strategy\":\"reference\"").contains("\"latency\":\"uniform\"")
                .doesNotContain("reference_strategy");
        field(json, "messages_per_lookup");
        field(json, "median_lookup_virtual_ms");
    }

    @Test
    void badOptionsAreRefusedWithAClearMessage() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CommandLine cl = new CommandLine(new SimCommand());
        cl.setErr(new java.io.PrintWriter(err, true, StandardCharsets.UTF_8));
        assertThat(cl.execute("--nodes", "1")).isNotZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--nodes must be >= 2: 1");
        err.reset();
        assertThat(cl.execute("--loss", "1.5")).isNotZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--loss");
        err.reset();
        assertThat(cl.execute("--strategy", "fastest")).isNotZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--strategy must be reference, tuned or both");
        err.reset();
        assertThat(cl.execute("--latency", "zero")).isNotZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--latency must be regions or uniform");
    }

    private static String last(String out) {
        List<String> lines = out.lines().filter(l -> !l.isBlank()).toList();
        return lines.get(lines.size() - 1);
    }

    /**
     * {@code --provide-keys}: one node's keys announced by the reprovide sweep, with fewer lookups
     * and requests than key by key, and found at their closest nodes, also after churn.
     */
    @Test
    void theProvidingWorkloadReportsWhatTheSweepCostAndReached() {
        String json = run("--nodes", "150", "--lookups", "5", "--puts", "1", "--seed", "4", "--batch", "50",
                "--provide-keys", "900", "--provide-churn", "0.2", "--json").strip();
        assertThat(field(json, "provide_keys")).isEqualTo(900);
        assertThat(field(json, "reprovide_keys")).isEqualTo(900);
        assertThat(field(json, "per_key_lookups")).isEqualTo(900);
        assertThat(field(json, "reprovide_lookups")).isPositive().isLessThan(900 / 5.0);
        assertThat(field(json, "messages_per_key")).isLessThan(field(json, "per_key_messages_per_key"));
        assertThat(field(json, "reprovide_messages")).isEqualTo(field(json, "messages_per_key") * 900, within(1.0));
        assertThat(field(json, "coverage_first_cycle")).isGreaterThanOrEqualTo(0.99);
        assertThat(field(json, "coverage")).isGreaterThanOrEqualTo(0.9);
        assertThat(field(json, "reprovide_regions")).isGreaterThan(1);
    }
}
