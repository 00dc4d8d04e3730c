package io.jkad.net;

import static io.jkad.net.InteropSupport.KAD;
import static io.jkad.net.InteropSupport.awaitConnection;
import static io.jkad.net.InteropSupport.awaitInRoutingTable;
import static io.jkad.net.InteropSupport.awaitJsRoutingTableHas;
import static io.jkad.net.InteropSupport.dialAddr;
import static io.jkad.net.InteropSupport.id;
import static io.jkad.net.InteropSupport.join;
import static io.jkad.net.InteropSupport.tcp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.interop.InteropPeer;
import io.jkad.interop.PeerCommands;
import io.jkad.interop.PeerException;
import io.jkad.kademlia.QueryResult;
import java.security.KeyPairGenerator;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The connection layers against another implementation (go-libp2p, rust-libp2p: one subclass
 * each): identity and encryption both ways (they dial jkad, jkad dials them, each refusing a wrong
 * expected peer id), what they record from our Identify, and their identity key types (Ed25519,
 * secp256k1, ECDSA, RSA) verified by jkad in the Noise handshake and Identify, with Kademlia
 * requests both ways over such a connection. {@link WireJsIT} covers js, with js-only points
 * (keep-alive pings, announced addresses of unknown codes). Skipped where the kind's toolchain is
 * not installed (except under CI).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class WireSuite {

    /** How to start the other kind's process. */
    abstract InteropPeer.Options options();

    /**
     * Options for a peer whose identity is an RSA key (go generates one; rust cannot, so the test
     * gives it a PKCS#8 key made by the JDK).
     */
    abstract InteropPeer.Options rsaOptions(String pkcs8Hex);

    private InteropPeer peer;
    private KademliaNode node;
    private final List<AutoCloseable> extra = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        node = InteropSupport.startJkad();
        peer = InteropPeer.start(options().nodes(5));
    }

    @AfterAll
    void stop() throws Exception {
        for (AutoCloseable c : extra) {
            c.close();
        }
        if (peer != null) {
            peer.close();
        }
        if (node != null) {
            node.close();
        }
    }

    @Test
    void theyDialJkad() throws Exception {
        PeerCommands a = peer.node(0);
        assertThat(a.dial(dialAddr(node))).isEqualTo(node.peerId().toString());
        assertThat(a.connections()).anySatisfy(c -> {
            assertThat(c.peerId()).isEqualTo(node.peerId().toString());
            assertThat(c.direction()).isEqualTo("outbound");
            assertThat(c.encryption()).isEqualTo("/noise");
            assertThat(c.multiplexer()).isEqualTo("/yamux/1.0.0");
        });
        Connection ours = awaitConnection(node.host(), id(a));
        assertThat(ours.isOutbound()).isFalse();
        assertThat(ours.remotePeer()).isEqualTo(id(a));
        // Their Identify reached us and was verified: their key is the one behind their peer id.
        IdentifyInfo theirs = InteropSupport.awaitIdentify(ours);
        assertThat(theirs.protocols()).contains(KAD, Host.PING);
    }

    @Test
    void jkadDialsThem() throws Exception {
        PeerCommands b = peer.node(1);
        Connection c = node.host().dial(id(b), List.of(tcp(b))).get(10, TimeUnit.SECONDS);
        assertThat(c.isOutbound()).isTrue();
        assertThat(c.remotePeer()).isEqualTo(id(b));
        assertThat(b.connections()).anySatisfy(theirs -> {
            assertThat(theirs.peerId()).isEqualTo(node.peerId().toString());
            assertThat(theirs.direction()).isEqualTo("inbound");
        });
        assertThat(node.host().ping(id(b)).get(10, TimeUnit.SECONDS)).isPositive();
    }

    @Test
    void theyRefuseJkadUnderAnotherPeerId() throws Exception {
        PeerCommands c = peer.node(2);
        PeerId wrong = Ed25519KeyPair.generate().peerId();
        String address = node.listenAddresses().get(0).withPeerId(wrong).toString();
        assertThatThrownBy(() -> c.dial(address)).isInstanceOf(PeerException.class);
        assertThat(c.peers()).doesNotContain(node.peerId().toString(), wrong.toString());
        // The right id works.
        assertThat(c.dial(dialAddr(node))).isEqualTo(node.peerId().toString());
    }

    @Test
    void jkadRefusesThemUnderAnotherPeerId() throws Exception {
        PeerCommands d = peer.node(3);
        PeerId wrong = Ed25519KeyPair.generate().peerId();
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> node.host().dial(wrong, List.of(tcp(d).withoutPeerId())).get(10, TimeUnit.SECONDS));
        assertThat(e.getCause()).isInstanceOf(DialException.class);
        Throwable why = ((DialException) e.getCause()).failures().values().iterator().next();
        assertThat(why).isInstanceOf(HandshakeException.class)
                .hasMessageContaining("dialed " + wrong).hasMessageContaining("the remote is " + d.peerId());
        assertThat(node.host().connection(wrong)).isEmpty();
        // The right id works.
        Connection c = node.host().dial(id(d), List.of(tcp(d))).get(10, TimeUnit.SECONDS);
        assertThat(c.remotePeer()).isEqualTo(id(d));
    }

    @Test
    void theyRecordOurIdentifyAndTakeUsIntoTheirRoutingTable() throws Exception {
        KademliaNode fresh = InteropSupport.startJkad();
        extra.add(fresh);
        PeerCommands e = peer.node(4);
        e.dial(dialAddr(fresh));
        awaitJsRoutingTableHas(e, List.of(fresh.peerId().toString()));
        PeerCommands.PeerStoreEntry seen = e.peerStore(fresh.peerId().toString());
        assertThat(seen.protocols()).contains(KAD, Host.PING, Host.IDENTIFY);
        assertThat(seen.agentVersion()).hasValueSatisfying(v -> assertThat(v).startsWith("jkad/"));
        assertThat(seen.addrs()).contains(fresh.listenAddresses().get(0).toString());
    }

    /**
     * A peer of theirs with an identity key of each type: jkad verifies its Noise payload and its
     * Identify, they verify ours, and Kademlia requests go both ways on that connection.
     */
    @ParameterizedTest
    @ValueSource(strings = {"ed25519", "secp256k1", "ecdsa", "rsa"})
    void theirKeyTypesAreAcceptedAndVerified(String type) throws Exception {
        InteropPeer.Options o = type.equals("rsa") ? rsaOptions(rsaPkcs8Hex()) : options().keyType(type);
        try (InteropPeer p = InteropPeer.start(o); KademliaNode fresh = InteropSupport.startJkad()) {
            PeerId theirId = id(p);
            switch (type) {
                case "ed25519" -> assertThat(theirId.toString()).startsWith("12D3KooW");
                case "secp256k1" -> assertThat(theirId.toString()).startsWith("16Uiu2");
                default -> assertThat(theirId.toString()).as("a SHA-256 peer id").startsWith("Qm");
            }
            // jkad dials them and joins through them: Noise, Identify and FIND_NODE with their key.
            join(fresh, p);
            Connection c = awaitConnection(fresh.host(), theirId);
            assertThat(c.remotePeer()).isEqualTo(theirId);
            assertThat(InteropSupport.awaitIdentify(c).protocols()).contains(KAD);
            awaitInRoutingTable(fresh, List.of(theirId));
            // They ask us over the same kind of connection.
            awaitJsRoutingTableHas(p, List.of(fresh.peerId().toString()));
            List<PeerCommands.PeerInfo> closest = p.getClosestPeers(fresh.peerId().toBytes());
            assertThat(closest).extracting(PeerCommands.PeerInfo::peerId).contains(fresh.peerId().toString());
            QueryResult.GetClosestPeers ours = InteropSupport.await(fresh.getClosestPeers(theirId));
            assertThat(ours.peers()).contains(theirId);
        }
    }

    private static String rsaPkcs8Hex() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(new RSAKeyGenParameterSpec(2048, RSAKeyGenParameterSpec.F4));
        return HexFormat.of().formatHex(g.generateKeyPair().getPrivate().getEncoded());
    }
}
