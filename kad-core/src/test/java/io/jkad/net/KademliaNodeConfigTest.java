package io.jkad.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.kademlia.KademliaConfig;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.record.StoreConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The node configuration holds the host's: its builder sets the host settings, and a derived copy keeps them. */
class KademliaNodeConfigTest {

    private static final Multiaddr LISTEN = Multiaddr.parse("/ip4/127.0.0.1/tcp/4001");
    private static final Multiaddr ANNOUNCE = Multiaddr.parse("/ip4/203.0.113.7/tcp/4001");

    private final Ed25519KeyPair identity = Ed25519KeyPair.generate();

    private KademliaNodeConfig.Builder configured() {
        return KademliaNodeConfig.builder(identity)
                .listen(LISTEN)
                .announce(ANNOUNCE)
                .dialTimeout(Duration.ofSeconds(3))
                .ioThreads(2)
                .resourceLimits(ResourceLimits.forMemory(64L << 20))
                .handshakeTimeout(Duration.ofSeconds(2))
                .handshakeRateLimit(5, 1.5)
                .host(h -> h.agentVersion("embedder/1.0"))
                .kademlia(KademliaConfig.defaults().toBuilder().connectionIdleTimeout(Duration.ofSeconds(42)).build());
    }

    @Test
    void theBuilderSetsTheHostSettings() {
        HostConfig host = configured().build().host();
        assertThat(host.identity()).isSameAs(identity);
        assertThat(host.listenAddresses()).containsExactly(LISTEN);
        assertThat(host.announceAddresses()).containsExactly(ANNOUNCE);
        assertThat(host.dialTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(host.ioThreads()).isEqualTo(2);
        assertThat(host.resourceLimits().memoryBytes()).isEqualTo(ResourceLimits.forMemory(64L << 20).memoryBytes());
        assertThat(host.handshakeTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(host.handshakeBurst()).isEqualTo(5);
        assertThat(host.handshakesPerSecond()).isEqualTo(1.5);
        assertThat(host.agentVersion()).isEqualTo("embedder/1.0");
        assertThat(host.idleTimeout()).as("the Kademlia config's connection idle timeout").isEqualTo(Duration.ofSeconds(42));
    }

    @Test
    void defaultsAreTheHostDefaultsWithTheNodeDialTimeout() {
        HostConfig host = KademliaNodeConfig.builder(identity).build().host();
        HostConfig plain = HostConfig.builder(identity).build();
        assertThat(host.listenAddresses()).isEmpty();
        assertThat(host.dialTimeout()).isEqualTo(KademliaNodeConfig.DEFAULT_DIAL_TIMEOUT);
        assertThat(host.ioThreads()).isEqualTo(plain.ioThreads());
        assertThat(host.handshakeTimeout()).isEqualTo(HostConfig.DEFAULT_HANDSHAKE_TIMEOUT);
        assertThat(host.handshakeBurst()).isEqualTo(HostConfig.DEFAULT_HANDSHAKE_BURST);
        assertThat(host.idleTimeout()).isEqualTo(KademliaConfig.defaults().connectionIdleTimeout());
        assertThat(KademliaNodeConfig.builder(identity).ioThreads(3).ioThreads(0).build().host().ioThreads())
                .as("0: the host's default again").isEqualTo(plain.ioThreads());
    }

    @Test
    void aDerivedCopyKeepsTheHostSettings() {
        KademliaNodeConfig original = configured().build();
        KademliaNodeConfig copy = original.toBuilder().clientMode(true).build();
        HostConfig a = original.host();
        HostConfig b = copy.host();
        assertThat(copy.clientMode()).isTrue();
        assertThat(b.listenAddresses()).isEqualTo(a.listenAddresses());
        assertThat(b.announceAddresses()).isEqualTo(a.announceAddresses());
        assertThat(b.dialTimeout()).isEqualTo(a.dialTimeout());
        assertThat(b.ioThreads()).isEqualTo(a.ioThreads());
        assertThat(b.resourceLimits()).isEqualTo(a.resourceLimits());
        assertThat(b.handshakeTimeout()).isEqualTo(a.handshakeTimeout());
        assertThat(b.handshakeBurst()).isEqualTo(a.handshakeBurst());
        assertThat(b.handshakesPerSecond()).isEqualTo(a.handshakesPerSecond());
        assertThat(b.agentVersion()).isEqualTo(a.agentVersion());
        assertThat(b.idleTimeout()).isEqualTo(a.idleTimeout());
        // The copy's builder is its own: adding an address leaves the original as it was.
        KademliaNodeConfig more = original.toBuilder().listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/4002")).build();
        assertThat(more.host().listenAddresses()).hasSize(2);
        assertThat(original.host().listenAddresses()).containsExactly(LISTEN);
    }

    @Test
    void badHostSettingsAreRefusedWhenSet() {
        KademliaNodeConfig.Builder b = KademliaNodeConfig.builder(identity);
        assertThatThrownBy(() -> b.handshakeRateLimit(0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("handshake burst");
        assertThatThrownBy(() -> b.handshakeRateLimit(1, Double.POSITIVE_INFINITY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("handshakes per second");
        assertThatThrownBy(() -> b.handshakeTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("handshakeTimeout");
        assertThatThrownBy(() -> b.host(h -> h.agentVersion(" "))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("agentVersion");
        assertThatThrownBy(() -> b.openStore("memory", StoreConfig.defaults(Ed25519KeyPair.generate().peerId())))
                .isInstanceOf(IllegalArgumentException.class);
        // A refused setting is not kept: the configuration still builds, with the defaults.
        assertThat(b.build().host().handshakeBurst()).isEqualTo(HostConfig.DEFAULT_HANDSHAKE_BURST);
    }
}
