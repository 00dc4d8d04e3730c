package io.jkad.net;

/**
 * The limits a {@link ResourceManager} enforces, per scope. One memory budget for the whole node;
 * every narrower scope (a peer, a connection, a stream) draws from it, so the node's total is
 * bounded whatever the peers do, and one peer's share is bounded within it.
 *
 * <p>Scopes and what they count:
 * <ul>
 *   <li><b>node</b> ({@code system}): all connections, inbound connections, all buffered bytes;</li>
 *   <li><b>transient</b>: connections still in the handshake (before the remote has authenticated),
 *       node-wide, per source IP and per source subnet (/24 for IPv4, /48 for IPv6);</li>
 *   <li><b>peer</b>: connections, inbound streams and bytes of one authenticated peer, over all
 *       of its connections;</li>
 *   <li><b>connection</b>: bytes buffered for one connection (its streams' included);</li>
 *   <li><b>stream</b>: bytes buffered for one stream;</li>
 *   <li><b>protocol</b>: inbound streams of one protocol, node-wide.</li>
 * </ul>
 *
 * <p>{@link #defaults()} sizes the memory from the heap: a quarter of {@code -Xmx}, at least
 * 32 MiB, for the node; an eighth of that per peer, a thirty-second per connection (at least
 * 1 MiB each), 512 KiB per stream (a Yamux receive window of 256 KiB plus a Kademlia record in
 * reassembly). Counts: 1024 inbound and 2048 connections in all; 256 connections in the handshake,
 * 32 of them from one IP and 128 from one subnet; 8 connections and 512 inbound streams per peer;
 * 4096 inbound streams of one protocol. A 256 MiB heap thus gives a 64 MiB budget, 8 MiB per
 * peer, 2 MiB per connection.
 *
 * @param memoryBytes                 bytes buffered node-wide
 * @param connections                 connections in both directions, node-wide
 * @param inboundConnections          inbound connections, node-wide
 * @param transientConnections        connections in the handshake, node-wide
 * @param transientPerIp              connections in the handshake from one IP address
 * @param transientPerSubnet          connections in the handshake from one /24 (IPv4) or /48 (IPv6)
 * @param connectionsPerPeer          connections to or from one authenticated peer
 * @param inboundStreamsPerPeer       inbound streams of one peer over all its connections
 * @param inboundStreamsPerProtocol   inbound streams of one protocol, node-wide
 * @param memoryPerPeer               bytes buffered for one peer
 * @param memoryPerConnection         bytes buffered for one connection
 * @param memoryPerStream             bytes buffered for one stream
 */
public record ResourceLimits(long memoryBytes, int connections, int inboundConnections, int transientConnections,
                             int transientPerIp, int transientPerSubnet, int connectionsPerPeer,
                             int inboundStreamsPerPeer, int inboundStreamsPerProtocol, long memoryPerPeer,
                             long memoryPerConnection, long memoryPerStream) {

    private static final long MIB = 1024 * 1024;

    /** @throws IllegalArgumentException if a limit is not positive or a narrower memory limit exceeds a wider one */
    public ResourceLimits {
        positive("memoryBytes", memoryBytes);
        positive("connections", connections);
        positive("inboundConnections", inboundConnections);
        positive("transientConnections", transientConnections);
        positive("transientPerIp", transientPerIp);
        positive("transientPerSubnet", transientPerSubnet);
        positive("connectionsPerPeer", connectionsPerPeer);
        positive("inboundStreamsPerPeer", inboundStreamsPerPeer);
        positive("inboundStreamsPerProtocol", inboundStreamsPerProtocol);
        positive("memoryPerPeer", memoryPerPeer);
        positive("memoryPerConnection", memoryPerConnection);
        positive("memoryPerStream", memoryPerStream);
        if (memoryPerPeer > memoryBytes || memoryPerConnection > memoryPerPeer || memoryPerStream > memoryPerConnection) {
            throw new IllegalArgumentException("memory limits must narrow: node " + memoryBytes + " >= peer "
                    + memoryPerPeer + " >= connection " + memoryPerConnection + " >= stream " + memoryPerStream);
        }
    }

    /** The defaults for this JVM's heap (see the class comment). */
    public static ResourceLimits defaults() {
        return forMemory(Math.max(32 * MIB, Runtime.getRuntime().maxMemory() / 4));
    }

    /** The default counts with the memory limits derived from a node budget of {@code memoryBytes}. */
    public static ResourceLimits forMemory(long memoryBytes) {
        long perPeer = Math.max(MIB, memoryBytes / 8);
        long perConnection = Math.max(MIB, memoryBytes / 32);
        return new ResourceLimits(memoryBytes, 2048, 1024, 256, 32, 128, 8, 512, 4096,
                Math.min(perPeer, memoryBytes), Math.min(perConnection, Math.min(perPeer, memoryBytes)),
                Math.min(512 * 1024, Math.min(perConnection, Math.min(perPeer, memoryBytes))));
    }

    /** A copy with another limit on inbound connections (the host's {@code maxInboundConnections}). */
    public ResourceLimits withInboundConnections(int n) {
        return new ResourceLimits(memoryBytes, Math.max(connections, n), n, transientConnections, transientPerIp,
                transientPerSubnet, connectionsPerPeer, inboundStreamsPerPeer, inboundStreamsPerProtocol, memoryPerPeer,
                memoryPerConnection, memoryPerStream);
    }

    /** A copy with other limits on connections in the handshake. */
    public ResourceLimits withTransient(int total, int perIp, int perSubnet) {
        return new ResourceLimits(memoryBytes, connections, inboundConnections, total, perIp, perSubnet,
                connectionsPerPeer, inboundStreamsPerPeer, inboundStreamsPerProtocol, memoryPerPeer,
                memoryPerConnection, memoryPerStream);
    }

    /** A copy with other per-peer limits. */
    public ResourceLimits withPerPeer(int connections, int inboundStreams) {
        return new ResourceLimits(memoryBytes, this.connections, inboundConnections, transientConnections,
                transientPerIp, transientPerSubnet, connections, inboundStreams, inboundStreamsPerProtocol,
                memoryPerPeer, memoryPerConnection, memoryPerStream);
    }

    private static void positive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive: " + value);
        }
    }
}
