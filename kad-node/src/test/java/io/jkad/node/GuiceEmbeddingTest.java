package io.jkad.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.ProvisionException;
import com.google.inject.multibindings.OptionalBinder;
import io.jkad.identity.Ed25519KeyPair;
import io.jkad.inject.BootstrapPeers;
import io.jkad.inject.KademliaModule;
import io.jkad.inject.KademliaService;
import io.jkad.kademlia.KademliaConfig;
import io.jkad.kademlia.PeerRecord;
import io.jkad.kademlia.QueryResult;
import io.jkad.kademlia.Quorum;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.net.KademliaNode;
import io.jkad.net.KademliaNodeConfig;
import io.jkad.node.readme.EmbeddedNode;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.StoreConfig;
import io.jkad.store.jdbc.JdbcStoreModule;
import io.jkad.store.memory.MemoryStoreModule;
import io.jkad.store.rocksdb.RocksDbStoreModule;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Embedding nodes with Guice the way a service would: {@link KademliaModule}, {@link KademliaService}. */
class GuiceEmbeddingTest {

    @TempDir
    Path dir;

    @Test
    void twoEmbeddedNodesPutAndGetBetweenThem() throws Exception {
        Ed25519KeyPair keyA = Ed25519KeyPair.generate();
        KademliaService a = EmbeddedNode.start(keyA, dir.resolve("a"), List.of());
        KademliaService b = null;
        try {
            KademliaNode nodeA = a.node();
            assertThat(nodeA.peerId()).isEqualTo(keyA.peerId());
            String addrA = nodeA.listenAddresses().get(0).withPeerId(nodeA.peerId()).toString();
            b = EmbeddedNode.start(Ed25519KeyPair.generate(), dir.resolve("b"), List.of(addrA));
            assertThat(b.initialBootstrap().get(30, TimeUnit.SECONDS).isOk()).isTrue();

            RecordKey key = RecordKey.ofUtf8("/jkad/guice/greeting");
            byte[] value = "hello through Guice".getBytes(StandardCharsets.UTF_8);
            QueryResult.PutRecord put = a.node().putRecord(DhtRecord.of(key, value), Quorum.ONE).get(30, TimeUnit.SECONDS);
            assertThat(put.success()).containsExactly(b.node().peerId());
            // a's copy through the network: remove b's own first (stores are thread-safe).
            b.store().remove(key);
            QueryResult.GetRecord got = b.node().getRecord(key, Quorum.ONE).get(30, TimeUnit.SECONDS);
            assertThat(got).isInstanceOf(QueryResult.GetRecord.Ok.class);
            PeerRecord found = ((QueryResult.GetRecord.Ok) got).records().get(0);
            assertThat(found.peer()).contains(a.node().peerId());
            assertThat(found.record().value()).isEqualTo(value);
            assertThat(Files.isDirectory(dir.resolve("a"))).isTrue(); // the RocksDB store is there
        } finally {
            if (b != null) {
                b.stop();
            }
            a.stop();
        }
        assertThat(a.isRunning()).isFalse();
        assertThatThrownBy(a::node).isInstanceOf(IllegalStateException.class).hasMessage("service stopped");
    }

    @Test
    void readmeShowsTheCompiledExample() throws Exception {
        Path readme = Path.of("..", "README.md");
        Path source = Path.of("src/test/java/io/jkad/node/readme/EmbeddedNode.java");
        String code = between(Files.readString(source), "// README: embed-begin\n", "// README: embed-end");
        assertThat(Files.readString(readme)).as("README.md holds the code of %s", source).contains(code.strip());
    }

    private static String between(String text, String begin, String end) {
        int from = text.indexOf(begin);
        int to = text.indexOf(end);
        assertThat(from).isNotNegative();
        assertThat(to).isGreaterThan(from);
        return text.substring(from + begin.length(), to);
    }

    @Test
    void configureOnlyBindsAndTheServiceOpensInOrder() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        Path data = dir.resolve("store");
        KademliaNodeConfig config = KademliaNodeConfig.builder(key).listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0"))
                .openStore("rocksdb", StoreConfig.defaults(key.peerId()).withDataDirectory(data)).build();
        Injector injector = Guice.createInjector(new KademliaModule(), binder ->
                OptionalBinder.newOptionalBinder(binder, KademliaNodeConfig.class).setBinding().toInstance(config));
        KademliaService service = injector.getInstance(KademliaService.class);
        assertThat(Files.exists(data)).as("nothing opened before start").isFalse();
        assertThatThrownBy(() -> injector.getInstance(KademliaNode.class))
                .isInstanceOf(ProvisionException.class).hasRootCauseMessage("service not started");
        service.start();
        try {
            assertThat(Files.isDirectory(data)).isTrue();
            assertThat(injector.getInstance(KademliaNode.class)).isSameAs(service.node());
            assertThat(injector.getInstance(KademliaService.class)).isSameAs(service);
            assertThatThrownBy(service::start).isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("service already started");
            assertThatThrownBy(() -> service.initialBootstrap().join()).hasMessageContaining("No known peers");
        } finally {
            service.stop();
        }
        service.stop(); // idempotent
        // The store was closed: a new one opens on the same directory (RocksDB locks it while open).
        try (var store = io.jkad.record.RecordStores.open("rocksdb", config.storeConfig())) {
            assertThat(store.counts().records()).isZero();
        }
    }

    @Test
    void defaultsAreBoundAndOverridable() {
        Injector defaults = Guice.createInjector(new KademliaModule());
        KademliaNodeConfig config = defaults.getInstance(KademliaNodeConfig.class);
        assertThat(config.host().listenAddresses()).containsExactly(Multiaddr.parse(KademliaModule.DEFAULT_LISTEN));
        assertThat(config.storeBackend()).isEqualTo("memory");
        assertThat(config.clock()).isEqualTo(Clock.systemUTC());
        assertThat(config.kademlia().replicationFactor()).isEqualTo(KademliaConfig.DEFAULT_REPLICATION_FACTOR);
        assertThat(defaults.getInstance(Ed25519KeyPair.class).peerId())
                .isEqualTo(defaults.getInstance(Ed25519KeyPair.class).peerId()).isEqualTo(config.peerId());
        assertThat(defaults.getInstance(BootstrapPeers.class).addresses()).isEmpty();

        Clock fixed = Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC);
        KademliaConfig kademlia = KademliaConfig.builder().replicationFactor(8).build();
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        Injector custom = Guice.createInjector(new KademliaModule(), binder -> {
            OptionalBinder.newOptionalBinder(binder, Clock.class).setBinding().toInstance(fixed);
            OptionalBinder.newOptionalBinder(binder, KademliaConfig.class).setBinding().toInstance(kademlia);
            OptionalBinder.newOptionalBinder(binder, Ed25519KeyPair.class).setBinding().toInstance(key);
        });
        KademliaNodeConfig c = custom.getInstance(KademliaNodeConfig.class);
        assertThat(c.clock()).isSameAs(fixed);
        assertThat(c.kademlia()).isSameAs(kademlia);
        assertThat(c.peerId()).isEqualTo(key.peerId());
    }

    @Test
    void aStoreModuleSelectsItsBackendWhateverTheName() throws Exception {
        Injector injector = Guice.createInjector(new KademliaModule(), new MemoryStoreModule());
        KademliaService service = injector.getInstance(KademliaService.class);
        service.start();
        try {
            assertThat(service.store().getClass().getSimpleName()).isEqualTo("MemoryRecordStore");
        } finally {
            service.stop();
        }
        assertThatThrownBy(() -> Guice.createInjector(new KademliaModule(), new RocksDbStoreModule(), new JdbcStoreModule()))
                .isInstanceOf(CreationException.class);
    }

    @Test
    void aMisspeltBackendFailsAtStartWithTheNamesFound() {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        KademliaNodeConfig config = KademliaNodeConfig.builder(key).listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0"))
                .openStore("rocksbd", StoreConfig.defaults(key.peerId()).withDataDirectory(dir)).build();
        KademliaService service = Guice.createInjector(new KademliaModule(), binder ->
                OptionalBinder.newOptionalBinder(binder, KademliaNodeConfig.class).setBinding().toInstance(config))
                .getInstance(KademliaService.class);
        assertThatThrownBy(service::start).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("No RecordStore named 'rocksbd'; found [jdbc, memory, rocksdb]")
                .hasMessageContaining("Did you mean 'rocksdb'?");
        assertThat(service.isRunning()).isFalse();
    }

    @Test
    void bootstrapPeersMustNameTheirPeer() {
        assertThatThrownBy(() -> BootstrapPeers.parse(List.of("/ip4/127.0.0.1/tcp/4001")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a bootstrap address must end in /p2p/<peer id>: /ip4/127.0.0.1/tcp/4001");
    }
}
