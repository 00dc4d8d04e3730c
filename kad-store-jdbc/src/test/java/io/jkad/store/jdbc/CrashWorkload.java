package io.jkad.store.jdbc;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStore;
import io.jkad.record.StoreConfig;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * The writes of the crash test, the same for the same seed: the child JVM ({@link CrashWriter})
 * performs them, the test replays the acknowledged ones into a {@link Model}. Mostly puts and
 * provider additions over a small key space (so many are replacements and updates in place), with
 * some removals and node state entries.
 */
final class CrashWorkload {

    static final int RECORD_KEYS = 300;
    static final int PROVIDER_KEYS = 40;
    static final int PEERS = 25;
    static final Instant BASE = Instant.parse("2030-01-01T00:00:00.000000001Z");

    private final long seed;
    private final PeerId local;

    CrashWorkload(long seed) {
        this.seed = seed;
        this.local = peer(0);
    }

    /** The store's config in {@code dir}: limits well above what the workload can reach. */
    StoreConfig config(Path dir) {
        return StoreConfig.defaults(local).withDataDirectory(dir).withLimits(2 * RECORD_KEYS, 4096, PEERS + 1,
                2 * PROVIDER_KEYS);
    }

    /** Peer 0 is the local one. */
    static PeerId peer(int i) {
        return PeerId.random(new Random(0x9e3779b97f4a7c15L * (i + 1)));
    }

    /** One write. */
    sealed interface Op permits Put, Remove, AddProvider, RemoveProvider, PutNodeState {
        void applyTo(RecordStore store);

        void applyTo(Model model);
    }

    record Put(DhtRecord record) implements Op {
        public void applyTo(RecordStore store) {
            store.put(record);
        }

        public void applyTo(Model model) {
            model.records.put(record.key(), record);
        }
    }

    record Remove(RecordKey key) implements Op {
        public void applyTo(RecordStore store) {
            store.remove(key);
        }

        public void applyTo(Model model) {
            model.records.remove(key);
        }
    }

    record AddProvider(ProviderRecord record) implements Op {
        public void applyTo(RecordStore store) {
            if (!store.addProvider(record)) {
                throw new IllegalStateException("the crash workload never fills a provider list: " + record);
            }
        }

        public void applyTo(Model model) {
            model.providers.computeIfAbsent(record.key(), k -> new LinkedHashMap<>()).put(record.provider(), record);
        }
    }

    record RemoveProvider(RecordKey key, PeerId provider) implements Op {
        public void applyTo(RecordStore store) {
            store.removeProvider(key, provider);
        }

        public void applyTo(Model model) {
            Map<PeerId, ProviderRecord> list = model.providers.get(key);
            if (list != null) {
                list.remove(provider);
                if (list.isEmpty()) {
                    model.providers.remove(key);
                }
            }
        }
    }

    /** The node state entry {@code name} set to {@code value}. */
    record PutNodeState(String name, byte[] value) implements Op {
        public void applyTo(RecordStore store) {
            store.putNodeState(name, value);
        }

        public void applyTo(Model model) {
            model.nodeState.put(name, value);
        }
    }

    /** Names of the node state entries the workload sets. */
    static final List<String> NODE_STATE = List.of("crash.schedule", "crash.other");

    /** Write number {@code i}. */
    Op op(int i) {
        Random r = new Random(seed * 1_000_003L + i);
        int kind = r.nextInt(21);
        if (kind == 20) {
            byte[] value = java.nio.ByteBuffer.allocate(4 + r.nextInt(200)).putInt(i).array();
            return new PutNodeState(NODE_STATE.get(r.nextInt(NODE_STATE.size())), value);
        }
        Optional<Instant> expires = r.nextInt(4) == 0 ? Optional.empty()
                : Optional.of(BASE.plusSeconds(r.nextInt(100_000)).plusNanos(r.nextInt(1_000_000_000)));
        if (kind < 9) {
            byte[] value = new byte[r.nextInt(2048)];
            r.nextBytes(value);
            Optional<PeerId> publisher = r.nextBoolean() ? Optional.of(peer(r.nextInt(PEERS))) : Optional.empty();
            return new Put(DhtRecord.of(recordKey(r.nextInt(RECORD_KEYS)), value, publisher, expires));
        }
        if (kind < 10) {
            return new Remove(recordKey(r.nextInt(RECORD_KEYS)));
        }
        RecordKey key = providerKey(r.nextInt(PROVIDER_KEYS));
        PeerId peer = peer(r.nextInt(PEERS));
        if (kind < 19) {
            List<Multiaddr> addresses = r.nextBoolean() ? List.of()
                    : List.of(Multiaddr.parse("/ip4/10.0." + r.nextInt(256) + ".1/tcp/" + (1 + r.nextInt(65535))));
            return new AddProvider(new ProviderRecord(key, peer, expires, addresses));
        }
        return new RemoveProvider(key, peer);
    }

    static RecordKey recordKey(int i) {
        return RecordKey.ofUtf8("crash-record-" + i);
    }

    static RecordKey providerKey(int i) {
        return RecordKey.ofUtf8("crash-provider-" + i);
    }

    /** What the store holds after some writes, as plain maps. */
    static final class Model {
        final Map<RecordKey, DhtRecord> records = new HashMap<>();
        /** Each key's providers in the order first added. */
        final Map<RecordKey, LinkedHashMap<PeerId, ProviderRecord>> providers = new HashMap<>();
        final Map<String, byte[]> nodeState = new HashMap<>();

        List<ProviderRecord> providers(RecordKey key) {
            Map<PeerId, ProviderRecord> list = providers.get(key);
            return list == null ? List.of() : List.copyOf(list.values());
        }
    }

    /** The model after writes {@code 0 .. count-1}. */
    Model model(int count) {
        Model m = new Model();
        for (int i = 0; i < count; i++) {
            op(i).applyTo(m);
        }
        return m;
    }

    PeerId localPeer() {
        return local;
    }
}
