package io.jkad.kademlia;

import io.jkad.record.CloseableIterator;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;

/**
 * The periodic republication of the provider records of the keys this node provides. Every
 * interval it takes a snapshot of the store's local provider records and hands them out, one per
 * {@link #poll}; expired ones are removed instead.
 */
final class AddProviderJob {
    private final Duration interval;
    private Instant nextRun;
    /** How soon a run the store failed to start is tried again. */
    static final java.time.Duration RETRY_AFTER_FAILURE = java.time.Duration.ofSeconds(30);

    private ArrayDeque<ProviderRecord> running;
    private Instant lastStart;

    AddProviderJob(Duration interval, Instant now) {
        this.interval = interval;
        this.nextRun = now.plus(interval);
    }

    boolean isRunning() {
        return running != null;
    }

    Instant nextRun() {
        return nextRun;
    }

    /** When the last run started, if one did. */
    java.util.Optional<Instant> lastStart() {
        return java.util.Optional.ofNullable(lastStart);
    }

    void asap(Instant now) {
        nextRun = now;
    }

    /** The next provider record to announce again, or null when there is none now. */
    ProviderRecord poll(RecordStore store, Instant now) {
        if (running == null && !now.isBefore(nextRun)) {
            // Filled aside: a store failure here retries the run after RETRY_AFTER_FAILURE rather
            // than leaving an empty run that would wait a whole interval (12 h by default).
            ArrayDeque<ProviderRecord> records = new ArrayDeque<>();
            try (CloseableIterator<ProviderRecord> it = store.provided()) {
                it.forEachRemaining(records::add);
            } catch (RuntimeException e) {
                nextRun = now.plus(RETRY_AFTER_FAILURE);
                throw e;
            }
            running = records;
            lastStart = now;
        }
        if (running != null) {
            ProviderRecord r;
            while ((r = running.poll()) != null) {
                if (r.isExpired(now)) {
                    store.removeProvider(r.key(), r.provider());
                } else {
                    return r;
                }
            }
            running = null;
            nextRun = now.plus(interval);
        }
        return null;
    }
}
