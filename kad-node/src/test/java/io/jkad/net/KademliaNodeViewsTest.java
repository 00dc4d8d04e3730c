package io.jkad.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The read-only views of a running node (what the local API and the metrics read instead of the
 * state machine): two real nodes on loopback, one joined through the other.
 */
class KademliaNodeViewsTest {

    private KademliaNode a;
    private KademliaNode b;

    private static KademliaNode start() throws Exception {
        return KademliaNode.start(KademliaNodeConfig.builder(Ed25519KeyPair.generate())
                .listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).ioThreads(1).build());
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    @BeforeEach
    void startTwo() throws Exception {
        a = start();
        b = start();
    }

    @AfterEach
    void stop() {
        b.close();
        a.close();
    }

    @Test
    void aFreshNodeShowsAnEmptyTableAndNoTraffic() throws Exception {
        assertThat(get(a.stats())).isEqualTo(new NodeStats(0, 0));
        assertThat(get(a.routingTable())).isEmpty();
        NodeResources r = a.resources();
        assertThat(r.usage().connections()).isZero();
        assertThat(r.bytesReceived()).isZero();
        assertThat(r.connectionsSecured()).isZero();
        assertThat(r.totalRefusals()).isZero();
        assertThat(r.limits()).isEqualTo(a.config().host().resourceLimits());
    }

    @Test
    void theViewsFollowAJoin() throws Exception {
        InteropSupport.join(b, a);
        assertThat(get(b.stats()).routingTableSize()).isEqualTo(1);
        List<RoutingTableEntry> table = get(b.routingTable());
        assertThat(table).extracting(RoutingTableEntry::peer).containsExactly(a.peerId());
        assertThatThrownBy(() -> table.add(table.get(0))).isInstanceOf(UnsupportedOperationException.class);

        PeerId unknown = Ed25519KeyPair.generate().peerId();
        Map<PeerId, List<Multiaddr>> addresses = get(b.addressesOf(List.of(unknown, a.peerId())));
        assertThat(addresses.keySet()).containsExactly(unknown, a.peerId());
        assertThat(addresses.get(unknown)).isEmpty();
        assertThat(addresses.get(a.peerId())).contains(a.listenAddresses().get(0));

        NodeResources r = b.resources();
        assertThat(r.usage().connections()).isPositive();
        assertThat(r.bytesSent()).isPositive();
        assertThat(r.bytesReceived()).isPositive();
        assertThat(r.connectionsSecured()).isEqualTo(1); // the join's one connection, both peers' only one
    }

    @Test
    void viewsOfAClosedNodeFail() {
        a.close();
        assertThatThrownBy(() -> get(a.stats())).hasCauseInstanceOf(IllegalStateException.class)
                .hasMessageContaining("node closed");
        assertThatThrownBy(() -> get(a.addressesOf(List.of(b.peerId()))))
                .hasCauseInstanceOf(IllegalStateException.class);
    }
}
