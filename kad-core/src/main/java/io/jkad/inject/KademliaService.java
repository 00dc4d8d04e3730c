package io.jkad.inject;

import com.google.inject.Inject;
import io.jkad.identity.PeerId;
import io.jkad.kademlia.NoKnownPeersException;
import io.jkad.kademlia.QueryResult;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.net.KademliaNode;
import io.jkad.net.KademliaNodeConfig;
import io.jkad.validation.RecordValidator;
import io.jkad.validation.Validators;
import io.jkad.record.RecordStore;
import io.jkad.record.RecordStoreProvider;
import io.jkad.record.RecordStores;
import io.jkad.record.StoreException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts and stops one jkad node with its store, in order: {@link #start()} opens the store, then
 * the node's ports, then joins the network through the {@link BootstrapPeers}; {@link #stop()}
 * closes the node (ports, connections, logic thread) and then the store. What it opens it closes;
 * a store the configuration carries ({@link KademliaNodeConfig#store()}) stays the caller's.
 *
 * <p>The store: the bound {@link RecordStoreProvider} if there is one (a store module), otherwise
 * the backend named {@link KademliaNodeConfig#storeBackend()} found through
 * {@link java.util.ServiceLoader}; either is opened with {@link KademliaNodeConfig#storeConfig()}.
 * A missing or misspelt backend makes {@link #start()} fail with an {@link IllegalArgumentException}
 * that lists the names found.
 *
 * <p>Thread-safe; {@code start} and {@code stop} are serialized. Made by {@link KademliaModule}
 * as a singleton, or directly with {@link #KademliaService(KademliaNodeConfig, Optional, BootstrapPeers)}.
 */
public final class KademliaService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KademliaService.class);

    private final KademliaNodeConfig config;
    private final Optional<RecordStoreProvider> storeProvider;
    private final BootstrapPeers bootstrapPeers;

    private KademliaNode node;
    private RecordStore ownedStore;
    private RecordStore store;
    private CompletableFuture<QueryResult.Bootstrap> initialBootstrap;
    private boolean stopped;

    /**
     * @param config the node's settings
     * @param storeProvider the backend to open the store with; empty: the one named by {@code config}
     * @param bootstrapPeers the peers to join the network through at start
     */
    public KademliaService(KademliaNodeConfig config, Optional<RecordStoreProvider> storeProvider,
                           BootstrapPeers bootstrapPeers) {
        this(config, storeProvider, bootstrapPeers, java.util.Set.of());
    }

    /**
     * As {@link #KademliaService(KademliaNodeConfig, Optional, BootstrapPeers)}, with record
     * validators added to those of {@code config}'s Kademlia settings (each replacing one of its
     * namespace): those an embedder binds with {@code Multibinder.newSetBinder(binder(),
     * RecordValidator.class)}.
     */
    @Inject
    public KademliaService(KademliaNodeConfig config, Optional<RecordStoreProvider> storeProvider,
                           BootstrapPeers bootstrapPeers, java.util.Set<RecordValidator> validators) {
        Objects.requireNonNull(config, "config");
        if (!validators.isEmpty()) {
            Validators merged = config.kademlia().validators();
            for (RecordValidator v : validators) {
                merged = merged.with(v);
            }
            config = config.toBuilder().kademlia(config.kademlia().toBuilder().validators(merged).build()).build();
        }
        this.config = config;
        this.storeProvider = Objects.requireNonNull(storeProvider, "storeProvider");
        this.bootstrapPeers = Objects.requireNonNull(bootstrapPeers, "bootstrapPeers");
    }

    /** The node's settings as bound. */
    public KademliaNodeConfig config() {
        return config;
    }

    /**
     * Opens the store, starts the node and starts joining the network: adds each bootstrap peer
     * and runs a bootstrap (see {@link #initialBootstrap()}). Returns once the node listens; it
     * does not wait for the bootstrap.
     *
     * @return the running node
     * @throws IllegalStateException if the service was started already, or stopped
     * @throws IllegalArgumentException if the store backend is unknown (the message lists those found)
     *     or its configuration is incomplete
     * @throws StoreException if the store cannot be opened
     * @throws IOException if a listen address cannot be bound (the store is closed again)
     */
    public synchronized KademliaNode start() throws IOException {
        if (stopped) {
            throw new IllegalStateException("service stopped; a stopped service does not start again");
        }
        if (node != null) {
            throw new IllegalStateException("service already started: " + node);
        }
        KademliaNodeConfig nodeConfig = config;
        if (config.store().isPresent()) {
            store = config.store().get();
        } else {
            RecordStoreProvider provider = storeProvider.orElseGet(() -> RecordStores.provider(config.storeBackend()));
            if (storeProvider.isPresent() && !provider.name().equals(config.storeBackend())) {
                LOG.info("store backend {} bound by a module (the configuration names {})", provider.name(),
                        config.storeBackend());
            }
            ownedStore = provider.open(config.storeConfig());
            store = ownedStore;
            nodeConfig = config.toBuilder().store(ownedStore).build();
            LOG.info("opened the {} store{}", provider.name(),
                    config.storeConfig().dataDirectory().map(d -> " in " + d).orElse(""));
        }
        try {
            node = KademliaNode.start(nodeConfig);
        } catch (IOException | RuntimeException e) {
            closeOwnedStore();
            throw e;
        }
        initialBootstrap = join();
        return node;
    }

    private CompletableFuture<QueryResult.Bootstrap> join() {
        List<CompletableFuture<?>> added = new ArrayList<>();
        for (Multiaddr a : bootstrapPeers.addresses()) {
            PeerId peer = BootstrapPeers.peerOf(a);
            if (peer.equals(node.peerId())) {
                continue;
            }
            added.add(node.addAddress(peer, a.withoutPeerId()));
        }
        if (added.isEmpty()) {
            return CompletableFuture.failedFuture(new NoKnownPeersException());
        }
        KademliaNode n = node;
        CompletableFuture<QueryResult.Bootstrap> result = CompletableFuture.allOf(added.toArray(CompletableFuture[]::new))
                .thenCompose(ignored -> n.bootstrap());
        result.whenComplete((r, e) -> {
            if (e != null) {
                LOG.warn("bootstrap through {} failed: {}", bootstrapPeers.addresses(), e.toString());
            } else if (!r.isOk()) {
                LOG.warn("bootstrap through {} did not complete: {}", bootstrapPeers.addresses(), r);
            } else if (n.connectedPeers().isEmpty()) {
                LOG.warn("bootstrap through {} ended with no peer answering; the node is alone until a peer "
                        + "reaches it or the next bootstrap finds one", bootstrapPeers.addresses());
            } else {
                LOG.info("bootstrapped through {}", bootstrapPeers.addresses());
            }
        });
        return result;
    }

    /**
     * The bootstrap that {@link #start()} began: completes with its last step's result; fails with
     * {@link NoKnownPeersException} when there were no bootstrap peers.
     *
     * @throws IllegalStateException if not started
     */
    public synchronized CompletableFuture<QueryResult.Bootstrap> initialBootstrap() {
        if (initialBootstrap == null) {
            throw new IllegalStateException("service not started");
        }
        return initialBootstrap;
    }

    /**
     * The running node.
     *
     * @throws IllegalStateException if the service is not started, or stopped
     */
    public synchronized KademliaNode node() {
        if (node == null) {
            throw new IllegalStateException(stopped ? "service stopped" : "service not started");
        }
        return node;
    }

    /**
     * The node's record store (thread-safe: read counts or records from any thread).
     *
     * @throws IllegalStateException if the service is not started, or stopped
     */
    public synchronized RecordStore store() {
        if (store == null) {
            throw new IllegalStateException(stopped ? "service stopped" : "service not started");
        }
        return store;
    }

    /** True between {@link #start()} and {@link #stop()}. */
    public synchronized boolean isRunning() {
        return node != null;
    }

    /**
     * Closes the node (its ports and connections; running operations fail) and then the store it
     * opened. Idempotent; a service never started just becomes stopped.
     */
    public synchronized void stop() {
        stopped = true;
        if (node != null) {
            node.close();
            node = null;
        }
        closeOwnedStore();
        store = null;
    }

    private void closeOwnedStore() {
        if (ownedStore != null) {
            try {
                ownedStore.close();
            } catch (RuntimeException e) {
                LOG.warn("closing the store failed", e);
            }
            ownedStore = null;
        }
    }

    /** {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }
}
