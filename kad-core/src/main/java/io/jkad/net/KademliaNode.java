package io.jkad.net;

import io.jkad.identity.PeerId;
import io.jkad.kademlia.Kademlia;
import io.jkad.kademlia.KademliaAction;
import io.jkad.kademlia.KademliaConfig;
import io.jkad.kademlia.KademliaEvent;
import io.jkad.kademlia.NoKnownPeersException;
import io.jkad.kademlia.QueryResult;
import io.jkad.kademlia.Quorum;
import io.jkad.kademlia.RoutingUpdate;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.protocol.KadCodec;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.jkad.query.QueryId;
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
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * The node owns one logic thread ({@code kad-logic-<peer>}). Only that thread touches the state
 * machine and the record store. Host callbacks and stream handlers run on IO threads; they decode
 * and encode messages and hand everything else to the logic thread. After each input the logic
 * thread polls the state machine until it has nothing left to do and carries out each action:
 * sending a request on a new outbound stream (one request per stream), answering an inbound
 * request on the stream it came on, dialing, and reporting events. While queries run it also polls
 * every second (query and peer timeouts), and otherwise at the state machine's next job deadline
 * (at least once a minute).
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
 *       addresses (wildcards expanded, see {@link Host}) are always used.</li>
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

    /** How often a node with running queries polls its state machine without other input. */
    static final Duration POLL_INTERVAL = Duration.ofSeconds(1);
    /** The longest a node waits for its next poll when no query runs. */
    static final Duration MAX_IDLE_WAIT = Duration.ofMinutes(1);
    private static final long MIN_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final KademliaNodeConfig config;
    private final String protocol;
    private final Clock clock;
    private final KadCodec codec;
    private final int maxPacketSize;
    private final int maxRequestSize;
    private final Host host;
    private final RecordStore store;
    private final boolean ownsStore;
    private final ScheduledThreadPoolExecutor logic;
    private volatile Thread logicThread;
    private final Executor logicExecutor = this::runOnLogic;
    private final List<Consumer<? super KademliaEvent>> listeners = new CopyOnWriteArrayList<>();
    private final Object closeLock = new Object();
    private volatile boolean closed;

    // ---- logic thread only ----
    private final Kademlia kademlia;
    private final Map<QueryId, CompletableFuture<QueryResult>> pendingQueries = new HashMap<>();
    private final Map<Long, KadInboundHandler> inboundRequests = new HashMap<>();
    private long nextInboundRequest;
    private final Map<PeerId, Set<Connection>> connections = new HashMap<>();
    private final Set<PeerId> dialing = new HashSet<>();
    private ScheduledFuture<?> tick;
    private Instant tickAt;

    private KademliaNode(KademliaNodeConfig config, Host host, RecordStore store, boolean ownsStore) {
        this.config = config;
        this.host = host;
        this.store = store;
        this.ownsStore = ownsStore;
        KademliaConfig kad = config.kademlia();
        this.protocol = kad.protocolName();
        this.clock = config.clock();
        this.maxPacketSize = kad.maxPacketSize();
        this.maxRequestSize = Math.min(config.maxRequestSize(), maxPacketSize);
        this.codec = KadCodec.defaults().withMaxMessageSize(maxPacketSize)
                .withMaxKeyBytes(config.storeConfig().maxKeyBytes())
                .withMaxPeersPerList(kad.replicationFactor());
        Random random = config.randomSeed().isPresent()
                ? new Random(config.randomSeed().getAsLong()) : new Random(new SecureRandom().nextLong());
        this.kademlia = new Kademlia(config.peerId(), store, kad, clock.instant(), random);
        String name = "kad-logic-" + shortId(config.peerId());
        this.logic = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            logicThread = t;
            return t;
        }) {
            @Override
            protected void afterExecute(Runnable r, Throwable t) {
                // The executor keeps what a task threw in its future; an Error (out of memory, a
                // stack overflow) must not vanish there: the thread's uncaught-exception handler
                // gets it (kad run's halts the process).
                if (t == null && r instanceof java.util.concurrent.Future<?> f && f.isDone() && !f.isCancelled()) {
                    try {
                        f.get();
                    } catch (java.util.concurrent.ExecutionException e) {
                        if (e.getCause() instanceof Error error) {
                            Thread self = Thread.currentThread();
                            self.getUncaughtExceptionHandler().uncaughtException(self, error);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } catch (java.util.concurrent.CancellationException e) {
                        // cancelled meanwhile
                    }
                }
            }
        };
        logic.setRemoveOnCancelPolicy(true);
        logic.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        logic.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
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
        Host host;
        KademliaNode node;
        try {
            host = Host.start(config.host());
            try {
                node = new KademliaNode(config, host, store, owns);
            } catch (RuntimeException e) {
                host.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            if (owns) {
                store.close();
            }
            throw e;
        }
        node.init();
        return node;
    }

    /**
     * The most inbound Kademlia streams one connection may have open at once (rust-libp2p allows
     * 32 too). Each may buffer a frame of up to the maximum message size, so this bounds what one
     * connection can make the node hold in memory.
     */
    static final int MAX_INBOUND_KAD_STREAMS_PER_CONNECTION = 32;

    /** Counts an inbound Kademlia stream against its connection's limit; resets it past the limit. */
    private boolean admitInboundStream(StreamChannel stream) {
        Connection connection = stream.connection();
        if (((HostConnection) connection).admitInbound(stream, MAX_INBOUND_KAD_STREAMS_PER_CONNECTION)) {
            return true;
        }
        LOG.info("Peer {} opened more than {} Kademlia streams on one connection: stream reset",
                connection.remotePeer(), MAX_INBOUND_KAD_STREAMS_PER_CONNECTION);
        stream.reset();
        return false;
    }

    private void init() {
        host.addListener(new Listener());
        if (!config.clientMode()) {
            host.setStreamHandler(protocol, stream -> {
                if (!admitInboundStream(stream)) {
                    return;
                }
                stream.pipeline().addLast(
                        new UvarintFrameDecoder(maxRequestSize, config.frameTimeout()),
                        new UvarintFrameEncoder(maxPacketSize),
                        new KadInboundHandler(codec, clock, config.inboundStreamIdleTimeout(), this::inboundRequest));
            });
        }
        List<Multiaddr> advertised = host.advertisedAddresses();
        runOnLogic(() -> {
            for (Multiaddr a : advertised) {
                kademlia.onNewListenAddress(a);
            }
            // Connections that arrived before the listener was registered.
            for (Connection c : host.connections()) {
                if (c.isOpen()) {
                    connectionUp(c);
                    c.identifyInfo().ifPresent(info -> identified(c, info));
                }
            }
            drive();
        });
        LOG.info("Kademlia node {} started ({} mode) on {}", peerId(), config.clientMode() ? "client" : "server",
                host.listenAddresses());
    }

    // ------------------------------------------------------------------------------------------
    // Accessors

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

    /** The host underneath (to register other protocols or inspect connections; do not close it). */
    public Host host() {
        return host;
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

    /** True once {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
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
        return call(now -> kademlia.addAddress(peer, address, now));
    }

    /**
     * Joins the network: a lookup of the local key, then one lookup per bucket farther than the
     * closest neighbour's. Completes with the result of the last lookup (each step is also
     * reported to the listeners).
     *
     * @return fails with {@link NoKnownPeersException} if the routing table is empty
     */
    public CompletableFuture<QueryResult.Bootstrap> bootstrap() {
        return query(kademlia::bootstrap);
    }

    /** Looks up the k closest peers to {@code key} (this node excluded), closest first. */
    public CompletableFuture<QueryResult.GetClosestPeers> getClosestPeers(RecordKey key) {
        Objects.requireNonNull(key, "key");
        return query(now -> kademlia.getClosestPeers(key));
    }

    /** Looks up the k closest peers to the id {@code peer} (this node excluded), closest first. */
    public CompletableFuture<QueryResult.GetClosestPeers> getClosestPeers(PeerId peer) {
        Objects.requireNonNull(peer, "peer");
        return query(now -> kademlia.getClosestPeers(peer));
    }

    /**
     * Looks up the record of {@code key} until {@code quorum} peers (out of k) returned it; a valid
     * local copy counts as one. See {@link Kademlia#getRecord}.
     */
    public CompletableFuture<QueryResult.GetRecord> getRecord(RecordKey key, Quorum quorum) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(quorum, "quorum");
        return query(now -> kademlia.getRecord(key, quorum, now));
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
        return query(now -> kademlia.putRecord(record, quorum, now));
    }

    /** Stores {@code record} at the given peers only (not locally). See {@link Kademlia#putRecordTo}. */
    public CompletableFuture<QueryResult.PutRecord> putRecordTo(DhtRecord record, Collection<PeerId> peers,
                                                                Quorum quorum) {
        Objects.requireNonNull(record, "record");
        List<PeerId> copy = List.copyOf(peers);
        Objects.requireNonNull(quorum, "quorum");
        return query(now -> kademlia.putRecordTo(record, copy, quorum, now));
    }

    /** Removes the local record of {@code key} if this node published it (which stops its republication). */
    public CompletableFuture<Void> removeRecord(RecordKey key) {
        Objects.requireNonNull(key, "key");
        return call(now -> {
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
        return query(now -> kademlia.startProviding(key, now));
    }

    /** Stops announcing this node as a provider of {@code key} (records at others expire in time). */
    public CompletableFuture<Void> stopProviding(RecordKey key) {
        Objects.requireNonNull(key, "key");
        return call(now -> {
            kademlia.stopProviding(key);
            return null;
        });
    }

    /** Looks up the providers of {@code key}. */
    public CompletableFuture<QueryResult.GetProviders> getProviders(RecordKey key) {
        Objects.requireNonNull(key, "key");
        return query(now -> kademlia.getProviders(key, now));
    }

    /** A snapshot of the routing table, closest buckets first. */
    public CompletableFuture<List<RoutingTableEntry>> routingTable() {
        return call(now -> {
            List<RoutingTableEntry> out = new ArrayList<>();
            for (KBucketView<PeerId, Addresses> bucket : kademlia.kbuckets(now)) {
                for (EntryView<PeerId, Addresses> e : bucket.entries()) {
                    out.add(new RoutingTableEntry(e.node().key().preimage(), e.node().value().asList(),
                            e.status() == NodeStatus.CONNECTED, bucket.index()));
                }
            }
            return out;
        });
    }

    /**
     * Runs {@code function} with the state machine on the logic thread and completes with its
     * result: for what the methods above do not cover (reading the store, inspecting queries). The
     * function must not keep the {@link Kademlia} reference nor block. Actions it causes are
     * carried out afterwards.
     */
    public <T> CompletableFuture<T> execute(Function<Kademlia, T> function) {
        Objects.requireNonNull(function, "function");
        return call(now -> function.apply(kademlia));
    }

    // ------------------------------------------------------------------------------------------
    // Marshalling onto the logic thread

    private <R extends QueryResult> CompletableFuture<R> query(Function<Instant, QueryId> start) {
        CompletableFuture<R> f = new CompletableFuture<>();
        submit(f, () -> {
            QueryId id = start.apply(clock.instant());
            @SuppressWarnings("unchecked")
            CompletableFuture<QueryResult> any = (CompletableFuture<QueryResult>) (CompletableFuture<?>) f;
            pendingQueries.put(id, any);
        });
        return f;
    }

    private <T> CompletableFuture<T> call(Function<Instant, T> body) {
        CompletableFuture<T> f = new CompletableFuture<>();
        submit(f, () -> f.complete(body.apply(clock.instant())));
        return f;
    }

    /** Runs {@code body} then {@link #drive()} on the logic thread; {@code f} fails if either cannot run. */
    private void submit(CompletableFuture<?> f, Runnable body) {
        if (closed) {
            f.completeExceptionally(closedError());
            return;
        }
        try {
            logic.execute(() -> {
                if (closed) {
                    f.completeExceptionally(closedError());
                    return;
                }
                try {
                    body.run();
                } catch (RuntimeException e) {
                    f.completeExceptionally(e);
                }
                safeDrive();
            });
        } catch (RejectedExecutionException e) {
            f.completeExceptionally(closedError());
        }
    }

    /** Runs {@code task} on the logic thread unless the node is closed (then it is dropped). */
    private void runOnLogic(Runnable task) {
        if (closed) {
            return;
        }
        try {
            logic.execute(() -> {
                if (closed) {
                    return;
                }
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.error("{}: logic task failed", peerId(), e);
                }
            });
        } catch (RejectedExecutionException e) {
            LOG.trace("{}: logic thread stopped; task dropped", peerId());
        }
    }

    private static IllegalStateException closedError() {
        return new IllegalStateException("node closed");
    }

    // ------------------------------------------------------------------------------------------
    // The driver loop (logic thread)

    private void safeDrive() {
        try {
            drive();
        } catch (RuntimeException e) {
            LOG.error("{}: driving the state machine failed", peerId(), e);
        }
    }

    /** Polls the state machine until it has nothing left, carrying out each action; then arms the timer. */
    private void drive() {
        Instant now = clock.instant();
        Optional<KademliaAction> action;
        while ((action = kademlia.poll(now)).isPresent()) {
            handle(action.get(), now);
        }
        scheduleTick(now);
    }

    private void handle(KademliaAction action, Instant now) {
        if (action instanceof KademliaAction.SendRequest s) {
            sendRequest(s, now);
        } else if (action instanceof KademliaAction.Respond r) {
            KadInboundHandler stream = inboundRequests.remove(r.requestId().value());
            if (stream != null) {
                stream.respond(r.response());
            }
        } else if (action instanceof KademliaAction.ResetStream r) {
            KadInboundHandler stream = inboundRequests.remove(r.requestId().value());
            if (stream != null) {
                stream.reset();
            }
        } else if (action instanceof KademliaAction.Dial d) {
            dial(d.peer(), d.addresses(), now);
        } else if (action instanceof KademliaAction.Emit e) {
            emit(e.event());
        }
    }

    private void scheduleTick(Instant now) {
        if (closed) {
            return;
        }
        Instant next = now.plus(kademlia.numQueries() > 0 ? POLL_INTERVAL : MAX_IDLE_WAIT);
        Optional<Instant> deadline = kademlia.nextDeadline();
        if (deadline.isPresent() && deadline.get().isBefore(next)) {
            next = deadline.get();
        }
        if (tick != null && !tickAt.isAfter(next)) {
            return; // an earlier (or equal) tick is armed
        }
        if (tick != null) {
            tick.cancel(false);
        }
        long delay = Math.max(MIN_TICK_NANOS, Duration.between(now, next).toNanos());
        tickAt = next;
        try {
            tick = logic.schedule(() -> {
                if (closed) {
                    return;
                }
                tick = null;
                tickAt = null;
                safeDrive();
            }, delay, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            tick = null;
            tickAt = null;
        }
    }

    private void sendRequest(KademliaAction.SendRequest s, Instant now) {
        PeerId peer = s.peer();
        QueryId query = s.query();
        KadRequest request = s.request();
        boolean expectsResponse = request.expectsResponse();
        byte[] bytes;
        try {
            bytes = codec.encodeRequest(request, now);
        } catch (IllegalArgumentException e) {
            LOG.warn("{}: cannot send {} to {}: {}", peerId(), request.messageType(), peer, e.getMessage());
            if (expectsResponse) {
                kademlia.onRequestFailure(peer, query, now);
            }
            return;
        }
        KadOutboundHandler handler = new KadOutboundHandler(bytes, request, codec, clock);
        CompletableFuture<KadResponse> result = handler.result();
        host.openStream(peer, protocol, stream -> stream.pipeline().addLast(
                        new UvarintFrameDecoder(maxPacketSize, config.frameTimeout()),
                        new UvarintFrameEncoder(maxPacketSize), handler))
                .whenComplete((stream, error) -> {
                    if (error != null) {
                        result.completeExceptionally(error);
                    }
                });
        Duration timeout = config.requestTimeout();
        ScheduledFuture<?> timer;
        try {
            timer = logic.schedule(() -> result.completeExceptionally(new TimeoutException(
                    request.messageType() + " to " + peer + " not answered within " + timeout.toMillis() + " ms")),
                    timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(closedError());
            return;
        }
        result.whenComplete((r, e) -> timer.cancel(false));
        if (!expectsResponse) {
            result.whenComplete((r, e) -> {
                if (e != null) {
                    LOG.debug("{}: ADD_PROVIDER to {} failed: {}", peerId(), peer, e.toString());
                }
            });
            return;
        }
        result.whenCompleteAsync((response, error) -> {
            Instant t = clock.instant();
            if (error == null) {
                kademlia.onResponse(peer, query, response, t);
            } else {
                LOG.debug("{}: {} to {} failed: {}", peerId(), request.messageType(), peer, Host.unwrap(error).toString());
                kademlia.onRequestFailure(peer, query, t);
            }
            drive();
        }, logicExecutor);
    }

    private void dial(PeerId peer, List<Multiaddr> addresses, Instant now) {
        if (peer.equals(peerId())) {
            return;
        }
        if (host.connection(peer).isPresent()) {
            // Connected already (its event may still be on the way): release the waiting requests.
            kademlia.onConnected(peer, now);
            return;
        }
        if (!dialing.add(peer)) {
            return;
        }
        host.dial(peer, addresses).whenCompleteAsync((connection, error) -> {
            dialing.remove(peer);
            Instant t = clock.instant();
            if (error == null) {
                kademlia.onConnected(peer, t);
            } else {
                LOG.debug("{}: dialing {} failed: {}", peerId(), peer, Host.unwrap(error).toString());
                kademlia.onDialFailure(peer, t);
            }
            drive();
        }, logicExecutor);
    }

    private void emit(KademliaEvent event) {
        for (Consumer<? super KademliaEvent> l : listeners) {
            try {
                l.accept(event);
            } catch (RuntimeException e) {
                LOG.warn("{}: event listener {} failed", peerId(), l, e);
            }
        }
        if (event instanceof KademliaEvent.QueryCompleted c && c.last()) {
            CompletableFuture<QueryResult> f = pendingQueries.remove(c.id());
            if (f != null) {
                f.complete(c.result());
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Network input (logic thread)

    private void inboundRequest(KadInboundHandler stream, PeerId source, KadRequest request) {
        runOnLogic(() -> {
            long id = ++nextInboundRequest;
            // Kept until answered or refused; ADD_PROVIDER, which has no answer, only while it is
            // handled (a refusal resets its stream too).
            inboundRequests.put(id, stream);
            try {
                kademlia.onRequest(source, new io.jkad.kademlia.InboundRequestId(id), request, clock.instant());
            } catch (RuntimeException e) {
                // The state machine refuses failed requests itself; should it throw anyway, the
                // stream is reset and its entry freed here.
                LOG.error("{}: {} from {} not handled", peerId(), request.messageType(), source, e);
                inboundRequests.remove(id);
                stream.reset();
            }
            try {
                drive();
            } finally {
                if (!request.expectsResponse() && inboundRequests.remove(id) != null) {
                    stream.handled(); // taken in: the stream may hand on its next request
                }
            }
        });
    }

    private void connectionUp(Connection c) {
        Set<Connection> set = connections.computeIfAbsent(c.remotePeer(), p -> new HashSet<>(2));
        boolean first = set.isEmpty();
        if (set.add(c) && first) {
            kademlia.onConnected(c.remotePeer(), clock.instant());
        }
    }

    private void connectionDown(Connection c) {
        Set<Connection> set = connections.get(c.remotePeer());
        if (set == null || !set.remove(c)) {
            return;
        }
        if (set.isEmpty()) {
            connections.remove(c.remotePeer());
            kademlia.onDisconnected(c.remotePeer(), clock.instant());
        }
    }

    private void identified(Connection c, IdentifyInfo info) {
        Instant now = clock.instant();
        if (info.supports(protocol)) {
            List<Multiaddr> addresses = dialableFirst(info.listenAddresses());
            if (addresses.isEmpty() && c.isOutbound()) {
                addresses = List.of(c.remoteAddress());
            }
            kademlia.onProtocolConfirmed(c.remotePeer(), addresses, now);
        }
        info.observedAddress().ifPresent(observed -> {
            List<Multiaddr> candidates = translateObserved(observed, host.listenAddresses());
            if (candidates.isEmpty()) {
                LOG.trace("{}: observed address {} from {} not usable", peerId(), observed, c.remotePeer());
            }
            for (Multiaddr candidate : candidates) {
                kademlia.onNewExternalAddress(candidate);
            }
        });
    }

    /** TCP addresses we can dial first (the routing table's first address is the one tried first). */
    private static List<Multiaddr> dialableFirst(List<Multiaddr> addresses) {
        List<Multiaddr> tcp = new ArrayList<>();
        List<Multiaddr> other = new ArrayList<>();
        for (Multiaddr a : addresses) {
            (a.toTcpSocketAddress().isPresent() ? tcp : other).add(a);
        }
        tcp.addAll(other);
        return tcp;
    }

    /**
     * The external address candidates for an address a peer observed us at: its IP with the port
     * of each TCP listen address of the same IP family (the swarm's address translation in the
     * reference; an observed port is the remote end of our socket, for a connection we dialed an
     * ephemeral one). None when the observation is not TCP over an IP address, or names a wildcard
     * or multicast address.
     */
    static List<Multiaddr> translateObserved(Multiaddr observed, Collection<Multiaddr> listenAddresses) {
        Optional<InetSocketAddress> sa = observed.withoutPeerId().toTcpSocketAddress();
        if (sa.isEmpty() || sa.get().isUnresolved()) {
            return List.of();
        }
        InetAddress ip = sa.get().getAddress();
        if (ip.isAnyLocalAddress() || ip.isMulticastAddress()) {
            return List.of();
        }
        Set<Multiaddr> out = new LinkedHashSet<>();
        for (Multiaddr l : listenAddresses) {
            Optional<InetSocketAddress> ls = l.toTcpSocketAddress();
            if (ls.isPresent() && !ls.get().isUnresolved()
                    && (ls.get().getAddress() instanceof Inet4Address) == (ip instanceof Inet4Address)) {
                out.add(Multiaddr.tcp(new InetSocketAddress(ip, ls.get().getPort())));
            }
        }
        return List.copyOf(out);
    }

    /** The host's events, handed to the logic thread (they arrive on IO threads). */
    private final class Listener implements HostListener {
        @Override
        public void connectionEstablished(Connection connection) {
            runOnLogic(() -> {
                connectionUp(connection);
                drive();
            });
        }

        @Override
        public void connectionClosed(Connection connection) {
            runOnLogic(() -> {
                connectionDown(connection);
                drive();
            });
        }

        @Override
        public void identifyReceived(Connection connection, IdentifyInfo info) {
            runOnLogic(() -> {
                if (connections.getOrDefault(connection.remotePeer(), Set.of()).contains(connection)) {
                    identified(connection, info);
                    drive();
                }
            });
        }

        @Override
        public void dialFailed(PeerId peer, Multiaddr address, Throwable cause) {
            runOnLogic(() -> {
                kademlia.onAddressReachFailure(Optional.of(peer), address, clock.instant());
                drive();
            });
        }
    }

    // ------------------------------------------------------------------------------------------
    // Closing

    /**
     * Stops the node: closes the host (every connection), fails the futures of running
     * operations with {@link IllegalStateException}, stops the logic thread (waiting up to 10 s
     * for it unless called on it), and closes the store if the node opened it (a store passed in
     * stays open). Idempotent.
     */
    @Override
    public void close() {
        synchronized (closeLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        host.close();
        boolean onLogicThread = Thread.currentThread() == logicThread;
        Runnable finish = () -> {
            IllegalStateException e = closedError();
            for (CompletableFuture<QueryResult> f : pendingQueries.values()) {
                f.completeExceptionally(e);
            }
            pendingQueries.clear();
            inboundRequests.clear();
            if (tick != null) {
                tick.cancel(false);
            }
        };
        if (onLogicThread) {
            finish.run();
        } else {
            try {
                logic.execute(finish);
            } catch (RejectedExecutionException ignored) {
                // already stopped
            }
        }
        logic.shutdown();
        if (!onLogicThread) {
            try {
                if (!logic.awaitTermination(10, TimeUnit.SECONDS)) {
                    LOG.warn("{}: logic thread did not stop within 10 s", peerId());
                    logic.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                logic.shutdownNow();
            }
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


    private static String shortId(PeerId id) {
        String s = id.toBase58();
        return s.length() > 8 ? s.substring(s.length() - 8) : s;
    }
}
