package io.jkad.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.record.CloseableIterator;
import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStore;
import io.jkad.record.StoreConfig;
import io.jkad.record.StoreException;
import io.jkad.record.StoreException.Kind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fixture of the {@link RecordStoreContract}: how a test opens stores (through the backend's
 * {@link #openStore}), their configs, the clock and the helpers the kit's parts share. Stores a
 * test opens are closed after it.
 */
public abstract class StoreContractBase {

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

    final List<RecordStore> opened = Collections.synchronizedList(new ArrayList<>());
    int configs;

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

    RecordStore open() {
        return open(config());
    }

    /** Closes {@code store} and opens the store of {@code config} again. */
    RecordStore reopen(RecordStore store, StoreConfig config) {
        store.close();
        return open(config);
    }

    static RecordKey key(String text) {
        return RecordKey.ofUtf8(text);
    }

    static RecordKey key(int i) {
        return RecordKey.ofUtf8("key-" + i);
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] randomBytes(Random random, int length) {
        byte[] b = new byte[length];
        random.nextBytes(b);
        return b;
    }

    /** A remote peer, the same for the same {@code i}. */
    static PeerId peer(int i) {
        return PeerId.random(new Random(1_000_003L * (i + 1)));
    }

    static DhtRecord record(RecordKey key, String value) {
        return DhtRecord.of(key, bytes(value));
    }

    static DhtRecord record(RecordKey key, byte[] value, PeerId publisher, Instant expires) {
        return DhtRecord.of(key, value, Optional.ofNullable(publisher), Optional.ofNullable(expires));
    }

    static ProviderRecord provider(RecordKey key, PeerId peer, Instant expires) {
        return new ProviderRecord(key, peer, Optional.ofNullable(expires), List.of());
    }

    static ProviderRecord provider(RecordKey key, PeerId peer) {
        return provider(key, peer, null);
    }

    /** Four addresses of different shapes (ip4, ip6, dns4 with a peer id, ip4 with the highest port). */
    static List<Multiaddr> addresses() {
        return List.of(
                Multiaddr.parse("/ip4/127.0.0.1/tcp/4001"),
                Multiaddr.parse("/ip6/::1/tcp/4002"),
                Multiaddr.parse("/dns4/example.com/tcp/443/p2p/" + peer(1).toBase58()),
                Multiaddr.parse("/ip4/10.0.0.1/tcp/65535"));
    }

    static <T> List<T> drain(CloseableIterator<T> it) {
        try (it) {
            List<T> out = new ArrayList<>();
            while (it.hasNext()) {
                out.add(it.next());
            }
            return out;
        }
    }

    static List<DhtRecord> records(RecordStore s) {
        return drain(s.records());
    }

    static List<ProviderRecord> provided(RecordStore s) {
        return drain(s.provided());
    }

    static Map<RecordKey, DhtRecord> byKey(List<DhtRecord> records) {
        Map<RecordKey, DhtRecord> map = new HashMap<>();
        for (DhtRecord r : records) {
            assertThat(map.put(r.key(), r)).as("key %s returned twice", r.key()).isNull();
        }
        return map;
    }

    static void assertRefused(Kind kind, String operation, ThrowingCallable call) {
        Throwable t = catchThrowable(call);
        assertThat(t).as("expected StoreException %s from %s", kind, operation).isInstanceOf(StoreException.class);
        StoreException e = (StoreException) t;
        assertThat(e.kind()).as("kind of %s", e).isEqualTo(kind);
        assertThat(e.operation()).as("operation of %s", e).isEqualTo(operation);
        assertThat(e.store()).as("store of %s", e).isNotBlank();
    }
}
