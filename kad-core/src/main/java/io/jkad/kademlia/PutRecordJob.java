package io.jkad.kademlia;

import io.jkad.identity.PeerId;
import io.jkad.record.CloseableIterator;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The periodic replication and republication of value records. Every replication interval it
 * takes a snapshot of the keys in the store and hands out, one per {@link #poll}, the records to
 * send to the k closest peers again:
 * <ul>
 *   <li>records received from others are replicated as they are: replication never extends a
 *       record's life;</li>
 *   <li>records this node published are included only in a publication run (every publication
 *       interval); without an expiry of their own they are sent with a fresh one (now + TTL), which
 *       is how republication keeps a record alive while its publisher lives;</li>
 *   <li>records received from a peer since the last run are skipped once: the sender is assumed to
 *       have replicated them already.</li>
 * </ul>
 * Each run first sweeps expired records out of the store; expired records met later are removed.
 */
final class PutRecordJob {
    private final PeerId localId;
    private final Duration interval;
    private final Optional<Duration> publishInterval;
    private final Optional<Duration> recordTtl;
    private final Set<RecordKey> skipped = new HashSet<>();
    private Instant nextRun;
    private Optional<Instant> nextPublish;
    /** The keys of the current run, or null while waiting for the next one. */
    private ArrayDeque<RecordKey> running;
    private boolean publishing;
    private Instant runStart;
    private Instant lastStart;
    private Instant lastPublish;

    PutRecordJob(PeerId localId, Duration replicateInterval, Optional<Duration> publishInterval,
                 Optional<Duration> recordTtl, Instant now) {
        this.localId = localId;
        this.interval = replicateInterval;
        this.publishInterval = publishInterval;
        this.recordTtl = recordTtl;
        this.nextRun = now.plus(replicateInterval);
        this.nextPublish = publishInterval.map(now::plus);
    }

    /** Leaves {@code key} out of the next run. */
    void skip(RecordKey key) {
        skipped.add(key);
    }

    boolean isRunning() {
        return running != null;
    }

    /** When the next run starts (while waiting). */
    Instant nextRun() {
        return nextRun;
    }

    /** When the next publication run is due, if records are republished. */
    Optional<Instant> nextPublish() {
        return nextPublish;
    }

    /** When the last run started, if one did. */
    Optional<Instant> lastStart() {
        return Optional.ofNullable(lastStart);
    }

    /** When the last publication run started, if one did. */
    Optional<Instant> lastPublish() {
        return Optional.ofNullable(lastPublish);
    }

    /** Whether the running run is a publication run. */
    boolean publishing() {
        return running != null && publishing;
    }

    /** Makes the next poll start a run, a publication run if {@code publish}. */
    void asap(boolean publish, Instant now) {
        if (publish) {
            nextPublish = Optional.of(now);
        }
        nextRun = now;
    }

    /** The next record to replicate or republish, or null when there is none now. */
    DhtRecord poll(RecordStore store, Instant now) {
        if (running == null && !now.isBefore(nextRun)) {
            start(store, now);
        }
        if (running != null) {
            RecordKey key;
            while ((key = running.poll()) != null) {
                DhtRecord r = store.get(key).orElse(null);
                if (r == null) {
                    continue;
                }
                if (r.isExpired(now)) {
                    store.remove(key);
                    continue;
                }
                boolean ownRecord = r.publisher().map(localId::equals).orElse(false);
                if (ownRecord) {
                    if (!publishing) {
                        continue;
                    }
                    if (r.expires().isEmpty() && recordTtl.isPresent()) {
                        r = r.withExpires(Optional.of(runStart.plus(recordTtl.get())));
                    }
                }
                return r;
            }
            running = null;
            nextRun = now.plus(interval);
        }
        return null;
    }

    private void start(RecordStore store, Instant now) {
        publishing = nextPublish.map(t -> !now.isBefore(t)).orElse(false);
        runStart = now;
        lastStart = now;
        if (publishing) {
            lastPublish = now;
        }
        store.removeExpired(now);
        List<RecordKey> keys = new ArrayList<>();
        try (CloseableIterator<DhtRecord> it = store.records()) {
            while (it.hasNext()) {
                DhtRecord r = it.next();
                if (!skipped.contains(r.key())) {
                    keys.add(r.key());
                }
            }
        }
        if (publishing) {
            nextPublish = publishInterval.map(now::plus);
        }
        skipped.clear();
        running = new ArrayDeque<>(keys);
    }
}
