package io.jkad.net;

import static io.jkad.net.InteropSupport.await;
import static io.jkad.net.InteropSupport.awaitCondition;
import static io.jkad.net.InteropSupport.ids;
import static io.jkad.net.InteropSupport.jkadIds;
import static io.jkad.net.InteropSupport.join;
import static io.jkad.net.InteropSupport.jsKey;
import static io.jkad.net.InteropSupport.multihash;
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
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
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
 * One DHT of 10 js-libp2p nodes (one js process) and 10 jkad nodes. Every node of each kind puts a
 * record and provides a key; every record and provider is then looked up from a node of the other
 * kind and from a node of the same kind (never the one that put it), and must be found through the
 * network. The puts and provides must have reached nodes of both kinds. Skipped where node is not
 * installed (except under CI).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MixedNetworkJsIT {

    private static final int EACH = 10;
    /** Copies a jkad put waits for: enough to show where the record went, fewer than the 19 others. */
    private static final Quorum PUT_QUORUM = Quorum.of(12);
    /** A jkad get needs its own copy plus one from the network, or two from the network. */
    private static final Quorum GET_QUORUM = Quorum.of(2);

    private InteropPeer jsProcess;
    private List<PeerCommands> js;
    private final List<KademliaNode> jkad = new ArrayList<>();
    private final Random random = new Random(20);
    private ExecutorService pool;

    @BeforeAll
    void start() throws Exception {
        pool = Executors.newFixedThreadPool(8);
        jsProcess = InteropPeer.start(InteropSupport.jsOptions().nodes(EACH).interconnect(true)
                .timeout(Duration.ofSeconds(60)));
        js = jsProcess.nodes();
        for (int i = 0; i < EACH; i++) {
            jkad.add(InteropSupport.startJkad());
        }
        // Each jkad node joins through a different js node (the early ones learn the later ones
        // from their connections).
        List<Future<Object>> joins = new ArrayList<>();
        for (int i = 0; i < EACH; i++) {
            KademliaNode n = jkad.get(i);
            PeerCommands via = js.get(i);
            joins.add(pool.submit(() -> {
                join(n, via);
                return null;
            }));
        }
        for (Future<Object> f : joins) {
            f.get(60, TimeUnit.SECONDS);
        }
        // Every node of each kind knows nodes of the other kind.
        for (KademliaNode n : jkad) {
            awaitCondition(() -> countIn(await(n.routingTable()).stream().map(e -> e.peer().toString()).toList(),
                    ids(js)) >= EACH / 2, n + " knows js nodes");
        }
        for (PeerCommands n : js) {
            awaitCondition(() -> countIn(n.routingTable(), jkadIds(jkad)) >= EACH / 2, n + " knows jkad nodes");
        }
    }

    @AfterAll
    void stop() {
        if (pool != null) {
            pool.shutdownNow();
        }
        if (jsProcess != null) {
            jsProcess.close();
        }
        jkad.forEach(KademliaNode::close);
    }

    private static long countIn(Collection<String> table, Collection<String> ids) {
        return table.stream().filter(ids::contains).count();
    }

    private <T> List<T> all(List<Callable<T>> tasks) throws Exception {
        List<Future<T>> futures = pool.invokeAll(tasks);
        List<T> out = new ArrayList<>();
        for (Future<T> f : futures) {
            out.add(f.get(120, TimeUnit.SECONDS));
        }
        return out;
    }

    /** A random js node other than {@code not}. */
    private PeerCommands otherJs(String not) {
        PeerCommands n;
        do {
            n = js.get(random.nextInt(EACH));
        } while (n.peerId().equals(not));
        return n;
    }

    private KademliaNode otherJkad(String not) {
        KademliaNode n;
        do {
            n = jkad.get(random.nextInt(EACH));
        } while (n.peerId().toString().equals(not));
        return n;
    }

    /** What was put or provided, by whom, and where it went. */
    private record Put(RecordKey key, byte[] value, String by, boolean byJs, List<String> reached) {}

    @Test
    void everyRecordPutFromEitherSideIsFoundFromBoth() throws Exception {
        List<Callable<Put>> puts = new ArrayList<>();
        for (PeerCommands n : js) {
            puts.add(() -> {
                RecordKey key = jsKey("mixed-from-js");
                byte[] value = ("from js " + n.peerId()).getBytes(StandardCharsets.UTF_8);
                PeerCommands.PutResult r = n.put(key.toBytes(), value);
                return new Put(key, value, n.peerId(), true, r.storedAt());
            });
        }
        for (KademliaNode n : jkad) {
            puts.add(() -> {
                RecordKey key = jsKey("mixed-from-jkad");
                byte[] value = ("from jkad " + n.peerId()).getBytes(StandardCharsets.UTF_8);
                QueryResult.PutRecord r = await(n.putRecord(DhtRecord.of(key, value), PUT_QUORUM));
                assertThat(r.isOk()).as("put from %s: %s", n, r).isTrue();
                return new Put(key, value, n.peerId().toString(), false,
                        r.success().stream().map(PeerId::toString).toList());
            });
        }
        List<Put> done = all(puts);
        for (Put p : done) {
            assertThat(countIn(p.reached(), ids(js))).as("js nodes that stored %s", p.key()).isPositive();
            assertThat(countIn(p.reached(), jkadIds(jkad))).as("jkad nodes that stored %s", p.key()).isPositive();
        }

        List<Callable<String>> gets = new ArrayList<>();
        for (Put p : done) {
            PeerCommands jsGetter = otherJs(p.by());
            KademliaNode jkadGetter = otherJkad(p.by());
            gets.add(() -> {
                PeerCommands.GetResult r = jsGetter.get(p.key().toBytes());
                assertThat(r.value()).as("js get of %s", p.key()).isEqualTo(p.value());
                assertThat(r.from()).as("peers that returned %s to js", p.key())
                        .anyMatch(from -> !from.equals(jsGetter.peerId()));
                return "js";
            });
            gets.add(() -> {
                QueryResult.GetRecord r = await(jkadGetter.getRecord(p.key(), GET_QUORUM));
                assertThat(r).as("jkad get of %s", p.key()).isInstanceOf(QueryResult.GetRecord.Ok.class);
                List<PeerRecord> records = ((QueryResult.GetRecord.Ok) r).records();
                assertThat(records).allSatisfy(pr -> assertThat(pr.record().value()).isEqualTo(p.value()));
                assertThat(records).as("copies from the network").anyMatch(pr -> pr.peer().isPresent());
                return "jkad";
            });
        }
        assertThat(all(gets)).hasSize(4 * EACH);
    }

    @Test
    void everyProviderFromEitherSideIsFoundFromBoth() throws Exception {
        List<Callable<Put>> provides = new ArrayList<>();
        for (PeerCommands n : js) {
            provides.add(() -> {
                RecordKey key = multihash("mixed provided by js " + n.peerId());
                PeerCommands.ProvideResult r = n.provide(key.toBytes());
                return new Put(key, null, n.peerId(), true, r.sentTo());
            });
        }
        for (KademliaNode n : jkad) {
            provides.add(() -> {
                RecordKey key = multihash("mixed provided by jkad " + n.peerId());
                QueryResult.AddProvider r = await(n.startProviding(key));
                assertThat(r.isOk()).as("provide from %s: %s", n, r).isTrue();
                return new Put(key, null, n.peerId().toString(), false, List.of());
            });
        }
        List<Put> done = all(provides);
        for (Put p : done) {
            if (p.byJs()) {
                assertThat(countIn(p.reached(), ids(js))).as("js nodes sent %s", p.key()).isPositive();
                assertThat(countIn(p.reached(), jkadIds(jkad))).as("jkad nodes sent %s", p.key()).isPositive();
            } else {
                // ADD_PROVIDER has no answer: look at the stores of both kinds.
                awaitCondition(() -> js.stream().anyMatch(n -> n.localProviders(p.key().toBytes()).contains(p.by())),
                        "a js node stores the provider of " + p.key());
                awaitCondition(() -> anyJkadStores(p), "another jkad node stores the provider of " + p.key());
            }
        }

        List<Callable<String>> finds = new ArrayList<>();
        for (Put p : done) {
            PeerCommands jsFinder = otherJs(p.by());
            KademliaNode jkadFinder = otherJkad(p.by());
            finds.add(() -> {
                List<PeerCommands.PeerInfo> found = jsFinder.findProviders(p.key().toBytes());
                assertThat(found).as("js look-up of the providers of %s", p.key())
                        .anySatisfy(info -> {
                            assertThat(info.peerId()).isEqualTo(p.by());
                            assertThat(info.addrs()).isNotEmpty();
                        });
                return "js";
            });
            finds.add(() -> {
                QueryResult.GetProviders r = await(jkadFinder.getProviders(p.key()));
                assertThat(r.providers()).as("jkad look-up of the providers of %s", p.key())
                        .contains(PeerId.parse(p.by()));
                return "jkad";
            });
        }
        assertThat(all(finds)).hasSize(4 * EACH);
    }

    private boolean anyJkadStores(Put p) throws Exception {
        for (KademliaNode n : jkad) {
            if (n.peerId().toString().equals(p.by())) {
                continue;
            }
            List<ProviderRecord> stored = await(n.execute(k -> k.store().providers(p.key())));
            if (stored.stream().anyMatch(r -> r.provider().toString().equals(p.by()))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void jkadAndJsLookupsAgreeOnTheClosestPeers() throws Exception {
        // Both kinds see the same network: a lookup from either side finds nodes of both kinds.
        byte[] target = new byte[32];
        random.nextBytes(target);
        List<String> fromJs = js.get(3).getClosestPeers(target).stream().map(PeerCommands.PeerInfo::peerId).toList();
        QueryResult.GetClosestPeers fromJkad = await(jkad.get(3).getClosestPeers(RecordKey.of(target)));
        List<String> jkadView = fromJkad.peers().stream().map(PeerId::toString).toList();
        for (List<String> view : List.of(fromJs, jkadView)) {
            assertThat(countIn(view, ids(js))).isPositive();
            assertThat(countIn(view, jkadIds(jkad))).isPositive();
        }
        // The nearest few agree (the two sides exclude themselves, so compare without them).
        List<String> everyone = new ArrayList<>(ids(js));
        everyone.addAll(jkadIds(jkad));
        List<String> truth = everyone.stream()
                .filter(id -> !id.equals(js.get(3).peerId()) && !id.equals(jkad.get(3).peerId().toString()))
                .sorted(Comparator.comparing((String id) -> Key.of(PeerId.parse(id)).distance(KeyBytes.digestOf(target))))
                .limit(3)
                .toList();
        assertThat(jkadView).containsAll(truth);
        assertThat(fromJs).containsAll(truth);
    }
}
