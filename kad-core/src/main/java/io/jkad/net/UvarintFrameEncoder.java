package io.jkad.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;

/**
 * Prefixes each outbound {@link ByteBuf} with its length as an unsigned varint, the framing
 * {@link UvarintFrameDecoder} reads. The body is passed on without copying. Stateless and
 * {@link ChannelHandler.Sharable}.
 */
@ChannelHandler.Sharable
public final class UvarintFrameEncoder extends MessageToMessageEncoder<ByteBuf> {

    private final int maxFrameLength;

    /** With the default maximum of {@link UvarintFrameDecoder#DEFAULT_MAX_FRAME_LENGTH} bytes. */
    public UvarintFrameEncoder() {
        this(UvarintFrameDecoder.DEFAULT_MAX_FRAME_LENGTH);
    }

    /** @throws IllegalArgumentException if {@code maxFrameLength} is negative */
    public UvarintFrameEncoder(int maxFrameLength) {
        super(ByteBuf.class);
        if (maxFrameLength < 0) {
            throw new IllegalArgumentException("maxFrameLength must be >= 0: " + maxFrameLength);
        }
        this.maxFrameLength = maxFrameLength;
    }

    /**
     * @throws EncoderException (failing the write) if the message is longer than the maximum
     */
    @Override
    protected void encode(ChannelHandlerContext ctx, ByteBuf msg, List<Object> out) {
        int length = msg.readableBytes();
        if (length > maxFrameLength) {
            throw new EncoderException("frame of " + length + " bytes exceeds the maximum of " + maxFrameLength);
        }
        ByteBuf prefix = ctx.alloc().buffer(ByteBufVarints.size(length));
        ByteBufVarints.write(prefix, length);
        out.add(prefix);
        out.add(msg.retain());
    }
}
