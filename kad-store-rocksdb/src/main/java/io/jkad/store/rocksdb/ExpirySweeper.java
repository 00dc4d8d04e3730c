package io.jkad.store.rocksdb;

import static io.jkad.store.rocksdb.KeyLayout.KIND_PROVIDER;
import static io.jkad.store.rocksdb.KeyLayout.KIND_RECORD;

import io.jkad.record.RecordKey;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The expiry sweep of a {@link RocksDbRecordStore}: walks the {@code expiry} column family in time
 * order up to now and removes, one write batch per {@link RocksDbRecordStore#SWEEP_CHUNK} index
 * entries, the value records and provider entries that expired (provider entries through
 * {@link ProviderIndex}). It remembers where the last sweep ended, so the next one seeks past the
 * tombstones it left. The store calls {@link #sweepChunk} holding every one of its key locks (so
 * no write runs meanwhile) and applies the counts that a chunk returns; {@link #noteIndexed} is
 * called by writers holding one key lock each, so several at once.
 */
final class ExpirySweeper {

    private static final Logger LOG = LoggerFactory.getLogger(ExpirySweeper.class);

    private final RocksDbResources res;
    private final Path directory;
    private final ProviderIndex providers;
    private final ValueRecords records;
    /**
     * No expiry index entry is earlier than this (null: unknown, sweep from the start). Lets a sweep
     * seek past the tombstones that earlier sweeps left.
     */
    private volatile Instant sweepFrom;

    ExpirySweeper(RocksDbResources res, Path directory, ProviderIndex providers, ValueRecords records) {
        this.res = res;
        this.directory = directory;
        this.providers = providers;
        this.records = records;
    }

    /**
     * What one chunk did: entries removed (value records and provider entries), value records
     * removed, keys left without providers, and whether expired index entries remain.
     */
    record Chunk(long removed, long recordsRemoved, long keysFreed, boolean more) {}

    /**
     * Whether the expiry index entry at {@code indexed} (none: the item had none) still serves an
     * item that now expires at {@code expires}: the same, or both present and the entry not later.
     * A write that extends an expiry leaves the entry where it was (layout 4), and the sweep that
     * reaches it moves it on.
     */
    static boolean indexStillEarly(Optional<Instant> indexed, Optional<Instant> expires) {
        return indexed.equals(expires)
                || indexed.isPresent() && expires.isPresent() && !indexed.get().isAfter(expires.get());
    }

    /** An expiry was indexed: the next sweep must start at or before it. */
    void noteIndexed(Instant expires) {
        Instant from = sweepFrom;
        if (from != null && expires.isBefore(from)) { // rare: an expiry earlier than the last sweep's now
            synchronized (this) { // writers of different keys may lower it at once
                if (sweepFrom != null && expires.isBefore(sweepFrom)) {
                    sweepFrom = expires;
                }
            }
        }
    }

    /**
     * Removes what expired at {@code now}, reading at most {@link RocksDbRecordStore#SWEEP_CHUNK}
     * expiry index entries from where the last chunk ended, in one write batch.
     */
    Chunk sweepChunk(Instant now) throws RocksDBException {
        long recordsRemoved = 0;
        long providersRemoved = 0;
        Instant last = null;
        boolean more = false;
        // keys that lost provider entries in this batch -> the seqs of those entries
        Map<RecordKey, Set<Long>> providerLosses = new HashMap<>();
        // value records removed in this batch (two index entries could name one damaged record)
        Set<RecordKey> recordLosses = new HashSet<>();
        try (WriteBatch batch = new WriteBatch(); RocksIterator it = res.db.newIterator(res.expiry)) {
            if (sweepFrom == null) {
                it.seekToFirst();
            } else {
                it.seek(KeyLayout.instantKey(sweepFrom));
            }
            int visited = 0;
            for (; it.isValid(); it.next()) {
                byte[] indexKey = it.key();
                Instant t;
                try {
                    t = KeyLayout.instantOfExpiryKey(indexKey);
                } catch (IllegalArgumentException e) {
                    LOG.warn("rocksdb store {}: dropping a malformed expiry index key 0x{}: {}", directory,
                            RocksDbRecordStore.hex(indexKey), e.getMessage());
                    batch.delete(res.expiry, indexKey);
                    continue;
                }
                if (t.isAfter(now)) {
                    break;
                }
                if (visited == RocksDbRecordStore.SWEEP_CHUNK) {
                    more = true;
                    break;
                }
                visited++;
                last = t;
                batch.delete(res.expiry, indexKey);
                byte kind = KeyLayout.kindOfExpiryKey(indexKey);
                byte[] identity = KeyLayout.identityOfExpiryKey(indexKey);
                if (kind == KIND_RECORD) {
                    RecordKey key = RecordKey.of(identity);
                    if (!recordLosses.contains(key) && records.sweep(batch, identity, t, now)) {
                        recordLosses.add(key);
                        recordsRemoved++;
                    }
                } else if (kind == KIND_PROVIDER) {
                    if (providers.sweepEntry(batch, identity, t, now, providerLosses)) {
                        providersRemoved++;
                    }
                } else {
                    LOG.warn("rocksdb store {}: dropping an expiry index entry of unknown kind {}", directory, kind);
                }
            }
            if (!it.isValid()) {
                it.status();
            }
            long keysFreed = 0;
            for (Map.Entry<RecordKey, Set<Long>> loss : providerLosses.entrySet()) {
                if (!providers.hasProvidersBesides(loss.getKey(), loss.getValue())) {
                    keysFreed++;
                }
            }
            if (batch.count() > 0) {
                res.db.write(res.writeOptions, batch);
            }
            if (more) {
                sweepFrom = last;
            } else if (sweepFrom == null || now.isAfter(sweepFrom)) {
                sweepFrom = now;
            }
            return new Chunk(recordsRemoved + providersRemoved, recordsRemoved, keysFreed, more);
        }
    }
}
