package io.jkad.kademlia;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.routing.Addresses;
import io.jkad.routing.AppliedPending;
import io.jkad.routing.Entry;
import io.jkad.routing.EntryView;
import io.jkad.routing.InsertResult;
import io.jkad.routing.KBucketView;
import io.jkad.routing.KBucketsTable;
import io.jkad.routing.Key;
import io.jkad.routing.KeyBytes;
import io.jkad.routing.Node;
import io.jkad.routing.NodeStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routing table of a {@link Kademlia} node and how connection, address and peer events change
 * it: the k-buckets, the set of connected peers, and the events and dials those changes cause
 * (queued on the node's {@link Actions}).
 */
final class RoutingTable {
    private static final Logger log = LoggerFactory.getLogger(RoutingTable.class);
    /** Attempts to draw a random peer id that falls into a bucket to refresh. */
    private static final int BUCKET_TARGET_ATTEMPTS = 16;

    private final Key<PeerId> localKey;
    private final BucketInserts inserts;
    private final boolean refreshFullBuckets;
    private final KBucketsTable<PeerId, Addresses> kbuckets;
    private final Set<PeerId> connectedPeers = new HashSet<>();
    private final Actions actions;
    /** The known addresses of a peer, for dialing it (the table's and those queries learned). */
    private final BiFunction<PeerId, Instant, List<Multiaddr>> addressesOf;

    RoutingTable(Key<PeerId> localKey, KademliaConfig config, Actions actions,
                 BiFunction<PeerId, Instant, List<Multiaddr>> addressesOf) {
        this.localKey = localKey;
        this.inserts = config.bucketInserts();
        this.refreshFullBuckets = config.refreshFullBuckets();
        this.kbuckets = new KBucketsTable<>(localKey, config.replicationFactor(), config.kbucketPendingTimeout(),
                config.kbucketRecheckDelay().orElse(Duration.ZERO));
        this.actions = actions;
        this.addressesOf = addressesOf;
    }

    // ------------------------------------------------------------------------------------------
    // Reading

    int size() {
        return kbuckets.size();
    }

    boolean isConnected(PeerId peer) {
        return connectedPeers.contains(peer);
    }

    /** The non-empty buckets, closest to the local key first. */
    List<KBucketView<PeerId, Addresses>> nonEmptyBuckets(Instant now) {
        List<KBucketView<PeerId, Addresses>> out = new ArrayList<>();
        for (KBucketView<PeerId, Addresses> b : kbuckets.buckets(now)) {
            if (!b.isEmpty()) {
                out.add(b);
            }
        }
        return out;
    }

    /** The entry of {@code peer}, if it is present (not pending). */
    Optional<EntryView<PeerId, Addresses>> present(PeerId peer, Instant now) {
        Entry<PeerId, Addresses> entry = kbuckets.entry(Key.of(peer), now);
        return entry.kind() == Entry.Kind.PRESENT ? entry.view() : Optional.empty();
    }

    /** The addresses of {@code peer}'s present entry; empty if it has none. */
    List<Multiaddr> addresses(PeerId peer, Instant now) {
        Entry<PeerId, Addresses> entry = kbuckets.entry(Key.of(peer), now);
        return entry.kind() == Entry.Kind.PRESENT ? entry.value().orElseThrow().asList() : List.of();
    }

    /** The entries closest to {@code target}, closest first, lazily. */
    Iterator<EntryView<PeerId, Addresses>> closest(KeyBytes target) {
        return kbuckets.closest(target);
    }

    /** The keys closest to {@code target}, as a lazily evaluated iterable. */
    Iterable<Key<PeerId>> closestKeys(KeyBytes target) {
        return () -> kbuckets.closestKeys(target);
    }

    /** See {@link KBucketsTable#countNodesBetween}. */
    int countNodesBetween(KeyBytes target) {
        return kbuckets.countNodesBetween(target);
    }

    /** The next pending entry the table applied, as the event reporting it. */
    Optional<KademliaEvent> takeAppliedPending() {
        Optional<AppliedPending<PeerId, Addresses>> applied = kbuckets.takeAppliedPending();
        if (applied.isEmpty()) {
            return Optional.empty();
        }
        Node<PeerId, Addresses> inserted = applied.get().inserted();
        return Optional.of(new KademliaEvent.RoutingUpdated(inserted.key().preimage(), inserted.value(),
                applied.get().evicted().map(n -> n.key().preimage())));
    }

    /**
     * One random target per bucket farther than the closest neighbour's. Keys must be peer ids on
     * the wire, so a target is drawn at random, up to 16 times, until it falls into the bucket.
     */
    ArrayDeque<Key<PeerId>> refreshTargets(Random random, Instant now) {
        ArrayDeque<Key<PeerId>> targets = new ArrayDeque<>();
        List<KBucketView<PeerId, Addresses>> buckets = kbuckets.buckets(now);
        int first = -1;
        for (KBucketView<PeerId, Addresses> b : buckets) {
            if (!b.isEmpty()) {
                first = b.index();
                break;
            }
        }
        if (first < 0) {
            return targets;
        }
        for (int i = first + 1; i < buckets.size(); i++) {
            Key<PeerId> target = Key.of(PeerId.random(random));
            for (int attempt = 1; attempt < BUCKET_TARGET_ATTEMPTS; attempt++) {
                if (localKey.distance(target).bucketIndex() == buckets.get(i).index()) {
                    break;
                }
                target = Key.of(PeerId.random(random));
            }
            targets.add(target);
        }
        return targets;
    }

    /**
     * Whether a bootstrap started at {@code since} should refresh the bucket of {@code target}:
     * always when {@link KademliaConfig#refreshFullBuckets()}; otherwise unless the bucket holds k
     * peers, each seen connected since then.
     */
    boolean needsRefresh(Key<PeerId> target, Instant since) {
        return refreshFullBuckets || !kbuckets.isFullAndSeenSince(target, since);
    }

    // ------------------------------------------------------------------------------------------
    // Updates by the user

    /** See {@link Kademlia#addAddress}; {@code addr} is normalized. */
    RoutingUpdate addAddress(PeerId peer, Multiaddr addr, Instant now) {
        Entry<PeerId, Addresses> entry = kbuckets.entry(Key.of(peer), now);
        switch (entry.kind()) {
            case PRESENT -> {
                addToPresent(entry, peer, addr);
                return RoutingUpdate.SUCCESS;
            }
            case PENDING -> {
                entry.setValue(entry.value().orElseThrow().with(addr));
                return RoutingUpdate.PENDING;
            }
            case ABSENT -> {
                NodeStatus status = connectedPeers.contains(peer) ? NodeStatus.CONNECTED : NodeStatus.DISCONNECTED;
                Addresses addresses = Addresses.of(addr);
                InsertResult<PeerId> result = entry.insert(addresses, status);
                if (result instanceof InsertResult.Inserted) {
                    actions.emit(new KademliaEvent.RoutingUpdated(peer, addresses, Optional.empty()));
                    return RoutingUpdate.SUCCESS;
                } else if (result instanceof InsertResult.Pending<PeerId> pending) {
                    dialDisconnected(pending, now);
                    return RoutingUpdate.PENDING;
                } else {
                    log.debug("Bucket full; peer {} not added to the routing table", peer);
                    return RoutingUpdate.FAILED;
                }
            }
            default -> {
                return RoutingUpdate.FAILED;
            }
        }
    }

    /** See {@link Kademlia#removeAddress}; {@code addr} is normalized. */
    Optional<EntryView<PeerId, Addresses>> removeAddress(PeerId peer, Multiaddr addr, Instant now) {
        Entry<PeerId, Addresses> entry = kbuckets.entry(Key.of(peer), now);
        if (isIn(entry)) {
            Optional<Addresses> rest = entry.value().orElseThrow().without(addr);
            if (rest.isEmpty()) {
                return Optional.of(entry.remove());
            }
            entry.setValue(rest.get());
        }
        return Optional.empty();
    }

    Optional<EntryView<PeerId, Addresses>> removePeer(PeerId peer, Instant now) {
        Entry<PeerId, Addresses> entry = kbuckets.entry(Key.of(peer), now);
        return isIn(entry) ? Optional.of(entry.remove()) : Optional.empty();
    }

    // ------------------------------------------------------------------------------------------
    // Updates by the network

    void onConnected(PeerId peer) {
        connectedPeers.add(peer);
    }

    void onDisconnected(PeerId peer, Instant now) {
        connectedPeers.remove(peer);
        connectionUpdated(Key.of(peer), Optional.empty(), NodeStatus.DISCONNECTED, now);
    }

    /** See {@link Kademlia#onProtocolConfirmed(PeerId, Endpoint, Instant)}. */
    void onProtocolConfirmed(PeerId peer, Endpoint endpoint, Instant now) {
        Optional<Multiaddr> address = endpoint.dialer()
                ? Optional.of(endpoint.remoteAddress().withoutPeerId())
                : Optional.empty();
        connectionUpdated(Key.of(peer), address, NodeStatus.CONNECTED, now);
    }

    /** See {@link Kademlia#onProtocolConfirmed(PeerId, List, Instant)}. */
    void onProtocolConfirmed(PeerId peer, List<Multiaddr> listenAddresses, Instant now) {
        Key<PeerId> key = Key.of(peer);
        if (listenAddresses.isEmpty()) {
            connectionUpdated(key, Optional.empty(), NodeStatus.CONNECTED, now);
            return;
        }
        Multiaddr first = listenAddresses.get(0).withoutPeerId();
        // The same handle: it follows the changes connectionUpdated made (nothing else is due at now).
        Entry<PeerId, Addresses> entry = connectionUpdated(key, Optional.of(first), NodeStatus.CONNECTED, now);
        if (isIn(entry)) {
            Addresses before = entry.value().orElseThrow();
            Addresses addrs = before;
            for (Multiaddr a : listenAddresses) {
                addrs = addrs.with(a.withoutPeerId());
            }
            if (addrs != before) {
                entry.setValue(addrs);
            }
        }
    }

    void onAddressChange(PeerId peer, Multiaddr old, Multiaddr replacement, Instant now) {
        Entry<PeerId, Addresses> entry = kbuckets.entry(Key.of(peer), now);
        if (isIn(entry)) {
            Addresses addrs = entry.value().orElseThrow();
            Addresses updated = addrs.replace(old, replacement);
            if (updated != addrs) {
                entry.setValue(updated);
                log.debug("Address {} replaced with {} for peer {}", old, replacement, peer);
            }
        }
    }

    /** See {@link Kademlia#onDialFailure}. */
    void onDialFailure(PeerId peer, Instant now) {
        if (connectedPeers.isEmpty() || connectedPeers.contains(peer)) {
            return;
        }
        Entry<PeerId, Addresses> entry = kbuckets.entry(Key.of(peer), now);
        if (entry.kind() == Entry.Kind.PRESENT && entry.status().orElseThrow() == NodeStatus.DISCONNECTED) {
            entry.remove();
            log.debug("Unreachable peer {} removed from the routing table", peer);
        }
    }

    /** See {@link Kademlia#onAddressReachFailure}. */
    void onAddressReachFailure(PeerId peer, Multiaddr address, Instant now) {
        Entry<PeerId, Addresses> entry = kbuckets.entry(Key.of(peer), now);
        if (isIn(entry)) {
            Optional<Addresses> rest = entry.value().orElseThrow().without(address);
            if (rest.isPresent()) {
                entry.setValue(rest.get());
            } else {
                log.debug("Last address {} of peer {} is unreachable; kept", address, peer);
            }
        }
    }

    /** How a connection event changes the entry of {@code key}; returns that entry's handle. */
    private Entry<PeerId, Addresses> connectionUpdated(Key<PeerId> key, Optional<Multiaddr> address,
                                                       NodeStatus status, Instant now) {
        PeerId peer = key.preimage();
        Entry<PeerId, Addresses> entry = kbuckets.entry(key, now);
        switch (entry.kind()) {
            case PRESENT, PENDING -> {
                if (address.isPresent()) {
                    if (entry.kind() == Entry.Kind.PRESENT) {
                        addToPresent(entry, peer, address.get());
                    } else {
                        entry.setValue(entry.value().orElseThrow().with(address.get()));
                    }
                }
                if (entry.status().orElseThrow() != status) {
                    entry.update(status);
                }
            }
            case ABSENT -> {
                if (status == NodeStatus.CONNECTED) {
                    insertConnected(entry, peer, address, now);
                }
            }
            default -> {
                // The local node is never in its own routing table.
            }
        }
        return entry;
    }

    /** A connected peer absent from the table enters it, per the insert strategy. */
    private void insertConnected(Entry<PeerId, Addresses> entry, PeerId peer, Optional<Multiaddr> address,
                                 Instant now) {
        if (address.isEmpty()) {
            actions.emit(new KademliaEvent.UnroutablePeer(peer));
        } else if (inserts == BucketInserts.MANUAL) {
            actions.emit(new KademliaEvent.RoutablePeer(peer, address.get()));
        } else {
            Addresses addresses = Addresses.of(address.get());
            InsertResult<PeerId> result = entry.insert(addresses, NodeStatus.CONNECTED);
            if (result instanceof InsertResult.Inserted) {
                actions.emit(new KademliaEvent.RoutingUpdated(peer, addresses, Optional.empty()));
            } else if (result instanceof InsertResult.Pending<PeerId> pending) {
                actions.emit(new KademliaEvent.PendingRoutablePeer(peer, address.get()));
                dialDisconnected(pending, now);
            } else {
                log.debug("Bucket full; peer {} not added to the routing table", peer);
                actions.emit(new KademliaEvent.RoutablePeer(peer, address.get()));
            }
        }
    }

    /** Adds {@code addr} to a present entry, reporting the change. */
    private void addToPresent(Entry<PeerId, Addresses> entry, PeerId peer, Multiaddr addr) {
        Addresses old = entry.value().orElseThrow();
        Addresses updated = old.with(addr);
        if (updated != old) {
            entry.setValue(updated);
            actions.emit(new KademliaEvent.RoutingUpdated(peer, updated, Optional.empty()));
        }
    }

    /** Dials the least recently connected entry a pending one may replace: only an answer keeps it. */
    private void dialDisconnected(InsertResult.Pending<PeerId> pending, Instant now) {
        PeerId disconnected = pending.disconnected().preimage();
        actions.dial(disconnected, addressesOf.apply(disconnected, now));
    }

    private static boolean isIn(Entry<PeerId, Addresses> entry) {
        return entry.kind() == Entry.Kind.PRESENT || entry.kind() == Entry.Kind.PENDING;
    }
}
