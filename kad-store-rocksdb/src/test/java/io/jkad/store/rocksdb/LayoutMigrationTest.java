package io.jkad.store.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.record.CloseableIterator;
import io.jkad.record.DhtRecord;
import io.jkad.record.Keyspace;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.StoreConfig;
import io.jkad.record.StoreCounts;
import io.jkad.record.StoreException;
import io.jkad.record.StoreException.Kind;
import io.jkad.store.rocksdb.ValueCodec.ProviderHead;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opening a database of an earlier layout version: the migrations from version 1 to 2 and from 2 to
 * 3, whole or interrupted, the marking of version 3 as 4, and refused versions.
 */
class LayoutMigrationTest {

    private static final PeerId LOCAL = PeerId.random(new Random(7));
    private static final Instant T0 = Instant.parse("2030-06-01T12:00:00Z");
    private static final List<Multiaddr> ADDRESSES = List.of(Multiaddr.parse("/ip4/192.0.2.1/tcp/4001"),
            Multiaddr.parse("/ip6/2001:db8::1/tcp/4001"));

    @TempDir
    Path dir;

    private Path db() {
        return dir.resolve("db");
    }

    private StoreConfig config() {
        return StoreConfig.defaults(LOCAL).withDataDirectory(db()).withLimits(10_000, 1024, 20, 10_000);
    }

    private RocksDbRecordStore open() {
        return (RocksDbRecordStore) new RocksDbStoreProvider().open(config());
    }

    private static RecordKey key(String text) {
        return RecordKey.ofUtf8(text);
    }

    private static PeerId peer(int i) {
        return i == 0 ? LOCAL : PeerId.random(new Random(100 + i));
    }

    /** What a database written by {@link #writeOld} holds. */
    private static final class Model {
        final Map<RecordKey, DhtRecord> records = new LinkedHashMap<>();
        /** Per key, its providers in the order first added. */
        final Map<RecordKey, List<ProviderRecord>> providers = new LinkedHashMap<>();
    }

    /**
     * A version 1 database of {@code keys} provider keys (1 to 8 providers each, the local peer among
     * them for some, added interleaved across keys so that their seqs interleave) and 40 records.
     */
    private Model writeV1(int keys, long seed) throws Exception {
        return writeOld(1, keys, seed, true);
    }

    /** As {@link #writeV1}, in layout {@code version} (1 or 2), with or without its marker. */
    private Model writeOld(int version, int keys, long seed, boolean marker) throws Exception {
        Random random = new Random(seed);
        Model model = new Model();
        try (OldLayoutDatabase v1 = new OldLayoutDatabase(db(), version, marker)) {
            for (int i = 0; i < 40; i++) {
                Optional<Instant> expires = i % 3 == 0 ? Optional.empty() : Optional.of(T0.plusSeconds(i));
                DhtRecord r = DhtRecord.of(key("r" + i), ("value " + i).getBytes(StandardCharsets.UTF_8),
                        i % 2 == 0 ? Optional.of(peer(i % 5 + 1)) : Optional.empty(), expires);
                v1.put(r);
                model.records.put(r.key(), r);
            }
            Map<RecordKey, List<Integer>> pending = new HashMap<>();
            for (int k = 0; k < keys; k++) {
                List<Integer> peers = new ArrayList<>();
                int n = 1 + random.nextInt(8);
                for (int p = 0; peers.size() < n; p++) {
                    if (p == 0 ? random.nextBoolean() : random.nextInt(3) > 0) {
                        peers.add(p);
                    }
                }
                pending.put(key("p" + k), peers);
                model.providers.put(key("p" + k), new ArrayList<>());
            }
            // interleaved: one provider of a random key at a time
            List<RecordKey> open = new ArrayList<>(pending.keySet());
            while (!open.isEmpty()) {
                RecordKey k = open.get(random.nextInt(open.size()));
                int p = pending.get(k).remove(0);
                if (pending.get(k).isEmpty()) {
                    open.remove(k);
                }
                Optional<Instant> expires = random.nextInt(4) == 0 ? Optional.empty()
                        : Optional.of(T0.plusSeconds(random.nextInt(100)).plusNanos(random.nextInt(1000)));
                ProviderRecord record = new ProviderRecord(k, peer(p), expires, p == 0 ? List.of() : ADDRESSES);
                v1.addProvider(record, p == 0);
                model.providers.get(k).add(record);
            }
        }
        return model;
    }

    /** Everything of the model is there, in order, the index is complete and the counts are right. */
    private void checkStore(RocksDbRecordStore s, Model model) {
        for (DhtRecord r : model.records.values()) {
            assertThat(s.get(r.key())).contains(r);
        }
        Map<RecordKey, ProviderRecord> provided = new HashMap<>();
        model.providers.forEach((k, list) -> {
            assertThat(s.providers(k)).as("providers of %s", k).containsExactlyElementsOf(list);
            list.stream().filter(p -> p.provider().equals(LOCAL)).forEach(p -> provided.put(k, p));
        });
        Map<RecordKey, ProviderRecord> found = new HashMap<>();
        try (CloseableIterator<ProviderRecord> it = s.provided()) {
            it.forEachRemaining(p -> found.put(p.key(), p));
        }
        assertThat(found).isEqualTo(provided);
        checkProvidedFrom(s, provided.values());
        long keysWithProviders = model.providers.values().stream().filter(l -> !l.isEmpty()).count();
        assertThat(s.counts()).isEqualTo(new StoreCounts(model.records.size(), keysWithProviders));
    }

    /**
     * {@code providedFrom} lists {@code provided} in keyspace order, from the start and from the
     * middle (the position of a key itself, and just after it).
     */
    private static void checkProvidedFrom(RocksDbRecordStore s, java.util.Collection<ProviderRecord> provided) {
        List<ProviderRecord> ordered = new ArrayList<>(provided);
        ordered.sort(Keyspace.ORDER);
        assertThat(drain(s.providedFrom(new byte[Keyspace.ID_BYTES]))).containsExactlyElementsOf(ordered);
        if (ordered.size() > 2) {
            int middle = ordered.size() / 2;
            byte[] at = Keyspace.id(ordered.get(middle).key());
            assertThat(drain(s.providedFrom(at))).containsExactlyElementsOf(ordered.subList(middle, ordered.size()));
            byte[] after = Keyspace.nextRegionStart(at, 256).orElseThrow(); // the id after the key's: past it only
            assertThat(drain(s.providedFrom(after))).containsExactlyElementsOf(ordered.subList(middle + 1, ordered.size()));
        }
    }

    private static List<ProviderRecord> drain(CloseableIterator<ProviderRecord> it) {
        try (it) {
            List<ProviderRecord> out = new ArrayList<>();
            it.forEachRemaining(out::add);
            return out;
        }
    }

    /**
     * On disk: the marker says version 4; provider_peers holds exactly one entry per providers
     * entry, under (key, its provider), with that entry's seq and an instant at or before its expiry
     * (none if it has none), where the expiry column family has the entry's one index entry;
     * provided_by_id holds exactly the entries of provided, each under its key's SHA-256 and the key.
     */
    private void checkIndex() throws Exception {
        try (RawDb raw = new RawDb(db())) {
            assertThat(raw.entries(KeyLayout.CF_DEFAULT).get(HexFormat.of().formatHex(KeyLayout.FORMAT_KEY)))
                    .containsExactly(KeyLayout.FORMAT_VERSION);
            Map<String, ProviderHead> heads = new HashMap<>();
            for (Map.Entry<String, byte[]> e : raw.entries(KeyLayout.CF_PROVIDER_PEERS).entrySet()) {
                heads.put(e.getKey(), ValueCodec.decodeProviderHead(e.getValue(), e.getValue().length));
            }
            Set<String> expiryIndex = new HashSet<>();
            raw.keys(KeyLayout.CF_EXPIRY).forEach(x -> expiryIndex.add(HexFormat.of().formatHex(x)));
            Set<String> named = new HashSet<>();
            for (Map.Entry<String, byte[]> e : raw.entries(KeyLayout.CF_PROVIDERS).entrySet()) {
                byte[] providerKey = HexFormat.of().parseHex(e.getKey());
                byte[] k = KeyLayout.recordKeyOfProviderKey(providerKey);
                ProviderRecord p = ValueCodec.decodeProvider(RecordKey.of(k), e.getValue()).record();
                String peerKey = HexFormat.of().formatHex(KeyLayout.providerPeerKey(k, p.provider().toBytes()));
                ProviderHead head = heads.get(peerKey);
                assertThat(head).as("the head of %s", p).isNotNull();
                assertThat(head.seq()).isEqualTo(KeyLayout.seqOfProviderKey(providerKey));
                assertThat(head.expires().isPresent()).as("indexed iff it expires: %s", p).isEqualTo(p.expires().isPresent());
                head.expires().ifPresent(t -> {
                    assertThat(t).as("indexed no later than it expires: %s", p).isBeforeOrEqualTo(p.expires().get());
                    assertThat(expiryIndex).as("the index entry of %s", p)
                            .contains(HexFormat.of().formatHex(KeyLayout.expiryKey(t, KeyLayout.KIND_PROVIDER, providerKey)));
                });
                named.add(peerKey);
            }
            assertThat(heads.keySet()).isEqualTo(named);
            assertThat(heads).isNotEmpty();
            checkKeyspaceIndex(raw);
        }
    }

    /** provided_by_id is provided under other keys: {@code SHA-256(key) ‖ key}, with the same values. */
    static void checkKeyspaceIndex(RawDb raw) {
        Map<String, String> expected = new HashMap<>();
        raw.entries(KeyLayout.CF_PROVIDED).forEach((hex, value) -> expected.put(
                HexFormat.of().formatHex(KeyLayout.providedIdKey(RecordKey.of(HexFormat.of().parseHex(hex)))),
                HexFormat.of().formatHex(value)));
        Map<String, String> index = new HashMap<>();
        raw.entries(KeyLayout.CF_PROVIDED_BY_ID).forEach((hex, value) -> index.put(hex, HexFormat.of().formatHex(value)));
        assertThat(index).isEqualTo(expected);
    }

    @Test
    void aVersion1DatabaseIsMigratedAtOpenWithEverythingInIt() throws Exception {
        Model model = writeV1(300, 1); // more provider entries than one migration batch
        assertThat(model.providers.values().stream().mapToInt(List::size).sum()).isGreaterThan(LayoutMigration.BATCH);
        try (RocksDbRecordStore s = open()) {
            checkStore(s, model);
        }
        checkIndex();
        // and again: version 2 now, opened without migrating
        try (RocksDbRecordStore s = open()) {
            checkStore(s, model);
            // the migrated index works: updates in place keep the order, removals and sweeps keep it complete
            RecordKey k = model.providers.keySet().stream().filter(x -> model.providers.get(x).size() >= 3)
                    .findFirst().orElseThrow();
            List<ProviderRecord> list = model.providers.get(k);
            ProviderRecord first = list.get(0);
            ProviderRecord updated = new ProviderRecord(k, first.provider(), Optional.of(T0.plusSeconds(500)), List.of());
            assertThat(s.addProvider(updated)).isTrue();
            list.set(0, updated);
            s.removeProvider(k, list.get(1).provider());
            list.remove(1);
            assertThat(s.providers(k)).containsExactlyElementsOf(list);
            // the old expiry of the updated provider no longer removes it
            long expected = 0;
            for (List<ProviderRecord> l : model.providers.values()) {
                expected += l.stream().filter(p -> p.isExpired(T0.plusSeconds(200))).count();
                l.removeIf(p -> p.isExpired(T0.plusSeconds(200)));
            }
            expected += model.records.values().stream().filter(r -> r.expires().isPresent()).count();
            model.records.values().removeIf(r -> r.expires().isPresent());
            assertThat(s.removeExpired(T0.plusSeconds(200))).isEqualTo(expected);
            assertThat(s.providers(k)).contains(updated);
            checkStore(s, model);
        }
        checkIndex();
    }

    @Test
    void aMigrationThatDiedPartWayIsRunAgainAtTheNextOpen() throws Exception {
        Model model = writeV1(60, 2);
        RocksDbResources res = RocksDbResources.open(db(), RocksDbSettings.of(config()));
        try {
            LayoutMigration.Result result = LayoutMigration.v1ToV2(res, db(), 10, 3);
            assertThat(result.finished()).isFalse();
            // what a run that died wrote: three batches; and something no migration would write
            res.db.put(res.providerPeers, KeyLayout.providerPeerKey("p0".getBytes(StandardCharsets.UTF_8),
                    peer(42).toBytes()), ValueCodec.encodeProviderHead(999, Optional.empty()));
        } finally {
            res.close();
        }
        try (RawDb raw = new RawDb(db())) {
            assertThat(raw.entries(KeyLayout.CF_DEFAULT).get(HexFormat.of().formatHex(KeyLayout.FORMAT_KEY)))
                    .containsExactly(KeyLayout.FORMAT_VERSION_1);
            assertThat(raw.keys(KeyLayout.CF_PROVIDER_PEERS)).hasSize(31);
        }
        try (RocksDbRecordStore s = open()) {
            checkStore(s, model);
        }
        checkIndex(); // the stray entry is gone too
        try (RocksDbRecordStore s = open()) {
            // peer 42 is new to p0, and goes last
            ProviderRecord added = new ProviderRecord(key("p0"), peer(42), Optional.empty(), List.of());
            if (model.providers.get(key("p0")).size() < 20) {
                assertThat(s.addProvider(added)).isTrue();
                assertThat(s.providers(key("p0"))).endsWith(added);
                s.removeProvider(key("p0"), peer(42));
            }
        }
        checkIndex();
    }

    @Test
    void aVersion2DatabaseGetsItsProvidedKeysIndexedInKeyspaceOrder() throws Exception {
        Model model = writeOld(2, 2200, 4, true);
        long localKeys = model.providers.values().stream()
                .filter(l -> l.stream().anyMatch(p -> p.provider().equals(LOCAL))).count();
        assertThat(localKeys).as("more than one migration batch").isGreaterThan(LayoutMigration.BATCH);
        try (RocksDbRecordStore s = open()) {
            checkStore(s, model);
        }
        checkIndex();
        // version 3 now, opened without migrating; the index follows every kind of write
        try (RocksDbRecordStore s = open()) {
            checkStore(s, model);
            List<RecordKey> local = model.providers.keySet().stream()
                    .filter(k -> model.providers.get(k).stream().anyMatch(p -> p.provider().equals(LOCAL))).toList();
            // updated in place, with a new expiry and addresses: the index holds the new record
            RecordKey k0 = local.get(0);
            List<ProviderRecord> list0 = model.providers.get(k0);
            ProviderRecord updated = new ProviderRecord(k0, LOCAL, Optional.of(T0.plusSeconds(500)), ADDRESSES);
            assertThat(s.addProvider(updated)).isTrue();
            list0.replaceAll(p -> p.provider().equals(LOCAL) ? updated : p);
            // removed
            RecordKey k1 = local.get(1);
            s.removeProvider(k1, LOCAL);
            model.providers.get(k1).removeIf(p -> p.provider().equals(LOCAL));
            // added to a key provided only by others
            RecordKey k2 = model.providers.keySet().stream().filter(k -> !local.contains(k)
                    && !model.providers.get(k).isEmpty() && model.providers.get(k).size() < 20).findFirst().orElseThrow();
            ProviderRecord added = new ProviderRecord(k2, LOCAL, Optional.of(T0.plusSeconds(1)), List.of());
            assertThat(s.addProvider(added)).isTrue();
            model.providers.get(k2).add(added);
            checkStore(s, model);
            // the sweep removes expired local records from it too
            long expected = 0;
            for (List<ProviderRecord> l : model.providers.values()) {
                expected += l.stream().filter(p -> p.isExpired(T0.plusSeconds(200))).count();
                l.removeIf(p -> p.isExpired(T0.plusSeconds(200)));
            }
            expected += model.records.values().stream().filter(r -> r.expires().isPresent()).count();
            model.records.values().removeIf(r -> r.expires().isPresent());
            assertThat(s.removeExpired(T0.plusSeconds(200))).isEqualTo(expected);
            assertThat(model.providers.get(k2)).doesNotContain(added);
            checkStore(s, model);
        }
        checkIndex();
    }

    /**
     * A version 3 database (its provider heads and index entries at the exact expiries, as this
     * build writes them until an update extends one) opens as version 4 with everything in it, and
     * a provider extended afterwards expires at its new expiry, not at the one it was indexed at.
     */
    @Test
    void aVersion3DatabaseIsMarkedVersion4AndItsProvidersExpireWhenExtended() throws Exception {
        RecordKey k = key("p");
        ProviderRecord first = new ProviderRecord(k, peer(1), Optional.of(T0.plusSeconds(10)), ADDRESSES);
        ProviderRecord local = new ProviderRecord(k, LOCAL, Optional.of(T0.plusSeconds(30)), List.of());
        try (RocksDbRecordStore s = open()) {
            assertThat(s.addProvider(first)).isTrue();
            assertThat(s.addProvider(local)).isTrue();
        }
        try (RawDb raw = new RawDb(db())) {
            raw.put(KeyLayout.CF_DEFAULT, KeyLayout.FORMAT_KEY, new byte[] {KeyLayout.FORMAT_VERSION_3});
        }
        ProviderRecord extended = new ProviderRecord(k, peer(1), Optional.of(T0.plusSeconds(50)), ADDRESSES);
        try (RocksDbRecordStore s = open()) {
            assertThat(s.providers(k)).containsExactly(first, local);
            assertThat(s.addProvider(extended)).isTrue();
            assertThat(s.removeExpired(T0.plusSeconds(10))).isZero();
            assertThat(s.removeExpired(T0.plusSeconds(30))).isEqualTo(1);
            assertThat(s.providers(k)).containsExactly(extended);
        }
        checkIndex();
        try (RocksDbRecordStore s = open()) {
            assertThat(s.removeExpired(T0.plusSeconds(49))).isZero();
            assertThat(s.removeExpired(T0.plusSeconds(50))).isEqualTo(1);
            assertThat(s.providers(k)).isEmpty();
            assertThat(s.counts()).isEqualTo(new StoreCounts(0, 0));
        }
    }

    @Test
    void aKeyspaceMigrationThatDiedPartWayIsRunAgainAtTheNextOpen() throws Exception {
        Model model = writeOld(2, 200, 5, true);
        RocksDbResources res = RocksDbResources.open(db(), RocksDbSettings.of(config()));
        try {
            LayoutMigration.Result result = LayoutMigration.v2ToV3(res, db(), 10, 3);
            assertThat(result.finished()).isFalse();
            // what a run that died wrote: three batches; and something no migration would write
            res.db.put(res.providedById, KeyLayout.providedIdKey(key("not provided")), new byte[] {1, 0});
        } finally {
            res.close();
        }
        try (RawDb raw = new RawDb(db())) {
            assertThat(raw.entries(KeyLayout.CF_DEFAULT).get(HexFormat.of().formatHex(KeyLayout.FORMAT_KEY)))
                    .containsExactly(KeyLayout.FORMAT_VERSION_2);
            assertThat(raw.keys(KeyLayout.CF_PROVIDED_BY_ID)).hasSize(31);
        }
        try (RocksDbRecordStore s = open()) {
            checkStore(s, model);
        }
        checkIndex(); // the stray entry is gone too
    }

    @Test
    void entriesThatCannotBeIndexedAreRestoredFromTheProvidedCopyOrRemoved() throws Exception {
        ProviderRecord keptFirst = new ProviderRecord(key("dup"), peer(2), Optional.of(T0), ADDRESSES);
        ProviderRecord other = new ProviderRecord(key("dup"), peer(3), Optional.empty(), List.of());
        ProviderRecord localFirst = new ProviderRecord(key("dupLocal"), LOCAL, Optional.empty(), List.of());
        ProviderRecord restored = new ProviderRecord(key("mine"), LOCAL, Optional.of(T0.plusSeconds(5)), List.of());
        ProviderRecord good = new ProviderRecord(key("damaged"), peer(1), Optional.empty(), ADDRESSES);
        try (OldLayoutDatabase v1 = OldLayoutDatabase.v1(db())) {
            v1.addProvider(keptFirst, false);
            v1.addProvider(other, false);
            v1.addProvider(new ProviderRecord(key("dup"), peer(2), Optional.of(T0.plusSeconds(9)), List.of()), false);
            v1.addProvider(localFirst, true);
            v1.addProvider(new ProviderRecord(key("dupLocal"), LOCAL, Optional.of(T0), List.of()), true);
            long mine = v1.addProvider(restored, true);
            v1.raw(KeyLayout.CF_PROVIDERS, KeyLayout.providerKey(key("mine").toBytes(), mine), new byte[] {1, 0, 7});
            long damaged = v1.addProvider(new ProviderRecord(key("damaged"), peer(4), Optional.of(T0), List.of()), false);
            v1.raw(KeyLayout.CF_PROVIDERS, KeyLayout.providerKey(key("damaged").toBytes(), damaged), new byte[] {1, 0, 7});
            v1.addProvider(good, false);
            long gone = v1.addProvider(new ProviderRecord(key("gone"), peer(5), Optional.empty(), List.of()), false);
            v1.raw(KeyLayout.CF_PROVIDERS, KeyLayout.providerKey(key("gone").toBytes(), gone), new byte[] {9});
        }
        try (RocksDbRecordStore s = open()) {
            assertThat(s.providers(key("dup"))).containsExactly(keptFirst, other);
            assertThat(s.providers(key("dupLocal"))).containsExactly(localFirst);
            assertThat(s.providers(key("mine"))).containsExactly(restored);
            assertThat(s.providers(key("damaged"))).containsExactly(good);
            assertThat(s.providers(key("gone"))).isEmpty();
            Map<RecordKey, ProviderRecord> provided = new HashMap<>();
            try (CloseableIterator<ProviderRecord> it = s.provided()) {
                it.forEachRemaining(p -> provided.put(p.key(), p));
            }
            assertThat(provided).isEqualTo(Map.of(key("dupLocal"), localFirst, key("mine"), restored));
            assertThat(s.counts()).isEqualTo(new StoreCounts(0, 4));
            // the stale expiry index entries of the removed ones remove nothing
            assertThat(s.removeExpired(T0.plusSeconds(4))).isEqualTo(1); // keptFirst
            assertThat(s.providers(key("dup"))).containsExactly(other);
            assertThat(s.providers(key("dupLocal"))).containsExactly(localFirst);
        }
        checkIndex();
    }

    @Test
    void aDatabaseWithoutAMarkerIsNewAndGetsTheCurrentVersion() throws Exception {
        try (RocksDbRecordStore s = open()) {
            s.addProvider(new ProviderRecord(key("k"), peer(1), Optional.empty(), List.of()));
        }
        checkIndex();
    }

    @Test
    void aDatabaseWithoutAMarkerButWithProvidersIsMigratedAsVersion1() throws Exception {
        Model model = writeOld(1, 20, 3, false);
        try (RocksDbRecordStore s = open()) {
            checkStore(s, model);
        }
        checkIndex();
    }

    @Test
    void aNewerLayoutVersionIsRefusedSayingSo() throws Exception {
        new RocksDbStoreProvider().open(config()).close();
        try (RawDb raw = new RawDb(db())) {
            raw.put(KeyLayout.CF_DEFAULT, KeyLayout.FORMAT_KEY, new byte[] {(byte) (KeyLayout.FORMAT_VERSION + 1)});
        }
        assertThatThrownBy(this::open)
                .isInstanceOfSatisfying(StoreException.class, e -> {
                    assertThat(e.kind()).isEqualTo(Kind.BACKEND);
                    assertThat(e.operation()).isEqualTo("open");
                })
                .hasMessageContaining("layout version [" + (KeyLayout.FORMAT_VERSION + 1) + "], newer than this build knows")
                .hasMessageContaining(db().toString());
        // nothing was changed: the marker is still the newer one
        try (RawDb raw = new RawDb(db())) {
            assertThat(raw.entries(KeyLayout.CF_DEFAULT).get(HexFormat.of().formatHex(KeyLayout.FORMAT_KEY)))
                    .containsExactly(KeyLayout.FORMAT_VERSION + 1);
        }
    }

    @Test
    void aMarkerThatIsNotAVersionIsRefused() throws Exception {
        new RocksDbStoreProvider().open(config()).close();
        try (RawDb raw = new RawDb(db())) {
            raw.put(KeyLayout.CF_DEFAULT, KeyLayout.FORMAT_KEY, new byte[] {1, 2});
        }
        assertThatThrownBy(this::open).isInstanceOf(StoreException.class)
                .hasMessageContaining("layout version [1, 2]; this build reads version 4 and migrates versions 1 to 3");
    }
}
