package io.jkad.store.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.identity.PeerId;
import io.jkad.record.CloseableIterator;
import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.StoreConfig;
import io.jkad.record.StoreException;
import io.jkad.record.StoreException.Kind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * The memory store against a naive model (lists scanned on every call) over random sequences of
 * operations on a few keys and peers with small limits; after every step the answers, the whole
 * contents and the sizes of the expiry indexes must agree with the model.
 */
class MemoryRecordStoreProperties {

    private static final int KEYS = 6;
    private static final int PEERS = 5; // peer 0 is the local peer
    private static final int MAX_RECORDS = 3;
    private static final int MAX_VALUE_BYTES = 4;
    private static final int MAX_PROVIDERS_PER_KEY = 2;
    private static final int MAX_PROVIDED_KEYS = 3;
    private static final Instant START = Instant.parse("2021-01-01T00:00:00.000000001Z");

    private static final List<PeerId> PEER_IDS = new ArrayList<>();

    static {
        Random random = new Random(99);
        for (int i = 0; i < PEERS; i++) {
            PEER_IDS.add(PeerId.random(random));
        }
    }

    enum Op { PUT, REMOVE, ADD_PROVIDER, REMOVE_PROVIDER, REMOVE_EXPIRED, ADVANCE }

    /** One step: {@code expiry} is seconds after the current time, or none when negative. */
    record Action(Op op, int key, int peer, int expiry, int length) {}

    @Provide
    Arbitrary<Action> action() {
        return Combinators.combine(
                Arbitraries.of(Op.class),
                Arbitraries.integers().between(0, KEYS - 1),
                Arbitraries.integers().between(0, PEERS - 1),
                Arbitraries.integers().between(-1, 3),
                Arbitraries.integers().between(0, MAX_VALUE_BYTES + 1)).as(Action::new);
    }

    @Property(tries = 300)
    void agreesWithANaiveModel(@ForAll @Size(max = 80) List<@net.jqwik.api.From("action") Action> actions) {
        StoreConfig config = StoreConfig.defaults(PEER_IDS.get(0))
                .withLimits(MAX_RECORDS, MAX_VALUE_BYTES, MAX_PROVIDERS_PER_KEY, MAX_PROVIDED_KEYS);
        MemoryRecordStore store = new MemoryRecordStore(config);
        Model model = new Model();
        Instant now = START;
        for (Action a : actions) {
            RecordKey key = RecordKey.of(new byte[] {(byte) a.key()});
            PeerId peer = PEER_IDS.get(a.peer());
            Optional<Instant> expires = a.expiry() < 0 ? Optional.empty() : Optional.of(now.plusSeconds(a.expiry()));
            switch (a.op()) {
                case PUT -> {
                    DhtRecord r = DhtRecord.of(key, new byte[a.length()], Optional.of(peer), expires);
                    assertThat(outcome(() -> store.put(r))).as("put %s", a).isEqualTo(model.put(r));
                }
                case REMOVE -> {
                    store.remove(key);
                    model.records.remove(key);
                }
                case ADD_PROVIDER -> {
                    ProviderRecord p = new ProviderRecord(key, peer, expires, List.of());
                    Object expected = model.addProvider(p);
                    Object actual;
                    try {
                        actual = store.addProvider(p);
                    } catch (StoreException e) {
                        actual = e.kind();
                    }
                    assertThat(actual).as("addProvider %s", a).isEqualTo(expected);
                }
                case REMOVE_PROVIDER -> {
                    store.removeProvider(key, peer);
                    model.removeProvider(key, peer);
                }
                case REMOVE_EXPIRED -> assertThat(store.removeExpired(now)).as("removeExpired at %s", now)
                        .isEqualTo(model.removeExpired(now));
                case ADVANCE -> now = now.plusSeconds(Math.max(a.expiry(), 0)).plusNanos(a.length());
            }
            model.assertSame(store);
        }
        store.close();
    }

    private static Kind outcome(Runnable call) {
        try {
            call.run();
            return null;
        } catch (StoreException e) {
            return e.kind();
        }
    }

    /** The semantics of the SPI, written as plainly as possible. */
    private static final class Model {
        final Map<RecordKey, DhtRecord> records = new LinkedHashMap<>();
        final Map<RecordKey, List<ProviderRecord>> providers = new LinkedHashMap<>();

        Kind put(DhtRecord r) {
            if (r.valueLength() > MAX_VALUE_BYTES) {
                return Kind.VALUE_TOO_LARGE;
            }
            if (!records.containsKey(r.key()) && records.size() >= MAX_RECORDS) {
                return Kind.MAX_RECORDS;
            }
            records.put(r.key(), r);
            return null;
        }

        Object addProvider(ProviderRecord p) {
            List<ProviderRecord> list = providers.get(p.key());
            if (list == null) {
                if (providers.size() >= MAX_PROVIDED_KEYS) {
                    return Kind.MAX_PROVIDED_KEYS;
                }
                list = new ArrayList<>();
                providers.put(p.key(), list);
            }
            for (int i = 0; i < list.size(); i++) {
                if (list.get(i).provider().equals(p.provider())) {
                    list.set(i, p);
                    return true;
                }
            }
            if (list.size() >= MAX_PROVIDERS_PER_KEY) {
                return false;
            }
            list.add(p);
            return true;
        }

        void removeProvider(RecordKey key, PeerId peer) {
            List<ProviderRecord> list = providers.get(key);
            if (list != null) {
                list.removeIf(p -> p.provider().equals(peer));
                if (list.isEmpty()) {
                    providers.remove(key);
                }
            }
        }

        long removeExpired(Instant now) {
            long n = 0;
            for (var it = records.values().iterator(); it.hasNext(); ) {
                if (it.next().isExpired(now)) {
                    it.remove();
                    n++;
                }
            }
            for (var it = providers.values().iterator(); it.hasNext(); ) {
                List<ProviderRecord> list = it.next();
                int before = list.size();
                list.removeIf(p -> p.isExpired(now));
                n += before - list.size();
                if (list.isEmpty()) {
                    it.remove();
                }
            }
            return n;
        }

        void assertSame(MemoryRecordStore store) {
            for (int k = 0; k < KEYS; k++) {
                RecordKey key = RecordKey.of(new byte[] {(byte) k});
                assertThat(store.get(key)).isEqualTo(Optional.ofNullable(records.get(key)));
                assertThat(store.providers(key)).isEqualTo(providers.getOrDefault(key, List.of()));
            }
            Set<DhtRecord> all = new HashSet<>();
            try (CloseableIterator<DhtRecord> it = store.records()) {
                it.forEachRemaining(all::add);
            }
            assertThat(all).isEqualTo(new HashSet<>(records.values()));
            Set<ProviderRecord> provided = new HashSet<>();
            try (CloseableIterator<ProviderRecord> it = store.provided()) {
                it.forEachRemaining(provided::add);
            }
            Set<ProviderRecord> expectedProvided = new HashSet<>();
            providers.values().forEach(l -> l.stream().filter(p -> p.provider().equals(PEER_IDS.get(0)))
                    .forEach(expectedProvided::add));
            assertThat(provided).isEqualTo(expectedProvided);
            long recordExpiries = records.values().stream().filter(r -> r.expires().isPresent()).count();
            long providerExpiries = providers.values().stream().flatMap(List::stream)
                    .filter(p -> p.expires().isPresent()).count();
            assertThat(store.sizes()).containsExactly(records.size(), providers.size(), expectedProvided.size(),
                    (int) recordExpiries, (int) providerExpiries);
            assertThat(store.recordsWithoutExpiry()).isEqualTo(records.size() - recordExpiries);
            assertThat(store.providerRecordCount()).isEqualTo(providers.values().stream().mapToLong(List::size).sum());
        }
    }
}
