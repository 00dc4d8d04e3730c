package io.jkad.sim;

import io.jkad.kademlia.InboundRequestId;
import io.jkad.protocol.ConnectionType;
import io.jkad.protocol.KadPeer;
import io.jkad.protocol.KadRequest;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.jkad.routing.Key;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The Sybils of a {@link SimNetwork} and their flood ({@link SimNetwork.SybilFlood}). They draw
 * from a random source of their own, so that a run without a flood is the same as before Sybils
 * existed, and the honest traffic of a run with one draws the same latencies as without.
 */
final class SybilFlooder {
    private final EventQueue events;
    private final Random random;
    /** The latency of one message, drawn from the given source. */
    private final Function<Random, Duration> latency;
    /** Drives a node's state machine after it received a request. */
    private final Consumer<SimNode> drive;
    private SimNetwork.SybilFlood flood;
    private long floodNumbers;
    private long floodRequests;

    SybilFlooder(long seed, EventQueue events, Function<Random, Duration> latency, Consumer<SimNode> drive) {
        this.random = new Random(seed ^ 0x5B1B5B1B5B1B5B1BL);
        this.events = events;
        this.latency = latency;
        this.drive = drive;
    }

    /** Marks {@code count} of the {@code candidates} (not Sybils yet) as Sybils. */
    List<SimNode> makeSybils(int count, List<SimNode> candidates) {
        candidates.removeIf(n -> n.sybil);
        List<SimNode> chosen = new ArrayList<>();
        for (int i = 0; i < count && !candidates.isEmpty(); i++) {
            SimNode n = candidates.remove(random.nextInt(candidates.size()));
            n.sybil = true;
            chosen.add(n);
        }
        return chosen;
    }

    /** Starts the flood of the Sybils among {@code nodes} (replacing a running one). */
    void start(SimNetwork.SybilFlood flood, Collection<SimNode> nodes, Function<io.jkad.identity.PeerId, SimNode> byId) {
        this.flood = Objects.requireNonNull(flood, "flood");
        for (SimNode n : nodes) {
            if (n.sybil) {
                List<SimNode> targets = new ArrayList<>();
                for (var e : n.kademlia.closestPeers(Key.of(n.id).bytes(), flood.neighbours())) {
                    SimNode t = byId.apply(e.node().key().preimage());
                    if (t != null) {
                        targets.add(t);
                    }
                }
                SimNetwork.SybilFlood current = flood;
                events.schedule(events.now(), () -> tick(n, targets, current));
            }
        }
    }

    void stop() {
        this.flood = null;
    }

    long requests() {
        return floodRequests;
    }

    private void tick(SimNode sybil, List<SimNode> targets, SimNetwork.SybilFlood current) {
        if (flood != current || !sybil.sybil) {
            return;
        }
        if (sybil.online) {
            for (SimNode to : targets) {
                for (KadRequest request : requests(sybil)) {
                    long number = -(++floodNumbers);
                    floodRequests++;
                    events.schedule(events.now().plus(latency.apply(random)), () -> {
                        if (to.online) {
                            // Not registered as awaiting an answer: the answer (or reset) goes nowhere.
                            to.kademlia.onRequest(sybil.id, new InboundRequestId(number), request, events.now());
                            drive.accept(to);
                        }
                    });
                }
            }
        }
        events.schedule(events.now().plus(current.interval()), () -> tick(sybil, targets, current));
    }

    private List<KadRequest> requests(SimNode sybil) {
        byte[] key = new byte[32];
        random.nextBytes(key);
        RecordKey k = RecordKey.of(key);
        return List.of(new KadRequest.FindNode(k), new KadRequest.GetValue(k),
                new KadRequest.PutValue(DhtRecord.of(k, new byte[] {1})), new KadRequest.GetProviders(k),
                new KadRequest.AddProvider(k, new KadPeer(sybil.id, List.of(sybil.address), ConnectionType.CONNECTED)),
                new KadRequest.Ping());
    }
}
