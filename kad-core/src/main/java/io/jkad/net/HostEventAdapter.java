package io.jkad.net;

import io.jkad.identity.PeerId;
import io.jkad.kademlia.InboundRequestId;
import io.jkad.kademlia.Kademlia;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.protocol.KadCodec;
import io.jkad.protocol.KadRequest;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network's input to a {@link KademliaNode}'s state machine: the host's events (connections
 * up and down, Identify, failed dials) and the requests of inbound Kademlia streams. They arrive
 * on IO threads and are handed to the logic thread, where the state machine learns of them.
 *
 * <p>Inbound Kademlia streams are admitted here: at most
 * {@link KademliaNode#MAX_INBOUND_KAD_STREAMS_PER_CONNECTION} per connection (the rest are reset),
 * each with a frame limit of the node's maximum request size.
 */
final class HostEventAdapter implements HostListener {

    private static final Logger LOG = LoggerFactory.getLogger(HostEventAdapter.class);

    private final KademliaNodeConfig config;
    private final PeerId self;
    private final String protocol;
    private final Kademlia kademlia;
    private final Host host;
    private final LogicLoop loop;
    private final ActionExecutor actions;
    private final KadCodec codec;
    private final Clock clock;

    // ---- logic thread only ----
    private final Map<PeerId, Set<Connection>> connections = new HashMap<>();

    HostEventAdapter(KademliaNodeConfig config, Kademlia kademlia, Host host, LogicLoop loop, ActionExecutor actions,
                     KadCodec codec) {
        this.config = config;
        this.self = config.peerId();
        this.protocol = config.kademlia().protocolName();
        this.kademlia = kademlia;
        this.host = host;
        this.loop = loop;
        this.actions = actions;
        this.codec = codec;
        this.clock = config.clock();
    }

    /**
     * Listens to the host, answers the Kademlia protocol unless in client mode, and tells the
     * state machine the listen addresses and the connections made before the listener was there.
     */
    void attach() {
        host.addListener(this);
        if (!config.clientMode()) {
            int maxPacketSize = config.kademlia().maxPacketSize();
            int maxRequestSize = Math.min(config.maxRequestSize(), maxPacketSize);
            host.setStreamHandler(protocol, stream -> {
                if (!admit(stream)) {
                    return;
                }
                stream.pipeline().addLast(
                        new UvarintFrameDecoder(maxRequestSize, config.frameTimeout()),
                        new UvarintFrameEncoder(maxPacketSize),
                        new KadInboundHandler(codec, clock, config.inboundStreamIdleTimeout(), this::inboundRequest));
            });
        }
        List<Multiaddr> advertised = host.advertisedAddresses();
        loop.input(() -> {
            for (Multiaddr a : advertised) {
                kademlia.onNewListenAddress(a);
            }
            for (Connection c : host.connections()) {
                if (c.isOpen()) {
                    connectionUp(c);
                    c.identifyInfo().ifPresent(info -> identified(c, info));
                }
            }
        });
    }

    /** Counts an inbound Kademlia stream against its connection's limit; resets it past the limit. */
    private static boolean admit(StreamChannel stream) {
        Connection connection = stream.connection();
        int max = KademliaNode.MAX_INBOUND_KAD_STREAMS_PER_CONNECTION;
        if (connection.admitInbound(stream, max)) {
            return true;
        }
        LOG.info("Peer {} opened more than {} Kademlia streams on one connection: stream reset",
                connection.remotePeer(), max);
        stream.reset();
        return false;
    }

    /** A request read from an inbound stream (IO thread). */
    private void inboundRequest(KadInboundHandler stream, PeerId source, KadRequest request) {
        loop.execute(() -> {
            // Kept until answered or refused; ADD_PROVIDER, which has no answer, only while it is
            // handled (a refusal resets its stream too).
            InboundRequestId id = actions.register(stream);
            try {
                kademlia.onRequest(source, id, request, clock.instant());
            } catch (RuntimeException e) {
                // The state machine refuses failed requests itself; should it throw anyway, the
                // stream is reset and its entry freed here.
                LOG.error("{}: {} from {} not handled", self, request.messageType(), source, e);
                actions.release(id);
                stream.reset();
            }
            try {
                loop.drive();
            } finally {
                if (!request.expectsResponse() && actions.release(id)) {
                    stream.handled(); // taken in: the stream may hand on its next request
                }
            }
        });
    }

    @Override
    public void connectionEstablished(Connection connection) {
        loop.input(() -> connectionUp(connection));
    }

    @Override
    public void connectionClosed(Connection connection) {
        loop.input(() -> connectionDown(connection));
    }

    @Override
    public void identifyReceived(Connection connection, IdentifyInfo info) {
        loop.input(() -> {
            if (connections.getOrDefault(connection.remotePeer(), Set.of()).contains(connection)) {
                identified(connection, info);
            }
        });
    }

    @Override
    public void dialFailed(PeerId peer, Multiaddr address, Throwable cause) {
        loop.input(() -> kademlia.onAddressReachFailure(Optional.of(peer), address, clock.instant()));
    }

    private void connectionUp(Connection c) {
        Set<Connection> set = connections.computeIfAbsent(c.remotePeer(), p -> new HashSet<>(2));
        boolean first = set.isEmpty();
        if (set.add(c) && first) {
            kademlia.onConnected(c.remotePeer(), clock.instant());
        }
    }

    private void connectionDown(Connection c) {
        Set<Connection> set = connections.get(c.remotePeer());
        if (set == null || !set.remove(c)) {
            return;
        }
        if (set.isEmpty()) {
            connections.remove(c.remotePeer());
            kademlia.onDisconnected(c.remotePeer(), clock.instant());
        }
    }

    private void identified(Connection c, IdentifyInfo info) {
        Instant now = clock.instant();
        if (info.supports(protocol)) {
            kademlia.onProtocolConfirmed(c.remotePeer(), AddressPolicy.routingAddresses(c, info), now);
        }
        info.observedAddress().ifPresent(observed -> {
            List<Multiaddr> candidates = AddressPolicy.translateObserved(observed, host.listenAddresses());
            if (candidates.isEmpty()) {
                LOG.trace("{}: observed address {} from {} not usable", self, observed, c.remotePeer());
            }
            for (Multiaddr candidate : candidates) {
                kademlia.onNewExternalAddress(candidate);
            }
        });
    }
}
