package io.jkad.node;

import io.jkad.identity.PeerId;
import io.jkad.kademlia.KademliaConfig;
import io.jkad.kademlia.Quorum;
import io.jkad.kademlia.QueryResult;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStores;
import io.jkad.record.StoreConfig;
import io.jkad.routing.KeyBytes;
import io.jkad.query.LookupStrategy;
import io.jkad.sim.IdealLookup;
import io.jkad.sim.RegionLatency;
import io.jkad.sim.SimConfig;
import io.jkad.sim.SimNetwork;
import io.jkad.sim.SimNode;
import io.jkad.util.Samples;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kad sim}: a simulated network of real Kademlia state machines on a virtual clock. */
@Command(name = "sim", mixinStandardHelpOptions = true,
        description = {"Builds a simulated network (virtual time, no sockets), bootstraps every node, runs lookups "
                + "and a put/get round, and prints a summary and a final JSON line."})
public final class SimCommand implements Callable<Integer> {

    @Option(names = "--nodes", defaultValue = "1000", description = "Number of nodes (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--trace", defaultValue = "0", paramLabel = "N",
            description = "Print how the first N lookups went: each peer asked, when (virtual time), its answer or "
                    + "failure and round trip, and why the lookup stopped (default: ${DEFAULT-VALUE}).")
    int traces;

    @Option(names = "--lookups", defaultValue = "200", description = "Number of closest-peer lookups (default: ${DEFAULT-VALUE}).")
    int lookups;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed; the same seed gives the same run (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--churn", defaultValue = "0", description = "Fraction of nodes that leave without notice after bootstrap (default: ${DEFAULT-VALUE}).")
    double churn;

    @Option(names = "--loss", defaultValue = "0", description = "Probability that a message is lost (default: ${DEFAULT-VALUE}).")
    double loss;

    @Option(names = "--adversarial", defaultValue = "0", description = "Fraction of nodes that answer lookups only with each other (default: ${DEFAULT-VALUE}).")
    double adversarial;

    @Option(names = "--disjoint", description = "Use S/Kademlia disjoint lookup paths.")
    boolean disjoint;

    @Option(names = "--puts", defaultValue = "-1", description = "Records to put and get back (default: lookups/10, at least 10).")
    int puts;

    @Option(names = "--provide-keys", defaultValue = "0", paramLabel = "N",
            description = "Providing workload: one node provides N keys and runs a reprovide sweep cycle over them; "
                    + "reports its lookups and messages, what announcing them key by key costs (measured on a sample), "
                    + "and the coverage (default: ${DEFAULT-VALUE}: none).")
    int provideKeys;

    @Option(names = "--provide-churn", defaultValue = "0", paramLabel = "F",
            description = "With --provide-keys: after the first cycle, this fraction of the nodes leaves and as many "
                    + "new ones join, then a second cycle runs; the coverage is measured after it (default: ${DEFAULT-VALUE}).")
    double provideChurn;

    @Option(names = "--strategy", defaultValue = "tuned", paramLabel = "reference|tuned|both",
            description = "How every node's lookups, its bootstrap's included, choose whom to ask: the reference's "
                    + "iteration, the tuned one, or both on the "
                    + "same network (bootstrapped with the reference) and the same lookups (reference first; then the tuned figures lead the JSON, "
                    + "with the reference's beside them) (default: ${DEFAULT-VALUE}).")
    String strategy;

    @Option(names = "--latency", defaultValue = "regions", paramLabel = "regions|uniform",
            description = "Link latency: a six-region matrix with a heavy-tailed jitter, or uniform 10-100 ms "
                    + "(default: ${DEFAULT-VALUE}).")
    String latency;

    @Option(names = "--batch", defaultValue = "100", description = "Nodes that join concurrently per bootstrap wave (default: ${DEFAULT-VALUE}).")
    int batch;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Option(names = "--json", description = "Print the figures as one JSON document on stdout "
            + "(the summary goes to stderr).")
    boolean json;

    PrintStream out = System.out;

    /** Where the progress and the readable summary go: stdout, or stderr when stdout is for --json. */
    private PrintStream human() {
        return json ? System.err : out;
    }

    @Override
    public Integer call() {
        validate();
        long wallStart = System.nanoTime();
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long cpuStart = threads.isCurrentThreadCpuTimeSupported() ? threads.getCurrentThreadCpuTime() : -1;
        List<LookupStrategy> strategies = strategies();
        KademliaConfig.Builder kb = KademliaConfig.builder().disjointQueryPaths(disjoint)
                .lookupStrategy(strategies.get(0));
        if (provideKeys > 0) {
            kb.reprovideStrategy(io.jkad.kademlia.ReprovideStrategy.SWEEP)
                    .providerPublicationInterval(java.util.Optional.of(ProvideWorkload.INTERVAL));
        }
        KademliaConfig kad = kb.build();
        int maxProvided = Math.max(StoreConfig.DEFAULT_MAX_PROVIDED_KEYS, provideKeys + StoreConfig.DEFAULT_MAX_PROVIDED_KEYS);
        SimConfig config = SimConfig.defaults(seed, id -> RecordStores.open("memory", StoreConfig.defaults(id)
                        .withLimits(StoreConfig.DEFAULT_MAX_RECORDS, StoreConfig.DEFAULT_MAX_VALUE_BYTES,
                                StoreConfig.DEFAULT_MAX_PROVIDERS_PER_KEY, maxProvided)))
                .withLoss(loss).withKademlia(kad);
        if (latency.equals("regions")) {
            config = config.withRegions(RegionLatency.DEFAULT);
        }
        int k = kad.replicationFactor();
        try (SimNetwork net = new SimNetwork(config)) {
            Progress progress = new Progress(human(), "bootstrap", nodes);
            int joined = 0;
            while (joined < nodes) {
                int n = Math.min(batch, nodes - joined);
                net.addAndBootstrap(n, n);
                joined += n;
                progress.update(joined);
            }
            progress.done();
            long bootstrapMs = (System.nanoTime() - wallStart) / 1_000_000;
            long bootstrapMessages = net.messagesSent();

            Random rnd = net.random();
            List<SimNode> all = net.onlineHonestNodes();
            int leaving = (int) Math.round(churn * nodes);
            List<SimNode> shuffled = new ArrayList<>(all);
            Collections.shuffle(shuffled, rnd);
            for (int i = 0; i < leaving; i++) {
                net.leave(shuffled.get(i));
            }
            net.makeAdversarial((int) Math.round(adversarial * nodes), List.of());
            List<SimNode> sources = net.onlineHonestNodes();

            List<SimNode> lookupSources = new ArrayList<>(lookups);
            List<byte[]> targets = new ArrayList<>(lookups);
            for (int i = 0; i < lookups; i++) {
                lookupSources.add(sources.get(rnd.nextInt(sources.size())));
                byte[] target = new byte[32];
                rnd.nextBytes(target);
                targets.add(target);
            }
            List<PeerId> liveIds = new ArrayList<>(sources.size());
            for (SimNode n : sources) {
                liveIds.add(n.id());
            }
            IdealLookup ideal = new IdealLookup(liveIds, k, kad.parallelism());
            long idealMessages = 0;
            for (int i = 0; i < lookups; i++) {
                idealMessages += ideal.lookup(lookupSources.get(i).id(), KeyBytes.digestOf(targets.get(i))).messages();
            }
            double idealPerLookup = lookups == 0 ? 0 : (double) idealMessages / lookups;
            Map<LookupStrategy, LookupFigures> figures = new LinkedHashMap<>();
            for (LookupStrategy s : strategies) {
                if (!figures.isEmpty()) {
                    // Let the connections of the lookups before close, so that each strategy dials as much.
                    net.runFor(Duration.ofMinutes(1));
                }
                for (SimNode n : net.nodes()) {
                    n.kademlia().setLookupStrategy(s);
                }
                figures.put(s, runLookups(net, s, lookupSources, targets, k, figures.isEmpty() ? traces : 0));
            }
            LookupFigures main = figures.get(strategies.get(strategies.size() - 1));

            int numPuts = puts >= 0 ? puts : Math.max(10, lookups / 10);
            int gets = 0;
            progress = new Progress(human(), "put/get", numPuts);
            for (int i = 0; i < numPuts; i++) {
                SimNode writer = sources.get(rnd.nextInt(sources.size()));
                SimNode reader = sources.get(rnd.nextInt(sources.size()));
                RecordKey key = RecordKey.ofUtf8("/sim/record-" + i);
                byte[] value = ("value-" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                net.run(writer, kd -> kd.putRecord(DhtRecord.of(key, value), Quorum.ONE, net.now()), Duration.ofMinutes(5));
                SimNetwork.QueryOutcome got = net.run(reader, kd -> kd.getRecord(key, Quorum.ONE, net.now()),
                        Duration.ofMinutes(5));
                if (got.result() instanceof QueryResult.GetRecord.Ok ok
                        && java.util.Arrays.equals(ok.records().get(0).record().value(), value)) {
                    gets++;
                }
                progress.update(i + 1);
            }
            progress.done();

            Map<String, Object> provided = provideKeys == 0 ? Map.of()
                    : new ProvideWorkload(net, human(), k).run(sources.get(0), sources.get(1 % sources.size()),
                            provideKeys, provideChurn, batch);

            long wallNanos = System.nanoTime() - wallStart;
            long wallMs = wallNanos / 1_000_000;
            // the simulation's own thread: on a shared machine its CPU time varies less than the wall time
            double cpuSeconds = cpuStart < 0 ? -1 : (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9;
            double messagesPerSecond = wallNanos == 0 ? 0 : net.messagesSent() / (wallNanos / 1e9);
            double bootstrapMessagesPerSecond = bootstrapMs == 0 ? 0 : bootstrapMessages / (bootstrapMs / 1e3);
            Runtime rt = Runtime.getRuntime();
            System.gc();
            long liveBytes = rt.totalMemory() - rt.freeMemory();
            long heapMb = liveBytes / (1024 * 1024);
            long peakMb = 0;
            for (java.lang.management.MemoryPoolMXBean pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == java.lang.management.MemoryType.HEAP) {
                    peakMb += pool.getPeakUsage().getUsed() / (1024 * 1024);
                }
            }
            long maxMb = rt.maxMemory() / (1024 * 1024);
            double getSuccess = numPuts == 0 ? 0 : (double) gets / numPuts;

            PrintStream human = human();
            human.printf(Locale.ROOT, "%n%d nodes (%d left, %d adversarial), %d lookups, seed %d%s%n", nodes, leaving,
                    (int) Math.round(adversarial * nodes), lookups, seed, disjoint ? ", disjoint paths" : "");
            human.printf(Locale.ROOT, "  latency %s%n", latency.equals("regions")
                    ? RegionLatency.DEFAULT.regions() + " regions, heavy-tailed jitter" : "uniform 10-100 ms");
            for (LookupFigures f : figures.values()) {
                human.printf(Locale.ROOT, "  %-9s precision %.3f   success %.3f   rounds mean %.2f p95 %d   messages/lookup %.1f"
                                + "   dials/lookup %.1f   lookup median %d ms (virtual)%n", f.strategy.name().toLowerCase(Locale.ROOT),
                        f.precision, f.success, f.meanRounds, f.p95Rounds, f.messagesPerLookup, f.dialsPerLookup, f.medianMs);
            }
            human.printf(Locale.ROOT, "  ideal model (perfect tables, rounds of alpha): messages/lookup %.1f%n", idealPerLookup);
            human.printf(Locale.ROOT, "  get success %.3f (%d/%d)%n", getSuccess, gets, numPuts);
            human.printf(Locale.ROOT, "  wall %d ms (bootstrap %d ms)   heap %d MB live, %d MB peak, %d MB max   messages %d (lost %d)%n",
                    wallMs, bootstrapMs, heapMb, peakMb, maxMb, net.messagesSent(), net.messagesLost());
            human.printf(Locale.ROOT, "  %.0f messages simulated per wall second (bootstrap %.0f)   cpu %.1f s   heap %d bytes per node%n",
                    messagesPerSecond, bootstrapMessagesPerSecond, cpuSeconds, liveBytes / nodes);
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("nodes", nodes);
            doc.put("lookups", lookups);
            doc.put("seed", seed);
            doc.put("churn", BigDecimal.valueOf(churn));
            doc.put("loss", BigDecimal.valueOf(loss));
            doc.put("adversarial", BigDecimal.valueOf(adversarial));
            doc.put("disjoint", disjoint);
            doc.put("latency", latency);
            main.putInto(doc, "");
            doc.put("ideal_messages_per_lookup", Json.fixed(idealPerLookup, 2));
            doc.put("messages_ratio_to_ideal", Json.fixed(idealPerLookup == 0 ? 0 : main.messagesPerLookup / idealPerLookup, 3));
            if (figures.size() > 1) {
                LookupFigures ref = figures.get(LookupStrategy.REFERENCE);
                ref.putInto(doc, "reference_");
                doc.put("messages_ratio_to_reference",
                        Json.fixed(ref.messagesPerLookup == 0 ? 0 : main.messagesPerLookup / ref.messagesPerLookup, 3));
                doc.put("median_ratio_to_reference",
                        Json.fixed(ref.medianMs == 0 ? 0 : (double) main.medianMs / ref.medianMs, 3));
            }
            doc.put("get_success", Json.fixed(getSuccess, 4));
            doc.put("wall_ms", wallMs);
            doc.put("bootstrap_wall_ms", bootstrapMs);
            doc.put("heap_mb", heapMb);
            doc.put("heap_peak_mb", peakMb);
            doc.put("heap_max_mb", maxMb);
            doc.put("messages", net.messagesSent());
            doc.put("wall_seconds", Json.fixed(wallNanos / 1e9, 3));
            doc.put("cpu_seconds", Json.fixed(cpuSeconds, 3));
            doc.put("bootstrap_messages", bootstrapMessages);
            doc.put("sim_messages_per_second", Math.round(messagesPerSecond));
            doc.put("bootstrap_messages_per_second", Math.round(bootstrapMessagesPerSecond));
            doc.put("heap_bytes_per_node", liveBytes / nodes);
            doc.putAll(provided);
            if (json) {
                out.println(Json.write(doc));
            }
            out.flush();
        }
        return 0;
    }

    private List<LookupStrategy> strategies() {
        return switch (strategy) {
            case "reference" -> List.of(LookupStrategy.REFERENCE);
            case "tuned" -> List.of(LookupStrategy.TUNED);
            case "both" -> List.of(LookupStrategy.REFERENCE, LookupStrategy.TUNED);
            default -> throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--strategy must be reference, tuned or both: " + strategy);
        };
    }

    /** What the lookups of one strategy gave. */
    private record LookupFigures(LookupStrategy strategy, double precision, double success, double meanRounds,
                                 int p95Rounds, double messagesPerLookup, double dialsPerLookup, long medianMs) {
        void putInto(Map<String, Object> doc, String prefix) {
            doc.put(prefix + "strategy", strategy.name().toLowerCase(Locale.ROOT));
            doc.put(prefix + "precision", Json.fixed(precision, 4));
            doc.put(prefix + "success", Json.fixed(success, 4));
            doc.put(prefix + "mean_rounds", Json.fixed(meanRounds, 3));
            doc.put(prefix + "p95_rounds", p95Rounds);
            doc.put(prefix + "messages_per_lookup", Json.fixed(messagesPerLookup, 2));
            doc.put(prefix + "dials_per_lookup", Json.fixed(dialsPerLookup, 2));
            doc.put(prefix + "median_lookup_virtual_ms", medianMs);
        }
    }

    /** Runs the lookups of {@code targets} from {@code sources} (one each), measuring them against the oracle. */
    private LookupFigures runLookups(SimNetwork net, LookupStrategy s, List<SimNode> sources, List<byte[]> targets,
                                     int k, int traces) {
        double precisionSum = 0;
        int successes = 0;
        long messages = 0;
        long dials = 0;
        Samples rounds = new Samples();
        Samples latencies = new Samples();
        int n = targets.size();
        Progress progress = new Progress(human(), "lookups (" + s.name().toLowerCase(Locale.ROOT) + ")", n);
        for (int i = 0; i < n; i++) {
            SimNode source = sources.get(i);
            byte[] target = targets.get(i);
            RecordKey key = RecordKey.of(target);
            boolean traceThis = i < traces;
            long dialsBefore = source.dialsStarted();
            SimNetwork.QueryOutcome outcome = net.run(source, kd -> {
                io.jkad.query.QueryId id = kd.getClosestPeers(key);
                if (traceThis) {
                    kd.trace(id);
                }
                return id;
            }, Duration.ofMinutes(5));
            outcome.trace().ifPresent(t -> printTrace(human(), source, key, t));
            List<PeerId> found = ((QueryResult.GetClosestPeers) outcome.result()).peers();
            Set<PeerId> truth = new HashSet<>();
            for (SimNode node : net.trueClosest(KeyBytes.digestOf(target), k, false)) {
                truth.add(node.id());
            }
            truth.remove(source.id());
            int hits = 0;
            for (PeerId p : found) {
                if (truth.contains(p)) {
                    hits++;
                }
            }
            precisionSum += truth.isEmpty() ? 1.0 : (double) hits / truth.size();
            if (hits > 0) {
                successes++;
            }
            messages += outcome.stats().requests();
            // the connections the lookup's node opened while it ran: for its requests, ahead of
            // them, and those its routing table dialed meanwhile
            dials += source.dialsStarted() - dialsBefore;
            rounds.add(outcome.rounds());
            latencies.add(outcome.elapsed().toMillis());
            progress.update(i + 1);
        }
        progress.done();
        return new LookupFigures(s, n == 0 ? 0 : precisionSum / n, n == 0 ? 0 : (double) successes / n,
                rounds.count() == 0 ? 0 : rounds.mean(), rounds.count() == 0 ? 0 : (int) rounds.percentile(0.95),
                n == 0 ? 0 : (double) messages / n, n == 0 ? 0 : (double) dials / n,
                latencies.count() == 0 ? 0 : Math.round(latencies.median()));
    }

    private void validate() {
        strategies();
        if (!latency.equals("regions") && !latency.equals("uniform")) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--latency must be regions or uniform: " + latency);
        }
        if (nodes < 2) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--nodes must be >= 2: " + nodes);
        }
        if (lookups < 0) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--lookups must be >= 0: " + lookups);
        }
        for (double f : new double[] {churn, adversarial}) {
            if (f < 0 || f >= 1) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                        "--churn and --adversarial must be in [0, 1): " + f);
            }
        }
        if (loss < 0 || loss >= 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--loss must be in [0, 1): " + loss);
        }
        if (provideKeys < 0 || provideChurn < 0 || provideChurn >= 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--provide-keys must be >= 0 and --provide-churn in [0, 1)");
        }
        if (batch < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--batch must be >= 1: " + batch);
        }
    }

    /** One lookup's trace, readably. */
    private static void printTrace(PrintStream out, SimNode source, RecordKey key, io.jkad.query.QueryTrace trace) {
        out.println("lookup of " + key.toHex().substring(0, 16) + "… from " + source.id() + ":");
        java.time.Instant first = trace.events().isEmpty() ? null : trace.events().get(0).at();
        for (io.jkad.query.QueryTrace.Event e : trace.events()) {
            out.printf(Locale.ROOT, "  %6d ms  %-8s %s%s%s%s%n", Duration.between(first, e.at()).toMillis(),
                    e.step().name().toLowerCase(Locale.ROOT), e.peer(),
                    e.rtt().map(r -> "  rtt " + r.toMillis() + " ms").orElse(""),
                    e.step() == io.jkad.query.QueryTrace.Step.ANSWERED ? "  " + e.closerPeers()
                            + " closer, closest so far " + e.closestBits() + " bits" : "",
                    e.detail().isEmpty() ? "" : "  (" + e.detail() + ")");
        }
        out.println("  stopped: " + trace.stopReason().orElse("?"));
    }
}
