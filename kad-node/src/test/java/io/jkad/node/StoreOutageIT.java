package io.jkad.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.kademlia.QueryResult;
import io.jkad.kademlia.Quorum;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.net.KademliaNode;
import io.jkad.net.KademliaNodeConfig;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.jkad.testkit.PostgresCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code kad run} on {@code --store jdbc} with a real PostgreSQL server, which the test stops
 * and starts again. While the database is away the node keeps serving what needs no store
 * (status, FIND_NODE to a peer, its routing table) within a small bound, and store operations
 * (a local put, a peer's PUT_VALUE and GET_VALUE) fail fast: the local put with
 * {@code UNAVAILABLE}, the peer's requests with a reset stream. Once the database is back the node
 * stores and serves records again by itself, without a restart, and what it held before is there.
 *
 * <p>The bounds are behavioural, not speed targets: before the circuit breaker each of those calls
 * waited HikariCP's 10 s connection timeout on the logic thread (a FIND_NODE behind two puts took 17 s).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StoreOutageIT {

    /** Far above what a healthy answer takes, far below the 10 s of a call waiting on a dead database. */
    private static final Duration PROMPT = Duration.ofSeconds(2);

    @TempDir
    static Path dir;

    private PostgresCluster pg;
    private KadProcess node;
    private KademliaNode peer;
    private PeerId nodeId;

    @BeforeAll
    void start() throws Exception {
        assumeTrue(PostgresCluster.findBinaries().isPresent(), "PostgreSQL is not installed (initdb, pg_ctl)");
        pg = PostgresCluster.start();
        node = new KadProcess("pg-node", dir.resolve("pg-node"), List.of("--store", "jdbc",
                "-o", "jdbc.url=" + pg.jdbcUrl("postgres"), "-o", "jdbc.user=" + pg.user(),
                "-o", "jdbc.breaker_cooldown_ms=1000"));
        node.start();
        nodeId = PeerId.parse(node.peerId());
        peer = KademliaNode.start(KademliaNodeConfig.builder(Ed25519KeyPair.generate())
                .listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).build());
        peer.addAddress(nodeId, Multiaddr.parse(node.listenAddress())).get(10, TimeUnit.SECONDS);
        assertThat(peer.bootstrap().get(30, TimeUnit.SECONDS).isOk()).isTrue();
    }

    @AfterAll
    void stop() {
        if (peer != null) {
            peer.close();
        }
        if (node != null) {
            node.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    private static DhtRecord record(String key, String value) {
        return DhtRecord.of(RecordKey.ofUtf8(key), value.getBytes(StandardCharsets.UTF_8));
    }

    /** Runs {@code call}, asserting it returns within {@link #PROMPT}. */
    private static <T> T prompt(String what, Callable<T> call) throws Exception {
        long t0 = System.nanoTime();
        T result = call.call();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("StoreOutageIT: " + what + " took " + ms + " ms");
        assertThat(ms).as("ms taken by %s", what).isLessThan(PROMPT.toMillis());
        return result;
    }

    @Test
    void theNodeServesWhatNeedsNoStoreFailsStoreCallsFastAndRecoversWhenTheDatabaseReturns() throws Exception {
        KadRun before = node.kad("put", "before-outage", "kept");
        assertThat(before.exitCode()).as(before.err() + node.tail()).isZero();

        pg.stop();

        // The first store calls meet the dead database: each fails within the acquire timeout, not 10 s.
        long t0 = System.nanoTime();
        KadRun first = node.kad("put", "during-outage-0", "refused");
        long firstMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("StoreOutageIT: the first put after the database stopped took " + firstMs + " ms");
        assertThat(firstMs).as("ms taken by the first put").isLessThan(5_000);
        assertThat(first.exitCode()).as(first.out()).isNotZero();
        assertThat(first.json()).containsEntry("error", "store_refused").containsEntry("kind", "UNAVAILABLE");
        // Then the breaker opens and store calls fail at once.
        await("the breaker to open").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ZERO)
                .until(() -> String.valueOf(node.kad("put", "during-outage", "refused").json().get("message"))
                        .contains("calls in a row failed"));

        for (int i = 1; i <= 3; i++) {
            int n = i;
            KadRun put = prompt("put " + n + " (database down)", () -> node.kad("put", "during-outage-" + n, "x"));
            assertThat(put.json()).containsEntry("kind", "UNAVAILABLE");
            assertThat(String.valueOf(put.json().get("message"))).contains("the database is unavailable");
        }
        KadRun status = prompt("status (database down)", () -> node.kad("status"));
        assertThat(status.exitCode()).isZero();
        assertThat(status.json()).containsEntry("peer_id", nodeId.toBase58());
        KadRun table = prompt("routing-table (database down)", () -> node.kad("routing-table"));
        assertThat(table.exitCode()).as(table.err()).isZero();
        assertThat(table.out()).contains(peer.peerId().toBase58());

        // A peer's FIND_NODE is answered; its PUT_VALUE and GET_VALUE fail fast (the node resets the stream).
        QueryResult.GetClosestPeers found = prompt("a peer's FIND_NODE (database down)",
                () -> peer.getClosestPeers(RecordKey.ofUtf8("anything")).get(30, TimeUnit.SECONDS));
        assertThat(found.isOk()).as("%s", found).isTrue();
        assertThat(found.peers()).contains(nodeId);
        QueryResult.PutRecord stored = prompt("a peer's PUT_VALUE (database down)",
                () -> peer.putRecordTo(record("from-peer-down", "v"), List.of(nodeId), Quorum.ONE)
                        .get(30, TimeUnit.SECONDS));
        assertThat(stored.isOk()).as("%s", stored).isFalse();
        QueryResult.GetRecord got = prompt("a peer's GET_VALUE (database down)",
                () -> peer.getRecord(RecordKey.ofUtf8("never-stored"), Quorum.ONE).get(30, TimeUnit.SECONDS));
        assertThat(got).as("%s", got).isInstanceOf(QueryResult.GetRecord.NotFound.class);
        assertThat(node.isAlive()).isTrue();

        pg.restart();

        // Within a cooldown a probe finds the database again and the node stores and serves records.
        await("the store to work again").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> node.kad("put", "after-outage", "stored").exitCode() == 0);
        KadRun after = node.kad("get", "after-outage");
        assertThat(after.exitCode()).as(after.err()).isZero();
        assertThat(after.value()).isEqualTo("stored");
        KadRun kept = node.kad("get", "before-outage");
        assertThat(kept.exitCode()).as(kept.err()).isZero();
        assertThat(kept.json().get("from")).isEqualTo(List.of("local"));
        assertThat(kept.value()).isEqualTo("kept");

        QueryResult.PutRecord storedAgain = peer.putRecordTo(record("from-peer-up", "v2"), List.of(nodeId), Quorum.ONE)
                .get(30, TimeUnit.SECONDS);
        assertThat(storedAgain.isOk()).as("%s", storedAgain).isTrue();
        KadRun fromPeer = node.kad("get", "from-peer-up");
        assertThat(fromPeer.exitCode()).as(fromPeer.err()).isZero();
        assertThat(fromPeer.json().get("from")).isEqualTo(List.of("local"));
        QueryResult.GetRecord gotAgain = peer.getRecord(RecordKey.ofUtf8("from-peer-up"), Quorum.ONE)
                .get(30, TimeUnit.SECONDS);
        assertThat(gotAgain.isOk()).as("%s", gotAgain).isTrue();
        assertThat(node.logText()).contains("the database is unavailable")
                .contains("the database answers again");
    }
}
