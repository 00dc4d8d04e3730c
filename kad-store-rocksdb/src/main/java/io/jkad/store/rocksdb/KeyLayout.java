package io.jkad.store.rocksdb;

import io.jkad.record.Keyspace;
import io.jkad.record.RecordKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * The on-disk layout of the RocksDB store: its column families and how their keys are built. Every
 * key of the store is made here; {@link ValueCodec} makes the values. All integers are big-endian,
 * so that RocksDB's bytewise key order is the numeric order.
 *
 * <table>
 *   <caption>Column families</caption>
 *   <tr><th>column family</th><th>key</th><th>value</th></tr>
 *   <tr><td>{@code default}</td><td>{@code "jkad.format"} (ASCII)</td>
 *       <td>one byte: the layout version, {@value #FORMAT_VERSION}</td></tr>
 *   <tr><td>{@code default}</td><td>{@code "jkad.state." ‖ name} (ASCII): a {@linkplain #nodeStateKey node state key}</td>
 *       <td>the node state entry's value, as it was put</td></tr>
 *   <tr><td>{@code records}</td><td>the record key's bytes, as they are</td>
 *       <td>a value record ({@link ValueCodec#encodeRecord})</td></tr>
 *   <tr><td>{@code providers}</td>
 *       <td>{@code keyLength (4 bytes) ‖ key ‖ seq (8 bytes)}: a {@linkplain #providerKey provider key}</td>
 *       <td>a provider record ({@link ValueCodec#encodeProvider})</td></tr>
 *   <tr><td>{@code provider_peers}</td>
 *       <td>{@code keyLength (4 bytes) ‖ key ‖ provider peer id}: a {@linkplain #providerPeerKey provider peer key}</td>
 *       <td>the head of that provider's entry ({@link ValueCodec#encodeProviderHead}: its {@code seq} and the instant of its expiry index entry)</td></tr>
 *   <tr><td>{@code provided}</td><td>the record key's bytes</td>
 *       <td>the local peer's provider record of that key, the same bytes as in {@code providers}</td></tr>
 *   <tr><td>{@code provided_by_id}</td>
 *       <td>{@code id (32 bytes) ‖ key}: a {@linkplain #providedIdKey keyspace key}, {@code id} the SHA-256 of the record key</td>
 *       <td>the same bytes as the key's {@code provided} entry</td></tr>
 *   <tr><td>{@code expiry}</td>
 *       <td>{@code instant (12 bytes) ‖ kind (1 byte) ‖ identity}: an {@linkplain #expiryKey expiry key}</td>
 *       <td>empty</td></tr>
 * </table>
 *
 * <p><b>providers.</b> The 4-byte length in front of the record key makes the entries of one key
 * a contiguous range that no other key's entries enter (a key that is a prefix of another has a
 * different length), so {@link #providerPrefix} is a prefix scan that returns exactly that key's
 * providers. {@code seq} is a store-wide counter, taken anew for every provider added (kept for
 * an update in place), so within a key the entries are in the order first added: the contract of
 * {@code providers(key)}. The counter's next value is found at open (one more than the largest
 * {@code seq} on disk).
 *
 * <p><b>provider_peers</b> (since layout version 2). One entry per {@code providers} entry, naming
 * it by provider instead of by {@code seq}: the same prefix {@code keyLength ‖ key}, then the
 * provider's peer id multihash (the rest of the key: the length field says where the record key
 * ends). Its value is the {@code seq} of the provider's entry and the instant of the entry's
 * expiry index entry (none if it does not expire), so that {@code addProvider} and
 * {@code removeProvider} find a listed provider's entry, and the expiry index entry to move, with
 * one point lookup, and learn that a provider is new without reading the key's entries.
 *
 * <p>Since layout version 4 that instant is at or before the entry's expiry, not always at it. An
 * update that moves a provider's expiry later (a republish, the common write) writes the entry
 * alone; the index entry and head stay where they were. A sweep that reaches the index entry
 * finds the entry not yet expired and moves both to its expiry. An update that moves the expiry
 * earlier, adds one or drops it moves them at once. So there is still exactly one index entry per
 * provider with an expiry, never after it, and a sweep finds everything that expired. A prefix scan of it lists (and counts) a key's providers without reading their
 * records. Every write that adds, updates or removes a {@code providers} entry writes or deletes
 * its {@code provider_peers} entry in the same write batch.
 *
 * <p><b>provided_by_id</b> (since layout version 3). The local peer's provided keys in keyspace
 * order ({@code io.jkad.record.Keyspace#ORDER}): RocksDB's bytewise order of {@code id ‖ key} is
 * the unsigned order of the ids, then of the keys, so {@code providedFrom(position)} is a seek to
 * the position and a scan from there, and a region of the keyspace is a contiguous run. It holds
 * the whole record, not just the key, so that the scan reads nothing else. Every write that puts
 * or deletes a {@code provided} entry puts or deletes this one in the same write batch; the two
 * hold the same records.
 *
 * <p><b>Node state</b> ({@code RecordStore.putNodeState}) lives in the {@code default} column
 * family beside the layout marker, under keys that the marker's key is not one of ({@code "jkad.format"}
 * does not start with {@code "jkad.state."}). No record operation reads that column family, so node
 * state is invisible to records, providers, counts and sweeps by construction. A database of an
 * earlier build simply has no such keys: they needed no new layout version.
 *
 * <p><b>expiry.</b> The index of everything that expires. The instant is the epoch second with its
 * sign bit flipped (8 bytes), then the nanosecond of the second (4 bytes), so that bytewise order
 * is time order for every {@link Instant}, including those before 1970. {@code kind} is
 * {@link #KIND_RECORD} (the identity is the record key's bytes) or {@link #KIND_PROVIDER} (the
 * identity is the entry's {@code providers} key). {@code removeExpired(now)} scans this column family
 * from its start, or from where the last sweep ended, up to {@code now}, so it reads only the
 * entries it removes (plus the ones of records and providers extended since they were indexed,
 * which it moves on). Since layout version 4 an item's one index entry is at or before its expiry:
 * a write that moves the expiry later leaves the entry where it was (a value record then holds the
 * entry's instant in its value, {@link ValueCodec}; a provider in its {@code provider_peers} head),
 * and one that moves it earlier, gives one or drops it changes the entry in the same write batch.
 */
final class KeyLayout {

    /**
     * The version of this layout, stored in the {@code default} column family. Version 1 had no
     * {@code provider_peers} column family, version 2 no {@code provided_by_id}, version 3 had a
     * record's and a provider's index entry always at its expiry (see {@code expiry} above);
     * {@code LayoutMigration} brings a database of either to this version when the store opens it.
     */
    static final byte FORMAT_VERSION = 4;

    /** The layout version without {@code provider_peers} (nor {@code provided_by_id}). */
    static final byte FORMAT_VERSION_1 = 1;

    /** The layout version without {@code provided_by_id}. */
    static final byte FORMAT_VERSION_2 = 2;

    /** The layout version whose provider heads and index entries hold the providers' exact expiries. */
    static final byte FORMAT_VERSION_3 = 3;

    /** The key of the layout version in the {@code default} column family. */
    static final byte[] FORMAT_KEY = "jkad.format".getBytes(StandardCharsets.US_ASCII);

    /** What the key of every node state entry starts with, in the {@code default} column family. */
    static final byte[] NODE_STATE_PREFIX = "jkad.state.".getBytes(StandardCharsets.US_ASCII);

    static final String CF_DEFAULT = "default";
    static final String CF_RECORDS = "records";
    static final String CF_PROVIDERS = "providers";
    static final String CF_PROVIDED = "provided";
    static final String CF_EXPIRY = "expiry";
    static final String CF_PROVIDER_PEERS = "provider_peers";
    static final String CF_PROVIDED_BY_ID = "provided_by_id";

    /**
     * Every column family, in the order the store opens them (and so the order of its handles).
     * Opening a database of an earlier version creates the ones it lacks ({@code provider_peers},
     * {@code provided_by_id}), empty.
     */
    static final List<String> COLUMN_FAMILIES = List.of(CF_DEFAULT, CF_RECORDS, CF_PROVIDERS, CF_PROVIDED, CF_EXPIRY,
            CF_PROVIDER_PEERS, CF_PROVIDED_BY_ID);

    /** Bytes of an encoded instant. */
    static final int INSTANT_BYTES = 12;
    /** Bytes of a {@code seq}. */
    static final int SEQ_BYTES = 8;
    /** Bytes of the key length in front of a provider key. */
    static final int LENGTH_BYTES = 4;

    /** Expiry index entry of a value record. */
    static final byte KIND_RECORD = 0;
    /** Expiry index entry of a provider record. */
    static final byte KIND_PROVIDER = 1;

    private KeyLayout() {}

    // ------------------------------------------------------------------ node state

    /** {@code "jkad.state." ‖ name}: the key of node state entry {@code name} (a checked name: ASCII only). */
    static byte[] nodeStateKey(String name) {
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(NODE_STATE_PREFIX.length + n.length).put(NODE_STATE_PREFIX).put(n).array();
    }

    // ------------------------------------------------------------------ providers

    /** {@code keyLength ‖ key}: the prefix shared by all provider entries of {@code key}. */
    static byte[] providerPrefix(byte[] key) {
        return ByteBuffer.allocate(LENGTH_BYTES + key.length).putInt(key.length).put(key).array();
    }

    /** {@code keyLength ‖ key ‖ seq}: the {@code providers} key of one provider entry. */
    static byte[] providerKey(byte[] key, long seq) {
        return ByteBuffer.allocate(LENGTH_BYTES + key.length + SEQ_BYTES).putInt(key.length).put(key).putLong(seq).array();
    }

    /** {@code keyLength ‖ key ‖ peer}: the {@code provider_peers} key of {@code peer}'s entry of {@code key}. */
    static byte[] providerPeerKey(byte[] key, byte[] peer) {
        return ByteBuffer.allocate(LENGTH_BYTES + key.length + peer.length).putInt(key.length).put(key).put(peer).array();
    }

    /**
     * The record key of a provider key.
     *
     * @throws IllegalArgumentException if {@code providerKey} is not one
     */
    static byte[] recordKeyOfProviderKey(byte[] providerKey) {
        return Arrays.copyOfRange(providerKey, LENGTH_BYTES, LENGTH_BYTES + checkedKeyLength(providerKey));
    }

    /**
     * The {@code seq} of a provider key.
     *
     * @throws IllegalArgumentException if {@code providerKey} is not one
     */
    static long seqOfProviderKey(byte[] providerKey) {
        checkedKeyLength(providerKey);
        return ByteBuffer.wrap(providerKey, providerKey.length - SEQ_BYTES, SEQ_BYTES).getLong();
    }

    /** Length of the prefix {@code keyLength ‖ key} of a provider key (what two entries of one key share). */
    static int providerPrefixLength(byte[] providerKey) {
        return LENGTH_BYTES + checkedKeyLength(providerKey);
    }

    private static int checkedKeyLength(byte[] providerKey) {
        if (providerKey.length < LENGTH_BYTES + 1 + SEQ_BYTES) {
            throw new IllegalArgumentException("not a provider key: " + providerKey.length + " bytes");
        }
        int length = ByteBuffer.wrap(providerKey).getInt();
        if (length < 1 || length != providerKey.length - LENGTH_BYTES - SEQ_BYTES) {
            throw new IllegalArgumentException("not a provider key: key length field " + length + " in "
                    + providerKey.length + " bytes");
        }
        return length;
    }

    // ------------------------------------------------------------------ provided_by_id

    /** {@code id ‖ key}: the {@code provided_by_id} key of the record key {@code key}, {@code id} its SHA-256. */
    static byte[] providedIdKey(RecordKey key) {
        byte[] k = key.toBytes();
        return ByteBuffer.allocate(Keyspace.ID_BYTES + k.length).put(Keyspace.id(key)).put(k).array();
    }

    /**
     * The record key of a {@code provided_by_id} key: what follows the id.
     *
     * @throws IllegalArgumentException if it is shorter than an id
     */
    static byte[] recordKeyOfProvidedIdKey(byte[] idKey) {
        if (idKey.length < Keyspace.ID_BYTES) {
            throw new IllegalArgumentException("not a provided_by_id key: " + idKey.length + " bytes");
        }
        return Arrays.copyOfRange(idKey, Keyspace.ID_BYTES, idKey.length);
    }

    // ------------------------------------------------------------------ expiry

    /** The 12 bytes of {@code instant}, ordered as time. */
    static byte[] instantKey(Instant instant) {
        return ByteBuffer.allocate(INSTANT_BYTES).putLong(instant.getEpochSecond() ^ Long.MIN_VALUE)
                .putInt(instant.getNano()).array();
    }

    /** {@code instant ‖ kind ‖ identity}. */
    static byte[] expiryKey(Instant instant, byte kind, byte[] identity) {
        return ByteBuffer.allocate(INSTANT_BYTES + 1 + identity.length)
                .putLong(instant.getEpochSecond() ^ Long.MIN_VALUE).putInt(instant.getNano())
                .put(kind).put(identity).array();
    }

    /**
     * The instant of an expiry key.
     *
     * @throws IllegalArgumentException if {@code expiryKey} is too short or its nanoseconds are out of range
     */
    static Instant instantOfExpiryKey(byte[] expiryKey) {
        if (expiryKey.length < INSTANT_BYTES + 2) {
            throw new IllegalArgumentException("not an expiry key: " + expiryKey.length + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(expiryKey);
        long seconds = b.getLong() ^ Long.MIN_VALUE;
        int nanos = b.getInt();
        if (nanos < 0 || nanos > 999_999_999) {
            throw new IllegalArgumentException("not an expiry key: nanoseconds " + nanos);
        }
        try {
            return Instant.ofEpochSecond(seconds, nanos);
        } catch (java.time.DateTimeException e) {
            throw new IllegalArgumentException("not an expiry key: epoch second " + seconds, e);
        }
    }

    /** The kind of an expiry key ({@link #KIND_RECORD} or {@link #KIND_PROVIDER}, or something else if corrupt). */
    static byte kindOfExpiryKey(byte[] expiryKey) {
        return expiryKey[INSTANT_BYTES];
    }

    /** The identity of an expiry key: a record key or a provider key. */
    static byte[] identityOfExpiryKey(byte[] expiryKey) {
        return Arrays.copyOfRange(expiryKey, INSTANT_BYTES + 1, expiryKey.length);
    }

    /** Whether {@code key} starts with {@code prefix}. */
    static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }
}
