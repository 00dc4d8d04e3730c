package io.jkad.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Splits a byte stream into frames prefixed with their length as an unsigned varint
 * (multiformats, minimal, at most 9 bytes), as Kademlia ({@code /ipfs/kad/1.0.0}) and Identify
 * use. Emits each frame's body as a retained slice; the reader index is left alone until a whole
 * frame is there.
 *
 * <p>Bounds, each refused with a {@link FrameException} fired down the pipeline, after which the
 * stream is reset (or, on a channel that is not a {@link StreamChannel}, closed) and the rest of
 * the input is discarded:
 * <ul>
 *   <li>a frame whose announced length exceeds the maximum is refused as soon as its prefix is
 *       read, without waiting for the body ({@link FrameException.Kind#TOO_LARGE}); a malformed
 *       prefix too ({@link FrameException.Kind#MALFORMED_LENGTH});</li>
 *   <li>a frame must arrive whole within the frame timeout of the read that brought its first byte
 *       ({@link FrameException.Kind#DEADLINE}): a peer that announces a large frame and trickles
 *       it, or never finishes it, holds the buffered part for that long at most.</li>
 * </ul>
 *
 * <p>Stateful: one instance per channel (never {@code @Sharable}).
 */
public final class UvarintFrameDecoder extends ByteToMessageDecoder {

    /** 4 MiB, as go- and js-libp2p: for what we read as answers; requests get a smaller maximum. */
    public static final int DEFAULT_MAX_FRAME_LENGTH = 4 * 1024 * 1024;
    /**
     * 10 s: a whole 4 MiB frame at a modest 1 MiB/s fits with room to spare, and a stalled frame
     * holds its buffer no longer than go-libp2p-kad-dht's stream read timeout (1 min) would.
     */
    public static final Duration DEFAULT_FRAME_TIMEOUT = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(UvarintFrameDecoder.class);

    private final int maxFrameLength;
    private final Duration frameTimeout;
    private boolean failed;
    /** Armed while a frame is partly read. */
    private ScheduledFuture<?> deadline;

    /** With the default maximum of {@value #DEFAULT_MAX_FRAME_LENGTH} bytes and the default frame timeout. */
    public UvarintFrameDecoder() {
        this(DEFAULT_MAX_FRAME_LENGTH);
    }

    /**
     * With the default frame timeout.
     *
     * @throws IllegalArgumentException if {@code maxFrameLength} is negative
     */
    public UvarintFrameDecoder(int maxFrameLength) {
        this(maxFrameLength, DEFAULT_FRAME_TIMEOUT);
    }

    /**
     * @param frameTimeout how long a frame may take from the read that brought its first byte to
     *     its last byte
     * @throws IllegalArgumentException if {@code maxFrameLength} is negative or the timeout not positive
     */
    public UvarintFrameDecoder(int maxFrameLength, Duration frameTimeout) {
        if (maxFrameLength < 0) {
            throw new IllegalArgumentException("maxFrameLength must be >= 0: " + maxFrameLength);
        }
        Objects.requireNonNull(frameTimeout, "frameTimeout");
        if (frameTimeout.isNegative() || frameTimeout.isZero()) {
            throw new IllegalArgumentException("frameTimeout must be > 0: " + frameTimeout);
        }
        this.maxFrameLength = maxFrameLength;
        this.frameTimeout = frameTimeout;
    }

    public int maxFrameLength() {
        return maxFrameLength;
    }

    public Duration frameTimeout() {
        return frameTimeout;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        super.channelRead(ctx, msg);
        if (failed || !ctx.channel().isOpen()) {
            cancelDeadline();
        } else if (actualReadableBytes() > 0) {
            if (deadline == null) {
                deadline = ctx.executor().schedule(() -> expire(ctx), frameTimeout.toNanos(), TimeUnit.NANOSECONDS);
            }
        } else {
            cancelDeadline();
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        long length;
        try {
            length = ByteBufVarints.peek(in, 9);
        } catch (IllegalArgumentException e) {
            refuse(ctx, in, FrameException.Kind.MALFORMED_LENGTH, "malformed frame length: " + e.getMessage());
            return;
        }
        if (length == ByteBufVarints.INCOMPLETE) {
            return;
        }
        if (length > maxFrameLength) {
            refuse(ctx, in, FrameException.Kind.TOO_LARGE,
                    "frame of " + length + " bytes exceeds the maximum of " + maxFrameLength);
            return;
        }
        int prefix = ByteBufVarints.size(length);
        if (in.readableBytes() < prefix + length) {
            return;
        }
        in.skipBytes(prefix);
        out.add(in.readRetainedSlice((int) length));
        cancelDeadline(); // bytes left over start the next frame: its own deadline is armed after this read
    }

    private void expire(ChannelHandlerContext ctx) {
        deadline = null;
        if (failed || actualReadableBytes() == 0) {
            return;
        }
        refuse(ctx, internalBuffer(), FrameException.Kind.DEADLINE, "frame not complete " + frameTimeout.toMillis()
                + " ms after its first byte (" + actualReadableBytes() + " bytes of it read)");
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        cancelDeadline();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancelDeadline();
        super.channelInactive(ctx);
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    private void refuse(ChannelHandlerContext ctx, ByteBuf in, FrameException.Kind kind, String reason) {
        failed = true;
        cancelDeadline();
        in.skipBytes(in.readableBytes());
        if (ctx.channel() instanceof StreamChannel stream) {
            LOG.warn("resetting stream {} ({}) from {}: {}", stream.streamId(), stream.protocol(),
                    stream.remotePeer(), reason);
            ctx.fireExceptionCaught(new FrameException(kind, reason));
            stream.reset();
        } else {
            LOG.warn("closing {}: {}", ctx.channel(), reason);
            ctx.fireExceptionCaught(new FrameException(kind, reason));
            ctx.close();
        }
    }
}
