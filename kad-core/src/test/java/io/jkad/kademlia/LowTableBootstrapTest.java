package io.jkad.kademlia;

import static io.jkad.kademlia.Drive.drain;
import static io.jkad.kademlia.Drive.ofType;
import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.query.QueryId;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link KademliaConfig#lowTableBootstrap()}: a node left with fewer than k peers bootstraps again, ever less often. */
class LowTableBootstrapTest {
    private static final Instant T0 = TestNodes.T0;
    @RegisterExtension
    final TestNodes nodes = new TestNodes(5);
    private final Random random = nodes.random;

    private Kademlia node(KademliaConfig config) {
        return nodes.node(config);
    }

    private int next = 1;

    private void addPeers(Kademlia k, int n) {
        for (int i = 0; i < n; i++, next++) {
            k.addAddress(PeerId.random(random), Multiaddr.parse("/ip4/10.0." + (next / 250) + "." + (next % 250 + 1) + "/tcp/4001"), T0);
        }
    }

    /**
     * Runs the node at {@code now}, every dial refused (the peers stay in the table), until no query
     * runs; how many bootstrap queries there were.
     */
    private static int runRefusingDials(Kademlia k, Instant now) {
        int bootstraps = 0;
        List<QueryId> seen = new ArrayList<>();
        while (true) {
            for (RunningQuery q : k.queries()) {
                if (q.kind() == QueryKind.BOOTSTRAP && !seen.contains(q.id())) {
                    seen.add(q.id());
                    bootstraps++;
                }
            }
            List<KademliaAction.Dial> dials = ofType(drain(k, now), KademliaAction.Dial.class);
            if (dials.isEmpty() && k.queries().isEmpty()) {
                return bootstraps;
            }
            dials.forEach(d -> k.onDialRefused(d.peer(), now));
        }
    }

    /** The replication job's first run: the next deadline when nothing else is due. */
    private static final Instant REPLICATION = T0.plus(KademliaConfig.DEFAULT_REPLICATION_INTERVAL);

    @Test
    void aNodeLeftWithFewerThanKPeersBootstrapsAgainWithDoublingDelaysUntilItHasK() {
        Kademlia k = node(KademliaConfig.defaults());
        addPeers(k, 3);
        k.bootstrap(T0);
        assertThat(runRefusingDials(k, T0)).isEqualTo(1);
        assertThat(k.routingTableSize()).isEqualTo(3);

        // due one second later, then after 2, 4, 8 s: each time a bootstrap that dials the peers
        Instant t = T0;
        for (long delay = 1; delay <= 8; delay *= 2) {
            Instant due = t.plusSeconds(delay);
            assertThat(k.nextDeadline()).contains(due);
            assertThat(runRefusingDials(k, due.minusMillis(1))).isZero();
            assertThat(runRefusingDials(k, due)).isEqualTo(1);
            t = due;
        }

        // with k peers the node stops, and the delays start afresh once it has fewer again
        addPeers(k, KademliaConfig.DEFAULT_REPLICATION_FACTOR);
        Instant later = t.plusSeconds(16);
        assertThat(runRefusingDials(k, later)).isZero();
        assertThat(k.nextDeadline()).contains(REPLICATION);
        assertThat(runRefusingDials(k, later.plus(Duration.ofMinutes(30)))).isZero();
    }

    @Test
    void theDelaysStopGrowingAtFiveMinutes() {
        Kademlia k = node(KademliaConfig.defaults());
        addPeers(k, 1);
        k.bootstrap(T0);
        Instant t = T0;
        runRefusingDials(k, t);
        for (int i = 0; i < 12; i++) {
            t = k.nextDeadline().orElseThrow();
            assertThat(runRefusingDials(k, t)).isEqualTo(1);
        }
        assertThat(Duration.between(t, k.nextDeadline().orElseThrow()))
                .isEqualTo(Duration.ofMinutes(PeriodicJobs.LOW_TABLE_BOOTSTRAP_MAX_MINUTES));
    }

    @Test
    void aNodeThatNeverBootstrappedOrTurnedItOffDoesNot() {
        Kademlia never = node(KademliaConfig.defaults());
        addPeers(never, 3);
        assertThat(runRefusingDials(never, T0.plusSeconds(60))).isZero();
        assertThat(never.nextDeadline()).contains(REPLICATION);

        Kademlia off = node(KademliaConfig.builder().lowTableBootstrap(Optional.empty()).build());
        addPeers(off, 3);
        off.bootstrap(T0);
        runRefusingDials(off, T0);
        assertThat(off.nextDeadline()).contains(REPLICATION);
        assertThat(runRefusingDials(off, T0.plusSeconds(60))).isZero();
    }

    @Test
    void noBootstrapStartsWhileOneRuns() {
        Kademlia k = node(KademliaConfig.defaults());
        addPeers(k, 3);
        QueryId id = k.bootstrap(T0);
        drain(k, T0);
        // the dials are neither answered nor refused: the bootstrap is still running 5 s on
        Instant later = T0.plusSeconds(5);
        drain(k, later);
        assertThat(k.queries()).extracting(RunningQuery::id).containsExactly(id);
    }
}
