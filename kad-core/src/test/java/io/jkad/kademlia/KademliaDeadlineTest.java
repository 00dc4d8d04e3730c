package io.jkad.kademlia;

import static io.jkad.kademlia.Drive.drain;
import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.record.RecordKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link Kademlia#nextDeadline()} names the instant a driver must poll again without input: the
 * jobs, and the running queries' peer and query timeouts, so that no polling tick is needed.
 */
class KademliaDeadlineTest {
    private static final Instant T0 = TestNodes.T0;
    @RegisterExtension
    final TestNodes nodes = new TestNodes(1);
    private final Random random = nodes.random;

    /** A node without periodic jobs (so only queries have deadlines) knowing {@code peers} peers. */
    private Kademlia node(KademliaConfig.Builder config, int peers) {
        Kademlia k = nodes.node(config.bootstrapInterval(Optional.empty())
                .replicationInterval(Optional.empty()).publicationInterval(Optional.empty())
                .providerPublicationInterval(Optional.empty()).build());
        for (int i = 0; i < peers; i++) {
            k.addAddress(PeerId.random(random), Multiaddr.parse("/ip4/10.0.0." + (i + 1) + "/tcp/4001"), T0);
        }
        drain(k, T0);
        return k;
    }

    /** Polls at {@code now} as a driver does: again while the next deadline is already due (a bounded number of times). */
    private static List<KademliaAction> driveAt(Kademlia k, Instant now) {
        List<KademliaAction> out = drain(k, now);
        for (int i = 0; i < 10 && k.nextDeadline().filter(d -> !d.isAfter(now)).isPresent(); i++) {
            out.addAll(drain(k, now));
        }
        assertThat(k.nextDeadline().filter(d -> !d.isAfter(now))).as("nothing left due at %s", now).isEmpty();
        return out;
    }

    private static long dials(List<KademliaAction> actions) {
        return actions.stream().filter(KademliaAction.Dial.class::isInstance).count();
    }

    @Test
    void aPeerTimeoutIsTheNextDeadlineAndItsSlotIsUsedAtOnce() {
        Kademlia k = node(KademliaConfig.builder().parallelism(3).peerTimeout(Duration.ofSeconds(10)), 5);
        assertThat(k.nextDeadline()).as("no job, no query").isEmpty();
        k.getClosestPeers(RecordKey.of(new byte[] {1}));
        assertThat(dials(driveAt(k, T0))).isEqualTo(3);
        assertThat(k.nextDeadline()).contains(T0.plusSeconds(10));

        assertThat(dials(driveAt(k, T0.plusSeconds(10).minusNanos(1)))).isZero();
        assertThat(dials(driveAt(k, T0.plusSeconds(10)))).as("the two peers left, asked when the others time out")
                .isEqualTo(2);
        assertThat(k.nextDeadline()).contains(T0.plusSeconds(20));

        List<KademliaAction> done = driveAt(k, T0.plusSeconds(20));
        assertThat(done).filteredOn(KademliaAction.Emit.class::isInstance).singleElement()
                .satisfies(a -> assertThat(((KademliaAction.Emit) a).event())
                        .isInstanceOf(KademliaEvent.QueryCompleted.class));
        assertThat(k.nextDeadline()).isEmpty();
    }

    @Test
    void theQueryTimeoutIsTheNextDeadlineWhenNoPeerTimesOutBefore() {
        Kademlia k = node(KademliaConfig.builder().queryTimeout(Duration.ofSeconds(30))
                .peerTimeout(Duration.ofSeconds(120)), 2);
        k.getClosestPeers(RecordKey.of(new byte[] {2}));
        driveAt(k, T0.plusSeconds(1));
        assertThat(k.nextDeadline()).contains(T0.plusSeconds(31));
        List<KademliaAction> timedOut = driveAt(k, T0.plusSeconds(31));
        assertThat(timedOut).filteredOn(KademliaAction.Emit.class::isInstance).singleElement()
                .satisfies(a -> assertThat(((KademliaAction.Emit) a).event())
                        .isInstanceOfSatisfying(KademliaEvent.QueryCompleted.class,
                                c -> assertThat(c.result()).isInstanceOf(QueryResult.GetClosestPeers.Timeout.class)));
        assertThat(k.nextDeadline()).isEmpty();
    }
}
