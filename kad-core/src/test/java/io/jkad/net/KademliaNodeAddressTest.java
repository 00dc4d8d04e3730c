package io.jkad.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.multiaddr.Multiaddr;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rule for taking an address a peer observed us at as an external address. */
class KademliaNodeAddressTest {

    private static final List<Multiaddr> LISTEN = List.of(Multiaddr.parse("/ip4/0.0.0.0/tcp/4001"),
            Multiaddr.parse("/ip6/::/tcp/4002"));

    private static boolean accepted(String observed) {
        return KademliaNode.acceptObservedAddress(Multiaddr.parse(observed), LISTEN);
    }

    @Test
    void publicAddressOnAListenPortIsTaken() {
        assertThat(accepted("/ip4/203.0.113.7/tcp/4001")).isTrue();
        assertThat(accepted("/ip6/2001:db8::1/tcp/4002")).isTrue();
    }

    @Test
    void anEphemeralPortIsNot() {
        assertThat(accepted("/ip4/203.0.113.7/tcp/53122")).isFalse();
    }

    @Test
    void loopbackPrivateAndLocalAddressesAreNot() {
        for (String a : List.of("/ip4/127.0.0.1/tcp/4001", "/ip4/10.1.2.3/tcp/4001", "/ip4/192.168.1.5/tcp/4001",
                "/ip4/172.16.0.9/tcp/4001", "/ip4/100.64.3.4/tcp/4001", "/ip4/169.254.1.1/tcp/4001",
                "/ip4/0.0.0.0/tcp/4001", "/ip6/::1/tcp/4002", "/ip6/fe80::1/tcp/4002", "/ip6/fd00::5/tcp/4002",
                "/ip4/224.0.0.1/tcp/4001")) {
            assertThat(accepted(a)).as(a).isFalse();
        }
        // 100.128/10 is outside the shared range: public.
        assertThat(accepted("/ip4/100.128.0.1/tcp/4001")).isTrue();
    }

    @Test
    void nonTcpAndDnsAddressesAreNot() {
        assertThat(accepted("/dns4/example.com/tcp/4001")).isFalse();
        assertThat(accepted("/ip4/203.0.113.7/udp/4001")).isFalse();
    }
}
