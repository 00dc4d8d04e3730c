package io.jkad.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.kademlia.KademliaConfig;
import io.jkad.kademlia.RequestLimits;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.net.KademliaNode;
import io.jkad.net.KademliaNodeConfig;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStore;
import io.jkad.record.RecordStores;
import io.jkad.record.StoreConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ServeLoad} against a real jkad node (the serving path of {@code kad run}: a
 * {@link KademliaNode} on real sockets, a real store): its prefill lands in the node's store, its
 * requests get right answers, and a wrong answer is counted as an error, not as speed.
 */
class ServeLoadTest {

    @TempDir
    Path dir;

    private RecordStore store;

    private KademliaNode node(String backend) throws Exception {
        Ed25519KeyPair id = Ed25519KeyPair.generate();
        store = RecordStores.open(backend, StoreConfig.defaults(id.peerId()).withDataDirectory(dir));
        return KademliaNode.start(KademliaNodeConfig.builder(id).listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0"))
                .ioThreads(1).store(store)
                // as the bench's targets (kad run --request-limits ...): the test measures answers, not budgets
                .kademlia(KademliaConfig.builder().requestLimits(RequestLimits.UNLIMITED).build())
                .build());
    }

    @AfterEach
    void closeStore() throws Exception {
        if (store != null) {
            store.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "rocksdb"})
    void answersAreRightAndTheStoreHoldsThePrefill(String backend) throws Exception {
        try (KademliaNode node = node(backend);
             ServeLoad load = ServeLoad.connect(node.peerId(), node.listenAddresses().get(0), 3, 7)) {
            load.prefill(20, 20, 64); // throws if any read-back is wrong
            // the records are in the node's own store, under the keys the load asks for
            assertThat(store.get(RecordKey.ofUtf8("/jkad/serve-bench/7/5"))).isPresent();
            assertThat(store.providers(RecordKey.of(ServeLoad.multihash("serve-bench-provided-7-5")))).hasSize(1);
            SplittableRandom random = new SplittableRandom(1);
            for (ServeLoad.Type type : ServeLoad.Type.values()) {
                for (int i = 0; i < 10; i++) {
                    ServeLoad.Outcome o = load.call(i % 3, type, random).get(10, TimeUnit.SECONDS);
                    assertThat(o.error()).as(type + " #" + i).isNull();
                }
            }
            ServeResult closed = load.closedLoop(ServeLoad.Type.GET_VALUE, 2, Duration.ZERO,
                    Duration.ofMillis(500), ProcessHandle.current().pid());
            assertThat(closed.ok.sum()).isPositive();
            assertThat(closed.errorCount()).isZero();
        }
    }

    @Test
    void aRecordTheNodeDoesNotHoldIsAnError() throws Exception {
        try (KademliaNode node = node("memory");
             ServeLoad load = ServeLoad.connect(node.peerId(), node.listenAddresses().get(0), 2, 8)) {
            load.prefill(5, 5, 16);
            store.remove(RecordKey.ofUtf8("/jkad/serve-bench/8/0"));
            // GET_VALUE picks among the 5 keys: the removed one comes up, and is counted as an error
            ServeResult r = load.closedLoop(ServeLoad.Type.GET_VALUE, 2, Duration.ZERO, Duration.ofMillis(500),
                    ProcessHandle.current().pid());
            assertThat(r.errors).containsKey("no record");
            assertThat(r.ok.sum()).isPositive();
        }
    }
}
