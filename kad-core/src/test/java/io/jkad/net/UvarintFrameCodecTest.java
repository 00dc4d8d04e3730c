package io.jkad.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.EncoderException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class UvarintFrameCodecTest {

    private static byte[] frames(byte[]... bodies) {
        ByteBuf b = Unpooled.buffer();
        for (byte[] body : bodies) {
            ByteBufVarints.write(b, body.length);
            b.writeBytes(body);
        }
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        b.release();
        return out;
    }

    @Test
    void decodesFramesFedInAwkwardPieces() {
        Random rnd = new Random(1);
        byte[] a = new byte[0];
        byte[] b = new byte[127];
        byte[] c = new byte[128];
        byte[] d = new byte[20_000];
        rnd.nextBytes(b);
        rnd.nextBytes(c);
        rnd.nextBytes(d);
        byte[] wire = frames(a, b, c, d);
        for (int piece : new int[] {7, 127, 129, 1000, wire.length}) {
            EmbeddedChannel ch = new EmbeddedChannel(new UvarintFrameDecoder());
            for (int pos = 0; pos < wire.length; pos += piece) {
                ch.writeInbound(Unpooled.wrappedBuffer(wire, pos, Math.min(piece, wire.length - pos)));
            }
            List<byte[]> got = new ArrayList<>();
            ByteBuf f;
            while ((f = ch.readInbound()) != null) {
                byte[] x = new byte[f.readableBytes()];
                f.readBytes(x);
                f.release();
                got.add(x);
            }
            assertThat(got).containsExactly(a, b, c, d);
            assertThat(ch.finishAndReleaseAll()).isFalse();
        }
    }

    @Test
    void tooLongFrameIsRefusedFromItsPrefixAlone() {
        EmbeddedChannel ch = new EmbeddedChannel(new UvarintFrameDecoder(1000));
        ByteBuf prefix = Unpooled.buffer();
        ByteBufVarints.write(prefix, 1001);
        assertThatThrownBy(() -> ch.writeInbound(prefix)).isInstanceOfSatisfying(FrameException.class,
                e -> assertThat(e.kind()).isEqualTo(FrameException.Kind.TOO_LARGE));
        assertThat(ch.isOpen()).isFalse();
        assertThat(ch.<Object>readInbound()).isNull();
        ch.finishAndReleaseAll();
    }

    @Test
    void frameOfExactlyTheMaximumPasses() {
        EmbeddedChannel ch = new EmbeddedChannel(new UvarintFrameDecoder(1000));
        ch.writeInbound(Unpooled.wrappedBuffer(frames(new byte[1000])));
        ByteBuf f = ch.readInbound();
        assertThat(f.readableBytes()).isEqualTo(1000);
        f.release();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void nonMinimalOrOverlongVarintIsRefused() {
        for (byte[] bad : new byte[][] {{(byte) 0x81, 0x00}, {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
                (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x01}}) {
            EmbeddedChannel ch = new EmbeddedChannel(new UvarintFrameDecoder());
            assertThatThrownBy(() -> ch.writeInbound(Unpooled.wrappedBuffer(bad)))
                    .isInstanceOfSatisfying(FrameException.class,
                            e -> assertThat(e.kind()).isEqualTo(FrameException.Kind.MALFORMED_LENGTH));
            assertThat(ch.isOpen()).isFalse();
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void frameThatNeverCompletesIsRefusedAtItsDeadline() {
        EmbeddedChannel ch = new EmbeddedChannel(new UvarintFrameDecoder(1000, Duration.ofSeconds(10)));
        byte[] wire = frames(new byte[500]);
        ch.writeInbound(Unpooled.wrappedBuffer(wire, 0, 100)); // the prefix and part of the body
        ch.advanceTimeBy(9, java.util.concurrent.TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isTrue();
        ch.writeInbound(Unpooled.wrappedBuffer(wire, 100, 100)); // more bytes do not move the deadline
        ch.advanceTimeBy(1, java.util.concurrent.TimeUnit.SECONDS);
        assertThatThrownBy(() -> {
            ch.runScheduledPendingTasks();
            ch.checkException();
        }).isInstanceOfSatisfying(FrameException.class,
                e -> assertThat(e.kind()).isEqualTo(FrameException.Kind.DEADLINE));
        assertThat(ch.isOpen()).isFalse();
        assertThat(ch.<Object>readInbound()).isNull();
        ch.finishAndReleaseAll();
    }

    @Test
    void eachFrameHasItsOwnDeadlineFromItsFirstByte() {
        EmbeddedChannel ch = new EmbeddedChannel(new UvarintFrameDecoder(1000, Duration.ofSeconds(10)));
        byte[] wire = frames(new byte[300], new byte[300]);
        int firstEnd = wire.length / 2; // both frames have a 2-byte prefix
        ch.writeInbound(Unpooled.wrappedBuffer(wire, 0, 10));
        ch.advanceTimeBy(8, java.util.concurrent.TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        // the first frame completes and the second one starts in the same read
        ch.writeInbound(Unpooled.wrappedBuffer(wire, 10, firstEnd));
        ByteBuf first = ch.readInbound();
        assertThat(first.readableBytes()).isEqualTo(300);
        first.release();
        ch.advanceTimeBy(8, java.util.concurrent.TimeUnit.SECONDS);
        ch.runScheduledPendingTasks(); // 16 s since the first frame began, 8 s since the second did
        assertThat(ch.isOpen()).isTrue();
        ch.writeInbound(Unpooled.wrappedBuffer(wire, 10 + firstEnd, wire.length - 10 - firstEnd));
        ByteBuf second = ch.readInbound();
        assertThat(second.readableBytes()).isEqualTo(300);
        second.release();
        // nothing partial is left: no deadline runs while the stream is between frames
        ch.advanceTimeBy(1, java.util.concurrent.TimeUnit.HOURS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isTrue();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void aPartialLengthPrefixAlsoHasADeadline() {
        EmbeddedChannel ch = new EmbeddedChannel(new UvarintFrameDecoder(1000, Duration.ofSeconds(2)));
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) 0x81})); // a varint that never ends
        ch.advanceTimeBy(2, java.util.concurrent.TimeUnit.SECONDS);
        assertThatThrownBy(() -> {
            ch.runScheduledPendingTasks();
            ch.checkException();
        }).isInstanceOf(FrameException.class);
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void negativeMaximumIsRejected() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new UvarintFrameDecoder(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new UvarintFrameEncoder(-5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-5");
    }

    @Test
    void encoderPrefixesTheLengthAndRoundTrips() {
        EmbeddedChannel enc = new EmbeddedChannel(new UvarintFrameEncoder());
        byte[] body = new byte[300];
        new Random(3).nextBytes(body);
        enc.writeOutbound(Unpooled.wrappedBuffer(body));
        EmbeddedChannel dec = new EmbeddedChannel(new UvarintFrameDecoder());
        ByteBuf part;
        ByteBuf wire = Unpooled.buffer();
        while ((part = enc.readOutbound()) != null) {
            wire.writeBytes(part);
            part.release();
        }
        assertThat((int) wire.getUnsignedByte(0)).isEqualTo(0xAC);
        assertThat((int) wire.getUnsignedByte(1)).isEqualTo(0x02);
        dec.writeInbound(wire);
        ByteBuf f = dec.readInbound();
        byte[] got = new byte[f.readableBytes()];
        f.readBytes(got);
        f.release();
        assertThat(got).isEqualTo(body);
        assertThat(enc.finishAndReleaseAll()).isFalse();
        assertThat(dec.finishAndReleaseAll()).isFalse();
    }

    @Test
    void encoderRefusesAnOversizedMessage() {
        EmbeddedChannel enc = new EmbeddedChannel(new UvarintFrameEncoder(10));
        ByteBuf big = Unpooled.wrappedBuffer(new byte[11]);
        assertThat(enc.writeOneOutbound(big).cause()).isInstanceOf(EncoderException.class)
                .hasMessageContaining("11 bytes");
        enc.finishAndReleaseAll();
    }

    /** On a Yamux stream, an oversized frame resets that stream only. */
    @Test
    void oversizedFrameOnAStreamResetsTheStreamAndKeepsTheConnection() {
        List<YamuxStreamChannel> inbound = new ArrayList<>();
        EmbeddedChannel s = new EmbeddedChannel(new YamuxHandler(false,
                YamuxConfig.DEFAULT.withKeepAlive(Duration.ZERO, Duration.ofSeconds(1)), stream -> {
                    inbound.add(stream);
                    stream.pipeline().addLast(new UvarintFrameDecoder(100));
                }));
        s.writeInbound(YamuxHandlerTest.frame(YamuxHandler.TYPE_WINDOW_UPDATE, YamuxHandler.FLAG_SYN, 1, 0));
        byte[] prefix = {(byte) 0xC8, 0x01}; // 200
        s.writeInbound(Unpooled.wrappedBuffer(YamuxHandlerTest.frame(YamuxHandler.TYPE_DATA, 0, 1, 2),
                Unpooled.wrappedBuffer(prefix)));
        assertThat(YamuxHandlerTest.drainFrames(s)).containsExactly("1/2/1/0", "1/8/1/0");
        assertThat(inbound.get(0).isOpen()).isFalse();
        assertThat(s.isOpen()).isTrue();
        s.writeInbound(YamuxHandlerTest.frame(YamuxHandler.TYPE_WINDOW_UPDATE, YamuxHandler.FLAG_SYN, 3, 0));
        assertThat(inbound).hasSize(2);
        s.finishAndReleaseAll();
    }
}
