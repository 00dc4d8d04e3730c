package io.jkad.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The js harness on its own: two js-libp2p processes (b bootstraps from a) exercise every command
 * of {@link InteropPeer}, so that a failing jkad interop test can be blamed on jkad, not on the harness.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JsPeerIT {

    private InteropPeer a;
    private InteropPeer b;

    @BeforeAll
    void start() {
        a = InteropPeer.start(InteropPeer.options().seed(1));
        b = InteropPeer.start(InteropPeer.options().seed(2).bootstrap(a.dialAddr()));
        // b dialled a; after Identify each puts the other in its routing table.
        awaitRoutingTable(a, b.peerId());
        awaitRoutingTable(b, a.peerId());
    }

    @AfterAll
    void stop() {
        if (b != null) {
            b.close();
        }
        if (a != null) {
            a.close();
        }
    }

    @Test
    void startupReportsPeerIdAndDialableAddress() {
        assertThat(a.peerId()).startsWith("12D3KooW");
        assertThat(a.dialAddr()).startsWith("/ip4/127.0.0.1/tcp/").endsWith("/p2p/" + a.peerId());
        assertThat(a.info().index()).isZero();
        // --seed makes identities deterministic: the same seed gives the same peer id again.
        try (InteropPeer again = InteropPeer.start(InteropPeer.options().seed(1))) {
            assertThat(again.peerId()).isEqualTo(a.peerId());
        }
    }

    @Test
    void putOnOneGetOnTheOther() {
        byte[] key = utf8("/jkad/put-get");
        byte[] value = utf8("value from a");

        PeerCommands.PutResult put = a.put(key, value);

        assertThat(put.storedAt()).contains(b.peerId());
        assertThat(b.getLocal(key)).hasValueSatisfying(v -> assertThat(v).isEqualTo(value));
        PeerCommands.GetResult got = b.get(key);
        assertThat(got.value()).isEqualTo(value);
    }

    @Test
    void putOutsideTheTestNamespaceIsRejectedByTheRemote() {
        PeerCommands.PutResult put = a.put(utf8("/other/key"), utf8("v"));

        assertThat(put.storedAt()).doesNotContain(b.peerId());
        assertThat(b.getLocal(utf8("/other/key"))).isEmpty();
    }

    @Test
    void provideOnOneFindProvidersOnTheOther() {
        byte[] multihash = sha256Multihash("provided by a");

        PeerCommands.ProvideResult provided = a.provide(multihash);

        assertThat(provided.multihash()).isEqualTo(multihash);
        assertThat(provided.sentTo()).contains(b.peerId());
        // a's provide returns once ADD_PROVIDER is written (it has no answer): wait for b to store it
        awaitTrue(() -> !b.localProviders(multihash).isEmpty(), () -> b + " never stored a's provider record");
        assertThat(b.localProviders(multihash)).containsExactly(a.peerId());
        List<PeerCommands.PeerInfo> providers = b.findProviders(multihash);
        assertThat(providers).extracting(PeerCommands.PeerInfo::peerId).containsExactly(a.peerId());
        assertThat(providers.get(0).addrs()).isNotEmpty();
    }

    @Test
    void findProvidersOfUnprovidedKeyIsEmpty() {
        assertThat(b.findProviders(sha256Multihash("nobody provides this"))).isEmpty();
    }

    @Test
    void getOfMissingKeyIsNotFound() {
        assertThatThrownBy(() -> b.get(utf8("/jkad/never-put")))
                .isInstanceOfSatisfying(PeerException.class, e -> assertThat(e.isNotFound()).isTrue());
    }

    @Test
    void peerRoutingCommands() {
        assertThat(b.findPeer(a.peerId()).addrs()).isNotEmpty();
        assertThat(b.getClosestPeers(utf8("some key"))).extracting(PeerCommands.PeerInfo::peerId).contains(a.peerId());
        assertThat(b.ping(a.peerId())).isLessThan(Duration.ofSeconds(5));
        assertThat(b.peers()).contains(a.peerId());
        assertThat(b.connections()).anySatisfy(c -> assertThat(c.peerId()).isEqualTo(a.peerId()));
    }

    @Test
    void dialAndAddPeer() {
        try (InteropPeer c = InteropPeer.start(InteropPeer.options().seed(3))) {
            assertThat(c.routingTable()).isEmpty();
            // addPeer with addresses: js pings the new contact and then holds it.
            assertThat(c.addPeer(a.peerId(), a.info().addrs())).isTrue();
            assertThat(c.routingTable()).contains(a.peerId());
            assertThat(c.dial(b.dialAddr())).isEqualTo(b.peerId());
            assertThat(c.pingAddr(b.dialAddr())).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void errorsComeBackTyped() {
        assertThatThrownBy(() -> a.call("noSuchCommand", Map.of()))
                .isInstanceOf(PeerException.class)
                .hasMessageContaining("unknown command: noSuchCommand");
        assertThatThrownBy(() -> a.findPeer("not-a-peer-id"))
                .isInstanceOf(PeerException.class)
                .hasMessageContaining("bad peerId");
        assertThatThrownBy(() -> a.node(1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aCommandThatCannotFinishTimesOut() throws Exception {
        // A listener that accepts TCP and never speaks: js's dial hangs in multistream-select
        // until the command's timeout cuts it.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String addr = "/ip4/127.0.0.1/tcp/" + silent.getLocalPort()
                    + "/p2p/12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq";
            long started = System.nanoTime();
            assertThatThrownBy(() -> b.withTimeout(Duration.ofSeconds(2)).dial(addr))
                    .isInstanceOfSatisfying(PeerException.class,
                            e -> assertThat(e.isTimeout()).as(e.getMessage()).isTrue());
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        }
    }

    @Test
    void severalNodesInOneProcessFormOneDht() {
        try (InteropPeer many = InteropPeer.start(InteropPeer.options().nodes(4).interconnect(true))) {
            List<PeerCommands> nodes = many.nodes();
            assertThat(nodes).hasSize(4);
            assertThat(nodes).extracting(PeerCommands::peerId).doesNotHaveDuplicates();
            for (PeerCommands n : nodes.subList(1, 4)) {
                awaitRoutingTable(nodes.get(0), n.peerId());
            }
            byte[] key = utf8("/jkad/many");
            nodes.get(1).put(key, utf8("from node 1"));
            assertThat(nodes.get(3).get(key).value()).isEqualTo(utf8("from node 1"));
        }
    }

    @Test
    void closeStopsTheProcess() {
        InteropPeer c = InteropPeer.start();
        assertThat(c.isAlive()).isTrue();
        c.close();
        assertThat(c.isAlive()).isFalse();
        c.close(); // idempotent
        assertThatThrownBy(c::routingTable).isInstanceOf(PeerException.class).hasMessageContaining("not running");
    }

    private static void awaitRoutingTable(PeerCommands node, String peerId) {
        node.awaitRoutingTableHas(List.of(peerId), Duration.ofSeconds(10));
    }

    /** Polls {@code condition} for up to 10 s. */
    private static void awaitTrue(java.util.function.BooleanSupplier condition,
                                  java.util.function.Supplier<String> failure) {
        try {
            Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                    .until(condition::getAsBoolean);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(failure.get(), e);
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A sha2-256 multihash (0x12, 0x20, digest): the key js uses for provider records. */
    private static byte[] sha256Multihash(String content) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(utf8(content));
            byte[] mh = new byte[34];
            mh[0] = 0x12;
            mh[1] = 0x20;
            System.arraycopy(digest, 0, mh, 2, 32);
            return mh;
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
