package io.jkad.net;

import static io.jkad.net.InteropSupport.KAD;
import static io.jkad.net.InteropSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.protocol.ConnectionType;
import io.jkad.protocol.KadCodec;
import io.jkad.protocol.KadPeer;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.jkad.protocol.pb.DhtProto;
import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.routing.Key;
import io.jkad.routing.KeyBytes;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The interop checklist of libp2p-wire.md (§10) at a running {@link KademliaNode}, for the points
 * a hand-driven client shows best (the ones that need js are in {@link WireJsIT}): a Kademlia
 * stream opened lazily (the request in the same frame as the protocol proposal), the parity of
 * stream ids, PUT_VALUE without a type field, ADD_PROVIDER never answered, and answers kept
 * under 16 KiB however many addresses the node knows.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeWireChecklistIT {

    private final KadCodec codec = KadCodec.defaults();
    private final Random random = new Random(10);
    private KademliaNode target;
    private Host client;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        target = InteropSupport.startJkad();
        client = Host.start(HostConfig.builder(Ed25519KeyPair.generate()).build());
        client.dial(target.peerId(), target.listenAddresses()).get(10, TimeUnit.SECONDS);
    }

    @AfterAll
    void stop() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        client.close();
        target.close();
    }

    private RawPeer muxed() throws Exception {
        RawPeer p = RawPeer.connectMuxed(target.listenAddresses().get(0), Ed25519KeyPair.generate());
        toClose.add(p);
        return p;
    }

    /** §10.2: data may follow the protocol line at once (go's lazy mode), even byte by byte. */
    @Test
    void aLazyStreamWithTheRequestInItsFirstFrameIsAnswered() throws Exception {
        RawPeer p = muxed();
        KadRequest ping = new KadRequest.Ping();
        byte[] request = RawPeer.lengthPrefixed(codec.encodeRequest(ping, Instant.now()));
        // Header, proposal and request in one Yamux frame.
        int id = p.openLazy(KAD, request);
        assertThat(p.readStreamMessage(id)).isEqualTo(RawPeer.MULTISTREAM);
        assertThat(p.readStreamMessage(id)).isEqualTo(KAD);
        assertThat(codec.decodeResponse(p.readStreamFrame(id), ping, Instant.now())).isInstanceOf(KadResponse.Pong.class);

        // The same bytes one per frame: nothing is lost between the negotiation and the protocol.
        byte[] all = RawPeer.concat(RawPeer.message(RawPeer.MULTISTREAM), RawPeer.message(KAD), request);
        int id2 = p.newStreamId();
        for (int i = 0; i < all.length; i++) {
            p.data(id2, i == 0 ? YamuxHandler.FLAG_SYN : 0, new byte[] {all[i]});
        }
        assertThat(p.readStreamMessage(id2)).isEqualTo(RawPeer.MULTISTREAM);
        assertThat(p.readStreamMessage(id2)).isEqualTo(KAD);
        assertThat(codec.decodeResponse(p.readStreamFrame(id2), ping, Instant.now())).isInstanceOf(KadResponse.Pong.class);
    }

    /** §10.3: the connection's dialer opens odd stream ids, the listener even ones. */
    @Test
    void theListenerOpensEvenStreamIds() throws Exception {
        RawPeer p = muxed();
        // The node asks us for Identify on a stream of its own.
        RawPeer.Frame syn;
        do {
            syn = p.readFrame();
        } while (!syn.has(YamuxHandler.FLAG_SYN));
        assertThat(syn.streamId() % 2).as("stream id %d opened by the listener", syn.streamId()).isZero();
        assertThat(p.readStreamMessage(syn.streamId())).isEqualTo(RawPeer.MULTISTREAM);
        assertThat(p.readStreamMessage(syn.streamId())).isEqualTo(Host.IDENTIFY);
        // Ours (odd) are accepted.
        int ours = p.openLazy(KAD, new byte[0]);
        assertThat(ours % 2).isOne();
        assertThat(p.readStreamMessage(ours)).isEqualTo(RawPeer.MULTISTREAM);
        assertThat(p.readStreamMessage(ours)).isEqualTo(KAD);
        assertThat(p.stream(ours).ack).isTrue();
    }

    /** §10.5: proto3 omits the type of PUT_VALUE (0); such a message is a PUT_VALUE. */
    @Test
    void aMessageWithoutTypeIsAPutValue() throws Exception {
        RecordKey key = RecordKey.ofUtf8("/jkad/untyped-" + random.nextLong());
        byte[] value = "no type field".getBytes(StandardCharsets.UTF_8);
        byte[] message = DhtProto.Message.newBuilder()
                .setKey(ByteString.copyFrom(key.toBytes()))
                .setRecord(DhtProto.Record.newBuilder().setKey(ByteString.copyFrom(key.toBytes()))
                        .setValue(ByteString.copyFrom(value)))
                .build().toByteArray();
        assertThat(message[0]).as("first field: key (2), no type (1)").isEqualTo((byte) 0x12);
        try (RawKadStream s = RawKadStream.open(client, target.peerId())) {
            s.sendRaw(RawPeer.lengthPrefixed(message));
            KadRequest asPut = new KadRequest.PutValue(DhtRecord.of(key, value));
            KadResponse.PutValue echo = (KadResponse.PutValue) s.decode(s.nextFrame(), asPut);
            assertThat(echo.key()).isEqualTo(key);
            assertThat(echo.record().value()).isEqualTo(value);
        }
        Optional<DhtRecord> stored = await(target.execute(k -> k.store().get(key)));
        assertThat(stored).hasValueSatisfying(r -> assertThat(r.value()).isEqualTo(value));
    }

    /** §10.5: ADD_PROVIDER has no answer; the next request on the same stream gets the next frame. */
    @Test
    void addProviderIsNeverAnswered() throws Exception {
        RecordKey key = InteropSupport.multihash("never answered");
        PeerId us = client.peerId();
        KadPeer provider = new KadPeer(us, List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/4001")), ConnectionType.CONNECTED);
        KadRequest add = new KadRequest.AddProvider(key, provider);
        KadRequest find = new KadRequest.FindNode(RecordKey.of(target.peerId().toBytes()));
        try (RawKadStream s = RawKadStream.open(client, target.peerId())) {
            s.send(add);
            s.send(find);
            s.halfClose();
            assertThat(s.decode(s.nextFrame(), find)).isInstanceOf(KadResponse.FindNode.class);
            assertThat(s.next(5)).as("after the FIND_NODE answer: the end of the stream").isEqualTo(RawKadStream.FIN);
        }
        List<ProviderRecord> stored = await(target.execute(k -> k.store().providers(key)));
        assertThat(stored).extracting(ProviderRecord::provider).containsExactly(us);
    }

    /** §10.5 and §8.2: answers stay under rust-libp2p's 16 KiB however many addresses peers have. */
    @Test
    void answersStayUnder16KiBWithManyLongAddresses() throws Exception {
        try (KademliaNode crowded = InteropSupport.startJkad()) {
            List<KadPeer> known = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                PeerId peer = Ed25519KeyPair.generate().peerId();
                List<Multiaddr> addrs = new ArrayList<>();
                for (int a = 0; a < 20; a++) {
                    Multiaddr m = Multiaddr.parse("/dns4/node-" + i + "-address-" + a
                            + ".a-rather-long-host-name.example.org/tcp/" + (4001 + a));
                    await(crowded.addAddress(peer, m));
                    addrs.add(m);
                }
                known.add(new KadPeer(peer, addrs, ConnectionType.NOT_CONNECTED));
            }
            byte[] target = new byte[32];
            random.nextBytes(target);
            KeyBytes digest = KeyBytes.digestOf(target);
            List<PeerId> inTable = await(crowded.routingTable()).stream().map(RoutingTableEntry::peer).toList();
            List<KadPeer> closest = known.stream().filter(k -> inTable.contains(k.id()))
                    .sorted(Comparator.comparing((KadPeer k) -> Key.of(k.id()).distance(digest))).limit(20).toList();
            int untrimmed = codec.withResponseSizeTarget(Integer.MAX_VALUE)
                    .encodeResponse(new KadResponse.FindNode(closest), Instant.now()).length;
            assertThat(untrimmed).as("an answer with every address").isGreaterThan(KadCodec.DEFAULT_RESPONSE_SIZE_TARGET);

            try (Host c = Host.start(HostConfig.builder(Ed25519KeyPair.generate()).build())) {
                c.dial(crowded.peerId(), crowded.listenAddresses()).get(10, TimeUnit.SECONDS);
                try (RawKadStream s = RawKadStream.open(c, crowded.peerId())) {
                    KadRequest find = new KadRequest.FindNode(RecordKey.of(target));
                    s.send(find);
                    byte[] frame = s.nextFrame();
                    assertThat(frame.length).isLessThanOrEqualTo(KadCodec.DEFAULT_RESPONSE_SIZE_TARGET);
                    KadResponse.FindNode answer = (KadResponse.FindNode) s.decode(frame, find);
                    assertThat(answer.closerPeers()).isNotEmpty();
                    // Trimmed from the far end: what is left are the closest.
                    assertThat(answer.closerPeers()).extracting(KadPeer::id)
                            .containsExactlyElementsOf(closest.subList(0, answer.closerPeers().size()).stream()
                                    .map(KadPeer::id).toList());
                }
            }
        }
    }
}
