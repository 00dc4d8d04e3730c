package io.jkad.kademlia;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.protocol.ConnectionType;
import io.jkad.protocol.KadPeer;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStore;
import io.jkad.record.StoreException;
import io.jkad.routing.Addresses;
import io.jkad.routing.EntryView;
import io.jkad.routing.Key;
import io.jkad.routing.KeyBytes;
import io.jkad.routing.NodeStatus;
import io.jkad.validation.Validation;
import io.jkad.validation.Validators;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a {@link Kademlia} node serves the requests of other peers: each peer's request budget,
 * the answers (closest peers, providers, records), the records and provider records received,
 * and the refusals, counted and logged at a bounded rate. See {@link Kademlia#onRequest}.
 */
final class InboundRequests {
    private static final Logger log = LoggerFactory.getLogger(InboundRequests.class);

    /** At most one log line per refusal reason in this many seconds; the others are counted in it. */
    static final long REFUSAL_LOG_SECONDS = 10;
    private static final Duration REFUSAL_LOG_INTERVAL = Duration.ofSeconds(REFUSAL_LOG_SECONDS);

    private final PeerId localId;
    private final Key<PeerId> localKey;
    private final KademliaConfig config;
    private final RecordStore store;
    private final RoutingTable routing;
    private final LocalAddresses localAddresses;
    private final PeriodicJobs jobs;
    private final Actions actions;
    private final RequestBudget requestBudget;
    /** Refused inbound requests, by {@link KademliaEvent.RefusalReason} ordinal. */
    private final long[] refused = new long[KademliaEvent.RefusalReason.values().length];
    /** When each refusal reason was last logged, and how many refusals went unlogged since. */
    private final Instant[] refusalLoggedAt = new Instant[KademliaEvent.RefusalReason.values().length];
    private final long[] refusalsUnlogged = new long[KademliaEvent.RefusalReason.values().length];

    InboundRequests(PeerId localId, KademliaConfig config, RecordStore store, RoutingTable routing,
                    LocalAddresses localAddresses, PeriodicJobs jobs, Actions actions) {
        this.localId = localId;
        this.localKey = Key.of(localId);
        this.config = config;
        this.store = store;
        this.routing = routing;
        this.localAddresses = localAddresses;
        this.jobs = jobs;
        this.actions = actions;
        this.requestBudget = new RequestBudget(config.requestLimits());
    }

    /** See {@link Kademlia#onRequest}. */
    void onRequest(PeerId source, InboundRequestId id, KadRequest request, Instant now) {
        actions.emit(new KademliaEvent.InboundRequest(source, request));
        if (!requestBudget.tryAcquire(source, request, now)) {
            refuse(source, id, request, KademliaEvent.RefusalReason.RATE_LIMITED, null, now);
            return;
        }
        try {
            if (request instanceof KadRequest.FindNode r) {
                actions.respond(source, id, new KadResponse.FindNode(findClosest(r.key(), source)));
            } else if (request instanceof KadRequest.GetProviders r) {
                List<KadPeer> providers = providerPeers(r.key(), source, now);
                actions.respond(source, id, new KadResponse.GetProviders(findClosest(r.key(), source), providers));
            } else if (request instanceof KadRequest.AddProvider r) {
                providerReceived(source, r.key(), r.provider(), now);
            } else if (request instanceof KadRequest.GetValue r) {
                Optional<DhtRecord> record = store.get(r.key());
                // expired, or no longer valid (past an IPNS record's end of life; stored by a
                // version that did not validate): removed, not served
                if (record.isPresent() && (record.get().isExpired(now)
                        || !config.validators().validate(r.key(), record.get().value(), now).isValid())) {
                    store.remove(r.key());
                    record = Optional.empty();
                }
                actions.respond(source, id, new KadResponse.GetValue(record, findClosest(r.key(), source)));
            } else if (request instanceof KadRequest.PutValue r) {
                Optional<String> refusal = recordReceived(source, id, r.record(), now);
                if (refusal.isPresent()) {
                    refuse(source, id, request, KademliaEvent.RefusalReason.INVALID_RECORD,
                            new IllegalArgumentException(refusal.get()), now);
                }
            } else if (request instanceof KadRequest.Ping) {
                actions.respond(source, id, new KadResponse.Pong());
            }
        } catch (StoreException e) {
            refuse(source, id, request, KademliaEvent.RefusalReason.STORE_ERROR, e, now);
        } catch (RuntimeException e) {
            refuse(source, id, request, KademliaEvent.RefusalReason.FAILED, e, now);
        }
    }

    long refusedRequests(KademliaEvent.RefusalReason reason) {
        return refused[reason.ordinal()];
    }

    private void refuse(PeerId source, InboundRequestId id, KadRequest request, KademliaEvent.RefusalReason reason,
                        RuntimeException error, Instant now) {
        actions.add(new KademliaAction.ResetStream(source, id));
        actions.emit(new KademliaEvent.RequestRefused(source, request, reason));
        int r = reason.ordinal();
        refused[r]++;
        Instant last = refusalLoggedAt[r];
        if (last != null && now.isBefore(last.plus(REFUSAL_LOG_INTERVAL)) && !now.isBefore(last)) {
            refusalsUnlogged[r]++;
            return;
        }
        long unlogged = refusalsUnlogged[r];
        refusalLoggedAt[r] = now;
        refusalsUnlogged[r] = 0;
        String more = unlogged == 0 ? "" : " (" + unlogged + " more refused for this reason since the last line)";
        switch (reason) {
            case RATE_LIMITED -> log.info("Request {} from {} refused: over the peer's budget{}",
                    request.messageType(), source, more);
            case STORE_ERROR -> log.info("Request {} from {} not served: {}{}", request.messageType(), source,
                    error.getMessage(), more);
            case FAILED -> log.warn("Request {} from {} failed; its stream is reset{}", request.messageType(), source,
                    more, error);
            case INVALID_RECORD -> log.debug("Record from {} refused: {}{}", source, error.getMessage(), more);
        }
    }

    /**
     * The k closest peers of the routing table to {@code key}, never {@code source} itself. For a
     * lookup of the local id, the local node comes first (go-libp2p's lookup check wants it).
     */
    private List<KadPeer> findClosest(RecordKey key, PeerId source) {
        KeyBytes target = KeyBytes.digestOf(key.toBytes());
        int k = config.replicationFactor();
        List<KadPeer> out = new ArrayList<>(k);
        if (target.equals(localKey.bytes())) {
            List<Multiaddr> local = localAddresses.all();
            if (!local.isEmpty()) {
                out.add(new KadPeer(localId, local, ConnectionType.CONNECTED));
            }
        }
        Iterator<EntryView<PeerId, Addresses>> it = routing.closest(target);
        while (out.size() < k && it.hasNext()) {
            EntryView<PeerId, Addresses> e = it.next();
            PeerId id = e.node().key().preimage();
            if (id.equals(source)) {
                continue;
            }
            out.add(new KadPeer(id, e.node().value().asList(),
                    e.status() == NodeStatus.CONNECTED ? ConnectionType.CONNECTED : ConnectionType.NOT_CONNECTED));
        }
        return out;
    }

    /** The providers of {@code key} known locally, with addresses ({@code source} among them if it is one). */
    private List<KadPeer> providerPeers(RecordKey key, PeerId source, Instant now) {
        List<KadPeer> out = new ArrayList<>();
        for (ProviderRecord p : store.providers(key)) {
            // the requester's own record is listed too, as go does (the reference leaves it out): a
            // node can check where its records are (Kademlia.auditProvider)
            if (p.isExpired(now)) {
                continue;
            }
            List<Multiaddr> addrs = p.addresses();
            if (addrs.isEmpty()) {
                if (p.provider().equals(localId)) {
                    addrs = localAddresses.all();
                } else {
                    Optional<EntryView<PeerId, Addresses>> e = routing.present(p.provider(), now);
                    if (e.isEmpty()) {
                        continue;
                    }
                    addrs = e.get().node().value().asList();
                }
            }
            ConnectionType ct = routing.isConnected(p.provider()) || p.provider().equals(localId)
                    ? ConnectionType.CONNECTED : ConnectionType.NOT_CONNECTED;
            out.add(new KadPeer(p.provider(), addrs, ct));
        }
        return out;
    }

    private void providerReceived(PeerId source, RecordKey key, KadPeer provider, Instant now) {
        if (!provider.id().equals(source)) {
            log.debug("Peer {} announced {} as a provider of {}: ignored", source, provider.id(), key);
            return;
        }
        if (provider.id().equals(localId)) {
            return;
        }
        ProviderRecord record = new ProviderRecord(key, provider.id(),
                config.providerRecordTtl().map(now::plus), provider.addresses());
        // A store refusal (too many provided keys) reaches onRequest: a reset, logged rate-limited.
        if (!store.addProvider(record)) {
            log.debug("Provider list of {} is full: {} not stored", key, provider.id());
        }
    }

    /**
     * Stores a record a peer sent, if its namespace's validator finds it valid and it is not worse
     * than the one the node holds, and acknowledges it; otherwise answers nothing and returns why
     * (the caller resets the stream, as go does).
     */
    private Optional<String> recordReceived(PeerId source, InboundRequestId id, DhtRecord received, Instant now) {
        if (received.publisher().map(localId::equals).orElse(false)) {
            // The publisher's own copy never changes through replication: acknowledge, keep ours.
            actions.respond(source, id, new KadResponse.PutValue(received.key(), received));
            return Optional.empty();
        }
        Validators validators = config.validators();
        Validation validation = validators.validate(received.key(), received.value(), now);
        if (validation instanceof Validation.Invalid invalid) {
            return Optional.of("invalid record for " + received.key() + ": " + invalid);
        }
        Optional<DhtRecord> held = store.get(received.key()).filter(r -> !r.isExpired(now));
        if (held.isPresent() && validators.isWorse(received.key(), received.value(), held.get().value(), now)) {
            return Optional.of("outdated record for " + received.key() + ": the node holds a better one");
        }
        // Records stored far from the key (beyond the k closest) expire exponentially sooner.
        int between = routing.countNodesBetween(KeyBytes.digestOf(received.key().toBytes()));
        int k = config.replicationFactor();
        int beyondK = Math.max(k, between) - k;
        Optional<Instant> expiration = config.recordTtl().map(ttl -> now.plus(expDecrease(ttl, beyondK)));
        Optional<Instant> expires = earliest(earliest(received.expires(), expiration),
                ((Validation.Valid) validation).validUntil());
        DhtRecord record = received.withExpires(expires);
        jobs.recordReceived(record.key());
        if (!record.isExpired(now)) {
            store.put(record);
        }
        // Acknowledged even when discarded as expired: the sender saw us among the k closest.
        actions.respond(source, id, new KadResponse.PutValue(record.key(), received));
        return Optional.empty();
    }

    /** The earlier of two optional instants; either when only one is present. */
    static Optional<Instant> earliest(Optional<Instant> a, Optional<Instant> b) {
        if (a.isPresent() && b.isPresent()) {
            return Optional.of(a.get().isBefore(b.get()) ? a.get() : b.get());
        }
        return a.or(() -> b);
    }

    /** {@code ttl / 2^exp}, in whole seconds (zero once the shift reaches 64). */
    static Duration expDecrease(Duration ttl, int exp) {
        long secs = ttl.getSeconds();
        return Duration.ofSeconds(exp >= 63 ? 0 : secs >> exp);
    }
}
