package io.jkad.bench;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.kademlia.Caching;
import io.jkad.kademlia.KademliaConfig;
import io.jkad.kademlia.QueryResult;
import io.jkad.kademlia.Quorum;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.net.KademliaNode;
import io.jkad.net.KademliaNodeConfig;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The honest side of {@link FloodBench}: {@code n} jkad nodes in this JVM (each its own identity,
 * so its own request budget at the target), each doing one operation every {@code interval},
 * alternating a lookup of a random key and a get of a record stored only at the target. Paced,
 * not back to back: at the default 250 ms a peer sends the target 2 FIND_NODE and 2 GET_VALUE a
 * second, a tenth of the per-peer budgets (20 a second after a burst of 100), as a busy honest
 * peer would; an operation slower than the interval delays the next one (closed loop).
 *
 * <p>Success: a lookup completed and the target was among the peers found; a get returned the
 * target's copy (write-back caching is off, so no honest node holds one). Each operation has
 * {@value #OP_TIMEOUT_S} s.
 */
final class HonestLoad implements AutoCloseable {

    static final int OP_TIMEOUT_S = 10;
    static final RecordKey KEY = RecordKey.ofUtf8("/flood-bench/record");

    private final List<KademliaNode> nodes;
    private final FloodTarget target;
    private final Duration interval;

    private HonestLoad(List<KademliaNode> nodes, FloodTarget target, Duration interval) {
        this.nodes = nodes;
        this.target = target;
        this.interval = interval;
    }

    /** Starts the nodes, bootstraps them through the target and stores the record at the target. */
    static HonestLoad start(int n, Duration interval, FloodTarget target) throws Exception {
        List<KademliaNode> nodes = new ArrayList<>();
        HonestLoad load = new HonestLoad(nodes, target, interval);
        try {
            for (int i = 0; i < n; i++) {
                KademliaNode node = KademliaNode.start(KademliaNodeConfig.builder(Ed25519KeyPair.generate())
                        .kademlia(KademliaConfig.builder().caching(Caching.DISABLED).build()).ioThreads(1)
                        .listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).build());
                nodes.add(node);
                node.addAddress(target.id, target.address).get(10, TimeUnit.SECONDS);
                node.bootstrap().get(60, TimeUnit.SECONDS);
            }
            QueryResult.PutRecord put = nodes.get(0).putRecordTo(DhtRecord.of(KEY, "held by the target"
                    .getBytes(StandardCharsets.UTF_8)), List.of(target.id), Quorum.ONE).get(30, TimeUnit.SECONDS);
            if (!put.isOk()) {
                throw new IllegalStateException("the record could not be stored at the target: " + put);
            }
            return load;
        } catch (Exception e) {
            load.close();
            throw e;
        }
    }

    int size() {
        return nodes.size();
    }

    /** Runs the honest operations for {@code length} while sampling the target; what happened. */
    Phase run(String name, Duration length) throws InterruptedException {
        target.resetPeak();
        List<Phase.Op> ops = Collections.synchronizedList(new ArrayList<>());
        AtomicLong maxRss = new AtomicLong();
        AtomicLong maxThreads = new AtomicLong();
        AtomicLong diedAfterMs = new AtomicLong(-1);
        long targetCpu0 = FloodTarget.cpuMillis(target.pid());
        long benchCpu0 = FloodTarget.cpuMillis(ProcessHandle.current().pid());
        long start = System.nanoTime();
        long end = start + length.toNanos();
        Thread sampler = new Thread(() -> {
            while (System.nanoTime() < end) {
                maxRss.accumulateAndGet(target.status("VmRSS"), Math::max);
                maxThreads.accumulateAndGet(target.status("Threads"), Math::max);
                if (!target.isAlive() && diedAfterMs.get() < 0) {
                    diedAfterMs.set((System.nanoTime() - start) / 1_000_000);
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "target-sampler");
        sampler.start();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            KademliaNode node = nodes.get(i);
            Random random = new Random(i);
            long offset = interval.toNanos() * i / nodes.size(); // the peers spread over the interval
            Thread t = new Thread(() -> paced(node, random, start + offset, end, ops), "honest-" + i);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        sampler.join();
        double seconds = (System.nanoTime() - start) / 1e9;
        long targetCpu = FloodTarget.cpuMillis(target.pid()) - targetCpu0;
        long benchCpu = FloodTarget.cpuMillis(ProcessHandle.current().pid()) - benchCpu0;
        return new Phase(name, List.copyOf(ops), target.status("VmHWM"), maxRss.get(), maxThreads.get(), length,
                diedAfterMs.get(), Math.round(targetCpu / seconds / 10), Math.round(benchCpu / seconds / 10));
    }

    private void paced(KademliaNode node, Random random, long first, long end, List<Phase.Op> ops) {
        long next = first;
        boolean lookup = random.nextBoolean();
        while (true) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(wait);
                } catch (InterruptedException e) {
                    return;
                }
            }
            long t0 = System.nanoTime();
            if (t0 >= end) {
                return;
            }
            boolean ok = lookup ? lookup(node, random) : get(node);
            ops.add(new Phase.Op(lookup, ok, System.nanoTime() - t0));
            lookup = !lookup;
            next = Math.max(next + interval.toNanos(), System.nanoTime());
        }
    }

    private boolean lookup(KademliaNode node, Random random) {
        byte[] k = new byte[16];
        random.nextBytes(k);
        try {
            QueryResult.GetClosestPeers r = node.getClosestPeers(RecordKey.of(k)).get(OP_TIMEOUT_S, TimeUnit.SECONDS);
            return r.isOk() && r.peers().contains(target.id);
        } catch (Exception e) {
            return false;
        }
    }

    private boolean get(KademliaNode node) {
        try {
            // the target's copy counts, not one held elsewhere
            return node.getRecord(KEY, Quorum.ONE).get(OP_TIMEOUT_S, TimeUnit.SECONDS)
                    instanceof QueryResult.GetRecord.Ok r
                    && r.records().stream().anyMatch(p -> p.peer().equals(Optional.of(target.id)));
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public void close() {
        for (KademliaNode n : nodes) {
            n.close();
        }
    }
}
