package io.jkad.net;

import io.jkad.identity.PeerId;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Bounds what peers can make the node hold: connections, streams and buffered bytes, per scope,
 * against one memory budget for the node (see {@link ResourceLimits} for the scopes and the
 * defaults). In the spirit of go-libp2p's resource manager, smaller: every connection gets a
 * {@link ConnectionScope} when it is accepted or dialled, moves from the transient scope to its
 * peer's scope when the remote authenticates, and every stream gets a {@link StreamScope} from its
 * connection. Memory is reserved before bytes are buffered and released when they are consumed; a
 * reservation counts against the stream, its connection, its peer and the node at once, and fails
 * as a whole if any of them is full.
 *
 * <p>Thread-safe without a lock: counts are atomics, reserved with compare-and-set along the scope
 * chain and rolled back when a wider scope refuses; per-peer, per-IP and per-protocol entries are
 * created on first use and removed when they count nothing. Every refusal is counted by scope and
 * resource ({@link #refusals()}) for the metrics.
 *
 * <p>Why one class of this length: its scopes (node, transient, IP, subnet, peer, connection, stream,
 * protocol) reserve along one chain and roll back together; the limits themselves are
 * {@link ResourceLimits}'.
 */
public final class ResourceManager {

    /** The scopes of {@link ResourceLimits}. */
    public enum Scope {
        NODE, TRANSIENT, IP, SUBNET, PEER, CONNECTION, STREAM, PROTOCOL;

        String label() {
            return name().toLowerCase();
        }
    }

    /** What a scope counts. */
    public enum Resource {
        CONNECTIONS, INBOUND_CONNECTIONS, INBOUND_STREAMS, MEMORY;

        String label() {
            return name().toLowerCase().replace('_', ' ');
        }
    }

    /** A point-in-time reading of the node-wide counts. */
    public record Usage(long memoryBytes, int connections, int inboundConnections, int transientConnections,
                        int peers, int inboundStreams) {
    }

    private final ResourceLimits limits;
    private final Memory nodeMemory;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger inboundConnections = new AtomicInteger();
    private final AtomicInteger transientConnections = new AtomicInteger();
    private final AtomicInteger inboundStreams = new AtomicInteger();
    private final Map<InetAddress, AtomicInteger> transientByIp = new ConcurrentHashMap<>();
    private final Map<Subnet, AtomicInteger> transientBySubnet = new ConcurrentHashMap<>();
    private final Map<PeerId, PeerScope> peers = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> protocolStreams = new ConcurrentHashMap<>();
    private final Map<Scope, Map<Resource, LongAdder>> refusals = new EnumMap<>(Scope.class);

    public ResourceManager(ResourceLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.nodeMemory = new Memory(Scope.NODE, limits.memoryBytes(), null);
        for (Scope s : Scope.values()) {
            Map<Resource, LongAdder> byResource = new EnumMap<>(Resource.class);
            for (Resource r : Resource.values()) {
                byResource.put(r, new LongAdder());
            }
            refusals.put(s, byResource);
        }
    }

    /** A manager that refuses nothing (for a session made outside a host, as in tests). */
    public static ResourceManager unlimited() {
        long max = Long.MAX_VALUE / 4;
        int n = Integer.MAX_VALUE;
        return new ResourceManager(new ResourceLimits(max, n, n, n, n, n, n, n, n, max, max, max));
    }

    /** An authenticated-like connection scope of an {@link #unlimited} manager. */
    ConnectionScope unlimitedConnection() {
        ConnectionScope scope = new ConnectionScope(false, InetAddress.getLoopbackAddress());
        connections.incrementAndGet();
        return scope;
    }

    public ResourceLimits limits() {
        return limits;
    }

    /** The node-wide counts now. */
    public Usage usage() {
        return new Usage(nodeMemory.used.get(), connections.get(), inboundConnections.get(), transientConnections.get(),
                peers.size(), inboundStreams.get());
    }

    /** Refusals so far, by scope and resource (zero counts left out). */
    public Map<Scope, Map<Resource, Long>> refusals() {
        Map<Scope, Map<Resource, Long>> out = new EnumMap<>(Scope.class);
        refusals.forEach((scope, byResource) -> byResource.forEach((resource, n) -> {
            long v = n.sum();
            if (v > 0) {
                out.computeIfAbsent(scope, s -> new EnumMap<>(Resource.class)).put(resource, v);
            }
        }));
        return out;
    }

    /** Total refusals so far. */
    public long refusalCount() {
        long total = 0;
        for (Map<Resource, LongAdder> byResource : refusals.values()) {
            for (LongAdder n : byResource.values()) {
                total += n.sum();
            }
        }
        return total;
    }

    /**
     * Admits a new connection in the handshake: counts it node-wide, as transient, and against its
     * source IP and subnet (for inbound ones).
     *
     * @param remote the remote IP address (for an inbound connection, the source)
     * @throws ResourceLimitException if any of those is full; nothing is counted then
     */
    public ConnectionScope openConnection(boolean inbound, InetAddress remote) throws ResourceLimitException {
        Objects.requireNonNull(remote, "remote");
        if (!increment(connections, limits.connections())) {
            throw refused(Scope.NODE, Resource.CONNECTIONS, limits.connections(), "");
        }
        if (inbound && !increment(inboundConnections, limits.inboundConnections())) {
            connections.decrementAndGet();
            throw refused(Scope.NODE, Resource.INBOUND_CONNECTIONS, limits.inboundConnections(), "");
        }
        ConnectionScope scope = new ConnectionScope(inbound, remote);
        try {
            scope.enterTransient();
        } catch (ResourceLimitException e) {
            connections.decrementAndGet();
            if (inbound) {
                inboundConnections.decrementAndGet();
            }
            throw e;
        }
        return scope;
    }

    private ResourceLimitException refused(Scope scope, Resource resource, long limit, String detail) {
        refusals.get(scope).get(resource).increment();
        return new ResourceLimitException(scope, resource, limit, detail);
    }

    private static boolean increment(AtomicInteger counter, int limit) {
        while (true) {
            int n = counter.get();
            if (n >= limit) {
                return false;
            }
            if (counter.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    private static <K> boolean incrementKeyed(Map<K, AtomicInteger> map, K key, int limit) {
        boolean[] ok = {false};
        map.compute(key, (k, n) -> {
            AtomicInteger count = n == null ? new AtomicInteger() : n;
            if (count.get() < limit) {
                count.incrementAndGet();
                ok[0] = true;
            }
            return count.get() == 0 ? null : count;
        });
        return ok[0];
    }

    private static <K> void decrementKeyed(Map<K, AtomicInteger> map, K key) {
        map.computeIfPresent(key, (k, n) -> n.decrementAndGet() <= 0 ? null : n);
    }

    /** The /24 of an IPv4 address, the /48 of an IPv6 one (IPv4-mapped IPv6 addresses count as IPv4). */
    static Subnet subnetOf(InetAddress address) {
        byte[] raw = address.getAddress();
        if (address instanceof Inet6Address && isIpv4Mapped(raw)) {
            raw = Arrays.copyOfRange(raw, 12, 16);
        }
        return new Subnet(Arrays.copyOf(raw, raw.length == 4 ? 3 : 6));
    }

    private static boolean isIpv4Mapped(byte[] raw) {
        for (int i = 0; i < 10; i++) {
            if (raw[i] != 0) {
                return false;
            }
        }
        return raw[10] == (byte) 0xff && raw[11] == (byte) 0xff;
    }

    /** A subnet prefix as a map key. */
    record Subnet(byte[] prefix) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Subnet s && Arrays.equals(prefix, s.prefix);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(prefix);
        }

        @Override
        public String toString() {
            return prefix.length == 3 ? (prefix[0] & 0xff) + "." + (prefix[1] & 0xff) + "." + (prefix[2] & 0xff) + ".0/24"
                    : "ipv6/48 " + java.util.HexFormat.of().formatHex(prefix);
        }
    }

    /**
     * A memory counter with a limit and a wider counter it also counts against (null for the node).
     */
    private final class Memory {
        final Scope scope;
        final long limit;
        final AtomicLong used = new AtomicLong();
        volatile Memory parent;

        Memory(Scope scope, long limit, Memory parent) {
            this.scope = scope;
            this.limit = limit;
            this.parent = parent;
        }

        /** Reserves along the chain; on a refusal rolls back what it reserved and says which scope refused. */
        Scope tryReserve(long n) {
            for (Memory m = this; m != null; m = m.parent) {
                if (!m.tryAdd(n)) {
                    for (Memory r = this; r != m; r = r.parent) {
                        r.used.addAndGet(-n);
                    }
                    refusals.get(m.scope).get(Resource.MEMORY).increment();
                    return m.scope;
                }
            }
            return null;
        }

        private boolean tryAdd(long n) {
            while (true) {
                long u = used.get();
                if (u + n > limit) {
                    return false;
                }
                if (used.compareAndSet(u, u + n)) {
                    return true;
                }
            }
        }

        void release(long n) {
            for (Memory m = this; m != null; m = m.parent) {
                m.used.addAndGet(-n);
            }
        }
    }

    /** One authenticated peer's counts, shared by its connections; gone when it counts nothing. */
    private final class PeerScope {
        final Memory memory = new Memory(Scope.PEER, limits.memoryPerPeer(), nodeMemory);
        int connections; // guarded by the peers map's compute
        final AtomicInteger inboundStreams = new AtomicInteger();
    }

    /**
     * The resources of one connection. Created by {@link #openConnection}; {@link #authenticated}
     * when the handshake names the remote; {@link #close} (idempotent) releases everything it and
     * its streams still hold.
     */
    public final class ConnectionScope {
        private final boolean inbound;
        private final InetAddress remote;
        private final Subnet subnet;
        private final Memory memory = new Memory(Scope.CONNECTION, limits.memoryPerConnection(), nodeMemory);
        private final AtomicBoolean closed = new AtomicBoolean();
        private final AtomicInteger streams = new AtomicInteger();
        private volatile boolean isTransient;
        private volatile PeerId peer;

        private ConnectionScope(boolean inbound, InetAddress remote) {
            this.inbound = inbound;
            this.remote = remote;
            this.subnet = subnetOf(remote);
        }

        private void enterTransient() throws ResourceLimitException {
            if (!increment(transientConnections, limits.transientConnections())) {
                throw refused(Scope.TRANSIENT, Resource.CONNECTIONS, limits.transientConnections(), "");
            }
            if (inbound) {
                if (!incrementKeyed(transientByIp, remote, limits.transientPerIp())) {
                    transientConnections.decrementAndGet();
                    throw refused(Scope.IP, Resource.CONNECTIONS, limits.transientPerIp(), remote.getHostAddress());
                }
                if (!incrementKeyed(transientBySubnet, subnet, limits.transientPerSubnet())) {
                    transientConnections.decrementAndGet();
                    decrementKeyed(transientByIp, remote);
                    throw refused(Scope.SUBNET, Resource.CONNECTIONS, limits.transientPerSubnet(), subnet.toString());
                }
            }
            isTransient = true;
        }

        private void leaveTransient() {
            if (isTransient) {
                isTransient = false;
                transientConnections.decrementAndGet();
                if (inbound) {
                    decrementKeyed(transientByIp, remote);
                    decrementKeyed(transientBySubnet, subnet);
                }
            }
        }

        public boolean isInbound() {
            return inbound;
        }

        /** The authenticated remote, or null while in the handshake. */
        public PeerId peer() {
            return peer;
        }

        /** Bytes reserved for this connection and its streams now. */
        public long memoryUsed() {
            return memory.used.get();
        }

        /**
         * The handshake named the remote: the connection leaves the transient scope and counts
         * against its peer from now on.
         *
         * @throws ResourceLimitException if the peer has its most connections already (the
         *     connection stays transient; close it)
         */
        public void authenticated(PeerId remotePeer) throws ResourceLimitException {
            Objects.requireNonNull(remotePeer, "remotePeer");
            if (closed.get() || peer != null) {
                throw new IllegalStateException("connection scope is " + (closed.get() ? "closed" : "authenticated already"));
            }
            boolean[] ok = {false};
            peers.compute(remotePeer, (p, s) -> {
                PeerScope scope = s == null ? new PeerScope() : s;
                if (scope.connections < limits.connectionsPerPeer()) {
                    scope.connections++;
                    ok[0] = true;
                }
                return scope.connections == 0 ? null : scope;
            });
            if (!ok[0]) {
                throw refused(Scope.PEER, Resource.CONNECTIONS, limits.connectionsPerPeer(), remotePeer.toString());
            }
            PeerScope scope = peers.get(remotePeer);
            // What the handshake buffered so far moves to the peer, unchecked: it is small and already held.
            synchronized (this) {
                long held = memory.used.get();
                scope.memory.used.addAndGet(held); // the node counted it already
                memory.parent = scope.memory;
            }
            peer = remotePeer;
            leaveTransient();
        }

        /**
         * Reserves bytes for this connection (not for one stream: handshake and framing buffers,
         * pending writes).
         *
         * @return false, reserving nothing, if this connection, its peer or the node is full
         */
        public boolean reserveMemory(long bytes) {
            return reserve(memory, bytes) == null;
        }

        /** Releases bytes reserved with {@link #reserveMemory}. */
        public void releaseMemory(long bytes) {
            release(memory, bytes);
        }

        /**
         * Admits a stream on this connection; an inbound one counts against the peer's inbound
         * streams and the node's.
         *
         * @throws ResourceLimitException if a limit is reached; nothing is counted then
         */
        public StreamScope openStream(boolean inboundStream) throws ResourceLimitException {
            if (closed.get()) {
                throw new IllegalStateException("connection scope is closed");
            }
            if (inboundStream) {
                PeerId p = peer;
                PeerScope ps = p == null ? null : peers.get(p);
                if (ps != null && !increment(ps.inboundStreams, limits.inboundStreamsPerPeer())) {
                    throw refused(Scope.PEER, Resource.INBOUND_STREAMS, limits.inboundStreamsPerPeer(), p.toString());
                }
                inboundStreams.incrementAndGet();
                streams.incrementAndGet();
                return new StreamScope(this, ps, true);
            }
            streams.incrementAndGet();
            return new StreamScope(this, null, false);
        }

        /** Releases everything this connection holds; its streams should be closed first (idempotent). */
        public void close() {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            leaveTransient();
            long held;
            synchronized (this) {
                held = memory.used.getAndSet(0);
                Memory parent = memory.parent;
                if (parent != null) {
                    parent.release(held);
                }
            }
            connections.decrementAndGet();
            if (inbound) {
                inboundConnections.decrementAndGet();
            }
            PeerId p = peer;
            if (p != null) {
                peers.computeIfPresent(p, (id, s) -> --s.connections <= 0 && s.inboundStreams.get() <= 0 ? null : s);
            }
        }

        private Scope reserve(Memory m, long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("bytes must be >= 0: " + bytes);
            }
            if (closed.get()) {
                return Scope.CONNECTION;
            }
            synchronized (this) { // against the move to the peer scope
                return m.tryReserve(bytes);
            }
        }

        private void release(Memory m, long bytes) {
            synchronized (this) {
                long n = Math.min(bytes, m.used.get());
                if (!closed.get()) {
                    m.release(n);
                } else if (m != memory) {
                    m.used.addAndGet(-n); // the connection gave its wider scopes back when it closed
                }
            }
        }

        @Override
        public String toString() {
            return "connection " + (inbound ? "from " : "to ") + remote.getHostAddress()
                    + (peer == null ? " (handshake)" : " " + peer);
        }
    }

    /**
     * The resources of one stream: an inbound stream's count (and its protocol's, once known) and
     * the bytes buffered for it. {@link #close} (idempotent) releases them.
     */
    public final class StreamScope {
        private final ConnectionScope connection;
        private final PeerScope peer;
        private final boolean inbound;
        private final Memory memory;
        private final AtomicBoolean closed = new AtomicBoolean();
        private volatile String protocol;

        private StreamScope(ConnectionScope connection, PeerScope peer, boolean inbound) {
            this.connection = connection;
            this.peer = peer;
            this.inbound = inbound;
            this.memory = new Memory(Scope.STREAM, limits.memoryPerStream(), connection.memory);
        }

        /**
         * Names the stream's protocol; an inbound stream counts against the protocol's node-wide
         * limit from now on.
         *
         * @throws ResourceLimitException if the protocol has its most inbound streams
         */
        public void protocol(String id) throws ResourceLimitException {
            Objects.requireNonNull(id, "id");
            if (protocol != null) {
                throw new IllegalStateException("protocol set already: " + protocol);
            }
            if (inbound && !incrementKeyed(protocolStreams, id, limits.inboundStreamsPerProtocol())) {
                throw refused(Scope.PROTOCOL, Resource.INBOUND_STREAMS, limits.inboundStreamsPerProtocol(), id);
            }
            protocol = id;
        }

        /** Bytes reserved for this stream now. */
        public long memoryUsed() {
            return memory.used.get();
        }

        /**
         * Reserves bytes about to be buffered for this stream.
         *
         * @return false, reserving nothing, if the stream, its connection, its peer or the node is full
         */
        public boolean reserveMemory(long bytes) {
            if (closed.get()) {
                return false;
            }
            return connection.reserve(memory, bytes) == null;
        }

        /**
         * Like {@link #reserveMemory} but says which scope refused.
         *
         * @throws ResourceLimitException naming the full scope
         */
        public void reserveMemoryOrThrow(long bytes) throws ResourceLimitException {
            Scope full = closed.get() ? Scope.STREAM : connection.reserve(memory, bytes);
            if (full != null) {
                long limit = switch (full) {
                    case STREAM -> limits.memoryPerStream();
                    case CONNECTION -> limits.memoryPerConnection();
                    case PEER -> limits.memoryPerPeer();
                    default -> limits.memoryBytes();
                };
                throw new ResourceLimitException(full, Resource.MEMORY, limit, bytes + " more bytes");
            }
        }

        /** Releases bytes reserved with {@link #reserveMemory} (at most what is held). */
        public void releaseMemory(long bytes) {
            connection.release(memory, bytes);
        }

        /** Releases the stream's count and all its bytes (idempotent). */
        public void close() {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            connection.release(memory, Long.MAX_VALUE);
            connection.streams.decrementAndGet();
            if (inbound) {
                inboundStreams.decrementAndGet();
                if (peer != null) {
                    peer.inboundStreams.decrementAndGet();
                    PeerId id = connection.peer;
                    // The last stream of a peer whose connections are gone takes its entry along.
                    peers.computeIfPresent(id, (k, s) -> s == peer && s.connections <= 0 && s.inboundStreams.get() <= 0 ? null : s);
                }
                String p = protocol;
                if (p != null) {
                    decrementKeyed(protocolStreams, p);
                }
            }
        }
    }
}
