package io.jkad.net;

import static io.jkad.net.InteropSupport.await;
import static io.jkad.net.InteropSupport.awaitCondition;
import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.interop.InteropPeer;
import io.jkad.interop.PeerCommands;
import io.jkad.kademlia.KademliaConfig;
import io.jkad.kademlia.PeerRecord;
import io.jkad.kademlia.QueryResult;
import io.jkad.kademlia.Quorum;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStore;
import io.jkad.record.RecordStores;
import io.jkad.record.StoreConfig;
import io.jkad.validation.IpnsRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * IPNS names across one DHT of 4 jkad, 4 go-libp2p-kad-dht (boxo's IPNS validator) and 4
 * js-libp2p (js's {@code ipns} validator and selector, as Helia adds them) nodes on loopback: a
 * name jkad publishes resolves from go and js; a record go's own IPNS code made and a go node put
 * resolves from jkad and js; and when half the network holds sequence 1 and half sequence 2, a
 * jkad resolve returns sequence 2 and sends it to the stale peers of every kind, after which go
 * and js resolve sequence 2 too.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MixedNetworkIpnsIT {

    private static final int EACH = 4;

    private final List<InteropPeer> processes = new ArrayList<>();
    private final List<KademliaNode> jkad = new ArrayList<>();
    private final List<RecordStore> stores = new ArrayList<>();
    private List<PeerCommands> go;
    private List<PeerCommands> js;

    @BeforeAll
    void start() throws Exception {
        InteropPeer goPeer = InteropPeer.start(InteropSupport.peerOptions(InteropPeer.Kind.GO).nodes(EACH)
                .interconnect(true).timeout(Duration.ofSeconds(60)));
        processes.add(goPeer);
        InteropPeer jsPeer = InteropPeer.start(InteropSupport.peerOptions(InteropPeer.Kind.JS).nodes(EACH)
                .interconnect(true).timeout(Duration.ofSeconds(60)));
        processes.add(jsPeer);
        go = goPeer.nodes();
        js = jsPeer.nodes();
        for (int i = 0; i < EACH; i++) {
            Ed25519KeyPair key = Ed25519KeyPair.generate();
            RecordStore store = RecordStores.open("memory", StoreConfig.defaults(PeerId.fromPublicKey(key.publicKey())));
            stores.add(store);
            jkad.add(KademliaNode.start(KademliaNodeConfig.builder(key).listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0"))
                    .kademlia(KademliaConfig.defaults()).ioThreads(1).store(store).build()));
        }
        // go node i dials jkad node i and js node i; js node i dials jkad node i; every jkad node
        // then bootstraps through its go and js contacts
        for (int i = 0; i < EACH; i++) {
            go.get(i).dial(InteropSupport.dialAddr(jkad.get(i)));
            go.get(i).dial(js.get(i).dialAddr());
            js.get(i).dial(InteropSupport.dialAddr(jkad.get(i)));
        }
        for (int i = 0; i < EACH; i++) {
            KademliaNode n = jkad.get(i);
            for (PeerCommands via : List.of(go.get(i), js.get(i))) {
                await(n.addAddress(PeerId.parse(via.peerId()), Multiaddr.parse(via.dialAddr()).withoutPeerId()));
            }
            await(n.bootstrap());
        }
        for (KademliaNode n : jkad) {
            awaitCondition(() -> await(n.routingTable()).size() >= 2 * EACH, n.peerId() + " knows most of the network");
        }
    }

    @AfterAll
    void stop() {
        processes.forEach(InteropPeer::close);
        jkad.forEach(KademliaNode::close);
        stores.forEach(RecordStore::close);
    }

    private static DhtRecord record(Ed25519KeyPair owner, long sequence, String value) {
        byte[] bytes = IpnsRecord.create(owner.publicKey().encodeProtobuf(), owner::sign, false,
                value.getBytes(StandardCharsets.UTF_8), sequence, Instant.now().plus(Duration.ofHours(1)),
                Duration.ofMinutes(5), true);
        return DhtRecord.of(IpnsRecord.keyOf(PeerId.fromPublicKey(owner.publicKey())), bytes);
    }

    private static long sequenceOf(byte[] record) {
        return IpnsRecord.parse(record).sequence();
    }

    /** The best copy a jkad lookup finds (the full lookup: quorum 16, more copies than there are nodes). */
    private static DhtRecord resolve(KademliaNode n, RecordKey key) throws Exception {
        QueryResult.GetRecord r = await(n.getRecord(key, Quorum.of(16)));
        List<PeerRecord> found = r instanceof QueryResult.GetRecord.Ok ok ? ok.records()
                : r instanceof QueryResult.GetRecord.QuorumFailed f ? f.records() : List.of();
        assertThat(found).as("copies of %s found by %s: %s", key, n.peerId(), r).isNotEmpty();
        return found.get(0).record();
    }

    @Test
    void aNamePublishedByJkadResolvesFromGoAndJs() throws Exception {
        DhtRecord r = record(Ed25519KeyPair.generate(), 1, "/ipfs/bafkqaddwgevxmmraojswg33smq");
        QueryResult.PutRecord put = await(jkad.get(0).putRecord(r, Quorum.of(6)));
        assertThat(put.isOk()).as("%s", put).isTrue();
        for (PeerCommands n : List.of(go.get(1), js.get(2))) {
            assertThat(n.get(r.key().toBytes()).value()).as("from %s", n.peerId()).isEqualTo(r.value());
        }
    }

    @Test
    void aRecordGoMadeAndPutResolvesFromJkadAndJs() throws Exception {
        // made by boxo's ipns package (interop/go/cmd/ipns), stored by a go node's PutValue
        com.google.gson.JsonObject request = com.google.gson.JsonParser.parseString("{\"make\":[{\"key_type\":\"ed25519\","
                + "\"value\":\"/ipfs/bafkqaddwgevxmmraojswg33smq\",\"sequence\":4,\"validity\":\""
                + Instant.now().plus(Duration.ofHours(2)) + "\",\"ttl_s\":60,\"v1\":true}]}").getAsJsonObject();
        var made = io.jkad.interop.IpnsTools.go(request).getAsJsonArray("made").get(0).getAsJsonObject();
        byte[] key = java.util.HexFormat.of().parseHex(made.get("key_hex").getAsString());
        byte[] value = java.util.HexFormat.of().parseHex(made.get("record_hex").getAsString());
        go.get(0).put(key, value);
        DhtRecord found = resolve(jkad.get(3), RecordKey.of(key));
        assertThat(found.value()).isEqualTo(value);
        assertThat(sequenceOf(found.value())).isEqualTo(4);
        assertThat(js.get(3).get(key).value()).isEqualTo(value);
    }

    @Test
    void halfTheNetworkStaleAResolveReturnsTheNewestAndCorrectsEveryKind() throws Exception {
        Ed25519KeyPair owner = Ed25519KeyPair.generate();
        DhtRecord old = record(owner, 1, "/ipfs/bafkqaddwgevxmmraojswg33smq");
        DhtRecord newest = record(owner, 2, "/ipfs/bafkqaddwgevxmmraojswg33smr");
        RecordKey key = old.key();
        // every node but jkad 0 (the sender) and jkad 1 (the resolver) gets one of the two, alternately
        List<PeerId> stale = new ArrayList<>();
        List<PeerId> fresh = new ArrayList<>();
        List<PeerId> all = new ArrayList<>();
        for (int i = 0; i < EACH; i++) {
            all.add(PeerId.parse(go.get(i).peerId()));
            all.add(PeerId.parse(js.get(i).peerId()));
            if (i >= 2) {
                all.add(jkad.get(i).peerId());
            }
        }
        for (int i = 0; i < all.size(); i++) {
            (i % 2 == 0 ? stale : fresh).add(all.get(i));
        }
        assertThat(await(jkad.get(0).putRecordTo(old, stale, Quorum.ALL)).isOk()).isTrue();
        assertThat(await(jkad.get(0).putRecordTo(newest, fresh, Quorum.ALL)).isOk()).isTrue();
        for (PeerId p : stale) {
            assertThat(localSequence(p, key)).as("stale %s before", p).contains(1L);
        }

        DhtRecord best = resolve(jkad.get(1), key);
        assertThat(sequenceOf(best.value())).isEqualTo(2);
        for (PeerId p : stale) {
            awaitCondition(() -> localSequence(p, key).equals(Optional.of(2L)), p + " corrected to sequence 2");
        }
        assertThat(sequenceOf(go.get(3).get(key.toBytes()).value())).isEqualTo(2);
        assertThat(sequenceOf(js.get(3).get(key.toBytes()).value())).isEqualTo(2);
        assertThat(sequenceOf(resolve(jkad.get(2), key).value())).isEqualTo(2);
    }

    /** The sequence of the record {@code peer} itself holds under {@code key}, if any. */
    private Optional<Long> localSequence(PeerId peer, RecordKey key) {
        for (int i = 0; i < EACH; i++) {
            if (jkad.get(i).peerId().equals(peer)) {
                return stores.get(i).get(key).map(r -> sequenceOf(r.value()));
            }
            for (PeerCommands n : List.of(go.get(i), js.get(i))) {
                if (n.peerId().equals(peer.toString())) {
                    return n.getLocal(key.toBytes()).map(MixedNetworkIpnsIT::sequenceOf);
                }
            }
        }
        throw new AssertionError("no node " + peer);
    }
}
