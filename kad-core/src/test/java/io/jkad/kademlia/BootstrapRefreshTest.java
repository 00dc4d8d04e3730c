package io.jkad.kademlia;

import static io.jkad.kademlia.Drive.drain;
import static io.jkad.kademlia.Drive.ofType;
import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.jkad.record.RecordKey;
import io.jkad.routing.Key;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link KademliaConfig#refreshFullBuckets()}: a bootstrap skips the refresh of a bucket full of
 * peers seen since it started, and refreshes the others.
 */
class BootstrapRefreshTest {
    private static final Instant T0 = TestNodes.T0;
    private static final int K = KademliaConfig.DEFAULT_REPLICATION_FACTOR;
    /** The closest neighbour's bucket; the table fills the buckets from the next one to the farthest. */
    private static final int CLOSEST = 249;

    @RegisterExtension
    final TestNodes nodes = new TestNodes(17);

    private final Key<PeerId> localKey = Key.of(nodes.local);
    /** The peers of each bucket from {@link #CLOSEST} to 255, connected at T0 − 1 min. */
    private final List<List<PeerId>> buckets = new ArrayList<>();

    private int bucketOf(PeerId peer) {
        return localKey.distance(Key.of(peer)).bucketIndex();
    }

    private int bucketOf(RecordKey key) {
        return localKey.distance(Key.of(PeerId.fromBytes(key.toBytes()))).bucketIndex();
    }

    /** A node with one peer in the closest neighbour's bucket and k in each bucket beyond it, all connected. */
    private Kademlia node(KademliaConfig config) {
        Kademlia k = nodes.node(config);
        for (int i = CLOSEST; i <= 255; i++) {
            buckets.add(new ArrayList<>());
        }
        int n = 0;
        while (buckets.stream().mapToInt(List::size).sum() < 1 + (255 - CLOSEST) * K) {
            PeerId p = PeerId.random(nodes.random);
            int b = bucketOf(p);
            if (b < CLOSEST || buckets.get(b - CLOSEST).size() == (b == CLOSEST ? 1 : K)) {
                continue;
            }
            buckets.get(b - CLOSEST).add(p);
            n++;
            Multiaddr addr = Multiaddr.parse("/ip4/10.0." + (n / 250) + "." + (n % 250 + 1) + "/tcp/4001");
            Instant at = T0.minusSeconds(60);
            k.onConnected(p, at);
            k.onProtocolConfirmed(p, List.of(addr), at);
        }
        assertThat(k.routingTableSize()).isEqualTo(1 + (255 - CLOSEST) * K);
        return k;
    }

    /**
     * Bootstraps at T0, every dial connecting and every request answered at once with no peers;
     * the keys the lookups asked for, in order.
     */
    private static List<RecordKey> bootstrapKeys(Kademlia k) {
        Set<RecordKey> keys = new LinkedHashSet<>();
        k.bootstrap(T0);
        for (int round = 0; !k.queries().isEmpty(); round++) {
            assertThat(round).as("rounds of the bootstrap").isLessThan(1_000);
            List<KademliaAction> actions = drain(k, T0);
            for (KademliaAction.Dial d : ofType(actions, KademliaAction.Dial.class)) {
                k.onConnected(d.peer(), T0);
                k.onProtocolConfirmed(d.peer(), d.addresses(), T0);
            }
            for (KademliaAction.SendRequest s : ofType(actions, KademliaAction.SendRequest.class)) {
                keys.add(((KadRequest.FindNode) s.request()).key());
                k.onResponse(s.peer(), s.query(), new KadResponse.FindNode(List.of()), T0);
            }
        }
        return new ArrayList<>(keys);
    }

    @Test
    void aBootstrapRefreshesNoBucketFullOfPeersSeenSinceItStarted() {
        Kademlia k = node(KademliaConfig.defaults());
        assertThat(bootstrapKeys(k)).containsExactly(RecordKey.of(nodes.local.toBytes()));
    }

    @Test
    void theReferenceRefreshesEveryBucketBeyondTheClosestNeighbours() {
        Kademlia k = node(KademliaConfig.builder().refreshFullBuckets(true).build());
        List<RecordKey> keys = bootstrapKeys(k);
        assertThat(keys).hasSize(1 + 255 - CLOSEST);
        assertThat(keys.get(0)).isEqualTo(RecordKey.of(nodes.local.toBytes()));
    }

    @Test
    void aBucketWithAPeerLastSeenBeforeTheBootstrapIsRefreshed() {
        Kademlia k = node(KademliaConfig.defaults());
        // one peer of the farthest bucket disconnected before the bootstrap, one of the next after it started
        k.onDisconnected(buckets.get(255 - CLOSEST).get(3), T0.minusMillis(1));
        k.onDisconnected(buckets.get(254 - CLOSEST).get(3), T0);
        List<RecordKey> keys = bootstrapKeys(k);
        List<Integer> refreshed = keys.subList(1, keys.size()).stream().map(this::bucketOf).toList();
        // the farthest bucket is refreshed; no other full bucket is (a target drawn for a near bucket
        // may fall into the not full closest neighbour's bucket or one nearer)
        assertThat(refreshed).contains(255).allMatch(b -> b == 255 || b <= CLOSEST);
    }
}
