package io.jkad.store.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.jkad.identity.PeerId;
import io.jkad.record.CloseableIterator;
import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStore;
import io.jkad.record.StoreConfig;
import io.jkad.record.StoreCounts;
import io.jkad.record.StoreException;
import io.jkad.record.StoreException.Kind;
import io.jkad.store.rocksdb.ValueCodec.StoredProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What the conformance kit cannot see: the column families on disk, damaged data, counts, close races. */
class RocksDbStorageTest {

    private static final PeerId LOCAL = PeerId.random(new Random(7));
    private static final Instant T0 = Instant.parse("2030-06-01T12:00:00Z");

    @TempDir
    Path dir;

    private StoreConfig config(int maxRecords, int maxProvidedKeys) {
        return StoreConfig.defaults(LOCAL).withDataDirectory(dir.resolve("db"))
                .withLimits(maxRecords, 1024, 20, maxProvidedKeys);
    }

    private StoreConfig config() {
        return config(StoreConfig.DEFAULT_MAX_RECORDS, StoreConfig.DEFAULT_MAX_PROVIDED_KEYS);
    }

    private static RocksDbRecordStore open(StoreConfig config) {
        return (RocksDbRecordStore) new RocksDbStoreProvider().open(config);
    }

    private static RecordKey key(String text) {
        return RecordKey.ofUtf8(text);
    }

    private static PeerId peer(int i) {
        return PeerId.random(new Random(100 + i));
    }

    private static DhtRecord record(String key, String value, Instant expires) {
        return DhtRecord.of(key(key), value.getBytes(StandardCharsets.UTF_8), Optional.empty(),
                Optional.ofNullable(expires));
    }

    private static ProviderRecord provider(String key, PeerId peer, Instant expires) {
        return new ProviderRecord(key(key), peer, Optional.ofNullable(expires), List.of());
    }

    private static StoreException backendError(Runnable call, String operation) {
        Throwable t = catchThrowable(call::run);
        assertThat(t).isInstanceOf(StoreException.class);
        StoreException e = (StoreException) t;
        assertThat(e.kind()).isEqualTo(Kind.BACKEND);
        assertThat(e.operation()).isEqualTo(operation);
        assertThat(e.store()).isEqualTo("rocksdb");
        return e;
    }

    // ------------------------------------------------------------------ damaged data

    @Test
    void aDamagedValueRecordIsABackendErrorNamingItsKeyAndTheRestStillWorks() throws Exception {
        try (RecordStore s = open(config())) {
            s.put(record("good", "fine", null));
            s.put(record("bad", "soon garbage", T0));
        }
        try (RawDb raw = new RawDb(dir.resolve("db"))) {
            raw.put(KeyLayout.CF_RECORDS, "bad".getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xde, (byte) 0xad, 1});
            raw.put(KeyLayout.CF_RECORDS, "truncated".getBytes(StandardCharsets.UTF_8), new byte[] {1, 1, 0, 0});
            raw.put(KeyLayout.CF_RECORDS, "empty".getBytes(StandardCharsets.UTF_8), new byte[0]);
        }
        try (RocksDbRecordStore s = open(config())) {
            for (String bad : List.of("bad", "truncated", "empty")) {
                StoreException e = backendError(() -> s.get(key(bad)), "get");
                assertThat(e).hasMessageContaining("key " + bad);
                assertThat(e.getCause()).isInstanceOf(ValueCodec.CorruptValueException.class);
            }
            assertThat(s.get(key("good"))).contains(record("good", "fine", null));
            // iteration reports each damaged record once and goes on past it
            Set<RecordKey> seen = new HashSet<>();
            List<String> errors = new ArrayList<>();
            try (CloseableIterator<DhtRecord> it = s.records()) {
                while (true) {
                    try {
                        if (!it.hasNext()) {
                            break;
                        }
                        seen.add(it.next().key());
                    } catch (StoreException e) {
                        assertThat(e.kind()).isEqualTo(Kind.BACKEND);
                        assertThat(e.operation()).isEqualTo("records");
                        errors.add(e.getMessage());
                    }
                }
            }
            assertThat(seen).containsExactly(key("good"));
            assertThat(errors).hasSize(3).anySatisfy(m -> assertThat(m).contains("under key bad"));
            // a damaged record can be replaced and removed; the counts stay right
            assertThat(s.counts().records()).isEqualTo(4);
            s.put(record("bad", "repaired", null));
            assertThat(s.get(key("bad"))).contains(record("bad", "repaired", null));
            s.remove(key("truncated"));
            s.remove(key("empty"));
            assertThat(s.counts().records()).isEqualTo(2);
            // the replaced record's old index entry (at T0) is stale: the sweep drops it, not the record
            assertThat(s.removeExpired(T0)).isZero();
            assertThat(s.get(key("bad"))).isPresent();
        }
    }

    @Test
    void aDamagedRecordThatTheIndexSaysHasExpiredIsSwept() throws Exception {
        try (RecordStore s = open(config())) {
            s.put(record("bad", "v", T0));
            s.put(record("kept", "v", T0.plusSeconds(1)));
        }
        try (RawDb raw = new RawDb(dir.resolve("db"))) {
            raw.put(KeyLayout.CF_RECORDS, "bad".getBytes(StandardCharsets.UTF_8), new byte[] {9, 9, 9});
        }
        try (RocksDbRecordStore s = open(config())) {
            assertThat(s.removeExpired(T0)).isEqualTo(1);
            assertThat(s.get(key("bad"))).isEmpty();
            assertThat(s.get(key("kept"))).isPresent();
            assertThat(s.counts().records()).isEqualTo(1);
        }
    }

    @Test
    void aDamagedProviderRecordIsABackendErrorNamingItsKey() throws Exception {
        try (RecordStore s = open(config())) {
            s.addProvider(provider("p", peer(1), T0));
            s.addProvider(provider("mine", LOCAL, null));
        }
        try (RawDb raw = new RawDb(dir.resolve("db"))) {
            raw.put(KeyLayout.CF_PROVIDERS, KeyLayout.providerKey("p".getBytes(StandardCharsets.UTF_8), 0),
                    new byte[] {1, 0, 1});
            raw.put(KeyLayout.CF_PROVIDED, "mine".getBytes(StandardCharsets.UTF_8), new byte[] {2});
        }
        try (RocksDbRecordStore s = open(config())) {
            assertThat(backendError(() -> s.providers(key("p")), "providers")).hasMessageContaining("key p");
            try (CloseableIterator<ProviderRecord> it = s.provided()) {
                assertThat(backendError(it::hasNext, "provided")).hasMessageContaining("key mine");
                assertThat(it.hasNext()).isFalse();
            }
            // writes do not read other providers' records (provider_peers says who is listed): they go on
            assertThat(s.addProvider(provider("p", peer(2), null))).isTrue();
            assertThat(backendError(() -> s.providers(key("p")), "providers")).hasMessageContaining("key p");
            // the sweep removes the damaged entry its index entry names, and its provider_peers entry
            assertThat(s.removeExpired(T0)).isEqualTo(1);
            assertThat(s.providers(key("p"))).containsExactly(provider("p", peer(2), null));
            assertThat(s.counts().providerKeys()).isEqualTo(2);
            assertThat(s.addProvider(provider("p", peer(1), null))).isTrue();
            assertThat(s.providers(key("p"))).containsExactly(provider("p", peer(2), null), provider("p", peer(1), null));
        }
    }

    @Test
    void aDamagedProviderRecordIsReplacedByItsProvidersNextAnnouncement() throws Exception {
        try (RecordStore s = open(config())) {
            s.addProvider(provider("p", peer(1), T0));
            s.addProvider(provider("p", peer(2), null));
        }
        try (RawDb raw = new RawDb(dir.resolve("db"))) {
            raw.put(KeyLayout.CF_PROVIDERS, KeyLayout.providerKey("p".getBytes(StandardCharsets.UTF_8), 0),
                    new byte[] {1, 0, 1});
        }
        try (RocksDbRecordStore s = open(config())) {
            backendError(() -> s.providers(key("p")), "providers");
            // as a put replaces a damaged value record: updated in place, first still, its expiry moved
            assertThat(s.addProvider(provider("p", peer(1), T0.plusSeconds(5)))).isTrue();
            assertThat(s.providers(key("p"))).containsExactly(provider("p", peer(1), T0.plusSeconds(5)),
                    provider("p", peer(2), null));
            assertThat(s.removeExpired(T0)).isZero();
            assertThat(s.removeExpired(T0.plusSeconds(5))).isEqualTo(1);
            assertThat(s.providers(key("p"))).containsExactly(provider("p", peer(2), null));
        }
    }

    @Test
    void aDamagedProviderPeersEntryIsABackendErrorOfTheWritesThatNeedIt() throws Exception {
        try (RecordStore s = open(config())) {
            s.addProvider(provider("p", peer(1), T0));
            s.addProvider(provider("p", peer(2), null));
        }
        try (RawDb raw = new RawDb(dir.resolve("db"))) {
            raw.put(KeyLayout.CF_PROVIDER_PEERS, KeyLayout.providerPeerKey("p".getBytes(StandardCharsets.UTF_8),
                    peer(1).toBytes()), new byte[] {1, 1, 0});
        }
        try (RocksDbRecordStore s = open(config())) {
            assertThat(backendError(() -> s.addProvider(provider("p", peer(1), null)), "addProvider"))
                    .hasMessageContaining("key p").hasMessageContaining("provider_peers");
            assertThat(backendError(() -> s.removeProvider(key("p"), peer(1)), "removeProvider"))
                    .hasMessageContaining("key p");
            // the other provider and the reads are unaffected
            assertThat(s.providers(key("p"))).hasSize(2);
            s.removeProvider(key("p"), peer(2));
            assertThat(s.providers(key("p"))).containsExactly(provider("p", peer(1), T0));
        }
    }

    // ------------------------------------------------------------------ the expiry index

    /**
     * A record's or provider's index entry moves at once when its expiry moves earlier or goes;
     * when it moves later the entry is left where it was (layout 4: one write instead of a batch)
     * and the sweep that passes it moves it to the expiry, removing nothing early.
     */
    @Test
    void overwritingWithAnotherExpiryMovesTheIndexEntry() throws Exception {
        StoreConfig config = config();
        try (RecordStore s = open(config)) {
            s.put(record("k", "a", T0.plusSeconds(30)));
            s.put(record("k", "b", T0.plusSeconds(3))); // earlier: the entry moves now
            s.put(record("k", "c", T0.plusSeconds(10))); // later: it stays at T0+3
            s.put(record("k", "c", T0.plusSeconds(10))); // same expiry: the entry stays
            s.addProvider(provider("k", peer(1), T0.plusSeconds(30)));
            s.addProvider(provider("k", peer(1), T0.plusSeconds(2))); // earlier: the entry moves now
            s.addProvider(provider("k", peer(1), T0.plusSeconds(20))); // later: it stays at T0+2
            s.addProvider(provider("k", LOCAL, T0.plusSeconds(5)));
            s.addProvider(provider("k", LOCAL, null)); // no expiry: the entry goes
        }
        assertThat(expiryIndex()).containsExactly("provider T0+2", "record T0+3");
        try (RecordStore s = open(config)) {
            assertThat(s.get(key("k"))).contains(record("k", "c", T0.plusSeconds(10)));
            // the entries left at T0+2 and T0+3 remove nothing: the sweep moves them to the expiries
            assertThat(s.removeExpired(T0.plusSeconds(9))).isZero();
            assertThat(s.get(key("k"))).contains(record("k", "c", T0.plusSeconds(10)));
            assertThat(s.providers(key("k"))).hasSize(2);
        }
        assertThat(expiryIndex()).containsExactly("record T0+10", "provider T0+20");
        try (RecordStore s = open(config)) {
            assertThat(s.removeExpired(T0.plusSeconds(10))).isEqualTo(1);
            assertThat(s.removeExpired(T0.plusSeconds(19))).isZero();
            assertThat(s.providers(key("k"))).hasSize(2);
            assertThat(s.removeExpired(T0.plusSeconds(20))).isEqualTo(1);
            assertThat(s.providers(key("k"))).containsExactly(provider("k", LOCAL, null));
        }
        assertThat(expiryIndex()).isEmpty();
    }

    /** The expiry column family in order, each entry as its kind and instant ("record T0+10"). */
    private List<String> expiryIndex() throws Exception {
        try (RawDb raw = new RawDb(dir.resolve("db"))) {
            List<String> out = new ArrayList<>();
            for (byte[] k : raw.keys(KeyLayout.CF_EXPIRY)) {
                String kind = KeyLayout.kindOfExpiryKey(k) == KeyLayout.KIND_RECORD ? "record" : "provider";
                long seconds = java.time.Duration.between(T0, KeyLayout.instantOfExpiryKey(k)).getSeconds();
                out.add(kind + " T0+" + seconds);
            }
            return out;
        }
    }

    /**
     * Random writes, sweeps and reopens against a model: after each round the expiry column family
     * holds exactly one entry per record and provider with an expiry, where the model says layout 4
     * puts it (at its expiry when added, moved earlier or given one; left behind when the expiry
     * moves later, until a sweep passes it), and a provider's provider_peers head says the same
     * instant (a record's says it through the store: it expires exactly then). Expiries reach past
     * the sweeps' instants, so items outlive sweeps that move their entries; the provided
     * column family mirrors the local peer's providers, and provided_by_id mirrors provided in
     * keyspace order; the counts are exact.
     */
    @Test
    void theIndexAndTheCountsFollowAModelThroughRandomWritesAndReopens() throws Exception {
        Random random = new Random(42);
        StoreConfig config = config();
        Map<String, ModelExpiry> records = new HashMap<>();
        Map<String, Map<PeerId, ModelExpiry>> providers = new HashMap<>();
        List<PeerId> peers = List.of(peer(1), peer(2), peer(3), LOCAL);
        for (int round = 0; round < 8; round++) {
            try (RocksDbRecordStore s = open(config)) {
                for (int op = 0; op < 300; op++) {
                    String k = "k" + random.nextInt(12);
                    Optional<Instant> expires = random.nextInt(4) == 0 ? Optional.empty()
                            : Optional.of(T0.plusSeconds(random.nextInt(80)).plusNanos(random.nextInt(3)));
                    PeerId p = peers.get(random.nextInt(peers.size()));
                    switch (random.nextInt(10)) {
                        case 0, 1, 2 -> {
                            // empty values too: a record whose head is all of it
                            s.put(DhtRecord.of(key(k), new byte[op % 2], Optional.empty(), expires));
                            records.merge(k, ModelExpiry.added(expires), (old, x) -> old.updated(expires));
                        }
                        case 3 -> {
                            s.remove(key(k));
                            records.remove(k);
                        }
                        case 4, 5, 6 -> {
                            assertThat(s.addProvider(new ProviderRecord(key(k), p, expires, List.of()))).isTrue();
                            providers.computeIfAbsent(k, x -> new HashMap<>()).merge(p, ModelExpiry.added(expires),
                                    (old, x) -> old.updated(expires));
                        }
                        case 7, 8 -> {
                            s.removeProvider(key(k), p);
                            Map<PeerId, ModelExpiry> m = providers.get(k);
                            if (m != null && m.remove(p) != null && m.isEmpty()) {
                                providers.remove(k);
                            }
                        }
                        default -> {
                            Instant now = T0.plusSeconds(random.nextInt(50));
                            long expected = expire(records, providers, now);
                            assertThat(s.removeExpired(now)).as("removeExpired(%s)", now).isEqualTo(expected);
                        }
                    }
                }
                assertThat(s.counts()).isEqualTo(new StoreCounts(records.size(), providers.size()));
                records.forEach((k, e) -> assertThat(s.get(key(k)).map(DhtRecord::expires)).as("record %s", k)
                        .contains(e.expires()));
                List<ProviderRecord> provided = new ArrayList<>();
                try (CloseableIterator<ProviderRecord> it = s.provided()) {
                    it.forEachRemaining(provided::add);
                }
                provided.sort(io.jkad.record.Keyspace.ORDER);
                List<ProviderRecord> inKeyspaceOrder = new ArrayList<>();
                try (CloseableIterator<ProviderRecord> it = s.providedFrom(new byte[io.jkad.record.Keyspace.ID_BYTES])) {
                    it.forEachRemaining(inKeyspaceOrder::add);
                }
                assertThat(inKeyspaceOrder).isEqualTo(provided);
            }
            checkDisk(records, providers);
        }
    }

    /** A record or provider in the model: its expiry, and where layout 4 keeps its index entry (at or before it). */
    private record ModelExpiry(Optional<Instant> expires, Optional<Instant> indexed) {
        static ModelExpiry added(Optional<Instant> expires) {
            return new ModelExpiry(expires, expires);
        }

        /** An update to {@code e}: the index entry stays if it is not after the new expiry. */
        ModelExpiry updated(Optional<Instant> e) {
            boolean stays = indexed.equals(e) || indexed.isPresent() && e.isPresent() && !indexed.get().isAfter(e.get());
            return new ModelExpiry(e, stays ? indexed : e);
        }
    }

    private static long expire(Map<String, ModelExpiry> records, Map<String, Map<PeerId, ModelExpiry>> providers,
                               Instant now) {
        long n = 0;
        for (var it = records.entrySet().iterator(); it.hasNext(); ) {
            var entry = it.next();
            ModelExpiry e = entry.getValue();
            if (e.expires().isPresent() && !e.expires().get().isAfter(now)) {
                it.remove();
                n++;
            } else if (e.indexed().isPresent() && !e.indexed().get().isAfter(now)) {
                entry.setValue(ModelExpiry.added(e.expires())); // the sweep moved its entry on
            }
        }
        for (var keys = providers.entrySet().iterator(); keys.hasNext(); ) {
            Map<PeerId, ModelExpiry> m = keys.next().getValue();
            for (var it = m.entrySet().iterator(); it.hasNext(); ) {
                var entry = it.next();
                ModelExpiry e = entry.getValue();
                if (e.expires().isPresent() && !e.expires().get().isAfter(now)) {
                    it.remove();
                    n++;
                } else if (e.indexed().isPresent() && !e.indexed().get().isAfter(now)) {
                    entry.setValue(ModelExpiry.added(e.expires())); // the sweep moved its entry on
                }
            }
            if (m.isEmpty()) {
                keys.remove();
            }
        }
        return n;
    }

    private void checkDisk(Map<String, ModelExpiry> records, Map<String, Map<PeerId, ModelExpiry>> providers)
            throws Exception {
        Set<String> expectedIndex = new HashSet<>();
        records.forEach((k, e) -> e.indexed().ifPresent(t -> expectedIndex.add("record " + k + " " + t)));
        providers.forEach((k, m) -> m.forEach((p, e) -> e.indexed().ifPresent(t -> expectedIndex.add("provider " + k + " " + p + " " + t))));
        Set<String> expectedProvided = new HashSet<>();
        providers.forEach((k, m) -> {
            if (m.containsKey(LOCAL)) {
                expectedProvided.add(k + " " + m.get(LOCAL).expires());
            }
        });
        try (RawDb raw = new RawDb(dir.resolve("db"))) {
            Set<String> index = new HashSet<>();
            List<byte[]> keys = raw.keys(KeyLayout.CF_EXPIRY);
            for (byte[] indexKey : keys) {
                Instant t = KeyLayout.instantOfExpiryKey(indexKey);
                byte[] identity = KeyLayout.identityOfExpiryKey(indexKey);
                if (KeyLayout.kindOfExpiryKey(indexKey) == KeyLayout.KIND_RECORD) {
                    index.add("record " + new String(identity, StandardCharsets.UTF_8) + " " + t);
                } else {
                    RecordKey k = RecordKey.of(KeyLayout.recordKeyOfProviderKey(identity));
                    byte[] value = raw.entries(KeyLayout.CF_PROVIDERS).get(java.util.HexFormat.of().formatHex(identity));
                    assertThat(value).as("providers entry of index entry %s", t).isNotNull();
                    StoredProvider p = ValueCodec.decodeProvider(k, value);
                    assertThat(p.seq()).isEqualTo(KeyLayout.seqOfProviderKey(identity));
                    index.add("provider " + k + " " + p.record().provider() + " " + t);
                }
            }
            assertThat(keys).as("one index entry each").hasSize(index.size());
            assertThat(index).isEqualTo(expectedIndex);
            Set<String> provided = new HashSet<>();
            raw.entries(KeyLayout.CF_PROVIDED).forEach((hex, value) -> {
                RecordKey k = RecordKey.of(java.util.HexFormat.of().parseHex(hex));
                try {
                    ProviderRecord p = ValueCodec.decodeProvider(k, value).record();
                    assertThat(p.provider()).isEqualTo(LOCAL);
                    provided.add(k + " " + p.expires());
                } catch (ValueCodec.CorruptValueException e) {
                    throw new AssertionError(e);
                }
            });
            assertThat(provided).isEqualTo(expectedProvided);
            // provider_peers: one entry per provider, naming its providers entry, with its index entry's instant
            Set<String> expectedPeers = new HashSet<>();
            providers.forEach((k, m) -> m.forEach((p, e) -> expectedPeers.add(k + " " + p + " " + e.indexed())));
            Map<String, byte[]> entries = raw.entries(KeyLayout.CF_PROVIDERS);
            Set<String> peers = new HashSet<>();
            raw.entries(KeyLayout.CF_PROVIDER_PEERS).forEach((hex, value) -> {
                byte[] peerKey = java.util.HexFormat.of().parseHex(hex);
                try {
                    ValueCodec.ProviderHead head = ValueCodec.decodeProviderHead(value, value.length);
                    int keyLength = java.nio.ByteBuffer.wrap(peerKey).getInt();
                    byte[] k = java.util.Arrays.copyOfRange(peerKey, KeyLayout.LENGTH_BYTES, KeyLayout.LENGTH_BYTES + keyLength);
                    byte[] named = entries.get(java.util.HexFormat.of().formatHex(KeyLayout.providerKey(k, head.seq())));
                    assertThat(named).as("the providers entry of %s", hex).isNotNull();
                    ProviderRecord p = ValueCodec.decodeProvider(RecordKey.of(k), named).record();
                    assertThat(KeyLayout.providerPeerKey(k, p.provider().toBytes())).isEqualTo(peerKey);
                    peers.add(new String(k, StandardCharsets.UTF_8) + " " + p.provider() + " " + head.expires());
                } catch (ValueCodec.CorruptValueException e) {
                    throw new AssertionError(e);
                }
            });
            assertThat(peers).isEqualTo(expectedPeers);
            assertThat(raw.keys(KeyLayout.CF_PROVIDER_PEERS)).hasSize(entries.size());
            LayoutMigrationTest.checkKeyspaceIndex(raw);
        }
    }

    @Test
    void aSweepLargerThanOneBatchRemovesEverythingAndKeepsCounts() {
        int n = 2 * RocksDbRecordStore.SWEEP_CHUNK + 300;
        try (RocksDbRecordStore s = open(config(n + 10, n + 10))) {
            for (int i = 0; i < n; i++) {
                s.put(record("r" + i, "v", T0.plusNanos(i % 7)));
                if (i % 3 == 0) {
                    s.addProvider(provider("r" + i, i % 2 == 0 ? LOCAL : peer(i % 5), T0));
                }
            }
            s.put(record("later", "v", T0.plusSeconds(1)));
            s.addProvider(provider("later", LOCAL, T0.plusSeconds(1)));
            int providers = (n + 2) / 3;
            assertThat(s.removeExpired(T0.plusNanos(10))).isEqualTo(n + providers);
            assertThat(s.counts()).isEqualTo(new StoreCounts(1, 1));
            assertThat(s.get(key("later"))).isPresent();
            try (CloseableIterator<ProviderRecord> it = s.provided()) {
                assertThat(it.next().key()).isEqualTo(key("later"));
                assertThat(it.hasNext()).isFalse();
            }
        }
    }

    @Test
    void anExpiryEarlierThanTheLastSweepIsStillFound() {
        try (RecordStore s = open(config())) {
            s.put(record("a", "v", T0.plusSeconds(100)));
            assertThat(s.removeExpired(T0.plusSeconds(50))).isZero();
            // indexed below where the last sweep ended
            s.put(record("b", "v", T0));
            s.addProvider(provider("p", peer(1), T0.plusSeconds(1)));
            assertThat(s.removeExpired(T0.plusSeconds(50))).isEqualTo(2);
            // a sweep with an earlier now than the last one
            s.put(record("c", "v", T0.minus(Duration.ofDays(365 * 60)))); // before 1970
            assertThat(s.removeExpired(T0.minusSeconds(1))).isEqualTo(1);
            assertThat(s.get(key("a"))).isPresent();
            assertThat(s.removeExpired(T0.plusSeconds(100))).isEqualTo(1);
        }
    }

    // ------------------------------------------------------------------ providedFrom

    /**
     * An open {@code providedFrom} iterator reads the index as it was when made: a key removed
     * meanwhile is still returned, one added is not; closing the store ends it.
     */
    @Test
    void providedFromReadsTheIndexAsItWasWhenItStarted() {
        RocksDbRecordStore s = open(config());
        List<ProviderRecord> mine = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            ProviderRecord p = provider("mine " + i, LOCAL, null);
            s.addProvider(p);
            mine.add(p);
        }
        mine.sort(io.jkad.record.Keyspace.ORDER);
        byte[] zero = new byte[io.jkad.record.Keyspace.ID_BYTES];
        try (CloseableIterator<ProviderRecord> it = s.providedFrom(zero)) {
            assertThat(it.next()).isEqualTo(mine.get(0));
            s.removeProvider(mine.get(1).key(), LOCAL);
            s.addProvider(provider("new", LOCAL, null));
            List<ProviderRecord> rest = new ArrayList<>();
            it.forEachRemaining(rest::add);
            assertThat(rest).isEqualTo(mine.subList(1, mine.size()));
        }
        CloseableIterator<ProviderRecord> open = s.providedFrom(zero);
        assertThat(open.hasNext()).isTrue();
        s.close();
        assertThat(catchThrowable(() -> {
            while (open.hasNext()) {
                open.next();
            }
        })).isNull();
        open.close();
        assertThat(catchThrowable(() -> s.providedFrom(zero)))
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.kind()).isEqualTo(Kind.CLOSED));
    }

    @Test
    void aDamagedKeyspaceIndexEntryIsABackendErrorNamingItsKeyAndTheScanGoesOn() throws Exception {
        try (RecordStore s = open(config())) {
            s.addProvider(provider("a", LOCAL, null));
            s.addProvider(provider("b", LOCAL, null));
        }
        try (RawDb raw = new RawDb(dir.resolve("db"))) {
            raw.put(KeyLayout.CF_PROVIDED_BY_ID, KeyLayout.providedIdKey(key("a")), new byte[] {2});
        }
        try (RocksDbRecordStore s = open(config())) {
            byte[] zero = new byte[io.jkad.record.Keyspace.ID_BYTES];
            List<ProviderRecord> read = new ArrayList<>();
            List<StoreException> errors = new ArrayList<>();
            try (CloseableIterator<ProviderRecord> it = s.providedFrom(zero)) {
                for (int i = 0; i < 3; i++) { // two entries, one damaged: the end comes by the third call
                    try {
                        if (!it.hasNext()) {
                            break;
                        }
                        read.add(it.next());
                    } catch (StoreException e) {
                        errors.add(e);
                    }
                }
            }
            assertThat(errors).singleElement().satisfies(e -> {
                assertThat(e.kind()).isEqualTo(Kind.BACKEND);
                assertThat(e.operation()).isEqualTo("providedFrom");
                assertThat(e).hasMessageContaining("under key a:");
            });
            assertThat(read).containsExactly(provider("b", LOCAL, null));
        }
    }

    // ------------------------------------------------------------------ counts across reopen

    @Test
    void reopeningKeepsTheCountsAndTheProviderOrderRight() {
        StoreConfig config = config(5, 3);
        try (RocksDbRecordStore s = open(config)) {
            for (int i = 0; i < 5; i++) {
                s.put(record("r" + i, "v", i < 2 ? T0 : null));
            }
            s.addProvider(provider("p0", peer(0), T0));
            s.addProvider(provider("p0", peer(1), null));
            s.addProvider(provider("p1", LOCAL, T0));
            s.addProvider(provider("p2", peer(2), null));
            assertThat(s.counts()).isEqualTo(new StoreCounts(5, 3));
        }
        try (RocksDbRecordStore s = open(config)) {
            assertThat(s.counts()).isEqualTo(new StoreCounts(5, 3));
            assertThat(s.removeExpired(T0)).isEqualTo(4); // r0, r1, p0/peer0, p1/local
            assertThat(s.counts()).isEqualTo(new StoreCounts(3, 2));
        }
        try (RocksDbRecordStore s = open(config)) {
            assertThat(s.counts()).isEqualTo(new StoreCounts(3, 2));
            s.put(record("r5", "v", null));
            s.put(record("r6", "v", null));
            assertThat(catchThrowable(() -> s.put(record("r7", "v", null))))
                    .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.kind()).isEqualTo(Kind.MAX_RECORDS));
            assertThat(s.addProvider(provider("p3", peer(3), null))).isTrue();
            s.addProvider(provider("p0", peer(9), null));
            assertThat(s.providers(key("p0"))).extracting(ProviderRecord::provider).containsExactly(peer(1), peer(9));
            assertThat(s.counts()).isEqualTo(new StoreCounts(5, 3));
        }
        // a smaller limit than the contents: kept, new keys refused until under the limit
        try (RocksDbRecordStore s = open(config(2, 1))) {
            assertThat(s.counts()).isEqualTo(new StoreCounts(5, 3));
            assertThat(s.get(key("r6"))).isPresent();
            assertThat(catchThrowable(() -> s.put(record("new", "v", null))))
                    .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.kind()).isEqualTo(Kind.MAX_RECORDS));
            s.put(record("r6", "replaced", null));
        }
    }

    // ------------------------------------------------------------------ close

    @Test
    @Timeout(60)
    void closingWhileOtherThreadsReadAndWriteEndsThemWithClosed() throws Exception {
        for (int round = 0; round < 5; round++) {
            Path db = dir.resolve("race-" + round);
            RocksDbRecordStore s = open(StoreConfig.defaults(LOCAL).withDataDirectory(db).withLimits(100_000, 1024, 20, 100_000));
            for (int i = 0; i < 100; i++) {
                s.put(record("k" + i, "v", T0));
            }
            ExecutorService pool = Executors.newFixedThreadPool(3);
            AtomicBoolean go = new AtomicBoolean(true);
            AtomicLong operations = new AtomicLong();
            List<Future<Throwable>> workers = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                int thread = t;
                workers.add(pool.submit(() -> {
                    int i = 0;
                    try {
                        while (go.get()) {
                            switch (thread) {
                                case 0 -> s.get(key("k" + (i % 100)));
                                case 1 -> s.put(record("w" + i, "v", T0));
                                default -> {
                                    try (CloseableIterator<DhtRecord> it = s.records()) {
                                        while (it.hasNext()) {
                                            it.next();
                                        }
                                    }
                                }
                            }
                            i++;
                            operations.incrementAndGet();
                        }
                        return null;
                    } catch (StoreException e) {
                        return e;
                    }
                }));
            }
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(1)).until(() -> operations.get() >= 200);
            s.close();
            for (Future<Throwable> f : workers) {
                Throwable t = f.get(20, TimeUnit.SECONDS);
                assertThat(t).as("each thread ends with CLOSED").isInstanceOf(StoreException.class);
                assertThat(((StoreException) t).kind()).isEqualTo(Kind.CLOSED);
            }
            go.set(false);
            pool.shutdown();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            // and the store opens again with everything acknowledged
            try (RocksDbRecordStore again = open(StoreConfig.defaults(LOCAL).withDataDirectory(db)
                    .withLimits(100_000, 1024, 20, 100_000))) {
                assertThat(again.counts().records()).isGreaterThanOrEqualTo(100);
            }
        }
    }
}
