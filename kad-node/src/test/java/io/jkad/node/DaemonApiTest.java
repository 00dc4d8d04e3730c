package io.jkad.node;

import static io.jkad.node.KadRun.kad;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.multiaddr.Multiaddr;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two daemons in this JVM (memory store), driven through the client commands and the API:
 * results, their JSON lines, failures and exit codes, and the metrics endpoint.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@SuppressWarnings("unchecked")
class DaemonApiTest {

    @TempDir
    static Path dir;

    private Daemon a;
    private Daemon b;
    private String apiA;
    private String apiB;

    private Daemon.Options options(String name, int apiPort, List<Multiaddr> bootstrap) {
        return new Daemon.Options(List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")), List.of(), bootstrap, "memory",
                Map.of(), dir.resolve(name), Optional.empty(),
                Optional.of(new InetSocketAddress("127.0.0.1", apiPort)), false, Duration.ofMinutes(5),
                Duration.ofMinutes(5));
    }

    @BeforeAll
    void start() throws Exception {
        int portA = KadRun.freePort();
        a = Daemon.start(options("a", portA, List.of()));
        apiA = "127.0.0.1:" + portA;
        Multiaddr addrA = a.node().listenAddresses().get(0).withPeerId(a.node().peerId());
        int portB = KadRun.freePort();
        b = Daemon.start(options("b", portB, List.of(addrA)));
        apiB = "127.0.0.1:" + portB;
        b.service().initialBootstrap().get(30, java.util.concurrent.TimeUnit.SECONDS);
    }

    @AfterAll
    void stop() {
        if (b != null) {
            b.close();
        }
        if (a != null) {
            a.close();
        }
    }

    @Test
    void statusShowsPeerIdAndListenAddresses() {
        KadRun human = kad("status", "--api", apiA);
        assertThat(human.exitCode()).as(human.err()).isZero();
        assertThat(human.out()).contains(a.node().peerId().toString())
                .contains(a.node().listenAddresses().get(0).toString()).doesNotContain("{");
        KadRun r = kad("status", "--api", apiA, "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        Map<String, Object> json = r.json();
        assertThat(json.get("peer_id")).isEqualTo(a.node().peerId().toBase58());
        assertThat(json.get("listen_addrs")).isEqualTo(List.of(a.node().listenAddresses().get(0).toString()));
        assertThat(json.get("store")).isEqualTo("memory");
        assertThat(json.get("client_mode")).isEqualTo(false);
        // kad run bootstraps periodically (the bucket refresh), not only at start.
        assertThat(a.node().config().kademlia().bootstrapInterval()).contains(Duration.ofMinutes(5));
    }

    /**
     * {@code kad name}: a publishes under its name, b resolves it (by its k51… name, its peer id,
     * /ipns/…), a newer publication wins, an unknown name fails with exit 1, and an invalid /ipns/
     * record is refused by put with exit 2 and its reason.
     */
    @Test
    void aNamePublishedByOneNodeResolvesFromTheOtherAndTheNewestWins() {
        KadRun first = kad("name", "publish", "/ipfs/bafkqaddwgevxmmraojswg33smq", "--api", apiA, "--json");
        assertThat(first.exitCode()).as(first.err()).isZero();
        Map<String, Object> published = first.json();
        String name = (String) published.get("name");
        assertThat(name).startsWith("k51");
        assertThat(published.get("peer_id")).isEqualTo(a.node().peerId().toBase58());
        long seq = ((Number) published.get("sequence")).longValue();
        assertThat((List<Object>) published.get("stored_at")).contains(b.node().peerId().toBase58());

        KadRun resolved = kad("name", "resolve", name, "--api", apiB);
        assertThat(resolved.exitCode()).as(resolved.err()).isZero();
        assertThat(resolved.out().strip()).isEqualTo("/ipfs/bafkqaddwgevxmmraojswg33smq");
        assertThat(resolved.err()).contains("sequence " + seq + ", valid until ");

        KadRun second = kad("name", "publish", "/ipfs/bafkqaddwgevxmmraojswg33smr", "--lifetime", "1h", "--api", apiA,
                "--json");
        assertThat(second.exitCode()).as(second.err()).isZero();
        assertThat(((Number) second.json().get("sequence")).longValue()).isEqualTo(seq + 1);
        for (String n : List.of(name, a.node().peerId().toBase58(), "/ipns/" + name)) {
            KadRun r = kad("name", "resolve", n, "--api", apiB, "--json");
            assertThat(r.exitCode()).as(n + ": " + r.err()).isZero();
            assertThat(r.json().get("value")).isEqualTo("/ipfs/bafkqaddwgevxmmraojswg33smr");
            assertThat(((Number) r.json().get("sequence")).longValue()).isEqualTo(seq + 1);
        }

        // the republisher signs the record (1 h left) again: same value and sequence, 48 h of validity
        java.time.Instant now = java.time.Instant.now();
        var again = a.names().runOnce(now).orElseThrow();
        var record = io.jkad.validation.IpnsRecord.parse(again.value());
        assertThat(record.sequence()).isEqualTo(seq + 1);
        assertThat(record.validity()).isEqualTo(now.plus(io.jkad.validation.IpnsRecord.DEFAULT_LIFETIME));
        assertThat(a.names().runOnce(now.plusSeconds(60))).as("48 h left: nothing to do").isEmpty();
        KadRun extended = kad("name", "resolve", name, "--api", apiB, "--json");
        assertThat(extended.json().get("validity")).isEqualTo(record.validityText());
        assertThat(extended.json().get("value")).isEqualTo("/ipfs/bafkqaddwgevxmmraojswg33smr");

        // an older sequence cannot replace the newer record
        KadRun older = kad("name", "publish", "/ipfs/bafkqaddwgevxmmraojswg33smq", "--sequence", "0", "--api", apiA,
                "--json");
        assertThat(older.exitCode()).as(older.err()).isEqualTo(2);
        assertThat(older.json().get("kind")).isEqualTo("outdated");

        String unknown = io.jkad.identity.PeerId.fromPublicKey(io.jkad.identity.Ed25519KeyPair.generate().publicKey())
                .toIpnsName();
        KadRun missing = kad("name", "resolve", unknown, "--api", apiB, "--quorum", "1");
        assertThat(missing.exitCode()).as(missing.err()).isEqualTo(1);
        assertThat(missing.err()).contains("not found");
        assertThat(kad("name", "resolve", "not-a-name", "--api", apiB).exitCode()).isEqualTo(2);

        // a record under a's name signed by another key: the validator refuses it before anything is sent
        String key = "2f69706e732f" + java.util.HexFormat.of().formatHex(a.node().peerId().toBytes());
        KadRun forged = kad("put", key, "not a record", "--hex", "--api", apiB, "--json");
        assertThat(forged.exitCode()).as(forged.err()).isEqualTo(2);
        assertThat(forged.json().get("error")).isEqualTo("invalid_record");
        assertThat(forged.json().get("kind")).isEqualTo("malformed");
    }

    /** A request field of the wrong JSON type is refused (400, naming the field), not converted. */
    @Test
    void requestFieldsOfTheWrongTypeAreRefused() throws Exception {
        ApiClient client = new ApiClient(a.apiAddress().orElseThrow());
        Map<String, String> bodies = Map.of(
                "{\"key_hex\": 6162}", "key_hex must be a string",
                "{\"key_hex\": \"6162\", \"trace\": \"yes\"}", "trace must be true or false",
                "{\"key_hex\": \"6162\", \"quorum\": true}", "quorum must be",
                "{\"key_hex\": \"6162\", \"quorum\": \"most\"}", "quorum must be",
                "{\"key_hex\": \"6162\", \"quorum\": 0}", "quorum must be",
                "[1, 2]", "bad JSON",
                "{\"key_hex\": \"6162\"} {}", "bad JSON");
        for (var e : bodies.entrySet()) {
            ApiClient.Response r = client.postJson("/v1/get", e.getKey());
            assertThat(r.status()).as(e.getKey()).isEqualTo(400);
            assertThat(r.as(ApiTypes.Failure.class).message()).as(e.getKey()).contains(e.getValue());
        }
        ApiClient.Response ok = client.postJson("/v1/providers", "{\"key_hex\": \"6162\", \"max\": 1.5}");
        assertThat(ok.status()).isEqualTo(400);
        assertThat(ok.as(ApiTypes.Failure.class).message()).contains("max must be a whole number");
    }

    /** The status page's job schedule comes from the node's state machine (and the daemon's own save). */
    @Test
    void activityShowsTheJobScheduleOfTheStateMachine() throws Exception {
        ApiTypes.Activity activity = new ApiClient(a.apiAddress().orElseThrow()).get("/v1/activity")
                .as(ApiTypes.Activity.class);
        Map<String, ApiTypes.Job> jobs = new java.util.HashMap<>();
        activity.jobs().forEach(j -> jobs.put(j.name(), j));
        // kad run reprovides with the sweep
        assertThat(jobs.keySet()).containsExactlyInAnyOrder("bootstrap", "provider_reprovide_sweep", "record_replication",
                "record_republication", "routing_table_save", "ipns_republication");
        var scheduled = a.node().jobs().get(5, java.util.concurrent.TimeUnit.SECONDS);
        for (io.jkad.kademlia.JobSchedule j : scheduled) {
            ApiTypes.Job shown = jobs.get(j.name());
            assertThat(shown.everyS()).as(j.name()).isEqualTo(j.every().toSeconds());
            assertThat(shown.running()).as(j.name()).isEqualTo(j.running());
            assertThat(shown.next()).as(j.name()).isEqualTo(j.next().map(Object::toString).orElse(null));
        }
        assertThat(jobs.get("provider_reprovide_sweep").everyS()).isEqualTo(Duration.ofHours(12).toSeconds());
        assertThat(jobs.get("routing_table_save").everyS()).isEqualTo(Duration.ofMinutes(5).toSeconds());
    }

    @Test
    void anIpv4WildcardIsReportedAndAdvertisedAsIpv4() throws Exception {
        int apiPort = KadRun.freePort();
        try (Daemon w = Daemon.start(new Daemon.Options(List.of(Multiaddr.parse("/ip4/0.0.0.0/tcp/0")), List.of(),
                List.of(), "memory", Map.of(), dir.resolve("wildcard"), Optional.empty(),
                Optional.of(new InetSocketAddress("127.0.0.1", apiPort)), false, Duration.ofMinutes(5),
                Duration.ofMinutes(5)))) {
            int port = w.node().listenAddresses().get(0).toTcpSocketAddress().orElseThrow().getPort();
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            RunCommand.Bootstrap none = RunCommand.awaitBootstrap(w, new CompletableFuture<>(), Duration.ofSeconds(5));
            assertThat(none.outcome()).isEqualTo("no_bootstrap_peers");
            RunCommand.printReady(new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8), w, none);
            String ready = bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
            assertThat(ready).contains("listening on /ip4/0.0.0.0/tcp/" + port + "/p2p/")
                    .contains("advertised   /ip4/127.0.0.1/tcp/" + port + "/p2p/")
                    .doesNotContain("/ip6/").doesNotContain("advertised   /ip4/0.0.0.0/");
            assertThat(kad("status", "--api", "127.0.0.1:" + apiPort).out())
                    .contains("listening on /ip4/0.0.0.0/tcp/" + port).doesNotContain("/ip6/");
            KadRun r = kad("status", "--api", "127.0.0.1:" + apiPort, "--json");
            assertThat(r.exitCode()).as(r.err()).isZero();
            Map<String, Object> json = r.json();
            assertThat(json.get("listen_addrs")).isEqualTo(List.of("/ip4/0.0.0.0/tcp/" + port));
            List<String> advertised = (List<String>) json.get("advertised_addrs");
            assertThat(advertised).isNotEmpty().allSatisfy(a -> assertThat(a).startsWith("/ip4/")
                    .doesNotStartWith("/ip4/0.0.0.0/"));
            assertThat(advertised.get(advertised.size() - 1)).startsWith("/ip4/127.0.0.1/tcp/" + port + "/p2p/");
        }
    }

    @Test
    void theReadyLineSaysHowTheBootstrapWent() throws Exception {
        RunCommand.Bootstrap joined = RunCommand.awaitBootstrap(b, new CompletableFuture<>(), Duration.ofSeconds(30));
        assertThat(joined.outcome()).isEqualTo("ok");
        assertThat(joined.routingTableSize()).isPositive();
        // a bootstrap peer on a port where nothing listens: the bootstrap ends, and nobody answered
        Multiaddr closed = Multiaddr.parse("/ip4/127.0.0.1/tcp/" + KadRun.freePort() + "/p2p/"
                + io.jkad.identity.Ed25519KeyPair.generate().peerId());
        try (Daemon lonely = Daemon.start(options("lonely", KadRun.freePort(), List.of(closed)))) {
            RunCommand.Bootstrap r = RunCommand.awaitBootstrap(lonely, new CompletableFuture<>(), Duration.ofSeconds(60));
            assertThat(r.outcome()).isIn("no_peer_answered", "timeout", "failed");
            assertThat(r.connectedPeers()).isZero();
        }
    }

    @Test
    void aSecondNodeOnTheSameDataDirectoryIsRefusedWithTheHoldersProcess() throws Exception {
        assertThatThrownBy(() -> Daemon.start(options("a", KadRun.freePort(), List.of())))
                .isInstanceOf(DataDirLock.InUseException.class)
                .hasMessageContaining("is in use by another node (pid " + ProcessHandle.current().pid());
        // the refused start left the running node's directory as it was
        assertThat(kad("status", "--api", apiA).exitCode()).isZero();
    }

    @Test
    void stopSaysWhatWasSaved() throws Exception {
        Path d = dir.resolve("stop");
        Daemon s = Daemon.start(options("stop", KadRun.freePort(), List.of(
                a.node().listenAddresses().get(0).withPeerId(a.node().peerId()))));
        s.service().initialBootstrap().get(30, java.util.concurrent.TimeUnit.SECONDS);
        Daemon.Stopped stopped = s.stop();
        assertThat(stopped.savedPeers()).isPositive();
        assertThat(Files.exists(d.resolve(RoutingTableFile.NAME))).isTrue();
        assertThat(stopped.persistent()).isFalse();
        assertThat(stopped.describe()).contains("routing table of " + stopped.savedPeers() + " peers saved")
                .contains("store memory discarded");
        assertThat(s.stop()).isSameAs(stopped);
        // the directory is free again
        try (Daemon again = Daemon.start(options("stop", KadRun.freePort(), List.of()))) {
            assertThat(again.savedPeersLoaded()).isEqualTo(stopped.savedPeers());
        }
    }

    @Test
    void putOnOneNodeGetFromTheOther() throws Exception {
        Path file = dir.resolve("value.bin");
        Files.write(file, new byte[] {0, 1, 2, (byte) 0xff});
        KadRun put = kad("put", "bin-key", "--file", file.toString(), "--api", apiA, "--json");
        assertThat(put.exitCode()).as(put.err()).isZero();
        assertThat(put.json().get("stored_at")).isEqualTo(List.of(b.node().peerId().toBase58()));

        KadRun text = kad("put", "greeting", "hello from a", "--api", apiA);
        assertThat(text.exitCode()).isZero();
        assertThat(text.out()).startsWith("stored greeting (12 bytes) on the node and at 1 peer").doesNotContain("{");
        // Quorum 2: b's own copy and a's answer.
        KadRun get = kad("get", "greeting", "--quorum", "2", "--api", apiB, "--json");
        assertThat(get.exitCode()).as(get.err()).isZero();
        assertThat(get.value()).isEqualTo("hello from a");
        assertThat((List<Object>) get.json().get("from")).contains("local", a.node().peerId().toBase58());
        // without --json: the value as it is, and nothing else
        assertThat(kad("get", "greeting", "--api", apiB).out()).isEqualTo("hello from a");
        // --trace: the same stdout; how the lookup went on stderr (asked a, its answer, why it stopped)
        KadRun traced = kad("get", "greeting", "--quorum", "2", "--trace", "--api", apiB);
        assertThat(traced.out()).isEqualTo("hello from a");
        assertThat(traced.err()).contains("trace:").contains("asked    " + a.node().peerId().toBase58())
                .contains("answered " + a.node().peerId().toBase58()).contains("rtt ").contains("stopped: ");
        KadRun tracedJson = kad("closest", "greeting", "--trace", "--json", "--api", apiB);
        assertThat(((Map<String, Object>) tracedJson.json().get("trace")).get("events")).asList().isNotEmpty();

        Path out = dir.resolve("got.bin");
        KadRun bin = kad("get", "bin-key", "--output", out.toString(), "--api", apiB);
        assertThat(bin.exitCode()).isZero();
        assertThat(bin.out()).isEmpty();
        assertThat(Files.readAllBytes(out)).containsExactly(0, 1, 2, 0xff);
        KadRun binJson = kad("get", "bin-key", "-o", out.toString(), "--api", apiB, "--json");
        assertThat(binJson.json()).doesNotContainKey("value_base64").containsEntry("output", out.toAbsolutePath().toString());
    }

    @Test
    void putReadsTheValueFromStdinWithFileDash() throws Exception {
        java.io.InputStream stdin = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream(new byte[] {9, 8, 7, 0}));
            KadRun put = kad("put", "from-stdin", "--file", "-", "--api", apiA, "--json");
            assertThat(put.exitCode()).as(put.err()).isZero();
            assertThat(put.json().get("value_bytes")).isEqualTo(4L);
        } finally {
            System.setIn(stdin);
        }
        Path out = dir.resolve("stdin.bin");
        assertThat(kad("get", "from-stdin", "-o", out.toString(), "--api", apiB).exitCode()).isZero();
        assertThat(Files.readAllBytes(out)).containsExactly(9, 8, 7, 0);
    }

    @Test
    void provideOnOneNodeFindFromTheOther() {
        KadRun provide = kad("provide", "some content", "--api", apiB);
        assertThat(provide.exitCode()).as(provide.err()).isZero();
        KadRun providers = kad("providers", "some content", "--api", apiA, "--json");
        assertThat(providers.exitCode()).as(providers.err()).isZero();
        assertThat(providers.json().get("providers")).isEqualTo(List.of(b.node().peerId().toBase58()));
        // The key is the sha2-256 multihash of the text: the CID of those bytes
        assertThat(providers.json().get("key_hex")).asString().startsWith("1220").hasSize(68);
        String cid = io.jkad.util.Cid.rawV1(DisplayKeys.multihash("some content".getBytes(
                java.nio.charset.StandardCharsets.UTF_8))).toString();
        assertThat(providers.json().get("cid")).isEqualTo(cid);
        assertThat((Map<String, Object>) providers.json().get("addrs"))
                .containsEntry(b.node().peerId().toBase58(), List.of(b.node().listenAddresses().get(0).toString()));
        KadRun byCid = kad("providers", cid, "--api", apiA);
        assertThat(byCid.exitCode()).as(byCid.err()).isZero();
        assertThat(byCid.out()).startsWith("1 provider of " + cid + ":")
                .contains(b.node().peerId().toBase58() + "  " + b.node().listenAddresses().get(0));
        // a CIDv0 and a dag-pb CIDv1 of one multihash are one key
        String v0 = "QmRN6wdp1S2A5EtjW9A3M1vKSBuQQGcgvuhoMUoEz4iiT5";
        String v1 = "bafybeibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq";
        KadRun provideV0 = kad("provide", v0, "--api", apiB);
        assertThat(provideV0.out()).isEqualTo(b.node().peerId() + " provides " + v0 + "\n");
        KadRun findV1 = kad("providers", v1, "--api", apiA, "--json");
        assertThat(findV1.exitCode()).as(findV1.err()).isZero();
        assertThat(findV1.strings("providers")).containsExactly(b.node().peerId().toBase58());
        // --text: the CID's characters as text, another key
        assertThat(kad("providers", v1, "--text", "--api", apiA).exitCode()).isEqualTo(1);
        assertThat(kad("providers", v1, "-n", "0", "--api", apiA).exitCode()).isEqualTo(2);
    }

    /** {@code kad provide stat}: the sweep's standing, readably and as JSON, as {@code GET /v1/provide/stat} says. */
    @Test
    void provideStatShowsTheSweep() throws Exception {
        assertThat(kad("provide", "stat me", "--api", apiB).exitCode()).isZero();
        KadRun stat = kad("provide", "stat", "--api", apiB, "--json");
        assertThat(stat.exitCode()).as(stat.err()).isZero();
        assertThat(stat.json().get("strategy")).isEqualTo("sweep");
        assertThat(stat.json().get("interval_s")).isEqualTo(Duration.ofHours(12).toSeconds());
        assertThat((Long) stat.json().get("provided_keys")).isGreaterThanOrEqualTo(1L);
        // two nodes: one region (no prefix), due at the start, so the first cycle may be done already
        assertThat(stat.json().get("cycle")).isIn(0L, 1L);
        assertThat(stat.json()).containsKeys("cycle_start", "position", "region_bits", "regions_done", "keys_announced",
                "failures", "lag_s");
        ApiTypes.ProvideStat typed = new ApiClient(b.apiAddress().orElseThrow()).get("/v1/provide/stat")
                .as(ApiTypes.ProvideStat.class);
        var status = b.node().reprovideStatus().get(5, java.util.concurrent.TimeUnit.SECONDS).orElseThrow();
        assertThat(typed.cycle()).isEqualTo(status.cycle());
        assertThat(typed.cycleStart()).isEqualTo(status.cycleStart().toString());
        // the audit: a's answer lists b's record for each key b provides
        KadRun audit = kad("provide", "audit", "--sample", "5", "--api", apiB, "--json");
        assertThat(audit.exitCode()).as(audit.err()).isZero();
        assertThat((Long) audit.json().get("sampled")).isBetween(1L, 5L);
        assertThat(audit.json().get("coverage")).isEqualTo(1.0);
        for (Map<String, Object> k : (List<Map<String, Object>>) audit.json().get("keys")) {
            assertThat(k.get("answered")).isEqualTo(1L);
            assertThat(k.get("holding")).isEqualTo(1L);
        }
        assertThat(kad("provide", "audit", "--sample", "201", "--api", apiB).exitCode()).isEqualTo(2);
        KadRun noKey = kad("provide", "--api", apiB);
        assertThat(noKey.exitCode()).isEqualTo(2);
        assertThat(noKey.err()).contains("KEY");
        KadRun human = kad("provide", "stat", "--api", apiB);
        assertThat(human.out()).contains("strategy     sweep, every 43200 s").contains("cycle        ")
                .contains("regions      0 bits");
    }

    @Test
    void peerAndRoutingTable() {
        KadRun peer = kad("peer", b.node().peerId().toBase58(), "--api", apiA, "--json");
        assertThat(peer.exitCode()).as(peer.err()).isZero();
        assertThat(peer.json().get("found")).isEqualTo(true);
        assertThat((List<Object>) peer.json().get("addrs")).contains(b.node().listenAddresses().get(0).toString());

        KadRun table = kad("routing-table", "--api", apiB);
        assertThat(table.exitCode()).isZero();
        assertThat(table.out()).contains(a.node().peerId().toString()).doesNotContain("{");
        assertThat(kad("routing-table", "--api", apiB, "--json").json().get("size")).isEqualTo(1L);
    }

    @Test
    void withATokenTheApiAnswersOnlyThoseWhoHaveIt() throws Exception {
        int port = KadRun.freePort();
        Path tokenFile = dir.resolve("token-node").resolve(ApiToken.NAME);
        Daemon.Options o = options("token-node", port, List.of());
        try (Daemon t = Daemon.start(new Daemon.Options(o.listen(), o.announce(), o.bootstrap(), o.store(),
                o.storeOptions(), o.dataDir(), o.keyFile(), o.api(), o.clientMode(), o.bootstrapInterval(),
                o.saveInterval(), o.admission(), Optional.of(tokenFile)))) {
            String api = "127.0.0.1:" + port;
            assertThat(java.nio.file.Files.getPosixFilePermissions(tokenFile))
                    .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                            java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
            String token = Files.readString(tokenFile).strip();
            assertThat(token).hasSize(64);

            KadRun without = kad("status", "--api", api, "--api-token-file", dir.resolve("absent").toString());
            assertThat(without.exitCode()).isEqualTo(2);
            Path wrong = dir.resolve("wrong.token");
            Files.writeString(wrong, "0".repeat(64));
            KadRun refused = kad("status", "--api", api, "--api-token-file", wrong.toString(), "--json");
            assertThat(refused.exitCode()).isEqualTo(1);
            assertThat(refused.json()).containsEntry("error", "unauthorized").containsEntry("message", "wrong API token");
            KadRun ok = kad("status", "--api", api, "--api-token-file", tokenFile.toString(), "--json");
            assertThat(ok.exitCode()).as(ok.err()).isZero();

            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create("http://" + api + "/metrics"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).isEqualTo(401);
            assertThat(metrics.body()).contains("\"error\":\"unauthorized\"");
            HttpResponse<String> scraped = http.send(HttpRequest.newBuilder(URI.create("http://" + api + "/metrics"))
                    .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(scraped.statusCode()).isEqualTo(200);
        }
        // the next start keeps the token
        String before = Files.readString(tokenFile);
        assertThat(ApiToken.loadOrCreate(tokenFile)).isEqualTo(before.strip());
    }

    @Test
    void peersClosestAndId() {
        // a lookup first, so that a and b are connected now (idle connections close)
        KadRun closest = kad("closest", "somewhere", "--api", apiA, "--json");
        assertThat(closest.exitCode()).as(closest.err()).isZero();
        assertThat(closest.json().get("peers")).asList().hasSize(1);
        assertThat(((Map<String, Object>) ((List<?>) closest.json().get("peers")).get(0)).get("peer_id"))
                .isEqualTo(b.node().peerId().toBase58());
        assertThat(kad("closest", "somewhere", "--api", apiA).out()).startsWith("1 closest peers to somewhere:");

        KadRun peers = kad("peers", "--api", apiA, "--json");
        assertThat(peers.exitCode()).as(peers.err()).isZero();
        Map<String, Object> peer = ((List<Map<String, Object>>) peers.json().get("peers")).stream()
                .filter(p -> b.node().peerId().toBase58().equals(p.get("peer_id"))).findFirst().orElseThrow();
        assertThat(peer.get("direction")).isIn("inbound", "outbound");
        assertThat((String) peer.get("agent")).startsWith("jkad/");
        assertThat((List<Object>) peer.get("protocols")).contains("/ipfs/kad/1.0.0", "/ipfs/ping/1.0.0");
        assertThat(((Number) peer.get("latency_ms")).doubleValue()).isPositive();
        assertThat(kad("peers", "--api", apiA).out()).contains(b.node().peerId().toBase58()).contains(" ms ");

        KadRun self = kad("id", "--api", apiA, "--json");
        assertThat(self.json().get("peer_id")).isEqualTo(a.node().peerId().toBase58());
        assertThat((List<Object>) self.json().get("protocols")).contains("/ipfs/kad/1.0.0");
        KadRun remote = kad("id", b.node().peerId().toBase58(), "--api", apiA);
        assertThat(remote.exitCode()).as(remote.err()).isZero();
        assertThat(remote.out()).contains("peer id   " + b.node().peerId().toBase58()).contains("agent     jkad/")
                .contains("serves    /ipfs/kad/1.0.0");
        KadRun nobody = kad("id", io.jkad.identity.Ed25519KeyPair.generate().peerId().toBase58(), "--api", apiA);
        assertThat(nobody.exitCode()).isEqualTo(1);
        assertThat(nobody.err()).startsWith("kad id: unreachable");
    }

    @Test
    void failuresExitNonZeroWithAClearMessageAndAJsonLine() {
        KadRun missing = kad("get", "never stored", "--api", apiA);
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).startsWith("kad get: not found").hasLineCount(1);
        assertThat(missing.out()).isEmpty();
        KadRun missingJson = kad("get", "never stored", "--api", apiA, "--json");
        assertThat(missingJson.exitCode()).isEqualTo(1);
        assertThat(missingJson.json()).containsEntry("ok", false).containsEntry("error", "not_found").containsKey("message");

        KadRun quorum = kad("get", "only-local", "--quorum", "5", "--api", apiA, "--json");
        assertThat(quorum.exitCode()).isEqualTo(1);
        assertThat(quorum.json().get("error")).isIn("not_found", "quorum_failed");

        KadRun nobody = kad("providers", "nobody provides this", "--api", apiA, "--json");
        assertThat(nobody.exitCode()).isEqualTo(1);
        assertThat(nobody.json().get("error")).isEqualTo("not_found");

        int closed = KadRun.freePort();
        KadRun notRunning = kad("status", "--api", "127.0.0.1:" + closed, "--json");
        assertThat(notRunning.exitCode()).isEqualTo(ClientCommands.EXIT_NOT_RUNNING);
        assertThat(notRunning.err()).contains("no node is running at 127.0.0.1:" + closed).hasLineCount(1);
        assertThat(notRunning.json()).containsEntry("ok", false).containsEntry("error", "not_running");

        KadRun badQuorum = kad("get", "k", "--quorum", "zero", "--api", apiA);
        assertThat(badQuorum.exitCode()).isEqualTo(2);
        assertThat(badQuorum.err()).isEqualToIgnoringNewLines("kad get: quorum must be a number >= 1, 'majority' or "
                + "'all': zero (see 'kad get --help')");

        KadRun badApi = kad("status", "--api", "localhost");
        assertThat(badApi.exitCode()).isEqualTo(2);
        assertThat(badApi.err()).contains("expected HOST:PORT");

        // checked by the node: an input error all the same
        KadRun badPeer = kad("peer", "not-a-peer", "--api", apiA, "--json");
        assertThat(badPeer.exitCode()).isEqualTo(2);
        assertThat(badPeer.json().get("error")).isEqualTo("bad_request");

        KadRun unknownOption = kad("status", "--api", apiA, "--loud");
        assertThat(unknownOption.exitCode()).isEqualTo(2);
        assertThat(unknownOption.err()).hasLineCount(1).startsWith("kad status: Unknown option: '--loud'");
        KadRun missingArg = kad("get", "--api", apiA);
        assertThat(missingArg.exitCode()).isEqualTo(2);
        assertThat(missingArg.err()).hasLineCount(1).contains("KEY");
        KadRun noFile = kad("put", "k", "--file", dir.resolve("absent").toString(), "--api", apiA);
        assertThat(noFile.exitCode()).isEqualTo(2);
        assertThat(noFile.err()).hasLineCount(1).contains("no such file");

        KadRun both = kad("put", "k", "v", "--file", "x", "--api", apiA);
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.err()).contains("give either VALUE or --file F");
    }

    @Test
    void metricsCountersMoveWhenOperationsRun() throws Exception {
        String before = scrape(apiA);
        assertThat(before).contains("# TYPE kad_connections gauge");
        double putsBefore = value(before, "kad_query_seconds_count\\{kind=\"put_record\",outcome=\"ok\"\\}");
        double inboundBefore = value(scrape(apiB), "kad_inbound_requests_total\\{type=\"PUT_VALUE\"\\}");
        double bytesOutBefore = value(before, "kad_network_bytes_total\\{direction=\"out\"\\}");
        double recordsBefore = value(scrape(apiB), "kad_store_records");

        for (int i = 0; i < 3; i++) {
            assertThat(kad("put", "metrics-" + i, "v" + i, "--api", apiA).exitCode()).isZero();
        }
        assertThat(kad("get", "metrics-absent", "--api", apiA).exitCode()).isEqualTo(1);

        String after = scrape(apiA);
        assertThat(value(after, "kad_query_seconds_count\\{kind=\"put_record\",outcome=\"ok\"\\}")).isEqualTo(putsBefore + 3);
        assertThat(value(after, "kad_query_seconds_count\\{kind=\"get_record\",outcome=\"not_found\"\\}")).isGreaterThanOrEqualTo(1);
        assertThat(after).containsPattern("kad_query_seconds_bucket\\{kind=\"put_record\",outcome=\"ok\",le=\"[0-9.]+\"\\} [0-9.]+");
        assertThat(value(after, "kad_network_bytes_total\\{direction=\"out\"\\}")).isGreaterThan(bytesOutBefore);
        assertThat(value(after, "kad_connections_secured_total")).isPositive();
        assertThat(value(after, "kad_routing_table_peers")).isEqualTo(1);
        assertThat(after).containsPattern("(?m)^kad_connections [0-9.]+$"); // exported (its value depends on idle timeouts)
        String atB = scrape(apiB);
        assertThat(value(atB, "kad_inbound_requests_total\\{type=\"PUT_VALUE\"\\}")).isEqualTo(inboundBefore + 3);
        assertThat(value(atB, "kad_store_records")).isEqualTo(recordsBefore + 3);
    }

    private static String scrape(String api) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://" + api + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
        return r.body();
    }

    /** The value of the sample whose name and labels match {@code sample} (a regex); 0 if absent. */
    private static double value(String text, String sample) {
        Matcher m = Pattern.compile("(?m)^" + sample + " ([0-9.eE+-]+)$").matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    void apiRefusesANonLoopbackAddress() {
        assertThatThrownBy(() -> Daemon.start(new Daemon.Options(List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")),
                List.of(), List.of(), "memory", Map.of(), dir.resolve("public-api"), Optional.empty(),
                Optional.of(new InetSocketAddress("0.0.0.0", KadRun.freePort())), false, Duration.ofMinutes(5),
                Duration.ofMinutes(5))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("loopback");
    }
}
