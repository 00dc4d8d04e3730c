package io.jkad.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.net.KademliaNode;
import io.jkad.net.KademliaNodeConfig;
import io.jkad.net.RoutingTableEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code kad devnet} run small, through the command line, with its JSON document ({@code --json}) parsed. */
class DevnetCommandTest {

    private record Run(int exitCode, String out, String err) {
        /** Stdout, one flat JSON object ({@code --json}), as key to raw value (strings unquoted). */
        Map<String, String> json() {
            String last = out.strip();
            assertThat(last).startsWith("{").endsWith("}").doesNotContain("\n");
            Map<String, String> m = new LinkedHashMap<>();
            Matcher matcher = Pattern.compile("\"([a-z0-9_]+)\":(\"[^\"]*\"|[^,}]+)").matcher(last);
            while (matcher.find()) {
                m.put(matcher.group(1), matcher.group(2).replace("\"", ""));
            }
            return m;
        }
    }

    private static Run kad(String... args) {
        KadRun run = KadRun.kad(args);
        return new Run(run.exitCode(), run.out(), run.err());
    }

    @Test
    void smallDevnetSucceedsAndReportsJson() {
        Run run = kad("devnet", "--nodes", "5", "--ops", "12", "--seed", "3", "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        Map<String, String> json = run.json();
        assertThat(json.get("nodes")).isEqualTo("5");
        assertThat(json.get("ops")).isEqualTo("12");
        assertThat(json.get("store")).as("the embedded default store").isEqualTo("rocksdb");
        int total = 0;
        for (String op : List.of("put", "get", "provide", "find_providers")) {
            int count = Integer.parseInt(json.get(op + "_count"));
            assertThat(count).as(op).isEqualTo(3);
            assertThat(Integer.parseInt(json.get(op + "_ok"))).as(op).isEqualTo(count);
            assertThat(Double.parseDouble(json.get(op + "_ms_median"))).as(op).isPositive();
            assertThat(Double.parseDouble(json.get(op + "_ms_p95")))
                    .isGreaterThanOrEqualTo(Double.parseDouble(json.get(op + "_ms_median")));
            total += count;
        }
        assertThat(total).isEqualTo(12);
        assertThat(Double.parseDouble(json.get("get_success"))).isEqualTo(1.0);
        assertThat(Double.parseDouble(json.get("providers_success"))).isEqualTo(1.0);
        assertThat(Long.parseLong(json.get("start_ms"))).isPositive();
        // 5 nodes joining and 12 operations make connections, each counted at both ends
        long handshakes = Long.parseLong(json.get("handshakes"));
        assertThat(Long.parseLong(json.get("handshakes_after_start"))).isPositive().isEven().isLessThanOrEqualTo(handshakes);
        assertThat(json.get("x25519")).isEqualTo("boringssl");
        assertThat(json.get("transport")).isEqualTo("epoll");
        assertThat(Long.parseLong(json.get("open_files_peak"))).isGreaterThanOrEqualTo(Long.parseLong(json.get("open_files")));
        // 5 nodes: every table holds the 4 others, under k = 20
        assertThat(json.get("routing_table_min")).isEqualTo("4");
        assertThat(json.get("routing_table_median")).isEqualTo("4");
        assertThat(json.get("routing_tables_under_k")).isEqualTo("5");
        // nodes 1-4 each bootstrapped at least once (a self-lookup), every lookup asking a peer it knew
        long lookups = Long.parseLong(json.get("bootstrap_lookups"));
        assertThat(lookups).isGreaterThanOrEqualTo(4);
        assertThat(Long.parseLong(json.get("bootstrap_requests"))).isGreaterThanOrEqualTo(lookups);
        assertThat(Long.parseLong(json.get("bootstrap_lookups_all"))).isGreaterThanOrEqualTo(lookups);
        assertThat(run.err()).as("the summary, on stderr with --json").contains("find_providers").contains("median ms")
                .contains("routing tables: smallest 4, median 4 peers; 5 of 5 under k = 20");
    }

    /** {@code --strategy tuned}: real nodes on the tuned lookups store and find every record and provider. */
    @Test
    void tunedLookupsSucceedOnRealNodes() {
        Run run = kad("devnet", "--nodes", "12", "--ops", "16", "--store", "memory", "--strategy", "tuned", "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        Map<String, String> json = run.json();
        assertThat(json.get("strategy")).isEqualTo("tuned");
        assertThat(Integer.parseInt(json.get("get_count"))).isEqualTo(4);
        assertThat(Double.parseDouble(json.get("get_success"))).isEqualTo(1.0);
        assertThat(Double.parseDouble(json.get("providers_success"))).isEqualTo(1.0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"rocksdb", "jdbc"})
    void persistentStoresLiveInTheDataDirectory(String store, @TempDir Path dir) {
        Run run = kad("devnet", "--nodes", "3", "--ops", "4", "--store", store, "--data-dir", dir.toString(), "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.json().get("store")).isEqualTo(store);
        assertThat(run.json().get("get_success")).isEqualTo("1.0");
        for (int i = 0; i < 3; i++) {
            Path nodeDir = dir.resolve("node-" + i);
            assertThat(nodeDir).isDirectory();
            assertThat(nodeDir.toFile().list()).as("files of %s", nodeDir).isNotEmpty();
        }
    }

    /** {@code --provide-keys}: node 0's keys announced at once by the sweep, and the audit finds them held. */
    @Test
    void provideKeysSweepsThemAndTheAuditFindsThemHeld() {
        Run run = kad("devnet", "--nodes", "8", "--ops", "4", "--store", "memory", "--provide-keys", "600", "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        Map<String, String> json = run.json();
        assertThat(json.get("provide_keys")).isEqualTo("600");
        assertThat(json.get("reprovide_keys")).isEqualTo("600");
        assertThat(Double.parseDouble(json.get("reprovide_keys_per_s"))).isPositive();
        assertThat(Integer.parseInt(json.get("reprovide_regions"))).isPositive();
        assertThat(json.get("audit_sample")).isEqualTo("200");
        assertThat(Double.parseDouble(json.get("coverage"))).isGreaterThanOrEqualTo(0.99);
        assertThat(Double.parseDouble(json.get("reprovide_s")))
                .isGreaterThanOrEqualTo(Double.parseDouble(json.get("reprovide_handed_out_s")));
        // once held, the audit sees it too
        assertThat(Double.parseDouble(json.get("audit_coverage"))).isGreaterThanOrEqualTo(0.99);
        assertThat(Double.parseDouble(json.get("audit_holding"))).isGreaterThan(0.95);
        assertThat(kad("devnet", "--nodes", "2", "--provide-keys", "-1").exitCode()).isEqualTo(2);
    }

    @Test
    void joinsAnExistingNetwork() throws Exception {
        try (KademliaNode existing = KademliaNode.start(KademliaNodeConfig.builder(Ed25519KeyPair.generate())
                .listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).build())) {
            String addr = existing.listenAddresses().get(0).withPeerId(existing.peerId()).toString();
            Run run = kad("devnet", "--nodes", "2", "--ops", "4", "--bootstrap", addr);
            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.out()).contains("joined " + addr);
            List<RoutingTableEntry> table = existing.routingTable().get(10, TimeUnit.SECONDS);
            assertThat(table).hasSize(2);
        }
    }

    @Test
    void warnsWhenTheNodesMayNeedMoreOpenFilesThanAllowed() {
        java.time.Duration tenSeconds = java.time.Duration.ofSeconds(10);
        java.time.Duration threeSeconds = java.time.Duration.ofSeconds(3);
        // 200 nodes at 10 s on 2 cores may need about 24,000 files; at 20,000 connections fail
        assertThat(DevnetOpenFiles.warning(200, tenSeconds, 2, 20_000)).hasValueSatisfying(w ->
                assertThat(w).contains("200 nodes").contains("24000").contains("20000").contains("--idle-timeout"));
        // 1,000 nodes at 10 s: as fast as 2 cores open them, about 86,000
        assertThat(DevnetOpenFiles.warning(1000, tenSeconds, 2, 20_000)).hasValueSatisfying(w ->
                assertThat(w).contains("86000").contains("more than"));
        assertThat(DevnetOpenFiles.warning(100, tenSeconds, 2, 20_000)).isEmpty();
        // a shorter idle timeout keeps fewer open, but 1,000 nodes at 3 s ran into 20,000 in a fast hour
        assertThat(DevnetOpenFiles.warning(1000, threeSeconds, 2, 20_000)).hasValueSatisfying(w ->
                assertThat(w).contains("25800").contains("more than"));
        // at 2 s they peaked at 17,213: about 17,200, under the warning's 90 %
        assertThat(DevnetOpenFiles.warning(1000, java.time.Duration.ofSeconds(2), 2, 20_000)).isEmpty();
        assertThat(DevnetOpenFiles.warning(1000, java.time.Duration.ofSeconds(2), 2, 19_000)).hasValueSatisfying(w ->
                assertThat(w).contains("17200").contains("close to"));
        assertThat(DevnetOpenFiles.warning(1000, threeSeconds, 8, 20_000)).isPresent();
        assertThat(DevnetOpenFiles.warning(1000, tenSeconds, 2, -1)).isEmpty();
    }

    @Test
    void badArgumentsAreRefused() {
        Run tooFew = kad("devnet", "--nodes", "1");
        assertThat(tooFew.exitCode()).isEqualTo(2);
        assertThat(tooFew.err()).contains("--nodes must be >= 2: 1");

        Run noPeer = kad("devnet", "--bootstrap", "/ip4/127.0.0.1/tcp/4001");
        assertThat(noPeer.exitCode()).isEqualTo(2);
        assertThat(noPeer.err()).contains("/p2p/<peer id>").contains("/ip4/127.0.0.1/tcp/4001");

        Run badQuorum = kad("devnet", "--get-quorum", "0");
        assertThat(badQuorum.exitCode()).isEqualTo(2);
        assertThat(badQuorum.err()).contains("--get-quorum").contains(": 0");

        Run negativeOps = kad("devnet", "--ops", "-1");
        assertThat(negativeOps.exitCode()).isEqualTo(2);
        assertThat(negativeOps.err()).contains("--ops must be >= 0: -1");

        Run badStrategy = kad("devnet", "--strategy", "fastest");
        assertThat(badStrategy.exitCode()).isEqualTo(2);
        assertThat(badStrategy.err()).contains("--strategy must be reference or tuned: fastest");

        Run unknownStore = kad("devnet", "--nodes", "2", "--ops", "0", "--store", "nosuch");
        assertThat(unknownStore.exitCode()).isNotZero();
        assertThat(unknownStore.err()).contains("nosuch");
    }

    @Test
    void tempDataDirectoryIsRemoved() throws Exception {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        List<Path> before;
        try (var s = Files.list(tmp)) {
            before = s.filter(p -> p.getFileName().toString().startsWith("kad-devnet-")).toList();
        }
        Run run = kad("devnet", "--nodes", "2", "--ops", "2");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).as("without --json: the readable summary only").contains("start + bootstrap")
                .doesNotContain("{");
        try (var s = Files.list(tmp)) {
            assertThat(s.filter(p -> p.getFileName().toString().startsWith("kad-devnet-")).toList())
                    .containsExactlyInAnyOrderElementsOf(before);
        }
    }
}
