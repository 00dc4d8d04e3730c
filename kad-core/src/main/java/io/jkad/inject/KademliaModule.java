package io.jkad.inject;

import com.google.inject.AbstractModule;
import com.google.inject.Inject;
import com.google.inject.Provider;
import com.google.inject.Singleton;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.multibindings.OptionalBinder;
import io.jkad.identity.Ed25519KeyPair;
import io.jkad.kademlia.KademliaConfig;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.net.KademliaNode;
import io.jkad.net.KademliaNodeConfig;
import io.jkad.record.RecordStoreProvider;
import io.jkad.validation.RecordValidator;
import java.time.Clock;

/**
 * Guice bindings of a jkad node. Every binding but the service is an {@link OptionalBinder}
 * default; an embedder replaces one with {@code OptionalBinder.newOptionalBinder(binder(),
 * T.class).setBinding()…} in its own module.
 *
 * <table>
 *   <caption>Bindings and their defaults</caption>
 *   <tr><th>type</th><th>default</th></tr>
 *   <tr><td>{@link Clock}</td><td>{@link Clock#systemUTC()}</td></tr>
 *   <tr><td>{@link KademliaConfig}</td><td>{@link KademliaConfig#defaults()}</td></tr>
 *   <tr><td>{@link Ed25519KeyPair} (the identity)</td><td>a key generated once per injector (a new
 *       peer id at every start: bind a kept key for a stable one)</td></tr>
 *   <tr><td>{@link KademliaNodeConfig}</td><td>built from the three above, listening on
 *       {@code /ip4/127.0.0.1/tcp/0}, in server mode, with the store named by
 *       {@link KademliaNodeConfig#DEFAULT_STORE_BACKEND} ({@code memory}). Bind your own to choose
 *       listen addresses and the store by name ({@code openStore("rocksdb", storeConfig)}, with the
 *       backend's options in the {@code StoreConfig}); it then also decides the clock and the
 *       Kademlia settings.</td></tr>
 *   <tr><td>{@link RecordStoreProvider}</td><td>none: the backend named by
 *       {@link KademliaNodeConfig#storeBackend()} is found through {@link java.util.ServiceLoader}
 *       when the service starts (a jar on the class path is all it takes). A store module
 *       ({@code MemoryStoreModule}, {@code RocksDbStoreModule}, {@code JdbcStoreModule}) binds its
 *       backend instead, whatever the name.</td></tr>
 *   <tr><td>{@link BootstrapPeers}</td><td>{@link BootstrapPeers#none()}</td></tr>
 *   <tr><td>a {@code Set} of {@link RecordValidator}</td><td>empty: the validators of the
 *       {@link KademliaConfig} (the built-in {@code pk} and {@code ipns}) are used. An embedder
 *       adds one for its own namespace with {@code Multibinder.newSetBinder(binder(),
 *       RecordValidator.class).addBinding().to(…)}; it joins (or replaces, for its namespace)
 *       those of the configuration.</td></tr>
 *   <tr><td>{@link KademliaService}</td><td>a singleton (not optional)</td></tr>
 *   <tr><td>{@link KademliaNode}</td><td>the service's running node (provisioning fails with
 *       {@link IllegalStateException} while the service is not started; inject
 *       {@code Provider<KademliaNode>} where it is needed before that)</td></tr>
 * </table>
 *
 * <p>{@code configure()} only binds: nothing is opened, listened on or generated until an instance
 * is asked for, and the store and ports only at {@link KademliaService#start()}.
 */
public class KademliaModule extends AbstractModule {

    /** The listen address of the default configuration: loopback, any free port. */
    public static final String DEFAULT_LISTEN = "/ip4/127.0.0.1/tcp/0";

    @Override
    protected void configure() {
        OptionalBinder.newOptionalBinder(binder(), Clock.class).setDefault().toInstance(Clock.systemUTC());
        OptionalBinder.newOptionalBinder(binder(), KademliaConfig.class).setDefault()
                .toInstance(KademliaConfig.defaults());
        OptionalBinder.newOptionalBinder(binder(), Ed25519KeyPair.class).setDefault()
                .toProvider(GeneratedIdentity.class).in(Singleton.class);
        OptionalBinder.newOptionalBinder(binder(), KademliaNodeConfig.class).setDefault()
                .toProvider(DefaultNodeConfig.class).in(Singleton.class);
        OptionalBinder.newOptionalBinder(binder(), RecordStoreProvider.class);
        OptionalBinder.newOptionalBinder(binder(), BootstrapPeers.class).setDefault().toInstance(BootstrapPeers.none());
        Multibinder.newSetBinder(binder(), RecordValidator.class);
        bind(KademliaService.class).in(Singleton.class);
        bind(KademliaNode.class).toProvider(RunningNode.class);
    }

    /** A fresh identity (once per injector: the binding is a singleton). */
    static final class GeneratedIdentity implements Provider<Ed25519KeyPair> {
        @Override
        public Ed25519KeyPair get() {
            return Ed25519KeyPair.generate();
        }
    }

    /** The default node configuration, from the bound identity, clock and Kademlia settings. */
    static final class DefaultNodeConfig implements Provider<KademliaNodeConfig> {
        private final Ed25519KeyPair identity;
        private final Clock clock;
        private final KademliaConfig kademlia;

        @Inject
        DefaultNodeConfig(Ed25519KeyPair identity, Clock clock, KademliaConfig kademlia) {
            this.identity = identity;
            this.clock = clock;
            this.kademlia = kademlia;
        }

        @Override
        public KademliaNodeConfig get() {
            return KademliaNodeConfig.builder(identity)
                    .listen(Multiaddr.parse(DEFAULT_LISTEN))
                    .clock(clock)
                    .kademlia(kademlia)
                    .build();
        }
    }

    /** The service's running node. */
    static final class RunningNode implements Provider<KademliaNode> {
        private final KademliaService service;

        @Inject
        RunningNode(KademliaService service) {
            this.service = service;
        }

        @Override
        public KademliaNode get() {
            return service.node();
        }
    }
}
