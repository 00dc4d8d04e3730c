package io.jkad.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.identity.PeerId;
import io.jkad.kademlia.Caching;
import io.jkad.kademlia.KademliaConfig;
import io.jkad.kademlia.PeerRecord;
import io.jkad.kademlia.Quorum;
import io.jkad.kademlia.QueryResult;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.StoreConfig;
import io.jkad.record.TestRecordStore;
import io.jkad.routing.Key;
import io.jkad.routing.KeyBytes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The Kademlia state machine in a simulated network of 200 nodes: the reference's operations end to end. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KademliaSimulationTest {
    private static final Duration LIMIT = Duration.ofMinutes(5);
    private static final int K = 20;

    private SimNetwork shared;
    private final List<SimNetwork> extra = new ArrayList<>();

    @BeforeAll
    void buildSharedNetwork() {
        shared = network(7, KademliaConfig.defaults(), 0.0);
        shared.addAndBootstrap(200, 20);
    }

    @AfterEach
    void closeExtra() {
        extra.forEach(SimNetwork::close);
        extra.clear();
    }

    private SimNetwork network(long seed, KademliaConfig config, double loss) {
        SimConfig sc = SimConfig.defaults(seed, id -> new TestRecordStore(StoreConfig.defaults(id)))
                .withKademlia(config).withLoss(loss);
        return new SimNetwork(sc);
    }

    private SimNetwork extraNetwork(long seed, KademliaConfig config, int nodes) {
        SimNetwork net = network(seed, config, 0.0);
        extra.add(net);
        net.addAndBootstrap(nodes, 20);
        return net;
    }

    private static RecordKey key(String s) {
        return RecordKey.ofUtf8(s);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void everyRoutingTableHoldsItsNeighboursAfterBootstrap() {
        int missingClosest = 0;
        int pairs = 0;
        int present = 0;
        for (SimNode node : shared.nodes()) {
            List<SimNode> truth = shared.trueClosest(Key.of(node.id()).bytes(), K + 1, true);
            truth.remove(node);
            for (int i = 0; i < truth.size(); i++) {
                boolean inTable = node.kademlia().routingEntry(truth.get(i).id(), shared.now()).isPresent();
                pairs++;
                if (inTable) {
                    present++;
                } else if (i < 3) {
                    missingClosest++;
                }
            }
        }
        // Every node knows its 3 closest neighbours, and nearly all of its 20 closest.
        assertThat(missingClosest).isZero();
        assertThat((double) present / pairs).isGreaterThan(0.95);
    }

    @Test
    void lookupsFindTheTrueClosestPeers() {
        Random rnd = new Random(11);
        double precision = 0;
        int lookups = 40;
        for (int i = 0; i < lookups; i++) {
            SimNode source = shared.node(rnd.nextInt(shared.nodes().size()));
            byte[] target = new byte[32];
            rnd.nextBytes(target);
            var outcome = shared.run(source, k -> k.getClosestPeers(RecordKey.of(target)), LIMIT);
            assertThat(outcome.result()).isInstanceOf(QueryResult.GetClosestPeers.Ok.class);
            List<PeerId> found = ((QueryResult.GetClosestPeers) outcome.result()).peers();
            assertThat(found).hasSizeLessThanOrEqualTo(K).doesNotContain(source.id());
            assertThat(found).isSortedAccordingTo(
                    (a, b) -> Key.of(a).distance(KeyBytes.digestOf(target)).compareTo(Key.of(b).distance(KeyBytes.digestOf(target))));
            Set<PeerId> truth = new HashSet<>();
            shared.trueClosest(KeyBytes.digestOf(target), K, true).forEach(n -> truth.add(n.id()));
            truth.remove(source.id());
            precision += found.stream().filter(truth::contains).count() / (double) truth.size();
        }
        assertThat(precision / lookups).isGreaterThanOrEqualTo(0.95);
    }

    @Test
    void putThenGetWithEachQuorum() {
        SimNode writer = shared.node(3);
        SimNode reader = shared.node(150);
        for (Quorum quorum : List.of(Quorum.ONE, Quorum.MAJORITY, Quorum.ALL, Quorum.of(5))) {
            RecordKey key = key("/quorum/" + quorum);
            var put = shared.run(writer, k -> k.putRecord(DhtRecord.of(key, bytes("v-" + quorum)), quorum, shared.now()), LIMIT);
            assertThat(put.result()).as("put with %s", quorum).isInstanceOf(QueryResult.PutRecord.Ok.class);
            assertThat(((QueryResult.PutRecord) put.result()).success()).hasSizeGreaterThanOrEqualTo(quorum.eval(K));
            // Put and get merge the stats of their phases: a lookup, then the stores.
            assertThat(put.stats().requests()).isGreaterThan(K);

            var get = shared.run(reader, k -> k.getRecord(key, quorum, shared.now()), LIMIT);
            assertThat(get.result()).as("get with %s", quorum).isInstanceOf(QueryResult.GetRecord.Ok.class);
            var ok = (QueryResult.GetRecord.Ok) get.result();
            assertThat(ok.records()).hasSizeGreaterThanOrEqualTo(quorum.eval(K));
            for (PeerRecord r : ok.records()) {
                assertThat(r.record().value()).isEqualTo(bytes("v-" + quorum));
                assertThat(r.record().publisher()).contains(writer.id());
            }
        }
    }

    @Test
    void getOfAMissingRecordReportsNotFoundWithTheClosestPeers() {
        SimNode reader = shared.node(42);
        RecordKey key = key("/missing/record");
        var get = shared.run(reader, k -> k.getRecord(key, Quorum.ONE, shared.now()), LIMIT);
        assertThat(get.result()).isInstanceOf(QueryResult.GetRecord.NotFound.class);
        List<PeerId> closest = ((QueryResult.GetRecord.NotFound) get.result()).closestPeers();
        assertThat(closest).hasSize(K);
    }

    @Test
    void aGetAtQuorumOneCachesTheRecordAtTheClosestPeerThatLackedIt() {
        SimNetwork net = extraNetwork(21, KademliaConfig.builder().caching(Caching.enabled(1)).build(), 60);
        SimNode writer = net.node(5);
        SimNode reader = net.node(40);
        RecordKey key = key("/cache/me");
        // Store the record at a few peers only, not at the closest of all.
        List<SimNode> closest = net.trueClosest(KeyBytes.digestOf(key.toBytes()), K, true);
        List<PeerId> holders = new ArrayList<>();
        for (int i = closest.size() - 3; i < closest.size(); i++) {
            if (closest.get(i) != reader) {
                holders.add(closest.get(i).id());
            }
        }
        var put = net.run(writer, k -> k.putRecordTo(DhtRecord.of(key, bytes("cached")), holders, Quorum.ALL, net.now()), LIMIT);
        assertThat(put.result().isOk()).isTrue();

        var get = net.run(reader, k -> k.getRecord(key, Quorum.ONE, net.now()), LIMIT);
        assertThat(get.result()).isInstanceOf(QueryResult.GetRecord.Ok.class);
        List<PeerId> candidates = ((QueryResult.GetRecord.Ok) get.result()).cacheCandidates();
        assertThat(candidates).hasSize(1);
        PeerId candidate = candidates.get(0);
        assertThat(holders).doesNotContain(candidate);
        // Let the write-back put run, then the candidate has the record.
        net.runFor(Duration.ofSeconds(30));
        SimNode cached = net.node(candidate).orElseThrow();
        assertThat(cached.store().get(key)).map(r -> new String(r.value(), StandardCharsets.UTF_8)).contains("cached");
    }

    @Test
    void providersAreFoundFromAnyNode() {
        SimNode provider = shared.node(17);
        RecordKey key = key("/content/abc");
        var provide = shared.run(provider, k -> k.startProviding(key, shared.now()), LIMIT);
        assertThat(provide.result()).isInstanceOf(QueryResult.AddProvider.Ok.class);
        for (int i : new int[] {0, 50, 99, 123, 199}) {
            var found = shared.run(shared.node(i), k -> k.getProviders(key, shared.now()), LIMIT);
            assertThat(found.result()).isInstanceOf(QueryResult.GetProviders.Ok.class);
            assertThat(((QueryResult.GetProviders) found.result()).providers()).as("from node %d", i)
                    .contains(provider.id());
        }
    }

    @Test
    void republicationKeepsARecordAlivePastItsTtlWhileThePublisherLives() {
        KademliaConfig config = KademliaConfig.builder()
                .recordTtl(Optional.of(Duration.ofMinutes(30)))
                .replicationInterval(Optional.of(Duration.ofMinutes(10)))
                .publicationInterval(Optional.of(Duration.ofMinutes(10)))
                .build();
        SimNetwork net = extraNetwork(31, config, 50);
        SimNode publisher = net.node(7);
        SimNode reader = net.node(33);
        RecordKey key = key("/republished");
        var put = net.run(publisher, k -> k.putRecord(DhtRecord.of(key, bytes("alive")), Quorum.ONE, net.now()), LIMIT);
        assertThat(put.result().isOk()).isTrue();

        // Two TTLs later, thanks to republication, a node other than the publisher still has it.
        net.runFor(Duration.ofMinutes(65));
        assertThat(holders(net, key, publisher)).isNotEmpty();
        var get = net.run(reader, k -> k.getRecord(key, Quorum.ONE, net.now()), LIMIT);
        assertThat(get.result()).isInstanceOf(QueryResult.GetRecord.Ok.class);

        // The publisher leaves: within a TTL (plus a replication round) every copy expires.
        net.leave(publisher);
        net.runFor(Duration.ofMinutes(45));
        assertThat(holders(net, key, publisher)).isEmpty();
        var gone = net.run(reader, k -> k.getRecord(key, Quorum.ONE, net.now()), LIMIT);
        assertThat(gone.result()).isInstanceOf(QueryResult.GetRecord.NotFound.class);
    }

    /** The online nodes other than {@code except} holding an unexpired copy of {@code key}. */
    private static List<SimNode> holders(SimNetwork net, RecordKey key, SimNode except) {
        List<SimNode> out = new ArrayList<>();
        for (SimNode n : net.nodes()) {
            if (n != except && n.isOnline()) {
                Optional<DhtRecord> r = n.store().get(key);
                if (r.isPresent() && !r.get().isExpired(net.now())) {
                    out.add(n);
                }
            }
        }
        return out;
    }

    @Test
    void replicationRestoresKCopiesAfterTheHoldersChurn() {
        // Replication every 5 minutes; bucket refreshes every 5 minutes find and drop the departed nodes.
        KademliaConfig config = KademliaConfig.builder()
                .replicationInterval(Optional.of(Duration.ofMinutes(5)))
                .bootstrapInterval(Optional.of(Duration.ofMinutes(5)))
                .build();
        SimNetwork net = extraNetwork(41, config, 80);
        SimNode writer = net.node(2);
        RecordKey key = key("/replicated");
        var put = net.run(writer, k -> k.putRecord(DhtRecord.of(key, bytes("copies")), Quorum.ALL, net.now()), LIMIT);
        assertThat(put.result().isOk()).isTrue();
        List<SimNode> before = holders(net, key, writer);
        assertThat(before).hasSizeGreaterThanOrEqualTo(K);

        // Half of the holders leave; after a replication interval the k closest live nodes hold it again.
        for (int i = 0; i < before.size(); i += 2) {
            net.leave(before.get(i));
        }
        net.runFor(Duration.ofMinutes(12));
        List<SimNode> closestLive = net.trueClosest(KeyBytes.digestOf(key.toBytes()), K, true);
        closestLive.remove(writer);
        long holding = closestLive.stream().filter(n -> n.store().get(key).isPresent()).count();
        assertThat(holding).isGreaterThanOrEqualTo(closestLive.size() - 1);
    }

    @Test
    void aTimedOutQueryReportsItsPartialResults() {
        // After a clean bootstrap 40% of the messages get lost and a query may run for 2 s only:
        // lookups time out, each reporting the peers that answered before the deadline.
        KademliaConfig config = KademliaConfig.builder().queryTimeout(Duration.ofSeconds(2)).build();
        SimNetwork lossy = extraNetwork(51, config, 80);
        lossy.setLoss(0.4);
        int timeouts = 0;
        int withPeers = 0;
        for (int i = 0; i < 20; i++) {
            byte[] target = new byte[32];
            lossy.random().nextBytes(target);
            var outcome = lossy.run(lossy.node(i), k -> k.getClosestPeers(RecordKey.of(target)), LIMIT);
            if (outcome.result() instanceof QueryResult.GetClosestPeers.Timeout t) {
                timeouts++;
                assertThat(outcome.elapsed()).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
                assertThat(outcome.stats().requests()).isGreaterThan(0);
                assertThat(outcome.stats().end()).isPresent();
                // The partial result holds only peers that answered, closest first.
                assertThat(t.peers()).hasSizeLessThanOrEqualTo(outcome.stats().success());
                KeyBytes key = KeyBytes.digestOf(target);
                assertThat(t.peers()).isSortedAccordingTo(
                        (a, b) -> Key.of(a).distance(key).compareTo(Key.of(b).distance(key)));
                if (!t.peers().isEmpty()) {
                    withPeers++;
                }
            }
        }
        assertThat(timeouts).isGreaterThan(0);
        assertThat(withPeers).isGreaterThan(0);
    }

    @Test
    void disjointPathsFindTheTrueClosestMoreOftenUnderAdversarialNodes() {
        // 20% of the nodes collude from the start (bootstrap included): asked about a key, they name
        // only the colluders closest to it. k = 8, as in the S/Kademlia evaluation, so that a lookup
        // has little redundancy to hide behind. Both networks are the same (same seed).
        double[] plain = adversarialLookups(false);
        double[] disjoint = adversarialLookups(true);
        assertThat(disjoint[0]).as("true closest found: disjoint %.2f vs plain %.2f", disjoint[0], plain[0])
                .isGreaterThanOrEqualTo(plain[0] + 0.05);
        assertThat(disjoint[1]).as("precision: disjoint %.3f vs plain %.3f", disjoint[1], plain[1])
                .isGreaterThan(plain[1]);
    }

    /** The fraction of lookups whose result holds the closest honest node, and the mean precision. */
    private double[] adversarialLookups(boolean disjoint) {
        int k = 8;
        KademliaConfig config = KademliaConfig.builder().replicationFactor(k).disjointQueryPaths(disjoint).build();
        SimNetwork net = network(61, config, 0.0);
        extra.add(net);
        net.setAdversarialFraction(0.2);
        net.addAndBootstrap(400, 30);
        long adversaries = net.nodes().stream().filter(SimNode::isAdversarial).count();
        assertThat(adversaries).isBetween(60L, 100L);
        Random rnd = new Random(5);
        List<SimNode> honest = net.onlineHonestNodes();
        int lookups = 100;
        int closestFound = 0;
        double precision = 0;
        for (int i = 0; i < lookups; i++) {
            SimNode source = honest.get(rnd.nextInt(honest.size()));
            byte[] target = new byte[32];
            rnd.nextBytes(target);
            var outcome = net.run(source, kd -> kd.getClosestPeers(RecordKey.of(target)), LIMIT);
            List<PeerId> found = ((QueryResult.GetClosestPeers) outcome.result()).peers();
            List<SimNode> truth = net.trueClosest(KeyBytes.digestOf(target), k + 1, false);
            truth.remove(source);
            truth = truth.subList(0, k);
            if (found.contains(truth.get(0).id())) {
                closestFound++;
            }
            Set<PeerId> ids = new HashSet<>();
            truth.forEach(n -> ids.add(n.id()));
            precision += found.stream().filter(ids::contains).count() / (double) k;
        }
        return new double[] {closestFound / (double) lookups, precision / lookups};
    }
}
