package io.jkad.net;

import io.jkad.identity.PeerId;
import io.jkad.kademlia.Kademlia;
import io.jkad.kademlia.KademliaConfig;
import io.jkad.kademlia.KademliaEvent;
import io.jkad.kademlia.NoKnownPeersException;
import io.jkad.kademlia.QueryResult;
import io.jkad.kademlia.Quorum;
import io.jkad.kademlia.RoutingUpdate;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.protocol.KadCodec;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStore;
import io.jkad.record.RecordStores;
import io.jkad.record.StoreException;
import io.jkad.routing.Addresses;
import io.jkad.routing.EntryView;
import io.jkad.routing.KBucketView;
import io.jkad.routing.NodeStatus;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kademlia DHT node on the network: one {@link Kademlia} state machine bound to one libp2p
 * {@link Host} (TCP + Noise + Yamux), speaking {@code /ipfs/kad/1.0.0} (or
 * {@link KademliaConfig#protocolName()}) with go-, rust- and js-libp2p peers.
 *
 * <pre>{@code
 * KademliaNode node = KademliaNode.start(KademliaNodeConfig.builder(Ed25519KeyPair.generate())
 *         .listen(Multiaddr.parse("/ip4/0.0.0.0/tcp/4001"))
 *         .build());
 * node.addAddress(bootstrapPeer, bootstrapAddress).join();
 * node.bootstrap().join();
 * node.putRecord(DhtRecord.of(key, value), Quorum.ONE).join();
 * Optional<DhtRecord> found = node.getRecord(key, Quorum.ONE).join() instanceof QueryResult.GetRecord.Ok ok
 *         ? Optional.of(ok.records().get(0).record()) : Optional.empty();
 * node.close();
 * }</pre>
 *
 * <h2>API</h2>
 * Every operation is thread-safe and returns a {@link CompletableFuture}: the call is handed to
 * the node's logic thread and the future completes when the operation is done. A query's future
 * completes with its {@link QueryResult} whether it succeeded or not ({@link QueryResult#isOk()}
 * tells; a lookup that found nothing is a result, not an exception). A future fails only when the
 * operation could not start or the node went away: {@link NoKnownPeersException} (bootstrap with
 * an empty routing table), {@link StoreException} (the local store refused a record or provider
 * record), {@link IllegalArgumentException} (a bad argument), {@link IllegalStateException}
 * ("node closed").
 *
 * <h2>Threading</h2>
 * The node owns one logic thread ({@code kad-logic-<peer>}, a {@link LogicLoop}). Only that thread
 * touches the state machine and the record store. Nodes given one {@link HostRuntime}
 * ({@link KademliaNodeConfig.Builder#runtime}) share its IO and logic threads instead: each node's
 * tasks still run one at a time and in order (the "logic thread" is then a serial executor on the
 * shared pool), and closing a node stops only its connections, tasks and timers. Host callbacks and stream handlers run on IO
 * threads; they decode and encode messages and hand everything else to the logic thread
 * ({@link HostEventAdapter}). After each input the logic thread polls the state machine until it
 * has nothing left to do and carries out each action ({@link ActionExecutor}): sending a request on
 * a new outbound stream (one request per stream), answering an inbound request on the stream it
 * came on, dialing, and reporting events. Without input it polls at the state machine's next
 * deadline (a job, a query's or a request's timeout), and at least once a minute.
 * This class is the façade over those parts: the operations, the read-only views
 * ({@link #routingTable()}, {@link #stats()}, {@link #addressesOf}, {@link #resources()}), start
 * and close.
 *
 * <p>Futures are completed on the logic thread and event listeners are called there: they must
 * return quickly and must not block (in particular not wait for another of this node's futures:
 * continue with the {@code *Async} methods instead, as with {@link Host}).
 *
 * <h2>Network behaviour</h2>
 * <ul>
 *   <li><b>Routing table.</b> A peer enters the routing table only once it advertises the
 *       Kademlia protocol through Identify, with the listen addresses it announced (when it
 *       announced none and we dialed it, the address we dialed).</li>
 *   <li><b>Client mode</b> ({@link KademliaNodeConfig#clientMode()}): the protocol is neither
 *       registered nor advertised, so inbound Kademlia streams are refused and no peer adds this
 *       node to its routing table; the node still queries others.</li>
 *   <li><b>Requests</b> time out after {@link KademliaNodeConfig#requestTimeout()} and then count
 *       as failed for their query. Requests read are limited to
 *       {@link KademliaNodeConfig#maxRequestSize()} bytes, answers read and messages written to
 *       {@link KademliaConfig#maxPacketSize()}; a frame must arrive whole within
 *       {@link KademliaNodeConfig#frameTimeout()}; keys longer than the store's
 *       {@code maxKeyBytes} are refused by the codec; at most k peers are read from each list of an
 *       answer. An inbound stream may carry several requests in turn; it is answered
 *       until the remote half-closes it, then closed; one that carries no request for
 *       {@link KademliaNodeConfig#inboundStreamIdleTimeout()} is reset. A malformed message or an
 *       oversized frame resets that stream with a logged reason; the node keeps serving.</li>
 *   <li><b>Connections</b> without streams close after
 *       {@link KademliaConfig#connectionIdleTimeout()}.</li>
 *   <li><b>External addresses.</b> As in the reference (libp2p-kad 0.29 with its swarm), an
 *       address a peer reports having observed us at (Identify) is a candidate: it is translated to
 *       each of our TCP listen ports of its IP family (the observed port of a connection we dialed
 *       is an ephemeral one) and each translation is reported to the state machine as a new
 *       external address, which keeps the first 20 and announces them after the listen addresses
 *       (provider records, our own entry in FIND_NODE answers). Only unusable observations are
 *       dropped: not TCP over an IP address, a wildcard, or a multicast address. The listen
 *       addresses (wildcards expanded, see {@link Host}) are always used ({@link AddressPolicy}).</li>
 *   <li><b>Restart on a persistent store.</b> When the store holds records or provider records at
 *       start, the node serves them at once, and its jobs announce the provided keys, republish
 *       its own records and replicate the others' as soon as a first peer that confirmed the
 *       protocol is in the routing table, then every interval (see
 *       {@link Kademlia#Kademlia(PeerId, RecordStore, KademliaConfig, Instant, Random)}).</li>
 * </ul>
 *
 * <h2>Store ownership</h2>
 * See {@link KademliaNodeConfig}: a store the caller passed in is never closed by the node; a
 * store the node opened is closed by {@link #close()}.
 */
public final class KademliaNode implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KademliaNode.class);

    /**
     * The most inbound Kademlia streams one connection may have open at once (rust-libp2p allows
     * 32 too). Each may buffer a frame of up to the maximum message size, so this bounds what one
     * connection can make the node hold in memory.
     */
    static final int MAX_INBOUND_KAD_STREAMS_PER_CONNECTION = 32;

    private final KademliaNodeConfig config;
    private final Host host;
    /** The threads of this node: shared with other nodes, or its own (then closed with it). */
    private final HostRuntime runtime;
    private final boolean ownsRuntime;
    private final RecordStore store;
    private final boolean ownsStore;
    private final Kademlia kademlia;
    private final LogicLoop loop;
    private final ActionExecutor actions;
    private final HostEventAdapter input;
    private final List<Consumer<? super KademliaEvent>> listeners = new CopyOnWriteArrayList<>();

    private KademliaNode(KademliaNodeConfig config, Host host, HostRuntime runtime, boolean ownsRuntime,
                         RecordStore store, boolean ownsStore) {
        this.config = config;
        this.host = host;
        this.runtime = runtime;
        this.ownsRuntime = ownsRuntime;
        this.store = store;
        this.ownsStore = ownsStore;
        KademliaConfig kad = config.kademlia();
        KadCodec codec = KadCodec.defaults().withMaxMessageSize(kad.maxPacketSize())
                .withMaxKeyBytes(config.storeConfig().maxKeyBytes())
                .withMaxPeersPerList(kad.replicationFactor());
        Random random = config.randomSeed().isPresent()
                ? new Random(config.randomSeed().getAsLong()) : new Random(new SecureRandom().nextLong());
        Clock clock = config.clock();
        this.kademlia = new Kademlia(config.peerId(), store, kad, clock.instant(), random);
        this.loop = new LogicLoop(config.peerId(), kademlia, clock, runtime);
        this.actions = new ActionExecutor(config, kademlia, host, loop, codec, listeners);
        loop.onAction(actions::execute);
        this.input = new HostEventAdapter(config, kademlia, host, loop, actions, codec);
    }

    /**
     * Starts a node: opens its store (unless one was given), starts the host on the listen
     * addresses, registers the Kademlia protocol (server mode) and starts the logic thread. The
     * routing table starts empty: add a known peer with {@link #addAddress} and {@link #bootstrap}.
     *
     * @throws IOException if a listen address cannot be bound (the store the node opened is closed again)
     * @throws IllegalArgumentException if the store backend is unknown (see {@link RecordStores#open})
     * @throws StoreException if the store cannot be opened
     */
    public static KademliaNode start(KademliaNodeConfig config) throws IOException {
        Objects.requireNonNull(config, "config");
        RecordStore store = config.store().orElse(null);
        boolean owns = store == null;
        if (owns) {
            store = RecordStores.open(config.storeBackend(), config.storeConfig());
        }
        Optional<HostRuntime> shared = config.host().runtime();
        HostRuntime runtime = shared.orElseGet(() -> HostRuntime.dedicated(config.host().ioThreads(),
                "kad-logic-" + LogicLoop.shortId(config.peerId())));
        KademliaNode node;
        try {
            Host host = Host.start(config.host(), runtime, false);
            try {
                node = new KademliaNode(config, host, runtime, shared.isEmpty(), store, owns);
            } catch (RuntimeException e) {
                host.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            if (shared.isEmpty()) {
                runtime.close();
            }
            if (owns) {
                store.close();
            }
            throw e;
        }
        if (shared.isPresent() && !runtime.join(node)) {
            node.close();
            throw new IllegalStateException("runtime closed");
        }
        node.input.attach();
        LOG.info("Kademlia node {} started ({} mode) on {}", node.peerId(), config.clientMode() ? "client" : "server",
                node.host.listenAddresses());
        return node;
    }

    // ------------------------------------------------------------------------------------------
    // Accessors and read-only views

    /** This node's peer id. */
    public PeerId peerId() {
        return config.peerId();
    }

    /** The settings the node was started with. */
    public KademliaNodeConfig config() {
        return config;
    }

    /** The bound listen addresses (a port 0 replaced by the chosen port), without {@code /p2p/}. */
    public List<Multiaddr> listenAddresses() {
        return host.listenAddresses();
    }

    /** The addresses advertised to peers (announce addresses, or listen addresses with wildcards expanded). */
    public List<Multiaddr> advertisedAddresses() {
        return host.advertisedAddresses();
    }

    /** The peers with an open connection right now. */
    public Set<PeerId> connectedPeers() {
        Set<PeerId> out = new LinkedHashSet<>();
        for (Connection c : host.connections()) {
            if (c.isOpen()) {
                out.add(c.remotePeer());
            }
        }
        return out;
    }

    /** The protocols this node serves, as its Identify lists them. */
    public List<String> protocols() {
        return host.protocols();
    }

    /** The open connections, one view each (a peer may have more than one). */
    public List<PeerConnection> connections() {
        List<PeerConnection> out = new ArrayList<>();
        for (Connection c : host.connections()) {
            if (c.isOpen()) {
                out.add(PeerConnection.of(c));
            }
        }
        return out;
    }

    /**
     * Measures the round-trip time to a connected peer with {@code /ipfs/ping/1.0.0}.
     *
     * @return the time; fails if the peer is not connected, does not answer in the ping timeout, or
     *     refuses the protocol
     */
    public CompletableFuture<Duration> ping(PeerId peer) {
        return host.ping(peer);
    }

    /**
     * Connects to {@code peer} (at {@code addresses}, or at those the node knows) unless it is
     * connected, and returns what it says through Identify.
     *
     * @return its Identify; fails if it cannot be dialed, or sends no Identify within {@code wait}
     */
    public CompletableFuture<IdentifyInfo> identify(PeerId peer, List<Multiaddr> addresses, Duration wait) {
        CompletableFuture<Connection> connected = host.connection(peer)
                .<CompletableFuture<Connection>>map(CompletableFuture::completedFuture)
                .orElseGet(() -> host.dial(peer, addresses));
        return connected.thenCompose(c -> awaitIdentify(c, System.nanoTime() + wait.toNanos()));
    }

    private static CompletableFuture<IdentifyInfo> awaitIdentify(Connection c, long deadline) {
        Optional<IdentifyInfo> info = c.identifyInfo();
        if (info.isPresent()) {
            return CompletableFuture.completedFuture(info.get());
        }
        if (!c.isOpen() || System.nanoTime() > deadline) {
            return CompletableFuture.failedFuture(new java.util.concurrent.TimeoutException(
                    c.remotePeer() + " sent no Identify" + (c.isOpen() ? " in time" : " before the connection closed")));
        }
        // Identify arrives within a round trip or two of the handshake: look again shortly
        return CompletableFuture.supplyAsync(() -> c, CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS))
                .thenCompose(again -> awaitIdentify(again, deadline));
    }

    /** True once {@link #close()} was called. */
    public boolean isClosed() {
        return loop.isClosed();
    }

    /** A snapshot of the routing table, closest buckets first (an immutable list). */
    public CompletableFuture<List<RoutingTableEntry>> routingTable() {
        return loop.call(now -> {
            List<RoutingTableEntry> out = new ArrayList<>();
            for (KBucketView<PeerId, Addresses> bucket : kademlia.kbuckets(now)) {
                for (EntryView<PeerId, Addresses> e : bucket.entries()) {
                    out.add(new RoutingTableEntry(e.node().key().preimage(), e.node().value().asList(),
                            e.status() == NodeStatus.CONNECTED, bucket.index()));
                }
            }
            return List.copyOf(out);
        });
    }

    /** The size of the routing table and the number of running queries, read on the logic thread. */
    public CompletableFuture<NodeStats> stats() {
        return loop.call(now -> new NodeStats(kademlia.routingTableSize(), kademlia.numQueries()));
    }

    /** Where each of the node's periodic jobs stands (read on the logic thread): see {@link Kademlia#jobs()}. */
    public CompletableFuture<List<io.jkad.kademlia.JobSchedule>> jobs() {
        return loop.call(now -> kademlia.jobs());
    }

    /**
     * Where the reprovide sweep stands (read on the logic thread): see {@link Kademlia#reprovideStatus};
     * empty when the node announces its keys again key by key.
     */
    public CompletableFuture<Optional<io.jkad.kademlia.ReprovideStatus>> reprovideStatus() {
        return loop.call(kademlia::reprovideStatus);
    }

    /**
     * The addresses the node knows for each of {@code peers}, in the order given, read on the logic
     * thread: most promising first, those in the routing table, then those learned by running
     * queries; an empty list for a peer it knows none of.
     */
    public CompletableFuture<Map<PeerId, List<Multiaddr>>> addressesOf(Collection<PeerId> peers) {
        List<PeerId> copy = List.copyOf(peers);
        return loop.call(now -> {
            Map<PeerId, List<Multiaddr>> out = new LinkedHashMap<>();
            for (PeerId p : copy) {
                out.put(p, List.copyOf(kademlia.addressesOf(p, now)));
            }
            return Collections.unmodifiableMap(out);
        });
    }

    /** What the host holds and has refused now, and the bytes it has moved (read on the caller's thread). */
    public NodeResources resources() {
        return NodeResources.of(host);
    }

    /**
     * Calls {@code listener} with every event of the state machine (query results, routing table
     * changes, inbound requests), on the logic thread: it must return quickly and not block. An
     * exception it throws is logged and otherwise ignored.
     */
    public void addListener(Consumer<? super KademliaEvent> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeListener(Consumer<? super KademliaEvent> listener) {
        listeners.remove(listener);
    }

    // ------------------------------------------------------------------------------------------
    // Operations

    /**
     * Adds a listen address of {@code peer} to the routing table (to join a network through a
     * known node). A trailing {@code /p2p/} naming the peer is removed.
     *
     * @return the outcome; fails with {@link IllegalArgumentException} if the address names another peer
     */
    public CompletableFuture<RoutingUpdate> addAddress(PeerId peer, Multiaddr address) {
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(address, "address");
        Optional<PeerId> named = address.peerId();
        if (named.isPresent() && !named.get().equals(peer)) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "address " + address + " names peer " + named.get() + ", not " + peer));
        }
        return loop.call(now -> kademlia.addAddress(peer, address, now));
    }

    /**
     * Joins the network: a lookup of the local key, then one lookup per bucket farther than the
     * closest neighbour's. Completes with the result of the last lookup (each step is also
     * reported to the listeners).
     *
     * @return fails with {@link NoKnownPeersException} if the routing table is empty
     */
    public CompletableFuture<QueryResult.Bootstrap> bootstrap() {
        return loop.query(kademlia::bootstrap);
    }

    /** Looks up the k closest peers to {@code key} (this node excluded), closest first. */
    public CompletableFuture<QueryResult.GetClosestPeers> getClosestPeers(RecordKey key) {
        Objects.requireNonNull(key, "key");
        return loop.query(now -> kademlia.getClosestPeers(key));
    }

    /** Looks up the k closest peers to the id {@code peer} (this node excluded), closest first. */
    public CompletableFuture<QueryResult.GetClosestPeers> getClosestPeers(PeerId peer) {
        Objects.requireNonNull(peer, "peer");
        return loop.query(now -> kademlia.getClosestPeers(peer));
    }

    /**
     * Looks up the record of {@code key} until {@code quorum} peers (out of k) returned it; a valid
     * local copy counts as one. See {@link Kademlia#getRecord}.
     */
    public CompletableFuture<QueryResult.GetRecord> getRecord(RecordKey key, Quorum quorum) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(quorum, "quorum");
        return loop.query(now -> kademlia.getRecord(key, quorum, now));
    }

    /**
     * Stores {@code record} locally (published by this node) and at the k closest peers. See
     * {@link Kademlia#putRecord}.
     *
     * @return fails with {@link StoreException} if the local store refuses the record
     */
    public CompletableFuture<QueryResult.PutRecord> putRecord(DhtRecord record, Quorum quorum) {
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(quorum, "quorum");
        return loop.query(now -> kademlia.putRecord(record, quorum, now));
    }

    /** Stores {@code record} at the given peers only (not locally). See {@link Kademlia#putRecordTo}. */
    public CompletableFuture<QueryResult.PutRecord> putRecordTo(DhtRecord record, Collection<PeerId> peers,
                                                                Quorum quorum) {
        Objects.requireNonNull(record, "record");
        List<PeerId> copy = List.copyOf(peers);
        Objects.requireNonNull(quorum, "quorum");
        return loop.query(now -> kademlia.putRecordTo(record, copy, quorum, now));
    }

    /** Removes the local record of {@code key} if this node published it (which stops its republication). */
    public CompletableFuture<Void> removeRecord(RecordKey key) {
        Objects.requireNonNull(key, "key");
        return loop.call(now -> {
            kademlia.removeRecord(key);
            return null;
        });
    }

    /**
     * Announces this node as a provider of {@code key} to the k closest peers (and again every
     * provider publication interval). For keys that js- and go-libp2p peers look up, use a
     * multihash (e.g. sha2-256: {@code 0x12 0x20} + digest) or CID bytes: they decode provider
     * keys as CIDs.
     *
     * @return fails with {@link StoreException} if the local store refuses the provider record
     */
    public CompletableFuture<QueryResult.AddProvider> startProviding(RecordKey key) {
        Objects.requireNonNull(key, "key");
        return loop.query(now -> kademlia.startProviding(key, now));
    }

    /** Checks which of {@code key}'s closest peers hold this node's provider record: see {@link Kademlia#auditProvider}. */
    public CompletableFuture<QueryResult.ProviderAudit> auditProvider(RecordKey key) {
        Objects.requireNonNull(key, "key");
        return loop.query(now -> kademlia.auditProvider(key));
    }

    /**
     * Up to {@code n} of the keys this node provides, chosen at random (uniformly, one pass over the
     * store's provided keys, on the logic thread).
     */
    public CompletableFuture<List<RecordKey>> sampleProvided(int n, java.util.Random random) {
        return loop.call(now -> {
            List<RecordKey> sample = new ArrayList<>();
            int seen = 0;
            try (io.jkad.record.CloseableIterator<io.jkad.record.ProviderRecord> it = kademlia.store().provided()) {
                while (it.hasNext()) {
                    RecordKey key = it.next().key();
                    seen++;
                    if (sample.size() < n) {
                        sample.add(key);
                    } else {
                        int j = random.nextInt(seen);
                        if (j < n) {
                            sample.set(j, key);
                        }
                    }
                }
            }
            return sample;
        });
    }

    /** Announces every provided key again now (the reprovide sweep): see {@link Kademlia#reprovideNow}. */
    public CompletableFuture<Void> reprovideNow() {
        return loop.call(now -> {
            kademlia.reprovideNow(now);
            return null;
        });
    }

    /** Stops announcing this node as a provider of {@code key} (records at others expire in time). */
    public CompletableFuture<Void> stopProviding(RecordKey key) {
        Objects.requireNonNull(key, "key");
        return loop.call(now -> {
            kademlia.stopProviding(key);
            return null;
        });
    }

    /** {@link #getRecord}, traced: the result and how the lookup went. */
    public CompletableFuture<Traced<QueryResult.GetRecord>> getRecordTraced(RecordKey key, Quorum quorum) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(quorum, "quorum");
        return loop.queryTraced(now -> kademlia.getRecord(key, quorum, now));
    }

    /** {@link #putRecord}, traced (the lookup and the stores: one trace). */
    public CompletableFuture<Traced<QueryResult.PutRecord>> putRecordTraced(DhtRecord record, Quorum quorum) {
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(quorum, "quorum");
        return loop.queryTraced(now -> kademlia.putRecord(record, quorum, now));
    }

    /** {@link #getClosestPeers(RecordKey)}, traced. */
    public CompletableFuture<Traced<QueryResult.GetClosestPeers>> getClosestPeersTraced(RecordKey key) {
        Objects.requireNonNull(key, "key");
        return loop.queryTraced(now -> kademlia.getClosestPeers(key));
    }

    /** {@link #getProviders(RecordKey, int)}, traced. */
    public CompletableFuture<Traced<QueryResult.GetProviders>> getProvidersTraced(RecordKey key, int enough) {
        Objects.requireNonNull(key, "key");
        if (enough < 1) {
            throw new IllegalArgumentException("enough must be >= 1: " + enough);
        }
        return loop.queryTraced(now -> kademlia.getProviders(key, enough, now));
    }

    /**
     * Looks up the providers of {@code key}, stopping once {@code enough} are known.
     *
     * @throws IllegalArgumentException if {@code enough} is below 1
     */
    public CompletableFuture<QueryResult.GetProviders> getProviders(RecordKey key, int enough) {
        Objects.requireNonNull(key, "key");
        if (enough < 1) {
            throw new IllegalArgumentException("enough must be >= 1: " + enough);
        }
        return loop.query(now -> kademlia.getProviders(key, enough, now));
    }

    /** Looks up the providers of {@code key}, the whole lookup (see {@link #getProviders(RecordKey, int)}). */
    public CompletableFuture<QueryResult.GetProviders> getProviders(RecordKey key) {
        Objects.requireNonNull(key, "key");
        return loop.query(now -> kademlia.getProviders(key, now));
    }

    // ------------------------------------------------------------------------------------------
    // Test hooks (package-private: main code uses the views above)

    /** The host underneath, for tests of this package (do not close it). */
    Host host() {
        return host;
    }

    /** The logic loop's timers armed and neither fired nor cancelled, for tests of this package. */
    int armedTimers() {
        return loop.armedTimers();
    }

    /**
     * Runs {@code function} with the state machine on the logic thread and completes with its
     * result, for tests of this package that inspect the store or the state machine. The function
     * must not keep the {@link Kademlia} reference nor block. Actions it causes are carried out
     * afterwards.
     */
    <T> CompletableFuture<T> execute(Function<Kademlia, T> function) {
        Objects.requireNonNull(function, "function");
        return loop.call(now -> function.apply(kademlia));
    }

    // ------------------------------------------------------------------------------------------
    // Closing

    /**
     * Stops the node: closes the host (every connection), fails the futures of running
     * operations with {@link IllegalStateException}, stops the logic thread (waiting up to 10 s
     * for it unless called on it; a shared runtime's threads go on), and closes the store if the node opened it (a store passed in
     * stays open). Idempotent.
     */
    @Override
    public void close() {
        if (!loop.markClosed()) {
            return;
        }
        host.close();
        loop.close(actions::clear);
        if (ownsRuntime) {
            runtime.close();
        } else {
            runtime.leave(this);
        }
        if (ownsStore) {
            try {
                store.close();
            } catch (RuntimeException e) {
                LOG.warn("{}: closing the store failed", peerId(), e);
            }
        }
        LOG.info("Kademlia node {} closed", peerId());
    }

    @Override
    public String toString() {
        return "KademliaNode(" + peerId() + (config.clientMode() ? " client " : " ") + host.listenAddresses() + ")";
    }
}
