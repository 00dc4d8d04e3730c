package io.jkad.sim;

import io.jkad.identity.PeerId;
import io.jkad.kademlia.InboundRequestId;
import io.jkad.kademlia.KademliaAction;
import io.jkad.kademlia.KademliaEvent;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.protocol.KadPeer;
import io.jkad.protocol.KadResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.BiConsumer;

/**
 * The links of a {@link SimNetwork}: how its nodes' actions travel. It drives a node's state
 * machine and carries out what it asks: requests and answers take a random latency and may be
 * lost, a dial takes a handshake's round trips (or the dial timeout for an unreachable node), an
 * unanswered request fails after the request timeout, and idle connections close. The network
 * itself (its nodes, their joining and leaving, the workloads and the oracle) is
 * {@link SimNetwork}'s.
 */
final class SimLinks {
    private final SimConfig config;
    private final Random random;
    private final EventQueue events;
    private final List<SimNode> nodes;
    private final Map<PeerId, SimNode> byId;
    private final List<BiConsumer<SimNode, KademliaEvent>> listeners = new ArrayList<>();
    private long requestNumbers;
    /** Orders the connections' idle checks set at the same time (see {@link #idleCheck}). */
    private long checkOrder;
    private long messagesSent;
    private long messagesLost;
    private double loss;
    /** The connection idle timeout in nanoseconds. */
    private final long idleNanos;
    private final long minLatencyNanos;
    private final long maxLatencyNanos;

    SimLinks(SimConfig config, Random random, EventQueue events, List<SimNode> nodes, Map<PeerId, SimNode> byId) {
        this.config = config;
        this.random = random;
        this.events = events;
        this.nodes = nodes;
        this.byId = byId;
        this.loss = config.loss();
        this.idleNanos = config.kademlia().connectionIdleTimeout().toNanos();
        this.minLatencyNanos = config.minLatency().toNanos();
        this.maxLatencyNanos = config.maxLatency().toNanos();
    }

    void setLoss(double loss) {
        this.loss = loss;
    }

    long messagesSent() {
        return messagesSent;
    }

    long messagesLost() {
        return messagesLost;
    }

    void addListener(BiConsumer<SimNode, KademliaEvent> listener) {
        listeners.add(listener);
    }

    private Instant now() {
        return events.now();
    }

    /** Polls {@code node} until it has nothing to do, carrying out its actions. */
    void drive(SimNode node) {
        if (!node.online) {
            return;
        }
        Optional<KademliaAction> action;
        while ((action = node.kademlia.poll(now())).isPresent()) {
            handle(node, action.get());
        }
        scheduleWakeUp(node);
    }

    /**
     * Drives {@code node} again at its next deadline (a job, a query or a peer timing out), unless
     * a wake-up no later than that is already scheduled.
     */
    void scheduleWakeUp(SimNode node) {
        Optional<Instant> deadline = node.kademlia.nextDeadline();
        if (deadline.isPresent() && (node.wakeUpAt == null || deadline.get().isBefore(node.wakeUpAt))) {
            Instant at = deadline.get().isBefore(now()) ? now() : deadline.get();
            node.wakeUpAt = at;
            schedule(at, () -> {
                if (at.equals(node.wakeUpAt)) {
                    node.wakeUpAt = null;
                }
                drive(node);
            });
        }
    }

    private void handle(SimNode node, KademliaAction action) {
        if (action instanceof KademliaAction.SendRequest s) {
            sendRequest(node, s);
        } else if (action instanceof KademliaAction.SendRequests s) {
            // one stream on the wire; here each request is a message of its own (as many bytes)
            for (io.jkad.protocol.KadRequest r : s.requests()) {
                sendRequest(node, new KademliaAction.SendRequest(s.peer(), s.query(), r));
            }
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
            from.outbound.put(number, new SimNode.OutboundRequest(s.peer(), s.query(), now()));
        }
        touch(from, s.peer());
        messagesSent++;
        if (to == null || lost()) {
            messagesLost++;
            failLater(from, number);
            return;
        }
        events.schedule(events.nowNanos() + latencyNanos(from, to), () -> {
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
                    deliverResponse(to, from, number,
                            Adversary.answer(to, from, s.request(), nodes, config.kademlia().replicationFactor()));
                }
                return;
            }
            if (expectsAnswer) {
                to.inboundNumber = number;
                to.inboundSource = from.id;
            }
            to.kademlia.onRequest(from.id, new InboundRequestId(number), s.request(), now());
            drive(to);
            if (to.takeInbound(number) != null) {
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
    void failLater(SimNode from, long number) {
        SimNode.OutboundRequest pending = from.outbound.get(number);
        if (pending == null) {
            return;
        }
        Instant at = pending.sentAt().plus(config.requestTimeout());
        schedule(at.isBefore(now()) ? now() : at, () -> {
            SimNode.OutboundRequest p = from.outbound.remove(number);
            if (p != null && from.online) {
                from.kademlia.onRequestFailure(p.peer(), p.query(), now());
                drive(from);
            }
        });
    }

    private void respond(SimNode node, InboundRequestId id, KadResponse response) {
        long number = id.value();
        PeerId source = node.takeInbound(number);
        if (source == null) {
            return;
        }
        deliverResponse(node, byId.get(source), number, response);
    }

    private void deliverResponse(SimNode from, SimNode to, long number, KadResponse response) {
        messagesSent++;
        if (lost()) {
            messagesLost++;
            failLater(to, number);
            return;
        }
        events.schedule(events.nowNanos() + latencyNanos(from, to), () -> {
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
            to.kademlia.onResponse(from.id, pending.query(), response, now());
            drive(to);
        });
    }

    private void reset(SimNode node, InboundRequestId id) {
        long number = id.value();
        PeerId source = node.takeInbound(number);
        if (source == null) {
            return;
        }
        SimNode requester = byId.get(source);
        events.schedule(events.nowNanos() + latencyNanos(node, requester), () -> {
            SimNode.OutboundRequest pending = requester.outbound.remove(number);
            if (pending != null && requester.online) {
                requester.kademlia.onRequestFailure(node.id, pending.query(), now());
                drive(requester);
            }
        });
    }

    private void dial(SimNode from, PeerId peer, List<Multiaddr> addresses) {
        if (from.connections.containsKey(peer)) {
            from.kademlia.onConnected(peer, now());
            drive(from);
            return;
        }
        if (!from.dialing.add(peer)) {
            return;
        }
        from.dialsStarted++;
        SimNode to = byId.get(peer);
        boolean reachable = to != null && to.online && addresses.contains(to.address);
        if (!reachable) {
            schedule(now().plus(addresses.isEmpty() ? Duration.ZERO : config.dialTimeout()), () -> {
                from.dialing.remove(peer);
                if (from.online) {
                    from.kademlia.onDialFailure(peer, now());
                    drive(from);
                }
            });
            return;
        }
        // A TCP + Noise + Yamux + Identify handshake: about two round trips.
        long handshake = latencyNanos(from, to) + latencyNanos(to, from) + latencyNanos(from, to) + latencyNanos(to, from);
        events.schedule(events.nowNanos() + handshake, () -> {
            from.dialing.remove(peer);
            if (!from.online) {
                return;
            }
            if (!to.online) {
                from.kademlia.onDialFailure(peer, now());
                drive(from);
                return;
            }
            connect(from, to);
            from.kademlia.onConnected(to.id, now());
            to.kademlia.onConnected(from.id, now());
            from.kademlia.onProtocolConfirmed(to.id, List.of(to.address), now());
            to.kademlia.onProtocolConfirmed(from.id, List.of(from.address), now());
            drive(from);
            drive(to);
        });
    }

    /**
     * Connects {@code from} (the dialer) and {@code to}. Each side's map holds the same connection
     * object; one timer event runs both sides' idle checks. When the two are connected already (each
     * dialed the other), the connection is used anew on both sides: a new connection object, as
     * this was before, would have the same times and checks that run no earlier than the old ones.
     */
    private void connect(SimNode from, SimNode to) {
        long now = events.nowNanos();
        SimNode.Connection open = from.connections.get(to.id);
        if (open != null && open.openA && open.openB && to.connections.get(from.id) == open) {
            open.lastUseA = now;
            open.lastUseB = now;
            return;
        }
        SimNode.Connection c = new SimNode.Connection(from, to, now);
        SimNode.Connection old = from.connections.put(to.id, c);
        if (old != null) {
            old.closed(from);
        }
        old = to.connections.put(from.id, c);
        if (old != null) {
            old.closed(to);
        }
        c.checkA = now + idleNanos;
        c.checkB = now + idleNanos;
        c.orderA = ++checkOrder;
        c.orderB = ++checkOrder;
        // a fixed timeout after now: in time order with the other first checks (the queue's lane)
        events.scheduleInOrder(now + idleNanos, () -> idleCheck(c));
    }

    private void touch(SimNode node, PeerId peer) {
        SimNode.Connection c = node.connections.get(peer);
        if (c != null) {
            c.use(node, events.nowNanos());
        }
    }

    /**
     * The idle checks of connection {@code c} due now. The model is that of one check per side:
     * a side's check at its due time closes the connection for both if that side has not used it
     * for the idle timeout, and otherwise is due again when it will have been idle that long; the
     * first side found idle closes it (at equal times, the check set first runs first). The two
     * checks share this one event, due at the earlier of them, and hold the connection itself, so
     * neither node's map is looked up until the connection closes.
     */
    private void idleCheck(SimNode.Connection c) {
        long now = events.nowNanos();
        while (true) {
            boolean dueA = c.openA && c.checkA == now;
            boolean dueB = c.openB && c.checkB == now;
            boolean sideA;
            if (dueA && dueB) {
                sideA = c.orderA < c.orderB;
            } else if (dueA || dueB) {
                sideA = dueA;
            } else {
                break;
            }
            long idleAt = (sideA ? c.lastUseA : c.lastUseB) + idleNanos;
            if (idleAt <= now) {
                close(sideA ? c.a : c.b, sideA ? c.b : c.a);
                return;
            }
            if (sideA) {
                c.checkA = idleAt;
                c.orderA = ++checkOrder;
            } else {
                c.checkB = idleAt;
                c.orderB = ++checkOrder;
            }
        }
        if (c.openA || c.openB) {
            long next = !c.openA ? c.checkB : !c.openB ? c.checkA : Math.min(c.checkA, c.checkB);
            events.schedule(next, () -> idleCheck(c));
        }
    }

    /** {@code node} found its connection to {@code other} idle: it closes for both. */
    private void close(SimNode node, SimNode other) {
        SimNode.Connection removed = node.connections.remove(other.id);
        if (removed != null) {
            removed.closed(node);
        }
        removed = other.connections.remove(node.id);
        if (removed != null) {
            removed.closed(other);
        }
        if (node.online) {
            node.kademlia.onDisconnected(other.id, now());
            drive(node);
        }
        if (other.online) {
            other.kademlia.onDisconnected(node.id, now());
            drive(other);
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

    /**
     * The one-way latency of a message from {@code a} to {@code b}, in nanoseconds: from the region
     * matrix if configured, else uniform between the configured bounds. One draw from the
     * simulation's random source either way.
     */
    private long latencyNanos(SimNode a, SimNode b) {
        if (config.regions().isPresent()) {
            RegionLatency r = config.regions().get();
            return r.latency(r.region(config.seed(), a.index), r.region(config.seed(), b.index), random).toNanos();
        }
        return uniformNanos(random);
    }

    /** A uniform latency between the configured bounds, drawn from {@code random}. */
    Duration latency(Random random) {
        return Duration.ofNanos(uniformNanos(random));
    }

    private long uniformNanos(Random random) {
        long min = minLatencyNanos;
        long max = maxLatencyNanos;
        return min == max ? min : min + (long) (random.nextDouble() * (max - min));
    }

    void schedule(Instant at, Runnable action) {
        events.schedule(at, action);
    }
}
