package io.jkad.net;

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
import java.io.IOException;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;

/**
 * The last handler of an outbound Kademlia stream (after an {@link UvarintFrameDecoder} and an
 * {@link UvarintFrameEncoder}): writes one request, then reads and decodes one response, then
 * closes the stream. ADD_PROVIDER has no response: the request is written, the stream half-closed
 * and closed, and the result completes with {@code null}.
 *
 * <p>The result fails when the stream ends, is reset, or carries a malformed response before the
 * answer; the stream is then reset. Runs on the stream's IO thread; completing {@link #result()}
 * from elsewhere with an exception (a timeout) resets the stream.
 */
final class KadOutboundHandler extends ChannelInboundHandlerAdapter {

    /** The encoded requests (without length prefix): one, or several that expect no answer. */
    private final java.util.List<byte[]> requests;
    private final KadRequest decoded;
    private final KadCodec codec;
    private final Clock clock;
    private final CompletableFuture<KadResponse> result = new CompletableFuture<>();
    private boolean sent;

    /**
     * @param request the encoded request (without length prefix)
     * @param decoded the same request, to decode the response against
     */
    KadOutboundHandler(byte[] request, KadRequest decoded, KadCodec codec, Clock clock) {
        this(java.util.List.of(request), decoded, codec, clock);
    }

    /**
     * Writes several requests that expect no answer (ADD_PROVIDERs) one after another, then
     * half-closes and closes the stream; the result completes with {@code null} once all are written.
     *
     * @param decoded the first of them
     */
    KadOutboundHandler(java.util.List<byte[]> requests, KadRequest decoded, KadCodec codec, Clock clock) {
        if (requests.isEmpty() || requests.size() > 1 && decoded.expectsResponse()) {
            throw new IllegalArgumentException("one request, or several without answers");
        }
        this.requests = java.util.List.copyOf(requests);
        this.decoded = decoded;
        this.codec = codec;
        this.clock = clock;
    }

    /** The decoded response; {@code null} for ADD_PROVIDER once it is written. */
    CompletableFuture<KadResponse> result() {
        return result;
    }

    private boolean expectsResponse() {
        return decoded.expectsResponse();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        StreamChannel stream = (StreamChannel) ctx.channel();
        result.whenComplete((r, e) -> {
            if (e != null) {
                stream.reset();
            }
        });
        if (ctx.channel().isActive()) {
            send(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        send(ctx);
        ctx.fireChannelActive();
    }

    private void send(ChannelHandlerContext ctx) {
        if (sent) {
            return;
        }
        sent = true;
        StreamChannel stream = (StreamChannel) ctx.channel();
        for (int i = 0; i < requests.size() - 1; i++) {
            ctx.write(Unpooled.wrappedBuffer(requests.get(i))).addListener(f -> {
                if (!f.isSuccess()) {
                    result.completeExceptionally(f.cause());
                }
            });
        }
        ByteBuf buf = Unpooled.wrappedBuffer(requests.get(requests.size() - 1));
        ctx.writeAndFlush(buf).addListener(f -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(f.cause());
            } else if (!expectsResponse()) {
                stream.shutdownOutput().addListener(g -> {
                    if (g.isSuccess()) {
                        result.complete(null);
                        stream.close();
                    } else {
                        result.completeExceptionally(g.cause());
                    }
                });
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (!expectsResponse() || result.isDone()) {
                return; // nothing more is expected: the remote talks out of turn
            }
            byte[] bytes = ByteBufUtil.getBytes((ByteBuf) msg);
            KadResponse response;
            try {
                response = codec.decodeResponse(bytes, decoded, clock.instant());
            } catch (KadProtocolException | RuntimeException e) {
                result.completeExceptionally(e);
                return;
            }
            result.complete(response);
            ctx.close();
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent && expectsResponse()) {
            result.completeExceptionally(new IOException("the remote closed the stream without answering"));
        } else if (evt instanceof StreamResetEvent) {
            result.completeExceptionally(new StreamResetException("the remote reset the stream"));
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!result.isDone()) {
            result.completeExceptionally(new IOException("stream closed before the " + (expectsResponse()
                    ? "response" : "request was sent")));
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        result.completeExceptionally(cause);
    }
}
