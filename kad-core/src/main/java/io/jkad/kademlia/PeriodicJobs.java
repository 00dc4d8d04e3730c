package io.jkad.kademlia;

import io.jkad.identity.PeerId;
import io.jkad.record.CloseableIterator;
import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStore;
import io.jkad.record.StoreException;
import io.jkad.query.QueryId;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The periodic work of a {@link Kademlia} node, run at each poll: the periodic bootstrap, the
 * bootstrap again of a node whose routing table is small ({@link KademliaConfig#lowTableBootstrap()}),
 * the republication of provider records ({@link AddProviderJob}) and the replication and
 * republication of records ({@link PutRecordJob}), each starting at most a few queries per poll.
 */
final class PeriodicJobs {
    private static final Logger log = LoggerFactory.getLogger(PeriodicJobs.class);

    /** The most queries the periodic jobs may have running. */
    static final int MAX_QUERIES = 100;
    /** The most queries the periodic jobs start per poll. */
    static final int MAX_NEW_QUERIES = 10;
    /** The longest delay between the bootstraps of a node whose routing table stays small. */
    static final long LOW_TABLE_BOOTSTRAP_MAX_MINUTES = 5;
    private static final Duration LOW_TABLE_BOOTSTRAP_MAX = Duration.ofMinutes(LOW_TABLE_BOOTSTRAP_MAX_MINUTES);

    private final PeerId localId;
    private final RecordStore store;
    private final KademliaConfig config;
    private final PutRecordJob putRecordJob;
    private final AddProviderJob addProviderJob;
    /** The reprovide sweep, which replaces {@link #addProviderJob} with {@link ReprovideStrategy#SWEEP}. */
    private final ReprovideSweep sweep;
    /** When the periodic bootstrap runs next (null when disabled). */
    private Instant nextBootstrap;
    private QueryId periodicBootstrap;
    private Instant lastBootstrap;
    /** The bootstraps that may still run: the node's own ({@link #bootstrapStarted}), the periodic one and the low-table ones. */
    private final java.util.List<QueryId> bootstraps = new java.util.ArrayList<>(2);
    /** Whether a bootstrap was ever started: only a node that joined bootstraps again by itself. */
    private boolean joined;
    /** When a node whose routing table is small bootstraps again (null: not due). */
    private Instant nextLowTableBootstrap;
    /** The delay before the next such bootstrap; doubles while the table stays small. */
    private Duration lowTableDelay;
    /**
     * Set while a store that already held records or provider records at construction (a
     * persistent store reopened by a restart) waits for its first peer: see {@link Kademlia}'s
     * constructor.
     */
    private boolean publishOnFirstPeer;

    PeriodicJobs(PeerId localId, RecordStore store, KademliaConfig config, Instant now, java.util.Random random) {
        this.localId = localId;
        this.store = store;
        this.config = config;
        Optional<Duration> putInterval = config.replicationInterval().or(config::publicationInterval);
        this.putRecordJob = putInterval
                .map(i -> new PutRecordJob(localId, i, config.publicationInterval(), config.recordTtl(), now))
                .orElse(null);
        boolean sweeping = config.reprovideStrategy() == ReprovideStrategy.SWEEP;
        this.addProviderJob = config.providerPublicationInterval()
                .filter(i -> !sweeping)
                .map(i -> new AddProviderJob(i, now))
                .orElse(null);
        this.sweep = config.providerPublicationInterval()
                .filter(i -> sweeping)
                .map(i -> new ReprovideSweep(localId, store, config, i, random, now))
                .orElse(null);
        this.nextBootstrap = config.bootstrapInterval().map(now::plus).orElse(null);
        this.lowTableDelay = config.lowTableBootstrap().orElse(null);
        this.publishOnFirstPeer = (putRecordJob != null || addProviderJob != null) && holdsRecords(store);
    }

    /** Whether {@code store} holds a record or a local provider record (reads at most one of each). */
    private static boolean holdsRecords(RecordStore store) {
        try {
            try (CloseableIterator<ProviderRecord> provided = store.provided()) {
                if (provided.hasNext()) {
                    return true;
                }
            }
            try (CloseableIterator<DhtRecord> records = store.records()) {
                return records.hasNext();
            }
        } catch (StoreException e) {
            log.warn("Cannot tell whether the store holds records to publish ({}): the jobs run with the first peer",
                    e.getMessage());
            return true;
        }
    }

    /** A record from another node was stored: the next replication run skips it once. */
    void recordReceived(RecordKey key) {
        if (putRecordJob != null) {
            putRecordJob.skip(key);
        }
    }

    /**
     * Makes the jobs run at the next poll, once, when the store held records at construction and
     * a peer that confirmed the protocol is in the routing table ({@code peerPresent}, asked only
     * while waiting: reading the table may apply a due pending entry).
     */
    void firstPeer(BooleanSupplier peerPresent, Instant now) {
        if (sweep != null) {
            sweep.wake(now);
        }
        if (!publishOnFirstPeer || !peerPresent.getAsBoolean()) {
            return;
        }
        publishOnFirstPeer = false;
        if (addProviderJob != null && !addProviderJob.isRunning()) {
            addProviderJob.asap(now);
        }
        if (putRecordJob != null && !putRecordJob.isRunning()) {
            putRecordJob.asap(config.publicationInterval().isPresent(), now);
        }
    }

    /** A bootstrap started ({@link Kademlia#bootstrap}): the node has joined, and no low-table bootstrap starts while it runs. */
    void bootstrapStarted(QueryId id) {
        bootstraps.add(id);
        joined = true;
    }

    /** The next job run; null when no job is enabled (no Optional: it is asked after every poll). */
    Instant nextRunOrNull() {
        Instant next = nextBootstrap;
        if (nextLowTableBootstrap != null) {
            next = earlier(next, nextLowTableBootstrap);
        }
        if (putRecordJob != null && !putRecordJob.isRunning()) {
            next = earlier(next, putRecordJob.nextRun());
        }
        if (addProviderJob != null && !addProviderJob.isRunning()) {
            next = earlier(next, addProviderJob.nextRun());
        }
        if (sweep != null && sweep.nextRun().isPresent()) {
            next = earlier(next, sweep.nextRun().get());
        }
        return next;
    }

    /** Where each enabled job stands: bootstrap, provider republication, record replication and republication. */
    java.util.List<JobSchedule> schedule() {
        java.util.List<JobSchedule> out = new java.util.ArrayList<>();
        if (nextBootstrap != null) {
            out.add(new JobSchedule("bootstrap", config.bootstrapInterval().orElseThrow(), Optional.ofNullable(lastBootstrap),
                    false, Optional.of(nextBootstrap)));
        }
        if (addProviderJob != null) {
            boolean running = addProviderJob.isRunning();
            out.add(new JobSchedule("provider_republication", config.providerPublicationInterval().orElseThrow(),
                    addProviderJob.lastStart(), running, running ? Optional.empty() : Optional.of(addProviderJob.nextRun())));
        }
        if (sweep != null) {
            out.add(sweep.schedule());
        }
        if (putRecordJob != null) {
            boolean running = putRecordJob.isRunning();
            config.replicationInterval().ifPresent(every -> out.add(new JobSchedule("record_replication", every,
                    putRecordJob.lastStart(), running, running ? Optional.empty() : Optional.of(putRecordJob.nextRun()))));
            config.publicationInterval().ifPresent(every -> {
                // publication rides on the first replication run that starts at or after its time:
                // next is that run when it is known, else the earliest it can be
                boolean publishing = putRecordJob.publishing();
                Optional<Instant> next = publishing ? Optional.empty() : putRecordJob.nextPublish()
                        .map(t -> running || putRecordJob.nextRun().isBefore(t) ? t : putRecordJob.nextRun());
                out.add(new JobSchedule("record_republication", every, putRecordJob.lastPublish(), publishing, next));
            });
        }
        return out;
    }

    /** A key is provided now: the sweep, if it waits for keys, looks again. */
    void provided(Instant now) {
        if (sweep != null) {
            sweep.wake(now);
        }
    }

    /** See {@link Kademlia#reprovideNow}. */
    void reprovideNow(Instant now) {
        if (sweep != null) {
            sweep.reprovideNow(now);
        }
    }

    /** A key is no longer provided: the sweep does not announce it again. */
    void stopped(RecordKey key) {
        if (sweep != null) {
            sweep.stopped(key);
        }
    }

    /** The next event of the jobs (a region the sweep announced), if any. */
    Optional<KademliaEvent> takeEvent() {
        return sweep == null ? Optional.empty() : sweep.takeEvent();
    }

    /** Where the reprovide sweep stands; empty when the node reprovides key by key. */
    Optional<ReprovideStatus> sweepStatus(Instant now, java.util.OptionalDouble networkSize) {
        return sweep == null ? Optional.empty() : Optional.of(sweep.status(now, networkSize));
    }

    static Instant earlier(Instant a, Instant b) {
        return a == null || b.isBefore(a) ? b : a;
    }

    /** Starts the queries of the jobs that are due. */
    void run(Instant now, Queries queries, RoutingTable routing) {
        // a loop, not removeIf with a lambda: this runs at every poll
        for (int i = bootstraps.size() - 1; i >= 0; i--) {
            if (queries.get(bootstraps.get(i)).isEmpty()) {
                bootstraps.remove(i);
            }
        }
        if (nextBootstrap != null && !now.isBefore(nextBootstrap)) {
            nextBootstrap = now.plus(config.bootstrapInterval().orElseThrow());
            if (!bootstraps.contains(periodicBootstrap) && routing.size() > 0) {
                periodicBootstrap = startBootstrap(now, queries);
            }
        }
        if (lowTableDelay != null && joined && bootstraps.isEmpty()) {
            lowTable(now, queries, routing.size());
        }
        int capacity = Math.max(0, MAX_QUERIES - queries.size());
        if (sweep != null) {
            sweep.poll(now, queries, routing);
        }
        if (addProviderJob != null) {
            capacity -= startEach(() -> addProviderJob.poll(store, now),
                    r -> queries.startLookup(AddProviderQuery.lookup(r.key(), true)),
                    Math.min(MAX_NEW_QUERIES, capacity), "Provider republication");
        }
        if (putRecordJob != null) {
            int quorum = Quorum.ALL.eval(config.replicationFactor());
            startEach(() -> putRecordJob.poll(store, now), r -> {
                boolean own = r.publisher().map(localId::equals).orElse(false);
                queries.startLookup(PutRecordQuery.lookup(r, quorum, own ? QueryContext.REPUBLISH : QueryContext.REPLICATE));
            }, Math.min(MAX_NEW_QUERIES, capacity), "Record replication");
        }
    }

    /**
     * The bootstrap again of a node whose routing table holds fewer than k peers, while none runs:
     * due one delay after the table was first seen small, then each time after twice the last delay.
     */
    private void lowTable(Instant now, Queries queries, int size) {
        if (size >= config.replicationFactor()) {
            nextLowTableBootstrap = null;
            lowTableDelay = config.lowTableBootstrap().orElseThrow();
            return;
        }
        if (nextLowTableBootstrap == null) {
            nextLowTableBootstrap = now.plus(lowTableDelay);
            return;
        }
        if (now.isBefore(nextLowTableBootstrap)) {
            return;
        }
        Duration doubled = lowTableDelay.multipliedBy(2);
        lowTableDelay = doubled.compareTo(LOW_TABLE_BOOTSTRAP_MAX) > 0 ? LOW_TABLE_BOOTSTRAP_MAX : doubled;
        if (size == 0) {
            // nobody to ask: look again later (a peer may connect to us meanwhile)
            nextLowTableBootstrap = now.plus(lowTableDelay);
            return;
        }
        nextLowTableBootstrap = null;
        log.debug("The routing table holds {} peers, fewer than k: bootstrapping again", size);
        startBootstrap(now, queries);
    }

    private QueryId startBootstrap(Instant now, Queries queries) {
        QueryId id = queries.startLookup(BootstrapQuery.of(localId, now));
        lastBootstrap = now;
        bootstrapStarted(id);
        return id;
    }

    /**
     * Starts a query for each item a job hands out ({@code next} returns null when it has no more
     * now), at most {@code max}; a store failure ends the run of this poll. How many started.
     */
    private static <T> int startEach(Supplier<T> next, Consumer<T> start, int max, String job) {
        int started = 0;
        try {
            while (started < max) {
                T item = next.get();
                if (item == null) {
                    break;
                }
                start.accept(item);
                started++;
            }
        } catch (StoreException e) {
            log.warn("{} job failed: {}", job, e.getMessage());
        }
        return started;
    }
}
