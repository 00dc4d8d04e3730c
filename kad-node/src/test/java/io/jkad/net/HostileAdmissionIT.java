package io.jkad.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.node.KadProcess;
import io.jkad.protocol.KadCodec;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.jkad.record.RecordKey;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Admission control of a real {@code kad run} (its own process, 256 MiB heap, default limits)
 * against hostile sources on loopback. All of 127/8 is local on Linux, so the attackers bind
 * their sockets to 127.0.1.x (one /24, several IPs) and the honest peer dials from 127.0.0.1 (another
 * IP and /24). The peers are {@link RawPeer}s: hand-driven multistream, Noise and Yamux.
 *
 * <p>After each test the node is alive, its thread count is back where it was, and an honest peer connects and gets a FIND_NODE answered.
 * The numbers (honest success under a flood, node CPU per second of a handshake flood) are
 * printed; run with {@code -Dkad.jar=<another build's kad.jar>} to measure that build the same way.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostileAdmissionIT {

    private static final String KAD = "/ipfs/kad/1.0.0";
    private static final String HONEST_IP = "127.0.0.1";

    private final KadCodec codec = KadCodec.defaults();
    private KadProcess node;
    private Multiaddr address;
    private int threadsBefore;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        node = KadProcess.create("hostile-admission", dir, List.of("--store", "memory")).launch();
        address = Multiaddr.parse("/ip4/127.0.0.1/tcp/" + node.nodePort());
    }

    @AfterAll
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    @BeforeEach
    void countThreads() throws IOException {
        threadsBefore = node.threads();
    }

    @AfterEach
    void nodeAliveAndServingAnHonestPeer() throws Exception {
        assertThat(node.running()).as("node alive:\n%s", node.logTail()).isTrue();
        ThreadCounts.awaitBackTo("hostile-admission node", node::threads, threadsBefore);
        assertThat(honestPeerServed()).as("an honest peer is served after the test:\n%s", node.logTail()).isTrue();
    }

    /** A new peer from 127.0.0.1 connects (multistream, Noise, Yamux) and gets a FIND_NODE answered. */
    private boolean honestPeerServed() {
        try (RawPeer p = RawPeer.connectMuxedFrom(HONEST_IP, address, Ed25519KeyPair.generate())) {
            return findNodeAnsweredOn(p);
        } catch (Exception e) {
            return false;
        }
    }

    private boolean findNodeAnsweredOn(RawPeer p) throws Exception {
        KadRequest find = new KadRequest.FindNode(RecordKey.ofUtf8("/hostile/admission/" + System.nanoTime()));
        int id = p.openLazy(KAD, RawPeer.lengthPrefixed(codec.encodeRequest(find, Instant.now())));
        if (!RawPeer.MULTISTREAM.equals(p.readStreamMessage(id)) || !KAD.equals(p.readStreamMessage(id))) {
            return false;
        }
        return codec.decodeResponse(p.readStreamFrame(id), find, Instant.now()) instanceof KadResponse.FindNode;
    }

    private static String attacker(int i) {
        return "127.0.1." + (10 + i);
    }

    /**
     * Row 4 of issue 11: one source keeps as many connections as it can open in the handshake
     * (1,200 from 40 addresses of one /24, each reopened as soon as it is closed), never
     * authenticating. The honest peer must get through every time.
     */
    @Test
    @Order(1)
    void oneSourceHoldingConnectionsInTheHandshakeDoesNotLockOthersOut() throws Exception {
        int ips = 40;
        int perIp = 30;
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger held = new AtomicInteger();
        AtomicInteger opened = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(ips);
        for (int i = 0; i < ips; i++) {
            String ip = attacker(i);
            pool.execute(() -> holdConnections(ip, perIp, running, held, opened, refused));
        }
        int attempts = 0;
        int served = 0;
        try {
            // Once the attacker has filled what it can (the node refuses its next connections), try as
            // the honest peer, 30 times over about 15 s.
            org.awaitility.Awaitility.await("the attacker's source refused").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(50)).until(() -> refused.get() > 0);
            for (int i = 0; i < 30; i++) {
                attempts++;
                if (honestPeerServed()) {
                    served++;
                }
                Thread.sleep(500); // pacing the honest peer, not waiting for a condition
            }
        } finally {
            running.set(false);
            pool.shutdown();
            pool.awaitTermination(30, TimeUnit.SECONDS);
        }
        Map<String, Object> resources = resources();
        System.out.printf(Locale.ROOT, "[admission] holding flood: honest peer served %d/%d; attacker held up to %d at"
                        + " the end, opened %d, refused %d; node status resources %s%n",
                served, attempts, held.get(), opened.get(), refused.get(), resources);
        assertThat(served).as("honest connections served under the flood").isEqualTo(attempts);
        assertThat(refused.get()).as("the attacker was refused past its caps").isPositive();
    }

    /** Keeps up to {@code n} sockets from {@code ip} open in the handshake, reopening closed ones. */
    private void holdConnections(String ip, int n, AtomicBoolean running, AtomicInteger held, AtomicInteger opened,
                                 AtomicInteger refused) {
        List<RawPeer> open = new ArrayList<>();
        try {
            while (running.get()) {
                open.removeIf(p -> {
                    try {
                        if (p.closedWithin(Duration.ofMillis(1))) {
                            p.abort();
                            held.decrementAndGet();
                            return true;
                        }
                        return false;
                    } catch (IOException e) {
                        held.decrementAndGet();
                        return true;
                    }
                });
                while (open.size() < n && running.get()) {
                    try {
                        RawPeer p = RawPeer.connectFrom(ip, address);
                        open.add(p);
                        held.incrementAndGet();
                        opened.incrementAndGet();
                    } catch (IOException e) {
                        refused.incrementAndGet();
                        break;
                    }
                }
                Thread.sleep(100); // the attacker's own pacing
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            for (RawPeer p : open) {
                try {
                    p.abort();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }

    /**
     * Row 6 of issue 11: Noise message 1 in a loop from one address, each connection dropped
     * after it. The node does the handshake work for at most its rate limit, refuses the rest
     * before any, and logs the refusals a bounded number of times.
     */
    @Test
    @Order(2)
    void noiseMessage1InALoopCostsBoundedWorkAndBoundedLogging() throws Exception {
        String ip = "127.0.1.200";
        Duration flood = Duration.ofSeconds(10);
        long cpuBefore = node.cpuNanos();
        long start = System.nanoTime();
        int attempts = 0;
        int served = 0;
        while (System.nanoTime() - start < flood.toNanos()) {
            attempts++;
            RawPeer p;
            try {
                p = RawPeer.connectFrom(ip, address);
            } catch (IOException e) {
                continue; // reset before connect returned: refused
            }
            try {
                if (p.noiseMessage1AndWait()) {
                    served++;
                }
            } finally {
                p.abort();
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long cpu = node.cpuNanos() - cpuBefore;
        long logLines = node.log().lines()
                .filter(l -> l.contains(" INFO ") && l.contains("refusing inbound connection from " + ip)).count();
        System.out.printf(Locale.ROOT, "[admission] noise message 1 flood: %d attempts in %.1f s (%.0f/s), %d handshakes"
                        + " served (%.1f/s); node CPU %.0f ms = %.1f ms per second of flood, %.3f ms per attempt; %d refusal"
                        + " log lines%n", attempts, seconds, attempts / seconds, served, served / seconds, cpu / 1e6,
                cpu / 1e6 / seconds, cpu / 1e6 / Math.max(1, attempts), logLines);
        // Work: at most the burst (32) and 8 a second after it, give or take one refill.
        assertThat(served).as("handshakes the node worked on").isLessThanOrEqualTo(
                HostConfig.DEFAULT_HANDSHAKE_BURST + (int) Math.ceil(HostConfig.DEFAULT_HANDSHAKES_PER_SECOND * seconds) + 1);
        assertThat(attempts).as("the flood was a flood").isGreaterThan(served * 3);
        // Logging: one line per 10 s per reason, at most.
        assertThat(logLines).isBetween(1L, (long) Math.ceil(seconds / Host.REFUSAL_LOG_INTERVAL.toSeconds()) + 1);
        assertThat(node.apiText("/metrics")).contains("kad_admission_refusals_total{reason=\"handshake_rate\"}");
    }

    /** A peer that opens more connections than one peer may have: the extra one is closed, the others kept. */
    @Test
    @Order(3)
    void aPeerOverItsConnectionLimitIsRefusedTheExtraConnectionOnly() throws Exception {
        Ed25519KeyPair offender = Ed25519KeyPair.generate();
        int limit = ResourceLimits.defaults().connectionsPerPeer();
        List<RawPeer> connections = new ArrayList<>();
        try {
            for (int i = 0; i < limit; i++) {
                connections.add(RawPeer.connectMuxedFrom("127.0.2.1", address, offender));
            }
            assertThatThrownBy(() -> RawPeer.connectMuxedFrom("127.0.2.1", address, offender).close())
                    .as("connection %d of one peer", limit + 1).isInstanceOf(IOException.class);
            // Its other connections still work.
            assertThat(findNodeAnsweredOn(connections.get(0))).isTrue();
            assertThat(findNodeAnsweredOn(connections.get(limit - 1))).isTrue();
            Map<String, Object> r = resources();
            System.out.printf(Locale.ROOT, "[admission] %d connections of one peer kept, connection %d refused; %s%n",
                    limit, limit + 1, r);
        } finally {
            for (RawPeer p : connections) {
                p.close();
            }
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> resources() throws IOException {
        Object r = node.apiGet("/v1/status").get("resources");
        return r instanceof Map ? (Map<String, Object>) r : Map.of();
    }
}
