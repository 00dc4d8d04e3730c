package io.jkad.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Ping over a pair of in-memory Yamux sessions. */
class PingProtocolTest {

    private static final YamuxConfig CONFIG = YamuxConfig.DEFAULT.withKeepAlive(Duration.ZERO, Duration.ofSeconds(30));
    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private final List<YamuxStreamChannel> inbound = new ArrayList<>();

    @AfterEach
    void release() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    private EmbeddedChannel[] pair(Supplier<io.netty.channel.ChannelHandler> serverHandler) {
        EmbeddedChannel c = new EmbeddedChannel(new YamuxHandler(true, CONFIG, s -> { }));
        EmbeddedChannel s = new EmbeddedChannel(new YamuxHandler(false, CONFIG, stream -> {
            inbound.add(stream);
            stream.pipeline().addLast(serverHandler.get());
        }));
        channels.add(c);
        channels.add(s);
        return new EmbeddedChannel[] {c, s};
    }

    @Test
    void echoGivesTheRoundTripAndBothSidesClose() throws Exception {
        EmbeddedChannel[] p = pair(PingProtocol.EchoHandler::new);
        for (int round = 0; round < 3; round++) {
            CompletableFuture<Duration> result = new CompletableFuture<>();
            YamuxStreamChannel out = p[0].pipeline().get(YamuxHandler.class)
                    .openStream(new PingProtocol.RequestHandler(result, Duration.ofSeconds(10)));
            NoiseHandlerTest.pump(p[0], p[1], 7);
            assertThat(result.get(1, TimeUnit.SECONDS)).isPositive();
            assertThat(out.isOpen()).isFalse();
            assertThat(inbound.get(round).isOpen()).isFalse();
        }
    }

    @Test
    void echoAnswersEveryThirtyTwoBytesOnOneStream() {
        EmbeddedChannel[] p = pair(PingProtocol.EchoHandler::new);
        List<Integer> echoed = new ArrayList<>();
        YamuxStreamChannel out = p[0].pipeline().get(YamuxHandler.class).openStream(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                echoed.add(((ByteBuf) msg).readableBytes());
                ((ByteBuf) msg).release();
            }
        });
        out.writeAndFlush(out.alloc().buffer().writeZero(40));
        NoiseHandlerTest.pump(p[0], p[1], 1000);
        assertThat(echoed.stream().mapToInt(Integer::intValue).sum()).isEqualTo(32);
        out.writeAndFlush(out.alloc().buffer().writeZero(24));
        NoiseHandlerTest.pump(p[0], p[1], 1000);
        assertThat(echoed.stream().mapToInt(Integer::intValue).sum()).isEqualTo(64);
    }

    @Test
    void echoStopsReadingWhileTheRemoteGrantsNoWindowAndResumesWhenItDoes() {
        List<PingProtocol.EchoHandler> echoes = new ArrayList<>();
        EmbeddedChannel[] p = pair(() -> {
            PingProtocol.EchoHandler e = new PingProtocol.EchoHandler();
            echoes.add(e);
            return e;
        });
        io.netty.buffer.ByteBuf echoed = io.netty.buffer.Unpooled.buffer();
        YamuxStreamChannel out = p[0].pipeline().get(YamuxHandler.class).openStream(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                echoed.writeBytes((ByteBuf) msg);
                ((ByteBuf) msg).release();
            }
        });
        // The pinger reads nothing: it grants the echo no window back.
        out.config().setAutoRead(false);
        byte[] sent = new byte[4 * 1024 * 1024];
        new java.util.Random(3).nextBytes(sent);
        io.netty.channel.ChannelFuture written = out.writeAndFlush(io.netty.buffer.Unpooled.wrappedBuffer(sent));
        NoiseHandlerTest.pump(p[0], p[1], 64 * 1024);
        YamuxStreamChannel in = inbound.get(0);
        assertThat(echoes.get(0).isPaused()).isTrue();
        assertThat(in.config().isAutoRead()).isFalse();
        // What the listener holds is bounded by the windows, not by what the pinger wants to send:
        // one window queued unread, at most one window in the echo's cumulation, and the echo's
        // unsent writes (a window's worth past the stream's high water mark).
        assertThat(in.resources().memoryUsed()).isLessThanOrEqualTo(YamuxConfig.INITIAL_WINDOW);
        assertThat(in.unsafe().outboundBuffer().totalPendingWriteBytes()).isLessThanOrEqualTo(2L * YamuxConfig.INITIAL_WINDOW);
        assertThat(written.isDone()).isFalse();
        // The pinger reads again: everything comes back, in order.
        out.config().setAutoRead(true);
        for (int i = 0; i < 1000 && echoed.readableBytes() < sent.length; i++) {
            out.read();
            NoiseHandlerTest.pump(p[0], p[1], 64 * 1024);
            p[1].runPendingTasks();
            p[0].runPendingTasks();
        }
        assertThat(written.isSuccess()).isTrue();
        byte[] got = new byte[echoed.readableBytes()];
        echoed.readBytes(got);
        echoed.release();
        assertThat(got).isEqualTo(sent);
        assertThat(echoes.get(0).isPaused()).isFalse();
    }

    @Test
    void wrongReplyFails() {
        EmbeddedChannel[] p = pair(() -> new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ((ByteBuf) msg).release();
                ctx.writeAndFlush(ctx.alloc().buffer().writeZero(32));
            }
        });
        CompletableFuture<Duration> result = new CompletableFuture<>();
        p[0].pipeline().get(YamuxHandler.class).openStream(new PingProtocol.RequestHandler(result, Duration.ofSeconds(10)));
        NoiseHandlerTest.pump(p[0], p[1], 1000);
        assertThat(result).isCompletedExceptionally();
        assertThat(org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, result::get))
                .hasMessageContaining("differs");
    }

    @Test
    void silentPeerTimesOutAndTheStreamIsReset() {
        EmbeddedChannel[] p = pair(() -> new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ((ByteBuf) msg).release();
            }
        });
        CompletableFuture<Duration> result = new CompletableFuture<>();
        YamuxStreamChannel out = p[0].pipeline().get(YamuxHandler.class)
                .openStream(new PingProtocol.RequestHandler(result, Duration.ofSeconds(10)));
        NoiseHandlerTest.pump(p[0], p[1], 1000);
        assertThat(result).isNotDone();
        p[0].advanceTimeBy(10, TimeUnit.SECONDS);
        p[0].runScheduledPendingTasks();
        NoiseHandlerTest.pump(p[0], p[1], 1000);
        assertThat(org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, result::get))
                .hasCauseInstanceOf(TimeoutException.class);
        assertThat(out.isOpen()).isFalse();
        assertThat(inbound.get(0).isOpen()).isFalse();
    }
}
