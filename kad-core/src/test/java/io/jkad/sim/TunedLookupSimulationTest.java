package io.jkad.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.identity.PeerId;
import io.jkad.kademlia.KademliaConfig;
import io.jkad.kademlia.QueryResult;
import io.jkad.query.LookupStrategy;
import io.jkad.record.RecordKey;
import io.jkad.record.StoreConfig;
import io.jkad.record.TestRecordStore;
import io.jkad.routing.KeyBytes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The tuned lookup strategy in a simulated network with the region latency model: it finds the
 * true closest peers, never fewer than the reference strategy on the same network and lookups,
 * with fewer requests; and the run is the same for the same seed.
 */
class TunedLookupSimulationTest {

    private static SimConfig config(long seed, LookupStrategy strategy) {
        return SimConfig.defaults(seed, id -> new TestRecordStore(StoreConfig.defaults(id)))
                .withKademlia(KademliaConfig.builder().lookupStrategy(strategy).build())
                .withRegions(RegionLatency.DEFAULT);
    }

    private record Lookup(List<PeerId> found, List<PeerId> truth, int requests, Duration elapsed) {}

    private static List<Lookup> lookups(SimNetwork net, int count, long seed) {
        Random rnd = new Random(seed);
        List<Lookup> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] t = new byte[32];
            rnd.nextBytes(t);
            SimNode source = net.node(rnd.nextInt(net.nodes().size()));
            var outcome = net.run(source, k -> k.getClosestPeers(RecordKey.of(t)), Duration.ofMinutes(2));
            List<PeerId> truth = new ArrayList<>();
            for (SimNode n : net.trueClosest(KeyBytes.digestOf(t), 21, false)) {
                if (!n.id().equals(source.id()) && truth.size() < 20) {
                    truth.add(n.id());
                }
            }
            out.add(new Lookup(((QueryResult.GetClosestPeers) outcome.result()).peers(), truth,
                    outcome.stats().requests(), outcome.elapsed()));
        }
        return out;
    }

    /**
     * The tuned strategy may miss one of the true closest now and then (kad sim measures its
     * precision at 0.9995-1.0 over 300 lookups of 150 nodes, the reference's likewise): it finds
     * at least 19 of the 20 in each lookup and 99.8 % of them in all.
     */
    @Test
    void findsTheTrueClosestPeersWithFewerRequestsThanTheReference() {
        try (SimNetwork net = new SimNetwork(config(11, LookupStrategy.REFERENCE))) {
            net.addAndBootstrap(150, 50);
            List<Lookup> reference = lookups(net, 30, 5);
            net.runFor(Duration.ofMinutes(1));
            for (SimNode n : net.nodes()) {
                n.kademlia().setLookupStrategy(LookupStrategy.TUNED);
            }
            List<Lookup> tuned = lookups(net, 30, 5);
            int referenceRequests = 0;
            int tunedRequests = 0;
            int found = 0;
            int truths = 0;
            for (int i = 0; i < tuned.size(); i++) {
                Lookup t = tuned.get(i);
                long right = t.found().stream().filter(t.truth()::contains).count();
                assertThat(right).as("lookup %d finds the true closest", i).isGreaterThanOrEqualTo(t.truth().size() - 1);
                found += (int) right;
                truths += t.truth().size();
                assertThat(t.found().size()).isGreaterThanOrEqualTo(reference.get(i).found().size());
                referenceRequests += reference.get(i).requests();
                tunedRequests += t.requests();
            }
            assertThat((double) found / truths).isGreaterThanOrEqualTo(0.998);
            assertThat(tunedRequests).isLessThan(referenceRequests);
        }
    }

    @Test
    void theSameSeedGivesTheSameRunWithRegionLatencies() {
        assertThat(fingerprint(3)).isEqualTo(fingerprint(3));
        assertThat(fingerprint(3)).isNotEqualTo(fingerprint(4));
    }

    private static List<Object> fingerprint(long seed) {
        try (SimNetwork net = new SimNetwork(config(seed, LookupStrategy.TUNED).withLoss(0.02))) {
            net.addAndBootstrap(60, 20);
            List<Object> out = new ArrayList<>();
            for (Lookup l : lookups(net, 5, 9)) {
                out.add(l.found());
                out.add(l.requests());
                out.add(l.elapsed());
            }
            out.add(net.messagesSent());
            out.add(net.now());
            return out;
        }
    }
}
