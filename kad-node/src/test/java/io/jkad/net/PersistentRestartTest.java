package io.jkad.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.kademlia.KademliaConfig;
import io.jkad.kademlia.KademliaEvent;
import io.jkad.kademlia.PeerRecord;
import io.jkad.kademlia.QueryResult;
import io.jkad.kademlia.Quorum;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.protocol.KadPeer;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.jkad.record.CloseableIterator;
import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStore;
import io.jkad.record.RecordStores;
import io.jkad.record.StoreConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 5, crash safety: a node restarted on a persistent store keeps serving its records and
 * provider records, and its jobs republish what it provides.
 *
 * <p>Node A (a fixed identity, a persistent store in a temporary data directory) and two other
 * nodes form a network on loopback. A puts a record, starts providing a key, and B stores a record
 * of its own at A. A then goes away, either cleanly (its store closed) or as in a crash (see
 * {@link Shutdown#CRASH}); B and C go too, so that whatever the network learns of A's records
 * afterwards can only come from A. A restarts with the same identity on the same data directory,
 * and a fresh node F, which never saw any of it, joins through A: A answers F's GET_VALUE and
 * GET_PROVIDERS from the reopened store, and A's jobs announce A as a provider to F and republish
 * A's record (and replicate B's) to F: at once, since A cannot know when it last did, and then
 * every interval.
 */
class PersistentRestartTest {

    private static final long INTERVAL_MS = 2_000;
    /** Every job interval of A in the first test: provider publication, publication, replication. */
    private static final Duration INTERVAL = Duration.ofMillis(INTERVAL_MS);
    /** How long F may wait for something from A's jobs: three runs of them, and room for a slow machine. */
    private static final Duration JOB_DEADLINE = INTERVAL.multipliedBy(3).plusSeconds(4);
    private static final Multiaddr LOOPBACK = Multiaddr.parse("/ip4/127.0.0.1/tcp/0");
    /** A's identity: the same at every start, as a key file would give it. */
    private static final Ed25519KeyPair A_IDENTITY = Ed25519KeyPair.fromSeed(seed());

    /** How A goes away before its restart. */
    enum Shutdown {
        /** {@link KademliaNode#close()}: the node closes the store it opened. */
        CLEAN,
        /**
         * The node is closed but its store is never closed, and A restarts on the files the store
         * had written by then: they are copied while the abandoned store is still open (and idle),
         * which is what a process killed with SIGKILL leaves on disk (the operating system has
         * every byte the store wrote; the store did none of its closing work). The abandoned store
         * is closed only after the copy, and the copy takes the data directory's place. Killing a
         * real process is covered by RocksDbCrashIT, JdbcH2CrashIT and DaemonProcessIT.
         */
        CRASH
    }

    static Stream<Arguments> backends() {
        return Stream.of("rocksdb", "jdbc")
                .flatMap(b -> Stream.of(Arguments.of(b, Shutdown.CLEAN), Arguments.of(b, Shutdown.CRASH)));
    }

    @TempDir
    Path tempDir;

    /** Everything opened, closed in reverse order (nodes before the stores they use). */
    private final Deque<AutoCloseable> opened = new ArrayDeque<>();

    @AfterEach
    void closeEverything() throws Exception {
        Exception first = null;
        while (!opened.isEmpty()) {
            try {
                opened.pop().close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("backends")
    @Timeout(90)
    void restartedNodeServesAndRepublishesItsRecords(String backend, Shutdown shutdown) throws Exception {
        KademliaConfig kad = KademliaConfig.builder()
                .providerPublicationInterval(Optional.of(INTERVAL))
                .publicationInterval(Optional.of(INTERVAL))
                .replicationInterval(Optional.of(INTERVAL))
                .build();
        Published p = publishThenStop(backend, shutdown, kad);

        // ---- A restarts: same identity, same data directory, same store content
        KademliaNode a = start(nodeA(kad).openStore(backend, p.storeConfig()).build());
        assertThat(a.peerId()).isEqualTo(A_IDENTITY.peerId());
        List<QueryResult> aResults = new CopyOnWriteArrayList<>();
        a.addListener(e -> {
            if (e instanceof KademliaEvent.QueryCompleted done) {
                aResults.add(done.result());
            }
        });
        StoreContent after = await(a.execute(k -> StoreContent.of(k.store(), p)));
        after.assertHolds(a.peerId(), p);
        assertThat(after).as("store content after the restart").isEqualTo(p.content());

        // ---- a fresh node joins through A; only A knows anything
        KademliaNode f = start(otherNode());
        long joined = System.nanoTime();
        InteropSupport.join(f, a);
        assertThat(await(f.routingTable())).extracting(RoutingTableEntry::peer).containsExactly(a.peerId());

        // Direct requests on F's connection to A: what A answers from its reopened store.
        f.host().dial(a.peerId(), a.listenAddresses()).get(10, TimeUnit.SECONDS);
        try (RawKadStream s = RawKadStream.open(f.host(), a.peerId())) {
            KadResponse.GetValue own = s.call(new KadRequest.GetValue(p.ownKey()), KadResponse.GetValue.class);
            assertThat(own.record()).as("A's answer to GET_VALUE of its own record").isPresent();
            assertThat(own.record().get().value()).isEqualTo(p.ownValue());
            KadResponse.GetValue others = s.call(new KadRequest.GetValue(p.othersKey()), KadResponse.GetValue.class);
            assertThat(others.record()).as("A's answer to GET_VALUE of B's record").isPresent();
            assertThat(others.record().get().value()).isEqualTo(p.othersValue());
            KadResponse.GetProviders providers = s.call(new KadRequest.GetProviders(p.providedKey()),
                    KadResponse.GetProviders.class);
            KadPeer self = providers.providers().stream().filter(x -> x.id().equals(a.peerId()))
                    .findFirst().orElseThrow(() -> new AssertionError("A not among the providers A answered: "
                            + providers.providers()));
            assertThat(self.addresses()).as("A's addresses in its provider answer").containsAll(a.listenAddresses());
        }

        // Lookups from F: A must be among the peers that returned each record (a quorum of 2
        // goes on past a copy F may already have from A's jobs, and only A can give the second).
        for (RecordKey key : List.of(p.ownKey(), p.othersKey())) {
            QueryResult.GetRecord got = await(f.getRecord(key, Quorum.of(2)));
            assertThat(records(got)).as("records of %s found by F: %s", key, got)
                    .anySatisfy(r -> assertThat(r.peer()).contains(a.peerId()));
        }
        QueryResult.GetProviders found = await(f.getProviders(p.providedKey()));
        assertThat(found.providers()).as("providers found by F").contains(a.peerId());

        // ---- A's jobs announce and republish to F, which had nothing of it
        Arrived first = awaitAtF(f, a, p, joined, null);
        ProviderRecord announced = await(f.execute(k -> k.store().providers(p.providedKey()))).stream()
                .filter(x -> x.provider().equals(a.peerId())).findFirst().orElseThrow();
        assertThat(announced.addresses()).as("addresses F keeps for A").containsAll(a.listenAddresses());
        eventually("A's republication of its record to F", joined, () -> aResults.stream().anyMatch(
                r -> r instanceof QueryResult.PutRecord pr && pr.republish() && pr.key().equals(p.ownKey())
                        && pr.success().contains(f.peerId())));
        eventually("A's announcement of the provided key", joined, () -> aResults.stream().anyMatch(
                r -> r instanceof QueryResult.AddProvider ap && ap.republish() && ap.key().equals(p.providedKey())));
        // ... and again an interval later: F's copies get a later expiry.
        Arrived again = awaitAtF(f, a, p, joined, first);
        System.out.printf("%s, %s: after F joined, F held A's provider record, A's record and B's record in %s;"
                + " again in %s (job interval %d ms)%n", backend, shutdown, first, again, INTERVAL_MS);
    }

    /**
     * With the reference intervals (provider records every 12 h, own records every 24 h, others'
     * every hour) a restarted node still announces and republishes at once when it has a peer: it
     * cannot know when it last did, and the copies in the network may expire before a whole
     * interval after the restart has passed.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("persistentBackends")
    @Timeout(60)
    void restartedNodeRepublishesWhenItHasAPeerNotAnIntervalLater(String backend) throws Exception {
        KademliaConfig kad = KademliaConfig.defaults();
        Published p = publishThenStop(backend, Shutdown.CLEAN, kad);
        KademliaNode a = start(nodeA(kad).openStore(backend, p.storeConfig()).build());
        KademliaNode f = start(otherNode());
        long joined = System.nanoTime();
        InteropSupport.join(f, a);
        Arrived arrived = awaitAtF(f, a, p, joined, null);
        System.out.printf("%s, reference intervals: after F joined, F held A's provider record, A's record and"
                + " B's record in %s%n", backend, arrived);
    }

    static Stream<String> persistentBackends() {
        return Stream.of("rocksdb", "jdbc");
    }

    /** What A published before going away, and what its store held then. */
    private record Published(StoreConfig storeConfig, RecordKey ownKey, byte[] ownValue, RecordKey othersKey,
                             byte[] othersValue, RecordKey providedKey, StoreContent content) {}

    /**
     * Starts A on a store of {@code backend} in a data directory of its own, and B and C; A puts a
     * record and provides a key, B stores a record at A; then A goes away as {@code shutdown} says,
     * and B and C are closed.
     */
    private Published publishThenStop(String backend, Shutdown shutdown, KademliaConfig kad) throws Exception {
        Path dataDir = Files.createDirectories(tempDir.resolve("a-data"));
        StoreConfig storeConfig = StoreConfig.defaults(A_IDENTITY.peerId()).withDataDirectory(dataDir);
        RecordStore abandoned = null;
        KademliaNodeConfig.Builder aConfig = nodeA(kad);
        if (shutdown == Shutdown.CRASH) {
            abandoned = RecordStores.open(backend, storeConfig);
            opened.push(abandoned);
            aConfig.store(abandoned); // stays open when the node closes
        } else {
            aConfig.openStore(backend, storeConfig);
        }
        KademliaNode a = start(aConfig.build());
        KademliaNode b = start(otherNode());
        KademliaNode c = start(otherNode());
        InteropSupport.join(b, a);
        InteropSupport.join(c, a);
        await(a.bootstrap());

        String tag = backend + "-" + shutdown + "-" + kad.providerPublicationInterval().orElseThrow();
        Published p = new Published(storeConfig,
                RecordKey.ofUtf8("/restart/own-" + tag), ("published by A, " + tag).getBytes(StandardCharsets.UTF_8),
                RecordKey.ofUtf8("/restart/others-" + tag), "published by B, stored at A".getBytes(StandardCharsets.UTF_8),
                InteropSupport.multihash("provided by A, " + tag), null);
        assertThat(await(a.putRecord(DhtRecord.of(p.ownKey(), p.ownValue()), Quorum.ONE)).isOk()).isTrue();
        assertThat(await(a.startProviding(p.providedKey())).isOk()).isTrue();
        QueryResult.PutRecord toA = await(b.putRecordTo(DhtRecord.of(p.othersKey(), p.othersValue()),
                List.of(a.peerId()), Quorum.ONE));
        assertThat(toA.isOk()).as("B's record stored at A: %s", toA).isTrue();
        StoreContent before = await(a.execute(k -> StoreContent.of(k.store(), p)));
        before.assertHolds(a.peerId(), p);

        a.close();
        b.close();
        c.close();
        if (shutdown == Shutdown.CRASH) {
            Path image = tempDir.resolve("crash-image");
            copyTree(dataDir, image);
            abandoned.close();
            deleteTree(dataDir);
            Files.move(image, dataDir);
        }
        return new Published(storeConfig, p.ownKey(), p.ownValue(), p.othersKey(), p.othersValue(), p.providedKey(),
                before);
    }

    /** When F held each of A's records (ms after it joined) and with which expiry. */
    private record Arrived(long providerMs, Instant providerExpiry, long ownMs, Instant ownExpiry, long othersMs) {
        @Override
        public String toString() {
            return providerMs + ", " + ownMs + " and " + othersMs + " ms";
        }
    }

    /**
     * Waits until F's store holds A's provider record, A's record and B's record; with
     * {@code earlier}, until F holds A's provider record and A's record with a later expiry than
     * then (announced and republished again).
     */
    private static Arrived awaitAtF(KademliaNode f, KademliaNode a, Published p, long since, Arrived earlier)
            throws Exception {
        Instant[] provider = new Instant[1];
        Instant[] own = new Instant[1];
        long providerMs = eventually("A's provider record at F" + (earlier == null ? "" : ", announced again"), since,
                () -> {
                    provider[0] = await(f.execute(k -> k.store().providers(p.providedKey()))).stream()
                            .filter(x -> x.provider().equals(a.peerId())).findFirst()
                            .map(x -> x.expires().orElseThrow()).orElse(null);
                    return provider[0] != null && (earlier == null || provider[0].isAfter(earlier.providerExpiry()));
                });
        long ownMs = eventually("A's own record at F" + (earlier == null ? "" : ", republished"), since, () -> {
            own[0] = await(f.execute(k -> k.store().get(p.ownKey())))
                    .filter(r -> Arrays.equals(r.value(), p.ownValue()))
                    .map(r -> r.expires().orElseThrow()).orElse(null);
            return own[0] != null && (earlier == null || own[0].isAfter(earlier.ownExpiry()));
        });
        long othersMs = eventually("B's record, replicated by A, at F", since, () -> await(f.execute(
                k -> k.store().get(p.othersKey()).filter(r -> Arrays.equals(r.value(), p.othersValue())).isPresent())));
        return new Arrived(providerMs, provider[0], ownMs, own[0], othersMs);
    }

    // ------------------------------------------------------------------------------------------

    private static KademliaNodeConfig.Builder nodeA(KademliaConfig kad) {
        return KademliaNodeConfig.builder(A_IDENTITY).listen(LOOPBACK).kademlia(kad)
                .requestTimeout(Duration.ofSeconds(2)).ioThreads(1);
    }

    private static KademliaNodeConfig otherNode() {
        return KademliaNodeConfig.builder(Ed25519KeyPair.generate()).listen(LOOPBACK)
                .requestTimeout(Duration.ofSeconds(2)).ioThreads(1).build();
    }

    private KademliaNode start(KademliaNodeConfig config) throws IOException {
        KademliaNode node = KademliaNode.start(config);
        opened.push(node);
        return node;
    }

    private static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    /** Polls {@code check} until it holds; the milliseconds since {@code since} (a nanoTime). */
    private static long eventually(String what, long since, Callable<Boolean> check) throws Exception {
        try {
            Awaitility.await(what).atMost(JOB_DEADLINE).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(50))
                    .until(check);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(what + ": not within " + JOB_DEADLINE.toMillis() + " ms", e);
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
    }

    private static List<PeerRecord> records(QueryResult.GetRecord result) {
        if (result instanceof QueryResult.GetRecord.Ok ok) {
            return ok.records();
        } else if (result instanceof QueryResult.GetRecord.QuorumFailed failed) {
            return failed.records();
        } else if (result instanceof QueryResult.GetRecord.Timeout timeout) {
            return timeout.records();
        }
        return List.of();
    }

    /** What the test reads back from A's store, comparable before and after the restart. */
    private record StoreContent(Optional<DhtRecord> own, Optional<DhtRecord> others, List<ProviderRecord> providers,
                                List<ProviderRecord> provided) {

        static StoreContent of(RecordStore store, Published p) {
            List<ProviderRecord> provided = new ArrayList<>();
            try (CloseableIterator<ProviderRecord> it = store.provided()) {
                it.forEachRemaining(provided::add);
            }
            provided.sort(Comparator.comparing(r -> r.key().toString()));
            return new StoreContent(store.get(p.ownKey()), store.get(p.othersKey()), store.providers(p.providedKey()),
                    provided);
        }

        void assertHolds(PeerId a, Published p) {
            assertThat(own).as("A's own record").isPresent();
            assertThat(own.get().value()).isEqualTo(p.ownValue());
            assertThat(own.get().publisher()).as("publisher of A's own record").contains(a);
            assertThat(others).as("B's record at A").isPresent();
            assertThat(others.get().value()).isEqualTo(p.othersValue());
            assertThat(others.get().publisher()).as("publisher of B's record at A").isNotEqualTo(Optional.of(a));
            assertThat(providers).extracting(ProviderRecord::provider).containsExactly(a);
            assertThat(provided).extracting(ProviderRecord::provider).containsExactly(a);
        }
    }

    private static byte[] seed() {
        byte[] seed = new byte[32];
        for (int i = 0; i < seed.length; i++) {
            seed[i] = (byte) (0xA0 + i);
        }
        return seed;
    }

    /**
     * Copies the files of a store's directory, except lock files: opening and closing RocksDB's
     * {@code LOCK} in this process would drop the lock the open store holds on it (POSIX record
     * locks belong to the process), and a lock is no part of what a crash leaves behind.
     */
    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                String name = p.getFileName().toString();
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!name.equals("LOCK") && !name.endsWith(".lock.db")) {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
