package io.jkad.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.kademlia.KademliaConfig;
import io.jkad.kademlia.KademliaEvent;
import io.jkad.kademlia.ReprovideReport;
import io.jkad.kademlia.ReprovideStatus;
import io.jkad.kademlia.ReprovideStrategy;
import io.jkad.record.Keyspace;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.StoreConfig;
import io.jkad.record.TestRecordStore;
import io.jkad.routing.KeyBytes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The reprovide sweep in a simulated network: one node provides thousands of keys it never
 * announced, and one cycle of the sweep puts each key's provider record at its own closest nodes
 * with a few lookups per region instead of one per key.
 */
class ReprovideSweepSimulationTest {
    private static final int K = 20;
    private static final Duration INTERVAL = Duration.ofHours(1);
    private static final int WARM_UP_LOOKUPS = 64;

    private SimNetwork net;

    @AfterEach
    void close() {
        if (net != null) {
            net.close();
        }
    }

    private SimNetwork network(long seed, int nodes) {
        KademliaConfig config = KademliaConfig.builder()
                .reprovideStrategy(ReprovideStrategy.SWEEP)
                .providerPublicationInterval(Optional.of(INTERVAL))
                .build();
        SimConfig sc = SimConfig.defaults(seed, id -> new TestRecordStore(
                StoreConfig.defaults(id).withLimits(1024, 65 * 1024, K, 100_000))).withKademlia(config);
        SimNetwork n = new SimNetwork(sc);
        n.addAndBootstrap(nodes, 25);
        return n;
    }

    /**
     * {@code node} has run a while: its lookups of the network as it is now fill the size estimate
     * (the bootstrap's were made while the network was still growing).
     */
    private void warmUp(SimNode node) {
        for (int i = 0; i < WARM_UP_LOOKUPS; i++) {
            node.kademlia().getClosestPeers(RecordKey.ofUtf8("warm-up " + node.index() + " " + i));
        }
        net.drive(node);
        net.runFor(Duration.ofMinutes(1));
    }

    /**
     * Stores {@code count} keys as provided by {@code node} without announcing them, but the last,
     * which is provided as a user would (and wakes the sweep, which found no keys before).
     */
    private List<RecordKey> provideQuietly(SimNode node, int count, String tag) {
        List<RecordKey> keys = new ArrayList<>();
        for (int i = 0; i < count - 1; i++) {
            RecordKey key = RecordKey.ofUtf8(tag + " " + i);
            node.store().addProvider(new ProviderRecord(key, node.id(), Optional.empty(), List.of()));
            keys.add(key);
        }
        RecordKey last = RecordKey.ofUtf8(tag + " " + (count - 1));
        node.kademlia().startProviding(last, net.now());
        net.drive(node);
        keys.add(last);
        return keys;
    }

    /** The fraction of keys of which at least 15 of the 20 closest live nodes hold {@code provider}'s record. */
    private double coverage(SimNode provider, List<RecordKey> keys) {
        int covered = 0;
        for (RecordKey key : keys) {
            List<SimNode> closest = net.trueClosest(KeyBytes.digestOf(key.toBytes()), K + 1, false);
            closest.remove(provider);
            int holding = 0;
            for (SimNode n : closest.subList(0, K)) {
                if (n.store().providers(key).stream().anyMatch(p -> p.provider().equals(provider.id()))) {
                    holding++;
                }
            }
            if (holding >= 15) {
                covered++;
            } else if (System.getenv("SWEEP_DEBUG") != null) {
                StringBuilder b = new StringBuilder();
                for (SimNode n : closest.subList(0, K)) {
                    boolean has = n.store().providers(key).stream().anyMatch(p -> p.provider().equals(provider.id()));
                    b.append(has ? '+' : '-').append(n.store().providers(key).size()).append(' ');
                }
                byte[] id = Keyspace.id(key);
                System.out.printf("MISS %s %02x %s%n", key, id[0], b);
            }
        }
        return (double) covered / keys.size();
    }

    @Test
    void oneCycleAnnouncesEveryKeyToItsClosestNodesWithFewLookups() {
        net = network(21, 300);
        SimNode provider = net.node(7);
        warmUp(provider);
        List<ReprovideReport> reports = new ArrayList<>();
        net.addListener((node, event) -> {
            if (node == provider && event instanceof KademliaEvent.RegionReprovided r) {
                reports.add(r.report());
            }
        });
        List<RecordKey> keys = provideQuietly(provider, 3000, "swept");
        assertThat(coverage(provider, keys.subList(0, keys.size() - 1))).isZero();

        net.runFor(INTERVAL.plusMinutes(2));

        double coverage = coverage(provider, keys);
        List<ReprovideReport> firstCycle = reports.stream().filter(r -> r.cycle() == 0).toList();
        assertThat(firstCycle.stream().mapToInt(ReprovideReport::keys).sum()).isEqualTo(keys.size());
        // regions are disjoint and in keyspace order
        for (int i = 1; i < firstCycle.size(); i++) {
            assertThat(firstCycle.get(i).prefix().compareTo(firstCycle.get(i - 1).prefix())).isPositive();
        }
        if (System.getenv("SWEEP_DEBUG") != null) {
            reports.forEach(r -> System.out.println("REGION " + r));
        }
        assertThat(coverage).isGreaterThanOrEqualTo(0.99);
        int lookups = firstCycle.stream().mapToInt(ReprovideReport::lookups).sum();
        assertThat(lookups).as("lookups for %d keys", keys.size()).isLessThan(keys.size() / 20);
        int addProviders = firstCycle.stream().mapToInt(ReprovideReport::addProviderRequests).sum();
        assertThat(addProviders).isEqualTo(keys.size() * K);
        // spread over the interval: the last region starts late in it
        assertThat(firstCycle.get(firstCycle.size() - 1).started())
                .isAfter(SimNetwork.EPOCH.plus(INTERVAL.dividedBy(2)));
        assertThat(firstCycle).hasSizeGreaterThanOrEqualTo(4);
        ReprovideStatus status = provider.kademlia().reprovideStatus(net.now()).orElseThrow();
        assertThat(status.cycle()).isEqualTo(1);
        assertThat(status.keysAnnounced()).isEqualTo(reports.stream().mapToInt(ReprovideReport::keys).sum());
        assertThat(status.lag()).isZero();
        assertThat(status.networkSize()).isPresent();
        assertThat(status.networkSize().getAsDouble()).isBetween(300 * 0.8, 300 * 1.2);
        // the exploration costs under a tenth of the ADD_PROVIDERs (its requests and their answers;
        // key by key, each key would cost a lookup of about 45 requests)
        int lookupRequests = firstCycle.stream().mapToInt(ReprovideReport::lookupRequests).sum();
        assertThat(2 * lookupRequests).isLessThan(addProviders / 10);
    }

    @Test
    void aKeyNoLongerProvidedIsNotAnnouncedAgain() {
        net = network(22, 120);
        SimNode provider = net.node(3);
        warmUp(provider);
        List<RecordKey> keys = provideQuietly(provider, 400, "kept");
        RecordKey dropped = keys.remove(0);
        provider.kademlia().stopProviding(dropped);
        net.runFor(INTERVAL.plusMinutes(2));
        assertThat(coverage(provider, keys)).isGreaterThanOrEqualTo(0.99);
        for (SimNode n : net.nodes()) {
            assertThat(n.store().providers(dropped)).isEmpty();
        }
    }

    @Test
    void theScheduleSpreadsRegionsOverTheIntervalByPosition() {
        net = network(23, 150);
        SimNode provider = net.node(5);
        warmUp(provider);
        List<ReprovideReport> reports = new ArrayList<>();
        net.addListener((node, event) -> {
            if (node == provider && event instanceof KademliaEvent.RegionReprovided r) {
                reports.add(r.report());
            }
        });
        provideQuietly(provider, 600, "spread");
        net.runFor(INTERVAL.multipliedBy(2).plusMinutes(2));
        java.time.Instant anchor = SimNetwork.EPOCH;
        for (ReprovideReport r : reports) {
            double f = r.position();
            java.time.Instant due = anchor.plus(INTERVAL.multipliedBy(r.cycle()))
                    .plusNanos(Math.round(INTERVAL.toNanos() * f));
            // each region starts at its time (the first: when the sweep found keys, after the warm-up)
            assertThat(Duration.between(due, r.started()).abs()).isLessThan(Duration.ofMinutes(3));
        }
        // the second cycle announced every key again, each region about one interval after the first time
        assertThat(reports.stream().filter(r -> r.cycle() == 0).mapToInt(ReprovideReport::keys).sum()).isEqualTo(600);
        assertThat(reports.stream().filter(r -> r.cycle() == 1).mapToInt(ReprovideReport::keys).sum()).isEqualTo(600);
    }

    /**
     * A crash in the middle of a cycle (the node leaves without a word), ten minutes down, a
     * restart on the same store: the regions whose time came while it was down are announced at
     * once, the others at their time, no region is skipped and none announced twice (the one in
     * progress at the crash had not finished, so it is done once, after the restart).
     */
    @Test
    void aRestartResumesTheCycleAndCatchesUpWhatItMissed() {
        net = network(24, 200);
        SimNode provider = net.node(9);
        warmUp(provider);
        List<ReprovideReport> reports = new ArrayList<>();
        net.addListener((node, event) -> {
            if (node == provider && event instanceof KademliaEvent.RegionReprovided r) {
                reports.add(r.report());
            }
        });
        List<RecordKey> keys = provideQuietly(provider, 1500, "restarted");
        java.time.Instant anchor = SimNetwork.EPOCH;
        // crash at about 40 % of the cycle, in the middle of announcing a region
        net.runUntil(() -> false, anchor.plus(INTERVAL.multipliedBy(2).dividedBy(5)));
        int before = reports.size();
        assertThat(before).isGreaterThan(1);
        net.leave(provider);
        net.runFor(Duration.ofMinutes(10));
        java.time.Instant restarted = net.now();
        net.restart(provider);
        net.runUntil(() -> provider.kademlia().reprovideStatus(net.now()).orElseThrow().cycle() > 0,
                anchor.plus(INTERVAL.multipliedBy(2)));
        net.runFor(Duration.ofSeconds(30)); // the last ADD_PROVIDERs arrive

        List<ReprovideReport> cycle0 = reports.stream().filter(r -> r.cycle() == 0).toList();
        if (System.getenv("SWEEP_DEBUG") != null) {
            reports.forEach(r -> System.out.println("REGION " + r));
        }
        // every key of the cycle announced exactly once, across the crash
        assertThat(cycle0.stream().mapToInt(ReprovideReport::keys).sum()).isEqualTo(keys.size());
        for (int i = 1; i < cycle0.size(); i++) {
            assertThat(cycle0.get(i).position()).isGreaterThan(cycle0.get(i - 1).position());
        }
        double downTo = Duration.between(anchor, restarted).toNanos() / (double) INTERVAL.toNanos();
        for (ReprovideReport r : cycle0.subList(before, cycle0.size())) {
            if (r.position() < downTo) {
                // missed while down: announced right after the restart
                assertThat(Duration.between(restarted, r.started())).isLessThan(Duration.ofMinutes(2));
            } else {
                java.time.Instant due = anchor.plusNanos(Math.round(INTERVAL.toNanos() * r.position()));
                assertThat(Duration.between(due, r.started()).abs()).isLessThan(Duration.ofMinutes(1));
            }
        }
        assertThat(cycle0.subList(before, cycle0.size()).stream().anyMatch(r -> r.position() < downTo)).isTrue();
        // the restarted node sizes its first regions from the estimate kept with the schedule
        assertThat(cycle0.get(before).bits()).isEqualTo(cycle0.get(before - 1).bits());
        assertThat(coverage(provider, keys)).isGreaterThanOrEqualTo(0.99);
    }

    /**
     * {@code reprovideNow} announces every key at once rather than over the interval, and the audit
     * then finds this node's record at the closest peers of each key it samples, as the network
     * holds it.
     */
    @Test
    void reprovideNowAnnouncesEverythingAtOnceAndTheAuditSeesIt() {
        net = network(25, 150);
        SimNode provider = net.node(4);
        warmUp(provider);
        List<ReprovideReport> reports = new ArrayList<>();
        net.addListener((node, event) -> {
            if (node == provider && event instanceof KademliaEvent.RegionReprovided r) {
                reports.add(r.report());
            }
        });
        List<RecordKey> keys = provideQuietly(provider, 800, "now");
        RecordKey unannounced = RecordKey.ofUtf8("provided by nobody");
        java.time.Instant asked = net.now();
        provider.kademlia().reprovideNow(asked);
        net.drive(provider);
        net.runFor(Duration.ofMinutes(2));
        if (System.getenv("SWEEP_DEBUG") != null) {
            System.out.println("ASKED " + asked);
            reports.forEach(r -> System.out.println("REGION " + r));
        }
        assertThat(reports.stream().mapToInt(ReprovideReport::keys).sum()).isEqualTo(keys.size());
        assertThat(reports).allSatisfy(r -> assertThat(Duration.between(asked, r.finished()))
                .isLessThan(Duration.ofMinutes(1)));
        assertThat(coverage(provider, keys)).isGreaterThanOrEqualTo(0.99);
        for (RecordKey key : keys.subList(0, 10)) {
            var audit = (io.jkad.kademlia.QueryResult.ProviderAudit.Ok) net.run(provider,
                    k -> k.auditProvider(key), Duration.ofMinutes(2)).result();
            assertThat(audit.closest()).hasSize(K);
            assertThat(audit.answered()).hasSize(K);
            List<SimNode> truth = net.trueClosest(io.jkad.routing.KeyBytes.digestOf(key.toBytes()), K + 1, false);
            truth.remove(provider);
            assertThat(audit.closest().stream().filter(id -> truth.stream().anyMatch(n -> n.id().equals(id))).count())
                    .as("the lookup's closest are the true closest, but for one or two").isGreaterThanOrEqualTo(K - 2);
            assertThat(audit.holding()).hasSizeGreaterThanOrEqualTo(15);
        }
        var none = (io.jkad.kademlia.QueryResult.ProviderAudit.Ok) net.run(provider,
                k -> k.auditProvider(unannounced), Duration.ofMinutes(2)).result();
        assertThat(none.answered()).hasSize(K);
        assertThat(none.holding()).isEmpty();
        // the schedule goes on: the next cycle is an interval after the catch-up
        ReprovideStatus status = provider.kademlia().reprovideStatus(net.now()).orElseThrow();
        assertThat(status.nextRegionDue()).hasValueSatisfying(t -> assertThat(t).isAfter(net.now().plusSeconds(60)));
    }
}
