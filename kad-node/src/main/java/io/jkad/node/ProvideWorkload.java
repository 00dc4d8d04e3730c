package io.jkad.node;

import io.jkad.kademlia.KademliaEvent;
import io.jkad.kademlia.ReprovideReport;
import io.jkad.kademlia.ReprovideStatus;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.routing.KeyBytes;
import io.jkad.sim.SimNetwork;
import io.jkad.sim.SimNode;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * {@code kad sim --provide-keys N}: one node provides N keys (stored as provided, as by an earlier
 * run) and its reprovide sweep announces them in one cycle; what that costs is compared with what
 * announcing the same keys key by key costs (a lookup and k ADD_PROVIDERs per key, measured on a
 * sample of keys another node provides), and the coverage is measured: the fraction of keys of which
 * at least 15 of their 20 closest live nodes hold the record (on a sample of up to
 * {@value #COVERAGE_SAMPLE} keys). With churn, a fraction of the nodes leaves after the first
 * cycle and as many new ones join, and the coverage is measured after a second.
 */
final class ProvideWorkload {
    /** The sim's reprovide interval: one cycle (virtual time). */
    static final Duration INTERVAL = Duration.ofMinutes(30);
    /** The keys whose coverage is measured (a sample: each costs a sort of the network). */
    static final int COVERAGE_SAMPLE = 2000;
    /** The keys announced key by key, to measure what that costs. */
    static final int PER_KEY_SAMPLE = 200;
    /** The lookups that fill the provider's network size estimate first (a node that has run a while). */
    static final int WARM_UP_LOOKUPS = 64;

    private final SimNetwork net;
    private final PrintStream human;
    private final int k;

    ProvideWorkload(SimNetwork net, PrintStream human, int k) {
        this.net = net;
        this.human = human;
        this.k = k;
    }

    /** Runs the workload; its figures, for the JSON line. */
    Map<String, Object> run(SimNode provider, SimNode perKeyNode, int keys, double churn, int batch) {
        Random rnd = new Random(net.random().nextLong());
        for (int i = 0; i < WARM_UP_LOOKUPS; i++) {
            byte[] target = new byte[32];
            rnd.nextBytes(target);
            net.run(provider, kd -> kd.getClosestPeers(RecordKey.of(target)), Duration.ofMinutes(5));
        }

        // key by key: what the per-key job spends on each key, on a sample another node provides
        int sample = Math.min(PER_KEY_SAMPLE, keys);
        long perKeyRequests = 0;
        Progress progress = new Progress(human, "per-key sample", sample);
        for (int i = 0; i < sample; i++) {
            RecordKey key = RecordKey.ofUtf8("/sim/per-key/" + i);
            SimNetwork.QueryOutcome o = net.run(perKeyNode, kd -> kd.startProviding(key, net.now()), Duration.ofMinutes(5));
            perKeyRequests += o.stats().requests();
            progress.update(i + 1);
        }
        progress.done();
        double perKeyMessagesPerKey = sample == 0 ? 0 : (double) perKeyRequests / sample;

        List<RecordKey> provided = new ArrayList<>(keys);
        for (int i = 0; i < keys - 1; i++) {
            RecordKey key = RecordKey.ofUtf8("/sim/provided/" + i);
            provider.store().addProvider(new ProviderRecord(key, provider.id(), Optional.empty(), List.of()));
            provided.add(key);
        }
        List<ReprovideReport> reports = new ArrayList<>();
        net.addListener((node, event) -> {
            if (node == provider && event instanceof KademliaEvent.RegionReprovided r) {
                reports.add(r.report());
            }
        });
        long wallStart = System.nanoTime();
        Instant virtualStart = net.now();
        // the last key provided as a user would: announced at once, and the sweep woken
        RecordKey last = RecordKey.ofUtf8("/sim/provided/" + (keys - 1));
        provided.add(last);
        provider.kademlia().startProviding(last, net.now());
        net.drive(provider);
        long startCycle = status(provider).cycle();
        runCycle(provider, startCycle, keys);
        long wallMs = (System.nanoTime() - wallStart) / 1_000_000;
        Duration virtual = Duration.between(virtualStart, net.now());
        List<ReprovideReport> first = reports.stream().filter(r -> r.cycle() == startCycle).toList();
        double coverage = coverage(provider, provided, rnd);

        Map<String, Object> doc = new LinkedHashMap<>();
        int lookups = first.stream().mapToInt(ReprovideReport::lookups).sum();
        long messages = first.stream().mapToLong(r -> (long) r.lookupRequests() + r.addProviderRequests()).sum();
        int announced = first.stream().mapToInt(ReprovideReport::keys).sum();
        ReprovideStatus status = status(provider);
        human.printf(Locale.ROOT, "  provide: %d keys in %d regions of %d bits with %d lookups (key by key: %d), "
                        + "%d requests, %.2f per key (key by key: %.1f); coverage %.4f; cycle %d s virtual, %d ms wall%n",
                announced, first.size(), first.isEmpty() ? 0 : first.get(first.size() - 1).bits(), lookups, keys,
                messages, (double) messages / keys, perKeyMessagesPerKey, coverage, virtual.toSeconds(), wallMs);
        doc.put("provide_keys", keys);
        doc.put("reprovide_keys", announced);
        doc.put("reprovide_regions", first.size());
        doc.put("reprovide_lookups", lookups);
        doc.put("reprovide_messages", messages);
        doc.put("messages_per_key", Json.fixed((double) messages / keys, 3));
        doc.put("per_key_lookups", keys);
        doc.put("per_key_messages_per_key", Json.fixed(perKeyMessagesPerKey, 2));
        doc.put("reprovide_lookups_ratio", Json.fixed((double) lookups / keys, 5));
        doc.put("coverage", Json.fixed(coverage, 4));
        doc.put("network_size_estimate", status.networkSize().isPresent()
                ? Math.round(status.networkSize().getAsDouble()) : null);
        doc.put("reprovide_virtual_s", virtual.toSeconds());
        doc.put("reprovide_wall_ms", wallMs);

        if (churn > 0) {
            List<SimNode> online = new ArrayList<>(net.onlineHonestNodes());
            online.remove(provider);
            Collections.shuffle(online, rnd);
            int leaving = (int) Math.round(churn * online.size());
            for (int i = 0; i < leaving; i++) {
                net.leave(online.get(i));
            }
            int joined = 0;
            while (joined < leaving) {
                int n = Math.min(batch, leaving - joined);
                net.addAndBootstrap(n, n);
                joined += n;
            }
            long second = status(provider).cycle();
            runCycle(provider, second, keys);
            double after = coverage(provider, provided, rnd);
            human.printf(Locale.ROOT, "  after %d of the nodes left and as many joined: coverage %.4f%n", leaving, after);
            doc.put("provide_churn", Json.fixed(churn, 3));
            doc.put("coverage_first_cycle", doc.get("coverage"));
            doc.put("coverage", Json.fixed(after, 4));
        }
        return doc;
    }

    private ReprovideStatus status(SimNode provider) {
        return provider.kademlia().reprovideStatus(net.now())
                .orElseThrow(() -> new IllegalStateException("the provider does not sweep"));
    }

    /** Runs until the provider's sweep has passed cycle {@code cycle} (at most three intervals). */
    private void runCycle(SimNode provider, long cycle, int keys) {
        Progress progress = new Progress(human, "reprovide", keys);
        net.runUntil(() -> {
            ReprovideStatus s = status(provider);
            progress.update((int) Math.min(keys, s.cycle() > cycle ? keys : Math.round(s.position() * keys)));
            return s.cycle() > cycle;
        }, net.now().plus(INTERVAL.multipliedBy(3)));
        net.runFor(Duration.ofSeconds(30)); // the last region's ADD_PROVIDERs arrive
        progress.done();
    }

    /** The fraction of (a sample of) {@code keys} of which at least 15 of the 20 closest live nodes hold the provider's record. */
    private double coverage(SimNode provider, List<RecordKey> keys, Random rnd) {
        List<RecordKey> sample = new ArrayList<>(keys);
        if (sample.size() > COVERAGE_SAMPLE) {
            Collections.shuffle(sample, rnd);
            sample = sample.subList(0, COVERAGE_SAMPLE);
        }
        int covered = 0;
        for (RecordKey key : sample) {
            List<SimNode> closest = net.trueClosest(KeyBytes.digestOf(key.toBytes()), k + 1, false);
            closest.remove(provider);
            int holding = 0;
            for (SimNode n : closest.subList(0, Math.min(k, closest.size()))) {
                for (ProviderRecord p : n.store().providers(key)) {
                    if (p.provider().equals(provider.id())) {
                        holding++;
                        break;
                    }
                }
            }
            if (holding >= Math.min(15, closest.size())) {
                covered++;
            }
        }
        return sample.isEmpty() ? 1 : (double) covered / sample.size();
    }
}
