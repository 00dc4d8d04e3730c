package io.jkad.net;

import static io.jkad.net.InteropSupport.await;
import static io.jkad.net.InteropSupport.awaitCondition;
import static io.jkad.net.InteropSupport.awaitInRoutingTable;
import static io.jkad.net.InteropSupport.awaitJsRoutingTableHas;
import static io.jkad.net.InteropSupport.dialAddr;
import static io.jkad.net.InteropSupport.ids;
import static io.jkad.net.InteropSupport.jkadIds;
import static io.jkad.net.InteropSupport.join;
import static io.jkad.net.InteropSupport.jsKey;
import static io.jkad.net.InteropSupport.multihash;
import static io.jkad.net.InteropSupport.peerIds;
import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.identity.PeerId;
import io.jkad.interop.PeerCommands;
import io.jkad.interop.InteropPeer;
import io.jkad.kademlia.PeerRecord;
import io.jkad.kademlia.QueryResult;
import io.jkad.kademlia.Quorum;
import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.routing.Key;
import io.jkad.routing.KeyBytes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every Kademlia operation in both directions between jkad's {@link KademliaNode} and the nodes of
 * another implementation (js-libp2p, go-libp2p-kad-dht, rust-libp2p: one subclass each, named
 * after the kind), each against a network of the other kind only:
 * <ul>
 *   <li><b>jkad asks them</b>: a network X of four of their nodes. A jkad node joins through one of
 *       them and must learn the others from their FIND_NODE answers; it puts a record and provides
 *       a key there, then leaves; a second jkad node joins and must get the record and find the
 *       provider from them alone.</li>
 *   <li><b>they ask jkad</b>: a network Y of four jkad nodes. One of their nodes dials one jkad
 *       node and runs its own find-peer and closest-peers lookups; another puts and provides, then
 *       stops; fresh nodes of theirs must get the record and find the provider from jkad alone.</li>
 * </ul>
 * Provider keys are sha2-256 multihashes, as go and js expect; record keys live under
 * {@code /jkad/}, the namespace every test peer accepts. One process hosts all their nodes. Skipped
 * where the kind's toolchain is not installed (except under CI).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class KadOperationsSuite {

    /** How to start the other kind's process (the suite sets the number of nodes). */
    abstract InteropPeer.Options options();

    /** Whether their find-providers result carries the provider's addresses (rust reports ids only). */
    boolean findProvidersReportsAddresses() {
        return true;
    }

    /**
     * Whether their put reports the peers that acknowledged (js, rust) rather than every peer it
     * sent PUT_VALUE to (go, which then also lists clients of earlier tests, stopped since, that
     * jkad still names among the closest peers).
     */
    boolean putReportsAcknowledgements() {
        return true;
    }

    /** Whether their get reports which peers returned a record (go's GetValue does not). */
    boolean getReportsSources() {
        return true;
    }

    /** Whether their provide reports exactly the peers it sent ADD_PROVIDER to (rust approximates). */
    boolean provideReportsItsTargets() {
        return true;
    }

    private static final int X_NODES = 4;
    private static final int Y_NODES = 4;

    private InteropPeer others;
    /** Network X: their nodes 0..3. */
    private List<PeerCommands> x;
    /** Network Y: jkad nodes. */
    private final List<KademliaNode> y = new ArrayList<>();
    private final Random random = new Random();

    @BeforeAll
    void start() throws Exception {
        // Nodes 0..3: network X. Nodes 4..8: their clients of network Y, each used by one test.
        others = InteropPeer.start(options().nodes(X_NODES + 5));
        x = others.nodes().subList(0, X_NODES);
        for (PeerCommands n : x.subList(1, X_NODES)) {
            n.dial(x.get(0).dialAddr());
        }
        for (int i = 0; i < Y_NODES; i++) {
            y.add(InteropSupport.startJkad());
        }
        for (KademliaNode n : y.subList(1, Y_NODES)) {
            join(n, y.get(0));
        }
        for (KademliaNode n : y) {
            await(n.bootstrap());
        }
        for (PeerCommands n : x) {
            awaitJsRoutingTableHas(n, ids(x).stream().filter(id -> !id.equals(n.peerId())).toList());
        }
        for (KademliaNode n : y) {
            awaitInRoutingTable(n, y.stream().map(KademliaNode::peerId).filter(p -> !p.equals(n.peerId())).toList());
        }
    }

    @AfterAll
    void stop() {
        if (others != null) {
            others.close();
        }
        y.forEach(KademliaNode::close);
    }

    private PeerCommands client(int index) {
        return others.node(X_NODES + index);
    }

    private static List<PeerId> trueClosest(List<PeerId> among, byte[] target) {
        KeyBytes digest = KeyBytes.digestOf(target);
        return among.stream().sorted(Comparator.comparing((PeerId p) -> Key.of(p).distance(digest))).toList();
    }

    // ------------------------------------------------------------------------------------------
    // jkad asks them

    @Test
    void jkadFindsNodesThroughThem() throws Exception {
        try (KademliaNode p = InteropSupport.startJkad()) {
            // p knows x0 only: their other nodes can come only from their FIND_NODE answers.
            join(p, x.get(0));
            awaitInRoutingTable(p, peerIds(x));

            byte[] target = new byte[32];
            random.nextBytes(target);
            QueryResult.GetClosestPeers closest = await(p.getClosestPeers(RecordKey.of(target)));
            assertThat(closest.isOk()).isTrue();
            // Network X holds only their nodes (and p): all of them, nearest first.
            assertThat(closest.peers()).containsExactlyElementsOf(trueClosest(peerIds(x), target));

            QueryResult.GetClosestPeers ofPeer = await(p.getClosestPeers(PeerId.parse(x.get(3).peerId())));
            assertThat(ofPeer.peers().get(0)).isEqualTo(PeerId.parse(x.get(3).peerId()));
        }
    }

    @Test
    void jkadPutsAtThemAndAnotherJkadGetsItFromThem() throws Exception {
        RecordKey key = jsKey("jkad-to-them");
        byte[] value = "put by jkad, kept by them".getBytes(StandardCharsets.UTF_8);
        try (KademliaNode p = InteropSupport.startJkad()) {
            join(p, x.get(0));
            awaitInRoutingTable(p, peerIds(x));
            QueryResult.PutRecord put = await(p.putRecord(DhtRecord.of(key, value), Quorum.of(X_NODES)));
            assertThat(put).isInstanceOf(QueryResult.PutRecord.Ok.class);
            assertThat(put.success()).containsExactlyInAnyOrderElementsOf(peerIds(x));
        }
        for (PeerCommands n : x) {
            assertThat(n.getLocal(key.toBytes())).as("stored at %s", n).hasValueSatisfying(v -> assertThat(v).isEqualTo(value));
        }
        // The putter is gone: only they hold the record.
        try (KademliaNode q = InteropSupport.startJkad()) {
            join(q, x.get(2));
            QueryResult.GetRecord got = await(q.getRecord(key, Quorum.ONE));
            assertThat(got).isInstanceOf(QueryResult.GetRecord.Ok.class);
            List<PeerRecord> records = ((QueryResult.GetRecord.Ok) got).records();
            assertThat(records).isNotEmpty().allSatisfy(r -> {
                assertThat(r.record().value()).isEqualTo(value);
                assertThat(r.peer()).hasValueSatisfying(from -> assertThat(peerIds(x)).contains(from));
            });
        }
    }

    @Test
    void jkadProvidesAtThemAndAnotherJkadFindsItThroughThem() throws Exception {
        RecordKey key = multihash("jkad provides to them");
        PeerId provider;
        try (KademliaNode p = InteropSupport.startJkad()) {
            provider = p.peerId();
            join(p, x.get(0));
            awaitInRoutingTable(p, peerIds(x));
            assertThat(await(p.startProviding(key)).isOk()).isTrue();
            // ADD_PROVIDER has no answer: wait until they have stored it.
            for (PeerCommands n : x) {
                awaitCondition(() -> n.localProviders(key.toBytes()).contains(provider.toString()),
                        n + " stores the provider " + provider, Duration.ofSeconds(30));
            }
        }
        try (KademliaNode q = InteropSupport.startJkad()) {
            join(q, x.get(3));
            QueryResult.GetProviders found = await(q.getProviders(key));
            assertThat(found.isOk()).isTrue();
            assertThat(found.providers()).containsExactly(provider);
        }
    }

    // ------------------------------------------------------------------------------------------
    // they ask jkad

    @Test
    void theyFindNodesThroughJkad() throws Exception {
        PeerCommands c = client(0);
        try {
            // c knows y0 only: the other jkad nodes can come only from jkad's FIND_NODE answers.
            c.dial(dialAddr(y.get(0)));
            awaitJsRoutingTableHas(c, List.of(y.get(0).peerId().toString()));
            KademliaNode y2 = y.get(2);
            KademliaNode y3 = y.get(3);

            // their findPeer: a FIND_NODE for y2's id, answered by y0 with y2's address.
            PeerCommands.PeerInfo found = c.findPeer(y2.peerId().toString());
            assertThat(found.addrs()).anySatisfy(a -> assertThat(a).startsWith(y2.listenAddresses().get(0).toString()));

            // their getClosestPeers to y3's id: y3 (distance 0) first, every peer a jkad node. (js lists
            // no addresses for peers its lookup started from: its routing table holds ids only.)
            List<PeerCommands.PeerInfo> closest = c.getClosestPeers(y3.peerId().toBytes());
            assertThat(closest).isNotEmpty();
            assertThat(closest.get(0).peerId()).isEqualTo(y3.peerId().toString());
            assertThat(closest).extracting(PeerCommands.PeerInfo::peerId).allSatisfy(id -> assertThat(jkadIds(y)).contains(id));
            // Every jkad node reached their routing table, through jkad's answers (c dialed only y0).
            awaitJsRoutingTableHas(c, jkadIds(y));
        } finally {
            c.stopNode();
        }
    }

    /** A client of theirs in network Y that knows every jkad node (their lookups start from their routing table). */
    private PeerCommands connectToAllOfY(int index) throws Exception {
        PeerCommands c = client(index);
        for (KademliaNode n : y) {
            c.dial(dialAddr(n));
        }
        awaitJsRoutingTableHas(c, jkadIds(y));
        return c;
    }

    @Test
    void theyPutAtJkadAndAnotherOfThemGetsItFromJkad() throws Exception {
        RecordKey key = jsKey("them-to-jkad");
        byte[] value = "put by them, kept by jkad".getBytes(StandardCharsets.UTF_8);
        PeerCommands putter = connectToAllOfY(1);
        try {
            PeerCommands.PutResult put = putter.put(key.toBytes(), value);
            if (putReportsAcknowledgements()) {
                assertThat(put.storedAt()).containsExactlyInAnyOrderElementsOf(jkadIds(y));
            } else {
                assertThat(put.storedAt()).containsAll(jkadIds(y));
            }
            // The only failures allowed: their clients of earlier tests, stopped since, that jkad still
            // lists among the closest peers.
            assertThat(put.errors()).allSatisfy(e -> assertThat(jkadIds(y)).noneMatch(e::startsWith));
        } finally {
            putter.stopNode(); // only jkad holds the record now
        }
        for (KademliaNode n : y) {
            Optional<DhtRecord> stored = await(n.execute(k -> k.store().get(key)));
            assertThat(stored).as("stored at %s", n).hasValueSatisfying(r -> assertThat(r.value()).isEqualTo(value));
        }
        PeerCommands getter = client(2);
        try {
            getter.dial(dialAddr(y.get(1)));
            awaitJsRoutingTableHas(getter, List.of(y.get(1).peerId().toString()));
            assertThat(getter.getLocal(key.toBytes())).isEmpty();
            PeerCommands.GetResult got = getter.get(key.toBytes());
            assertThat(got.value()).isEqualTo(value);
            if (getReportsSources()) {
                assertThat(got.from()).isNotEmpty().allSatisfy(from -> assertThat(jkadIds(y)).contains(from));
            }
        } finally {
            getter.stopNode();
        }
    }

    @Test
    void theyProvideAtJkadAndAnotherOfThemFindsItThroughJkad() throws Exception {
        RecordKey key = multihash("they provide to jkad");
        PeerCommands provider = connectToAllOfY(3);
        PeerId providerId = PeerId.parse(provider.peerId());
        try {
            PeerCommands.ProvideResult provided = provider.provide(key.toBytes());
            assertThat(provided.multihash()).isEqualTo(key.toBytes());
            if (provideReportsItsTargets()) {
                assertThat(provided.sentTo()).containsExactlyInAnyOrderElementsOf(jkadIds(y));
            }
            // js's provide returns once ADD_PROVIDER is written (it has no answer): wait for jkad to store it
            for (KademliaNode n : y) {
                awaitCondition(() -> n.execute(k -> k.store().providers(key)).join().stream()
                        .anyMatch(r -> r.provider().equals(providerId)), n + " stores their provider record",
                        Duration.ofSeconds(30));
            }
        } finally {
            provider.stopNode(); // only jkad knows the provider now
        }
        for (KademliaNode n : y) {
            List<ProviderRecord> stored = await(n.execute(k -> k.store().providers(key)));
            assertThat(stored).as("providers at %s", n).extracting(ProviderRecord::provider).containsExactly(providerId);
            assertThat(stored.get(0).addresses()).as("the provider's addresses at %s", n).isNotEmpty();
        }
        PeerCommands finder = client(4);
        try {
            finder.dial(dialAddr(y.get(2)));
            awaitJsRoutingTableHas(finder, List.of(y.get(2).peerId().toString()));
            List<PeerCommands.PeerInfo> found = finder.findProviders(key.toBytes());
            assertThat(found).extracting(PeerCommands.PeerInfo::peerId).containsExactly(providerId.toString());
            if (findProvidersReportsAddresses()) {
                assertThat(found.get(0).addrs()).as("the provider's addresses, as jkad stored them").isNotEmpty();
            }
        } finally {
            finder.stopNode();
        }
    }
}
