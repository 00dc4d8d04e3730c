package io.jkad.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.multiaddr.Multiaddr;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Bulk transfer over loopback (TCP + Noise + Yamux) with back-pressure; prints the rate. */
class HostThroughputIT {

    private static final String SINK = "/jkad/test/sink/1.0.0";
    private static final int CHUNK = 64 * 1024;

    @Test
    void bulkTransferRespectsFlowControlAndArrivesWhole() throws Exception {
        try (Host a = Host.start(HostConfig.builder(Ed25519KeyPair.generate()).listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).build());
             Host b = Host.start(HostConfig.builder(Ed25519KeyPair.generate()).listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).build())) {
            AtomicLong received = new AtomicLong();
            b.setStreamHandler(SINK, stream -> stream.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    received.addAndGet(((ByteBuf) msg).readableBytes());
                    ((ByteBuf) msg).release();
                }

                @Override
                public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                    if (evt instanceof ChannelInputShutdownEvent) {
                        ((StreamChannel) ctx.channel()).shutdownOutput();
                    }
                }
            }));
            a.dial(b.peerId(), b.listenAddresses()).get(10, TimeUnit.SECONDS);
            for (int run = 0; run < 3; run++) {
                long total = 256L * 1024 * 1024;
                received.set(0);
                CompletableFuture<Void> remoteDone = new CompletableFuture<>();
                StreamChannel s = a.openStream(b.peerId(), SINK, st -> st.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                        if (evt instanceof ChannelInputShutdownEvent) {
                            remoteDone.complete(null);
                        }
                    }
                })).get(10, TimeUnit.SECONDS);
                ByteBuf raw = Unpooled.directBuffer(CHUNK).writeZero(CHUNK);
                ByteBuf chunk = Unpooled.unreleasableBuffer(raw);
                long start = System.nanoTime();
                long sent = 0;
                while (sent < total) {
                    ChannelFuture f = s.writeAndFlush(chunk.duplicate());
                    sent += CHUNK;
                    if (sent % (16 * CHUNK) == 0) {
                        f.sync();
                    }
                }
                s.shutdownOutput();
                remoteDone.get(60, TimeUnit.SECONDS);
                double secs = (System.nanoTime() - start) / 1e9;
                System.out.printf("run %d: %d MiB in %.2f s = %.1f MiB/s%n", run, total >> 20, secs, (total >> 20) / secs);
                assertThat(received.get()).isEqualTo(total);
                raw.release();
            }
        }
    }
}
