package io.jkad.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.kademlia.KademliaConfig;
import io.jkad.kademlia.QueryResult;
import io.jkad.kademlia.Quorum;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.StoreConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Eight real {@link KademliaNode}s (TCP + Noise + Yamux on loopback) on one shared
 * {@link HostRuntime}: they run on its threads only, one closes without disturbing the others,
 * and closing the runtime closes the rest.
 */
class SharedRuntimeTest {

    private static final int NODES = 8;
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final HostRuntime runtime = HostRuntime.shared(2, 2);
    private final List<KademliaNode> nodes = new ArrayList<>();

    @AfterEach
    void close() {
        runtime.close();
    }

    private KademliaNode start(int i) throws Exception {
        Ed25519KeyPair identity = Ed25519KeyPair.generate();
        KademliaNode node = KademliaNode.start(KademliaNodeConfig.builder(identity)
                .listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0"))
                .kademlia(KademliaConfig.builder().replicationFactor(4).build())
                .requestTimeout(Duration.ofSeconds(2))
                .openStore("memory", StoreConfig.defaults(identity.peerId()))
                .runtime(runtime)
                .build());
        nodes.add(node);
        return node;
    }

    private void startNetwork() throws Exception {
        for (int i = 0; i < NODES; i++) {
            start(i);
        }
        KademliaNode seed = nodes.get(0);
        for (KademliaNode n : nodes.subList(1, NODES)) {
            n.addAddress(seed.peerId(), seed.listenAddresses().get(0)).get(10, TimeUnit.SECONDS);
            assertThat(n.bootstrap().get(30, TimeUnit.SECONDS).isOk()).isTrue();
        }
        for (KademliaNode n : nodes) {
            Awaitility.await().atMost(WAIT).until(() -> n.stats().join().routingTableSize() >= 3);
        }
    }

    private static Set<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .collect(Collectors.toSet());
    }

    /**
     * The live threads a node or its runtime could start ({@code kad-…}), less the process's own
     * fatal-error threads ({@code kad-exit…}): another test class's watchdog, in this JVM, may end
     * at any moment.
     */
    private static Set<String> nodeThreadNames() {
        return threadNames().stream().filter(n -> n.startsWith("kad-") && !n.startsWith("kad-exit"))
                .collect(Collectors.toSet());
    }

    @Test
    void nodesRunOnTheRuntimeThreadsOnly() throws Exception {
        startNetwork();
        Set<String> names = threadNames();
        for (KademliaNode n : nodes) {
            assertThat(names).as("no logic thread of its own").doesNotContain("kad-logic-" + LogicLoop.shortId(n.peerId()));
        }
        assertThat(names.stream().filter(s -> s.startsWith("multiThreadIoEventLoopGroup")))
                .as("no event loops of their own").isEmpty();
        assertThat(names.stream().filter(s -> s.startsWith("kad-io-") || s.startsWith("kad-logic-")).count())
                .as("2 IO + 2 logic threads for %d nodes", NODES).isLessThanOrEqualTo(4);
    }

    @Test
    void closingOneNodeLeavesTheOthersServing() throws Exception {
        startNetwork();
        KademliaNode writer = nodes.get(1);
        KademliaNode closing = nodes.get(2);
        RecordKey key = RecordKey.ofUtf8("/jkad/shared/" + System.nanoTime());
        DhtRecord record = DhtRecord.of(key, "shared".getBytes(StandardCharsets.UTF_8));
        assertThat(writer.putRecord(record, Quorum.ONE).get(30, TimeUnit.SECONDS).isOk()).isTrue();
        Multiaddr closedAddress = closing.listenAddresses().get(0);
        Set<String> threadsBefore = nodeThreadNames();

        closing.close();

        assertThat(closing.isClosed()).isTrue();
        assertThat(closing.host().isClosed()).isTrue();
        assertThat(closing.host().connections()).as("its connections are gone").isEmpty();
        assertThat(closing.armedTimers()).as("its timers are cancelled").isZero();
        assertThatThrownBy(() -> closing.stats().join()).isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(IllegalStateException.class);
        assertThat(runtime.isClosed()).isFalse();
        for (KademliaNode n : nodes) {
            if (n != closing) {
                Awaitility.await().atMost(WAIT).until(() -> !n.connectedPeers().contains(closing.peerId()));
            }
        }

        // The others keep answering lookups: a get from every other node finds the record.
        for (KademliaNode n : nodes) {
            if (n == closing || n == writer) {
                continue;
            }
            QueryResult.GetRecord got = n.getRecord(key, Quorum.ONE).get(30, TimeUnit.SECONDS);
            assertThat(got).as("get from %s", n.peerId()).isInstanceOf(QueryResult.GetRecord.Ok.class);
            assertThat(n.getClosestPeers(key).get(30, TimeUnit.SECONDS).isOk()).isTrue();
            assertThat(n.armedTimers()).as("a live node still has its tick").isPositive();
        }
        // Its port is closed: a dial to it fails.
        KademliaNode other = nodes.get(3);
        assertThatThrownBy(() -> other.identify(closing.peerId(), List.of(closedAddress), Duration.ofSeconds(2))
                .get(10, TimeUnit.SECONDS)).hasMessageContaining("Exception");
        assertThat(nodeThreadNames()).as("no thread started or left over").isEqualTo(threadsBefore);
        // A new node still starts on the runtime and joins.
        KademliaNode late = start(NODES);
        KademliaNode seed = nodes.get(0);
        late.addAddress(seed.peerId(), seed.listenAddresses().get(0)).get(10, TimeUnit.SECONDS);
        assertThat(late.bootstrap().get(30, TimeUnit.SECONDS).isOk()).isTrue();
        assertThat(late.getRecord(key, Quorum.ONE).get(30, TimeUnit.SECONDS)).isInstanceOf(QueryResult.GetRecord.Ok.class);
    }

    @Test
    void closingTheRuntimeClosesTheRestAndStopsItsThreads() throws Exception {
        startNetwork();
        nodes.get(0).close();
        runtime.close();
        for (KademliaNode n : nodes) {
            assertThat(n.isClosed()).isTrue();
            assertThat(n.host().isClosed()).isTrue();
            assertThat(n.armedTimers()).isZero();
        }
        assertThat(runtime.pendingTimers()).isZero();
        Awaitility.await().atMost(WAIT).until(() -> threadNames().stream()
                .noneMatch(s -> s.startsWith("kad-io-") || s.startsWith("kad-logic-")));
        assertThatThrownBy(() -> start(99)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aNodeAloneStillHasItsOwnThreads() throws Exception {
        Ed25519KeyPair identity = Ed25519KeyPair.generate();
        try (KademliaNode alone = KademliaNode.start(KademliaNodeConfig.builder(identity)
                .listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0"))
                .openStore("memory", StoreConfig.defaults(identity.peerId()))
                .ioThreads(1)
                .build())) {
            String logic = "kad-logic-" + LogicLoop.shortId(identity.peerId());
            assertThat(alone.stats().get(10, TimeUnit.SECONDS).routingTableSize()).isZero();
            assertThat(threadNames()).contains(logic);
            alone.close();
            Awaitility.await().atMost(WAIT).until(() -> !threadNames().contains(logic));
        }
    }
}
