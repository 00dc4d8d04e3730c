package io.jkad.node.readme;

// README: embed-begin
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.multibindings.OptionalBinder;
import io.jkad.identity.Ed25519KeyPair;
import io.jkad.inject.BootstrapPeers;
import io.jkad.inject.KademliaModule;
import io.jkad.inject.KademliaService;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.net.KademliaNodeConfig;
import io.jkad.record.StoreConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

public final class EmbeddedNode {

    /** Starts a node with a RocksDB store in dataDir, joining the network through bootstrap. */
    public static KademliaService start(Ed25519KeyPair key, Path dataDir, List<String> bootstrap) throws IOException {
        KademliaNodeConfig config = KademliaNodeConfig.builder(key)        // keep the key: it is the peer id
                .listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0"))
                .openStore("rocksdb", StoreConfig.defaults(key.peerId())  // any backend name on the class path
                        .withDataDirectory(dataDir)
                        .withOption("rocksdb.block_cache_mb", "16"))
                .build();
        Injector injector = Guice.createInjector(new KademliaModule(), binder -> {
            OptionalBinder.newOptionalBinder(binder, KademliaNodeConfig.class).setBinding().toInstance(config);
            OptionalBinder.newOptionalBinder(binder, BootstrapPeers.class).setBinding()
                    .toInstance(BootstrapPeers.parse(bootstrap));
        });
        KademliaService service = injector.getInstance(KademliaService.class);
        service.start();   // opens the store, then the port, then bootstraps; stop() closes them in reverse
        return service;
    }
}
// README: embed-end
