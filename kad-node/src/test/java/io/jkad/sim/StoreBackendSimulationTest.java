package io.jkad.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.identity.PeerId;
import io.jkad.kademlia.KademliaConfig;
import io.jkad.kademlia.Quorum;
import io.jkad.kademlia.QueryResult;
import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStore;
import io.jkad.record.RecordStores;
import io.jkad.record.StoreConfig;
import io.jkad.routing.KeyBytes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The state machine's record lifetimes (TTL expiry, replication, republication of value and
 * provider records) in the simulator, with every node on the same store backend, opened by name
 * through the SPI: the jobs and the expiry sweep behave the same on each backend.
 *
 * <p>Here rather than in kad-core with the other simulator tests because it needs the real
 * backends (memory, RocksDB, JDBC), which depend on kad-core.
 */
class StoreBackendSimulationTest {
    private static final Duration LIMIT = Duration.ofMinutes(5);
    private static final int NODES = 30;
    private static final Duration TTL = Duration.ofMinutes(30);

    @TempDir
    Path dir;

    private final List<SimNetwork> networks = new ArrayList<>();

    @AfterEach
    void close() {
        networks.forEach(SimNetwork::close);
    }

    /** Opens each node's store of backend {@code name} in its own directory. */
    private Function<PeerId, RecordStore> stores(String name) {
        AtomicInteger n = new AtomicInteger();
        return id -> {
            StoreConfig config = StoreConfig.defaults(id).withDataDirectory(dir.resolve(name + "-" + n.incrementAndGet()));
            if (name.equals("jdbc")) {
                config = config.withOption("jdbc.pool_size", "2");
            } else if (name.equals("rocksdb")) {
                config = config.withOption("rocksdb.block_cache_mb", "1");
            }
            return RecordStores.open(name, config);
        };
    }

    private SimNetwork network(String store, long seed, KademliaConfig config) {
        SimNetwork net = new SimNetwork(SimConfig.defaults(seed, stores(store)).withKademlia(config));
        networks.add(net);
        net.addAndBootstrap(NODES, 15);
        return net;
    }

    private static KademliaConfig.Builder shortLifetimes() {
        return KademliaConfig.builder()
                .recordTtl(Optional.of(TTL))
                .providerRecordTtl(Optional.of(TTL))
                .replicationInterval(Optional.of(Duration.ofMinutes(5)))
                .publicationInterval(Optional.of(Duration.ofMinutes(10)))
                .providerPublicationInterval(Optional.of(Duration.ofMinutes(10)))
                .bootstrapInterval(Optional.of(Duration.ofMinutes(5)));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The nodes other than {@code except} whose store still holds {@code key} (expired or not). */
    private static List<SimNode> storing(SimNetwork net, RecordKey key, SimNode except) {
        List<SimNode> out = new ArrayList<>();
        for (SimNode n : net.nodes()) {
            if (n != except && n.isOnline() && n.store().get(key).isPresent()) {
                out.add(n);
            }
        }
        return out;
    }

    /** The nodes other than {@code except} holding an unexpired provider record of {@code provider}. */
    private static List<SimNode> providing(SimNetwork net, RecordKey key, PeerId provider, SimNode except, Instant now) {
        List<SimNode> out = new ArrayList<>();
        for (SimNode n : net.nodes()) {
            if (n == except || !n.isOnline()) {
                continue;
            }
            for (ProviderRecord p : n.store().providers(key)) {
                if (p.provider().equals(provider) && !p.isExpired(now)) {
                    out.add(n);
                }
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"memory", "rocksdb", "jdbc"})
    void recordsExpireAfterTheirTtlAndTheSweepRemovesThem(String store) {
        // No republication: the copies live one TTL, then the replication runs' sweeps remove them.
        KademliaConfig config = shortLifetimes().publicationInterval(Optional.empty()).build();
        SimNetwork net = network(store, 71, config);
        SimNode publisher = net.node(4);
        RecordKey key = RecordKey.ofUtf8("/ttl/record");
        var put = net.run(publisher, k -> k.putRecord(DhtRecord.of(key, bytes("short-lived")), Quorum.ALL, net.now()), LIMIT);
        assertThat(put.result().isOk()).isTrue();
        assertThat(storing(net, key, publisher)).hasSizeGreaterThanOrEqualTo(20);
        for (SimNode n : storing(net, key, publisher)) {
            Instant expires = n.store().get(key).orElseThrow().expires().orElseThrow();
            assertThat(expires).isBeforeOrEqualTo(net.now().plus(TTL));
        }
        net.leave(publisher);
        net.runFor(TTL.plus(Duration.ofMinutes(6)));
        assertThat(storing(net, key, publisher)).as("copies swept after the TTL").isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"memory", "rocksdb", "jdbc"})
    void republicationKeepsARecordAliveWhileItsPublisherLives(String store) {
        SimNetwork net = network(store, 72, shortLifetimes().build());
        SimNode publisher = net.node(3);
        RecordKey key = RecordKey.ofUtf8("/republished/record");
        net.run(publisher, k -> k.putRecord(DhtRecord.of(key, bytes("alive")), Quorum.ONE, net.now()), LIMIT);
        net.runFor(TTL.multipliedBy(2).plus(Duration.ofMinutes(5)));
        assertThat(storing(net, key, publisher)).as("copies after two TTLs").isNotEmpty();
        var get = net.run(net.node(20), k -> k.getRecord(key, Quorum.ONE, net.now()), LIMIT);
        assertThat(get.result()).isInstanceOf(QueryResult.GetRecord.Ok.class);

        net.leave(publisher);
        net.runFor(TTL.plus(Duration.ofMinutes(10)));
        assertThat(storing(net, key, publisher)).as("copies a TTL after the publisher left").isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"memory", "rocksdb", "jdbc"})
    void replicationRestoresTheCopiesAfterTheHoldersLeave(String store) {
        SimNetwork net = network(store, 73, shortLifetimes().publicationInterval(Optional.empty()).build());
        SimNode writer = net.node(1);
        RecordKey key = RecordKey.ofUtf8("/replicated/record");
        net.run(writer, k -> k.putRecord(DhtRecord.of(key, bytes("copies")), Quorum.ALL, net.now()), LIMIT);
        List<SimNode> before = storing(net, key, writer);
        assertThat(before).hasSizeGreaterThanOrEqualTo(20);
        for (int i = 0; i < before.size(); i += 3) {
            net.leave(before.get(i));
        }
        net.leave(writer);
        net.runFor(Duration.ofMinutes(12));
        List<SimNode> closest = net.trueClosest(KeyBytes.digestOf(key.toBytes()), 20, true);
        long holding = closest.stream().filter(n -> n.store().get(key).isPresent()).count();
        assertThat(holding).as("of the 20 closest live nodes").isGreaterThanOrEqualTo(19);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"memory", "rocksdb", "jdbc"})
    void providerRecordsLiveWhileTheProviderRepublishesAndExpireAfter(String store) {
        SimNetwork net = network(store, 74, shortLifetimes().build());
        SimNode provider = net.node(6);
        RecordKey key = RecordKey.ofUtf8("/provided/content");
        var provide = net.run(provider, k -> k.startProviding(key, net.now()), LIMIT);
        assertThat(provide.result().isOk()).isTrue();
        // ADD_PROVIDER has no answer: the query ends as the requests leave; let them arrive.
        net.runFor(Duration.ofSeconds(5));
        assertThat(providing(net, key, provider.id(), provider, net.now())).hasSizeGreaterThanOrEqualTo(20);

        // Republished every 10 minutes: after two provider TTLs it is still found.
        net.runFor(TTL.multipliedBy(2).plus(Duration.ofMinutes(5)));
        assertThat(providing(net, key, provider.id(), provider, net.now())).isNotEmpty();
        var found = net.run(net.node(25), k -> k.getProviders(key, net.now()), LIMIT);
        assertThat(((QueryResult.GetProviders) found.result()).providers()).contains(provider.id());

        // Gone: the records expire, and the sweeps remove them from the stores.
        net.leave(provider);
        net.runFor(TTL.plus(Duration.ofMinutes(10)));
        for (SimNode n : net.nodes()) {
            if (n != provider && n.isOnline()) {
                assertThat(n.store().providers(key)).as("%s", n).noneMatch(p -> p.provider().equals(provider.id()));
            }
        }
        var gone = net.run(net.node(25), k -> k.getProviders(key, net.now()), LIMIT);
        assertThat(((QueryResult.GetProviders) gone.result()).providers()).doesNotContain(provider.id());
    }
}
