package io.jkad.kademlia;

import io.jkad.identity.PeerId;
import io.jkad.record.RecordStore;
import io.jkad.record.StoreConfig;
import io.jkad.record.TestRecordStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The state machines of one test class, registered with {@code @RegisterExtension}: one local
 * identity drawn from a seeded random, each node on kad-core's test store, the stores closed after
 * each test.
 */
final class TestNodes implements AfterEachCallback {
    /** The start of every test's clock. */
    static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

    /** The random the local identity was drawn from; tests draw their peers from it too. */
    final Random random;
    final PeerId local;
    private final List<RecordStore> stores = new ArrayList<>();

    TestNodes(long seed) {
        this.random = new Random(seed);
        this.local = PeerId.random(random);
    }

    /** A test store, closed after the test. */
    RecordStore store(StoreConfig storeConfig) {
        RecordStore store = new TestRecordStore(storeConfig);
        stores.add(store);
        return store;
    }

    /** A node of the local identity at {@link #T0}, its store made from {@code storeConfig}. */
    Kademlia node(KademliaConfig config, StoreConfig storeConfig) {
        return new Kademlia(local, store(storeConfig), config, T0, new Random(2));
    }

    Kademlia node(KademliaConfig config) {
        return node(config, StoreConfig.defaults(local));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        stores.forEach(RecordStore::close);
        stores.clear();
    }
}
