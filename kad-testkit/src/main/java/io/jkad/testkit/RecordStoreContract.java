package io.jkad.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.record.CloseableIterator;
import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStore;
import io.jkad.record.StoreConfig;
import io.jkad.record.StoreCounts;
import io.jkad.record.StoreException;
import io.jkad.record.StoreException.Kind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The record store conformance kit: the definition of {@link RecordStore}'s semantics. A backend's
 * test extends this class, implements {@link #openStore} (and {@link #persistent()} for a store
 * that survives a restart) and must pass every test without overriding any.
 *
 * <pre>{@code
 * class RocksDbRecordStoreTest extends RecordStoreContract {
 *     protected RecordStore openStore(StoreConfig config) { return new RocksDbStoreProvider().open(config); }
 *     protected boolean persistent() { return true; }
 * }
 * }</pre>
 *
 * <p>Every config the kit passes has its own fresh data directory under a {@link TempDir}, so
 * {@link #openStore} must return an empty store for a data directory not used before and, for a
 * persistent store, the same store again for a data directory used before (after the kit closed
 * it). Stores the kit opens are closed after each test. Instants come from a {@link ManualClock}
 * with nanoseconds; the tests are deterministic apart from the two-thread ones, and the whole kit
 * runs in a few seconds on a fast store.
 */
public abstract class RecordStoreContract {

    /** Opens (creating if needed) the store that {@code config} describes. */
    protected abstract RecordStore openStore(StoreConfig config);

    /**
     * Whether the store keeps its contents across close and reopen with the same config; the
     * persistence tests are skipped (not passed) when false.
     */
    protected boolean persistent() {
        return false;
    }

    /** Where the data directories of the test's stores are made (fresh for each test). */
    @TempDir
    protected Path tempDir;

    /** The clock the tests take their instants from. */
    protected final ManualClock clock = new ManualClock();

    /** The peer whose provider records are "provided". */
    protected final PeerId localPeer = PeerId.random(new Random(0x10ca1));

    private final List<RecordStore> opened = Collections.synchronizedList(new ArrayList<>());
    private int configs;

    /** Closes every store the test opened (a second close of a store already closed must be a no-op). */
    @AfterEach
    protected final void closeStores() {
        for (RecordStore s : opened) {
            s.close();
        }
    }

    // ------------------------------------------------------------------ helpers

    /** The reference defaults with a fresh data directory. */
    protected final StoreConfig config() {
        return config(StoreConfig.DEFAULT_MAX_RECORDS, StoreConfig.DEFAULT_MAX_VALUE_BYTES,
                StoreConfig.DEFAULT_MAX_PROVIDERS_PER_KEY, StoreConfig.DEFAULT_MAX_PROVIDED_KEYS);
    }

    /** The given limits with a fresh data directory. */
    protected final StoreConfig config(int maxRecords, int maxValueBytes, int maxProvidersPerKey, int maxProvidedKeys) {
        Path dir = tempDir.resolve("store-" + (++configs));
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return StoreConfig.defaults(localPeer).withDataDirectory(dir)
                .withLimits(maxRecords, maxValueBytes, maxProvidersPerKey, maxProvidedKeys);
    }

    /** Opens a store that is closed after the test. */
    protected final RecordStore open(StoreConfig config) {
        RecordStore s = openStore(config);
        assertThat(s).as("openStore(%s)", config).isNotNull();
        opened.add(s);
        return s;
    }

    private RecordStore open() {
        return open(config());
    }

    /** Closes {@code store} and opens the store of {@code config} again. */
    private RecordStore reopen(RecordStore store, StoreConfig config) {
        store.close();
        return open(config);
    }

    private static RecordKey key(String text) {
        return RecordKey.ofUtf8(text);
    }

    private static RecordKey key(int i) {
        return RecordKey.ofUtf8("key-" + i);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] randomBytes(Random random, int length) {
        byte[] b = new byte[length];
        random.nextBytes(b);
        return b;
    }

    /** A remote peer, the same for the same {@code i}. */
    private static PeerId peer(int i) {
        return PeerId.random(new Random(1_000_003L * (i + 1)));
    }

    private static DhtRecord record(RecordKey key, String value) {
        return DhtRecord.of(key, bytes(value));
    }

    private static DhtRecord record(RecordKey key, byte[] value, PeerId publisher, Instant expires) {
        return DhtRecord.of(key, value, Optional.ofNullable(publisher), Optional.ofNullable(expires));
    }

    private static ProviderRecord provider(RecordKey key, PeerId peer, Instant expires) {
        return new ProviderRecord(key, peer, Optional.ofNullable(expires), List.of());
    }

    private static ProviderRecord provider(RecordKey key, PeerId peer) {
        return provider(key, peer, null);
    }

    /** Four addresses of different shapes (ip4, ip6, dns4 with a peer id, ip4 with the highest port). */
    private static List<Multiaddr> addresses() {
        return List.of(
                Multiaddr.parse("/ip4/127.0.0.1/tcp/4001"),
                Multiaddr.parse("/ip6/::1/tcp/4002"),
                Multiaddr.parse("/dns4/example.com/tcp/443/p2p/" + peer(1).toBase58()),
                Multiaddr.parse("/ip4/10.0.0.1/tcp/65535"));
    }

    private static <T> List<T> drain(CloseableIterator<T> it) {
        try (it) {
            List<T> out = new ArrayList<>();
            while (it.hasNext()) {
                out.add(it.next());
            }
            return out;
        }
    }

    private static List<DhtRecord> records(RecordStore s) {
        return drain(s.records());
    }

    private static List<ProviderRecord> provided(RecordStore s) {
        return drain(s.provided());
    }

    private static Map<RecordKey, DhtRecord> byKey(List<DhtRecord> records) {
        Map<RecordKey, DhtRecord> map = new HashMap<>();
        for (DhtRecord r : records) {
            assertThat(map.put(r.key(), r)).as("key %s returned twice", r.key()).isNull();
        }
        return map;
    }

    private static void assertRefused(Kind kind, String operation, ThrowingCallable call) {
        Throwable t = catchThrowable(call);
        assertThat(t).as("expected StoreException %s from %s", kind, operation).isInstanceOf(StoreException.class);
        StoreException e = (StoreException) t;
        assertThat(e.kind()).as("kind of %s", e).isEqualTo(kind);
        assertThat(e.operation()).as("operation of %s", e).isEqualTo(operation);
        assertThat(e.store()).as("store of %s", e).isNotBlank();
    }

    // ------------------------------------------------------------------ values: CRUD

    @Test
    void putThenGetReturnsTheRecordWithAllFields() {
        RecordStore s = open();
        DhtRecord r = record(key("a"), bytes("value a"), peer(1), clock.instant().plusSeconds(60));
        s.put(r);
        assertThat(s.get(key("a"))).contains(r);
        DhtRecord bare = record(key("b"), "value b");
        s.put(bare);
        assertThat(s.get(key("b"))).contains(bare);
    }

    @Test
    void getOfAbsentKeyIsEmpty() {
        RecordStore s = open();
        assertThat(s.get(key("absent"))).isEmpty();
        s.put(record(key("present"), "v"));
        assertThat(s.get(key("absent"))).isEmpty();
        assertThat(s.get(key("presen"))).isEmpty();
        assertThat(s.get(key("present!"))).isEmpty();
    }

    @Test
    void putReplacesValuePublisherAndExpiry() {
        RecordStore s = open();
        s.put(record(key("k"), bytes("old"), peer(1), clock.instant().plusSeconds(5)));
        DhtRecord newer = record(key("k"), bytes("new and longer"), peer(2), clock.instant().plusSeconds(50));
        s.put(newer);
        assertThat(s.get(key("k"))).contains(newer);
        DhtRecord bare = record(key("k"), "bare");
        s.put(bare);
        assertThat(s.get(key("k"))).contains(bare);
        assertThat(records(s)).containsExactly(bare);
    }

    @Test
    void removeDeletesOnlyThatRecord() {
        RecordStore s = open();
        s.put(record(key("a"), "1"));
        s.put(record(key("b"), "2"));
        s.remove(key("a"));
        assertThat(s.get(key("a"))).isEmpty();
        assertThat(s.get(key("b"))).contains(record(key("b"), "2"));
        s.remove(key("a"));
        s.remove(key("never stored"));
        assertThat(records(s)).containsExactly(record(key("b"), "2"));
        s.put(record(key("a"), "again"));
        assertThat(s.get(key("a"))).contains(record(key("a"), "again"));
    }

    @Test
    void valueAndProviderRecordsOfOneKeyAreIndependent() {
        RecordStore s = open();
        RecordKey k = key("both");
        s.put(record(k, "v"));
        s.addProvider(provider(k, peer(1)));
        s.remove(k);
        assertThat(s.providers(k)).containsExactly(provider(k, peer(1)));
        s.put(record(k, "v"));
        s.removeProvider(k, peer(1));
        assertThat(s.get(k)).contains(record(k, "v"));
        assertThat(s.providers(k)).isEmpty();
    }

    @Test
    void nullArgumentsThrowNullPointerException() {
        RecordStore s = open();
        assertThatThrownBy(() -> s.get(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> s.put(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> s.remove(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> s.addProvider(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> s.providers(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> s.removeProvider(null, peer(1))).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> s.removeProvider(key("k"), null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> s.removeExpired(null)).isInstanceOf(NullPointerException.class);
        assertThat(records(s)).isEmpty();
    }

    // ------------------------------------------------------------------ limits

    @Test
    void valueOfExactlyMaxValueBytesIsAcceptedAndOneMoreIsRefused() {
        RecordStore s = open(config(16, 100, 20, 16));
        DhtRecord atLimit = DhtRecord.of(key("max"), new byte[100]);
        s.put(atLimit);
        assertThat(s.get(key("max"))).contains(atLimit);
        assertRefused(Kind.VALUE_TOO_LARGE, "put", () -> s.put(DhtRecord.of(key("big"), new byte[101])));
        assertThat(s.get(key("big"))).isEmpty();
    }

    @Test
    void tooLargeValueLeavesTheExistingRecordUnchanged() {
        RecordStore s = open(config(16, 100, 20, 16));
        DhtRecord old = record(key("k"), bytes("old"), peer(1), clock.instant().plusSeconds(9));
        s.put(old);
        assertRefused(Kind.VALUE_TOO_LARGE, "put", () -> s.put(DhtRecord.of(key("k"), new byte[101])));
        assertThat(s.get(key("k"))).contains(old);
        assertThat(records(s)).containsExactly(old);
        // the refused record's (absent) expiry was not indexed, the old one still is
        assertThat(s.removeExpired(clock.instant().plusSeconds(9))).isEqualTo(1);
    }

    @Test
    void keyOfExactlyMaxKeyBytesIsAcceptedAndOneMoreIsRefusedByEveryWrite() {
        StoreConfig config = config();
        assertThat(config.maxKeyBytes()).isEqualTo(StoreConfig.DEFAULT_MAX_KEY_BYTES);
        RecordStore s = open(config);
        RecordKey atLimit = RecordKey.of(randomBytes(new Random(11), config.maxKeyBytes()));
        RecordKey over = RecordKey.of(randomBytes(new Random(12), config.maxKeyBytes() + 1));
        DhtRecord r = record(atLimit, bytes("v"), peer(1), clock.instant().plusSeconds(60));
        s.put(r);
        // a remote and the local provider: the store's provider indexes hold the key with a peer id
        assertThat(s.addProvider(provider(atLimit, peer(2)))).isTrue();
        assertThat(s.addProvider(provider(atLimit, localPeer))).isTrue();
        assertThat(s.get(atLimit)).contains(r);
        assertThat(s.providers(atLimit)).containsExactly(provider(atLimit, peer(2)), provider(atLimit, localPeer));

        assertRefused(Kind.KEY_TOO_LARGE, "put", () -> s.put(record(over, "v")));
        assertRefused(Kind.KEY_TOO_LARGE, "addProvider", () -> s.addProvider(provider(over, peer(2))));
        assertRefused(Kind.KEY_TOO_LARGE, "addProvider", () -> s.addProvider(provider(over, localPeer)));
        assertThat(s.get(over)).isEmpty();
        assertThat(s.providers(over)).isEmpty();
        assertThat(records(s)).containsExactly(r);
        assertThat(provided(s)).containsExactly(provider(atLimit, localPeer));
        assertThat(s.counts()).isEqualTo(new StoreCounts(1, 1));
    }

    /** Issue 11: 1.9 MB keys were taken by the memory and RocksDB stores and refused differently by H2 and PostgreSQL. */
    @Test
    void hugeKeyIsRefusedAlikeAndReadsWithItFindNothing() {
        RecordStore s = open();
        RecordKey huge = RecordKey.of(randomBytes(new Random(13), 1_900_000));
        assertRefused(Kind.KEY_TOO_LARGE, "put", () -> s.put(record(huge, "v")));
        assertRefused(Kind.KEY_TOO_LARGE, "addProvider", () -> s.addProvider(provider(huge, peer(1))));
        assertThat(s.get(huge)).isEmpty();
        assertThat(s.providers(huge)).isEmpty();
        assertThatCode(() -> s.remove(huge)).doesNotThrowAnyException();
        assertThatCode(() -> s.removeProvider(huge, peer(1))).doesNotThrowAnyException();
        assertThat(records(s)).isEmpty();
        assertThat(s.counts()).isEqualTo(new StoreCounts(0, 0));
        // the store still works
        s.put(record(key("after"), "v"));
        assertThat(s.get(key("after"))).contains(record(key("after"), "v"));
    }

    @Test
    void configuredMaxKeyBytesIsTheLimitAndIsCheckedBeforeTheValue() {
        RecordStore s = open(config(16, 100, 20, 16).withMaxKeyBytes(8));
        s.put(record(RecordKey.ofUtf8("12345678"), "v"));
        assertThat(s.addProvider(provider(RecordKey.ofUtf8("12345678"), peer(1)))).isTrue();
        assertRefused(Kind.KEY_TOO_LARGE, "put", () -> s.put(record(RecordKey.ofUtf8("123456789"), "v")));
        assertRefused(Kind.KEY_TOO_LARGE, "put",
                () -> s.put(DhtRecord.of(RecordKey.ofUtf8("123456789"), new byte[101])));
        assertRefused(Kind.KEY_TOO_LARGE, "addProvider",
                () -> s.addProvider(provider(RecordKey.ofUtf8("123456789"), peer(1))));
        assertThat(s.counts()).isEqualTo(new StoreCounts(1, 1));
    }

    @Test
    void refusedKeyLeavesTheStoreUnchangedAndClosedStillWins() {
        RecordStore s = open(config().withMaxKeyBytes(4));
        DhtRecord kept = record(key("k"), bytes("v"), null, clock.instant().plusSeconds(5));
        s.put(kept);
        assertRefused(Kind.KEY_TOO_LARGE, "put",
                () -> s.put(record(key("kk-too-long"), bytes("v"), null, clock.instant().plusSeconds(1))));
        // the refused record's expiry was never indexed
        assertThat(s.removeExpired(clock.instant().plusSeconds(1))).isZero();
        assertThat(records(s)).containsExactly(kept);
        s.close();
        assertRefused(Kind.CLOSED, "put", () -> s.put(record(key("kk-too-long"), "v")));
        assertRefused(Kind.CLOSED, "addProvider", () -> s.addProvider(provider(key("kk-too-long"), peer(1))));
    }

    @Test
    void maxRecordsRefusesOnlyNewKeys() {
        RecordStore s = open(config(3, 1024, 20, 16));
        for (int i = 0; i < 3; i++) {
            s.put(record(key(i), "v" + i));
        }
        assertRefused(Kind.MAX_RECORDS, "put", () -> s.put(record(key(3), "v3")));
        assertThat(s.get(key(3))).isEmpty();
        assertThat(records(s)).hasSize(3);
        // overwriting at the limit works
        s.put(record(key(1), "replaced"));
        assertThat(s.get(key(1))).contains(record(key(1), "replaced"));
        assertThat(records(s)).hasSize(3);
        // a removal frees a slot
        s.remove(key(0));
        s.put(record(key(3), "v3"));
        assertThat(s.get(key(3))).contains(record(key(3), "v3"));
        assertRefused(Kind.MAX_RECORDS, "put", () -> s.put(record(key(4), "v4")));
    }

    @Test
    void refusedAndIgnoredRecordsLeaveNoExpiryBehind() {
        RecordStore s = open(config(1, 8, 1, 1));
        Instant t = clock.instant().plusSeconds(1);
        s.put(record(key("kept"), "v"));
        s.addProvider(provider(key("kept"), peer(1)));
        assertRefused(Kind.MAX_RECORDS, "put", () -> s.put(record(key("new"), bytes("v"), null, t)));
        assertRefused(Kind.VALUE_TOO_LARGE, "put", () -> s.put(record(key("kept"), new byte[9], null, t)));
        assertRefused(Kind.MAX_PROVIDED_KEYS, "addProvider", () -> s.addProvider(provider(key("new"), localPeer, t)));
        assertThat(s.addProvider(provider(key("kept"), localPeer, t))).isFalse();
        assertThat(s.removeExpired(t)).isZero();
        assertThat(s.get(key("kept"))).contains(record(key("kept"), "v"));
        assertThat(s.providers(key("kept"))).containsExactly(provider(key("kept"), peer(1)));
        assertThat(provided(s)).isEmpty();
    }

    @Test
    void providerRecordsDoNotCountAgainstMaxRecordsNorValuesAgainstProvidedKeys() {
        RecordStore s = open(config(2, 1024, 20, 2));
        s.addProvider(provider(key("p1"), peer(1)));
        s.addProvider(provider(key("p2"), peer(1)));
        s.put(record(key("v1"), "1"));
        s.put(record(key("v2"), "2"));
        assertThat(records(s)).hasSize(2);
        assertThat(s.providers(key("p2"))).hasSize(1);
    }

    @Test
    void maxProvidedKeysRefusesOnlyKeysWithoutProviders() {
        RecordStore s = open(config(16, 1024, 20, 3));
        for (int i = 0; i < 3; i++) {
            assertThat(s.addProvider(provider(key(i), peer(i)))).isTrue();
        }
        List<ProviderRecord> providedBefore = provided(s);
        // a new key is refused, from a remote peer or from the local one
        assertRefused(Kind.MAX_PROVIDED_KEYS, "addProvider", () -> s.addProvider(provider(key(3), peer(3))));
        assertRefused(Kind.MAX_PROVIDED_KEYS, "addProvider", () -> s.addProvider(provider(key(3), localPeer)));
        assertThat(s.providers(key(3))).isEmpty();
        assertThat(provided(s)).isEqualTo(providedBefore);
        // more providers for a key already present, and updates, still work
        assertThat(s.addProvider(provider(key(0), peer(10)))).isTrue();
        assertThat(s.addProvider(provider(key(0), localPeer))).isTrue();
        assertThat(s.addProvider(provider(key(1), peer(1), clock.instant().plusSeconds(1)))).isTrue();
        assertThat(s.providers(key(0))).containsExactly(
                provider(key(0), peer(0)), provider(key(0), peer(10)), provider(key(0), localPeer));
        // removing a key's last provider frees its slot
        s.removeProvider(key(2), peer(2));
        assertThat(s.addProvider(provider(key(3), peer(3)))).isTrue();
        assertRefused(Kind.MAX_PROVIDED_KEYS, "addProvider", () -> s.addProvider(provider(key(4), peer(4))));
    }

    @Test
    void removingOneOfSeveralProvidersDoesNotFreeTheKeySlot() {
        RecordStore s = open(config(16, 1024, 20, 1));
        s.addProvider(provider(key(0), peer(0)));
        s.addProvider(provider(key(0), peer(1)));
        s.removeProvider(key(0), peer(0));
        assertRefused(Kind.MAX_PROVIDED_KEYS, "addProvider", () -> s.addProvider(provider(key(1), peer(1))));
        assertThat(s.providers(key(0))).containsExactly(provider(key(0), peer(1)));
    }

    // ------------------------------------------------------------------ counts

    @Test
    void countsFollowWritesRemovalsRefusalsAndExpiry() {
        RecordStore s = open(config(3, 8, 2, 2));
        assertThat(s.counts()).isEqualTo(new StoreCounts(0, 0));
        Instant soon = clock.instant().plusSeconds(10);
        s.put(record(key("a"), "1"));
        s.put(record(key("b"), bytes("2"), null, soon));
        s.put(record(key("a"), "replaced"));
        assertThat(s.counts()).isEqualTo(new StoreCounts(2, 0));
        s.addProvider(provider(key("a"), peer(1)));
        s.addProvider(provider(key("a"), localPeer));
        s.addProvider(provider(key("p"), peer(2), soon));
        // a full provider list ignores the third provider: the key still counts once
        assertThat(s.addProvider(provider(key("a"), peer(3)))).isFalse();
        assertThat(s.counts()).isEqualTo(new StoreCounts(2, 2));
        s.put(record(key("c"), "3"));
        assertRefused(Kind.MAX_RECORDS, "put", () -> s.put(record(key("d"), "4")));
        assertRefused(Kind.VALUE_TOO_LARGE, "put", () -> s.put(DhtRecord.of(key("e"), new byte[9])));
        assertRefused(Kind.MAX_PROVIDED_KEYS, "addProvider", () -> s.addProvider(provider(key("q"), peer(1))));
        assertThat(s.counts()).isEqualTo(new StoreCounts(3, 2));
        s.remove(key("c"));
        s.remove(key("never stored"));
        s.removeProvider(key("a"), peer(1));
        assertThat(s.counts()).isEqualTo(new StoreCounts(2, 2));
        s.removeProvider(key("a"), localPeer);
        assertThat(s.counts()).isEqualTo(new StoreCounts(2, 1));
        assertThat(s.removeExpired(soon)).isEqualTo(2);
        assertThat(s.counts()).isEqualTo(new StoreCounts(1, 0));
    }

    @Test
    void reopenKeepsTheCounts() {
        assumeTrue(persistent(), "the store is not persistent");
        StoreConfig config = config();
        RecordStore s = open(config);
        for (int i = 0; i < 5; i++) {
            s.put(record(key(i), "v" + i));
        }
        s.remove(key(0));
        s.addProvider(provider(key(1), peer(1)));
        s.addProvider(provider(key(1), localPeer));
        s.addProvider(provider(key(2), localPeer));
        assertThat(s.counts()).isEqualTo(new StoreCounts(4, 2));
        s = reopen(s, config);
        assertThat(s.counts()).isEqualTo(new StoreCounts(4, 2));
    }

    @Test
    void defaultLimitsAreTheReferenceOnes() {
        RecordStore s = open();
        DhtRecord largest = DhtRecord.of(key("v"), new byte[65 * 1024]);
        s.put(largest);
        assertThat(s.get(key("v"))).contains(largest);
        assertRefused(Kind.VALUE_TOO_LARGE, "put", () -> s.put(DhtRecord.of(key("w"), new byte[65 * 1024 + 1])));
        for (int i = 0; i < 20; i++) {
            assertThat(s.addProvider(provider(key("p"), peer(i)))).isTrue();
        }
        assertThat(s.addProvider(provider(key("p"), peer(20)))).isFalse();
        assertThat(s.providers(key("p"))).hasSize(20);
    }

    // ------------------------------------------------------------------ providers

    @Test
    void addProviderThenProvidersReturnsIt() {
        RecordStore s = open();
        ProviderRecord p = provider(key("k"), peer(1), clock.instant().plus(Duration.ofHours(24)));
        assertThat(s.addProvider(p)).isTrue();
        assertThat(s.providers(key("k"))).containsExactly(p);
    }

    @Test
    void providersOfUnknownKeyIsEmpty() {
        RecordStore s = open();
        assertThat(s.providers(key("nobody"))).isEmpty();
        s.addProvider(provider(key("somebody"), peer(1)));
        assertThat(s.providers(key("nobody"))).isEmpty();
        s.put(record(key("value only"), "v"));
        assertThat(s.providers(key("value only"))).isEmpty();
    }

    @Test
    void providersAreListedInTheOrderFirstAdded() {
        RecordStore s = open();
        List<ProviderRecord> expected = new ArrayList<>();
        // peers in an order unrelated to their ids or their distance to the key
        for (int i : new int[] {7, 2, 9, 0, 5, 3}) {
            ProviderRecord p = provider(key("k"), peer(i));
            s.addProvider(p);
            expected.add(p);
        }
        assertThat(s.providers(key("k"))).containsExactlyElementsOf(expected);
        // removed and added again: last
        s.removeProvider(key("k"), peer(2));
        s.addProvider(provider(key("k"), peer(2)));
        expected.remove(1);
        expected.add(provider(key("k"), peer(2)));
        assertThat(s.providers(key("k"))).containsExactlyElementsOf(expected);
    }

    @Test
    void addingAKnownProviderUpdatesItInPlace() {
        RecordStore s = open();
        RecordKey k = key("k");
        s.addProvider(provider(k, peer(1), clock.instant().plusSeconds(10)));
        s.addProvider(provider(k, peer(2), clock.instant().plusSeconds(10)));
        s.addProvider(provider(k, peer(3), clock.instant().plusSeconds(10)));
        ProviderRecord updated = provider(k, peer(2), clock.instant().plusSeconds(99));
        assertThat(s.addProvider(updated)).isTrue();
        assertThat(s.providers(k)).containsExactly(
                provider(k, peer(1), clock.instant().plusSeconds(10)), updated,
                provider(k, peer(3), clock.instant().plusSeconds(10)));
        ProviderRecord neverExpires = provider(k, peer(2));
        assertThat(s.addProvider(neverExpires)).isTrue();
        assertThat(s.providers(k)).hasSize(3).element(1).isEqualTo(neverExpires);
    }

    @Test
    void fullProviderListIgnoresNewProvidersAndKeepsTheOldOnes() {
        RecordStore s = open(config(16, 1024, 3, 16));
        RecordKey k = key("k");
        List<ProviderRecord> first = List.of(provider(k, peer(1)), provider(k, peer(2)), provider(k, peer(3)));
        for (ProviderRecord p : first) {
            assertThat(s.addProvider(p)).isTrue();
        }
        assertThat(s.addProvider(provider(k, peer(4)))).isFalse();
        assertThat(s.addProvider(provider(k, localPeer))).isFalse();
        assertThat(s.providers(k)).containsExactlyElementsOf(first);
        assertThat(provided(s)).isEmpty();
        // an update of a listed provider still works when the list is full
        ProviderRecord update = provider(k, peer(3), clock.instant().plusSeconds(5));
        assertThat(s.addProvider(update)).isTrue();
        assertThat(s.providers(k)).containsExactly(first.get(0), first.get(1), update);
        // a removal makes room again
        s.removeProvider(k, peer(1));
        assertThat(s.addProvider(provider(k, peer(4)))).isTrue();
        assertThat(s.providers(k)).containsExactly(first.get(1), update, provider(k, peer(4)));
    }

    @Test
    void providerAddressesAreKeptAndReplacedByAnUpdate() {
        List<Multiaddr> addresses = addresses();
        RecordStore s = open();
        RecordKey k = key("k");
        ProviderRecord first = new ProviderRecord(k, peer(1), Optional.empty(), addresses.subList(0, 2));
        s.addProvider(first);
        assertThat(s.providers(k)).containsExactly(first);
        assertThat(s.providers(k).get(0).addresses()).containsExactlyElementsOf(addresses.subList(0, 2));
        ProviderRecord moved = new ProviderRecord(k, peer(1), Optional.empty(), addresses.subList(2, 3));
        s.addProvider(moved);
        assertThat(s.providers(k).get(0).addresses()).containsExactlyElementsOf(addresses.subList(2, 3));
        ProviderRecord none = new ProviderRecord(k, peer(1), Optional.empty(), List.of());
        s.addProvider(none);
        assertThat(s.providers(k)).containsExactly(none);
    }

    @Test
    void removeProviderRemovesOnlyThatProvider() {
        RecordStore s = open();
        s.addProvider(provider(key("a"), peer(1)));
        s.addProvider(provider(key("a"), peer(2)));
        s.addProvider(provider(key("b"), peer(1)));
        s.removeProvider(key("a"), peer(1));
        assertThat(s.providers(key("a"))).containsExactly(provider(key("a"), peer(2)));
        assertThat(s.providers(key("b"))).containsExactly(provider(key("b"), peer(1)));
        s.removeProvider(key("a"), peer(9));
        s.removeProvider(key("unknown"), peer(1));
        assertThat(s.providers(key("a"))).containsExactly(provider(key("a"), peer(2)));
        s.removeProvider(key("a"), peer(2));
        assertThat(s.providers(key("a"))).isEmpty();
    }

    @Test
    void providersListIsASnapshot() {
        RecordStore s = open();
        s.addProvider(provider(key("k"), peer(1)));
        List<ProviderRecord> list = s.providers(key("k"));
        try {
            list.clear();
        } catch (UnsupportedOperationException expected) {
            // an immutable list is the expected answer
        }
        assertThat(s.providers(key("k"))).containsExactly(provider(key("k"), peer(1)));
        List<ProviderRecord> before = List.copyOf(s.providers(key("k")));
        List<ProviderRecord> snapshot = s.providers(key("k"));
        s.addProvider(provider(key("k"), peer(2)));
        assertThat(snapshot).isEqualTo(before);
    }

    @Test
    void providedListsExactlyTheLocalPeersRecords() {
        RecordStore s = open();
        ProviderRecord mine1 = provider(key("k1"), localPeer, clock.instant().plusSeconds(30));
        ProviderRecord mine2 = provider(key("k2"), localPeer);
        s.addProvider(provider(key("k1"), peer(1)));
        s.addProvider(mine1);
        s.addProvider(mine2);
        s.addProvider(provider(key("k3"), peer(1)));
        s.put(record(key("k4"), "value records are not provider records"));
        assertThat(provided(s)).containsExactlyInAnyOrder(mine1, mine2);
        // an update shows in provided()
        ProviderRecord mine1Later = provider(key("k1"), localPeer, clock.instant().plusSeconds(300));
        s.addProvider(mine1Later);
        assertThat(provided(s)).containsExactlyInAnyOrder(mine1Later, mine2);
        // follows removals, and is not touched by removing others
        s.removeProvider(key("k1"), localPeer);
        s.removeProvider(key("k3"), peer(1));
        assertThat(provided(s)).containsExactly(mine2);
        s.removeProvider(key("k2"), localPeer);
        assertThat(provided(s)).isEmpty();
        s.addProvider(mine1);
        assertThat(provided(s)).containsExactly(mine1);
    }

    // ------------------------------------------------------------------ expiry

    @Test
    void removeExpiredRemovesExactlyTheExpiredRecords() {
        RecordStore s = open();
        Instant now = clock.instant();
        s.put(record(key("past"), bytes("1"), null, now.minusSeconds(1)));
        s.put(record(key("now"), bytes("2"), null, now));
        DhtRecord soon = record(key("soon"), bytes("3"), null, now.plusNanos(1));
        DhtRecord never = record(key("never"), bytes("4"), null, null);
        s.put(soon);
        s.put(never);
        RecordKey pk = key("provided key");
        s.addProvider(provider(pk, peer(1), now.minusMillis(1)));
        ProviderRecord later = provider(pk, peer(2), now.plusSeconds(1));
        s.addProvider(later);
        s.addProvider(provider(pk, localPeer, now));
        ProviderRecord forever = provider(key("other"), peer(3));
        s.addProvider(forever);

        assertThat(s.removeExpired(now)).isEqualTo(4);
        assertThat(byKey(records(s)).values()).containsExactlyInAnyOrder(soon, never);
        assertThat(s.providers(pk)).containsExactly(later);
        assertThat(s.providers(key("other"))).containsExactly(forever);
        assertThat(provided(s)).isEmpty();
        assertThat(s.removeExpired(now)).isZero();

        assertThat(s.removeExpired(clock.advance(Duration.ofNanos(1)))).isEqualTo(1);
        assertThat(s.get(key("soon"))).isEmpty();
        assertThat(s.removeExpired(clock.advance(Duration.ofSeconds(1)))).isEqualTo(1);
        assertThat(s.providers(pk)).isEmpty();
    }

    @Test
    void recordsWithoutExpiryNeverExpire() {
        RecordStore s = open();
        s.put(record(key("v"), "forever"));
        s.addProvider(provider(key("p"), peer(1)));
        s.addProvider(provider(key("q"), localPeer));
        Instant farFuture = clock.instant().plus(Duration.ofDays(365L * 150));
        assertThat(s.removeExpired(farFuture)).isZero();
        assertThat(s.get(key("v"))).isPresent();
        assertThat(s.providers(key("p"))).hasSize(1);
        assertThat(provided(s)).hasSize(1);
    }

    @Test
    void removeExpiredOnAnEmptyStoreReturnsZero() {
        RecordStore s = open();
        assertThat(s.removeExpired(clock.instant())).isZero();
        s.put(record(key("v"), bytes("x"), null, clock.instant().plusSeconds(1)));
        assertThat(s.removeExpired(clock.instant())).isZero();
        assertThat(s.get(key("v"))).isPresent();
    }

    @Test
    void readsReturnExpiredRecordsUntilRemoved() {
        RecordStore s = open();
        Instant t = clock.instant();
        DhtRecord r = record(key("v"), bytes("x"), peer(1), t);
        ProviderRecord p = provider(key("p"), localPeer, t);
        s.put(r);
        s.addProvider(p);
        clock.advance(Duration.ofHours(1));
        assertThat(s.get(key("v"))).contains(r);
        assertThat(s.providers(key("p"))).containsExactly(p);
        assertThat(records(s)).containsExactly(r);
        assertThat(provided(s)).containsExactly(p);
        assertThat(s.removeExpired(clock.instant())).isEqualTo(2);
        assertThat(s.get(key("v"))).isEmpty();
        assertThat(s.providers(key("p"))).isEmpty();
        assertThat(provided(s)).isEmpty();
    }

    @Test
    void replacingARecordReschedulesItsExpiry() {
        RecordStore s = open();
        Instant t1 = clock.instant().plusSeconds(10);
        Instant t2 = clock.instant().plusSeconds(20);
        s.put(record(key("later"), bytes("a"), null, t1));
        s.put(record(key("later"), bytes("b"), null, t2));
        s.put(record(key("never"), bytes("a"), null, t1));
        s.put(record(key("never"), bytes("b"), null, null));
        s.put(record(key("sooner"), bytes("a"), null, t2));
        s.put(record(key("sooner"), bytes("b"), null, t1));
        assertThat(s.removeExpired(t1)).isEqualTo(1);
        assertThat(s.get(key("sooner"))).isEmpty();
        assertThat(s.get(key("later"))).contains(record(key("later"), bytes("b"), null, t2));
        assertThat(s.removeExpired(t2)).isEqualTo(1);
        assertThat(s.get(key("later"))).isEmpty();
        assertThat(s.get(key("never"))).contains(record(key("never"), bytes("b"), null, null));
    }

    @Test
    void updatingAProviderReschedulesItsExpiry() {
        RecordStore s = open();
        Instant t1 = clock.instant().plusSeconds(10);
        Instant t2 = clock.instant().plusSeconds(20);
        RecordKey k = key("k");
        s.addProvider(provider(k, peer(1), t1));
        s.addProvider(provider(k, peer(1), t2));
        s.addProvider(provider(k, localPeer, t1));
        s.addProvider(provider(k, localPeer, null));
        s.addProvider(provider(k, peer(2), t2));
        s.addProvider(provider(k, peer(2), t1));
        assertThat(s.removeExpired(t1)).isEqualTo(1);
        assertThat(s.providers(k)).containsExactly(provider(k, peer(1), t2), provider(k, localPeer));
        assertThat(s.removeExpired(t2)).isEqualTo(1);
        assertThat(s.providers(k)).containsExactly(provider(k, localPeer));
        assertThat(provided(s)).containsExactly(provider(k, localPeer));
    }

    @Test
    void removedRecordsAreNotCountedAgainByRemoveExpired() {
        RecordStore s = open();
        Instant t = clock.instant().plusSeconds(1);
        s.put(record(key("v"), bytes("x"), null, t));
        s.addProvider(provider(key("p"), peer(1), t));
        s.addProvider(provider(key("p"), localPeer, t));
        s.remove(key("v"));
        s.removeProvider(key("p"), peer(1));
        assertThat(s.removeExpired(t)).isEqualTo(1);
        assertThat(s.removeExpired(t)).isZero();
        assertThat(provided(s)).isEmpty();
    }

    @Test
    void removeExpiredFreesRecordAndProvidedKeySlots() {
        RecordStore s = open(config(2, 1024, 20, 2));
        Instant t = clock.instant().plusSeconds(1);
        s.put(record(key(0), bytes("x"), null, t));
        s.put(record(key(1), bytes("y"), null, null));
        s.addProvider(provider(key(0), peer(0), t));
        s.addProvider(provider(key(1), peer(1), null));
        assertRefused(Kind.MAX_RECORDS, "put", () -> s.put(record(key(2), "z")));
        assertRefused(Kind.MAX_PROVIDED_KEYS, "addProvider", () -> s.addProvider(provider(key(2), peer(2))));
        assertThat(s.removeExpired(t)).isEqualTo(2);
        s.put(record(key(2), "z"));
        assertThat(s.addProvider(provider(key(2), peer(2)))).isTrue();
    }

    @Test
    void removeExpiredSweepsManyRecordsInSteps() {
        int n = 2000;
        RecordStore s = open(config(n, 1024, 20, n));
        Instant start = clock.instant();
        int withExpiry = 0;
        for (int i = 0; i < n; i++) {
            Instant expires = i % 10 == 8 ? null : start.plusSeconds(i % 100).plusNanos(i);
            s.put(record(key(i), bytes("v" + i), null, expires));
            if (i % 4 == 0) {
                s.addProvider(provider(key(i), i % 8 == 0 ? localPeer : peer(i), expires));
            }
            if (expires != null) {
                withExpiry += i % 4 == 0 ? 2 : 1;
            }
        }
        long removed = 0;
        for (int step = 0; step <= 100; step += 10) {
            Instant now = start.plusSeconds(step).plusNanos(n);
            long expected = 0;
            for (int i = 0; i < n; i++) {
                if (i % 10 != 8) {
                    Instant expires = start.plusSeconds(i % 100).plusNanos(i);
                    boolean expiredNow = !expires.isAfter(now);
                    boolean expiredBefore = step > 0 && !expires.isAfter(start.plusSeconds(step - 10).plusNanos(n));
                    if (expiredNow && !expiredBefore) {
                        expected += i % 4 == 0 ? 2 : 1;
                    }
                }
            }
            long r = s.removeExpired(now);
            assertThat(r).as("removed at step %d", step).isEqualTo(expected);
            removed += r;
        }
        assertThat(removed).isEqualTo(withExpiry);
        assertThat(records(s)).hasSize(n / 10);
        // the providers left are those without expiry: every 4th key among them, every 8th the local peer's
        assertThat(provided(s)).hasSize(n / 40).allSatisfy(p -> assertThat(p.expires()).isEmpty());
        assertThat(s.providers(key(28))).containsExactly(provider(key(28), peer(28)));
    }

    // ------------------------------------------------------------------ iteration

    @Test
    void recordsReturnsEveryValueRecordOnce() {
        RecordStore s = open();
        Set<DhtRecord> expected = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            DhtRecord r = record(key(i), bytes("v" + i), i % 2 == 0 ? peer(i) : null,
                    i % 3 == 0 ? clock.instant().plusSeconds(i) : null);
            s.put(r);
            expected.add(r);
        }
        s.addProvider(provider(key("provider only"), localPeer));
        assertThat(byKey(records(s)).values()).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void iteratorsOfAnEmptyStoreAreEmptyAndEndWithNoSuchElement() {
        RecordStore s = open();
        try (CloseableIterator<DhtRecord> it = s.records()) {
            assertThat(it.hasNext()).isFalse();
            assertThatThrownBy(it::next).isInstanceOf(NoSuchElementException.class);
        }
        try (CloseableIterator<ProviderRecord> it = s.provided()) {
            assertThat(it.hasNext()).isFalse();
            assertThatThrownBy(it::next).isInstanceOf(NoSuchElementException.class);
        }
        s.put(record(key("one"), "1"));
        try (CloseableIterator<DhtRecord> it = s.records()) {
            assertThat(it.next()).isEqualTo(record(key("one"), "1"));
            assertThat(it.hasNext()).isFalse();
            assertThatThrownBy(it::next).isInstanceOf(NoSuchElementException.class);
        }
    }

    @Test
    void closedIteratorEndsAndClosesTwice() {
        RecordStore s = open();
        s.put(record(key("a"), "1"));
        s.put(record(key("b"), "2"));
        s.addProvider(provider(key("c"), localPeer));
        CloseableIterator<DhtRecord> records = s.records();
        CloseableIterator<ProviderRecord> provided = s.provided();
        records.next();
        records.close();
        provided.close();
        assertThat(records.hasNext()).isFalse();
        assertThat(provided.hasNext()).isFalse();
        assertThatThrownBy(records::next).isInstanceOf(NoSuchElementException.class);
        assertThatCode(records::close).doesNotThrowAnyException();
        assertThatCode(provided::close).doesNotThrowAnyException();
        // the store is still usable
        assertThat(records(s)).hasSize(2);
    }

    @Test
    void iterationWhileWritingSeesEveryRecordPresentThroughout() {
        RecordStore s = open();
        int stable = 200;
        for (int i = 0; i < stable; i++) {
            s.put(record(key("stable-" + i), "s"));
            s.put(record(key("churn-" + i), "c"));
        }
        Set<RecordKey> seen = new HashSet<>();
        int step = 0;
        try (CloseableIterator<DhtRecord> it = s.records()) {
            while (it.hasNext()) {
                DhtRecord r = it.next();
                assertThat(seen.add(r.key())).as("key %s returned twice", r.key()).isTrue();
                if (step < stable) {
                    s.remove(key("churn-" + step));
                    s.put(record(key("new-" + step), "n"));
                    s.put(record(key("stable-" + ((step * 7) % stable)), "s"));
                }
                step++;
            }
        }
        for (int i = 0; i < stable; i++) {
            assertThat(seen).contains(key("stable-" + i));
        }
        assertThat(records(s)).hasSize(2 * stable);
    }

    @Test
    void providedWhileWritingSeesEveryRecordPresentThroughout() {
        RecordStore s = open();
        int stable = 50;
        for (int i = 0; i < stable; i++) {
            s.addProvider(provider(key("stable-" + i), localPeer));
            s.addProvider(provider(key("churn-" + i), localPeer));
        }
        Set<RecordKey> seen = new HashSet<>();
        int step = 0;
        try (CloseableIterator<ProviderRecord> it = s.provided()) {
            while (it.hasNext()) {
                ProviderRecord p = it.next();
                assertThat(p.provider()).isEqualTo(localPeer);
                assertThat(seen.add(p.key())).as("key %s returned twice", p.key()).isTrue();
                if (step < stable) {
                    s.removeProvider(key("churn-" + step), localPeer);
                    s.addProvider(provider(key("new-" + step), localPeer));
                    s.addProvider(provider(key("stable-" + step), peer(step)));
                }
                step++;
            }
        }
        for (int i = 0; i < stable; i++) {
            assertThat(seen).contains(key("stable-" + i));
        }
        assertThat(provided(s)).hasSize(2 * stable);
    }

    // ------------------------------------------------------------------ close

    @Test
    void closeTwiceIsFine() {
        RecordStore s = open();
        s.put(record(key("k"), "v"));
        s.close();
        assertThatCode(s::close).doesNotThrowAnyException();
    }

    @Test
    void operationsAfterCloseThrowClosed() {
        RecordStore s = open();
        s.put(record(key("k"), "v"));
        s.addProvider(provider(key("k"), localPeer));
        s.close();
        assertRefused(Kind.CLOSED, "get", () -> s.get(key("k")));
        assertRefused(Kind.CLOSED, "put", () -> s.put(record(key("k"), "w")));
        assertRefused(Kind.CLOSED, "remove", () -> s.remove(key("k")));
        assertRefused(Kind.CLOSED, "records", s::records);
        assertRefused(Kind.CLOSED, "addProvider", () -> s.addProvider(provider(key("k"), peer(1))));
        assertRefused(Kind.CLOSED, "providers", () -> s.providers(key("k")));
        assertRefused(Kind.CLOSED, "provided", s::provided);
        assertRefused(Kind.CLOSED, "removeProvider", () -> s.removeProvider(key("k"), localPeer));
        assertRefused(Kind.CLOSED, "removeExpired", () -> s.removeExpired(clock.instant()));
        assertRefused(Kind.CLOSED, "counts", s::counts);
    }

    @Test
    void openIteratorsEndCleanlyWhenTheStoreCloses() {
        RecordStore s = open();
        for (int i = 0; i < 10; i++) {
            s.put(record(key(i), "v"));
            s.addProvider(provider(key(i), localPeer));
        }
        CloseableIterator<DhtRecord> records = s.records();
        CloseableIterator<ProviderRecord> provided = s.provided();
        records.next();
        provided.next();
        s.close();
        assertEndsOrClosed(records);
        assertEndsOrClosed(provided);
        assertThatCode(records::close).doesNotThrowAnyException();
        assertThatCode(provided::close).doesNotThrowAnyException();
        assertThat(records.hasNext()).isFalse();
        assertThatCode(records::close).doesNotThrowAnyException();
    }

    /** After its store closed, an iterator either ends or throws CLOSED; it never returns a record. */
    private static void assertEndsOrClosed(Iterator<?> it) {
        Throwable t = catchThrowable(() -> assertThat(it.hasNext()).isFalse());
        if (t != null) {
            assertThat(t).isInstanceOf(StoreException.class);
            assertThat(((StoreException) t).kind()).isEqualTo(Kind.CLOSED);
        }
        Throwable n = catchThrowable(it::next);
        assertThat(n).isNotNull();
        if (n instanceof StoreException e) {
            assertThat(e.kind()).isEqualTo(Kind.CLOSED);
        } else {
            assertThat(n).isInstanceOf(NoSuchElementException.class);
        }
    }

    // ------------------------------------------------------------------ data

    @Test
    void valuesWithAllByteValuesAndBinaryKeysRoundTrip() {
        RecordStore s = open();
        byte[] allBytes = new byte[512];
        for (int i = 0; i < allBytes.length; i++) {
            allBytes[i] = (byte) i;
        }
        byte[] reversed = new byte[256];
        for (int i = 0; i < 256; i++) {
            reversed[i] = (byte) (255 - i);
        }
        List<RecordKey> keys = List.of(
                RecordKey.of(new byte[] {0}),
                RecordKey.of(new byte[] {0, 0}),
                RecordKey.of(new byte[] {(byte) 0xff}),
                RecordKey.of(new byte[] {(byte) 0xff, 0}),
                RecordKey.of(new byte[] {(byte) 0x80}),
                RecordKey.of(new byte[] {(byte) 0x7f}),
                RecordKey.of(new byte[] {'a'}),
                RecordKey.of(new byte[] {'a', 0}),
                RecordKey.of(new byte[] {'A'}),
                RecordKey.of(new byte[] {(byte) 0xc3, (byte) 0x28}), // not UTF-8
                RecordKey.of(allBytes.clone()),
                RecordKey.of(reversed),
                RecordKey.of(randomBytes(new Random(5), 1024)));
        List<DhtRecord> stored = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            byte[] value = i % 2 == 0 ? allBytes : reversed;
            DhtRecord r = record(keys.get(i), value, peer(i), clock.instant().plusSeconds(i));
            s.put(r);
            stored.add(r);
            assertThat(s.addProvider(provider(keys.get(i), i % 2 == 0 ? localPeer : peer(i)))).isTrue();
        }
        for (DhtRecord r : stored) {
            assertThat(s.get(r.key())).contains(r);
            assertThat(s.providers(r.key())).hasSize(1);
        }
        assertThat(byKey(records(s)).values()).containsExactlyInAnyOrderElementsOf(stored);
        // removing one key leaves the keys it prefixes or that prefix it
        s.remove(RecordKey.of(new byte[] {0}));
        s.removeProvider(RecordKey.of(new byte[] {'a'}), localPeer);
        assertThat(s.get(RecordKey.of(new byte[] {0, 0}))).isPresent();
        assertThat(s.providers(RecordKey.of(new byte[] {'a', 0}))).hasSize(1);
        assertThat(records(s)).hasSize(keys.size() - 1);
    }

    @Test
    void emptyValueRoundTrips() {
        RecordStore s = open();
        DhtRecord empty = DhtRecord.of(key("empty"), new byte[0]);
        s.put(empty);
        assertThat(s.get(key("empty"))).contains(empty);
        assertThat(s.get(key("empty")).orElseThrow().valueLength()).isZero();
    }

    @Test
    void largeValuesNearTheLimitRoundTrip() {
        RecordStore s = open();
        Random random = new Random(11);
        int max = StoreConfig.DEFAULT_MAX_VALUE_BYTES;
        List<DhtRecord> stored = new ArrayList<>();
        for (int length : new int[] {max, max - 1, 64 * 1024, 32 * 1024 + 1}) {
            DhtRecord r = record(key("large-" + length), randomBytes(random, length), peer(length), null);
            s.put(r);
            stored.add(r);
        }
        for (DhtRecord r : stored) {
            assertThat(s.get(r.key())).contains(r);
        }
        assertThat(byKey(records(s)).values()).containsExactlyInAnyOrderElementsOf(stored);
    }

    @Test
    void manyRecordsUpToTheLimit() {
        int n = 3000;
        RecordStore s = open(config(n, 1024, 20, n));
        Random random = new Random(3);
        Map<RecordKey, DhtRecord> expected = new HashMap<>();
        for (int i = 0; i < n; i++) {
            DhtRecord r = record(key(i), randomBytes(random, random.nextInt(64)), null,
                    i % 2 == 0 ? clock.instant().plusSeconds(i) : null);
            s.put(r);
            expected.put(r.key(), r);
        }
        assertRefused(Kind.MAX_RECORDS, "put", () -> s.put(record(key(n), "one too many")));
        for (int i = 0; i < n; i += 7) {
            assertThat(s.get(key(i))).contains(expected.get(key(i)));
        }
        assertThat(byKey(records(s))).isEqualTo(expected);
        for (int i = 0; i < n; i += 2) {
            s.remove(key(i));
            expected.remove(key(i));
        }
        assertThat(byKey(records(s))).isEqualTo(expected);
        assertThat(s.removeExpired(clock.instant().plusSeconds(n))).isZero();
    }

    @Test
    void storesWithDifferentConfigsAreIndependent() {
        RecordStore a = open();
        RecordStore b = open();
        a.put(record(key("k"), "in a"));
        a.addProvider(provider(key("k"), localPeer));
        assertThat(b.get(key("k"))).isEmpty();
        assertThat(b.providers(key("k"))).isEmpty();
        assertThat(provided(b)).isEmpty();
        b.close();
        assertThat(a.get(key("k"))).isPresent();
    }

    // ------------------------------------------------------------------ two threads

    @Test
    @Timeout(30)
    void concurrentWritesAreNotLost() throws Exception {
        int perThread = 500;
        RecordStore s = open(config(2 * perThread, 1024, 100, 2 * perThread + 1));
        RecordKey shared = key("shared");
        List<Integer> results = runTwice(t -> {
            for (int i = 0; i < perThread; i++) {
                s.put(record(key(t + "-" + i), "v" + i));
                if (i % 10 == 0) {
                    s.addProvider(provider(shared, peer(t * 1000 + i)));
                }
                if (i % 50 == 0) {
                    s.addProvider(provider(key(t + "-" + i), t == 0 ? localPeer : peer(i)));
                }
            }
            return 0;
        });
        assertThat(results).containsExactly(0, 0);
        Map<RecordKey, DhtRecord> all = byKey(records(s));
        assertThat(all).hasSize(2 * perThread);
        for (int t = 0; t < 2; t++) {
            for (int i = 0; i < perThread; i++) {
                assertThat(all.get(key(t + "-" + i))).isEqualTo(record(key(t + "-" + i), "v" + i));
            }
        }
        assertThat(s.providers(shared)).hasSize(2 * perThread / 10);
        assertThat(provided(s)).hasSize(perThread / 50);
    }

    @Test
    @Timeout(30)
    void limitsHoldUnderConcurrentWrites() throws Exception {
        RecordStore s = open(config(100, 1024, 10, 50));
        RecordKey shared = key("shared");
        List<Integer> stored = runTwice(t -> {
            int ok = 0;
            for (int i = 0; i < 100; i++) {
                try {
                    s.put(record(key("r" + t + "-" + i), "v"));
                    ok++;
                } catch (StoreException e) {
                    assertThat(e.kind()).isEqualTo(Kind.MAX_RECORDS);
                }
            }
            return ok;
        });
        assertThat(stored.get(0) + stored.get(1)).isEqualTo(100);
        assertThat(records(s)).hasSize(100);

        List<Integer> added = runTwice(t -> {
            int ok = 0;
            for (int i = 0; i < 20; i++) {
                if (s.addProvider(provider(shared, peer(t * 100 + i)))) {
                    ok++;
                }
            }
            return ok;
        });
        assertThat(added.get(0) + added.get(1)).isEqualTo(10);
        assertThat(s.providers(shared)).hasSize(10);

        List<Integer> keys = runTwice(t -> {
            int ok = 0;
            for (int i = 0; i < 50; i++) {
                try {
                    s.addProvider(provider(key("p" + t + "-" + i), localPeer));
                    ok++;
                } catch (StoreException e) {
                    assertThat(e.kind()).isEqualTo(Kind.MAX_PROVIDED_KEYS);
                }
            }
            return ok;
        });
        assertThat(keys.get(0) + keys.get(1)).isEqualTo(49); // "shared" holds one slot
        assertThat(provided(s)).hasSize(49);
    }

    @Test
    @Timeout(30)
    void readersSeeWholeRecordsWhileAWriterReplacesThem() throws Exception {
        RecordStore s = open();
        RecordKey k = key("k");
        DhtRecord a = record(k, bytes("aaaaaaaa"), peer(1), clock.instant().plusSeconds(1));
        DhtRecord b = record(k, bytes("bbbbbbbbbbbbbbbb"), peer(2), null);
        s.put(a);
        AtomicBoolean writing = new AtomicBoolean(true);
        List<Integer> reads = runTwice(t -> {
            if (t == 0) {
                for (int i = 0; i < 2000; i++) {
                    s.put(i % 2 == 0 ? b : a);
                }
                writing.set(false);
                return 0;
            }
            int n = 0;
            while (writing.get() || n < 100) {
                DhtRecord r = s.get(k).orElseThrow();
                assertThat(r).isIn(a, b);
                n++;
            }
            return n;
        });
        assertThat(reads.get(1)).isPositive();
    }

    @Test
    @Timeout(30)
    void iterationFromOneThreadWhileAnotherWrites() throws Exception {
        RecordStore s = open();
        int stable = 300;
        for (int i = 0; i < stable; i++) {
            s.put(record(key("stable-" + i), "s"));
        }
        AtomicBoolean iterating = new AtomicBoolean(true);
        List<Integer> done = runTwice(t -> {
            if (t == 0) {
                int i = 0;
                while (iterating.get()) {
                    s.put(record(key("churn-" + (i % 200)), "c" + i));
                    s.remove(key("churn-" + ((i + 100) % 200)));
                    i++;
                }
                return i;
            }
            try {
                for (int round = 0; round < 20; round++) {
                    Set<RecordKey> seen = new HashSet<>();
                    try (CloseableIterator<DhtRecord> it = s.records()) {
                        while (it.hasNext()) {
                            RecordKey key = it.next().key();
                            assertThat(seen.add(key)).as("key %s returned twice", key).isTrue();
                        }
                    }
                    for (int i = 0; i < stable; i++) {
                        assertThat(seen).contains(key("stable-" + i));
                    }
                }
            } finally {
                iterating.set(false);
            }
            return 20;
        });
        assertThat(done.get(1)).isEqualTo(20);
    }

    /** Runs {@code task.apply(0)} and {@code task.apply(1)} on two threads started together; rethrows failures. */
    private static List<Integer> runTwice(Function<Integer, Integer> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> futures = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int thread = t;
                Callable<Integer> c = () -> {
                    start.await();
                    return task.apply(thread);
                };
                futures.add(pool.submit(c));
            }
            start.countDown();
            List<Integer> results = new ArrayList<>();
            for (Future<Integer> f : futures) {
                try {
                    results.add(f.get(25, TimeUnit.SECONDS));
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof Exception ex) {
                        throw ex;
                    }
                    throw (Error) e.getCause();
                }
            }
            return results;
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    // ------------------------------------------------------------------ persistence

    @Test
    void reopenKeepsValueRecordsExactly() {
        assumeTrue(persistent(), "the store is not persistent");
        StoreConfig config = config();
        RecordStore s = open(config);
        List<DhtRecord> stored = List.of(
                record(key("full"), bytes("value"), peer(1), clock.instant().plusSeconds(3600).plusNanos(1)),
                record(key("no publisher"), bytes("v"), null, clock.instant().plus(Duration.ofHours(36))),
                record(key("no expiry"), bytes("v"), peer(2), null),
                DhtRecord.of(key("empty"), new byte[0]),
                record(RecordKey.of(new byte[] {0, (byte) 0xff, 0}), new byte[] {(byte) 0xff, 0, 1}, null, null),
                DhtRecord.of(key("largest"), randomBytes(new Random(2), StoreConfig.DEFAULT_MAX_VALUE_BYTES)));
        stored.forEach(s::put);
        s.put(record(key("replaced"), bytes("first"), peer(1), clock.instant().plusSeconds(1)));
        DhtRecord replacement = record(key("replaced"), bytes("second"), null, null);
        s.put(replacement);
        s.put(record(key("removed"), "gone"));
        s.remove(key("removed"));

        s = reopen(s, config);
        for (DhtRecord r : stored) {
            assertThat(s.get(r.key())).contains(r);
        }
        assertThat(s.get(key("replaced"))).contains(replacement);
        assertThat(s.get(key("removed"))).isEmpty();
        List<DhtRecord> all = new ArrayList<>(stored);
        all.add(replacement);
        assertThat(byKey(records(s)).values()).containsExactlyInAnyOrderElementsOf(all);
    }

    @Test
    void reopenKeepsProviderRecordsTheirOrderAndProvided() {
        assumeTrue(persistent(), "the store is not persistent");
        StoreConfig config = config();
        RecordStore s = open(config);
        RecordKey k = key("k");
        Instant t = clock.instant().plus(Duration.ofHours(24)).plusNanos(7);
        for (int i : new int[] {5, 1, 8}) {
            s.addProvider(provider(k, peer(i), t.plusSeconds(i)));
        }
        s.addProvider(provider(k, localPeer, t));
        s.addProvider(provider(k, peer(0)));
        s.addProvider(provider(k, peer(1), t.plusSeconds(100))); // update in place
        s.removeProvider(k, peer(8));
        s.addProvider(provider(key("mine"), localPeer));
        s.addProvider(provider(key("gone"), localPeer));
        s.removeProvider(key("gone"), localPeer);
        List<ProviderRecord> before = s.providers(k);
        List<ProviderRecord> providedBefore = provided(s);

        s = reopen(s, config);
        assertThat(s.providers(k)).containsExactlyElementsOf(before).containsExactly(
                provider(k, peer(5), t.plusSeconds(5)), provider(k, peer(1), t.plusSeconds(100)),
                provider(k, localPeer, t), provider(k, peer(0)));
        assertThat(provided(s)).containsExactlyInAnyOrderElementsOf(providedBefore).containsExactlyInAnyOrder(
                provider(k, localPeer, t), provider(key("mine"), localPeer));
        assertThat(s.providers(key("gone"))).isEmpty();
        // the order goes on after reopening
        s.addProvider(provider(k, peer(3)));
        assertThat(s.providers(k)).last().isEqualTo(provider(k, peer(3)));
    }

    @Test
    void reopenKeepsProviderAddresses() {
        assumeTrue(persistent(), "the store is not persistent");
        List<Multiaddr> addresses = addresses();
        StoreConfig config = config();
        RecordStore s = open(config);
        ProviderRecord remote = new ProviderRecord(key("k"), peer(1), Optional.of(clock.instant()), addresses);
        ProviderRecord local = new ProviderRecord(key("k"), localPeer, Optional.empty(), addresses.subList(1, 2));
        s.addProvider(remote);
        s.addProvider(local);
        s = reopen(s, config);
        assertThat(s.providers(key("k"))).containsExactly(remote, local);
        assertThat(s.providers(key("k")).get(0).addresses()).containsExactlyElementsOf(addresses);
        assertThat(provided(s)).containsExactly(local);
    }

    @Test
    void reopenKeepsExpiriesExactly() {
        assumeTrue(persistent(), "the store is not persistent");
        StoreConfig config = config();
        RecordStore s = open(config);
        Instant t = clock.instant().plusSeconds(60);
        s.put(record(key("at t"), bytes("1"), null, t));
        s.put(record(key("just after t"), bytes("2"), null, t.plusNanos(1)));
        s.put(record(key("never"), bytes("3"), null, null));
        s.addProvider(provider(key("p"), peer(1), t));
        s.addProvider(provider(key("p"), localPeer, t.plusNanos(1)));
        s.put(record(key("rescheduled"), bytes("4"), null, t));
        s.put(record(key("rescheduled"), bytes("4"), null, t.plusSeconds(60)));

        s = reopen(s, config);
        assertThat(s.get(key("just after t")).orElseThrow().expires()).contains(t.plusNanos(1));
        assertThat(s.removeExpired(t)).isEqualTo(2);
        assertThat(s.get(key("at t"))).isEmpty();
        assertThat(s.get(key("rescheduled"))).isPresent();
        assertThat(provided(s)).containsExactly(provider(key("p"), localPeer, t.plusNanos(1)));

        s = reopen(s, config);
        assertThat(s.removeExpired(t.plusNanos(1))).isEqualTo(2);
        assertThat(provided(s)).isEmpty();
        assertThat(s.providers(key("p"))).isEmpty();
        assertThat(s.removeExpired(t.plusSeconds(60))).isEqualTo(1);
        assertThat(byKey(records(s)).keySet()).containsExactly(key("never"));
    }

    @Test
    void reopenKeepsTheCountsThatLimitsUse() {
        assumeTrue(persistent(), "the store is not persistent");
        StoreConfig config = config(2, 1024, 2, 2);
        RecordStore s = open(config);
        s.put(record(key(0), "0"));
        s.put(record(key(1), "1"));
        s.addProvider(provider(key(0), peer(0)));
        s.addProvider(provider(key(0), peer(1)));
        s.addProvider(provider(key(1), localPeer));

        RecordStore r = reopen(s, config);
        assertRefused(Kind.MAX_RECORDS, "put", () -> r.put(record(key(2), "2")));
        assertRefused(Kind.MAX_PROVIDED_KEYS, "addProvider", () -> r.addProvider(provider(key(2), peer(2))));
        assertThat(r.addProvider(provider(key(0), peer(2)))).isFalse();
        r.remove(key(0));
        r.removeProvider(key(1), localPeer);
        RecordStore again = reopen(r, config);
        again.put(record(key(2), "2"));
        assertThat(again.addProvider(provider(key(2), peer(2)))).isTrue();
        assertThat(provided(again)).isEmpty();
    }

    // ------------------------------------------------------------------ provider cap (issue 11)

    @Test
    void atTheDefaultProviderCapEveryListedProviderStillRefreshesAndNewOnesAreRefused() {
        StoreConfig config = config();
        RecordStore s = open(config);
        RecordKey k = key("popular");
        int cap = StoreConfig.DEFAULT_MAX_PROVIDERS_PER_KEY;
        Instant first = clock.instant().plusSeconds(60);
        for (int i = 0; i < cap; i++) {
            assertThat(s.addProvider(provider(k, peer(i), first))).isTrue();
        }
        StoreCounts counts = s.counts();
        // A newcomer is refused, without an exception and without a trace.
        assertThat(s.addProvider(provider(k, peer(cap), first))).isFalse();
        assertThat(s.providers(k)).extracting(ProviderRecord::provider).doesNotContain(peer(cap)).hasSize(cap);
        assertThat(s.counts()).isEqualTo(counts);
        // Every listed provider may still refresh: its expiry moves, its place stays.
        Instant refreshed = clock.instant().plusSeconds(3600);
        for (int i = 0; i < cap; i += 2) {
            assertThat(s.addProvider(provider(k, peer(i), refreshed))).as("refresh of provider %d", i).isTrue();
        }
        List<ProviderRecord> listed = s.providers(k);
        assertThat(listed).hasSize(cap);
        for (int i = 0; i < cap; i++) {
            assertThat(listed.get(i)).isEqualTo(provider(k, peer(i), i % 2 == 0 ? refreshed : first));
        }
        // The refreshed ones outlive the others' expiry; the newcomer gets a place once those expire.
        assertThat(s.removeExpired(first.plusNanos(1))).isEqualTo(cap / 2);
        assertThat(s.addProvider(provider(k, peer(cap), refreshed))).isTrue();
        if (persistent()) {
            RecordStore r = reopen(s, config);
            for (int i = cap + 1; i < cap + 1 + cap / 2; i++) {
                r.addProvider(provider(k, peer(i), first));
            }
            assertThat(r.providers(k)).hasSize(cap);
            assertThat(r.addProvider(provider(k, peer(2 * cap), first))).isFalse();
            Instant again = refreshed.plusSeconds(3600);
            assertThat(r.addProvider(provider(k, peer(0), again))).isTrue();
            assertThat(r.providers(k)).hasSize(cap).first().isEqualTo(provider(k, peer(0), again));
        }
    }
}
