package io.jkad.sim;

import io.jkad.identity.PeerId;
import io.jkad.kademlia.Kademlia;
import io.jkad.kademlia.KademliaEvent;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.query.QueryId;
import io.jkad.record.RecordStore;
import io.jkad.routing.Key;
import io.jkad.routing.KeyBytes;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** One node of a {@link SimNetwork}: a real {@link Kademlia} state machine and its simulated links. */
public final class SimNode {
    final int index;
    final PeerId id;
    /** The Kademlia key of {@link #id}, computed once (the oracle sorts all nodes by it). */
    final KeyBytes key;
    final Multiaddr address;
    /** Replaced when the node restarts ({@link SimNetwork#restart}). */
    Kademlia kademlia;
    final RecordStore store;
    boolean online = true;
    boolean adversarial;
    /** A Sybil floods its neighbours with requests while {@link SimNetwork#startSybilFlood} runs. */
    boolean sybil;
    /** Open connections: peer to the connection (its time of last use). */
    final Map<PeerId, Connection> connections = new HashMap<>();
    final Set<PeerId> dialing = new HashSet<>();
    /** Dials this node started (not those joining one under way or finding a connection). */
    long dialsStarted;
    /** Outbound requests waiting for an answer, by simulator request number. */
    final Map<Long, OutboundRequest> outbound = new HashMap<>();
    /**
     * The inbound request waiting for this node's answer, by simulator request number (0: none),
     * and its requester. A request is delivered and answered within one event (the node is driven
     * right after it arrives; one never answered fails at the requester's timeout), so a node has
     * at most one at a time, and only during that event: a slot rather than a map.
     */
    long inboundNumber;
    PeerId inboundSource;

    /** Takes request {@code number} out of the slot; returns its requester, or null if it is not the one waiting. */
    PeerId takeInbound(long number) {
        if (number == 0 || inboundNumber != number) {
            return null;
        }
        PeerId source = inboundSource;
        inboundNumber = 0;
        inboundSource = null;
        return source;
    }
    /** Completed queries: the last result event of each. */
    final Map<QueryId, KademliaEvent.QueryCompleted> completed = new LinkedHashMap<>();
    /** Per running query: the lookup depth of each peer it heard of (1 = from the routing table). */
    final Map<QueryId, QueryTrace> traces = new HashMap<>();
    /** When the node is driven next without input ({@link Kademlia#nextDeadline}); null: not scheduled. */
    Instant wakeUpAt;

    /**
     * An open connection between two nodes, one object in both nodes' maps: when each side last
     * used it (nanoseconds since {@link SimNetwork#EPOCH}), whether each side still has it, and
     * the two sides' idle checks, which one timer event runs (see {@code SimLinks.idleCheck}).
     * Mutable, so that each message updates a field rather than putting a new {@code Instant}
     * into the map.
     */
    static final class Connection {
        /** The dialer and the dialed node. */
        final SimNode a;
        final SimNode b;
        long lastUseA;
        long lastUseB;
        /** Whether {@code a}'s (and {@code b}'s) map holds this connection. */
        boolean openA = true;
        boolean openB = true;
        /** When each side's idle check is due, and the order they were set in (for equal times). */
        long checkA;
        long checkB;
        long orderA;
        long orderB;

        Connection(SimNode a, SimNode b, long now) {
            this.a = a;
            this.b = b;
            this.lastUseA = now;
            this.lastUseB = now;
        }

        /** {@code node} (one of the sides) uses the connection at {@code now}. */
        void use(SimNode node, long now) {
            if (node == a) {
                lastUseA = now;
            } else {
                lastUseB = now;
            }
        }

        /** {@code node}'s map no longer holds this connection. */
        void closed(SimNode node) {
            if (node == a) {
                openA = false;
            } else if (node == b) {
                openB = false;
            }
        }
    }

    record OutboundRequest(PeerId peer, QueryId query, Instant sentAt) {}

    /** Lookup depth bookkeeping of one query. */
    static final class QueryTrace {
        final Map<PeerId, Integer> depth = new HashMap<>();
        int maxContactedDepth;
    }

    SimNode(int index, PeerId id, Multiaddr address, Kademlia kademlia, RecordStore store) {
        this.index = index;
        this.id = id;
        this.key = Key.of(id).bytes();
        this.address = address;
        this.kademlia = kademlia;
        this.store = store;
    }

    /** Dials this node started so far (not those joining one under way or finding a connection). */
    public long dialsStarted() {
        return dialsStarted;
    }

    public int index() {
        return index;
    }

    public PeerId id() {
        return id;
    }

    public Multiaddr address() {
        return address;
    }

    /** The node's state machine; call it only between simulator steps. */
    public Kademlia kademlia() {
        return kademlia;
    }

    public RecordStore store() {
        return store;
    }

    public boolean isOnline() {
        return online;
    }

    public boolean isAdversarial() {
        return adversarial;
    }

    public boolean isSybil() {
        return sybil;
    }

    @Override
    public String toString() {
        return "node" + index + "(" + id + (online ? "" : ", offline") + (adversarial ? ", adversarial" : "")
                + (sybil ? ", sybil" : "") + ")";
    }
}
