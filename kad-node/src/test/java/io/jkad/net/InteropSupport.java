package io.jkad.net;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.interop.PeerCommands;
import io.jkad.interop.InteropPeer;
import io.jkad.kademlia.KademliaConfig;
import io.jkad.kademlia.QueryResult;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.record.RecordKey;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/** Helpers of the js interop ITs: starting jkad nodes, waiting for routing tables, test keys. Test code. */
final class InteropSupport {

    static final String KAD = "/ipfs/kad/1.0.0";
    private static final Duration WAIT = Duration.ofSeconds(30);

    private InteropSupport() {}

    /** js options; {@code -Djkad.interop.debug=libp2p:*} turns on js-libp2p's debug log (target/js-peer-logs). */
    static InteropPeer.Options jsOptions() {
        return peerOptions(InteropPeer.Kind.JS);
    }

    /** Options for a peer of {@code kind}, with {@link InteropPeer.Options#debugFromSystemProperty()}. */
    static InteropPeer.Options peerOptions(InteropPeer.Kind kind) {
        return InteropPeer.options(kind).debugFromSystemProperty();
    }

    /** A jkad node on loopback with the default Kademlia settings and one IO thread. */
    static KademliaNode startJkad() throws Exception {
        return startJkad(KademliaConfig.defaults());
    }

    static KademliaNode startJkad(KademliaConfig kad) throws Exception {
        return KademliaNode.start(KademliaNodeConfig.builder(Ed25519KeyPair.generate())
                .listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0"))
                .kademlia(kad)
                .ioThreads(1)
                .build());
    }

    static <T> T await(CompletableFuture<T> f) throws Exception {
        try {
            return f.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception c ? c : e;
        } catch (TimeoutException e) {
            throw new AssertionError("not done within 60 s", e);
        }
    }

    /** {@code node} joins through {@code peer} at {@code address} and bootstraps. */
    static void join(KademliaNode node, PeerId peer, Multiaddr address) throws Exception {
        await(node.addAddress(peer, address.withoutPeerId()));
        QueryResult.Bootstrap b = await(node.bootstrap());
        if (!b.isOk()) {
            throw new AssertionError("bootstrap of " + node + " through " + peer + " failed: " + b);
        }
    }

    static void join(KademliaNode node, KademliaNode via) throws Exception {
        join(node, via.peerId(), via.listenAddresses().get(0));
    }

    static void join(KademliaNode node, PeerCommands via) throws Exception {
        join(node, PeerId.parse(via.peerId()), Multiaddr.parse(via.dialAddr()));
    }

    /** The address another node dials to reach {@code node}, with {@code /p2p/}. */
    static String dialAddr(KademliaNode node) {
        return node.listenAddresses().get(0).withPeerId(node.peerId()).toString();
    }

    /** Waits until {@code node}'s routing table holds every one of {@code peers}. */
    static void awaitInRoutingTable(KademliaNode node, Collection<PeerId> peers) {
        Awaitility.await(node + " has all of " + peers + " in its routing table").atMost(WAIT)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> await(node.routingTable()).stream().map(RoutingTableEntry::peer).toList(),
                        have -> have.containsAll(peers));
    }

    /** Waits until js's routing table satisfies {@code condition}; returns it. */
    static List<String> awaitJsRoutingTable(PeerCommands js, Predicate<List<String>> condition, String what) {
        return js.awaitRoutingTable(condition, what, WAIT);
    }

    static List<String> awaitJsRoutingTableHas(PeerCommands js, Collection<String> peerIds) {
        return js.awaitRoutingTableHas(peerIds, WAIT);
    }

    /** An interop node's peer id. */
    static PeerId id(PeerCommands n) {
        return PeerId.parse(n.peerId());
    }

    /** An interop node's first listen address, with {@code /p2p/}. */
    static Multiaddr tcp(PeerCommands n) {
        return Multiaddr.parse(n.dialAddr());
    }

    /** Waits (up to 10 s) until {@code host} has a connection with {@code peer}; returns it. */
    static Connection awaitConnection(Host host, PeerId peer) {
        return Awaitility.await("a connection with " + peer).atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> host.connection(peer), java.util.Optional::isPresent)
                .get();
    }

    /** A condition a test waits for; it may throw. */
    interface Check {
        boolean holds() throws Exception;
    }

    /** Waits (up to 60 s) until {@code check} holds. */
    static void awaitCondition(Check check, String what) {
        awaitCondition(check, what, Duration.ofSeconds(60));
    }

    /** Waits (up to {@code atMost}) until {@code check} holds; an exception it throws fails at once. */
    static void awaitCondition(Check check, String what, Duration atMost) {
        Awaitility.await(what).atMost(atMost).pollInterval(Duration.ofMillis(50)).until(check::holds);
    }

    /** Waits (up to 10 s) for the remote's Identify on {@code c}; returns it. */
    static IdentifyInfo awaitIdentify(Connection c) {
        return Awaitility.await("Identify from " + c.remotePeer()).atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(20))
                .until(c::identifyInfo, java.util.Optional::isPresent)
                .get();
    }

    /** A record key in js's test namespace ({@code /jkad/}, the one js's test validator accepts). */
    static RecordKey jsKey(String name) {
        return RecordKey.ofUtf8("/jkad/" + name + "-" + Long.toHexString(System.nanoTime()));
    }

    /** A sha2-256 multihash of {@code text}: the provider key js and go expect (a CID's multihash). */
    static RecordKey multihash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((text + System.nanoTime()).getBytes(StandardCharsets.UTF_8));
            byte[] mh = new byte[34];
            mh[0] = 0x12;
            mh[1] = 0x20;
            System.arraycopy(digest, 0, mh, 2, 32);
            return RecordKey.of(mh);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<String> ids(Collection<? extends PeerCommands> nodes) {
        return nodes.stream().map(PeerCommands::peerId).toList();
    }

    static List<PeerId> peerIds(Collection<? extends PeerCommands> nodes) {
        return nodes.stream().map(n -> PeerId.parse(n.peerId())).toList();
    }

    static List<String> jkadIds(Collection<KademliaNode> nodes) {
        return nodes.stream().map(n -> n.peerId().toString()).toList();
    }
}
