package io.jkad.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.interop.PeerCommands;
import io.jkad.interop.InteropPeer;
import io.jkad.netns.NetNs;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * jkad on a network of real hosts: four {@code kad run} processes, each in a Linux network
 * namespace of its own ({@link NetNs}: own IPv4 and IPv6 address, a bridge between them, netem
 * delay and loss where the kernel has it), listening on {@code /ip4/0.0.0.0/tcp/4001} and
 * {@code /ip6/::/tcp/4001}, joining through the addresses the others advertised; and one
 * js-libp2p node in a fifth namespace. Each node's API is on 127.0.0.1 inside its namespace, so
 * the client commands run there too ({@code ip netns exec <host> java -jar kad.jar …}). Skipped
 * where namespaces cannot be made (not root, no {@code ip}), except under CI.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultiHostIT {

    private static final int PORT = 4001;
    private static final String API = "127.0.0.1:5380";
    private static final long WAIT_MS = 60_000;

    private final String run = Long.toHexString(new Random().nextLong());
    private final Path work = Path.of("target", "multihost", run).toAbsolutePath();
    private NetNs net;
    private final List<NsNode> nodes = new ArrayList<>();
    private InteropPeer js;
    private InteropPeer go;

    /** A {@code kad run} in a host of the network. */
    private final class NsNode implements AutoCloseable {
        final NetNs.Host host;
        final Path log;
        Process process;
        Map<String, Object> ready;

        NsNode(NetNs.Host host) {
            this.host = host;
            this.log = work.resolve(host.name() + ".log");
        }

        void start(List<String> bootstrap) throws IOException {
            List<String> cmd = new ArrayList<>(KadProcess.javaCommand());
            cmd.addAll(List.of("run", "--listen", "/ip4/0.0.0.0/tcp/" + PORT + ",/ip6/::/tcp/" + PORT,
                    "--api", API, "--store", "memory", "--data-dir", work.resolve(host.name()).toString(),
                    "--bootstrap-interval", "10s", "--log-level", "info"));
            if (!bootstrap.isEmpty()) {
                cmd.addAll(List.of("--bootstrap", String.join(",", bootstrap)));
            }
            process = new ProcessBuilder(host.command(cmd)).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).redirectInput(new File("/dev/null")).start();
        }

        /** Waits for the ready line on stdout (the JSON line {@code kad run} prints when it serves). */
        void awaitReady() throws Exception {
            eventually(() -> {
                if (!process.isAlive()) {
                    throw new AssertionError(host.name() + ": kad run exited:\n" + tail());
                }
                for (String line : lines()) {
                    if (line.startsWith("{\"event\":\"ready\"")) {
                        ready = Json.parseObject(line);
                        return true;
                    }
                }
                return false;
            }, host.name() + " to be ready", this);
        }

        String peerId() {
            return (String) ready.get("peer_id");
        }

        @SuppressWarnings("unchecked")
        List<String> advertised() {
            return (List<String>) ready.get("advertised_addrs");
        }

        /** The advertised address of this host's IPv4 (or IPv6) address, with {@code /p2p/}. */
        String dial4() {
            return host.tcp4(PORT) + "/p2p/" + peerId();
        }

        String dial6() {
            return host.tcp6(PORT) + "/p2p/" + peerId();
        }

        /** A client command run in this node's namespace against its API. */
        Client kad(String... args) {
            List<String> cmd = new ArrayList<>(KadProcess.javaCommand());
            // A short-lived JVM: start fast.
            cmd.addAll(1, List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto"));
            cmd.addAll(List.of(args));
            cmd.addAll(List.of("--api", API, "--json"));
            return Client.run(host.name() + "$ kad " + String.join(" ", args), host.command(cmd));
        }

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> routingTable() {
            Client r = kad("routing-table");
            return r.exitCode == 0 ? (List<Map<String, Object>>) r.json().get("peers") : List.of();
        }

        List<String> routingTableIds() {
            return routingTable().stream().map(p -> (String) p.get("peer_id")).toList();
        }

        List<String> lines() {
            try {
                return Files.readAllLines(log, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return List.of();
            }
        }

        String tail() {
            List<String> l = lines();
            return String.join("\n", l.subList(Math.max(0, l.size() - 40), l.size()));
        }

        @Override
        public void close() {
            if (process != null && process.isAlive()) {
                process.destroy();
                try {
                    if (!process.waitFor(10, TimeUnit.SECONDS)) {
                        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** A finished client command: exit code, stdout, stderr. */
    private record Client(int exitCode, String out, String err) {
        static Client run(String label, List<String> cmd) {
            try {
                Path out = Files.createTempFile("kad-client-", ".out");
                Path err = Files.createTempFile("kad-client-", ".err");
                try {
                    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                            .redirectInput(new File("/dev/null")).start();
                    if (!p.waitFor(150, TimeUnit.SECONDS)) {
                        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    }
                    Client c = new Client(p.isAlive() ? -1 : p.exitValue(), Files.readString(out), Files.readString(err));
                    System.out.print(label + "  [exit " + c.exitCode + "]\n" + c.out + c.err);
                    return c;
                } finally {
                    Files.deleteIfExists(out);
                    Files.deleteIfExists(err);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        /** Stdout: exactly one JSON object ({@code --json}). */
        Map<String, Object> json() {
            String doc = out.strip();
            assertThat(doc).as("stdout %s / %s", out, err).startsWith("{").endsWith("}").doesNotContain("\n");
            return Json.parseObject(doc);
        }

        /** The value {@code get --json} returned, as UTF-8 text. */
        String value() {
            return new String(java.util.Base64.getDecoder().decode((String) json().get("value_base64")),
                    java.nio.charset.StandardCharsets.UTF_8);
        }

        List<String> strings(String field) {
            Object v = json().get(field);
            assertThat(v).as("%s in %s", field, out).isInstanceOf(List.class);
            return ((List<?>) v).stream().map(String::valueOf).toList();
        }
    }

    @BeforeAll
    void startNetwork() throws Exception {
        long t0 = System.nanoTime();
        net = NetNs.create(NetNs.options().hosts(6));
        System.out.println("network " + net + "; links: " + net.shaping());
        Files.createDirectories(work);
        for (int i = 1; i <= 4; i++) {
            nodes.add(new NsNode(net.host(i)));
        }
        NsNode h1 = nodes.get(0);
        h1.start(List.of());
        h1.awaitReady();
        // The others join through h1's advertised addresses: h2 and h4 over IPv4, h3 over IPv6.
        nodes.get(1).start(List.of(h1.dial4()));
        nodes.get(2).start(List.of(h1.dial6()));
        nodes.get(3).start(List.of(h1.dial4(), h1.dial6()));
        for (NsNode n : nodes.subList(1, 4)) {
            n.awaitReady();
        }
        for (NsNode n : nodes) {
            List<String> others = nodes.stream().filter(o -> o != n).map(NsNode::peerId).toList();
            eventually(() -> n.routingTableIds().containsAll(others), n.host.name() + " to know the other three", n);
        }
        System.out.printf("network up in %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    @AfterAll
    void stopNetwork() {
        if (js != null) {
            js.close();
        }
        if (go != null) {
            go.close();
        }
        nodes.forEach(NsNode::close);
        if (net != null) {
            net.nftLoss().ifPresent(rule -> System.out.println("loss on the bridge:\n" + rule));
            net.close();
        }
    }

    @Test
    @Order(1)
    void eachNodeAdvertisesItsNamespaceAddressesAndNoWildcard() {
        for (NsNode n : nodes) {
            String id = n.peerId();
            assertThat(n.advertised()).as(n.host.name())
                    .contains(n.dial4(), n.dial6())
                    .noneMatch(a -> a.startsWith("/ip4/0.0.0.0/") || a.startsWith("/ip6/::/"));
            // The namespace's own addresses come first; loopback (also advertised) last.
            assertThat(n.advertised().subList(0, 2)).containsExactlyInAnyOrder(n.dial4(), n.dial6());
            assertThat(n.lines()).contains("  listening on /ip4/0.0.0.0/tcp/" + PORT + "/p2p/" + id,
                    "  listening on /ip6/::/tcp/" + PORT + "/p2p/" + id);
        }
        NsNode h2 = nodes.get(1);
        Client status = h2.kad("status");
        assertThat(status.exitCode).as(status.err).isZero();
        assertThat(status.strings("listen_addrs")).containsExactly("/ip4/0.0.0.0/tcp/" + PORT, "/ip6/::/tcp/" + PORT);
        assertThat(status.strings("advertised_addrs")).isEqualTo(h2.advertised());
        // Peers are known at their namespace addresses.
        NsNode h1 = nodes.get(0);
        Map<String, Object> entry = h2.routingTable().stream().filter(p -> h1.peerId().equals(p.get("peer_id")))
                .findFirst().orElseThrow();
        assertThat((List<?>) entry.get("addrs")).map(String::valueOf)
                .contains(h1.host.tcp4(PORT));
    }

    @Test
    @Order(2)
    void putGetProvideAndFindAcrossHosts() throws Exception {
        NsNode h1 = nodes.get(0);
        NsNode h2 = nodes.get(1);
        NsNode h3 = nodes.get(2);
        NsNode h4 = nodes.get(3);
        String key = "/jkad/multihost/" + run + "/from-h1";
        Client put = h1.kad("put", key, "put on h1", "--quorum", "3");
        assertThat(put.exitCode).as(put.err).isZero();
        assertThat(put.strings("stored_at")).contains(h2.peerId(), h3.peerId(), h4.peerId());
        Client get = h4.kad("get", key, "--quorum", "3");
        assertThat(get.exitCode).as(get.err).isZero();
        assertThat(get.value()).startsWith("put on h1");

        String content = "multihost content " + run;
        Client provide = h3.kad("provide", content);
        assertThat(provide.exitCode).as(provide.err).isZero();
        Client providers = h2.kad("providers", content);
        assertThat(providers.exitCode).as(providers.err).isZero();
        assertThat(providers.strings("providers")).contains(h3.peerId());

        // an IPNS name published by the kad.jar of one host resolves from another
        Client publish = h2.kad("name", "publish", "/ipfs/bafkqaddwgevxmmraojswg33smq", "--quorum", "2");
        assertThat(publish.exitCode).as(publish.err).isZero();
        String name = (String) publish.json().get("name");
        Client resolve = h4.kad("name", "resolve", name);
        assertThat(resolve.exitCode).as(resolve.err).isZero();
        assertThat(resolve.json().get("value")).isEqualTo("/ipfs/bafkqaddwgevxmmraojswg33smq");
        assertThat(resolve.json().get("peer_id")).isEqualTo(h2.peerId());
    }

    @Test
    @Order(3)
    void aJsPeerInItsOwnNamespaceJoinsThroughAdvertisedAddresses() throws Exception {
        NetNs.Host jsHost = net.host(5);
        NsNode h1 = nodes.get(0);
        NsNode h2 = nodes.get(1);
        NsNode h3 = nodes.get(2);
        NsNode h4 = nodes.get(3);
        js = InteropPeer.start(InteropPeer.options().commandPrefix(jsHost.exec()).host(jsHost.ipv4()).port(PORT)
                .bootstrap(h1.dial4(), h2.dial6()));
        String jsId = js.peerId();
        String jsAddr = jsHost.tcp4(PORT);
        assertThat(js.info().addrs()).containsExactly(jsAddr + "/p2p/" + jsId);
        List<String> jkadIds = nodes.stream().map(NsNode::peerId).toList();
        eventually(() -> js.routingTable().containsAll(jkadIds), "js to know the four jkad nodes", h1);
        for (NsNode n : List.of(h3, h4)) {
            eventually(() -> n.routingTable().stream().anyMatch(p -> jsId.equals(p.get("peer_id"))),
                    n.host.name() + " to know js", n);
            // Known at the address js advertised, in its namespace.
            Map<String, Object> entry = n.routingTable().stream().filter(p -> jsId.equals(p.get("peer_id")))
                    .findFirst().orElseThrow();
            assertThat((List<?>) entry.get("addrs")).map(String::valueOf).contains(jsAddr);
        }

        // js puts; a jkad host reads it from the network.
        String fromJs = "/jkad/multihost/" + run + "/from-js";
        PeerCommands.PutResult jsPut = js.put(fromJs.getBytes(StandardCharsets.UTF_8),
                "put by js".getBytes(StandardCharsets.UTF_8));
        assertThat(jsPut.storedAt()).containsAnyElementsOf(jkadIds);
        Client get = h4.kad("get", fromJs, "--quorum", "2");
        assertThat(get.exitCode).as(get.err).isZero();
        assertThat(get.value()).startsWith("put by js");

        // A jkad host puts; js reads it, and holds a copy (h3's PUT_VALUE reached js at its address).
        // Quorum 4: every one of h3's peers (h1, h2, h4, js), since a put ends once its quorum is reached.
        String fromJkad = "/jkad/multihost/" + run + "/from-h3";
        Client put = h3.kad("put", fromJkad, "put on h3", "--quorum", "4");
        assertThat(put.exitCode).as(put.err).isZero();
        assertThat(put.strings("stored_at")).contains(jsId);
        assertThat(new String(js.get(fromJkad.getBytes(StandardCharsets.UTF_8)).value(), StandardCharsets.UTF_8))
                .isEqualTo("put on h3");

        // Providers both ways.
        byte[] jsContent = DisplayKeys.multihash(("js content " + run).getBytes(StandardCharsets.UTF_8));
        js.provide(jsContent);
        String hex = HexFormat.of().formatHex(jsContent);
        eventually(() -> {
            Client r = h2.kad("providers", hex, "--hex");
            return r.exitCode == 0 && r.strings("providers").contains(jsId);
        }, "h2 to find js as a provider", h2);
    }

    @Test
    @Order(4)
    void aGoPeerListeningOnBothWildcardsJoinsThroughAdvertisedAddresses() throws Exception {
        NetNs.Host goHost = net.host(6);
        NsNode h1 = nodes.get(0);
        NsNode h2 = nodes.get(1);
        NsNode h3 = nodes.get(2);
        NsNode h4 = nodes.get(3);
        go = InteropPeer.start(InteropPeer.options(InteropPeer.Kind.GO).commandPrefix(goHost.exec())
                .listen("/ip4/0.0.0.0/tcp/" + PORT, "/ip6/::/tcp/" + PORT)
                .bootstrap(h2.dial6(), h4.dial4()));
        String goId = go.peerId();
        assertThat(go.info().addrs()).contains(goHost.tcp4(PORT) + "/p2p/" + goId);
        List<String> jkadIds = nodes.stream().map(NsNode::peerId).toList();
        // go learns the other jkad nodes from h2's and h4's FIND_NODE answers, at their namespace addresses.
        eventually(() -> go.routingTable().containsAll(jkadIds), "go to know the four jkad nodes", h2);
        for (NsNode n : List.of(h1, h3)) {
            eventually(() -> n.routingTable().stream().anyMatch(p -> goId.equals(p.get("peer_id"))),
                    n.host.name() + " to know go", n);
            Map<String, Object> entry = n.routingTable().stream().filter(p -> goId.equals(p.get("peer_id")))
                    .findFirst().orElseThrow();
            assertThat((List<?>) entry.get("addrs")).map(String::valueOf)
                    .containsAnyOf(goHost.tcp4(PORT), goHost.tcp6(PORT));
        }

        // go puts; a jkad host reads it from the network.
        String fromGo = "/jkad/multihost/" + run + "/from-go";
        PeerCommands.PutResult goPut = go.put(fromGo.getBytes(StandardCharsets.UTF_8),
                "put by go".getBytes(StandardCharsets.UTF_8));
        assertThat(goPut.storedAt()).containsAnyElementsOf(jkadIds);
        Client get = h1.kad("get", fromGo, "--quorum", "2");
        assertThat(get.exitCode).as(get.err).isZero();
        assertThat(get.value()).startsWith("put by go");

        // A jkad host puts; go holds a copy and reads it. Quorum 5: every one of h3's peers (h1, h2,
        // h4, js, go), since a put ends once its quorum is reached.
        String fromJkad = "/jkad/multihost/" + run + "/to-go";
        Client put = h3.kad("put", fromJkad, "put on h3 for go", "--quorum", "5");
        assertThat(put.exitCode).as(put.err).isZero();
        assertThat(put.strings("stored_at")).contains(goId);
        assertThat(new String(go.get(fromJkad.getBytes(StandardCharsets.UTF_8)).value(), StandardCharsets.UTF_8))
                .isEqualTo("put on h3 for go");

        // Providers both ways.
        byte[] goContent = DisplayKeys.multihash(("go content " + run).getBytes(StandardCharsets.UTF_8));
        go.provide(goContent);
        String hex = HexFormat.of().formatHex(goContent);
        eventually(() -> {
            Client r = h3.kad("providers", hex, "--hex");
            return r.exitCode == 0 && r.strings("providers").contains(goId);
        }, "h3 to find go as a provider", h3);
        byte[] jkadContent = DisplayKeys.multihash(("h4 content for go " + run).getBytes(StandardCharsets.UTF_8));
        Client provide = h4.kad("provide", HexFormat.of().formatHex(jkadContent), "--hex");
        assertThat(provide.exitCode).as(provide.err).isZero();
        eventually(() -> go.findProviders(jkadContent).stream().anyMatch(p -> p.peerId().equals(h4.peerId())),
                "go to find h4 as a provider", h4);
    }

    @Test
    @Order(5)
    void aHostCutOffMeanwhileTheRestWorksAndItRejoins() throws Exception {
        NsNode h1 = nodes.get(0);
        NsNode h2 = nodes.get(1);
        NsNode h3 = nodes.get(2);
        NsNode h4 = nodes.get(3);
        long t0 = System.nanoTime();
        net.cut(h4.host);
        String key = "/jkad/multihost/" + run + "/during-cut";
        String content = "during the cut " + run;
        try {
            Client put = h1.kad("put", key, "put while h4 was cut off", "--quorum", "2");
            assertThat(put.exitCode).as(put.err).isZero();
            assertThat(put.strings("stored_at")).doesNotContain(h4.peerId());
            Client get = h2.kad("get", key);
            assertThat(get.exitCode).as(get.err).isZero();
            assertThat(get.value()).startsWith("put while h4 was cut off");
            assertThat(h3.kad("provide", content).exitCode).isZero();
            Client providers = h1.kad("providers", content);
            assertThat(providers.exitCode).as(providers.err).isZero();
            assertThat(providers.strings("providers")).contains(h3.peerId());
            // h4 is really cut off: it cannot find what was put meanwhile.
            Client isolated = h4.kad("get", key);
            assertThat(isolated.exitCode).as(isolated.out).isEqualTo(1);
            System.out.printf("h4 cut off for %d ms; its routing table then: %s%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), h4.routingTable());
        } finally {
            net.restore(h4.host);
        }
        long t1 = System.nanoTime();
        List<String> others = nodes.stream().filter(n -> n != h4).map(NsNode::peerId).toList();
        eventually(() -> h4.routingTableIds().containsAll(others), "h4's routing table to refill", h4);
        eventually(() -> {
            Client get = h4.kad("get", key);
            return get.exitCode == 0 && get.value().startsWith("put while h4 was cut off");
        }, "a get from h4 to succeed", h4);
        Client providers = h4.kad("providers", content);
        assertThat(providers.exitCode).as(providers.err).isZero();
        assertThat(providers.strings("providers")).contains(h3.peerId());
        System.out.printf("h4 rejoined %d ms after its link came back%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1));
    }

    private static void eventually(BooleanSupplier condition, String what, NsNode n) {
        try {
            Awaitility.await(what).atMost(Duration.ofMillis(WAIT_MS)).pollInterval(Duration.ofMillis(500))
                    .until(condition::getAsBoolean);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("timed out waiting for " + what + "; log of " + n.host.name() + ":\n"
                    + n.tail(), e);
        }
    }
}
