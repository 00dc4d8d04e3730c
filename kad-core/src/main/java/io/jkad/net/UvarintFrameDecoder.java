package io.jkad.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Splits a byte stream into frames prefixed with their length as an unsigned varint
 * (multiformats, minimal, at most 9 bytes), as Kademlia ({@code /ipfs/kad/1.0.0}) and Identify
 * use. Emits each frame's body as a retained slice; the reader index is left alone until a whole
 * frame is there. A frame whose announced length exceeds the maximum is refused as soon as its
 * prefix is read, without waiting for the body: the stream is reset (or, on a channel that is not
 * a {@link StreamChannel}, closed) with a logged reason and the rest of the input is discarded.
 * A malformed prefix is handled the same way.
 *
 * <p>Stateful: one instance per channel (never {@code @Sharable}).
 */
public final class UvarintFrameDecoder extends ByteToMessageDecoder {

    /** 4 MiB, as go- and js-libp2p. */
    public static final int DEFAULT_MAX_FRAME_LENGTH = 4 * 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(UvarintFrameDecoder.class);

    private final int maxFrameLength;
    private boolean failed;

    /** With the default maximum of {@value #DEFAULT_MAX_FRAME_LENGTH} bytes. */
    public UvarintFrameDecoder() {
        this(DEFAULT_MAX_FRAME_LENGTH);
    }

    /** @throws IllegalArgumentException if {@code maxFrameLength} is negative */
    public UvarintFrameDecoder(int maxFrameLength) {
        if (maxFrameLength < 0) {
            throw new IllegalArgumentException("maxFrameLength must be >= 0: " + maxFrameLength);
        }
        this.maxFrameLength = maxFrameLength;
    }

    public int maxFrameLength() {
        return maxFrameLength;
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
            refuse(ctx, in, "malformed frame length: " + e.getMessage());
            return;
        }
        if (length == ByteBufVarints.INCOMPLETE) {
            return;
        }
        if (length > maxFrameLength) {
            refuse(ctx, in, "frame of " + length + " bytes exceeds the maximum of " + maxFrameLength);
            return;
        }
        int prefix = ByteBufVarints.size(length);
        if (in.readableBytes() < prefix + length) {
            return;
        }
        in.skipBytes(prefix);
        out.add(in.readRetainedSlice((int) length));
    }

    private void refuse(ChannelHandlerContext ctx, ByteBuf in, String reason) {
        failed = true;
        in.skipBytes(in.readableBytes());
        if (ctx.channel() instanceof StreamChannel) {
            StreamChannel stream = (StreamChannel) ctx.channel();
            LOG.warn("resetting stream {} ({}) from {}: {}", stream.streamId(), stream.protocol(),
                    stream.remotePeer(), reason);
            stream.reset();
        } else {
            LOG.warn("closing {}: {}", ctx.channel(), reason);
            ctx.close();
        }
    }
}
