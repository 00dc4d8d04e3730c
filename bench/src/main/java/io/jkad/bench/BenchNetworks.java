package io.jkad.bench;

import io.jkad.bench.NetworkBench.Network;
import io.jkad.bench.NetworkBench.Row;
import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.interop.PeerCommands;
import io.jkad.interop.InteropPeer;
import io.jkad.interop.PeerException;
import io.jkad.kademlia.KademliaConfig;
import io.jkad.kademlia.QueryResult;
import io.jkad.kademlia.Quorum;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.net.KademliaNode;
import io.jkad.net.KademliaNodeConfig;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.StoreConfig;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The networks {@link NetworkBench} runs its workload on: N nodes of a js-, go- or rust-libp2p
 * peer process ({@link InteropPeer}), or N jkad nodes in this JVM on the memory store, each started
 * and joined in batches of 8 the way {@code kad devnet} joins its nodes.
 */
final class BenchNetworks {

    private static final int BATCH = 8;

    private BenchNetworks() {}

    // ---- start-up ---------------------------------------------------------------------------

    /**
     * Joins nodes 1..n-1 in batches of 8: each through a random node that joined before, then its
     * own lookup; waits for each batch. {@code join(node, via)} does both steps for one node.
     */
    private interface Join {
        void join(int node, int via) throws Exception;
    }

    private static void joinInBatches(int n, long seed, Join join) throws Exception {
        Random rnd = new Random(seed);
        ExecutorService pool = Executors.newFixedThreadPool(BATCH);
        try {
            int joined = 1;
            while (joined < n) {
                int end = Math.min(n, joined + BATCH);
                List<Future<Object>> batch = new ArrayList<>();
                for (int i = joined; i < end; i++) {
                    int node = i;
                    int via = rnd.nextInt(joined);
                    batch.add(pool.submit((Callable<Object>) () -> {
                        join.join(node, via);
                        return null;
                    }));
                }
                for (Future<Object> f : batch) {
                    try {
                        f.get(NetworkBench.OP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                    } catch (ExecutionException e) {
                        throw new IllegalStateException("joining the network failed: " + e.getCause(), e.getCause());
                    }
                }
                joined = end;
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** How each kind is named in the tables. */
    static final Map<InteropPeer.Kind, String> NAMES = Map.of(InteropPeer.Kind.JS, "js-libp2p",
            InteropPeer.Kind.GO, "go-libp2p-kad-dht", InteropPeer.Kind.RUST, "rust-libp2p");

    static Network startPeer(InteropPeer.Kind kind, int n, long seed, Row row) throws Exception {
        long t0 = System.nanoTime();
        InteropPeer peer = InteropPeer.start(InteropPeer.options(kind).nodes(n).seed(1000 + seed * 1000).timeout(NetworkBench.OP_TIMEOUT));
        row.processMs = (System.nanoTime() - t0) / 1_000_000;
        List<PeerCommands> nodes = peer.nodes();
        try {
            joinInBatches(n, seed, (node, via) -> {
                PeerCommands c = nodes.get(node);
                String viaId = nodes.get(via).peerId();
                c.dial(nodes.get(via).dialAddr());
                // js takes a peer into its routing table only after Identify and a ping, go after
                // Identify and a FIND_NODE, rust after Identify: wait for it (jkad's bootstrap starts
                // from its routing table, which addAddress filled at once).
                long deadline = System.nanoTime() + NetworkBench.OP_TIMEOUT.toNanos();
                while (!c.routingTable().contains(viaId)) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(c.peerId() + " never took " + viaId + " into its routing table");
                    }
                    Thread.sleep(5);
                }
                c.getClosestPeers(PeerId.parse(c.peerId()).toBytes());
            });
        } catch (Exception e) {
            peer.close();
            throw e;
        }
        row.startMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf(Locale.ROOT, "  %s: %d nodes started and joined in %d ms (the process was ready after %d ms)%n",
                row.name, n, row.startMs, row.processMs);
        return new Network() {
            @Override
            public String name() {
                return row.name;
            }

            @Override
            public int size() {
                return n;
            }

            @Override
            public String peerId(int node) {
                return nodes.get(node).peerId();
            }

            @Override
            public boolean put(int node, byte[] key, byte[] value) {
                return !nodes.get(node).put(key, value).storedAt().isEmpty();
            }

            @Override
            public boolean get(int node, byte[] key, byte[] value) {
                try {
                    return Arrays.equals(nodes.get(node).get(key).value(), value);
                } catch (PeerException e) {
                    if (e.isNotFound()) {
                        return false;
                    }
                    throw e;
                }
            }

            @Override
            public boolean provide(int node, byte[] multihash) {
                return !nodes.get(node).provide(multihash).sentTo().isEmpty();
            }

            @Override
            public boolean findProviders(int node, byte[] multihash, String provider) {
                return nodes.get(node).findProviders(multihash).stream().anyMatch(p -> p.peerId().equals(provider));
            }

            @Override
            public void close() {
                peer.close();
            }
        };
    }

    static Network startJkad(int n, long seed, int putQuorum, int getQuorum, Row row) throws Exception {
        long t0 = System.nanoTime();
        List<KademliaNode> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                Ed25519KeyPair identity = Ed25519KeyPair.fromSeed(NetworkBench.sha256(("jkad-bench-" + seed + "-" + i)
                        .getBytes(StandardCharsets.UTF_8)));
                nodes.add(KademliaNode.start(KademliaNodeConfig.builder(identity)
                        .listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0"))
                        .kademlia(KademliaConfig.defaults())
                        .randomSeed(seed * 1_000_003L + i)
                        .ioThreads(1)
                        .openStore("memory", StoreConfig.defaults(identity.peerId()))
                        .build()));
            }
            joinInBatches(n, seed, (node, via) -> {
                KademliaNode k = nodes.get(node);
                KademliaNode v = nodes.get(via);
                await(k.addAddress(v.peerId(), v.listenAddresses().get(0)));
                QueryResult.Bootstrap b = await(k.bootstrap());
                if (!b.isOk()) {
                    throw new IllegalStateException("bootstrap of node " + node + " failed: " + b);
                }
            });
        } catch (Exception e) {
            nodes.forEach(KademliaNode::close);
            throw e;
        }
        row.startMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf(Locale.ROOT, "  %s: %d nodes started and joined in %d ms%n", row.name, n, row.startMs);
        Quorum pq = putQuorum == 1 ? Quorum.ONE : Quorum.of(putQuorum);
        Quorum gq = getQuorum == 1 ? Quorum.ONE : Quorum.of(getQuorum);
        return new Network() {
            @Override
            public String name() {
                return row.name;
            }

            @Override
            public int size() {
                return n;
            }

            @Override
            public String peerId(int node) {
                return nodes.get(node).peerId().toString();
            }

            @Override
            public boolean put(int node, byte[] key, byte[] value) throws Exception {
                return await(nodes.get(node).putRecord(DhtRecord.of(RecordKey.of(key), value), pq)).isOk();
            }

            @Override
            public boolean get(int node, byte[] key, byte[] value) throws Exception {
                return await(nodes.get(node).getRecord(RecordKey.of(key), gq)) instanceof QueryResult.GetRecord.Ok ok
                        && ok.records().stream().anyMatch(r -> Arrays.equals(r.record().value(), value));
            }

            @Override
            public boolean provide(int node, byte[] multihash) throws Exception {
                return await(nodes.get(node).startProviding(RecordKey.of(multihash))).isOk();
            }

            @Override
            public boolean findProviders(int node, byte[] multihash, String provider) throws Exception {
                return await(nodes.get(node).getProviders(RecordKey.of(multihash))).providers()
                        .contains(PeerId.parse(provider));
            }

            @Override
            public void close() {
                nodes.forEach(KademliaNode::close);
            }
        };
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> f) throws Exception {
        try {
            return f.get(NetworkBench.OP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception c ? c : e;
        } catch (TimeoutException e) {
            throw new IllegalStateException("not done within " + NetworkBench.OP_TIMEOUT, e);
        }
    }
}
