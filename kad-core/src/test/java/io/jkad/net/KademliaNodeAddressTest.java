package io.jkad.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.multiaddr.Multiaddr;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Observed addresses become external address candidates: the observed IP on each listen port of its family. */
class KademliaNodeAddressTest {

    private static final List<Multiaddr> LISTEN = List.of(Multiaddr.parse("/ip4/0.0.0.0/tcp/4001"),
            Multiaddr.parse("/ip6/::/tcp/4002"), Multiaddr.parse("/ip4/127.0.0.1/tcp/4003"));

    private static List<String> candidates(String observed) {
        return AddressPolicy.translateObserved(Multiaddr.parse(observed), LISTEN).stream()
                .map(Multiaddr::toString).toList();
    }

    @Test
    void anObservedAddressTakesEveryListenPortOfItsFamily() {
        assertThat(candidates("/ip4/203.0.113.7/tcp/53122"))
                .containsExactly("/ip4/203.0.113.7/tcp/4001", "/ip4/203.0.113.7/tcp/4003");
        assertThat(candidates("/ip6/2001:db8::1/tcp/53122")).containsExactly("/ip6/2001:db8::1/tcp/4002");
    }

    @Test
    void privateAndLoopbackObservationsAreCandidatesToo() {
        // As in the reference: the swarm reports what it is told; the node does not judge reachability.
        assertThat(candidates("/ip4/10.201.0.3/tcp/40000")).contains("/ip4/10.201.0.3/tcp/4001");
        assertThat(candidates("/ip6/fd00:201::3/tcp/40000")).containsExactly("/ip6/fd00:201::3/tcp/4002");
        assertThat(candidates("/ip4/127.0.0.1/tcp/40000")).contains("/ip4/127.0.0.1/tcp/4001");
    }

    @Test
    void aTrailingPeerIdIsDropped() {
        assertThat(candidates("/ip4/203.0.113.7/tcp/1/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA"))
                .contains("/ip4/203.0.113.7/tcp/4001");
    }

    @Test
    void wildcardMulticastNonTcpAndDnsObservationsAreDropped() {
        for (String a : List.of("/ip4/0.0.0.0/tcp/4001", "/ip6/::/tcp/4002", "/ip4/224.0.0.1/tcp/4001",
                "/ip4/203.0.113.7/udp/4001", "/dns4/example.com/tcp/4001")) {
            assertThat(candidates(a)).as(a).isEmpty();
        }
    }
}
