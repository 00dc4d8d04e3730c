package io.jkad.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ResourceManagerTest {

    private static final long KIB = 1024;

    private static ResourceLimits small() {
        // node 64 KiB, peer 32 KiB, connection 16 KiB, stream 8 KiB; 4 connections, 2 inbound;
        // 3 in the handshake, 2 per IP, 2 per subnet; 2 connections and 3 inbound streams per peer;
        // 4 inbound streams per protocol.
        return new ResourceLimits(64 * KIB, 4, 2, 3, 2, 2, 2, 3, 4, 32 * KIB, 16 * KIB, 8 * KIB);
    }

    private static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    private static PeerId peer() {
        return PeerId.fromPublicKey(Ed25519KeyPair.generate().publicKey());
    }

    @Test
    void memoryCountsAgainstEveryScopeOfTheChainAndFailsAsAWhole() throws Exception {
        ResourceManager rm = new ResourceManager(small());
        ResourceManager.ConnectionScope c = rm.openConnection(true, ip("10.0.0.1"));
        c.authenticated(peer());
        ResourceManager.StreamScope s = c.openStream(true);
        assertTrue(s.reserveMemory(8 * KIB));
        assertFalse(s.reserveMemory(1), "the stream's 8 KiB are used");
        ResourceLimitException e = assertThrows(ResourceLimitException.class, () -> s.reserveMemoryOrThrow(1));
        assertEquals(ResourceManager.Scope.STREAM, e.scope());
        ResourceManager.StreamScope s2 = c.openStream(true);
        assertTrue(s2.reserveMemory(8 * KIB));
        assertFalse(c.reserveMemory(1), "the connection's 16 KiB are used by its streams");
        assertEquals(16 * KIB, rm.usage().memoryBytes());
        s.releaseMemory(4 * KIB);
        assertEquals(12 * KIB, rm.usage().memoryBytes());
        assertTrue(c.reserveMemory(4 * KIB));
        s.close();
        s2.close();
        assertEquals(4 * KIB, rm.usage().memoryBytes());
        c.close();
        assertEquals(0, rm.usage().memoryBytes());
        assertTrue(rm.refusalCount() >= 3);
    }

    @Test
    void onePeerCannotTakeTheNodesWholeBudget() throws Exception {
        ResourceManager rm = new ResourceManager(small());
        PeerId greedy = peer();
        List<ResourceManager.StreamScope> held = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ResourceManager.ConnectionScope c = rm.openConnection(true, ip("10.0.0." + (i + 1)));
            c.authenticated(greedy);
            assertTrue(c.reserveMemory(16 * KIB));
        }
        assertEquals(32 * KIB, rm.usage().memoryBytes());
        // The peer is at its 32 KiB; a third connection is refused anyway (2 per peer).
        ResourceManager.ConnectionScope third = rm.openConnection(false, ip("10.0.1.1"));
        assertThrows(ResourceLimitException.class, () -> third.authenticated(greedy));
        third.close();
        // Another peer still gets its share.
        ResourceManager.ConnectionScope other = rm.openConnection(false, ip("10.0.2.1"));
        other.authenticated(peer());
        ResourceManager.StreamScope s = other.openStream(false);
        assertTrue(s.reserveMemory(8 * KIB));
        held.add(s);
        assertEquals(40 * KIB, rm.usage().memoryBytes());
    }

    @Test
    void handshakesAreCappedPerIpPerSubnetAndNodeWide() throws Exception {
        ResourceManager rm = new ResourceManager(new ResourceLimits(64 * KIB, 100, 100, 5, 2, 3, 2, 3, 4,
                32 * KIB, 16 * KIB, 8 * KIB));
        ResourceManager.ConnectionScope a1 = rm.openConnection(true, ip("192.0.2.1"));
        rm.openConnection(true, ip("192.0.2.1"));
        ResourceLimitException e = assertThrows(ResourceLimitException.class,
                () -> rm.openConnection(true, ip("192.0.2.1")));
        assertEquals(ResourceManager.Scope.IP, e.scope());
        rm.openConnection(true, ip("192.0.2.2"));
        e = assertThrows(ResourceLimitException.class, () -> rm.openConnection(true, ip("192.0.2.3")));
        assertEquals(ResourceManager.Scope.SUBNET, e.scope());
        // IPv4-mapped IPv6 is the same subnet.
        e = assertThrows(ResourceLimitException.class, () -> rm.openConnection(true, ip("::ffff:192.0.2.9")));
        assertEquals(ResourceManager.Scope.SUBNET, e.scope());
        rm.openConnection(true, ip("198.51.100.1"));
        rm.openConnection(true, ip("2001:db8:1::1"));
        e = assertThrows(ResourceLimitException.class, () -> rm.openConnection(true, ip("2001:db8:2::1")));
        assertEquals(ResourceManager.Scope.TRANSIENT, e.scope());
        assertEquals(5, rm.usage().transientConnections());
        // Authentication frees the handshake slots of the IP.
        a1.authenticated(peer());
        assertEquals(4, rm.usage().transientConnections());
        rm.openConnection(true, ip("192.0.2.1")).authenticated(peer());
        assertEquals(6, rm.usage().connections());
        // Outbound connections are not counted per source (the subnet has its 2 handshakes).
        ResourceManager.ConnectionScope out = rm.openConnection(false, ip("192.0.2.77"));
        out.close();
        assertEquals(6, rm.usage().connections());
    }

    @Test
    void inboundStreamsAreCappedPerPeerAndPerProtocol() throws Exception {
        ResourceManager rm = new ResourceManager(small());
        PeerId p = peer();
        ResourceManager.ConnectionScope c1 = rm.openConnection(true, ip("10.0.0.1"));
        c1.authenticated(p);
        ResourceManager.ConnectionScope c2 = rm.openConnection(true, ip("10.0.0.2"));
        c2.authenticated(p);
        List<ResourceManager.StreamScope> streams = new ArrayList<>();
        streams.add(c1.openStream(true));
        streams.add(c1.openStream(true));
        streams.add(c2.openStream(true));
        ResourceLimitException e = assertThrows(ResourceLimitException.class, () -> c2.openStream(true));
        assertEquals(ResourceManager.Scope.PEER, e.scope());
        c2.openStream(false).close(); // outbound streams are ours to open
        for (ResourceManager.StreamScope s : streams) {
            s.protocol("/ipfs/kad/1.0.0");
        }
        streams.get(0).close();
        ResourceManager.ConnectionScope c3 = rm.openConnection(false, ip("10.0.0.3"));
        c3.authenticated(peer());
        ResourceManager.StreamScope s3 = c3.openStream(true);
        s3.protocol("/ipfs/kad/1.0.0");
        ResourceManager.StreamScope s4 = c3.openStream(true);
        s4.protocol("/ipfs/kad/1.0.0");
        ResourceManager.StreamScope s5 = c3.openStream(true);
        e = assertThrows(ResourceLimitException.class, () -> s5.protocol("/ipfs/kad/1.0.0"));
        assertEquals(ResourceManager.Scope.PROTOCOL, e.scope());
        s5.protocol("/ipfs/ping/1.0.0");
    }

    @Test
    void closingEverythingLeavesNothingCounted() throws Exception {
        ResourceManager rm = new ResourceManager(small());
        PeerId p = peer();
        ResourceManager.ConnectionScope c = rm.openConnection(true, ip("10.0.0.1"));
        assertTrue(c.reserveMemory(KIB)); // handshake buffers, moved to the peer on authentication
        c.authenticated(p);
        ResourceManager.StreamScope s = c.openStream(true);
        s.protocol("/x");
        assertTrue(s.reserveMemory(2 * KIB));
        c.close(); // before the stream, as a dropped socket may do
        s.close();
        s.close();
        c.close();
        assertEquals(new ResourceManager.Usage(0, 0, 0, 0, 0, 0), rm.usage());
        // The peer may connect again with a full allowance.
        for (int i = 0; i < 2; i++) {
            rm.openConnection(true, ip("10.0.0.1")).authenticated(p);
        }
    }

    @Test
    void concurrentReservationsNeverExceedTheBudget() throws Exception {
        ResourceManager rm = new ResourceManager(ResourceLimits.forMemory(4 * 1024 * KIB));
        List<ResourceManager.StreamScope> streams = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ResourceManager.ConnectionScope c = rm.openConnection(false, ip("10.0.0." + (i + 1)));
            c.authenticated(peer());
            streams.add(c.openStream(false));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        long[] peak = new long[1];
        for (ResourceManager.StreamScope s : streams) {
            pool.execute(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 20_000; i++) {
                    if (s.reserveMemory(4 * KIB)) {
                        long used = rm.usage().memoryBytes();
                        synchronized (peak) {
                            peak[0] = Math.max(peak[0], used);
                        }
                        s.releaseMemory(4 * KIB);
                    }
                }
            });
        }
        start.countDown();
        pool.shutdown();
        assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
        assertTrue(peak[0] <= rm.limits().memoryBytes());
        assertEquals(0, rm.usage().memoryBytes());
    }

    @Test
    void defaultsAreSizedFromTheHeap() {
        ResourceLimits l = ResourceLimits.forMemory(64 * 1024 * KIB);
        assertEquals(8 * 1024 * KIB, l.memoryPerPeer());
        assertEquals(2 * 1024 * KIB, l.memoryPerConnection());
        assertEquals(512 * KIB, l.memoryPerStream());
        assertTrue(ResourceLimits.defaults().memoryBytes() >= 32 * 1024 * KIB);
        assertThrows(IllegalArgumentException.class,
                () -> new ResourceLimits(KIB, 1, 1, 1, 1, 1, 1, 1, 1, 2 * KIB, KIB, KIB));
    }
}
