package io.jkad.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Ping ({@code /ipfs/ping/1.0.0}): the dialer sends 32 random bytes, the listener echoes them,
 * possibly many times on one stream.
 */
final class PingProtocol {

    static final String ID = "/ipfs/ping/1.0.0";
    static final int SIZE = 32;
    /** Inbound ping streams allowed at once per connection (spec: listeners accept at most 2 per peer). */
    static final int MAX_INBOUND = 2;

    private static final SecureRandom RANDOM = new SecureRandom();

    private PingProtocol() {}

    /**
     * The listener side: echoes every 32 bytes; half-closes when the remote does. Echoes only
     * while the stream can write (its send window and its connection's outbound buffer): otherwise
     * it stops reading ({@code autoRead} off), so the stream grants no window back and the remote
     * is held to what it was granted, until the stream is writable again. Whole multiples of 32
     * bytes go back in one write.
     */
    static final class EchoHandler extends ByteToMessageDecoder {
        private boolean paused;
        private boolean decoding;
        private boolean resumeWanted;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            decoding = true;
            try {
                super.channelRead(ctx, msg);
            } finally {
                decoding = false;
            }
            if (resumeWanted) {
                resume(ctx);
            }
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            if (!ctx.channel().isWritable()) {
                pause(ctx);
                return;
            }
            int n = in.readableBytes() / SIZE * SIZE;
            if (n > 0) {
                ctx.writeAndFlush(in.readRetainedSlice(n));
            }
            if (!ctx.channel().isWritable()) {
                pause(ctx);
            }
        }

        private void pause(ChannelHandlerContext ctx) {
            paused = true;
            ctx.channel().config().setAutoRead(false);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
            if (paused) {
                // Not super's: with autoRead off it would ask for more.
                discardSomeReadBytes();
                ctx.fireChannelReadComplete();
                return;
            }
            super.channelReadComplete(ctx);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
            if (paused && ctx.channel().isWritable()) {
                // Not from here: this may be called from within our own write, inside decode.
                ctx.executor().execute(() -> resume(ctx));
            }
            super.channelWritabilityChanged(ctx);
        }

        private void resume(ChannelHandlerContext ctx) {
            if (decoding) {
                // Called back from within our own write: after decode returns.
                resumeWanted = true;
                return;
            }
            resumeWanted = false;
            while (paused && ctx.channel().isOpen() && ctx.channel().isWritable()) {
                paused = false;
                // Echo what waits in the cumulation, then read on.
                decoding = true;
                try {
                    super.channelRead(ctx, Unpooled.EMPTY_BUFFER);
                } catch (Exception e) {
                    ctx.fireExceptionCaught(e);
                    return;
                } finally {
                    decoding = false;
                }
                resumeWanted = false;
            }
            if (!paused && ctx.channel().isOpen()) {
                ctx.channel().config().setAutoRead(true);
            }
        }

        /** Whether the echo waits for the stream to become writable (tests). */
        boolean isPaused() {
            return paused;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            super.userEventTriggered(ctx, evt);
            if (evt instanceof ChannelInputShutdownEvent) {
                ((StreamChannel) ctx.channel()).shutdownOutput();
            }
        }
    }

    /** The dialer side: one round, completing {@code result} with the round-trip time. */
    static final class RequestHandler extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<Duration> result;
        private final Duration timeout;
        private final byte[] sent = new byte[SIZE];
        private final byte[] received = new byte[SIZE];
        private int receivedCount;
        private long startNanos;
        private ScheduledFuture<?> timeoutTask;

        RequestHandler(CompletableFuture<Duration> result, Duration timeout) {
            this.result = result;
            this.timeout = timeout;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            RANDOM.nextBytes(sent);
            timeoutTask = ctx.executor().schedule(() -> {
                if (result.completeExceptionally(new TimeoutException("no ping reply within " + timeout.toMillis() + " ms"))) {
                    ((StreamChannel) ctx.channel()).reset();
                }
            }, timeout.toNanos(), TimeUnit.NANOSECONDS);
            startNanos = System.nanoTime();
            ctx.writeAndFlush(ctx.alloc().buffer(SIZE).writeBytes(sent));
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            try {
                int n = Math.min(b.readableBytes(), SIZE - receivedCount);
                b.readBytes(received, receivedCount, n);
                receivedCount += n;
            } finally {
                b.release();
            }
            if (receivedCount == SIZE && !result.isDone()) {
                Duration rtt = Duration.ofNanos(System.nanoTime() - startNanos);
                timeoutTask.cancel(false);
                if (Arrays.equals(sent, received)) {
                    result.complete(rtt);
                    ((StreamChannel) ctx.channel()).shutdownOutput();
                } else {
                    result.completeExceptionally(new IOException("ping reply differs from the request"));
                    ((StreamChannel) ctx.channel()).reset();
                }
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                if (!result.isDone()) {
                    result.completeExceptionally(new StreamResetException("the remote closed the ping stream"));
                }
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (timeoutTask != null) {
                timeoutTask.cancel(false);
            }
            result.completeExceptionally(new StreamResetException("the ping stream closed"));
        }
    }
}
