package io.jkad.store.rocksdb;

import static io.jkad.store.rocksdb.KeyLayout.KIND_PROVIDER;

import io.jkad.identity.PeerId;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.StoreException;
import io.jkad.record.StoreException.Kind;
import io.jkad.store.rocksdb.ValueCodec.CorruptValueException;
import io.jkad.store.rocksdb.ValueCodec.ProviderHead;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provider records of a {@link RocksDbRecordStore} in their four column families:
 * {@code providers} (the entries, keyed by record key and {@code seq}), {@code provider_peers}
 * (record key and peer to the entry's head, so that a provider is found with one point lookup),
 * {@code provided} (the local peer's own entries) and {@code provided_by_id} (the same, in keyspace
 * order), with the expiry index entries that go with them (key layouts: {@link KeyLayout}). The
 * local peer's entries are always put and deleted in both of its column families in one batch. It reads, and adds the changes of an entry to a caller's
 * {@link WriteBatch}; it holds no lock and no count: the store calls it holding the key's lock
 * (writes) or its close guard (reads) and keeps the counts.
 */
final class ProviderIndex {

    private static final Logger LOG = LoggerFactory.getLogger(ProviderIndex.class);
    private static final byte[] EMPTY = new byte[0];

    private final RocksDbResources res;
    private final Path directory;
    private final PeerId localPeer;

    ProviderIndex(RocksDbResources res, Path directory, PeerId localPeer) {
        this.res = res;
        this.directory = directory;
        this.localPeer = localPeer;
    }

    /** What the store counts at open: the keys with providers and the largest {@code seq} (-1 if none). */
    record OpenCounts(long keys, long maxSeq) {}

    /** Counts the keys with providers and finds the largest provider {@code seq}: one pass over {@code providers}' keys. */
    OpenCounts countAtOpen() throws RocksDBException {
        long keys = 0;
        long maxSeq = -1;
        byte[] previous = null;
        int previousPrefix = 0;
        try (RocksIterator it = res.db.newIterator(res.providers, res.scanReadOptions)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                byte[] key = it.key();
                int prefix;
                try {
                    prefix = KeyLayout.providerPrefixLength(key);
                } catch (IllegalArgumentException e) {
                    throw new StoreException(Kind.BACKEND, RocksDbStoreProvider.NAME, "open", "the providers column family of "
                            + directory + " holds a malformed key 0x" + RocksDbRecordStore.hex(key) + ": " + e.getMessage(), e);
                }
                if (previous == null || prefix != previousPrefix
                        || !Arrays.equals(key, 0, prefix, previous, 0, prefix)) {
                    keys++;
                }
                maxSeq = Math.max(maxSeq, KeyLayout.seqOfProviderKey(key));
                previous = key;
                previousPrefix = prefix;
            }
            it.status();
        }
        return new OpenCounts(keys, maxSeq);
    }

    /**
     * The head ({@code seq}, expiry) of the provider entry that {@code peerKey} names, from its
     * {@code provider_peers} entry, or null if the provider is not listed.
     *
     * @param buffer at least {@link ValueCodec#PROVIDER_HEAD_MAX_BYTES}: the value is read into it
     * @throws StoreException {@code BACKEND} if the entry cannot be decoded
     */
    ProviderHead readHead(RecordKey key, byte[] peerKey, byte[] buffer, String operation) throws RocksDBException {
        int length = res.db.get(res.providerPeers, peerKey, buffer);
        if (length == RocksDB.NOT_FOUND) {
            return null;
        }
        try {
            return ValueCodec.decodeProviderHead(buffer, length);
        } catch (CorruptValueException e) {
            throw RocksDbRecordStore.backend(directory, operation,
                    "the provider_peers entry of a provider of key " + key + ": " + e.getMessage(), e);
        }
    }

    /**
     * Adds to {@code batch} the entry {@code seq} of {@code record}, which replaces {@code old} (the
     * head of the provider's entry, null if it is new): the entry, and the local peer's copies (in
     * {@code provided} and {@code provided_by_id}) if it is the local peer's.
     *
     * <p>The expiry index entry and the head that names it are written only when the index would
     * otherwise be late: for a new provider, an expiry earlier than the indexed instant, or an
     * expiry where there was none (and deleted for no expiry). An expiry that moves later, as
     * every republish's does, leaves both as they are: the indexed instant is then before the
     * expiry, and the sweep that reaches it moves the entry on ({@link #sweepEntry}). So an update
     * that extends a provider writes one entry, not four in three column families.
     */
    void putEntry(WriteBatch batch, byte[] k, byte[] peerKey, long seq, ProviderRecord record, ProviderHead old)
            throws RocksDBException {
        Optional<Instant> expires = record.expires();
        byte[] providerKey = KeyLayout.providerKey(k, seq);
        byte[] value = ValueCodec.encodeProvider(seq, record);
        batch.put(res.providers, providerKey, value);
        Optional<Instant> indexed = old == null ? Optional.empty() : old.expires();
        if (old == null || !ExpirySweeper.indexStillEarly(indexed, expires)) {
            batch.put(res.providerPeers, peerKey, ValueCodec.encodeProviderHead(seq, expires));
            if (indexed.isPresent()) {
                batch.delete(res.expiry, KeyLayout.expiryKey(indexed.get(), KIND_PROVIDER, providerKey));
            }
            if (expires.isPresent()) {
                batch.put(res.expiry, KeyLayout.expiryKey(expires.get(), KIND_PROVIDER, providerKey), EMPTY);
            }
        }
        if (record.provider().equals(localPeer)) {
            batch.put(res.provided, k, value);
            batch.put(res.providedById, KeyLayout.providedIdKey(record.key()), value);
        }
    }

    /** Adds to {@code batch} the removal of {@code provider}'s entry of {@code head}, with all that goes with it. */
    void deleteEntry(WriteBatch batch, byte[] k, byte[] peerKey, ProviderHead head, PeerId provider)
            throws RocksDBException {
        byte[] providerKey = KeyLayout.providerKey(k, head.seq());
        batch.delete(res.providers, providerKey);
        batch.delete(res.providerPeers, peerKey);
        if (head.expires().isPresent()) {
            batch.delete(res.expiry, KeyLayout.expiryKey(head.expires().get(), KIND_PROVIDER, providerKey));
        }
        if (provider.equals(localPeer)) {
            batch.delete(res.provided, k);
            batch.delete(res.providedById, KeyLayout.providedIdKey(RecordKey.of(k)));
        }
    }

    /**
     * The provider records of {@code key}, in {@code seq} order.
     *
     * @throws StoreException {@code BACKEND} if one cannot be decoded
     */
    List<ProviderRecord> list(RecordKey key) throws RocksDBException {
        byte[] prefix = KeyLayout.providerPrefix(key.toBytes());
        byte[] keyBuffer = new byte[prefix.length];
        List<ProviderRecord> out = new ArrayList<>();
        try (RocksIterator it = res.db.newIterator(res.providers)) {
            for (it.seek(prefix); it.isValid() && hasPrefix(it, prefix, keyBuffer); it.next()) {
                try {
                    out.add(ValueCodec.decodeProvider(key, it.value()).record());
                } catch (CorruptValueException e) {
                    throw RocksDbRecordStore.backend(directory, "providers",
                            "a provider record of key " + key + ": " + e.getMessage(), e);
                }
            }
            it.status();
        }
        return Collections.unmodifiableList(out);
    }

    /** The number of providers of the record key {@code k}, counted up to {@code limit}: keys of {@code provider_peers} only. */
    int count(byte[] k, int limit) throws RocksDBException {
        byte[] prefix = KeyLayout.providerPrefix(k);
        byte[] keyBuffer = new byte[prefix.length];
        int n = 0;
        try (RocksIterator it = res.db.newIterator(res.providerPeers)) {
            for (it.seek(prefix); n < limit && it.isValid() && hasPrefix(it, prefix, keyBuffer); it.next()) {
                n++;
            }
            it.status();
        }
        return n;
    }

    /** Whether the record key {@code k} has a provider besides the one {@code peerKey} names. */
    boolean hasOther(byte[] k, byte[] peerKey) throws RocksDBException {
        byte[] prefix = KeyLayout.providerPrefix(k);
        try (RocksIterator it = res.db.newIterator(res.providerPeers)) {
            for (it.seek(prefix); it.isValid(); it.next()) {
                byte[] key = it.key();
                if (!KeyLayout.startsWith(key, prefix)) {
                    return false;
                }
                if (!Arrays.equals(key, peerKey)) {
                    return true;
                }
            }
            it.status();
        }
        return false;
    }

    /**
     * For a sweep at {@code now} that reached the provider entry {@code providerKey}'s expiry index
     * entry at {@code t} (which the sweep deletes): adds to {@code batch} the removal of the entry
     * if it has expired, or, if its expiry moved past {@code now} since it was indexed (see
     * {@link #putEntry}), its index entry at that expiry and the head that names it. {@code losses}
     * maps the keys that lost entries in this batch to their {@code seq}s; a removal is added to it.
     *
     * @return whether it was removed
     */
    boolean sweepEntry(WriteBatch batch, byte[] providerKey, Instant t, Instant now, Map<RecordKey, Set<Long>> losses)
            throws RocksDBException {
        byte[] keyBytes;
        long seq;
        try {
            keyBytes = KeyLayout.recordKeyOfProviderKey(providerKey);
            seq = KeyLayout.seqOfProviderKey(providerKey);
        } catch (IllegalArgumentException e) {
            LOG.warn("rocksdb store {}: dropping an expiry index entry with a malformed provider key 0x{}", directory,
                    RocksDbRecordStore.hex(providerKey));
            return false;
        }
        RecordKey key = RecordKey.of(keyBytes);
        Set<Long> lost = losses.get(key);
        if (lost != null && lost.contains(seq)) {
            return false; // already removed in this batch
        }
        byte[] value = res.db.get(res.providers, providerKey);
        if (value == null) {
            return false;
        }
        PeerId peer = null;
        try {
            ProviderRecord record = ValueCodec.decodeProvider(key, value).record();
            Optional<Instant> expires = record.expires();
            if (expires.isEmpty() || expires.get().isBefore(t)) {
                return false; // not this index entry's: a put of the entry moved or dropped it
            }
            if (expires.get().isAfter(now)) {
                // extended since it was indexed: the index entry moves to the expiry
                batch.put(res.expiry, KeyLayout.expiryKey(expires.get(), KIND_PROVIDER, providerKey), EMPTY);
                batch.put(res.providerPeers, KeyLayout.providerPeerKey(keyBytes, record.provider().toBytes()),
                        ValueCodec.encodeProviderHead(seq, expires));
                return false;
            }
            peer = record.provider();
        } catch (CorruptValueException e) {
            LOG.warn("rocksdb store {}: removing an undecodable provider record of key {}, expired at {}: {}",
                    directory, key, t, e.getMessage());
        }
        batch.delete(res.providers, providerKey);
        deletePeerEntry(batch, key, keyBytes, peer, seq);
        // the local peer's copy, if this entry is the local peer's (only the local peer's entries
        // have one; an undecodable entry, peer null, may be)
        byte[] provided = peer == null || peer.equals(localPeer) ? res.db.get(res.provided, keyBytes) : null;
        if (provided != null) {
            try {
                if (ValueCodec.decodeProvider(key, provided).seq() == seq) {
                    batch.delete(res.provided, keyBytes);
                    batch.delete(res.providedById, KeyLayout.providedIdKey(key));
                }
            } catch (CorruptValueException e) {
                LOG.warn("rocksdb store {}: undecodable provided record of key {}: {}", directory, key, e.getMessage());
            }
        }
        losses.computeIfAbsent(key, x -> new HashSet<>()).add(seq);
        return true;
    }

    /**
     * Adds the removal of the {@code provider_peers} entry of the provider entry {@code seq} of
     * {@code key} to {@code batch}: that of {@code peer} if it names this entry, or, when the
     * entry's record could not be decoded ({@code peer} null), the one of the key's entries whose
     * head holds {@code seq} (a scan of the key's few entries).
     */
    private void deletePeerEntry(WriteBatch batch, RecordKey key, byte[] keyBytes, PeerId peer, long seq)
            throws RocksDBException {
        if (peer != null) {
            byte[] peerKey = KeyLayout.providerPeerKey(keyBytes, peer.toBytes());
            byte[] head = res.db.get(res.providerPeers, peerKey);
            if (head != null && seqOfHead(key, head) == seq) {
                batch.delete(res.providerPeers, peerKey);
            }
            return;
        }
        byte[] prefix = KeyLayout.providerPrefix(keyBytes);
        try (RocksIterator it = res.db.newIterator(res.providerPeers)) {
            for (it.seek(prefix); it.isValid(); it.next()) {
                byte[] peerKey = it.key();
                if (!KeyLayout.startsWith(peerKey, prefix)) {
                    break;
                }
                if (seqOfHead(key, it.value()) == seq) {
                    batch.delete(res.providerPeers, peerKey);
                    break;
                }
            }
            it.status();
        }
    }

    /** The {@code seq} of a {@code provider_peers} value, or -1 (no entry's) if it cannot be decoded. */
    private long seqOfHead(RecordKey key, byte[] head) {
        try {
            return ValueCodec.decodeProviderHead(head, head.length).seq();
        } catch (CorruptValueException e) {
            LOG.warn("rocksdb store {}: undecodable provider_peers entry of key {}: {}", directory, key, e.getMessage());
            return -1;
        }
    }

    /** Whether {@code key} has a provider entry whose seq is not in {@code removed}. */
    boolean hasProvidersBesides(RecordKey key, Set<Long> removed) throws RocksDBException {
        byte[] prefix = KeyLayout.providerPrefix(key.toBytes());
        try (RocksIterator it = res.db.newIterator(res.providers)) {
            for (it.seek(prefix); it.isValid(); it.next()) {
                byte[] providerKey = it.key();
                if (!KeyLayout.startsWith(providerKey, prefix)) {
                    return false;
                }
                if (!removed.contains(KeyLayout.seqOfProviderKey(providerKey))) {
                    return true;
                }
            }
            it.status();
        }
        return false;
    }

    /**
     * Whether the iterator's key starts with {@code prefix}, read into {@code buffer} (of the
     * prefix's length) rather than copied out whole.
     */
    private static boolean hasPrefix(RocksIterator it, byte[] prefix, byte[] buffer) {
        int length = it.key(buffer);
        return length >= prefix.length && Arrays.equals(buffer, prefix);
    }
}
