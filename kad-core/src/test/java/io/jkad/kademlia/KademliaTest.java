package io.jkad.kademlia;

import static io.jkad.kademlia.Drive.drain;
import static io.jkad.kademlia.Drive.ofType;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.protocol.ConnectionType;
import io.jkad.protocol.KadPeer;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.jkad.query.QueryId;
import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStore;
import io.jkad.record.StoreConfig;
import io.jkad.routing.Key;
import io.jkad.routing.KeyBytes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The state machine driven by hand: one node, its actions and events, with kad-core's test store. */
class KademliaTest {
    private static final Instant T0 = TestNodes.T0;
    @RegisterExtension
    final TestNodes nodes = new TestNodes(1);
    private final Random random = nodes.random;
    private final PeerId local = nodes.local;

    private Kademlia node(KademliaConfig config) {
        return node(config, StoreConfig.defaults(local));
    }

    private Kademlia node(KademliaConfig config, StoreConfig storeConfig) {
        Kademlia k = nodes.node(config, storeConfig);
        k.onNewListenAddress(Multiaddr.parse("/ip4/127.0.0.1/tcp/4001"));
        return k;
    }

    private static Multiaddr addr(int i) {
        return Multiaddr.parse("/ip4/10.0." + (i / 250) + "." + (i % 250 + 1) + "/tcp/4001");
    }

    private static List<KademliaEvent> events(List<KademliaAction> actions) {
        return ofType(actions, KademliaAction.Emit.class).stream().map(KademliaAction.Emit::event).toList();
    }

    private List<PeerId> addPeers(Kademlia k, int n) {
        List<PeerId> peers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            PeerId p = PeerId.random(random);
            if (k.addAddress(p, addr(i), T0) == RoutingUpdate.SUCCESS) {
                peers.add(p);
            }
        }
        drain(k, T0);
        return peers;
    }

    @Test
    void addAddressInsertsReportsAndRefusesTheLocalPeer() {
        Kademlia k = node(KademliaConfig.defaults());
        PeerId p = PeerId.random(random);
        assertThat(k.addAddress(p, addr(1), T0)).isEqualTo(RoutingUpdate.SUCCESS);
        List<KademliaEvent> events = events(drain(k, T0));
        assertThat(events).singleElement().isInstanceOfSatisfying(KademliaEvent.RoutingUpdated.class, e -> {
            assertThat(e.peer()).isEqualTo(p);
            assertThat(e.addresses().asList()).containsExactly(addr(1));
            assertThat(e.evicted()).isEmpty();
        });
        // The same address again changes nothing; a second one is appended and reported.
        assertThat(k.addAddress(p, addr(1), T0)).isEqualTo(RoutingUpdate.SUCCESS);
        assertThat(drain(k, T0)).isEmpty();
        assertThat(k.addAddress(p, addr(2).withPeerId(p), T0)).isEqualTo(RoutingUpdate.SUCCESS);
        assertThat(k.routingEntry(p, T0).orElseThrow().node().value().asList()).containsExactly(addr(1), addr(2));
        assertThat(k.addAddress(local, addr(3), T0)).isEqualTo(RoutingUpdate.FAILED);
        assertThat(k.routingTableSize()).isEqualTo(1);
    }

    @Test
    void addAddressRejectsAnAddressOfAnotherPeer() {
        Kademlia k = node(KademliaConfig.defaults());
        PeerId p = PeerId.random(random);
        PeerId other = PeerId.random(random);
        assertThatThrownBy(() -> k.addAddress(p, addr(1).withPeerId(other), T0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(other.toString());
    }

    @Test
    void removeAddressRemovesThePeerWithItsLastAddress() {
        Kademlia k = node(KademliaConfig.defaults());
        PeerId p = PeerId.random(random);
        k.addAddress(p, addr(1), T0);
        k.addAddress(p, addr(2), T0);
        assertThat(k.removeAddress(p, addr(1), T0)).isEmpty();
        assertThat(k.routingEntry(p, T0)).isPresent();
        assertThat(k.removeAddress(p, addr(2), T0)).isPresent();
        assertThat(k.routingEntry(p, T0)).isEmpty();
        assertThat(k.removePeer(p, T0)).isEmpty();
    }

    @Test
    void bootstrapWithAnEmptyTableFails() {
        Kademlia k = node(KademliaConfig.defaults());
        assertThatThrownBy(() -> k.bootstrap(T0)).isInstanceOf(NoKnownPeersException.class);
    }

    @Test
    void aQueryDialsPeersAndSendsOnceConnected() {
        Kademlia k = node(KademliaConfig.defaults());
        List<PeerId> peers = addPeers(k, 5);
        QueryId id = k.getClosestPeers(RecordKey.ofUtf8("target"));
        List<KademliaAction> actions = drain(k, T0);
        List<KademliaAction.Dial> dials = ofType(actions, KademliaAction.Dial.class);
        assertThat(dials).hasSize(3); // α = 3 requests in flight
        assertThat(ofType(actions, KademliaAction.SendRequest.class)).isEmpty();
        PeerId first = dials.get(0).peer();
        assertThat(dials.get(0).addresses()).containsExactly(addr(peers.indexOf(first)));
        k.onConnected(first, T0);
        List<KademliaAction.SendRequest> sends = ofType(drain(k, T0), KademliaAction.SendRequest.class);
        assertThat(sends).singleElement().satisfies(s -> {
            assertThat(s.peer()).isEqualTo(first);
            assertThat(s.query()).isEqualTo(id);
            assertThat(s.request()).isEqualTo(new KadRequest.FindNode(RecordKey.ofUtf8("target")));
        });
        assertThat(k.query(id)).hasValueSatisfying(q -> {
            assertThat(q.kind()).isEqualTo(QueryKind.GET_CLOSEST_PEERS);
            assertThat(q.phase()).isEqualTo(QueryPhase.LOOKUP);
            assertThat(q.stats().requests()).isEqualTo(3);
        });
    }

    @Test
    void finishingAQueryEarlyReportsWhatItHas() {
        Kademlia k = node(KademliaConfig.defaults());
        addPeers(k, 5);
        QueryId id = k.getClosestPeers(RecordKey.ofUtf8("x"));
        drain(k, T0);
        assertThat(k.queries()).extracting(RunningQuery::id).containsExactly(id);
        k.query(id).orElseThrow().finish();
        List<KademliaEvent> events = events(drain(k, T0));
        assertThat(events).singleElement().isInstanceOfSatisfying(KademliaEvent.QueryCompleted.class, e -> {
            assertThat(e.id()).isEqualTo(id);
            assertThat(e.result()).isInstanceOf(QueryResult.GetClosestPeers.Ok.class);
        });
        assertThat(k.queries()).isEmpty();
        assertThat(k.query(id)).isEmpty();
    }

    @Test
    void findNodeNeverReturnsTheRequesterAndAnswersInDistanceOrder() {
        Kademlia k = node(KademliaConfig.defaults());
        List<PeerId> peers = addPeers(k, 40);
        PeerId requester = peers.get(0);
        RecordKey target = RecordKey.of(requester.toBytes());
        k.onRequest(requester, new InboundRequestId(1), new KadRequest.FindNode(target), T0);
        KadResponse.FindNode resp = (KadResponse.FindNode) ofType(drain(k, T0), KademliaAction.Respond.class).get(0).response();
        List<PeerId> ids = resp.closerPeers().stream().map(KadPeer::id).toList();
        assertThat(ids).hasSize(20).doesNotContain(requester, local);
        KeyBytes t = KeyBytes.digestOf(target.toBytes());
        assertThat(ids).isSortedAccordingTo((a, b) -> Key.of(a).distance(t).compareTo(Key.of(b).distance(t)));
        assertThat(resp.closerPeers()).allSatisfy(p -> assertThat(p.addresses()).isNotEmpty());
    }

    @Test
    void findNodeForTheLocalIdPutsTheLocalNodeFirst() {
        Kademlia k = node(KademliaConfig.defaults());
        List<PeerId> peers = addPeers(k, 5);
        k.onRequest(peers.get(0), new InboundRequestId(1), new KadRequest.FindNode(RecordKey.of(local.toBytes())), T0);
        KadResponse.FindNode resp = (KadResponse.FindNode) ofType(drain(k, T0), KademliaAction.Respond.class).get(0).response();
        assertThat(resp.closerPeers().get(0).id()).isEqualTo(local);
        assertThat(resp.closerPeers().get(0).addresses()).containsExactly(Multiaddr.parse("/ip4/127.0.0.1/tcp/4001"));
        assertThat(resp.closerPeers()).extracting(KadPeer::id).doesNotContain(peers.get(0));
    }

    @Test
    void aReceivedRecordIsStoredWithItsExpiryShortenedBeyondTheKClosest() {
        Duration ttl = Duration.ofHours(36);
        Kademlia k = node(KademliaConfig.builder().recordTtl(Optional.of(ttl)).build());
        List<PeerId> peers = addPeers(k, 200);
        RecordKey key = RecordKey.ofUtf8("far-away-key");
        KeyBytes target = KeyBytes.digestOf(key.toBytes());
        long closerThanUs = peers.stream()
                .filter(p -> Key.of(p).distance(target).compareTo(Key.of(local).distance(target)) < 0).count();
        PeerId sender = peers.get(1);
        k.onRequest(sender, new InboundRequestId(7), new KadRequest.PutValue(DhtRecord.of(key, new byte[] {1})), T0);
        List<KademliaAction> actions = drain(k, T0);
        KademliaAction.Respond ack = ofType(actions, KademliaAction.Respond.class).get(0);
        assertThat(ack.requestId()).isEqualTo(new InboundRequestId(7));
        assertThat(ack.response()).isInstanceOf(KadResponse.PutValue.class);
        int beyondK = (int) Math.max(0, closerThanUs - 20);
        long expectedSeconds = beyondK >= 63 ? 0 : ttl.getSeconds() >> beyondK;
        Optional<DhtRecord> stored = k.store().get(key);
        if (expectedSeconds == 0) {
            assertThat(stored).isEmpty();
        } else {
            assertThat(stored.orElseThrow().expires()).contains(T0.plusSeconds(expectedSeconds));
        }
        assertThat(InboundRequests.expDecrease(ttl, 0)).isEqualTo(ttl);
        assertThat(InboundRequests.expDecrease(ttl, 3)).isEqualTo(Duration.ofSeconds(ttl.getSeconds() / 8));
        assertThat(InboundRequests.expDecrease(ttl, 70)).isEqualTo(Duration.ZERO);
    }

    @Test
    void aReceivedRecordKeepsAnEarlierExpiryOfItsOwn() {
        Kademlia k = node(KademliaConfig.defaults());
        PeerId sender = addPeers(k, 3).get(0);
        RecordKey key = RecordKey.ofUtf8("short-lived");
        Instant soon = T0.plusSeconds(60);
        k.onRequest(sender, new InboundRequestId(1),
                new KadRequest.PutValue(DhtRecord.of(key, new byte[] {2}, Optional.empty(), Optional.of(soon))), T0);
        drain(k, T0);
        assertThat(k.store().get(key).orElseThrow().expires()).contains(soon);
    }

    @Test
    void aRecordClaimingTheLocalNodeAsPublisherIsAcknowledgedButNotStored() {
        Kademlia k = node(KademliaConfig.defaults());
        PeerId sender = addPeers(k, 3).get(0);
        RecordKey key = RecordKey.ofUtf8("mine");
        DhtRecord forged = DhtRecord.of(key, new byte[] {9}, Optional.of(local), Optional.empty());
        k.onRequest(sender, new InboundRequestId(1), new KadRequest.PutValue(forged), T0);
        assertThat(ofType(drain(k, T0), KademliaAction.Respond.class)).hasSize(1);
        assertThat(k.store().get(key)).isEmpty();
    }

    @Test
    void aStoreErrorIsAnsweredWithAResetNotACrash() {
        Kademlia k = node(KademliaConfig.defaults(), StoreConfig.defaults(local).withLimits(1, 1024, 20, 1024));
        PeerId sender = addPeers(k, 3).get(0);
        k.onRequest(sender, new InboundRequestId(1), new KadRequest.PutValue(DhtRecord.of(RecordKey.ofUtf8("a"), new byte[] {1})), T0);
        k.onRequest(sender, new InboundRequestId(2), new KadRequest.PutValue(DhtRecord.of(RecordKey.ofUtf8("b"), new byte[] {1})), T0);
        k.onRequest(sender, new InboundRequestId(3), new KadRequest.PutValue(DhtRecord.of(RecordKey.ofUtf8("c"), new byte[2048])), T0);
        List<KademliaAction> actions = drain(k, T0);
        assertThat(ofType(actions, KademliaAction.Respond.class)).extracting(KademliaAction.Respond::requestId)
                .containsExactly(new InboundRequestId(1));
        assertThat(ofType(actions, KademliaAction.ResetStream.class)).extracting(KademliaAction.ResetStream::requestId)
                .containsExactly(new InboundRequestId(2), new InboundRequestId(3));
        assertThat(k.store().get(RecordKey.ofUtf8("a"))).isPresent();
    }

    @Test
    void addProviderIsAcceptedOnlyForTheSender() {
        Duration ttl = Duration.ofHours(24);
        Kademlia k = node(KademliaConfig.defaults());
        List<PeerId> peers = addPeers(k, 3);
        RecordKey key = RecordKey.ofUtf8("content");
        KadPeer someoneElse = new KadPeer(peers.get(1), List.of(addr(1)), ConnectionType.CONNECTED);
        k.onRequest(peers.get(0), new InboundRequestId(1), new KadRequest.AddProvider(key, someoneElse), T0);
        assertThat(k.store().providers(key)).isEmpty();
        KadPeer self = new KadPeer(peers.get(0), List.of(addr(0)), ConnectionType.CONNECTED);
        k.onRequest(peers.get(0), new InboundRequestId(2), new KadRequest.AddProvider(key, self), T0);
        List<KademliaAction> actions = drain(k, T0);
        assertThat(ofType(actions, KademliaAction.Respond.class)).isEmpty();
        assertThat(k.store().providers(key)).singleElement().satisfies(p -> {
            assertThat(p.provider()).isEqualTo(peers.get(0));
            assertThat(p.expires()).contains(T0.plus(ttl));
            assertThat(p.addresses()).containsExactly(addr(0));
        });
    }

    @Test
    void getProvidersFillsMissingAddressesFromTheRoutingTableAndForTheLocalNode() {
        Kademlia k = node(KademliaConfig.defaults());
        List<PeerId> peers = addPeers(k, 4);
        RecordKey key = RecordKey.ofUtf8("provided");
        k.store().addProvider(new ProviderRecord(key, peers.get(2), Optional.empty(), List.of()));
        k.store().addProvider(new ProviderRecord(key, local, Optional.empty(), List.of()));
        k.store().addProvider(new ProviderRecord(key, PeerId.random(random), Optional.empty(), List.of()));
        k.onRequest(peers.get(0), new InboundRequestId(1), new KadRequest.GetProviders(key), T0);
        KadResponse.GetProviders resp =
                (KadResponse.GetProviders) ofType(drain(k, T0), KademliaAction.Respond.class).get(0).response();
        assertThat(resp.providers()).extracting(KadPeer::id).containsExactlyInAnyOrder(peers.get(2), local);
        for (KadPeer p : resp.providers()) {
            Multiaddr expected = p.id().equals(local) ? Multiaddr.parse("/ip4/127.0.0.1/tcp/4001") : addr(2);
            assertThat(p.addresses()).containsExactly(expected);
        }
    }

    @Test
    void getValueRemovesAnExpiredRecordInsteadOfServingIt() {
        Kademlia k = node(KademliaConfig.defaults());
        PeerId requester = addPeers(k, 3).get(0);
        RecordKey key = RecordKey.ofUtf8("stale");
        k.store().put(DhtRecord.of(key, new byte[] {1}, Optional.empty(), Optional.of(T0.plusSeconds(10))));
        k.onRequest(requester, new InboundRequestId(1), new KadRequest.GetValue(key), T0.plusSeconds(10));
        KadResponse.GetValue resp =
                (KadResponse.GetValue) ofType(drain(k, T0.plusSeconds(10)), KademliaAction.Respond.class).get(0).response();
        assertThat(resp.record()).isEmpty();
        assertThat(k.store().get(key)).isEmpty();
    }

    @Test
    void aPutWhosePeersFailReportsAQuorumFailureWithTheSuccessfulPeers() {
        Kademlia k = node(KademliaConfig.builder().replicationFactor(3).build());
        List<PeerId> peers = addPeers(k, 3);
        for (PeerId p : peers) {
            k.onConnected(p, T0);
        }
        RecordKey key = RecordKey.ofUtf8("k");
        QueryId id = k.putRecordTo(DhtRecord.of(key, new byte[] {1}), peers, Quorum.ALL, T0);
        List<KademliaAction.SendRequest> sends = ofType(drain(k, T0), KademliaAction.SendRequest.class);
        assertThat(sends).hasSize(3);
        k.onResponse(peers.get(0), id, new KadResponse.PutValue(key, DhtRecord.of(key, new byte[] {1})), T0);
        k.onRequestFailure(peers.get(1), id, T0);
        k.onRequestFailure(peers.get(2), id, T0);
        KademliaEvent.QueryCompleted done = (KademliaEvent.QueryCompleted) events(drain(k, T0)).get(0);
        assertThat(done.result()).isInstanceOfSatisfying(QueryResult.PutRecord.QuorumFailed.class, r -> {
            assertThat(r.success()).containsExactly(peers.get(0));
            assertThat(r.quorum()).isEqualTo(3);
        });
        assertThat(done.stats().success()).isEqualTo(1);
        assertThat(done.stats().failure()).isEqualTo(2);
        // The record was not stored locally by putRecordTo.
        assertThat(k.store().get(key)).isEmpty();
    }

    @Test
    void putRecordStoresLocallyWithThePublisherAndNoLocalExpiry() {
        Kademlia k = node(KademliaConfig.defaults());
        addPeers(k, 3);
        RecordKey key = RecordKey.ofUtf8("published");
        k.putRecord(DhtRecord.of(key, "v".getBytes(StandardCharsets.UTF_8)), Quorum.ONE, T0);
        DhtRecord stored = k.store().get(key).orElseThrow();
        assertThat(stored.publisher()).contains(local);
        assertThat(stored.expires()).isEmpty();
        k.removeRecord(key);
        assertThat(k.store().get(key)).isEmpty();
        // A record published by someone else is not removed.
        DhtRecord foreign = DhtRecord.of(key, new byte[] {1}, Optional.of(PeerId.random(random)), Optional.empty());
        k.store().put(foreign);
        k.removeRecord(key);
        assertThat(k.store().get(key)).contains(foreign);
    }

    @Test
    void aFullBucketTakesAConnectedPeerAsPendingAndReplacesAnUnresponsiveEntry() {
        Kademlia k = node(KademliaConfig.defaults());
        Key<PeerId> localKey = Key.of(local);
        List<PeerId> far = new ArrayList<>();
        int i = 0;
        while (far.size() < 21) {
            PeerId p = PeerId.random(random);
            if (localKey.distance(Key.of(p)).bucketIndex() == 255) {
                far.add(p);
            }
        }
        for (PeerId p : far.subList(0, 20)) {
            assertThat(k.addAddress(p, addr(i++), T0)).isEqualTo(RoutingUpdate.SUCCESS);
        }
        drain(k, T0);
        // A disconnected peer cannot join a full bucket...
        assertThat(k.addAddress(far.get(20), addr(99), T0)).isEqualTo(RoutingUpdate.FAILED);
        // ...but a connected one waits as the pending entry, and the oldest disconnected entry is dialed.
        k.onConnected(far.get(20), T0);
        k.onProtocolConfirmed(far.get(20), Endpoint.dialer(addr(99)), T0);
        List<KademliaAction> actions = drain(k, T0);
        assertThat(events(actions)).singleElement().isInstanceOfSatisfying(KademliaEvent.PendingRoutablePeer.class,
                e -> assertThat(e.peer()).isEqualTo(far.get(20)));
        assertThat(ofType(actions, KademliaAction.Dial.class)).singleElement()
                .satisfies(d -> assertThat(d.peer()).isEqualTo(far.get(0)));
        // The oldest entry does not answer within the pending timeout: it is replaced.
        Instant later = T0.plus(KademliaConfig.DEFAULT_KBUCKET_PENDING_TIMEOUT).plusSeconds(1);
        k.onDialFailure(far.get(0), later);
        k.kbuckets(later);
        List<KademliaEvent> replaced = events(drain(k, later));
        assertThat(replaced).singleElement().isInstanceOfSatisfying(KademliaEvent.RoutingUpdated.class, e -> {
            assertThat(e.peer()).isEqualTo(far.get(20));
            assertThat(e.evicted()).contains(far.get(0));
        });
        assertThat(k.routingEntry(far.get(0), later)).isEmpty();
        assertThat(k.routingEntry(far.get(20), later)).isPresent();
    }

    @Test
    void aPeerDialingUsWithoutAKnownAddressIsUnroutable() {
        Kademlia k = node(KademliaConfig.defaults());
        PeerId p = PeerId.random(random);
        k.onConnected(p, T0);
        k.onProtocolConfirmed(p, Endpoint.listener(addr(5)), T0);
        assertThat(events(drain(k, T0))).containsExactly(new KademliaEvent.UnroutablePeer(p));
        assertThat(k.routingEntry(p, T0)).isEmpty();
    }

    @Test
    void manualInsertsReportRoutablePeersInsteadOfInserting() {
        Kademlia k = node(KademliaConfig.builder().bucketInserts(BucketInserts.MANUAL).build());
        PeerId p = PeerId.random(random);
        k.onConnected(p, T0);
        k.onProtocolConfirmed(p, Endpoint.dialer(addr(5)), T0);
        assertThat(events(drain(k, T0))).containsExactly(new KademliaEvent.RoutablePeer(p, addr(5)));
        assertThat(k.routingEntry(p, T0)).isEmpty();
    }

    @Test
    void getRecordFinishesAtOnceWhenTheLocalCopyMeetsTheQuorum() {
        Kademlia k = node(KademliaConfig.defaults());
        addPeers(k, 3);
        RecordKey key = RecordKey.ofUtf8("local");
        k.store().put(DhtRecord.of(key, new byte[] {4}));
        QueryId id = k.getRecord(key, Quorum.ONE, T0);
        KademliaEvent.QueryCompleted done = (KademliaEvent.QueryCompleted) events(drain(k, T0)).get(0);
        assertThat(done.id()).isEqualTo(id);
        assertThat(done.result()).isInstanceOfSatisfying(QueryResult.GetRecord.Ok.class,
                r -> assertThat(r.records()).singleElement().satisfies(pr -> assertThat(pr.peer()).isEmpty()));
    }

    @Test
    void configurationRejectsBadValuesWithClearErrors() {
        assertThatThrownBy(() -> KademliaConfig.builder().replicationFactor(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("replication factor must be > 0: 0");
        assertThatThrownBy(() -> KademliaConfig.builder().parallelism(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
        assertThatThrownBy(() -> KademliaConfig.builder().queryTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("query timeout");
        assertThatThrownBy(() -> KademliaConfig.builder().recordTtl(Optional.of(Duration.ofSeconds(-5))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("record TTL");
        assertThatThrownBy(() -> KademliaConfig.builder().protocolName("kad"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'kad'");
        assertThatThrownBy(() -> KademliaConfig.builder().maxPacketSize(10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10");
        assertThatThrownBy(() -> Caching.enabled(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Quorum.of(0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(KademliaConfig.spec2022().recordTtl()).contains(Duration.ofHours(48));
        assertThat(KademliaConfig.defaults().recordTtl()).contains(Duration.ofHours(36));
        assertThat(Quorum.MAJORITY.eval(20)).isEqualTo(11);
        assertThat(Quorum.of(30).eval(20)).isEqualTo(20);
    }

    @Test
    void anAddressChangeUpdatesTheRoutingTableAndTheQueryAddressCache() {
        Kademlia k = node(KademliaConfig.defaults());
        List<PeerId> peers = addPeers(k, 3);
        PeerId p = peers.get(0);
        k.onAddressChange(p, addr(0), addr(50), T0);
        assertThat(k.routingEntry(p, T0).orElseThrow().node().value().asList()).containsExactly(addr(50));

        // A peer learned during a query, not in the routing table: its cached address changes too.
        k.onConnected(p, T0);
        QueryId id = k.getClosestPeers(RecordKey.ofUtf8("t"));
        drain(k, T0);
        PeerId learned = PeerId.random(random);
        k.onResponse(p, id, new KadResponse.FindNode(List.of(new KadPeer(learned, List.of(addr(60)), ConnectionType.NOT_CONNECTED))), T0);
        k.onAddressChange(learned, addr(60), addr(61), T0);
        assertThat(k.addressesOf(learned, T0)).containsExactly(addr(61));
        // An unreachable address is forgotten by the query cache...
        k.onAddressReachFailure(Optional.of(learned), addr(61), T0);
        assertThat(k.addressesOf(learned, T0)).isEmpty();
        // ...and by the routing table, except the last address of a peer.
        PeerId q = peers.get(1);
        k.addAddress(q, addr(70), T0);
        k.onAddressReachFailure(Optional.of(q), addr(1), T0);
        assertThat(k.routingEntry(q, T0).orElseThrow().node().value().asList()).containsExactly(addr(70));
        k.onAddressReachFailure(Optional.of(q), addr(70), T0);
        assertThat(k.routingEntry(q, T0).orElseThrow().node().value().asList()).containsExactly(addr(70));
    }

    /** A node connected to one of its four peers, and a lookup of it that dials another: {@code peer}. */
    private record LookupDialing(Kademlia k, QueryId id, PeerId peer) {}

    private LookupDialing aLookupDialing() {
        Kademlia k = node(KademliaConfig.defaults());
        List<PeerId> peers = addPeers(k, 4);
        k.onConnected(peers.get(3), T0);
        QueryId id = k.getClosestPeers(RecordKey.ofUtf8("t"));
        List<KademliaAction.Dial> dials = ofType(drain(k, T0), KademliaAction.Dial.class);
        return new LookupDialing(k, id, dials.get(0).peer());
    }

    @Test
    void aDialFailureFailsTheWaitingRequestsAndDropsAnUnreachableEntry() {
        LookupDialing l = aLookupDialing();
        Kademlia k = l.k();
        PeerId unreachable = l.peer();
        k.onDialFailure(unreachable, T0);
        assertThat(k.query(l.id()).orElseThrow().stats().failure()).isEqualTo(1);
        // Connected to another peer, so the failure is the peer's: it leaves the routing table.
        assertThat(k.routingEntry(unreachable, T0)).isEmpty();
        // A later connection does not release the dropped request.
        k.onConnected(unreachable, T0);
        assertThat(ofType(drain(k, T0), KademliaAction.SendRequest.class))
                .noneMatch(s -> s.peer().equals(unreachable));
    }

    @Test
    void aRefusedDialFailsTheWaitingRequestsButKeepsTheEntry() {
        LookupDialing l = aLookupDialing();
        l.k().onDialRefused(l.peer(), T0);
        assertThat(l.k().query(l.id()).orElseThrow().stats().failure()).isEqualTo(1);
        // It took the connection and cut it off: it is there, so it stays in the routing table.
        assertThat(l.k().routingEntry(l.peer(), T0)).isPresent();
    }

    @Test
    void aDialFailureWhileConnectedToNobodyKeepsTheEntry() {
        Kademlia k = node(KademliaConfig.defaults());
        PeerId p = addPeers(k, 1).get(0);
        k.onDialFailure(p, T0);
        assertThat(k.routingEntry(p, T0)).isPresent();
    }

    @Test
    void aReceivedRecordSkipsTheNextReplicationRoundOnly() {
        KademliaConfig config = KademliaConfig.builder().replicationInterval(Optional.of(Duration.ofMinutes(10))).build();
        Kademlia k = node(config);
        List<PeerId> peers = addPeers(k, 3);
        RecordKey key = RecordKey.ofUtf8("replicated");
        k.onRequest(peers.get(0), new InboundRequestId(1), new KadRequest.PutValue(DhtRecord.of(key, new byte[] {1})), T0);
        drain(k, T0);
        Instant first = T0.plus(Duration.ofMinutes(10));
        assertThat(k.poll(first).stream().toList()).isEmpty();
        assertThat(k.queries()).isEmpty();
        Instant second = first.plus(Duration.ofMinutes(10));
        k.poll(second);
        assertThat(k.queries()).singleElement().satisfies(q -> {
            assertThat(q.kind()).isEqualTo(QueryKind.PUT_RECORD);
            assertThat(q.context()).contains(QueryContext.REPLICATE);
            assertThat(q.key()).isEqualTo(key);
        });
    }

    @Test
    void theJobsStartAtMostTenQueriesPerPollAndAHundredInAll() {
        KademliaConfig config = KademliaConfig.builder().replicationInterval(Optional.of(Duration.ofMinutes(10))).build();
        Kademlia k = node(config, StoreConfig.defaults(local).withLimits(1000, 1024, 20, 1024));
        addPeers(k, 3);
        PeerId publisher = PeerId.random(random);
        for (int i = 0; i < 150; i++) {
            k.store().put(DhtRecord.of(RecordKey.ofUtf8("r" + i), new byte[] {1}, Optional.of(publisher), Optional.empty()));
        }
        Instant run = T0.plus(Duration.ofMinutes(10));
        k.poll(run);
        assertThat(k.numQueries()).isEqualTo(10);
        for (int i = 0; i < 20; i++) {
            k.poll(run);
        }
        assertThat(k.numQueries()).isEqualTo(100);
        assertThat(k.queries()).allSatisfy(q -> assertThat(q.context()).contains(QueryContext.REPLICATE));
    }

    @Test
    void republicationSendsTheOwnRecordWithAFreshExpiry() {
        KademliaConfig config = KademliaConfig.builder()
                .replicationInterval(Optional.of(Duration.ofMinutes(10)))
                .publicationInterval(Optional.of(Duration.ofMinutes(30)))
                .recordTtl(Optional.of(Duration.ofHours(1)))
                .build();
        Kademlia k = node(config);
        List<PeerId> peers = addPeers(k, 3);
        peers.forEach(p -> k.onConnected(p, T0));
        RecordKey key = RecordKey.ofUtf8("mine");
        QueryId put = k.putRecord(DhtRecord.of(key, new byte[] {1}), Quorum.ONE, T0);
        k.query(put).orElseThrow().finish();
        drain(k, T0);
        // Replication runs (10, 20 min) leave the own record alone; the publication run (30 min) sends it.
        for (int m = 10; m <= 20; m += 10) {
            k.poll(T0.plus(Duration.ofMinutes(m)));
            assertThat(k.queries()).as("minute %d", m).isEmpty();
        }
        Instant publish = T0.plus(Duration.ofMinutes(30));
        List<KademliaAction> lookup = drain(k, publish);
        assertThat(k.queries()).singleElement()
                .satisfies(q -> assertThat(q.context()).contains(QueryContext.REPUBLISH));
        // The lookup asks the three peers; once they answered, it sends PUT_VALUE with expiry publish + TTL.
        for (KademliaAction.SendRequest s : ofType(lookup, KademliaAction.SendRequest.class)) {
            k.onResponse(s.peer(), s.query(), new KadResponse.FindNode(List.of()), publish);
        }
        List<KademliaAction> actions = drain(k, publish);
        KademliaAction.SendRequest send = ofType(actions, KademliaAction.SendRequest.class).stream()
                .filter(s -> s.request() instanceof KadRequest.PutValue).findFirst().orElseThrow();
        DhtRecord sent = ((KadRequest.PutValue) send.request()).record();
        assertThat(sent.expires()).contains(publish.plus(Duration.ofHours(1)));
        assertThat(k.store().get(key).orElseThrow().expires()).isEmpty();
    }

    /** A store holding what a reopened persistent store would: an own record, another's, a provided key. */
    private RecordStore storeWithRecords(RecordKey own, RecordKey others, RecordKey provided) {
        RecordStore store = nodes.store(StoreConfig.defaults(local));
        store.put(DhtRecord.of(own, new byte[] {1}, Optional.of(local), Optional.empty()));
        store.put(DhtRecord.of(others, new byte[] {2}, Optional.of(PeerId.random(random)),
                Optional.of(T0.plus(Duration.ofHours(30)))));
        store.addProvider(new ProviderRecord(provided, local, Optional.empty(), List.of()));
        return store;
    }

    private static void confirm(Kademlia k, PeerId peer, Multiaddr address, Instant now) {
        k.onConnected(peer, now);
        k.onProtocolConfirmed(peer, List.of(address), now);
    }

    @Test
    void aStoreHoldingRecordsAtStartIsPublishedAsSoonAsAPeerConfirms() {
        RecordKey own = RecordKey.ofUtf8("own");
        RecordKey others = RecordKey.ofUtf8("others");
        RecordKey provided = RecordKey.ofUtf8("provided");
        // The reference intervals: 12 h for provider records, 24 h for own records, 1 h for replication.
        Kademlia k = new Kademlia(local, storeWithRecords(own, others, provided), KademliaConfig.defaults(), T0,
                new Random(2));
        k.onNewListenAddress(Multiaddr.parse("/ip4/127.0.0.1/tcp/4001"));
        assertThat(drain(k, T0)).isEmpty();
        // A peer known by address only is not enough: it may be long gone.
        PeerId first = PeerId.random(random);
        k.addAddress(first, addr(1), T0);
        drain(k, T0);
        assertThat(k.queries()).isEmpty();

        Instant confirmed = T0.plusSeconds(5);
        confirm(k, first, addr(1), confirmed);
        List<KademliaAction> actions = drain(k, confirmed);
        assertThat(k.queries()).extracting(RunningQuery::kind, RunningQuery::key, q -> q.context().orElse(null))
                .containsExactlyInAnyOrder(
                        tuple(QueryKind.ADD_PROVIDER, provided, QueryContext.REPUBLISH),
                        tuple(QueryKind.PUT_RECORD, own, QueryContext.REPUBLISH),
                        tuple(QueryKind.PUT_RECORD, others, QueryContext.REPLICATE));
        assertThat(ofType(actions, KademliaAction.SendRequest.class)).extracting(KademliaAction.SendRequest::peer)
                .containsOnly(first).hasSize(3);

        // Once only: the queries done, a second peer starts nothing until the jobs' intervals have passed.
        for (int phase = 0; phase < 3 && !k.queries().isEmpty(); phase++) { // lookup, then put or announce
            k.queries().forEach(RunningQuery::finish);
            drain(k, confirmed);
        }
        assertThat(k.queries()).isEmpty();
        PeerId second = PeerId.random(random);
        confirm(k, second, addr(2), confirmed.plusSeconds(1));
        drain(k, confirmed.plusSeconds(1));
        assertThat(k.queries()).isEmpty();
        assertThat(k.nextDeadline()).contains(confirmed.plus(Duration.ofHours(1)));
        k.poll(confirmed.plus(Duration.ofHours(1)));
        assertThat(k.queries()).extracting(RunningQuery::key).containsExactly(others); // replication only
    }

    @Test
    void aStoreEmptyAtStartKeepsTheJobsAtTheirInterval() {
        Kademlia k = node(KademliaConfig.defaults());
        k.store().addProvider(new ProviderRecord(RecordKey.ofUtf8("later"), local, Optional.empty(), List.of()));
        PeerId peer = PeerId.random(random);
        k.addAddress(peer, addr(1), T0);
        confirm(k, peer, addr(1), T0.plusSeconds(5));
        drain(k, T0.plusSeconds(5));
        assertThat(k.queries()).isEmpty();
        assertThat(k.nextDeadline()).contains(T0.plus(Duration.ofHours(1)));
    }

    @Test
    void getProvidersIncludesTheValidProviderRecordsOfTheLocalStore() {
        Kademlia k = node(KademliaConfig.defaults());
        List<PeerId> peers = addPeers(k, 3);
        RecordKey key = RecordKey.ofUtf8("known-here");
        k.store().addProvider(new ProviderRecord(key, peers.get(0), Optional.of(T0.plusSeconds(60)), List.of(addr(0))));
        k.store().addProvider(new ProviderRecord(key, peers.get(1), Optional.of(T0), List.of(addr(1))));
        QueryId id = k.getProviders(key, T0);
        k.query(id).orElseThrow().finish();
        KademliaEvent.QueryCompleted done = (KademliaEvent.QueryCompleted) events(drain(k, T0)).get(0);
        // The expired record (expiry at T0) does not count.
        assertThat(((QueryResult.GetProviders) done.result()).providers()).containsExactly(peers.get(0));
    }

    @Test
    void getProvidersStopsOnceItKnowsEnough() {
        Kademlia k = node(KademliaConfig.defaults());
        List<PeerId> peers = addPeers(k, 5);
        RecordKey key = RecordKey.ofUtf8("wanted");
        QueryId id = k.getProviders(key, 1, T0);
        List<KademliaAction.Dial> dials = ofType(drain(k, T0), KademliaAction.Dial.class);
        assertThat(dials).hasSize(3); // α requests in flight
        dials.forEach(d -> k.onConnected(d.peer(), T0));
        assertThat(ofType(drain(k, T0), KademliaAction.SendRequest.class)).hasSize(3);
        PeerId provider = PeerId.random(random);
        k.onResponse(dials.get(0).peer(), id, new KadResponse.GetProviders(List.of(),
                List.of(new KadPeer(provider, List.of(addr(9)), ConnectionType.NOT_CONNECTED))), T0);
        // the others have not answered; one provider is enough
        KademliaEvent.QueryCompleted done = (KademliaEvent.QueryCompleted) events(drain(k, T0)).get(0);
        assertThat(done.result()).isInstanceOf(QueryResult.GetProviders.Ok.class);
        assertThat(((QueryResult.GetProviders) done.result()).providers()).containsExactly(provider);
        assertThat(k.queries()).isEmpty();

        // the whole lookup, as before: one answer with a provider does not end it
        QueryId all = k.getProviders(key, T0);
        List<KademliaAction.SendRequest> again = ofType(drain(k, T0), KademliaAction.SendRequest.class);
        assertThat(again).as("connected now: sent at once").isNotEmpty();
        k.onResponse(again.get(0).peer(), all, new KadResponse.GetProviders(List.of(),
                List.of(new KadPeer(provider, List.of(addr(9)), ConnectionType.NOT_CONNECTED))), T0);
        assertThat(events(drain(k, T0))).isEmpty();
        assertThat(k.queries()).hasSize(1);

        // enough known locally: the query ends at the next poll
        k.store().addProvider(new ProviderRecord(key, peers.get(0), Optional.empty(), List.of(addr(0))));
        k.getProviders(key, 1, T0);
        assertThat(events(drain(k, T0))).anySatisfy(e -> assertThat(((KademliaEvent.QueryCompleted) e).result())
                .isInstanceOf(QueryResult.GetProviders.Ok.class));
        assertThatThrownBy(() -> k.getProviders(key, 0, T0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aTracedQueryRecordsEachPeerAskedItsAnswerOrFailureAndWhyItStopped() {
        Kademlia k = node(KademliaConfig.defaults());
        addPeers(k, 3);
        QueryId id = k.getClosestPeers(RecordKey.ofUtf8("traced"));
        k.trace(id);
        List<KademliaAction.Dial> dials = ofType(drain(k, T0), KademliaAction.Dial.class);
        assertThat(dials).hasSize(3);
        dials.forEach(d -> k.onConnected(d.peer(), T0));
        drain(k, T0);
        Instant t1 = T0.plusMillis(40);
        k.onResponse(dials.get(0).peer(), id, new KadResponse.FindNode(List.of()), t1);
        drain(k, t1);
        Instant t2 = T0.plusMillis(90);
        k.onRequestFailure(dials.get(1).peer(), id, t2);
        drain(k, t2);
        Instant t3 = T0.plusMillis(120);
        k.onResponse(dials.get(2).peer(), id, new KadResponse.FindNode(List.of()), t3);
        KademliaEvent.QueryCompleted done = (KademliaEvent.QueryCompleted) events(drain(k, t3)).get(0);
        io.jkad.query.QueryTrace trace = done.trace().orElseThrow();
        List<io.jkad.query.QueryTrace.Event> events = trace.events();
        assertThat(events).filteredOn(e -> e.step() == io.jkad.query.QueryTrace.Step.ASKED).hasSize(3)
                .allSatisfy(e -> assertThat(e.at()).isEqualTo(T0));
        io.jkad.query.QueryTrace.Event answer = events.stream()
                .filter(e -> e.step() == io.jkad.query.QueryTrace.Step.ANSWERED).findFirst().orElseThrow();
        assertThat(answer.peer()).isEqualTo(dials.get(0).peer());
        assertThat(answer.rtt()).contains(Duration.ofMillis(40));
        assertThat(answer.closestBits()).isBetween(0, 256);
        assertThat(events).filteredOn(e -> e.step() == io.jkad.query.QueryTrace.Step.FAILED).singleElement()
                .satisfies(e -> {
                    assertThat(e.peer()).isEqualTo(dials.get(1).peer());
                    assertThat(e.detail()).isEqualTo("request failed");
                    assertThat(e.rtt()).contains(Duration.ofMillis(90));
                });
        assertThat(trace.stopReason()).hasValueSatisfying(r -> assertThat(r).contains("answered"));
        assertThat(trace.end()).contains(t3);
    }

    // ------------------------------------------------------------------ hostile peers

    private static InboundRequestId rid(long i) {
        return new InboundRequestId(i);
    }

    private static List<KademliaEvent.RequestRefused> refusals(List<KademliaAction> actions) {
        return events(actions).stream().filter(KademliaEvent.RequestRefused.class::isInstance)
                .map(KademliaEvent.RequestRefused.class::cast).toList();
    }

    @Test
    void requestsOverAPeersBudgetAreResetAndTouchNeitherStoreNorRoutingTable() {
        RequestLimits limits = RequestLimits.uniform(new RequestLimits.Rate(1, 5), 100);
        Kademlia k = node(KademliaConfig.builder().requestLimits(limits).build());
        List<PeerId> peers = addPeers(k, 3);
        PeerId flooder = PeerId.random(random);
        int tableBefore = k.routingTableSize();
        for (int i = 0; i < 20; i++) {
            k.onRequest(flooder, rid(i), new KadRequest.PutValue(DhtRecord.of(RecordKey.ofUtf8("f" + i), new byte[] {1})), T0);
        }
        List<KademliaAction> actions = drain(k, T0);
        assertThat(ofType(actions, KademliaAction.Respond.class)).extracting(KademliaAction.Respond::requestId)
                .containsExactly(rid(0), rid(1), rid(2), rid(3), rid(4));
        assertThat(ofType(actions, KademliaAction.ResetStream.class)).hasSize(15)
                .allSatisfy(r -> assertThat(r.peer()).isEqualTo(flooder));
        assertThat(refusals(actions)).hasSize(15).allSatisfy(r -> {
            assertThat(r.source()).isEqualTo(flooder);
            assertThat(r.reason()).isEqualTo(KademliaEvent.RefusalReason.RATE_LIMITED);
        });
        assertThat(k.refusedRequests(KademliaEvent.RefusalReason.RATE_LIMITED)).isEqualTo(15);
        assertThat(k.store().counts().records()).isEqualTo(5);
        assertThat(k.store().get(RecordKey.ofUtf8("f5"))).isEmpty();
        assertThat(k.routingTableSize()).isEqualTo(tableBefore);

        // Another type of the same peer, and another peer, have their own budgets.
        k.onRequest(flooder, rid(100), new KadRequest.FindNode(RecordKey.ofUtf8("x")), T0);
        k.onRequest(peers.get(0), rid(101), new KadRequest.PutValue(DhtRecord.of(RecordKey.ofUtf8("h"), new byte[] {1})), T0);
        assertThat(ofType(drain(k, T0), KademliaAction.Respond.class)).extracting(KademliaAction.Respond::requestId)
                .containsExactly(rid(100), rid(101));

        // One token comes back per second.
        Instant later = T0.plusSeconds(1);
        k.onRequest(flooder, rid(200), new KadRequest.PutValue(DhtRecord.of(RecordKey.ofUtf8("g1"), new byte[] {1})), later);
        k.onRequest(flooder, rid(201), new KadRequest.PutValue(DhtRecord.of(RecordKey.ofUtf8("g2"), new byte[] {1})), later);
        List<KademliaAction> again = drain(k, later);
        assertThat(ofType(again, KademliaAction.Respond.class)).extracting(KademliaAction.Respond::requestId)
                .containsExactly(rid(200));
        assertThat(ofType(again, KademliaAction.ResetStream.class)).extracting(KademliaAction.ResetStream::requestId)
                .containsExactly(rid(201));
    }

    @Test
    void anAddProviderOverBudgetIsResetAndNotStored() {
        RequestLimits limits = RequestLimits.uniform(new RequestLimits.Rate(1, 2), 100);
        Kademlia k = node(KademliaConfig.builder().requestLimits(limits).build());
        PeerId flooder = PeerId.random(random);
        KadPeer self = new KadPeer(flooder, List.of(addr(0)), ConnectionType.CONNECTED);
        for (int i = 0; i < 3; i++) {
            k.onRequest(flooder, rid(i), new KadRequest.AddProvider(RecordKey.ofUtf8("p" + i), self), T0);
        }
        List<KademliaAction> actions = drain(k, T0);
        assertThat(ofType(actions, KademliaAction.ResetStream.class)).extracting(KademliaAction.ResetStream::requestId)
                .containsExactly(rid(2));
        assertThat(k.store().providers(RecordKey.ofUtf8("p1"))).hasSize(1);
        assertThat(k.store().providers(RecordKey.ofUtf8("p2"))).isEmpty();
    }

    @Test
    void theDefaultBudgetsLetAnHonestBusyPeerThrough() {
        Kademlia k = node(KademliaConfig.defaults());
        addPeers(k, 30);
        PeerId busy = PeerId.random(random);
        KadPeer self = new KadPeer(busy, List.of(addr(0)), ConnectionType.CONNECTED);
        long n = 0;
        // A crawl or a bootstrap (a burst), then ten minutes of many lookups and a reprovide sweep.
        for (int i = 0; i < 60; i++) {
            k.onRequest(busy, rid(n++), new KadRequest.FindNode(RecordKey.ofUtf8("crawl" + i)), T0);
        }
        for (int i = 0; i < 300; i++) {
            k.onRequest(busy, rid(n++), new KadRequest.AddProvider(RecordKey.ofUtf8("sweep" + i), self), T0);
        }
        for (int s = 1; s <= 600; s++) {
            Instant t = T0.plusSeconds(s);
            for (int i = 0; i < 5; i++) {
                k.onRequest(busy, rid(n++), new KadRequest.FindNode(RecordKey.ofUtf8("l" + s + "/" + i)), t);
                k.onRequest(busy, rid(n++), new KadRequest.GetProviders(RecordKey.ofUtf8("l" + s + "/" + i)), t);
                k.onRequest(busy, rid(n++), new KadRequest.GetValue(RecordKey.ofUtf8("l" + s + "/" + i)), t);
            }
            k.onRequest(busy, rid(n++), new KadRequest.PutValue(DhtRecord.of(RecordKey.ofUtf8("r" + s), new byte[] {1})), t);
            drain(k, t);
        }
        assertThat(k.refusedRequests(KademliaEvent.RefusalReason.RATE_LIMITED)).isZero();
    }

    @Test
    void theBucketsOfManyPeersStayBoundedAndIdleOnesAreDropped() {
        RequestLimits limits = RequestLimits.uniform(new RequestLimits.Rate(10, 10), 50);
        RequestBudget budget = new RequestBudget(limits);
        for (int i = 0; i < 1000; i++) {
            assertThat(budget.tryAcquire(PeerId.random(random), new KadRequest.Ping(), T0)).isTrue();
        }
        assertThat(budget.trackedPeers()).isEqualTo(50);
        // A second after their last request every bucket is full again: they go as others come.
        Instant later = T0.plusSeconds(2);
        PeerId p = PeerId.random(random);
        for (int i = 0; i < 30; i++) {
            budget.tryAcquire(p, new KadRequest.Ping(), later.plusMillis(100 * i));
        }
        assertThat(budget.trackedPeers()).isEqualTo(1);
        // Dropped buckets were full; a kept one still counts: p spent its burst of 10 over 3 s (30 asked, 10/s).
        assertThat(budget.tryAcquire(p, new KadRequest.Ping(), later.plusMillis(2900))).isTrue();
        assertThat(budget.tryAcquire(p, new KadRequest.FindNode(RecordKey.ofUtf8("x")), later.plusMillis(2900))).isTrue();
    }

    @Test
    void aBurstIsRefusedOnceSpentAndUnlimitedNeverRefuses() {
        RequestBudget budget = new RequestBudget(RequestLimits.uniform(new RequestLimits.Rate(2, 3), 10));
        PeerId p = PeerId.random(random);
        KadRequest ping = new KadRequest.Ping();
        assertThat(budget.tryAcquire(p, ping, T0)).isTrue();
        assertThat(budget.tryAcquire(p, ping, T0)).isTrue();
        assertThat(budget.tryAcquire(p, ping, T0)).isTrue();
        assertThat(budget.tryAcquire(p, ping, T0)).isFalse();
        assertThat(budget.tryAcquire(p, ping, T0.plusMillis(499))).isFalse();
        assertThat(budget.tryAcquire(p, ping, T0.plusMillis(500))).isTrue();
        assertThat(budget.tryAcquire(p, ping, T0.plusMillis(500))).isFalse();

        RequestBudget none = new RequestBudget(RequestLimits.UNLIMITED);
        for (int i = 0; i < 10_000; i++) {
            assertThat(none.tryAcquire(p, ping, T0)).isTrue();
        }
        assertThat(none.trackedPeers()).isZero();
    }

    /** A store that throws an unexpected exception from its reads and provider writes while told to. */
    private static final class FailingStore implements RecordStore {
        private final RecordStore delegate;
        boolean failing;
        boolean providedUnavailable;

        FailingStore(RecordStore delegate) {
            this.delegate = delegate;
        }

        private void maybeFail() {
            if (failing) {
                throw new IllegalStateException("injected failure");
            }
        }

        @Override public Optional<DhtRecord> get(RecordKey key) { maybeFail(); return delegate.get(key); }
        @Override public void put(DhtRecord record) { maybeFail(); delegate.put(record); }
        @Override public void remove(RecordKey key) { delegate.remove(key); }
        @Override public io.jkad.record.CloseableIterator<DhtRecord> records() { return delegate.records(); }
        @Override public boolean addProvider(ProviderRecord record) { maybeFail(); return delegate.addProvider(record); }
        @Override public List<ProviderRecord> providers(RecordKey key) { maybeFail(); return delegate.providers(key); }
        @Override public io.jkad.record.CloseableIterator<ProviderRecord> provided() {
            if (providedUnavailable) {
                throw new io.jkad.record.StoreException(io.jkad.record.StoreException.Kind.UNAVAILABLE, "failing",
                        "provided", "injected outage");
            }
            return delegate.provided();
        }
        @Override public void removeProvider(RecordKey key, PeerId provider) { delegate.removeProvider(key, provider); }
        @Override public long removeExpired(Instant now) { return delegate.removeExpired(now); }
        @Override public void close() { delegate.close(); }
    }

    @Test
    void anyExceptionInRequestHandlingResetsTheStreamAndTheNodeGoesOn() {
        RecordStore memory = nodes.store(StoreConfig.defaults(local));
        FailingStore store = new FailingStore(memory);
        Kademlia k = new Kademlia(local, store, KademliaConfig.defaults(), T0, new Random(2));
        List<PeerId> peers = addPeers(k, 3);
        PeerId peer = peers.get(0);
        KadPeer self = new KadPeer(peer, List.of(addr(0)), ConnectionType.CONNECTED);
        store.failing = true;
        k.onRequest(peer, rid(1), new KadRequest.GetValue(RecordKey.ofUtf8("k")), T0);
        k.onRequest(peer, rid(2), new KadRequest.PutValue(DhtRecord.of(RecordKey.ofUtf8("k"), new byte[] {1})), T0);
        k.onRequest(peer, rid(3), new KadRequest.GetProviders(RecordKey.ofUtf8("k")), T0);
        k.onRequest(peer, rid(4), new KadRequest.AddProvider(RecordKey.ofUtf8("k"), self), T0);
        List<KademliaAction> actions = drain(k, T0);
        assertThat(ofType(actions, KademliaAction.Respond.class)).isEmpty();
        assertThat(ofType(actions, KademliaAction.ResetStream.class)).extracting(KademliaAction.ResetStream::requestId)
                .containsExactly(rid(1), rid(2), rid(3), rid(4));
        assertThat(refusals(actions)).extracting(KademliaEvent.RequestRefused::reason)
                .containsOnly(KademliaEvent.RefusalReason.FAILED);
        assertThat(k.refusedRequests(KademliaEvent.RefusalReason.FAILED)).isEqualTo(4);

        store.failing = false;
        k.onRequest(peer, rid(5), new KadRequest.GetValue(RecordKey.ofUtf8("k")), T0);
        assertThat(ofType(drain(k, T0), KademliaAction.Respond.class)).extracting(KademliaAction.Respond::requestId)
                .containsExactly(rid(5));
    }

    @Test
    void aFullProviderListStillTakesRefreshesOfItsProvidersAndRefusesNewOnes() {
        Kademlia k = node(KademliaConfig.defaults(), StoreConfig.defaults(local).withLimits(1024, 65 * 1024, 2, 1024));
        List<PeerId> peers = addPeers(k, 3);
        RecordKey key = RecordKey.ofUtf8("popular");
        Duration ttl = KademliaConfig.DEFAULT_PROVIDER_RECORD_TTL;
        for (int i = 0; i < 3; i++) {
            KadPeer p = new KadPeer(peers.get(i), List.of(addr(i)), ConnectionType.CONNECTED);
            k.onRequest(peers.get(i), rid(i), new KadRequest.AddProvider(key, p), T0);
        }
        Instant later = T0.plus(Duration.ofHours(12));
        KadPeer first = new KadPeer(peers.get(0), List.of(addr(0)), ConnectionType.CONNECTED);
        k.onRequest(peers.get(0), rid(10), new KadRequest.AddProvider(key, first), later);
        List<KademliaAction> actions = drain(k, later);
        assertThat(ofType(actions, KademliaAction.ResetStream.class)).isEmpty();
        assertThat(k.store().providers(key)).extracting(ProviderRecord::provider, ProviderRecord::expires)
                .containsExactly(tuple(peers.get(0), Optional.of(later.plus(ttl))),
                        tuple(peers.get(1), Optional.of(T0.plus(ttl))));
    }

    @Test
    void aProviderRepublicationTheStoreFailedToStartIsRetriedSoonNotAfterAWholeInterval() {
        RecordStore memory = nodes.store(StoreConfig.defaults(local));
        FailingStore store = new FailingStore(memory);
        Duration interval = Duration.ofHours(1);
        KademliaConfig config = KademliaConfig.defaults().toBuilder().bootstrapInterval(Optional.empty())
                .providerPublicationInterval(Optional.of(interval)).build();
        Kademlia k = new Kademlia(local, store, config, T0, new Random(2));
        addPeers(k, 3);
        k.startProviding(RecordKey.ofUtf8("provided"), T0);
        drain(k, T0);
        Instant due = T0.plus(interval);
        drain(k, due.minusSeconds(1)); // the announcement of T0 has timed out by now
        assertThat(k.numQueries()).isZero();

        store.providedUnavailable = true;
        drain(k, due);
        assertThat(k.numQueries()).as("no republication while the store is down").isZero();
        store.providedUnavailable = false;
        drain(k, due.plusSeconds(29));
        assertThat(k.numQueries()).as("the retry waits a little").isZero();
        drain(k, due.plusSeconds(30));
        assertThat(k.numQueries()).as("the run is retried 30 s later, not an interval later").isEqualTo(1);
    }

    /**
     * ADD_PROVIDER to a peer that is not connected waits for the dial: the request is sent once it
     * connects, and the query ends only then (it used to end at once and drop the request).
     */
    @Test
    void anAddProviderToAPeerNotConnectedIsSentOnceItConnects() {
        Kademlia k = node(KademliaConfig.defaults().toBuilder().bootstrapInterval(Optional.empty()).build());
        List<PeerId> peers = addPeers(k, 3);
        RecordKey key = RecordKey.ofUtf8("provided later");
        QueryId id = k.startProviding(key, T0);
        List<KademliaAction> actions = drain(k, T0);
        for (PeerId p : peers) {
            k.onConnected(p, T0);
        }
        actions = drain(k, T0);
        for (KademliaAction.SendRequest s : ofType(actions, KademliaAction.SendRequest.class)) {
            k.onResponse(s.peer(), s.query(), new KadResponse.FindNode(List.of()), T0);
        }
        PeerId late = peers.get(0);
        k.onDisconnected(late, T0);
        actions = drain(k, T0);
        List<KademliaAction.SendRequest> sent = ofType(actions, KademliaAction.SendRequest.class);
        assertThat(sent).allMatch(s -> s.request() instanceof KadRequest.AddProvider).hasSize(2)
                .noneMatch(s -> s.peer().equals(late));
        assertThat(ofType(actions, KademliaAction.Dial.class)).extracting(KademliaAction.Dial::peer).containsExactly(late);
        assertThat(events(actions)).noneMatch(e -> e instanceof KademliaEvent.QueryCompleted);

        k.onConnected(late, T0);
        actions = drain(k, T0);
        assertThat(ofType(actions, KademliaAction.SendRequest.class)).singleElement()
                .satisfies(s -> assertThat(s.peer()).isEqualTo(late))
                .satisfies(s -> assertThat(s.request()).isInstanceOf(KadRequest.AddProvider.class));
        assertThat(events(actions)).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(KademliaEvent.QueryCompleted.class,
                c -> {
                    assertThat(c.id()).isEqualTo(id);
                    assertThat(c.result()).isInstanceOf(QueryResult.AddProvider.Ok.class);
                }));
    }
}
