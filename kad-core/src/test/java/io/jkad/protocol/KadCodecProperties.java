package io.jkad.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Every request and response type survives encode → decode; arbitrary bytes never break the decoder. */
class KadCodecProperties {

    private static final Instant NOW = Instant.parse("2025-03-04T05:06:07.890Z");
    private final KadCodec codec = KadCodec.defaults();

    @Property
    void requestsRoundTrip(@ForAll("requests") KadRequest request) throws Exception {
        byte[] bytes = codec.encodeRequest(request, NOW);
        assertThat(codec.decodeRequest(bytes, NOW)).isEqualTo(request);
    }

    @Property
    void responsesRoundTrip(@ForAll("exchanges") KadRequest request, @ForAll("responsePeers") List<KadPeer> closer,
            @ForAll("responsePeers") List<KadPeer> providers, @ForAll("records") DhtRecord record,
            @ForAll boolean withRecord) throws Exception {
        KadResponse response;
        KadRequest asked = request;
        if (request instanceof KadRequest.FindNode) {
            response = new KadResponse.FindNode(closer);
        } else if (request instanceof KadRequest.GetProviders) {
            response = new KadResponse.GetProviders(closer, providers);
        } else if (request instanceof KadRequest.GetValue) {
            asked = new KadRequest.GetValue(record.key());
            response = new KadResponse.GetValue(withRecord ? Optional.of(record) : Optional.empty(), closer);
        } else if (request instanceof KadRequest.PutValue) {
            asked = new KadRequest.PutValue(record);
            response = new KadResponse.PutValue(record.key(), record);
        } else {
            response = new KadResponse.Pong();
        }

        byte[] bytes = codec.encodeResponse(response, NOW);

        assertThat(codec.decodeResponse(bytes, asked, NOW)).isEqualTo(response);
    }

    @Property
    void arbitraryBytesDecodeOrFailWithKadProtocolException(@ForAll byte[] bytes, @ForAll("exchanges") KadRequest request) {
        try {
            codec.decodeRequest(bytes, NOW);
        } catch (KadProtocolException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
        try {
            codec.decodeResponse(bytes, request, NOW);
        } catch (KadProtocolException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Property
    void mutatedMessagesDecodeOrFailWithKadProtocolException(@ForAll("requests") KadRequest request,
            @ForAll("mutations") List<Integer> mutations) {
        byte[] bytes = codec.encodeRequest(request, NOW);
        if (bytes.length == 0) {
            return;
        }
        for (int m : mutations) {
            int at = Math.floorMod(m, bytes.length);
            bytes[at] = (byte) (bytes[at] ^ (m >>> 8 | 1));
        }
        try {
            codec.decodeRequest(bytes, NOW);
        } catch (KadProtocolException e) {
            assertThat(e.kind()).isNotNull();
        }
    }

    // ---- arbitraries -----------------------------------------------------------------------------

    @Provide
    Arbitrary<KadRequest> requests() {
        return Arbitraries.oneOf(
                keys().map(KadRequest.FindNode::new),
                keys().map(KadRequest.GetProviders::new),
                keys().map(KadRequest.GetValue::new),
                Combinators.combine(keys(), peers()).as(KadRequest.AddProvider::new),
                records().map(KadRequest.PutValue::new),
                Arbitraries.just(new KadRequest.Ping()));
    }

    /** Requests that have a response (all but ADD_PROVIDER). */
    @Provide
    Arbitrary<KadRequest> exchanges() {
        return requests().filter(r -> !(r instanceof KadRequest.AddProvider));
    }

    @Provide
    Arbitrary<List<KadPeer>> responsePeers() {
        return peers().list().ofMaxSize(8);
    }

    @Provide
    Arbitrary<List<Integer>> mutations() {
        return Arbitraries.integers().list().ofMinSize(1).ofMaxSize(4);
    }

    @Provide
    Arbitrary<DhtRecord> records() {
        Arbitrary<Optional<PeerId>> publisher = peerIds().optional();
        // whole seconds from NOW, so that ttl carries the expiry exactly; up to uint32's maximum
        Arbitrary<Optional<Instant>> expires = Arbitraries.longs().between(1, 0xFFFF_FFFFL)
                .map(NOW::plusSeconds).optional();
        Arbitrary<byte[]> value = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
        return Combinators.combine(keys(), value, publisher, expires).as(DhtRecord::of);
    }

    private Arbitrary<RecordKey> keys() {
        return Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(80).map(RecordKey::of);
    }

    private Arbitrary<PeerId> peerIds() {
        return Arbitraries.longs().map(seed -> PeerId.random(new Random(seed)));
    }

    private Arbitrary<KadPeer> peers() {
        return Combinators.combine(peerIds(), addresses().list().ofMaxSize(6),
                        Arbitraries.of(ConnectionType.class))
                .as(KadPeer::new);
    }

    private Arbitrary<Multiaddr> addresses() {
        Arbitrary<Integer> port = Arbitraries.integers().between(0, 65535);
        Arbitrary<Multiaddr> ip = Combinators.combine(
                        Arbitraries.oneOf(Arbitraries.bytes().array(byte[].class).ofSize(4),
                                Arbitraries.bytes().array(byte[].class).ofSize(16)),
                        port)
                .as((address, p) -> Multiaddr.tcp(new InetSocketAddress(inet(address), p)));
        Arbitrary<Multiaddr> dns = Combinators.combine(
                        Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(20), port)
                .as((name, p) -> Multiaddr.parse("/dns4/" + name + ".example/tcp/" + p));
        return Arbitraries.oneOf(ip, dns);
    }

    private static InetAddress inet(byte[] address) {
        try {
            return InetAddress.getByAddress(address);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
