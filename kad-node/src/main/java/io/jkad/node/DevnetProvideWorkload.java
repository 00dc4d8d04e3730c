package io.jkad.node;

import io.jkad.identity.PeerId;
import io.jkad.kademlia.KademliaConfig;
import io.jkad.kademlia.KademliaEvent;
import io.jkad.kademlia.QueryResult;
import io.jkad.kademlia.ReprovideReport;
import io.jkad.kademlia.ReprovideStatus;
import io.jkad.net.KademliaNode;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStore;
import io.jkad.routing.Key;
import io.jkad.routing.KeyBytes;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@code kad devnet --provide-keys N}: node 0's store gets N provided keys, its reprovide sweep
 * announces them all at once ({@link KademliaNode#reprovideNow}); how long until a sample of them is
 * held at its closest nodes (read from the nodes' stores), and what node 0's audit of the sample finds.
 */
final class DevnetProvideWorkload {
    private final Map<PeerId, RecordStore> stores;
    private final RecordStore firstStore;
    private final int provideKeys;
    private final long seed;
    private final PrintStream human;

    /**
     * @param stores every node's store, by peer id
     * @param firstStore node 0's, filled with the keys
     */
    DevnetProvideWorkload(Map<PeerId, RecordStore> stores, RecordStore firstStore, int provideKeys, long seed,
                          PrintStream human) {
        this.stores = stores;
        this.firstStore = firstStore;
        this.provideKeys = provideKeys;
        this.seed = seed;
        this.human = human;
    }

    /** The keys the audit checks after the reprovide. */
    private static final int AUDIT_SAMPLE = 200;

    /**
     * {@code --provide-keys}: node 0's store gets N provided keys, the sweep announces them all at
     * once ({@link KademliaNode#reprovideNow}); the time that takes, and the audit of a sample.
     */
    Map<String, Object> run(KademliaNode provider) throws Exception {
        List<RecordKey> keys = new ArrayList<>(provideKeys);
        Progress progress = new Progress(human, "store keys", provideKeys);
        for (int i = 0; i < provideKeys; i++) {
            RecordKey key = RecordKey.ofUtf8("/devnet/provided/" + seed + "/" + i);
            firstStore.addProvider(new ProviderRecord(key, provider.peerId(), Optional.empty(), List.of()));
            keys.add(key);
            if (i % 1000 == 999) {
                progress.update(i + 1);
            }
        }
        progress.done();
        ReprovideStatus before = DevnetCommand.await(provider.reprovideStatus(), "reprovide status").orElseThrow();
        long start = System.nanoTime();
        DevnetCommand.await(provider.reprovideNow(), "reprovide now");
        progress = new Progress(human, "reprovide", provideKeys);
        List<ReprovideReport> reports = new ArrayList<>();
        Consumer<KademliaEvent> listener = e -> {
            if (e instanceof KademliaEvent.RegionReprovided r) {
                synchronized (reports) {
                    reports.add(r.report());
                }
            }
        };
        provider.addListener(listener);
        long announced;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
        while (true) {
            ReprovideStatus s = DevnetCommand.await(provider.reprovideStatus(), "reprovide status").orElseThrow();
            announced = s.keysAnnounced() - before.keysAnnounced();
            progress.update((int) Math.min(provideKeys, announced));
            if (announced >= provideKeys && !s.regionRunning() || System.nanoTime() > deadline) {
                break;
            }
            Thread.sleep(200);
        }
        provider.removeListener(listener);
        progress.done();
        double handedOut = (System.nanoTime() - start) / 1e9;
        // the last batches are on their way: done when the sample's closest nodes hold the records
        Random rnd = new Random(seed);
        List<RecordKey> sample = new ArrayList<>(keys);
        Collections.shuffle(sample, rnd);
        sample = sample.subList(0, Math.min(AUDIT_SAMPLE, sample.size()));
        double held;
        while (true) {
            held = heldAtClosest(provider.peerId(), sample);
            if (held >= 0.99 && announced >= provideKeys || System.nanoTime() > deadline) {
                break;
            }
            Thread.sleep(250);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        int covered = 0;
        double holding = 0;
        progress = new Progress(human, "audit", sample.size());
        int done = 0;
        for (int i = 0; i < sample.size(); i += 8) {
            List<CompletableFuture<QueryResult.ProviderAudit>> batch = new ArrayList<>();
            for (RecordKey key : sample.subList(i, Math.min(sample.size(), i + 8))) {
                batch.add(provider.auditProvider(key));
            }
            for (CompletableFuture<QueryResult.ProviderAudit> f : batch) {
                QueryResult.ProviderAudit a = DevnetCommand.await(f, "audit");
                int answered = a.answered().size();
                if (answered > 0) {
                    holding += (double) a.holding().size() / answered;
                    if (4 * a.holding().size() >= 3 * answered) {
                        covered++;
                    }
                }
                progress.update(++done);
            }
        }
        progress.done();
        int lookups;
        int regions;
        synchronized (reports) {
            lookups = reports.stream().mapToInt(ReprovideReport::lookups).sum();
            regions = reports.size();
        }
        double auditCoverage = sample.isEmpty() ? 1 : (double) covered / sample.size();
        human.printf(Locale.ROOT, "  reprovide: %d keys in %.1f s (%.0f keys/s; all handed out after %.1f s), %d regions, "
                        + "%d lookups; held at the closest nodes: %.4f; audit of %d keys: %.1f %% of the closest hold "
                        + "the record, coverage %.4f%n", announced, seconds, announced / seconds, handedOut, regions,
                lookups, held, sample.size(), 100 * holding / Math.max(1, sample.size()), auditCoverage);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("provide_keys", provideKeys);
        doc.put("reprovide_keys", announced);
        doc.put("reprovide_s", DevnetCommand.round(seconds));
        doc.put("reprovide_handed_out_s", DevnetCommand.round(handedOut));
        doc.put("reprovide_keys_per_s", DevnetCommand.round(announced / seconds));
        doc.put("reprovide_regions", regions);
        doc.put("reprovide_lookups", lookups);
        doc.put("audit_sample", sample.size());
        doc.put("audit_holding", DevnetCommand.round4(holding / Math.max(1, sample.size())));
        doc.put("audit_coverage", DevnetCommand.round4(auditCoverage));
        doc.put("coverage", DevnetCommand.round4(held));
        return doc;
    }

    /**
     * The fraction of {@code keys} of which at least 15 of the 20 nodes closest to the key (the
     * provider left out; all, if fewer) hold {@code provider}'s record, read from their stores.
     */
    private double heldAtClosest(PeerId provider, List<RecordKey> keys) {
        int k = KademliaConfig.defaults().replicationFactor();
        int covered = 0;
        for (RecordKey key : keys) {
            KeyBytes target = KeyBytes.digestOf(key.toBytes());
            List<PeerId> closest = stores.keySet().stream().filter(p -> !p.equals(provider))
                    .sorted(Comparator.comparing((PeerId p) -> Key.of(p).distance(target)))
                    .limit(k).toList();
            long holding = closest.stream().filter(p -> stores.get(p).providers(key).stream()
                    .anyMatch(r -> r.provider().equals(provider))).count();
            if (holding >= Math.min(15, closest.size())) {
                covered++;
            }
        }
        return keys.isEmpty() ? 1 : (double) covered / keys.size();
    }

}
