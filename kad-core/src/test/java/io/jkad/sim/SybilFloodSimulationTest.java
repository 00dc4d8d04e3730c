package io.jkad.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.identity.PeerId;
import io.jkad.kademlia.KademliaConfig;
import io.jkad.kademlia.KademliaEvent;
import io.jkad.kademlia.QueryResult;
import io.jkad.kademlia.RequestLimits;
import io.jkad.record.RecordKey;
import io.jkad.record.StoreConfig;
import io.jkad.record.TestRecordStore;
import io.jkad.routing.KeyBytes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Issue 11 in the simulator: 1 % of the nodes are Sybils that flood their neighbours with requests
 * of every type; the per-peer request budgets refuse the flood, and honest lookups succeed as
 * often and cost as many messages as in the same network without Sybils.
 */
class SybilFloodSimulationTest {
    private static final int NODES = 400;
    private static final int SYBILS = NODES / 100;
    private static final int LOOKUPS = 60;
    private static final int K = 20;
    private static final long SEED = 2024;
    /** One request of every type to each of 4 neighbours every 5 ms: 200 per second per type and neighbour. */
    private static final SimNetwork.SybilFlood FLOOD = new SimNetwork.SybilFlood(Duration.ofMillis(5), 4);

    /** What a series of honest lookups came to. */
    record Figures(int lookups, int succeeded, double precision, long requests, long sybilRequests,
                   long rateLimited, Map<String, Long> acceptedFromSybils, Duration virtualTime) {
        double successRate() {
            return (double) succeeded / lookups;
        }

        double requestsPerLookup() {
            return (double) requests / lookups;
        }
    }

    private static SimNetwork network(KademliaConfig config) {
        SimConfig sc = SimConfig.defaults(SEED, id -> new TestRecordStore(StoreConfig.defaults(id)))
                .withKademlia(config);
        return new SimNetwork(sc);
    }

    /**
     * Builds the network, picks the Sybils (flooding or not), then runs lookups from honest nodes:
     * half for the flooded neighbours' ids (so that the flooded nodes are asked), half for random keys.
     */
    private static Figures run(KademliaConfig config, boolean flood) {
        try (SimNetwork net = network(config)) {
            net.addAndBootstrap(NODES, 25);
            List<SimNode> sybils = net.makeSybils(SYBILS, List.of(net.node(0)));
            // The neighbours the flood will hit, known also in the run without flood.
            List<PeerId> flooded = new ArrayList<>();
            for (SimNode s : sybils) {
                s.kademlia().closestPeers(io.jkad.routing.Key.of(s.id()).bytes(), FLOOD.neighbours())
                        .forEach(e -> flooded.add(e.node().key().preimage()));
            }
            Map<String, Long> accepted = new HashMap<>();
            Set<PeerId> sybilIds = new HashSet<>();
            sybils.forEach(s -> sybilIds.add(s.id()));
            net.addListener((node, event) -> {
                if (event instanceof KademliaEvent.InboundRequest r && sybilIds.contains(r.source())) {
                    accepted.merge(r.request().messageType(), 1L, Long::sum);
                } else if (event instanceof KademliaEvent.RequestRefused r && sybilIds.contains(r.source())) {
                    accepted.merge(r.request().messageType(), -1L, Long::sum);
                }
            });
            if (flood) {
                net.startSybilFlood(FLOOD);
                net.runFor(Duration.ofSeconds(5)); // past the bursts
            }
            java.time.Instant start = net.now();
            Random rnd = new Random(SEED + 1);
            List<SimNode> honest = new ArrayList<>(net.onlineHonestNodes());
            honest.removeIf(SimNode::isSybil);
            int succeeded = 0;
            double precision = 0;
            long requests = 0;
            for (int i = 0; i < LOOKUPS; i++) {
                SimNode source = honest.get(rnd.nextInt(honest.size()));
                byte[] target;
                if (i % 2 == 0) {
                    target = flooded.get(rnd.nextInt(flooded.size())).toBytes();
                } else {
                    target = new byte[32];
                    rnd.nextBytes(target);
                }
                RecordKey key = RecordKey.of(target);
                var outcome = net.run(source, k -> k.getClosestPeers(key), Duration.ofMinutes(5));
                requests += outcome.stats().requests();
                Set<PeerId> truth = new HashSet<>();
                net.trueClosest(KeyBytes.digestOf(target), K, true).forEach(n -> truth.add(n.id()));
                truth.remove(source.id());
                if (outcome.result() instanceof QueryResult.GetClosestPeers.Ok ok) {
                    long found = ok.peers().stream().filter(truth::contains).count();
                    precision += (double) found / truth.size();
                    if (found == truth.size()) {
                        succeeded++;
                    }
                }
            }
            net.stopSybilFlood();
            return new Figures(LOOKUPS, succeeded, precision / LOOKUPS, requests, net.sybilRequests(),
                    net.refusedRequests(KademliaEvent.RefusalReason.RATE_LIMITED), accepted,
                    Duration.between(start, net.now()));
        }
    }

    @Test
    void honestLookupsAreUnchangedByAFloodThatTheBudgetsRefuse() {
        Figures quiet = run(KademliaConfig.defaults(), false);
        Figures flooded = run(KademliaConfig.defaults(), true);
        System.out.printf("sybil flood, %d nodes, %d sybils, %d lookups:%n  quiet:   %s%n  flooded: %s%n",
                NODES, SYBILS, LOOKUPS, quiet, flooded);

        assertThat(quiet.sybilRequests()).isZero();
        assertThat(quiet.rateLimited()).isZero();
        assertThat(flooded.sybilRequests()).isGreaterThan(100_000);
        assertThat(flooded.rateLimited()).isGreaterThan(0);
        // Most of the flood was refused.
        assertThat(flooded.rateLimited()).isGreaterThan(flooded.sybilRequests() * 3 / 4);
        // What got through stays within each type's budget: burst + rate x time, per Sybil and neighbour.
        double seconds = 5 + flooded.virtualTime().toMillis() / 1000.0 + 1;
        RequestLimits limits = RequestLimits.DEFAULTS;
        Map<String, RequestLimits.Rate> byType = Map.of("FIND_NODE", limits.findNode(), "GET_VALUE", limits.getValue(),
                "PUT_VALUE", limits.putValue(), "GET_PROVIDERS", limits.getProviders(),
                "ADD_PROVIDER", limits.addProvider(), "PING", limits.ping());
        byType.forEach((type, rate) -> assertThat(flooded.acceptedFromSybils().getOrDefault(type, 0L)).as(type)
                .isPositive()
                .isLessThanOrEqualTo((long) (SYBILS * FLOOD.neighbours() * (rate.burst() + rate.perSecond() * seconds))));

        assertThat(quiet.successRate()).isGreaterThan(0.5);
        assertThat(flooded.successRate()).isBetween(quiet.successRate() * 0.95, quiet.successRate() * 1.05);
        assertThat(flooded.precision()).isBetween(quiet.precision() * 0.95, quiet.precision() * 1.05);
        assertThat(flooded.requestsPerLookup()).isBetween(quiet.requestsPerLookup() * 0.95,
                quiet.requestsPerLookup() * 1.05);
    }

    @Test
    void withoutSybilsTheBudgetsChangeNothing() {
        Figures limited = run(KademliaConfig.defaults(), false);
        Figures unlimited = run(KademliaConfig.builder().requestLimits(RequestLimits.UNLIMITED).build(), false);
        assertThat(limited.rateLimited()).isZero();
        assertThat(limited).isEqualTo(unlimited);
    }
}
