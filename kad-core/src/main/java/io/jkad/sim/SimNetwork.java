package io.jkad.sim;

import io.jkad.identity.PeerId;
import io.jkad.kademlia.Kademlia;
import io.jkad.kademlia.KademliaEvent;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.query.QueryId;
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
import java.util.function.Predicate;

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

    private final SimConfig config;
    private final Random random;
    private final EventQueue events = new EventQueue();
    private final List<SimNode> nodes = new ArrayList<>();
    private final Map<PeerId, SimNode> byId = new HashMap<>();
    private final SimLinks links;
    private double adversarialFraction;
    /** The Sybils, with a random source of their own (see the class description). */
    private final SybilFlooder sybils;

    public SimNetwork(SimConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.random = new Random(config.seed());
        this.links = new SimLinks(config, random, events, nodes, byId);
        this.sybils = new SybilFlooder(config.seed(), events, links::latency, links::drive);
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
        links.setLoss(loss);
    }

    public SimConfig config() {
        return config;
    }

    /** The virtual time. */
    public Instant now() {
        return events.now();
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
        return links.messagesSent();
    }

    public long messagesLost() {
        return links.messagesLost();
    }

    /** Calls {@code listener} with every event any node emits. */
    public void addListener(BiConsumer<SimNode, KademliaEvent> listener) {
        links.addListener(listener);
    }

    // ------------------------------------------------------------------------------------------
    // Building the network

    /** Adds a node (online, knowing nobody). */
    public SimNode addNode() {
        return addNode(PeerId.random(random));
    }

    /**
     * Adds a node with the identity {@code id} (online, knowing nobody): for networks of chosen ids,
     * such as ids that share a long prefix.
     *
     * @throws IllegalArgumentException if a node has that id already
     */
    public SimNode addNode(PeerId id) {
        if (byId.containsKey(id)) {
            throw new IllegalArgumentException("a node has the id " + id + " already");
        }
        int index = nodes.size();
        Multiaddr address = Multiaddr.parse("/ip4/10." + ((index >> 16) & 0xFF) + "." + ((index >> 8) & 0xFF) + "."
                + (index & 0xFF) + "/tcp/4001");
        var store = config.stores().apply(id);
        Kademlia kademlia = new Kademlia(id, store, config.kademlia(), now(), new Random(random.nextLong()));
        kademlia.onNewListenAddress(address);
        SimNode node = new SimNode(index, id, address, kademlia, store);
        node.adversarial = index > 0 && adversarialFraction > 0 && random.nextDouble() < adversarialFraction;
        nodes.add(node);
        byId.put(id, node);
        links.scheduleWakeUp(node);
        return node;
    }

    /**
     * Adds {@code count} nodes and joins them to the network in batches: each knows one random
     * node that joined before it and bootstraps; a batch runs until its bootstraps are done.
     *
     * @return the new nodes
     */
    public List<SimNode> addAndBootstrap(int count, int batchSize) {
        return addAndBootstrap(count, batchSize, () -> PeerId.random(random));
    }

    /** As {@link #addAndBootstrap(int, int)}, the nodes' ids from {@code newIds}. */
    public List<SimNode> addAndBootstrap(int count, int batchSize, java.util.function.Supplier<PeerId> newIds) {
        List<SimNode> added = new ArrayList<>(count);
        while (added.size() < count) {
            List<SimNode> batch = new ArrayList<>();
            List<QueryId> ids = new ArrayList<>();
            int n = Math.min(batchSize, count - added.size());
            List<SimNode> known = onlineHonestNodes();
            for (int i = 0; i < n; i++) {
                SimNode node = addNode(newIds.get());
                batch.add(node);
                if (known.isEmpty()) {
                    // The very first node of the network: the others of its batch join through it.
                    known = List.of(node);
                    continue;
                }
                SimNode seed = known.get(random.nextInt(known.size()));
                node.kademlia.addAddress(seed.id, seed.address, now());
            }
            for (SimNode node : batch) {
                if (node.kademlia.routingTableSize() > 0) {
                    ids.add(node.kademlia.bootstrap(now()));
                    drive(node);
                } else {
                    ids.add(null);
                }
            }
            // Checked after every event: skips the bootstraps known to be done rather than asking
            // each node again (a bootstrap that completed stays completed until removed below).
            int[] firstRunning = {0};
            runUntil(() -> {
                for (int i = firstRunning[0]; i < batch.size(); i++) {
                    if (ids.get(i) != null && !batch.get(i).completed.containsKey(ids.get(i))) {
                        firstRunning[0] = i;
                        return false;
                    }
                }
                firstRunning[0] = batch.size();
                return true;
            }, now().plus(Duration.ofMinutes(30)));
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
        return sybils.makeSybils(count, candidates);
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
        sybils.start(flood, nodes, byId::get);
    }

    /** Stops the flood (requests on their way still arrive). */
    public void stopSybilFlood() {
        sybils.stop();
    }

    /** Requests the Sybils have sent so far. */
    public long sybilRequests() {
        return sybils.requests();
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

    /** The node leaves without notice: its links go silent; peers notice a dropped connection later. */
    public void leave(SimNode node) {
        if (!node.online) {
            return;
        }
        node.online = false;
        for (PeerId peer : List.copyOf(node.connections.keySet())) {
            SimNode other = byId.get(peer);
            node.connections.remove(peer).closed(node);
            // Its own state machine finds the connection gone when it comes back.
            node.kademlia.onDisconnected(peer, now());
            // The peer notices the dead connection after a keepalive interval.
            events.schedule(now().plus(config.dialTimeout()), () -> {
                SimNode.Connection c = other.connections.remove(node.id);
                if (c != null) {
                    c.closed(other);
                }
                if (c != null && other.online) {
                    other.kademlia.onDisconnected(node.id, now());
                    drive(other);
                }
            });
        }
        node.dialing.clear();
        node.outbound.clear();
        long waiting = node.inboundNumber;
        PeerId requester = node.takeInbound(waiting);
        if (requester != null) {
            links.failLater(byId.get(requester), waiting);
        }
    }

    /** The node comes back with its state (routing table, store) and connects to nobody yet. */
    public void rejoin(SimNode node) {
        if (node.online) {
            return;
        }
        node.online = true;
        links.scheduleWakeUp(node);
        drive(node);
    }

    /**
     * The node, offline ({@link #leave}), starts again as a process would after a crash: a new state
     * machine with the same identity on the same store (so only what the store keeps survives:
     * records, provider records, node state), which joins the network through one online node and
     * bootstraps. Its queries and routing table of before are gone.
     *
     * @throws IllegalStateException if the node is online
     */
    public void restart(SimNode node) {
        if (node.online) {
            throw new IllegalStateException("restart a node that left: " + node.id);
        }
        node.kademlia = new Kademlia(node.id, node.store, config.kademlia(), now(), new Random(random.nextLong()));
        node.kademlia.onNewListenAddress(node.address);
        node.completed.clear();
        node.traces.clear();
        node.wakeUpAt = null;
        node.online = true;
        List<SimNode> known = onlineHonestNodes();
        known.remove(node);
        if (!known.isEmpty()) {
            SimNode seed = known.get(random.nextInt(known.size()));
            node.kademlia.addAddress(seed.id, seed.address, now());
            node.kademlia.bootstrap(now());
        }
        links.scheduleWakeUp(node);
        drive(node);
    }

    // ------------------------------------------------------------------------------------------
    // Running

    /** Runs events until {@code done} holds or no event is due before {@code deadline}. */
    public boolean runUntil(BooleanSupplier done, Instant deadline) {
        return events.runUntil(done, deadline);
    }

    /** Runs every event due in the next {@code duration} of virtual time. */
    public void runFor(Duration duration) {
        events.runFor(duration);
    }

    /**
     * Starts a query on {@code node} (the function calls the node's API) and runs the network until
     * the query's last result.
     *
     * @throws IllegalStateException if the query has not completed within {@code limit} of virtual time
     */
    public QueryOutcome run(SimNode node, Function<Kademlia, QueryId> start, Duration limit) {
        Instant started = now();
        QueryId id = start.apply(node.kademlia);
        node.traces.put(id, new SimNode.QueryTrace());
        drive(node);
        if (!runUntil(() -> node.completed.containsKey(id), now().plus(limit))) {
            throw new IllegalStateException("query " + id + " on " + node + " did not complete within " + limit);
        }
        KademliaEvent.QueryCompleted event = node.completed.remove(id);
        SimNode.QueryTrace trace = node.traces.remove(id);
        return new QueryOutcome(event.result(), event.stats(), trace == null ? 0 : trace.maxContactedDepth,
                Duration.between(started, now()), event.trace());
    }

    /**
     * The result of {@link #run}: the query result, its statistics, its lookup rounds and virtual
     * duration, and its trace if the query was traced ({@link Kademlia#trace}).
     */
    public record QueryOutcome(io.jkad.kademlia.QueryResult result, io.jkad.query.QueryStats stats, int rounds,
                               Duration elapsed, java.util.Optional<io.jkad.query.QueryTrace> trace) {}

    // ------------------------------------------------------------------------------------------
    // The oracle

    /** The {@code count} online nodes closest to {@code target} (adversarial ones included if asked). */
    public List<SimNode> trueClosest(KeyBytes target, int count, boolean includeAdversarial) {
        return closest(nodes, n -> n.online && (!n.adversarial || includeAdversarial), target, count);
    }

    /** The {@code count} of {@code nodes} that are {@code eligible} closest to {@code target}, closest first. */
    static List<SimNode> closest(List<SimNode> nodes, Predicate<SimNode> eligible, KeyBytes target, int count) {
        if (count <= 0) {
            return new ArrayList<>();
        }
        // Each node's distance is computed once (from its key, computed when it was made), and one
        // no closer than the farthest of a full queue is passed over without touching the queue.
        PriorityQueue<Near> farthestFirst = new PriorityQueue<>(count + 1,
                Comparator.comparing(Near::distance).reversed());
        for (SimNode n : nodes) {
            if (!eligible.test(n)) {
                continue;
            }
            Distance d = n.key.distance(target);
            if (farthestFirst.size() == count && d.compareTo(farthestFirst.peek().distance()) >= 0) {
                continue;
            }
            farthestFirst.add(new Near(n, d));
            if (farthestFirst.size() > count) {
                farthestFirst.poll();
            }
        }
        List<Near> sorted = new ArrayList<>(farthestFirst);
        sorted.sort(Comparator.comparing(Near::distance));
        List<SimNode> out = new ArrayList<>(sorted.size());
        for (Near near : sorted) {
            out.add(near.node());
        }
        return out;
    }

    /** A node and its distance to a target. */
    private record Near(SimNode node, Distance distance) {}

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
        links.drive(node);
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
