package io.jkad.kademlia;

import static io.jkad.kademlia.Drive.drain;
import static io.jkad.kademlia.Drive.ofType;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.jkad.query.QueryId;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.jkad.validation.InvalidReason;
import io.jkad.validation.InvalidRecordException;
import io.jkad.validation.IpnsRecord;
import io.jkad.validation.UnknownNamespacePolicy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Validation in the state machine: inbound PUT_VALUE, records received in GET_VALUE answers, the
 * local put, the local copy, and the selection and correction at the end of a get — with real
 * IPNS records signed here.
 */
class KademliaValidationTest {
    private static final Instant T0 = TestNodes.T0;
    @RegisterExtension
    final TestNodes nodes = new TestNodes(7);
    private final Random random = nodes.random;
    private final PeerId local = nodes.local;
    private final Ed25519KeyPair owner = Ed25519KeyPair.generate();
    private final RecordKey name = IpnsRecord.keyOf(PeerId.fromPublicKey(owner.publicKey()));

    private Kademlia node(KademliaConfig config) {
        Kademlia k = nodes.node(config);
        k.onNewListenAddress(Multiaddr.parse("/ip4/127.0.0.1/tcp/4001"));
        return k;
    }

    private List<PeerId> connectedPeers(Kademlia k, int n) {
        List<PeerId> peers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            PeerId p = PeerId.random(random);
            k.addAddress(p, Multiaddr.parse("/ip4/10.0.0." + (i + 1) + "/tcp/4001"), T0);
            k.onConnected(p, T0);
            peers.add(p);
        }
        drain(k, T0);
        return peers;
    }

    private DhtRecord ipns(Ed25519KeyPair signer, long sequence, Instant validity) {
        byte[] value = IpnsRecord.create(signer.publicKey().encodeProtobuf(), signer::sign, false,
                ("/ipfs/seq-" + sequence).getBytes(StandardCharsets.UTF_8), sequence, validity, Duration.ofMinutes(5), true);
        return DhtRecord.of(name, value);
    }

    private static long sequenceOf(DhtRecord r) {
        return IpnsRecord.parse(r.value()).sequence();
    }

    private static List<KademliaEvent.RequestRefused> refusals(List<KademliaAction> actions) {
        return ofType(actions, KademliaAction.Emit.class).stream().map(KademliaAction.Emit::event)
                .filter(KademliaEvent.RequestRefused.class::isInstance).map(KademliaEvent.RequestRefused.class::cast)
                .toList();
    }

    @Test
    void aForgedRecordIsResetAndNotStoredAValidOneIsStoredUntilItsValidityEnds() {
        Kademlia k = node(KademliaConfig.defaults());
        PeerId sender = connectedPeers(k, 3).get(0);
        DhtRecord forged = ipns(Ed25519KeyPair.generate(), 5, T0.plusSeconds(3600));
        k.onRequest(sender, new InboundRequestId(1), new KadRequest.PutValue(forged), T0);
        List<KademliaAction> actions = drain(k, T0);
        assertThat(ofType(actions, KademliaAction.ResetStream.class)).hasSize(1);
        assertThat(ofType(actions, KademliaAction.Respond.class)).isEmpty();
        assertThat(refusals(actions)).extracting(KademliaEvent.RequestRefused::reason)
                .containsExactly(KademliaEvent.RefusalReason.INVALID_RECORD);
        assertThat(k.store().get(name)).isEmpty();

        Instant validity = T0.plusSeconds(600);
        k.onRequest(sender, new InboundRequestId(2), new KadRequest.PutValue(ipns(owner, 1, validity)), T0);
        assertThat(ofType(drain(k, T0), KademliaAction.Respond.class)).hasSize(1);
        DhtRecord stored = k.store().get(name).orElseThrow();
        assertThat(stored.expires()).contains(validity);
        // past its validity it is no longer served
        k.onRequest(sender, new InboundRequestId(3), new KadRequest.GetValue(name), validity.plusSeconds(1));
        KademliaAction.Respond answer = ofType(drain(k, validity.plusSeconds(1)), KademliaAction.Respond.class).get(0);
        assertThat(((KadResponse.GetValue) answer.response()).record()).isEmpty();
    }

    /** A stored record that does not validate (say, stored before validation existed) is removed, not served. */
    @Test
    void aStoredRecordThatDoesNotValidateIsNotServed() {
        Kademlia k = node(KademliaConfig.defaults());
        PeerId asker = connectedPeers(k, 1).get(0);
        k.store().put(ipns(Ed25519KeyPair.generate(), 1, T0.plusSeconds(3600)));
        k.onRequest(asker, new InboundRequestId(1), new KadRequest.GetValue(name), T0);
        KademliaAction.Respond answer = ofType(drain(k, T0), KademliaAction.Respond.class).get(0);
        assertThat(((KadResponse.GetValue) answer.response()).record()).isEmpty();
        assertThat(k.store().get(name)).isEmpty();
    }

    @Test
    void aRecordWorseThanTheOneHeldIsRefusedABetterOneReplacesIt() {
        Kademlia k = node(KademliaConfig.defaults());
        PeerId sender = connectedPeers(k, 3).get(0);
        Instant validity = T0.plusSeconds(3600);
        k.onRequest(sender, new InboundRequestId(1), new KadRequest.PutValue(ipns(owner, 2, validity)), T0);
        drain(k, T0);
        k.onRequest(sender, new InboundRequestId(2), new KadRequest.PutValue(ipns(owner, 1, validity)), T0);
        List<KademliaAction> older = drain(k, T0);
        assertThat(refusals(older)).extracting(KademliaEvent.RequestRefused::reason)
                .containsExactly(KademliaEvent.RefusalReason.INVALID_RECORD);
        assertThat(sequenceOf(k.store().get(name).orElseThrow())).isEqualTo(2);
        // the same record again is acknowledged (replication), a newer one replaces it
        k.onRequest(sender, new InboundRequestId(3), new KadRequest.PutValue(ipns(owner, 2, validity)), T0);
        assertThat(refusals(drain(k, T0))).isEmpty();
        k.onRequest(sender, new InboundRequestId(4), new KadRequest.PutValue(ipns(owner, 3, validity)), T0);
        assertThat(refusals(drain(k, T0))).isEmpty();
        assertThat(sequenceOf(k.store().get(name).orElseThrow())).isEqualTo(3);
    }

    @Test
    void keysOfUnknownNamespacesAreAcceptedOrRefusedAsConfigured() {
        DhtRecord app = DhtRecord.of(RecordKey.ofUtf8("/app/x"), new byte[] {1});
        DhtRecord plain = DhtRecord.of(RecordKey.ofUtf8("plain"), new byte[] {1});
        Kademlia open = node(KademliaConfig.defaults());
        PeerId sender = connectedPeers(open, 1).get(0);
        open.onRequest(sender, new InboundRequestId(1), new KadRequest.PutValue(app), T0);
        open.onRequest(sender, new InboundRequestId(2), new KadRequest.PutValue(plain), T0);
        assertThat(refusals(drain(open, T0))).isEmpty();
        assertThat(open.store().get(app.key())).isPresent();

        Kademlia strict = node(KademliaConfig.builder().unknownNamespaces(UnknownNamespacePolicy.REFUSE).build());
        PeerId other = connectedPeers(strict, 1).get(0);
        strict.onRequest(other, new InboundRequestId(1), new KadRequest.PutValue(app), T0);
        strict.onRequest(other, new InboundRequestId(2), new KadRequest.PutValue(plain), T0);
        assertThat(refusals(drain(strict, T0))).hasSize(2);
        assertThat(strict.store().get(app.key())).isEmpty();
        assertThatThrownBy(() -> strict.putRecord(app, Quorum.ONE, T0)).isInstanceOfSatisfying(
                InvalidRecordException.class, e -> assertThat(e.reason()).isEqualTo(InvalidReason.UNKNOWN_NAMESPACE));
    }

    @Test
    void anInvalidLocalPutIsRefusedBeforeAnythingIsStoredOrSent() {
        Kademlia k = node(KademliaConfig.defaults());
        connectedPeers(k, 3);
        DhtRecord expired = ipns(owner, 1, T0.minusSeconds(1));
        assertThatThrownBy(() -> k.putRecord(expired, Quorum.ONE, T0)).isInstanceOfSatisfying(
                InvalidRecordException.class, e -> assertThat(e.reason()).isEqualTo(InvalidReason.EXPIRED));
        assertThat(k.store().get(name)).isEmpty();
        assertThat(ofType(drain(k, T0), KademliaAction.SendRequest.class)).isEmpty();
        assertThat(k.numQueries()).isZero();
        // a valid one is stored as the node's own, expiring with its validity
        k.putRecord(ipns(owner, 3, T0.plusSeconds(60)), Quorum.ONE, T0);
        assertThat(k.store().get(name).orElseThrow().expires()).contains(T0.plusSeconds(60));
        // a sequence regression is refused (an older value would replace a newer one); a newer one is not
        assertThatThrownBy(() -> k.putRecord(ipns(owner, 2, T0.plusSeconds(600)), Quorum.ONE, T0))
                .isInstanceOfSatisfying(InvalidRecordException.class,
                        e -> assertThat(e.reason()).isEqualTo(InvalidReason.OUTDATED));
        assertThat(sequenceOf(k.store().get(name).orElseThrow())).isEqualTo(3);
        k.putRecord(ipns(owner, 4, T0.plusSeconds(60)), Quorum.ONE, T0);
        assertThat(sequenceOf(k.store().get(name).orElseThrow())).isEqualTo(4);
    }

    /**
     * Three peers answer a get: an old record, a forged one, the newest. The forged one does not
     * count; the newest is the result; both others are sent the newest; the local outdated copy
     * is replaced by it.
     */
    @Test
    void aGetSelectsTheBestValidCopyAndCorrectsThePeersThatHadAnother() {
        Kademlia k = node(KademliaConfig.builder().replicationFactor(3).build());
        List<PeerId> peers = connectedPeers(k, 3);
        Instant validity = T0.plusSeconds(3600);
        DhtRecord old = ipns(owner, 1, validity);
        DhtRecord newest = ipns(owner, 4, validity);
        k.store().put(old.withPublisher(Optional.of(peers.get(0))));
        QueryId id = k.getRecord(name, Quorum.of(3), T0);
        List<KademliaAction.SendRequest> asked = ofType(drain(k, T0), KademliaAction.SendRequest.class);
        assertThat(asked).extracting(KademliaAction.SendRequest::peer).containsExactlyInAnyOrderElementsOf(peers);
        k.onResponse(peers.get(0), id, new KadResponse.GetValue(Optional.of(old), List.of()), T0);
        k.onResponse(peers.get(1), id, new KadResponse.GetValue(Optional.of(ipns(Ed25519KeyPair.generate(), 9, validity)),
                List.of()), T0);
        k.onResponse(peers.get(2), id, new KadResponse.GetValue(Optional.of(newest), List.of()), T0);
        List<KademliaAction> after = drain(k, T0);
        KademliaEvent.QueryCompleted done = ofType(after, KademliaAction.Emit.class).stream()
                .map(KademliaAction.Emit::event).filter(KademliaEvent.QueryCompleted.class::isInstance)
                .map(KademliaEvent.QueryCompleted.class::cast).findFirst().orElseThrow();
        assertThat(done.result()).isInstanceOfSatisfying(QueryResult.GetRecord.Ok.class, ok -> {
            assertThat(ok.records()).hasSize(3); // the local copy, peer 0's and peer 2's: the forged one is not counted
            assertThat(ok.records().get(0).peer()).contains(peers.get(2));
            assertThat(sequenceOf(ok.records().get(0).record())).isEqualTo(4);
        });
        List<KademliaAction.SendRequest> corrections = ofType(after, KademliaAction.SendRequest.class);
        assertThat(corrections).extracting(KademliaAction.SendRequest::peer)
                .containsExactlyInAnyOrder(peers.get(0), peers.get(1));
        assertThat(corrections).allSatisfy(s -> assertThat(sequenceOf(((KadRequest.PutValue) s.request()).record()))
                .isEqualTo(4));
        assertThat(sequenceOf(k.store().get(name).orElseThrow())).isEqualTo(4);
    }
}
