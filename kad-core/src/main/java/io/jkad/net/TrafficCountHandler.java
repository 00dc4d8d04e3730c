package io.jkad.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the bytes a host reads from and writes to its TCP connections (what goes over the wire:
 * multistream-select, Noise frames, Yamux frames). The first handler of every connection's
 * pipeline; one instance is shared by all connections of a host.
 */
@ChannelHandler.Sharable
final class TrafficCountHandler extends ChannelDuplexHandler {

    private final LongAdder received = new LongAdder();
    private final LongAdder sent = new LongAdder();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf b) {
            received.add(b.readableBytes());
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf b) {
            sent.add(b.readableBytes());
        }
        ctx.write(msg, promise);
    }

    long received() {
        return received.sum();
    }

    long sent() {
        return sent.sum();
    }
}
