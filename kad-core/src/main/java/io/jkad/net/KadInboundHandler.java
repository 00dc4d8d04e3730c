package io.jkad.net;

import io.jkad.identity.PeerId;
import io.jkad.protocol.KadCodec;
import io.jkad.protocol.KadProtocolException;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of an inbound Kademlia stream (after an {@link UvarintFrameDecoder} and an
 * {@link UvarintFrameEncoder}). A stream may carry several requests in turn (go-libp2p reuses
 * streams): each decoded request goes to the {@link Sink}, one at a time; the next is handed on
 * once the previous one is answered ({@link #respond}), refused ({@link #reset}) or, for
 * ADD_PROVIDER, which has no answer, taken in ({@link #handled}). While
 * {@value #PAUSE_READING_AT} requests wait behind the one in hand, the stream is not read (its
 * Yamux window holds the remote back), and reading resumes when half of them are done: a sender
 * may pipeline any number (a reprovide sweep sends a peer hundreds of ADD_PROVIDERs on one
 * stream) at the pace the node takes them in. What one read brings is decoded at once, so a flood
 * packed into one read can still queue more; beyond {@value #MAX_QUEUED_REQUESTS} waiting (a few
 * hundred kilobytes of decoded requests) the stream is reset. When the remote
 * half-closes and every request is done, our side is closed too. A stream that carries no
 * request for the idle timeout while none is in hand is reset (logged at debug level).
 *
 * <p>A message that is no valid request resets the stream with a logged reason (an oversized
 * frame is refused by the frame decoder in the same way); the connection and other streams are
 * unaffected. Runs on the stream's IO thread; {@link #respond} and {@link #reset} may be called
 * from any thread.
 */
final class KadInboundHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(KadInboundHandler.class);
    /** While this many requests wait behind the one in hand, the stream is not read. */
    static final int PAUSE_READING_AT = 16;
    /** Requests that may wait behind the one in hand (decoded from reads before the pause) before the stream is reset. */
    static final int MAX_QUEUED_REQUESTS = 512;

    /** Receives the requests of a stream (on the IO thread: hand them to the logic thread). */
    interface Sink {
        void request(KadInboundHandler stream, PeerId source, KadRequest request);
    }

    private final KadCodec codec;
    private final Clock clock;
    private final Sink sink;
    private final Duration idleTimeout;
    private final ArrayDeque<KadRequest> queued = new ArrayDeque<>();
    private ScheduledFuture<?> idleTask;
    private long lastActivityNanos;
    private ChannelHandlerContext ctx;
    private StreamChannel stream;
    private boolean awaitingAnswer;
    private boolean remoteClosed;
    private boolean closing;

    /** @param idleTimeout how long the stream may go without a request while none is in hand */
    KadInboundHandler(KadCodec codec, Clock clock, Duration idleTimeout, Sink sink) {
        this.codec = codec;
        this.clock = clock;
        this.idleTimeout = idleTimeout;
        this.sink = sink;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.stream = (StreamChannel) ctx.channel();
        lastActivityNanos = System.nanoTime();
        armIdleTimer(idleTimeout.toNanos());
    }

    private void armIdleTimer(long delayNanos) {
        idleTask = ctx.executor().schedule(this::idleCheck, delayNanos, TimeUnit.NANOSECONDS);
    }

    /** Resets the stream if nothing came for the idle timeout and nothing is in hand; else checks again later. */
    private void idleCheck() {
        idleTask = null;
        if (closing || !stream.isActive()) {
            return;
        }
        long idleFor = System.nanoTime() - lastActivityNanos;
        if (awaitingAnswer || !queued.isEmpty() || idleFor < idleTimeout.toNanos()) {
            armIdleTimer(awaitingAnswer || !queued.isEmpty() ? idleTimeout.toNanos() : idleTimeout.toNanos() - idleFor);
            return;
        }
        LOG.debug("resetting kad stream {} from {}: no request for {} ms", stream.streamId(), stream.remotePeer(),
                idleTimeout.toMillis());
        abort();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelIdleTimer();
    }

    private void cancelIdleTimer() {
        if (idleTask != null) {
            idleTask.cancel(false);
            idleTask = null;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        lastActivityNanos = System.nanoTime();
        KadRequest request;
        try {
            if (closing) {
                return;
            }
            byte[] bytes = ByteBufUtil.getBytes((ByteBuf) msg);
            try {
                request = codec.decodeRequest(bytes, clock.instant());
            } catch (KadProtocolException e) {
                LOG.warn("resetting kad stream {} from {}: malformed request ({} bytes): {}", stream.streamId(),
                        stream.remotePeer(), bytes.length, e.getMessage());
                abort();
                return;
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
        if (queued.size() >= MAX_QUEUED_REQUESTS) {
            LOG.warn("resetting kad stream {} from {}: more than {} requests sent ahead of the answers",
                    stream.streamId(), stream.remotePeer(), MAX_QUEUED_REQUESTS);
            abort();
            return;
        }
        queued.add(request);
        if (queued.size() >= PAUSE_READING_AT && stream.config().isAutoRead()) {
            stream.config().setAutoRead(false);
        }
        pump();
    }

    /** Hands on queued requests while none awaits its answer; closes once all is done. */
    private void pump() {
        while (!awaitingAnswer && !closing && !queued.isEmpty()) {
            KadRequest next = queued.poll();
            awaitingAnswer = true;
            sink.request(this, stream.remotePeer(), next);
        }
        if (!closing && queued.size() <= PAUSE_READING_AT / 2 && !stream.config().isAutoRead()) {
            stream.config().setAutoRead(true); // reads what waits in the window
        }
        if (remoteClosed && !awaitingAnswer && queued.isEmpty() && !closing) {
            closing = true;
            // FIN after the last answer is written, then the channel goes.
            stream.shutdownOutput().addListener(f -> stream.close());
        }
    }

    /** Writes the answer to the request handed on last (any thread). */
    void respond(KadResponse response) {
        if (stream.eventLoop().inEventLoop()) {
            respond0(response);
        } else {
            stream.eventLoop().execute(() -> respond0(response));
        }
    }

    private void respond0(KadResponse response) {
        if (!stream.isActive() || closing) {
            return;
        }
        byte[] bytes;
        try {
            bytes = codec.encodeResponse(response, clock.instant());
        } catch (IllegalArgumentException e) {
            LOG.warn("resetting kad stream {} from {}: cannot encode the answer: {}", stream.streamId(),
                    stream.remotePeer(), e.getMessage());
            abort();
            return;
        }
        ctx.writeAndFlush(Unpooled.wrappedBuffer(bytes)).addListener(f -> {
            if (!f.isSuccess()) {
                LOG.debug("answer on kad stream {} to {} failed: {}", stream.streamId(), stream.remotePeer(),
                        f.cause().toString());
            }
        });
        awaitingAnswer = false;
        lastActivityNanos = System.nanoTime();
        pump();
    }

    /**
     * Says the request handed on last, which needs no answer (ADD_PROVIDER), has been taken in,
     * so the next one may follow (any thread).
     */
    void handled() {
        if (stream.eventLoop().inEventLoop()) {
            handled0();
        } else {
            stream.eventLoop().execute(this::handled0);
        }
    }

    private void handled0() {
        if (closing) {
            return;
        }
        awaitingAnswer = false;
        lastActivityNanos = System.nanoTime();
        pump();
    }

    /** Refuses the request handed on last by resetting the stream (any thread). */
    void reset() {
        if (stream.eventLoop().inEventLoop()) {
            abort();
        } else {
            stream.eventLoop().execute(this::abort);
        }
    }

    private void abort() {
        cancelIdleTimer();
        closing = true;
        queued.clear();
        stream.reset();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            remoteClosed = true;
            pump();
        } else if (evt instanceof StreamResetEvent) {
            closing = true;
            queued.clear();
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelIdleTimer();
        closing = true;
        queued.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("resetting kad stream {} from {}: {}", stream.streamId(), stream.remotePeer(), cause.toString());
        abort();
    }
}
