package io.jkad.net;

import static io.jkad.net.InteropSupport.await;
import static io.jkad.net.InteropSupport.awaitCondition;
import static io.jkad.net.InteropSupport.jsKey;
import static io.jkad.net.InteropSupport.multihash;
import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.identity.PeerId;
import io.jkad.interop.InteropPeer;
import io.jkad.interop.PeerCommands;
import io.jkad.kademlia.PeerRecord;
import io.jkad.kademlia.QueryResult;
import io.jkad.kademlia.Quorum;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.jkad.routing.Key;
import io.jkad.routing.KeyBytes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * One DHT of four implementations: 6 jkad, 6 go-libp2p-kad-dht, 6 rust-libp2p and 6 js-libp2p
 * nodes on loopback. Every node puts a record and provides a key; each record and each provider
 * is then looked up from a node of every other kind (never the one that put it) and must be found
 * through the network; the closest peers that each kind's own lookup returns for the same targets
 * contain the true nearest ones, as an oracle that knows all 24 nodes orders them. Skipped where a
 * toolchain is missing (except under CI).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MixedNetworkFourKindsIT {

    private static final int EACH = 6;
    /** The nearest peers to a target (beside the asker) that every kind's lookup must find. */
    private static final int MUST_FIND = 5;

    /** The four kinds; jkad's nodes are in-process {@link KademliaNode}s. */
    enum Impl { JKAD, GO, RUST, JS }

    /** A node of any kind, through the operations the test needs. */
    private interface Member {
        Impl impl();

        String peerId();

        void put(RecordKey key, byte[] value) throws Exception;

        /** The value found in the network (never from this node's own store alone). */
        byte[] get(RecordKey key) throws Exception;

        void provide(RecordKey key) throws Exception;

        List<String> providers(RecordKey key) throws Exception;

        List<String> closest(byte[] target) throws Exception;
    }

    private record Jkad(KademliaNode node) implements Member {
        @Override
        public Impl impl() {
            return Impl.JKAD;
        }

        @Override
        public String peerId() {
            return node.peerId().toString();
        }

        @Override
        public void put(RecordKey key, byte[] value) throws Exception {
            QueryResult.PutRecord r = await(node.putRecord(DhtRecord.of(key, value), Quorum.of(10)));
            assertThat(r.isOk()).as("put from jkad %s: %s", peerId(), r).isTrue();
        }

        @Override
        public byte[] get(RecordKey key) throws Exception {
            // Quorum 2: its own copy (the putter may have sent it one) and at least one from the network.
            QueryResult.GetRecord r = await(node.getRecord(key, Quorum.of(2)));
            assertThat(r).as("jkad get of %s", key).isInstanceOf(QueryResult.GetRecord.Ok.class);
            List<PeerRecord> records = ((QueryResult.GetRecord.Ok) r).records();
            assertThat(records).as("copies from the network").anyMatch(pr -> pr.peer().isPresent());
            return records.get(0).record().value();
        }

        @Override
        public void provide(RecordKey key) throws Exception {
            QueryResult.AddProvider r = await(node.startProviding(key));
            assertThat(r.isOk()).as("provide from jkad %s: %s", peerId(), r).isTrue();
        }

        @Override
        public List<String> providers(RecordKey key) throws Exception {
            return await(node.getProviders(key)).providers().stream().map(PeerId::toString).toList();
        }

        @Override
        public List<String> closest(byte[] target) throws Exception {
            return await(node.getClosestPeers(RecordKey.of(target))).peers().stream().map(PeerId::toString).toList();
        }
    }

    private record Foreign(Impl impl, PeerCommands node) implements Member {
        @Override
        public String peerId() {
            return node.peerId();
        }

        @Override
        public void put(RecordKey key, byte[] value) {
            node.put(key.toBytes(), value);
        }

        @Override
        public byte[] get(RecordKey key) {
            return node.get(key.toBytes()).value();
        }

        @Override
        public void provide(RecordKey key) {
            node.provide(key.toBytes());
        }

        @Override
        public List<String> providers(RecordKey key) {
            return node.findProviders(key.toBytes()).stream().map(PeerCommands.PeerInfo::peerId).toList();
        }

        @Override
        public List<String> closest(byte[] target) {
            return node.getClosestPeers(target).stream().map(PeerCommands.PeerInfo::peerId).toList();
        }
    }

    private final List<InteropPeer> processes = new ArrayList<>();
    private final List<KademliaNode> jkad = new ArrayList<>();
    private final Map<Impl, List<Member>> members = new EnumMap<>(Impl.class);
    private final List<Member> everyone = new ArrayList<>();
    private final Random random = new Random(24);
    private ExecutorService pool;

    @BeforeAll
    void start() throws Exception {
        pool = Executors.newFixedThreadPool(8);
        for (Impl impl : List.of(Impl.GO, Impl.RUST, Impl.JS)) {
            InteropPeer p = InteropPeer.start(InteropSupport.peerOptions(InteropPeer.Kind.valueOf(impl.name()))
                    .nodes(EACH).interconnect(true).timeout(Duration.ofSeconds(60)));
            processes.add(p);
            members.put(impl, p.nodes().stream().map(n -> (Member) new Foreign(impl, n)).toList());
        }
        for (int i = 0; i < EACH; i++) {
            jkad.add(InteropSupport.startJkad());
        }
        members.put(Impl.JKAD, jkad.stream().map(n -> (Member) new Jkad(n)).toList());
        for (Impl impl : Impl.values()) {
            everyone.addAll(members.get(impl));
        }
        // Node i of each foreign kind dials jkad node i and node i of the other foreign kinds, so
        // that every kind has direct contacts of every other kind; then every jkad node bootstraps
        // through its three foreign contacts and the lookups fill the rest.
        List<Callable<Object>> dials = new ArrayList<>();
        for (int i = 0; i < EACH; i++) {
            for (Impl impl : List.of(Impl.GO, Impl.RUST, Impl.JS)) {
                PeerCommands n = ((Foreign) members.get(impl).get(i)).node();
                List<String> targets = new ArrayList<>(List.of(InteropSupport.dialAddr(jkad.get(i))));
                for (Impl other : List.of(Impl.GO, Impl.RUST, Impl.JS)) {
                    // One direction per pair (go dials rust and js, rust dials js): two nodes
                    // dialing each other at once may both see their connection closed.
                    if (other.ordinal() > impl.ordinal()) {
                        targets.add(((Foreign) members.get(other).get(i)).node().dialAddr());
                    }
                }
                dials.add(() -> {
                    for (String t : targets) {
                        n.dial(t);
                    }
                    return null;
                });
            }
        }
        all(dials);
        List<Callable<Object>> boots = new ArrayList<>();
        for (int i = 0; i < EACH; i++) {
            KademliaNode n = jkad.get(i);
            for (Impl impl : List.of(Impl.GO, Impl.RUST, Impl.JS)) {
                PeerCommands via = ((Foreign) members.get(impl).get(i)).node();
                await(n.addAddress(PeerId.parse(via.peerId()), Multiaddr.parse(via.dialAddr()).withoutPeerId()));
            }
            boots.add(() -> await(n.bootstrap()));
        }
        all(boots);
        // Every node knows nodes of at least two other kinds before the workload starts.
        for (Member m : everyone) {
            awaitCondition(() -> kindsKnownBy(m) >= 3, m.impl() + " node " + m.peerId() + " knows other kinds");
        }
    }

    @AfterAll
    void stop() {
        if (pool != null) {
            pool.shutdownNow();
        }
        processes.forEach(InteropPeer::close);
        jkad.forEach(KademliaNode::close);
    }

    /** How many kinds (its own counted) a member's routing table holds. */
    private long kindsKnownBy(Member m) throws Exception {
        List<String> table = m instanceof Jkad j
                ? await(j.node().routingTable()).stream().map(e -> e.peer().toString()).toList()
                : ((Foreign) m).node().routingTable();
        return members.entrySet().stream()
                .filter(e -> e.getValue().stream().anyMatch(x -> table.contains(x.peerId())))
                .count() + (members.get(m.impl()).stream().anyMatch(x -> table.contains(x.peerId())) ? 0 : 1);
    }

    private <T> List<T> all(List<Callable<T>> tasks) throws Exception {
        List<Future<T>> futures = pool.invokeAll(tasks);
        List<T> out = new ArrayList<>();
        for (Future<T> f : futures) {
            out.add(f.get(180, TimeUnit.SECONDS));
        }
        return out;
    }

    /** A node of {@code impl}, chosen at random. */
    private Member any(Impl impl) {
        List<Member> of = members.get(impl);
        return of.get(random.nextInt(of.size()));
    }

    @Test
    void everyRecordIsFoundFromEveryOtherKind() throws Exception {
        record Put(Member by, RecordKey key, byte[] value) {}
        List<Put> done = new ArrayList<>();
        List<Callable<Object>> puts = new ArrayList<>();
        for (Member m : everyone) {
            Put p = new Put(m, jsKey("four-kinds-" + m.impl()), ("put by " + m.impl() + " " + m.peerId())
                    .getBytes(StandardCharsets.UTF_8));
            done.add(p);
            puts.add(() -> {
                m.put(p.key(), p.value());
                return null;
            });
        }
        all(puts);
        List<Callable<Object>> gets = new ArrayList<>();
        for (Put p : done) {
            for (Impl impl : Impl.values()) {
                if (impl == p.by().impl()) {
                    continue;
                }
                Member getter = any(impl);
                gets.add(() -> {
                    assertThat(getter.get(p.key())).as("%s get of %s's record %s", impl, p.by().impl(), p.key())
                            .isEqualTo(p.value());
                    return null;
                });
            }
        }
        assertThat(all(gets)).hasSize(everyone.size() * 3);
    }

    @Test
    void everyProviderIsFoundFromEveryOtherKind() throws Exception {
        record Provided(Member by, RecordKey key) {}
        List<Provided> done = new ArrayList<>();
        List<Callable<Object>> provides = new ArrayList<>();
        for (Member m : everyone) {
            Provided p = new Provided(m, multihash("four kinds, provided by " + m.impl() + " " + m.peerId()));
            done.add(p);
            provides.add(() -> {
                m.provide(p.key());
                return null;
            });
        }
        all(provides);
        List<Callable<Object>> finds = new ArrayList<>();
        for (Provided p : done) {
            for (Impl impl : Impl.values()) {
                if (impl == p.by().impl()) {
                    continue;
                }
                Member finder = any(impl);
                finds.add(() -> {
                    // ADD_PROVIDER has no answer, so a provide may return before its records are stored.
                    awaitCondition(() -> finder.providers(p.key()).contains(p.by().peerId()),
                            impl + " finds " + p.by().impl() + " " + p.by().peerId() + " as provider of " + p.key());
                    return null;
                });
            }
        }
        assertThat(all(finds)).hasSize(everyone.size() * 3);
    }

    @Test
    void everyKindsClosestPeersAgreeWithTheOracle() throws Exception {
        for (int round = 0; round < 3; round++) {
            byte[] target = new byte[32];
            random.nextBytes(target);
            KeyBytes digest = KeyBytes.digestOf(target);
            for (Impl impl : Impl.values()) {
                Member asker = any(impl);
                List<String> truth = everyone.stream()
                        .map(Member::peerId)
                        .filter(id -> !id.equals(asker.peerId()))
                        .sorted(Comparator.comparing((String id) -> Key.of(PeerId.parse(id)).distance(digest)))
                        .limit(MUST_FIND)
                        .toList();
                List<String> found = asker.closest(target);
                assertThat(found).as("%s's closest peers to %s", impl, digest).containsAll(truth);
            }
        }
    }

    /**
     * A jkad node reprovides with the sweep: its keys (stored as provided, as by an earlier run) go
     * to each peer as one pipelined batch of ADD_PROVIDERs per stream, and go, rust and js nodes
     * all take them in: each kind finds the node as provider of keys it never announced one by one.
     */
    @Test
    void theSweepsPipelinedAnnouncementsAreFoundByEveryKind() throws Exception {
        KademliaNode sweeper = InteropSupport.startJkad(io.jkad.kademlia.KademliaConfig.defaults().toBuilder()
                .reprovideStrategy(io.jkad.kademlia.ReprovideStrategy.SWEEP)
                .providerPublicationInterval(java.util.Optional.of(Duration.ofSeconds(20)))
                .reprovideRegionBits(java.util.OptionalInt.of(1))
                .build());
        try {
            PeerCommands via = ((Foreign) members.get(Impl.GO).get(0)).node();
            InteropSupport.join(sweeper, PeerId.parse(via.peerId()), Multiaddr.parse(via.dialAddr()));
            List<RecordKey> keys = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                keys.add(multihash("swept to every kind " + i));
            }
            PeerId self = sweeper.peerId();
            await(sweeper.execute(k -> {
                for (RecordKey key : keys.subList(0, keys.size() - 1)) {
                    k.store().addProvider(new io.jkad.record.ProviderRecord(key, self, java.util.Optional.empty(), List.of()));
                }
                return null;
            }));
            await(sweeper.startProviding(keys.get(keys.size() - 1)));
            awaitCondition(() -> await(sweeper.reprovideStatus()).orElseThrow().cycle() >= 1, "a whole sweep cycle",
                    Duration.ofSeconds(90));
            var status = await(sweeper.reprovideStatus()).orElseThrow();
            assertThat(status.keysAnnounced()).isGreaterThanOrEqualTo(keys.size());
            List<Callable<Object>> finds = new ArrayList<>();
            for (Impl impl : List.of(Impl.GO, Impl.RUST, Impl.JS)) {
                for (int i = 0; i < 6; i++) {
                    RecordKey key = keys.get(random.nextInt(keys.size() - 1));
                    Member finder = any(impl);
                    finds.add(() -> {
                        awaitCondition(() -> finder.providers(key).contains(self.toString()),
                                impl + " finds the sweeping node as provider of " + key);
                        return null;
                    });
                }
            }
            assertThat(all(finds)).hasSize(18);
            // each foreign node holds the records of the keys it is among the 20 closest of: the whole
            // pipelined batch was taken in, not its first message only
            List<RecordKey> sample = keys.subList(0, 40);
            for (Impl impl : List.of(Impl.GO, Impl.RUST, Impl.JS)) {
                for (Member m : members.get(impl)) {
                    PeerCommands node = ((Foreign) m).node();
                    int expected = 0;
                    int held = 0;
                    for (RecordKey key : sample) {
                        KeyBytes digest = KeyBytes.digestOf(key.toBytes());
                        boolean close = everyone.stream().map(x -> PeerId.parse(x.peerId()))
                                .sorted(Comparator.comparing((PeerId id) -> Key.of(id).distance(digest)))
                                .limit(20).anyMatch(id -> id.toString().equals(m.peerId()));
                        if (close) {
                            expected++;
                            if (node.localProviders(key.toBytes()).contains(self.toString())) {
                                held++;
                            }
                        }
                    }
                    assertThat(held).as("%s node %s holds the sweep's records of its keys", impl, m.peerId())
                            .isGreaterThanOrEqualTo(expected * 9 / 10);
                    assertThat(expected).isPositive();
                }
            }
        } finally {
            sweeper.close();
        }
    }
}
