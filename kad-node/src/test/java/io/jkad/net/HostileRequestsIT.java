package io.jkad.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.kademlia.KademliaConfig;
import io.jkad.kademlia.KademliaEvent;
import io.jkad.kademlia.QueryResult;
import io.jkad.kademlia.RequestLimits;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.protocol.KadPeer;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.jkad.protocol.ConnectionType;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 11, row "one peer takes the logic thread": a peer with a real connection (Noise, Yamux)
 * floods a running {@link KademliaNode} with FIND_NODE, GET_VALUE and ADD_PROVIDER requests as
 * fast as its streams allow, with the default request budgets. The node refuses what is over the
 * flooder's budget with stream resets (counted, the log line rate-limited); meanwhile the node's
 * API answers, an honest node's lookups through it succeed and a fresh honest client is served;
 * afterwards the flooder alone is still refused, and the JVM's thread count (the node runs in
 * this JVM) is back where it was.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileRequestsIT {

    private static final RecordKey KEY = RecordKey.ofUtf8("/jkad/hostile-requests/known");
    private static final byte[] VALUE = "served".getBytes(StandardCharsets.UTF_8);
    private static final int FLOOD_STREAMS = 8;
    private static final Duration FLOOD_TIME = Duration.ofSeconds(4);

    private KademliaNode target;
    private KademliaNode partner;
    private Multiaddr address;
    private int threadsBefore;
    private final Map<String, AtomicLong> refusedByNode = new ConcurrentHashMap<>();

    @BeforeAll
    void start() throws Exception {
        KademliaConfig kad = KademliaConfig.builder().connectionIdleTimeout(Duration.ofMinutes(10)).build();
        assertThat(kad.requestLimits()).isEqualTo(RequestLimits.DEFAULTS);
        target = KademliaNode.start(KademliaNodeConfig.builder(Ed25519KeyPair.generate())
                .listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).kademlia(kad).ioThreads(1).build());
        partner = KademliaNode.start(KademliaNodeConfig.builder(Ed25519KeyPair.generate())
                .listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).kademlia(kad).ioThreads(1).build());
        address = target.listenAddresses().get(0);
        get(partner.addAddress(target.peerId(), address));
        assertThat(get(partner.bootstrap()).isOk()).isTrue();
        get(target.execute(k -> {
            k.store().put(DhtRecord.of(KEY, VALUE));
            return null;
        }));
        target.addListener(e -> {
            if (e instanceof KademliaEvent.RequestRefused r
                    && r.reason() == KademliaEvent.RefusalReason.RATE_LIMITED) {
                refusedByNode.computeIfAbsent(r.source() + " " + r.request().messageType(), x -> new AtomicLong())
                        .incrementAndGet();
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> get(target.routingTable()).stream()
                .anyMatch(e -> e.peer().equals(partner.peerId())));
    }

    @BeforeEach
    void countThreads() throws IOException {
        threadsBefore = jvmThreads();
    }

    /** The node runs in this JVM: its threads are counted with the JVM's. */
    @AfterEach
    void noThreadLeaked() throws IOException {
        ThreadCounts.awaitBackTo("this JVM (the node in it)", HostileRequestsIT::jvmThreads, threadsBefore);
    }

    private static int jvmThreads() throws IOException {
        return io.jkad.node.KadProcess.threadsOf(ProcessHandle.current().pid());
    }

    @AfterAll
    void stop() {
        if (partner != null) {
            partner.close();
        }
        if (target != null) {
            target.close();
        }
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    private long refusedByNode(PeerId source, String type) {
        AtomicLong n = refusedByNode.get(source + " " + type);
        return n == null ? 0 : n.get();
    }

    /** What one flooding stream loop saw. */
    private record Seen(long answered, long reset) {}

    /**
     * Sends {@code request} on a stream of {@code client} and waits for its outcome, again and again
     * until {@code stop}; a reset stream is replaced by a new one.
     */
    private Seen floodLoop(Host client, AtomicBoolean stop, KadRequest... requests) throws Exception {
        long answered = 0;
        long reset = 0;
        RawKadStream s = RawKadStream.open(client, target.peerId());
        try {
            for (long i = 0; !stop.get(); i++) {
                s.send(requests[(int) (i % requests.length)]);
                Object o = s.next(10);
                if (o instanceof byte[]) {
                    answered++;
                } else {
                    assertThat(o).as("the outcome of a flooding request").isIn(RawKadStream.RESET, RawKadStream.CLOSED);
                    reset++;
                    s.close();
                    s = RawKadStream.open(client, target.peerId());
                }
            }
        } finally {
            s.close();
        }
        return new Seen(answered, reset);
    }

    /** A fresh client on a new connection gets FIND_NODE and GET_VALUE answered. */
    private void assertServesAFreshClient() throws Exception {
        try (Host fresh = Host.start(HostConfig.builder(Ed25519KeyPair.generate()).build())) {
            fresh.dial(target.peerId(), List.of(address)).get(10, TimeUnit.SECONDS);
            try (RawKadStream s = RawKadStream.open(fresh, target.peerId())) {
                KadResponse.FindNode found = s.call(new KadRequest.FindNode(RecordKey.of(partner.peerId().toBytes())),
                        KadResponse.FindNode.class);
                assertThat(found.closerPeers()).extracting(KadPeer::id).contains(partner.peerId());
                KadResponse.GetValue got = s.call(new KadRequest.GetValue(KEY), KadResponse.GetValue.class);
                assertThat(got.record()).hasValueSatisfying(r -> assertThat(r.value()).isEqualTo(VALUE));
            }
        }
    }

    @Test
    void aFloodOfRequestsIsRefusedPastTheBudgetAndHonestPeersAreServedMeanwhile() throws Exception {
        LogCapture log = LogCapture.start();
        ExecutorService pool = Executors.newFixedThreadPool(FLOOD_STREAMS + 1);
        try (Host flooder = Host.start(HostConfig.builder(Ed25519KeyPair.generate()).idleTimeout(Duration.ZERO).build())) {
            flooder.dial(target.peerId(), List.of(address)).get(10, TimeUnit.SECONDS);
            PeerId flooderId = flooder.peerId();
            KadRequest find = new KadRequest.FindNode(RecordKey.of(partner.peerId().toBytes()));
            KadRequest getValue = new KadRequest.GetValue(KEY);
            KadPeer asProvider = new KadPeer(flooderId, List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/9")),
                    ConnectionType.CONNECTED);

            AtomicBoolean stop = new AtomicBoolean();
            long started = System.nanoTime();
            List<Future<Seen>> loops = new ArrayList<>();
            for (int i = 0; i < FLOOD_STREAMS; i++) {
                loops.add(pool.submit(() -> floodLoop(flooder, stop, find, getValue)));
            }
            // ADD_PROVIDER has no answer: written back to back; a reset stream is replaced.
            AtomicLong addProviderSent = new AtomicLong();
            Future<?> providers = pool.submit(() -> {
                RawKadStream s = RawKadStream.open(flooder, target.peerId());
                for (long i = 0; !stop.get(); i++) {
                    try {
                        s.send(new KadRequest.AddProvider(RecordKey.ofUtf8("/flood/" + i), asProvider));
                        addProviderSent.incrementAndGet();
                    } catch (Exception e) {
                        s.close();
                        s = RawKadStream.open(flooder, target.peerId());
                    }
                    if (s.next(0) != null) { // a reset (ADD_PROVIDER is never answered)
                        s.close();
                        s = RawKadStream.open(flooder, target.peerId());
                    }
                }
                s.close();
                return null;
            });

            // While the flood runs: the node's API answers, an honest node's lookups through it
            // succeed, and a new honest client is served.
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> refusedByNode(flooderId, "FIND_NODE") > 0 && refusedByNode(flooderId, "GET_VALUE") > 0);
            for (int i = 0; i < 3; i++) {
                assertThat(target.execute(k -> k.routingTableSize()).get(5, TimeUnit.SECONDS)).isPositive();
                QueryResult.GetClosestPeers lookup = get(partner.getClosestPeers(RecordKey.ofUtf8("/honest/" + i)));
                assertThat(lookup.isOk()).as("honest lookup %d", i).isTrue();
                assertThat(lookup.peers()).contains(target.peerId());
                assertThat(get(partner.getRecord(KEY, io.jkad.kademlia.Quorum.ONE)).isOk()).isTrue();
                assertServesAFreshClient();
            }
            long remaining = FLOOD_TIME.toNanos() - (System.nanoTime() - started);
            if (remaining > 0) {
                Thread.sleep(TimeUnit.NANOSECONDS.toMillis(remaining)); // let the flood run its course
            }
            stop.set(true);
            long answered = 0;
            long reset = 0;
            for (Future<Seen> f : loops) {
                Seen seen = f.get(30, TimeUnit.SECONDS);
                answered += seen.answered();
                reset += seen.reset();
            }
            providers.get(30, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - started) / 1e9;

            // Right after the flood, the flooder is still held back (its budget refills at 20 a
            // second after a burst of 100: 150 requests in a row cannot all pass).
            long resetAfter = 0;
            RawKadStream after = RawKadStream.open(flooder, target.peerId());
            for (int i = 0; i < 150; i++) {
                after.send(find);
                if (!(after.next(10) instanceof byte[])) {
                    resetAfter++;
                    after.close();
                    after = RawKadStream.open(flooder, target.peerId());
                }
            }
            after.close();
            assertThat(resetAfter).as("flooder's requests refused after the flood").isPositive();
            // Likewise 300 ADD_PROVIDERs back to back: past the burst of 100 and what 20 a second
            // refill while the node reads them, some are refused. (During the flood the node may read
            // the provider stream slower than the budget refills, so that phase alone cannot show it.)
            RawKadStream burst = RawKadStream.open(flooder, target.peerId());
            for (int i = 0; i < 300; i++) {
                try {
                    burst.send(new KadRequest.AddProvider(RecordKey.ofUtf8("/burst/" + i), asProvider));
                } catch (Exception e) {
                    burst.close();
                    burst = RawKadStream.open(flooder, target.peerId());
                }
            }
            burst.close();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> refusedByNode(flooderId, "ADD_PROVIDER") > 0);

            long expectedRefusals = reset + resetAfter;
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                    refusedByNode(flooderId, "FIND_NODE") + refusedByNode(flooderId, "GET_VALUE"))
                    .isEqualTo(expectedRefusals));
            long findRefused = refusedByNode(flooderId, "FIND_NODE");
            long getRefused = refusedByNode(flooderId, "GET_VALUE");
            long addRefused = refusedByNode(flooderId, "ADD_PROVIDER");
            long providersStored = get(target.execute(k -> {
                long n = 0;
                for (long i = 0; i < addProviderSent.get(); i++) {
                    n += k.store().providers(RecordKey.ofUtf8("/flood/" + i)).size();
                }
                return n;
            }));
            System.out.printf("flood of %.1f s: FIND_NODE/GET_VALUE answered %d, reset %d (node: %d + %d refused);"
                            + " ADD_PROVIDER sent %d, stored %d, refused %d%n", seconds, answered, reset, findRefused,
                    getRefused, addProviderSent.get(), providersStored, addRefused);

            // Refused past the budget, and what was served stays within it: burst + rate x time.
            RequestLimits limits = RequestLimits.DEFAULTS;
            assertThat(reset).isPositive();
            assertThat(answered).isLessThanOrEqualTo((long) (limits.findNode().burst() + limits.getValue().burst()
                    + (limits.findNode().perSecond() + limits.getValue().perSecond()) * (seconds + 1)));
            assertThat(addRefused).isPositive();
            assertThat(providersStored).isLessThanOrEqualTo(
                    (long) (limits.addProvider().burst() + limits.addProvider().perSecond() * (seconds + 1)));
            // One log line per refusal reason in 10 s, not one per refusal.
            long budgetLines = log.lines().stream().filter(l -> l.contains("over the peer's budget")).count();
            assertThat(budgetLines).isBetween(1L, (long) (seconds / 10) + 2);

            // The node lives on and serves everyone else.
            assertServesAFreshClient();
            assertThat(target.isClosed()).isFalse();
            assertThat(target.connectedPeers()).contains(partner.peerId());
        } finally {
            pool.shutdownNow();
            log.close();
        }
    }
}
