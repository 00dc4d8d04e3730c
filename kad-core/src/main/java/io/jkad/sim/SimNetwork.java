package io.jkad.sim;

import io.jkad.identity.PeerId;
import io.jkad.kademlia.InboundRequestId;
import io.jkad.kademlia.Kademlia;
import io.jkad.kademlia.KademliaAction;
import io.jkad.kademlia.KademliaEvent;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.protocol.ConnectionType;
import io.jkad.protocol.KadPeer;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.jkad.query.QueryId;
import io.jkad.record.RecordKey;
import io.jkad.routing.Distance;
import io.jkad.routing.Key;
import io.jkad.routing.KeyBytes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * A deterministic simulated network of real {@link Kademlia} state machines, driven by a virtual
 * clock: messages take a random latency, may be lost, nodes may leave without notice and come
 * back, and adversarial nodes may answer every lookup only with each other. An oracle knows every
 * live node and gives the true closest peers of any key. Sybil nodes ({@link #makeSybils}) behave
 * honestly in lookups but flood their neighbours with requests of every type
 * ({@link #startSybilFlood}); their choice and their flood draw from a random source of their own,
 * so a run without a flood is the same as before Sybils existed, and the honest traffic of a run
 * with one draws the same latencies as without.
 *
 * <p>Everything happens on the calling thread; the same seed gives the same run. Connections are
 * modelled as in libp2p: a dial takes a round trip, both sides learn each other's listen address
 * (as Identify would tell), and idle connections close after the configured idle timeout.
 */
public final class SimNetwork implements AutoCloseable {
    /** The virtual time every simulation starts at. */
    public static final Instant EPOCH = Instant.parse("2030-01-01T00:00:00Z");
    private static final Duration TICK = Duration.ofSeconds(1);

    private final SimConfig config;
    private final Random random;
    private final PriorityQueue<Scheduled> queue = new PriorityQueue<>();
    private final List<SimNode> nodes = new ArrayList<>();
    private final Map<PeerId, SimNode> byId = new HashMap<>();
    private final List<BiConsumer<SimNode, KademliaEvent>> listeners = new ArrayList<>();
    private Instant now = EPOCH;
    private long seq;
    private long requestNumbers;
    private long messagesSent;
    private long messagesLost;
    private double loss;
    private double adversarialFraction;
    /** The Sybils' random source, apart from {@link #random} (see the class description). */
    private final Random sybilRandom;
    private SybilFlood flood;
    private long floodNumbers;
    private long floodRequests;

    /** An event: when (nanoseconds since {@link #EPOCH}), a tie-breaking sequence number, what. */
    private record Scheduled(long at, long seq, Runnable action) implements Comparable<Scheduled> {
        @Override
        public int compareTo(Scheduled o) {
            int c = Long.compare(at, o.at);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    public SimNetwork(SimConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.random = new Random(config.seed());
        this.sybilRandom = new Random(config.seed() ^ 0x5B1B5B1B5B1B5B1BL);
        this.loss = config.loss();
    }

    /**
     * Makes each node added from now on adversarial with probability {@code fraction} (the first
     * node of the network is always honest), so that adversaries take part in bootstrap as well.
     */
    public void setAdversarialFraction(double fraction) {
        if (!(fraction >= 0.0 && fraction < 1.0)) {
            throw new IllegalArgumentException("adversarial fraction must be in [0, 1): " + fraction);
        }
        this.adversarialFraction = fraction;
    }

    /** Changes the message loss probability from now on. */
    public void setLoss(double loss) {
        if (!(loss >= 0.0 && loss < 1.0)) {
            throw new IllegalArgumentException("loss must be in [0, 1): " + loss);
        }
        this.loss = loss;
    }

    public SimConfig config() {
        return config;
    }

    /** The virtual time. */
    public Instant now() {
        return now;
    }

    /** The random source of the simulation (for workloads that must replay with the seed). */
    public Random random() {
        return random;
    }

    public List<SimNode> nodes() {
        return List.copyOf(nodes);
    }

    public SimNode node(int index) {
        return nodes.get(index);
    }

    public Optional<SimNode> node(PeerId id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** Requests and responses sent so far (lost ones included). */
    public long messagesSent() {
        return messagesSent;
    }

    public long messagesLost() {
        return messagesLost;
    }

    /** Calls {@code listener} with every event any node emits. */
    public void addListener(BiConsumer<SimNode, KademliaEvent> listener) {
        listeners.add(listener);
    }

    // ------------------------------------------------------------------------------------------
    // Building the network

    /** Adds a node (online, knowing nobody). */
    public SimNode addNode() {
        int index = nodes.size();
        PeerId id = PeerId.random(random);
        Multiaddr address = Multiaddr.parse("/ip4/10." + ((index >> 16) & 0xFF) + "." + ((index >> 8) & 0xFF) + "."
                + (index & 0xFF) + "/tcp/4001");
        var store = config.stores().apply(id);
        Kademlia kademlia = new Kademlia(id, store, config.kademlia(), now, new Random(random.nextLong()));
        kademlia.onNewListenAddress(address);
        SimNode node = new SimNode(index, id, address, kademlia, store);
        node.adversarial = index > 0 && adversarialFraction > 0 && random.nextDouble() < adversarialFraction;
        nodes.add(node);
        byId.put(id, node);
        scheduleJobTick(node);
        return node;
    }

    /**
     * Adds {@code count} nodes and joins them to the network in batches: each knows one random
     * node that joined before it and bootstraps; a batch runs until its bootstraps are done.
     *
     * @return the new nodes
     */
    public List<SimNode> addAndBootstrap(int count, int batchSize) {
        List<SimNode> added = new ArrayList<>(count);
        while (added.size() < count) {
            List<SimNode> batch = new ArrayList<>();
            List<QueryId> ids = new ArrayList<>();
            int n = Math.min(batchSize, count - added.size());
            List<SimNode> known = onlineHonestNodes();
            for (int i = 0; i < n; i++) {
                SimNode node = addNode();
                batch.add(node);
                if (known.isEmpty()) {
                    // The very first node of the network: the others of its batch join through it.
                    known = List.of(node);
                    continue;
                }
                SimNode seed = known.get(random.nextInt(known.size()));
                node.kademlia.addAddress(seed.id, seed.address, now);
            }
            for (SimNode node : batch) {
                if (node.kademlia.routingTableSize() > 0) {
                    ids.add(node.kademlia.bootstrap(now));
                    drive(node);
                } else {
                    ids.add(null);
                }
            }
            runUntil(() -> {
                for (int i = 0; i < batch.size(); i++) {
                    if (ids.get(i) != null && !batch.get(i).completed.containsKey(ids.get(i))) {
                        return false;
                    }
                }
                return true;
            }, now.plus(Duration.ofMinutes(30)));
            for (int i = 0; i < batch.size(); i++) {
                if (ids.get(i) != null) {
                    batch.get(i).completed.remove(ids.get(i));
                }
            }
            added.addAll(batch);
        }
        return added;
    }

    /** Marks {@code count} random honest online nodes (not {@code except}) adversarial. */
    public List<SimNode> makeAdversarial(int count, Collection<SimNode> except) {
        List<SimNode> candidates = new ArrayList<>(onlineHonestNodes());
        candidates.removeAll(except);
        List<SimNode> chosen = new ArrayList<>();
        for (int i = 0; i < count && !candidates.isEmpty(); i++) {
            SimNode n = candidates.remove(random.nextInt(candidates.size()));
            n.adversarial = true;
            chosen.add(n);
        }
        return chosen;
    }

    /**
     * Marks {@code count} random honest online nodes (not {@code except}) as Sybils; they flood
     * once {@link #startSybilFlood} is called. Drawn from the Sybils' own random source.
     */
    public List<SimNode> makeSybils(int count, Collection<SimNode> except) {
        List<SimNode> candidates = new ArrayList<>(onlineHonestNodes());
        candidates.removeAll(except);
        candidates.removeIf(n -> n.sybil);
        List<SimNode> chosen = new ArrayList<>();
        for (int i = 0; i < count && !candidates.isEmpty(); i++) {
            SimNode n = candidates.remove(sybilRandom.nextInt(candidates.size()));
            n.sybil = true;
            chosen.add(n);
        }
        return chosen;
    }

    /**
     * How the Sybils flood: every {@code interval} of virtual time, each online Sybil sends one
     * request of every type (FIND_NODE, GET_VALUE, PUT_VALUE, GET_PROVIDERS, ADD_PROVIDER, PING,
     * about random keys) to each of its {@code neighbours} closest routing table peers (chosen when
     * the flood starts). The flood is modelled at the Kademlia level only: the requests reach the
     * neighbours' state machines after a random latency, without a connection (connection and
     * stream limits are the host's), and their answers are dropped.
     */
    public record SybilFlood(Duration interval, int neighbours) {
        public SybilFlood {
            Objects.requireNonNull(interval, "interval");
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("flood interval must be > 0: " + interval);
            }
            if (neighbours < 1) {
                throw new IllegalArgumentException("neighbours must be > 0: " + neighbours);
            }
        }
    }

    /** Starts the Sybils' flood (replacing a running one). */
    public void startSybilFlood(SybilFlood flood) {
        this.flood = Objects.requireNonNull(flood, "flood");
        for (SimNode n : nodes) {
            if (n.sybil) {
                List<SimNode> targets = new ArrayList<>();
                for (var e : n.kademlia.closestPeers(Key.of(n.id).bytes(), flood.neighbours())) {
                    SimNode t = byId.get(e.node().key().preimage());
                    if (t != null) {
                        targets.add(t);
                    }
                }
                SybilFlood current = flood;
                schedule(now, () -> floodTick(n, targets, current));
            }
        }
    }

    /** Stops the flood (requests on their way still arrive). */
    public void stopSybilFlood() {
        this.flood = null;
    }

    /** Requests the Sybils have sent so far. */
    public long sybilRequests() {
        return floodRequests;
    }

    /** Inbound requests the honest nodes (not Sybils nor adversarial ones) refused for {@code reason}. */
    public long refusedRequests(KademliaEvent.RefusalReason reason) {
        long sum = 0;
        for (SimNode n : nodes) {
            if (!n.sybil && !n.adversarial) {
                sum += n.kademlia.refusedRequests(reason);
            }
        }
        return sum;
    }

    private void floodTick(SimNode sybil, List<SimNode> targets, SybilFlood current) {
        if (flood != current || !sybil.sybil) {
            return;
        }
        if (sybil.online) {
            for (SimNode to : targets) {
                for (KadRequest request : floodRequests(sybil)) {
                    long number = -(++floodNumbers);
                    floodRequests++;
                    schedule(now.plus(latency(sybilRandom)), () -> {
                        if (to.online) {
                            // Not registered as awaiting an answer: the answer (or reset) goes nowhere.
                            to.kademlia.onRequest(sybil.id, new InboundRequestId(number), request, now);
                            drive(to);
                        }
                    });
                }
            }
        }
        schedule(now.plus(current.interval()), () -> floodTick(sybil, targets, current));
    }

    private List<KadRequest> floodRequests(SimNode sybil) {
        byte[] key = new byte[32];
        sybilRandom.nextBytes(key);
        RecordKey k = RecordKey.of(key);
        return List.of(new KadRequest.FindNode(k), new KadRequest.GetValue(k),
                new KadRequest.PutValue(io.jkad.record.DhtRecord.of(k, new byte[] {1})), new KadRequest.GetProviders(k),
                new KadRequest.AddProvider(k, new KadPeer(sybil.id, List.of(sybil.address), ConnectionType.CONNECTED)),
                new KadRequest.Ping());
    }

    /** The node leaves without notice: its links go silent; peers notice a dropped connection later. */
    public void leave(SimNode node) {
        if (!node.online) {
            return;
        }
        node.online = false;
        for (PeerId peer : List.copyOf(node.connections.keySet())) {
            SimNode other = byId.get(peer);
            node.connections.remove(peer);
            // Its own state machine finds the connection gone when it comes back.
            node.kademlia.onDisconnected(peer, now);
            // The peer notices the dead connection after a keepalive interval.
            schedule(now.plus(config.dialTimeout()), () -> {
                if (other.connections.remove(node.id) != null && other.online) {
                    other.kademlia.onDisconnected(node.id, now);
                    drive(other);
                }
            });
        }
        node.dialing.clear();
        node.outbound.clear();
        for (SimNode.InboundRequest req : node.inbound.values()) {
            SimNode requester = byId.get(req.source());
            failLater(requester, req.requestNumber());
        }
        node.inbound.clear();
    }

    /** The node comes back with its state (routing table, store) and connects to nobody yet. */
    public void rejoin(SimNode node) {
        if (node.online) {
            return;
        }
        node.online = true;
        scheduleJobTick(node);
        drive(node);
    }

    // ------------------------------------------------------------------------------------------
    // Running

    /** Runs events until {@code done} holds or no event is due before {@code deadline}. */
    public boolean runUntil(BooleanSupplier done, Instant deadline) {
        long limit = nanos(deadline);
        long current = nanos(now);
        while (!done.getAsBoolean()) {
            Scheduled next = queue.peek();
            if (next == null || next.at() > limit) {
                return false;
            }
            queue.poll();
            if (next.at() > current) {
                current = next.at();
                now = EPOCH.plusNanos(current);
            }
            next.action().run();
        }
        return true;
    }

    private static long nanos(Instant t) {
        return Duration.between(EPOCH, t).toNanos();
    }

    /** Runs every event due in the next {@code duration} of virtual time. */
    public void runFor(Duration duration) {
        Instant end = now.plus(duration);
        runUntil(() -> false, end);
        now = end;
    }

    /**
     * Starts a query on {@code node} (the function calls the node's API) and runs the network until
     * the query's last result.
     *
     * @throws IllegalStateException if the query has not completed within {@code limit} of virtual time
     */
    public QueryOutcome run(SimNode node, Function<Kademlia, QueryId> start, Duration limit) {
        Instant started = now;
        QueryId id = start.apply(node.kademlia);
        node.traces.put(id, new SimNode.QueryTrace());
        drive(node);
        if (!runUntil(() -> node.completed.containsKey(id), now.plus(limit))) {
            throw new IllegalStateException("query " + id + " on " + node + " did not complete within " + limit);
        }
        KademliaEvent.QueryCompleted event = node.completed.remove(id);
        SimNode.QueryTrace trace = node.traces.remove(id);
        return new QueryOutcome(event.result(), event.stats(), trace == null ? 0 : trace.maxContactedDepth,
                Duration.between(started, now));
    }

    /** The result of {@link #run}: the query result, its statistics, its lookup rounds and virtual duration. */
    public record QueryOutcome(io.jkad.kademlia.QueryResult result, io.jkad.query.QueryStats stats, int rounds,
                               Duration elapsed) {}

    // ------------------------------------------------------------------------------------------
    // The oracle

    /** The {@code count} online nodes closest to {@code target} (adversarial ones included if asked). */
    public List<SimNode> trueClosest(KeyBytes target, int count, boolean includeAdversarial) {
        PriorityQueue<SimNode> farthestFirst = new PriorityQueue<>(
                Comparator.comparing((SimNode n) -> Key.of(n.id).distance(target)).reversed());
        for (SimNode n : nodes) {
            if (!n.online || (n.adversarial && !includeAdversarial)) {
                continue;
            }
            farthestFirst.add(n);
            if (farthestFirst.size() > count) {
                farthestFirst.poll();
            }
        }
        List<SimNode> out = new ArrayList<>(farthestFirst);
        out.sort(Comparator.comparing((SimNode n) -> Key.of(n.id).distance(target)));
        return out;
    }

    public List<SimNode> onlineHonestNodes() {
        List<SimNode> out = new ArrayList<>();
        for (SimNode n : nodes) {
            if (n.online && !n.adversarial) {
                out.add(n);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------
    // Driving the state machines

    /** Polls {@code node} until it has nothing to do, carrying out its actions. */
    public void drive(SimNode node) {
        if (!node.online) {
            return;
        }
        Optional<KademliaAction> action;
        while ((action = node.kademlia.poll(now)).isPresent()) {
            handle(node, action.get());
        }
        if (node.kademlia.numQueries() > 0 && node.tickAt == null) {
            node.tickAt = now.plus(TICK);
            schedule(node.tickAt, () -> {
                node.tickAt = null;
                drive(node);
            });
        }
        scheduleJobTick(node);
    }

    private void scheduleJobTick(SimNode node) {
        Optional<Instant> deadline = node.kademlia.nextDeadline();
        if (deadline.isPresent() && (node.jobTickAt == null || deadline.get().isBefore(node.jobTickAt))) {
            Instant at = deadline.get().isBefore(now) ? now : deadline.get();
            node.jobTickAt = at;
            schedule(at, () -> {
                if (at.equals(node.jobTickAt)) {
                    node.jobTickAt = null;
                }
                drive(node);
            });
        }
    }

    private void handle(SimNode node, KademliaAction action) {
        if (action instanceof KademliaAction.SendRequest s) {
            sendRequest(node, s);
        } else if (action instanceof KademliaAction.Respond r) {
            respond(node, r.requestId(), r.response());
        } else if (action instanceof KademliaAction.ResetStream r) {
            reset(node, r.requestId());
        } else if (action instanceof KademliaAction.Dial d) {
            dial(node, d.peer(), d.addresses());
        } else if (action instanceof KademliaAction.Emit e) {
            if (e.event() instanceof KademliaEvent.QueryCompleted c && c.last()) {
                node.completed.put(c.id(), c);
            }
            for (BiConsumer<SimNode, KademliaEvent> l : listeners) {
                l.accept(node, e.event());
            }
        }
    }

    private void sendRequest(SimNode from, KademliaAction.SendRequest s) {
        SimNode to = byId.get(s.peer());
        boolean expectsAnswer = s.request().expectsResponse();
        long number = ++requestNumbers;
        SimNode.QueryTrace trace = from.traces.get(s.query());
        if (trace != null) {
            int depth = trace.depth.computeIfAbsent(s.peer(), p -> 1);
            trace.maxContactedDepth = Math.max(trace.maxContactedDepth, depth);
        }
        if (expectsAnswer) {
            from.outbound.put(number, new SimNode.OutboundRequest(s.peer(), s.query(), now));
        }
        touch(from, s.peer());
        messagesSent++;
        if (to == null || lost()) {
            messagesLost++;
            failLater(from, number);
            return;
        }
        schedule(now.plus(latency()), () -> {
            if (!from.online) {
                return;
            }
            if (!to.online) {
                failLater(from, number);
                return;
            }
            touch(to, from.id);
            if (to.adversarial) {
                if (expectsAnswer) {
                    deliverResponse(to, from, number, adversarialAnswer(to, from, s.request()));
                }
                return;
            }
            if (expectsAnswer) {
                to.inbound.put(number, new SimNode.InboundRequest(from.id, number));
            }
            to.kademlia.onRequest(from.id, new InboundRequestId(number), s.request(), now);
            drive(to);
            if (to.inbound.remove(number) != null) {
                // Never answered: the requester's request times out.
                failLater(from, number);
            }
        });
    }

    /**
     * The request {@code number} of {@code from} gets no answer: it fails when its request timeout
     * runs out. (Timeouts are scheduled only for requests that will get no answer, which keeps the
     * event queue small.)
     */
    private void failLater(SimNode from, long number) {
        SimNode.OutboundRequest pending = from.outbound.get(number);
        if (pending == null) {
            return;
        }
        Instant at = pending.sentAt().plus(config.requestTimeout());
        schedule(at.isBefore(now) ? now : at, () -> {
            SimNode.OutboundRequest p = from.outbound.remove(number);
            if (p != null && from.online) {
                from.kademlia.onRequestFailure(p.peer(), p.query(), now);
                drive(from);
            }
        });
    }

    private void respond(SimNode node, InboundRequestId id, KadResponse response) {
        SimNode.InboundRequest req = node.inbound.remove(id.value());
        if (req == null) {
            return;
        }
        SimNode requester = byId.get(req.source());
        deliverResponse(node, requester, req.requestNumber(), response);
    }

    private void deliverResponse(SimNode from, SimNode to, long number, KadResponse response) {
        messagesSent++;
        if (lost()) {
            messagesLost++;
            failLater(to, number);
            return;
        }
        schedule(now.plus(latency()), () -> {
            SimNode.OutboundRequest pending = to.outbound.remove(number);
            if (pending == null || !to.online) {
                return;
            }
            touch(to, from.id);
            SimNode.QueryTrace trace = to.traces.get(pending.query());
            if (trace != null) {
                int depth = trace.depth.getOrDefault(from.id, 1);
                for (KadPeer p : closerPeers(response)) {
                    trace.depth.putIfAbsent(p.id(), depth + 1);
                }
            }
            to.kademlia.onResponse(from.id, pending.query(), response, now);
            drive(to);
        });
    }

    private void reset(SimNode node, InboundRequestId id) {
        SimNode.InboundRequest req = node.inbound.remove(id.value());
        if (req == null) {
            return;
        }
        SimNode requester = byId.get(req.source());
        schedule(now.plus(latency()), () -> {
            SimNode.OutboundRequest pending = requester.outbound.remove(req.requestNumber());
            if (pending != null && requester.online) {
                requester.kademlia.onRequestFailure(node.id, pending.query(), now);
                drive(requester);
            }
        });
    }

    private void dial(SimNode from, PeerId peer, List<Multiaddr> addresses) {
        if (from.connections.containsKey(peer)) {
            from.kademlia.onConnected(peer, now);
            drive(from);
            return;
        }
        if (!from.dialing.add(peer)) {
            return;
        }
        SimNode to = byId.get(peer);
        boolean reachable = to != null && to.online && addresses.contains(to.address);
        if (!reachable) {
            schedule(now.plus(addresses.isEmpty() ? Duration.ZERO : config.dialTimeout()), () -> {
                from.dialing.remove(peer);
                if (from.online) {
                    from.kademlia.onDialFailure(peer, now);
                    drive(from);
                }
            });
            return;
        }
        // A TCP + Noise + Yamux + Identify handshake: about two round trips.
        Duration handshake = latency().plus(latency()).plus(latency()).plus(latency());
        schedule(now.plus(handshake), () -> {
            from.dialing.remove(peer);
            if (!from.online) {
                return;
            }
            if (!to.online) {
                from.kademlia.onDialFailure(peer, now);
                drive(from);
                return;
            }
            connect(from, to);
            connect(to, from);
            from.kademlia.onConnected(to.id, now);
            to.kademlia.onConnected(from.id, now);
            from.kademlia.onProtocolConfirmed(to.id, List.of(to.address), now);
            to.kademlia.onProtocolConfirmed(from.id, List.of(from.address), now);
            drive(from);
            drive(to);
        });
    }

    private void connect(SimNode a, SimNode b) {
        a.connections.put(b.id, now);
        scheduleIdleCheck(a, b.id);
    }

    private void touch(SimNode node, PeerId peer) {
        if (node.connections.containsKey(peer)) {
            node.connections.put(peer, now);
        }
    }

    private void scheduleIdleCheck(SimNode node, PeerId peer) {
        Duration idle = config.kademlia().connectionIdleTimeout();
        Instant lastUse = node.connections.get(peer);
        schedule(lastUse.plus(idle), () -> {
            Instant last = node.connections.get(peer);
            if (last == null) {
                return;
            }
            if (last.plus(idle).isAfter(now)) {
                scheduleIdleCheck(node, peer);
                return;
            }
            // Idle on this side: the connection closes for both.
            SimNode other = byId.get(peer);
            node.connections.remove(peer);
            other.connections.remove(node.id);
            if (node.online) {
                node.kademlia.onDisconnected(peer, now);
                drive(node);
            }
            if (other.online) {
                other.kademlia.onDisconnected(node.id, now);
                drive(other);
            }
        });
    }

    /** An adversarial node's answer: only other adversarial nodes, never a record or a provider. */
    private KadResponse adversarialAnswer(SimNode self, SimNode requester, KadRequest request) {
        RecordKey key;
        if (request instanceof KadRequest.FindNode r) {
            key = r.key();
        } else if (request instanceof KadRequest.GetValue r) {
            key = r.key();
        } else if (request instanceof KadRequest.GetProviders r) {
            key = r.key();
        } else if (request instanceof KadRequest.PutValue r) {
            return new KadResponse.PutValue(r.record().key(), r.record());
        } else {
            return new KadResponse.Pong();
        }
        KeyBytes target = KeyBytes.digestOf(key.toBytes());
        PriorityQueue<SimNode> farthestFirst = new PriorityQueue<>(
                Comparator.comparing((SimNode n) -> Key.of(n.id).distance(target)).reversed());
        int k = config.kademlia().replicationFactor();
        for (SimNode n : nodes) {
            if (n.adversarial && n.online && n != self && n != requester) {
                farthestFirst.add(n);
                if (farthestFirst.size() > k) {
                    farthestFirst.poll();
                }
            }
        }
        List<KadPeer> peers = new ArrayList<>();
        for (SimNode n : farthestFirst) {
            peers.add(new KadPeer(n.id, List.of(n.address), ConnectionType.CONNECTED));
        }
        peers.sort(Comparator.comparing((KadPeer p) -> Key.of(p.id()).distance(target)));
        if (request instanceof KadRequest.FindNode) {
            return new KadResponse.FindNode(peers);
        } else if (request instanceof KadRequest.GetValue) {
            return new KadResponse.GetValue(Optional.empty(), peers);
        } else {
            return new KadResponse.GetProviders(peers, List.of());
        }
    }

    private static List<KadPeer> closerPeers(KadResponse response) {
        if (response instanceof KadResponse.FindNode r) {
            return r.closerPeers();
        } else if (response instanceof KadResponse.GetValue r) {
            return r.closerPeers();
        } else if (response instanceof KadResponse.GetProviders r) {
            List<KadPeer> all = new ArrayList<>(r.closerPeers());
            all.addAll(r.providers());
            return all;
        }
        return List.of();
    }

    private boolean lost() {
        return loss > 0 && random.nextDouble() < loss;
    }

    private Duration latency() {
        return latency(random);
    }

    private Duration latency(Random random) {
        long min = config.minLatency().toNanos();
        long max = config.maxLatency().toNanos();
        return Duration.ofNanos(min == max ? min : min + (long) (random.nextDouble() * (max - min)));
    }

    private void schedule(Instant at, Runnable action) {
        queue.add(new Scheduled(nanos(at), ++seq, action));
    }

    /** Distance helper for callers computing precision. */
    public static Distance distance(PeerId peer, KeyBytes target) {
        return Key.of(peer).distance(target);
    }

    /** Closes every node's store. */
    @Override
    public void close() {
        for (SimNode n : nodes) {
            n.store.close();
        }
    }
}
