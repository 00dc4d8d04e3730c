package io.jkad.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.kademlia.Quorum;
import io.jkad.kademlia.QueryResult;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.StoreConfig;
import io.jkad.record.TestRecordStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The simulator itself: determinism, churn and argument checks. */
class SimNetworkTest {

    private static SimConfig config(long seed) {
        return SimConfig.defaults(seed, id -> new TestRecordStore(StoreConfig.defaults(id)));
    }

    /** A fingerprint of a run: messages, virtual time and the requests of a few lookups. */
    private static List<Object> run(long seed) {
        try (SimNetwork net = new SimNetwork(config(seed).withLoss(0.05))) {
            net.setAdversarialFraction(0.1);
            net.addAndBootstrap(60, 15);
            List<Object> trace = new ArrayList<>();
            Random rnd = new Random(3);
            for (int i = 0; i < 5; i++) {
                byte[] t = new byte[32];
                rnd.nextBytes(t);
                var outcome = net.run(net.node(rnd.nextInt(60)), k -> k.getClosestPeers(RecordKey.of(t)), Duration.ofMinutes(2));
                trace.add(outcome.stats());
                trace.add(((QueryResult.GetClosestPeers) outcome.result()).peers());
            }
            trace.add(net.messagesSent());
            trace.add(net.messagesLost());
            trace.add(net.now());
            return trace;
        }
    }

    @Test
    void theSameSeedGivesTheSameRun() {
        assertThat(run(17)).isEqualTo(run(17));
        assertThat(run(17)).isNotEqualTo(run(18));
    }

    @Test
    void aNodeThatLeavesIsUnreachableAndComesBackWithItsRecords() {
        try (SimNetwork net = new SimNetwork(config(5))) {
            net.addAndBootstrap(40, 10);
            SimNode writer = net.node(1);
            RecordKey key = RecordKey.ofUtf8("/churn/record");
            var put = net.run(writer, k -> k.putRecord(DhtRecord.of(key, new byte[] {7}), Quorum.ONE, net.now()),
                    Duration.ofMinutes(2));
            assertThat(put.result().isOk()).isTrue();
            SimNode holder = net.nodes().stream().filter(n -> n != writer && n.store().get(key).isPresent())
                    .findFirst().orElseThrow();
            net.leave(holder);
            assertThat(holder.isOnline()).isFalse();
            assertThat(net.trueClosest(io.jkad.routing.KeyBytes.digestOf(key.toBytes()), 40, true)).doesNotContain(holder);
            net.runFor(Duration.ofMinutes(1));
            net.rejoin(holder);
            assertThat(holder.isOnline()).isTrue();
            assertThat(holder.store().get(key)).isPresent();
            // Back online, it answers lookups again.
            var get = net.run(net.node(2), k -> k.getClosestPeers(holder.id()), Duration.ofMinutes(2));
            assertThat(((QueryResult.GetClosestPeers) get.result()).peers()).contains(holder.id());
        }
    }

    @Test
    void badSettingsAreRefused() {
        assertThatThrownBy(() -> config(1).withLoss(1.0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("loss");
        assertThatThrownBy(() -> config(1).withLatency(Duration.ofMillis(50), Duration.ofMillis(10)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("latency");
        try (SimNetwork net = new SimNetwork(config(1))) {
            assertThatThrownBy(() -> net.setAdversarialFraction(-0.1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> net.setLoss(2)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
