package io.jkad.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class YamuxHandlerTest {

    private static final YamuxConfig NO_KEEPALIVE = YamuxConfig.DEFAULT.withKeepAlive(Duration.ZERO, Duration.ofSeconds(30));

    /** Collects a stream's bytes and events. */
    static final class Collector extends ChannelInboundHandlerAdapter {
        final ByteBuf bytes = Unpooled.buffer();
        final List<Object> events = new ArrayList<>();
        boolean inactive;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            bytes.writeBytes(b);
            b.release();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            events.add(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            inactive = true;
        }

        String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }

    static final class Sessions implements YamuxHandler.Listener {
        final List<YamuxStreamChannel> inbound = new ArrayList<>();
        final List<Collector> collectors = new ArrayList<>();
        final List<Integer> goAways = new ArrayList<>();
        boolean autoRead = true;

        @Override
        public void inboundStream(YamuxStreamChannel stream) {
            inbound.add(stream);
            Collector c = new Collector();
            collectors.add(c);
            stream.config().setAutoRead(autoRead);
            stream.pipeline().addLast(c);
        }

        @Override
        public void goAwayReceived(int code) {
            goAways.add(code);
        }
    }

    private final List<Collector> toRelease = new ArrayList<>();
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void release() {
        for (EmbeddedChannel ch : channels) {
            ch.finishAndReleaseAll();
        }
        for (Collector c : toRelease) {
            c.bytes.release();
        }
    }

    private EmbeddedChannel session(boolean client, YamuxConfig config, Sessions listener) {
        EmbeddedChannel ch = new EmbeddedChannel(new YamuxHandler(client, config, listener));
        channels.add(ch);
        return ch;
    }

    private Collector collector() {
        Collector c = new Collector();
        toRelease.add(c);
        return c;
    }

    private static YamuxHandler handler(EmbeddedChannel ch) {
        return ch.pipeline().get(YamuxHandler.class);
    }

    static ByteBuf frame(int type, int flags, long id, long length) {
        ByteBuf b = Unpooled.buffer(12);
        b.writeByte(0).writeByte(type).writeShort(flags).writeInt((int) id).writeInt((int) length);
        return b;
    }

    /** The frame headers (and data lengths) a session wrote, as "type/flags/id/length" strings. */
    static List<String> drainFrames(EmbeddedChannel ch) {
        ch.runPendingTasks(); // Yamux flushes outside a read in a task of the event loop
        ByteBuf all = Unpooled.buffer();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            all.writeBytes(b);
            b.release();
        }
        List<String> out = new ArrayList<>();
        while (all.readableBytes() >= 12) {
            int type = all.getUnsignedByte(all.readerIndex() + 1);
            int flags = all.getUnsignedShort(all.readerIndex() + 2);
            long id = all.getUnsignedInt(all.readerIndex() + 4);
            long len = all.getUnsignedInt(all.readerIndex() + 8);
            out.add(type + "/" + flags + "/" + id + "/" + len);
            all.skipBytes(12 + (type == YamuxHandler.TYPE_DATA ? (int) len : 0));
        }
        all.release();
        return out;
    }

    private void pump(EmbeddedChannel a, EmbeddedChannel b) {
        NoiseHandlerTest.pump(a, b, 1 << 20);
    }

    @Test
    void streamsCarryDataBothWaysWithOddAndEvenIds() {
        Sessions cl = new Sessions();
        Sessions sl = new Sessions();
        EmbeddedChannel c = session(true, NO_KEEPALIVE, cl);
        EmbeddedChannel s = session(false, NO_KEEPALIVE, sl);
        Collector cc = collector();
        YamuxStreamChannel out1 = handler(c).openStream(cc);
        YamuxStreamChannel out2 = handler(c).openStream(collector());
        assertThat(out1.streamId()).isEqualTo(1);
        assertThat(out2.streamId()).isEqualTo(3);
        out1.writeAndFlush(Unpooled.copiedBuffer("hello", StandardCharsets.UTF_8));
        pump(c, s);
        assertThat(sl.inbound).hasSize(2);
        toRelease.addAll(sl.collectors);
        assertThat(sl.collectors.get(0).text()).isEqualTo("hello");
        YamuxStreamChannel fromServer = handler(s).openStream(collector());
        assertThat(fromServer.streamId()).isEqualTo(2);
        sl.inbound.get(0).writeAndFlush(Unpooled.copiedBuffer("world", StandardCharsets.UTF_8));
        pump(c, s);
        assertThat(cc.text()).isEqualTo("world");
        assertThat(cl.inbound).hasSize(1);
        toRelease.addAll(cl.collectors);
        assertThat(out1.unacked).isFalse();
        assertThat(handler(c).openStreamCount()).isEqualTo(3);
    }

    @Test
    void writerIsHeldByTheWindowUntilTheReaderConsumes() {
        Sessions cl = new Sessions();
        Sessions sl = new Sessions();
        sl.autoRead = false;
        EmbeddedChannel c = session(true, NO_KEEPALIVE, cl);
        EmbeddedChannel s = session(false, NO_KEEPALIVE, sl);
        YamuxStreamChannel out = handler(c).openStream(collector());
        byte[] data = new byte[300 * 1024];
        new Random(7).nextBytes(data);
        ChannelFuture written = out.writeAndFlush(Unpooled.wrappedBuffer(data));
        pump(c, s);
        toRelease.addAll(sl.collectors);
        Collector sc = sl.collectors.get(0);
        assertThat(written.isDone()).isFalse();
        assertThat(out.isWritable()).isFalse();
        assertThat(sc.bytes.readableBytes()).isZero();
        assertThat(sl.inbound.get(0).recvWindow).isZero();
        // The reader consumes, one frame per read(): the window is granted back (in halves) and the rest flows.
        YamuxStreamChannel in = sl.inbound.get(0);
        in.read();
        pump(c, s);
        assertThat(sc.bytes.readableBytes()).isEqualTo(64 * 1024);
        assertThat(drainFrames(s)).isEmpty(); // less than half the window consumed: no update yet
        for (int i = 0; i < 16 && sc.bytes.readableBytes() < data.length; i++) {
            in.read();
            pump(c, s);
        }
        assertThat(written.isSuccess()).isTrue();
        assertThat(out.isWritable()).isTrue();
        byte[] got = new byte[sc.bytes.readableBytes()];
        sc.bytes.readBytes(got);
        assertThat(got).isEqualTo(data);
    }

    @Test
    void dataBeyondTheWindowIsAProtocolViolation() {
        Sessions sl = new Sessions();
        sl.autoRead = false;
        EmbeddedChannel s = session(false, NO_KEEPALIVE, sl);
        s.writeInbound(frame(YamuxHandler.TYPE_WINDOW_UPDATE, YamuxHandler.FLAG_SYN, 1, 0));
        toRelease.addAll(sl.collectors);
        s.writeInbound(Unpooled.wrappedBuffer(frame(YamuxHandler.TYPE_DATA, 0, 1, 200 * 1024),
                Unpooled.wrappedBuffer(new byte[200 * 1024])));
        assertThat(s.isOpen()).isTrue();
        // 56 KiB left of the window; 60 KiB more breaks it, detected from the header alone.
        s.writeInbound(frame(YamuxHandler.TYPE_DATA, 0, 1, 60 * 1024));
        assertThat(s.isOpen()).isFalse();
        assertThat(drainFrames(s)).contains("3/0/0/1");
        assertThat(sl.collectors.get(0).events).contains(StreamResetEvent.INSTANCE);
    }

    @Test
    void pingIsEchoedWithAckAndTheSameOpaqueValue() {
        EmbeddedChannel s = session(false, NO_KEEPALIVE, new Sessions());
        s.writeInbound(frame(YamuxHandler.TYPE_PING, YamuxHandler.FLAG_SYN, 0, 0xCAFEBABEL));
        assertThat(drainFrames(s)).containsExactly("2/2/0/" + 0xCAFEBABEL);
        // An unrequested ack is ignored, not fatal.
        s.writeInbound(frame(YamuxHandler.TYPE_PING, YamuxHandler.FLAG_ACK, 0, 17));
        assertThat(s.isOpen()).isTrue();
        // A ping with both flags is invalid.
        s.writeInbound(frame(YamuxHandler.TYPE_PING, YamuxHandler.FLAG_SYN | YamuxHandler.FLAG_ACK, 0, 1));
        assertThat(s.isOpen()).isFalse();
    }

    @Test
    void keepAlivePingsAndClosesWhenUnanswered() {
        YamuxConfig cfg = YamuxConfig.DEFAULT.withKeepAlive(Duration.ofSeconds(30), Duration.ofSeconds(10));
        EmbeddedChannel c = session(true, cfg, new Sessions());
        c.advanceTimeBy(30, TimeUnit.SECONDS);
        c.runScheduledPendingTasks();
        List<String> frames = drainFrames(c);
        assertThat(frames).hasSize(1);
        assertThat(frames.get(0)).startsWith("2/1/0/");
        long opaque = Long.parseLong(frames.get(0).split("/")[3]);
        c.writeInbound(frame(YamuxHandler.TYPE_PING, YamuxHandler.FLAG_ACK, 0, opaque));
        c.advanceTimeBy(10, TimeUnit.SECONDS);
        c.runScheduledPendingTasks();
        assertThat(c.isOpen()).isTrue();
        c.advanceTimeBy(20, TimeUnit.SECONDS);
        c.runScheduledPendingTasks();
        assertThat(drainFrames(c)).hasSize(1);
        c.advanceTimeBy(10, TimeUnit.SECONDS);
        c.runScheduledPendingTasks();
        assertThat(c.isOpen()).isFalse();
    }

    @Test
    void halfCloseBothWaysEndsTheStream() {
        Sessions cl = new Sessions();
        Sessions sl = new Sessions();
        EmbeddedChannel c = session(true, NO_KEEPALIVE, cl);
        EmbeddedChannel s = session(false, NO_KEEPALIVE, sl);
        Collector cc = collector();
        YamuxStreamChannel out = handler(c).openStream(cc);
        out.write(Unpooled.copiedBuffer("request", StandardCharsets.UTF_8));
        ChannelFuture fin = out.shutdownOutput();
        assertThat(fin.isSuccess()).isTrue();
        assertThat(out.isOutputShutdown()).isTrue();
        assertThat(out.writeAndFlush(Unpooled.buffer(1).writeByte(1)).cause()).isNotNull();
        pump(c, s);
        toRelease.addAll(sl.collectors);
        Collector sc = sl.collectors.get(0);
        YamuxStreamChannel in = sl.inbound.get(0);
        assertThat(sc.text()).isEqualTo("request");
        assertThat(sc.events).contains(ChannelInputShutdownEvent.INSTANCE);
        assertThat(in.isInputShutdown()).isTrue();
        assertThat(in.isOpen()).isTrue();
        in.write(Unpooled.copiedBuffer("response", StandardCharsets.UTF_8));
        in.shutdownOutput();
        pump(c, s);
        assertThat(in.isOpen()).isFalse();
        assertThat(cc.text()).isEqualTo("response");
        assertThat(cc.events).contains(ChannelInputShutdownEvent.INSTANCE);
        assertThat(out.isOpen()).isFalse();
        assertThat(handler(c).streamTableSize()).isZero();
        assertThat(handler(s).streamTableSize()).isZero();
        assertThat(handler(c).openStreamCount()).isZero();
    }

    @Test
    void closeSendsFinAndLateDataIsDropped() {
        Sessions cl = new Sessions();
        Sessions sl = new Sessions();
        EmbeddedChannel c = session(true, NO_KEEPALIVE, cl);
        EmbeddedChannel s = session(false, NO_KEEPALIVE, sl);
        YamuxStreamChannel out = handler(c).openStream(collector());
        out.writeAndFlush(Unpooled.copiedBuffer("x", StandardCharsets.UTF_8));
        pump(c, s);
        toRelease.addAll(sl.collectors);
        out.close();
        // The remote writes before it sees our FIN.
        sl.inbound.get(0).writeAndFlush(Unpooled.copiedBuffer("late", StandardCharsets.UTF_8));
        pump(c, s);
        assertThat(c.isOpen()).isTrue();
        assertThat(sl.collectors.get(0).events).contains(ChannelInputShutdownEvent.INSTANCE);
        sl.inbound.get(0).close();
        pump(c, s);
        assertThat(handler(c).streamTableSize()).isZero();
        assertThat(handler(s).streamTableSize()).isZero();
    }

    @Test
    void resetAbortsBothSidesAndFailsPendingWrites() {
        Sessions cl = new Sessions();
        Sessions sl = new Sessions();
        sl.autoRead = false;
        EmbeddedChannel c = session(true, NO_KEEPALIVE, cl);
        EmbeddedChannel s = session(false, NO_KEEPALIVE, sl);
        YamuxStreamChannel out = handler(c).openStream(collector());
        ChannelFuture pending = out.writeAndFlush(Unpooled.wrappedBuffer(new byte[300 * 1024]));
        pump(c, s);
        toRelease.addAll(sl.collectors);
        assertThat(pending.isDone()).isFalse();
        // The remote resets: our pending write fails and our channel closes.
        sl.inbound.get(0).reset();
        assertThat(sl.inbound.get(0).isOpen()).isFalse();
        pump(c, s);
        assertThat(pending.cause()).isInstanceOf(StreamResetException.class);
        assertThat(out.isOpen()).isFalse();
        assertThat(handler(c).streamTableSize()).isZero();
        assertThat(handler(s).streamTableSize()).isZero();
        assertThat(c.isOpen()).isTrue();
    }

    @Test
    void rstWindowUpdateLengthIsNotAWindowDelta() {
        Sessions cl = new Sessions();
        EmbeddedChannel c = session(true, NO_KEEPALIVE, cl);
        Collector cc = collector();
        YamuxStreamChannel out = handler(c).openStream(cc);
        drainFrames(c);
        // go-yamux v5 style: RST with an error code in length.
        c.writeInbound(frame(YamuxHandler.TYPE_WINDOW_UPDATE, YamuxHandler.FLAG_ACK | YamuxHandler.FLAG_RST, 1, 0xFFFFFFF0L));
        assertThat(cc.events).containsExactly(StreamResetEvent.INSTANCE);
        assertThat(out.isOpen()).isFalse();
        assertThat(c.isOpen()).isTrue();
        // A late frame for the reset stream is dropped.
        c.writeInbound(Unpooled.wrappedBuffer(frame(YamuxHandler.TYPE_DATA, 0, 1, 3), Unpooled.wrappedBuffer(new byte[3])));
        assertThat(c.isOpen()).isTrue();
    }

    @Test
    void goAwayNormalStopsNewStreamsButKeepsExistingOnes() {
        Sessions cl = new Sessions();
        EmbeddedChannel c = session(true, NO_KEEPALIVE, cl);
        Collector cc = collector();
        YamuxStreamChannel out = handler(c).openStream(cc);
        c.writeInbound(frame(YamuxHandler.TYPE_GO_AWAY, 0, 0, YamuxHandler.GO_AWAY_NORMAL));
        assertThat(cl.goAways).containsExactly(0);
        assertThat(c.isOpen()).isTrue();
        assertThat(out.isOpen()).isTrue();
        assertThatThrownBy(() -> handler(c).openStream(null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("going away");
        c.writeInbound(Unpooled.wrappedBuffer(frame(YamuxHandler.TYPE_DATA, YamuxHandler.FLAG_ACK, 1, 2),
                Unpooled.copiedBuffer("ok", StandardCharsets.UTF_8)));
        assertThat(cc.text()).isEqualTo("ok");
    }

    @Test
    void goAwayWithErrorClosesTheConnection() {
        Sessions cl = new Sessions();
        EmbeddedChannel c = session(true, NO_KEEPALIVE, cl);
        Collector cc = collector();
        handler(c).openStream(cc);
        assertThat(drainFrames(c)).containsExactly("1/1/1/0"); // the SYN has gone out
        c.writeInbound(frame(YamuxHandler.TYPE_GO_AWAY, 0, 0, YamuxHandler.GO_AWAY_PROTOCOL_ERROR));
        assertThat(c.isOpen()).isFalse();
        assertThat(cc.events).contains(StreamResetEvent.INSTANCE);
    }

    @Test
    void localGoAwayRefusesNewInboundStreams() {
        Sessions sl = new Sessions();
        EmbeddedChannel s = session(false, NO_KEEPALIVE, sl);
        handler(s).goAway();
        assertThat(drainFrames(s)).containsExactly("3/0/0/0");
        s.writeInbound(frame(YamuxHandler.TYPE_WINDOW_UPDATE, YamuxHandler.FLAG_SYN, 1, 0));
        assertThat(drainFrames(s)).containsExactly("1/8/1/0");
        assertThat(sl.inbound).isEmpty();
    }

    @Test
    void streamFloodPastTheLimitIsReset() {
        Sessions sl = new Sessions();
        EmbeddedChannel s = session(false, NO_KEEPALIVE.withMaxInboundStreams(4), sl);
        for (int id = 1; id <= 11; id += 2) {
            s.writeInbound(frame(YamuxHandler.TYPE_WINDOW_UPDATE, YamuxHandler.FLAG_SYN, id, 0));
        }
        toRelease.addAll(sl.collectors);
        assertThat(sl.inbound).hasSize(4);
        assertThat(drainFrames(s)).containsExactly("1/2/1/0", "1/2/3/0", "1/2/5/0", "1/2/7/0", "1/8/9/0", "1/8/11/0");
        assertThat(s.isOpen()).isTrue();
        // Once one ends, a new one is accepted.
        s.writeInbound(frame(YamuxHandler.TYPE_WINDOW_UPDATE, YamuxHandler.FLAG_RST, 1, 0));
        s.writeInbound(frame(YamuxHandler.TYPE_WINDOW_UPDATE, YamuxHandler.FLAG_SYN, 13, 0));
        toRelease.addAll(sl.collectors.subList(4, sl.collectors.size()));
        assertThat(sl.inbound).hasSize(5);
    }

    @Test
    void protocolViolationsCloseTheConnectionWithGoAway() {
        List<ByteBuf[]> cases = List.of(
                new ByteBuf[] {Unpooled.wrappedBuffer(new byte[] {1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0})}, // version 1
                new ByteBuf[] {frame(7, 0, 1, 0)}, // unknown type
                new ByteBuf[] {frame(YamuxHandler.TYPE_DATA, 0, 5, 4)}, // data on a stream never opened
                new ByteBuf[] {frame(YamuxHandler.TYPE_WINDOW_UPDATE, 0, 9, 100)}, // update for a stream never opened
                new ByteBuf[] {frame(YamuxHandler.TYPE_WINDOW_UPDATE, YamuxHandler.FLAG_SYN, 2, 0)}, // our parity
                new ByteBuf[] {frame(YamuxHandler.TYPE_WINDOW_UPDATE, YamuxHandler.FLAG_SYN, 1, 0),
                        frame(YamuxHandler.TYPE_WINDOW_UPDATE, YamuxHandler.FLAG_SYN, 1, 0)}, // duplicate SYN
                new ByteBuf[] {frame(YamuxHandler.TYPE_DATA, YamuxHandler.FLAG_SYN, 1, 256 * 1024 + 1)}); // beyond window
        for (ByteBuf[] input : cases) {
            Sessions sl = new Sessions();
            EmbeddedChannel s = session(false, NO_KEEPALIVE, sl);
            for (ByteBuf b : input) {
                if (s.isOpen()) {
                    s.writeInbound(b);
                } else {
                    b.release();
                }
            }
            toRelease.addAll(sl.collectors);
            assertThat(s.isOpen()).as("closed after %s", input[input.length - 1]).isFalse();
            assertThat(drainFrames(s)).last().isEqualTo("3/0/0/1");
        }
    }

    @Test
    void connectionLossResetsOpenStreams() {
        Sessions cl = new Sessions();
        EmbeddedChannel c = session(true, NO_KEEPALIVE, cl);
        Collector cc = collector();
        YamuxStreamChannel out = handler(c).openStream(cc);
        c.close();
        assertThat(cc.events).containsExactly(StreamResetEvent.INSTANCE);
        assertThat(cc.inactive).isTrue();
        assertThat(out.isOpen()).isFalse();
        assertThat(out.writeAndFlush(Unpooled.buffer(1).writeByte(1)).cause()).isNotNull();
    }

    @Test
    void unacknowledgedOutboundStreamsAreCapped() {
        YamuxConfig cfg = new YamuxConfig(256, 2, 64 * 1024, Duration.ZERO, Duration.ofSeconds(30));
        EmbeddedChannel c = session(true, cfg, new Sessions());
        handler(c).openStream(collector());
        handler(c).openStream(collector());
        assertThatThrownBy(() -> handler(c).openStream(null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("acknowledgement");
        c.writeInbound(frame(YamuxHandler.TYPE_WINDOW_UPDATE, YamuxHandler.FLAG_ACK, 1, 0));
        assertThat(handler(c).openStream(collector()).streamId()).isEqualTo(5);
    }

    // --- resources and back-pressure ---

    private static ResourceManager.ConnectionScope scope(ResourceManager rm) throws Exception {
        ResourceManager.ConnectionScope scope = rm.openConnection(true, java.net.InetAddress.getLoopbackAddress());
        scope.authenticated(io.jkad.identity.Ed25519KeyPair.generate().peerId());
        return scope;
    }

    private EmbeddedChannel session(boolean client, YamuxConfig config, Sessions listener,
                                    ResourceManager.ConnectionScope scope, io.netty.channel.ChannelHandler... first) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.config().setWriteBufferWaterMark(YamuxConfig.WRITE_BUFFER_WATER_MARK);
        ch.pipeline().addLast(first);
        ch.pipeline().addLast(new YamuxHandler(client, config, listener, scope));
        channels.add(ch);
        return ch;
    }

    private static ByteBuf data(long id, int flags, int length) {
        return Unpooled.wrappedBuffer(frame(YamuxHandler.TYPE_DATA, flags, id, length), Unpooled.wrappedBuffer(new byte[length]));
    }

    @Test
    void inboundStreamsTheResourceManagerRefusesAreResetAndCountNothing() throws Exception {
        ResourceManager rm = new ResourceManager(ResourceLimits.forMemory(64L << 20).withPerPeer(8, 2));
        Sessions sl = new Sessions();
        EmbeddedChannel s = session(false, NO_KEEPALIVE, sl, scope(rm));
        for (int id = 1; id <= 5; id += 2) {
            s.writeInbound(frame(YamuxHandler.TYPE_WINDOW_UPDATE, YamuxHandler.FLAG_SYN, id, 0));
        }
        toRelease.addAll(sl.collectors);
        assertThat(sl.inbound).hasSize(2);
        assertThat(drainFrames(s)).containsExactly("1/2/1/0", "1/2/3/0", "1/8/5/0");
        assertThat(rm.usage().inboundStreams()).isEqualTo(2);
        assertThat(handler(s).streamTableSize()).isEqualTo(2);
        assertThat(s.isOpen()).isTrue();
        // A late frame for the refused stream is dropped, not a protocol error.
        s.writeInbound(data(5, 0, 3));
        assertThat(s.isOpen()).isTrue();
        // The remote resets one: its count is released and a new stream is accepted.
        s.writeInbound(frame(YamuxHandler.TYPE_WINDOW_UPDATE, YamuxHandler.FLAG_RST, 1, 0));
        assertThat(rm.usage().inboundStreams()).isEqualTo(1);
        s.writeInbound(frame(YamuxHandler.TYPE_WINDOW_UPDATE, YamuxHandler.FLAG_SYN, 7, 0));
        toRelease.addAll(sl.collectors.subList(2, sl.collectors.size()));
        assertThat(sl.inbound).hasSize(3);
        assertThat(rm.usage().inboundStreams()).isEqualTo(2);
        assertThat(sl.inbound.get(2).resources()).isNotNull();
    }

    @Test
    void outboundStreamFailsToOpenWhenTheConnectionScopeRefuses() throws Exception {
        ResourceManager rm = new ResourceManager(ResourceLimits.forMemory(64L << 20));
        ResourceManager.ConnectionScope scope = scope(rm);
        EmbeddedChannel c = session(true, NO_KEEPALIVE, new Sessions(), scope);
        scope.close();
        assertThatThrownBy(() -> handler(c).openStream(collector())).isInstanceOf(IllegalStateException.class);
        assertThat(drainFrames(c)).isEmpty();
        assertThat(handler(c).streamTableSize()).isZero();
    }

    @Test
    void receivedDataIsReservedUntilReadAndOnlyReadDataEarnsWindow() throws Exception {
        ResourceManager rm = new ResourceManager(ResourceLimits.forMemory(64L << 20));
        ResourceManager.ConnectionScope scope = scope(rm);
        Sessions sl = new Sessions();
        sl.autoRead = false;
        EmbeddedChannel s = session(false, NO_KEEPALIVE, sl, scope);
        s.writeInbound(data(1, YamuxHandler.FLAG_SYN, 64 * 1024));
        s.writeInbound(data(1, 0, 64 * 1024));
        s.writeInbound(data(1, 0, 64 * 1024));
        toRelease.addAll(sl.collectors);
        YamuxStreamChannel in = sl.inbound.get(0);
        drainFrames(s);
        assertThat(in.resources().memoryUsed()).isEqualTo(192 * 1024);
        assertThat(scope.memoryUsed()).isEqualTo(192 * 1024);
        assertThat(rm.usage().memoryBytes()).isEqualTo(192 * 1024);
        in.read();
        assertThat(in.resources().memoryUsed()).isEqualTo(128 * 1024);
        assertThat(drainFrames(s)).as("half a window not yet consumed").isEmpty();
        in.read();
        assertThat(in.resources().memoryUsed()).isEqualTo(64 * 1024);
        assertThat(drainFrames(s)).containsExactly("1/0/1/" + 128 * 1024);
        // Closing the stream releases what it still held.
        in.close();
        assertThat(rm.usage().memoryBytes()).isZero();
    }

    @Test
    void dataAWiderScopeRefusesResetsThatStreamAlone() throws Exception {
        // A 1 MiB budget for the node, each connection and each peer: four full windows fit.
        ResourceManager rm = new ResourceManager(ResourceLimits.forMemory(1 << 20));
        Sessions sl = new Sessions();
        sl.autoRead = false;
        EmbeddedChannel s = session(false, NO_KEEPALIVE, sl, scope(rm));
        for (int id = 1; id <= 9; id += 2) {
            s.writeInbound(data(id, YamuxHandler.FLAG_SYN, 256 * 1024));
        }
        toRelease.addAll(sl.collectors);
        assertThat(drainFrames(s)).containsExactly("1/2/1/0", "1/2/3/0", "1/2/5/0", "1/2/7/0", "1/2/9/0", "1/8/9/0");
        assertThat(s.isOpen()).isTrue();
        assertThat(sl.inbound.get(4).isOpen()).isFalse();
        assertThat(sl.inbound.subList(0, 4)).allMatch(YamuxStreamChannel::isOpen);
        assertThat(rm.usage().memoryBytes()).isEqualTo(1 << 20);
        assertThat(rm.refusals()).containsKey(ResourceManager.Scope.CONNECTION);
        assertThat(handler(s).streamTableSize()).isEqualTo(4);
    }

    @Test
    void aStreamWeClosedIsForgottenWhenTheRemoteNeverClosesIt() throws Exception {
        ResourceManager rm = new ResourceManager(ResourceLimits.forMemory(64L << 20));
        Sessions sl = new Sessions();
        EmbeddedChannel s = session(false, NO_KEEPALIVE.withStreamCloseGrace(Duration.ofSeconds(10)), sl, scope(rm));
        s.writeInbound(frame(YamuxHandler.TYPE_WINDOW_UPDATE, YamuxHandler.FLAG_SYN, 1, 0));
        s.writeInbound(frame(YamuxHandler.TYPE_WINDOW_UPDATE, YamuxHandler.FLAG_SYN, 3, 0));
        toRelease.addAll(sl.collectors);
        drainFrames(s);
        sl.inbound.get(0).close();
        sl.inbound.get(1).close();
        assertThat(drainFrames(s)).containsExactly("1/4/1/0", "1/4/3/0");
        assertThat(handler(s).streamTableSize()).isEqualTo(2);
        assertThat(rm.usage().inboundStreams()).isEqualTo(2);
        // An honest remote closes stream 3 in time; stream 1's never does.
        s.writeInbound(frame(YamuxHandler.TYPE_WINDOW_UPDATE, YamuxHandler.FLAG_FIN, 3, 0));
        assertThat(handler(s).streamTableSize()).isEqualTo(1);
        s.advanceTimeBy(9, TimeUnit.SECONDS);
        s.runScheduledPendingTasks();
        assertThat(handler(s).streamTableSize()).isEqualTo(1);
        s.advanceTimeBy(1, TimeUnit.SECONDS);
        s.runScheduledPendingTasks();
        assertThat(drainFrames(s)).containsExactly("1/8/1/0");
        assertThat(handler(s).streamTableSize()).isZero();
        assertThat(rm.usage().inboundStreams()).isZero();
        // Its late FIN is dropped; the connection stays.
        s.writeInbound(frame(YamuxHandler.TYPE_WINDOW_UPDATE, YamuxHandler.FLAG_FIN, 1, 0));
        assertThat(s.isOpen()).isTrue();
    }

    @Test
    void aStreamResetLocallyLeavesTheTableAndTheCountAtOnce() throws Exception {
        ResourceManager rm = new ResourceManager(ResourceLimits.forMemory(64L << 20));
        Sessions sl = new Sessions();
        EmbeddedChannel s = session(false, NO_KEEPALIVE, sl, scope(rm));
        s.writeInbound(frame(YamuxHandler.TYPE_WINDOW_UPDATE, YamuxHandler.FLAG_SYN, 1, 0));
        toRelease.addAll(sl.collectors);
        sl.inbound.get(0).reset();
        assertThat(handler(s).streamTableSize()).isZero();
        assertThat(rm.usage().inboundStreams()).isZero();
    }

    /** Stands for a socket whose remote reads nothing: flushes go nowhere, writes pile up in the buffer. */
    static final class StuckSocket extends io.netty.channel.ChannelOutboundHandlerAdapter {
        boolean stuck = true;

        @Override
        public void flush(ChannelHandlerContext ctx) {
            if (!stuck) {
                ctx.flush();
            }
        }
    }

    private static long pendingOutbound(EmbeddedChannel ch) {
        return ch.unsafe().outboundBuffer().totalPendingWriteBytes();
    }

    @Test
    void pingFloodFromARemoteThatReadsNothingStopsReadingAndThenClosesTheConnection() throws Exception {
        StuckSocket socket = new StuckSocket();
        EmbeddedChannel s = session(false, NO_KEEPALIVE.withWriteStallTimeout(Duration.ofSeconds(30)), new Sessions(),
                ResourceManager.unlimited().unlimitedConnection(), socket);
        s.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                // The answers still buffered at the close fail with ClosedChannelException.
            }
        });
        int pings = 50_000;
        ByteBuf flood = Unpooled.buffer(pings * 12);
        for (int i = 0; i < pings; i++) {
            flood.writeBytes(frame(YamuxHandler.TYPE_PING, YamuxHandler.FLAG_SYN, 0, i));
        }
        s.writeInbound(flood);
        // Reading stopped one answer past the high water mark (an answer counts 12 bytes and the
        // buffer's per-entry overhead): the rest waits unread.
        long high = YamuxConfig.WRITE_BUFFER_WATER_MARK.high() + 12 + 96;
        assertThat(s.isWritable()).isFalse();
        assertThat(s.config().isAutoRead()).isFalse();
        assertThat(pendingOutbound(s)).isGreaterThan(YamuxConfig.WRITE_BUFFER_WATER_MARK.high()).isLessThanOrEqualTo(high);
        s.writeInbound(frame(YamuxHandler.TYPE_PING, YamuxHandler.FLAG_SYN, 0, 1));
        assertThat(pendingOutbound(s)).isLessThanOrEqualTo(high);
        // The remote reads again: the rest is answered, a buffer's worth at a time.
        socket.stuck = false;
        List<String> answered = new ArrayList<>();
        for (int i = 0; i < 100 && answered.size() < pings + 1; i++) {
            s.flush();
            s.runPendingTasks();
            answered.addAll(drainFrames(s));
        }
        assertThat(answered).hasSize(pings + 1).allMatch(f -> f.startsWith("2/2/0/"));
        assertThat(s.config().isAutoRead()).isTrue();
        // It stops reading again and never resumes: the connection is closed after the stall timeout.
        socket.stuck = true;
        ByteBuf more = Unpooled.buffer(pings * 12);
        for (int i = 0; i < pings; i++) {
            more.writeBytes(frame(YamuxHandler.TYPE_PING, YamuxHandler.FLAG_SYN, 0, i));
        }
        s.writeInbound(more);
        assertThat(s.isWritable()).isFalse();
        s.advanceTimeBy(29, TimeUnit.SECONDS);
        s.runScheduledPendingTasks();
        assertThat(s.isOpen()).isTrue();
        s.advanceTimeBy(1, TimeUnit.SECONDS);
        s.runScheduledPendingTasks();
        assertThat(s.isOpen()).isFalse();
    }

    @Test
    void streamsDoNotWriteToAnUnwritableConnection() throws Exception {
        StuckSocket socket = new StuckSocket();
        Sessions sl = new Sessions();
        EmbeddedChannel s = session(false, NO_KEEPALIVE, sl, ResourceManager.unlimited().unlimitedConnection(), socket);
        s.writeInbound(frame(YamuxHandler.TYPE_WINDOW_UPDATE, YamuxHandler.FLAG_SYN, 1, 0));
        toRelease.addAll(sl.collectors);
        YamuxStreamChannel in = sl.inbound.get(0);
        List<Boolean> writability = new ArrayList<>();
        in.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                writability.add(ctx.channel().isWritable());
            }
        });
        ChannelFuture first = in.writeAndFlush(Unpooled.wrappedBuffer(new byte[200 * 1024]));
        // 64 KiB frames: the third pushes the connection over its high water mark and the rest waits.
        assertThat(pendingOutbound(s)).isBetween(128L * 1024, 200L * 1024);
        assertThat(s.isWritable()).isFalse();
        assertThat(in.isWritable()).isFalse();
        assertThat(first.isDone()).isFalse();
        assertThat(writability).contains(false);
        socket.stuck = false;
        s.flush();
        s.runPendingTasks();
        assertThat(first.isSuccess()).isTrue();
        assertThat(in.isWritable()).isTrue();
        assertThat(writability).last().isEqualTo(true);
        long bytes = 0;
        for (String f : drainFrames(s)) {
            String[] parts = f.split("/");
            if (parts[0].equals("0")) {
                bytes += Long.parseLong(parts[3]);
            }
        }
        assertThat(bytes).isEqualTo(200 * 1024);
    }

    @Test
    void configRejectsBadValues() {
        assertThatThrownBy(() -> new YamuxConfig(-1, 1, 1, Duration.ZERO, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
        assertThatThrownBy(() -> new YamuxConfig(1, 1, 300 * 1024, Duration.ZERO, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxDataFrame");
    }
}
