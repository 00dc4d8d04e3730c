package io.jkad.net;

import io.jkad.identity.PeerId;
import io.jkad.kademlia.InboundRequestId;
import io.jkad.kademlia.Kademlia;
import io.jkad.kademlia.KademliaAction;
import io.jkad.kademlia.KademliaEvent;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.protocol.KadCodec;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.jkad.query.QueryId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the actions of a {@link KademliaNode}'s state machine on its {@link Host}: a request
 * on a new outbound stream (one request per stream, failed after the request timeout), an answer
 * or a reset on the inbound stream a request came on, a dial, an event for the listeners. Outcomes
 * (an answer, a failure, a connection) go back to the state machine on the logic thread.
 *
 * <p>Logic thread only, like the state machine; it also keeps the inbound requests waiting for
 * their answer (by the id the state machine knows them by) and the peers being dialed.
 */
final class ActionExecutor {

    private static final Logger LOG = LoggerFactory.getLogger(ActionExecutor.class);

    private final PeerId self;
    private final Kademlia kademlia;
    private final Host host;
    private final LogicLoop loop;
    private final KadCodec codec;
    private final Clock clock;
    private final String protocol;
    private final int maxPacketSize;
    private final Duration frameTimeout;
    private final Duration requestTimeout;
    private final List<Consumer<? super KademliaEvent>> listeners;
    private final Map<Long, KadInboundHandler> inboundRequests = new HashMap<>();
    private long nextInboundRequest;
    private final Set<PeerId> dialing = new HashSet<>();

    ActionExecutor(KademliaNodeConfig config, Kademlia kademlia, Host host, LogicLoop loop, KadCodec codec,
                   List<Consumer<? super KademliaEvent>> listeners) {
        this.self = config.peerId();
        this.kademlia = kademlia;
        this.host = host;
        this.loop = loop;
        this.codec = codec;
        this.clock = config.clock();
        this.protocol = config.kademlia().protocolName();
        this.maxPacketSize = config.kademlia().maxPacketSize();
        this.frameTimeout = config.frameTimeout();
        this.requestTimeout = config.requestTimeout();
        this.listeners = listeners;
    }

    /** Carries out one action polled from the state machine at {@code now}. */
    void execute(KademliaAction action, Instant now) {
        if (action instanceof KademliaAction.SendRequest s) {
            sendRequest(s, now);
        } else if (action instanceof KademliaAction.SendRequests s) {
            sendRequests(s, now);
        } else if (action instanceof KademliaAction.Respond r) {
            KadInboundHandler stream = inboundRequests.remove(r.requestId().value());
            if (stream != null) {
                stream.respond(r.response());
            }
        } else if (action instanceof KademliaAction.ResetStream r) {
            KadInboundHandler stream = inboundRequests.remove(r.requestId().value());
            if (stream != null) {
                stream.reset();
            }
        } else if (action instanceof KademliaAction.Dial d) {
            dial(d.peer(), d.addresses(), now);
        } else if (action instanceof KademliaAction.Emit e) {
            emit(e.event());
        }
    }

    /** Keeps {@code stream} until the request it carries is answered or refused; returns the request's id. */
    InboundRequestId register(KadInboundHandler stream) {
        long id = ++nextInboundRequest;
        inboundRequests.put(id, stream);
        return new InboundRequestId(id);
    }

    /** Forgets a registered request; false if it was answered or refused already. */
    boolean release(InboundRequestId id) {
        return inboundRequests.remove(id.value()) != null;
    }

    /** Forgets every registered request (the node is closing). */
    void clear() {
        inboundRequests.clear();
    }

    private void sendRequest(KademliaAction.SendRequest s, Instant now) {
        PeerId peer = s.peer();
        QueryId query = s.query();
        KadRequest request = s.request();
        boolean expectsResponse = request.expectsResponse();
        byte[] bytes;
        try {
            bytes = codec.encodeRequest(request, now);
        } catch (IllegalArgumentException e) {
            LOG.warn("{}: cannot send {} to {}: {}", self, request.messageType(), peer, e.getMessage());
            if (expectsResponse) {
                kademlia.onRequestFailure(peer, query, now);
            }
            return;
        }
        KadOutboundHandler handler = new KadOutboundHandler(bytes, request, codec, clock);
        CompletableFuture<KadResponse> result = handler.result();
        host.openStream(peer, protocol, stream -> stream.pipeline().addLast(
                        new UvarintFrameDecoder(maxPacketSize, frameTimeout),
                        new UvarintFrameEncoder(maxPacketSize), handler))
                .whenComplete((stream, error) -> {
                    if (error != null) {
                        result.completeExceptionally(error);
                    }
                });
        LogicLoop.Timer timer;
        try {
            timer = loop.schedule(() -> result.completeExceptionally(new TimeoutException(
                    request.messageType() + " to " + peer + " not answered within " + requestTimeout.toMillis() + " ms")),
                    requestTimeout);
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(LogicLoop.closedError());
            return;
        }
        result.whenComplete((r, e) -> timer.cancel(false));
        if (!expectsResponse) {
            result.whenComplete((r, e) -> {
                if (e != null) {
                    LOG.debug("{}: ADD_PROVIDER to {} failed: {}", self, peer, e.toString());
                }
            });
            return;
        }
        result.whenCompleteAsync((response, error) -> {
            Instant t = clock.instant();
            if (error == null) {
                kademlia.onResponse(peer, query, response, t);
            } else {
                LOG.debug("{}: {} to {} failed: {}", self, request.messageType(), peer, Host.unwrap(error).toString());
                kademlia.onRequestFailure(peer, query, t);
            }
            loop.drive();
        }, loop.executor());
    }

    /** Writes a batch of requests without answers (ADD_PROVIDERs) on one stream; reports nothing. */
    private void sendRequests(KademliaAction.SendRequests s, Instant now) {
        PeerId peer = s.peer();
        List<byte[]> frames = new java.util.ArrayList<>(s.requests().size());
        for (KadRequest request : s.requests()) {
            try {
                frames.add(codec.encodeRequest(request, now));
            } catch (IllegalArgumentException e) {
                LOG.warn("{}: cannot send {} to {}: {}", self, request.messageType(), peer, e.getMessage());
            }
        }
        if (frames.isEmpty()) {
            return;
        }
        KadOutboundHandler handler = new KadOutboundHandler(frames, s.requests().get(0), codec, clock);
        CompletableFuture<KadResponse> result = handler.result();
        host.openStream(peer, protocol, stream -> stream.pipeline().addLast(
                        new UvarintFrameDecoder(maxPacketSize, frameTimeout),
                        new UvarintFrameEncoder(maxPacketSize), handler))
                .whenComplete((stream, error) -> {
                    if (error != null) {
                        result.completeExceptionally(error);
                    }
                });
        LogicLoop.Timer timer;
        try {
            // a batch may wait for the peer's flow control: a request timeout per 100 requests
            timer = loop.schedule(() -> result.completeExceptionally(new TimeoutException(frames.size()
                    + " requests to " + peer + " not written in time")), requestTimeout.multipliedBy(1 + frames.size() / 100));
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(LogicLoop.closedError());
            return;
        }
        result.whenComplete((r, e) -> {
            timer.cancel(false);
            if (e != null) {
                LOG.debug("{}: {} ADD_PROVIDERs to {} failed: {}", self, frames.size(), peer, e.toString());
            }
        });
    }

    private void dial(PeerId peer, List<Multiaddr> addresses, Instant now) {
        if (peer.equals(self)) {
            return;
        }
        if (host.connection(peer).isPresent()) {
            // Connected already (its event may still be on the way): release the waiting requests.
            kademlia.onConnected(peer, now);
            return;
        }
        if (!dialing.add(peer)) {
            return;
        }
        host.dial(peer, addresses).whenCompleteAsync((connection, error) -> {
            dialing.remove(peer);
            Instant t = clock.instant();
            if (error == null) {
                kademlia.onConnected(peer, t);
            } else {
                Throwable cause = Host.unwrap(error);
                LOG.debug("{}: dialing {} failed: {}", self, peer, cause.toString());
                if (cause instanceof DialException d && !d.answered().isEmpty()) {
                    kademlia.onDialRefused(peer, t);
                } else {
                    kademlia.onDialFailure(peer, t);
                }
            }
            loop.drive();
        }, loop.executor());
    }

    private void emit(KademliaEvent event) {
        for (Consumer<? super KademliaEvent> l : listeners) {
            try {
                l.accept(event);
            } catch (RuntimeException e) {
                LOG.warn("{}: event listener {} failed", self, l, e);
            }
        }
        if (event instanceof KademliaEvent.QueryCompleted c) {
            loop.queryCompleted(c);
        }
    }
}
