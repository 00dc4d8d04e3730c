package io.jkad.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.identity.PeerId;
import io.jkad.kademlia.KademliaConfig;
import io.jkad.kademlia.ReprovideStrategy;
import io.jkad.record.Keyspace;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.StoreConfig;
import io.jkad.record.TestRecordStore;
import io.jkad.routing.Key;
import io.jkad.routing.KeyBytes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The reprovide sweep never loses keys to the shape of the network: whatever the peer ids (random,
 * all sharing a long prefix, or very few), every key the node provides, wherever it lies in the
 * keyspace, ends at all of its true closest nodes after one cycle. (go-libp2p-kad-dht's sweep lost
 * the keys outside the prefix its peers share in such networks: its issue #1263.) Regions here are
 * sized by the estimate, or fixed and too small, so that the exploration must widen them.
 */
class ReprovideSweepProperties {
    private static final int K = 20;
    private static final Duration INTERVAL = Duration.ofMinutes(20);

    @Property(tries = 20)
    void everyKeyReachesAllItsClosestNodesWhateverTheIds(@ForAll @IntRange(min = 2, max = 45) int nodes,
                                                         @ForAll @IntRange(min = 0, max = 10) int sharedBits,
                                                         @ForAll @IntRange(min = -1, max = 6) int regionBits,
                                                         @ForAll long seed) {
        Random random = new Random(seed);
        byte[] prefix = new byte[Keyspace.ID_BYTES];
        random.nextBytes(prefix);
        // Connections stay open for the run: a lookup request that meets the remote's idle close on its
        // way fails, and the lookup does not ask that peer again, so a key announced key by key misses
        // it (a gap of the query engine, not of the sweep's regions). With small tables bootstrapping
        // again, a 13-node network met it (seed -13, no shared bits, 6 region bits).
        KademliaConfig.Builder config = KademliaConfig.builder()
                .reprovideStrategy(ReprovideStrategy.SWEEP)
                .providerPublicationInterval(Optional.of(INTERVAL))
                .connectionIdleTimeout(INTERVAL.multipliedBy(2));
        if (regionBits >= 0) {
            config.reprovideRegionBits(java.util.OptionalInt.of(regionBits));
        }
        SimConfig sc = SimConfig.defaults(seed, id -> new TestRecordStore(StoreConfig.defaults(id)
                .withLimits(1024, 65 * 1024, K, 10_000))).withKademlia(config.build());
        try (SimNetwork net = new SimNetwork(sc)) {
            net.addAndBootstrap(nodes, 10, () -> {
                // ids whose Kademlia keys share the first sharedBits bits (about 2^sharedBits tries)
                while (true) {
                    PeerId id = PeerId.random(random);
                    if (Keyspace.hasPrefix(Key.of(id).bytes().toByteArray(), prefix, sharedBits)) {
                        return id;
                    }
                }
            });
            SimNode provider = net.node(0);
            List<RecordKey> keys = new ArrayList<>();
            for (int i = 0; i < 150; i++) {
                RecordKey key = RecordKey.ofUtf8("anywhere " + seed + " " + i);
                provider.store().addProvider(new ProviderRecord(key, provider.id(), Optional.empty(), List.of()));
                keys.add(key);
            }
            RecordKey woken = RecordKey.ofUtf8("wakes the sweep " + seed);
            provider.kademlia().startProviding(woken, net.now());
            net.drive(provider);
            net.runFor(INTERVAL.plusMinutes(2));

            for (RecordKey key : keys) {
                List<SimNode> closest = net.trueClosest(KeyBytes.digestOf(key.toBytes()), K + 1, false);
                closest.remove(provider);
                List<SimNode> shouldHold = closest.subList(0, Math.min(K, closest.size()));
                for (SimNode n : shouldHold) {
                    assertThat(n.store().providers(key)).as("key %s at node %d of %d (ids sharing %d bits, regions %d)",
                            key, n.index(), nodes, sharedBits, regionBits)
                            .anyMatch(p -> p.provider().equals(provider.id()));
                }
            }
        }
    }
}
