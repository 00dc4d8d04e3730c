package io.jkad.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MultistreamHandlerTest {

    private static final HexFormat HEX = HexFormat.of();
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    /** Records the outcome and installs a pass-through collector for the protocol's bytes. */
    static final class Recorder implements MultistreamHandler.Outcome {
        String selected;
        ProtocolNegotiationException failure;
        final ByteBuf after = Unpooled.buffer();

        @Override
        public void selected(ChannelHandlerContext ctx, String protocol) {
            selected = protocol;
            ctx.pipeline().addAfter(ctx.name(), "collector", new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext c, Object msg) {
                    ByteBuf b = (ByteBuf) msg;
                    after.writeBytes(b);
                    b.release();
                }
            });
        }

        @Override
        public void failed(ChannelHandlerContext ctx, ProtocolNegotiationException cause) {
            failure = cause;
            ctx.close();
        }

        String afterText() {
            return after.toString(StandardCharsets.UTF_8);
        }
    }

    private static byte[] msg(String text) {
        ByteBuf b = Unpooled.buffer();
        MultistreamHandler.writeMessage(b, text);
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        b.release();
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int o = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }

    private static byte[] drainOutbound(EmbeddedChannel ch) {
        ByteBuf all = Unpooled.buffer();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            all.writeBytes(b);
            b.release();
        }
        byte[] out = new byte[all.readableBytes()];
        all.readBytes(out);
        all.release();
        return out;
    }

    /** Feeds bytes in pieces of the given sizes (cycled). */
    private static void feed(EmbeddedChannel ch, byte[] data, int... pieces) {
        int pos = 0;
        int i = 0;
        while (pos < data.length) {
            int n = Math.min(pieces[i++ % pieces.length], data.length - pos);
            ch.writeInbound(Unpooled.wrappedBuffer(data, pos, n));
            pos += n;
        }
    }

    @Test
    void wireFormatMatchesTheSpec() {
        assertThat(HEX.formatHex(msg("/multistream/1.0.0"))).isEqualTo("132f6d756c746973747265616d2f312e302e300a");
        assertThat(HEX.formatHex(msg("na"))).isEqualTo("036e610a");
        assertThat(HEX.formatHex(msg("ls"))).isEqualTo("036c730a");
        assertThat(HEX.formatHex(msg("/ipfs/kad/1.0.0"))).isEqualTo("102f697066732f6b61642f312e302e300a");
    }

    @Test
    void dialerPipelinesHeaderAndProposalAndAcceptsTheEcho() {
        Recorder r = new Recorder();
        EmbeddedChannel ch = new EmbeddedChannel(MultistreamHandler.dialer(List.of("/noise"), TIMEOUT, r));
        assertThat(drainOutbound(ch)).isEqualTo(concat(msg("/multistream/1.0.0"), msg("/noise")));
        // Echo plus application bytes in the same read, split awkwardly.
        byte[] reply = concat(msg("/multistream/1.0.0"), msg("/noise"), "hello".getBytes(StandardCharsets.UTF_8));
        for (int split = 1; split < 4; split++) {
            Recorder rr = new Recorder();
            EmbeddedChannel c = new EmbeddedChannel(MultistreamHandler.dialer(List.of("/noise"), TIMEOUT, rr));
            drainOutbound(c);
            feed(c, reply, split, 7, 1);
            assertThat(rr.selected).isEqualTo("/noise");
            assertThat(rr.afterText()).isEqualTo("hello");
            assertThat(c.pipeline().get(MultistreamHandler.class)).isNull();
            assertThat(c.finishAndReleaseAll()).isFalse();
            rr.after.release();
        }
        ch.finishAndReleaseAll();
        r.after.release();
    }

    @Test
    void dialerMovesToTheNextProposalAfterNa() {
        Recorder r = new Recorder();
        EmbeddedChannel ch = new EmbeddedChannel(MultistreamHandler.dialer(List.of("/tls/1.0.0", "/noise"), TIMEOUT, r));
        drainOutbound(ch);
        ch.writeInbound(Unpooled.wrappedBuffer(concat(msg("/multistream/1.0.0"), msg("na"))));
        assertThat(drainOutbound(ch)).isEqualTo(msg("/noise"));
        ch.writeInbound(Unpooled.wrappedBuffer(msg("/noise")));
        assertThat(r.selected).isEqualTo("/noise");
        ch.finishAndReleaseAll();
        r.after.release();
    }

    @Test
    void dialerFailsWhenEveryProposalIsRefused() {
        Recorder r = new Recorder();
        EmbeddedChannel ch = new EmbeddedChannel(MultistreamHandler.dialer(List.of("/a", "/b"), TIMEOUT, r));
        drainOutbound(ch);
        ch.writeInbound(Unpooled.wrappedBuffer(concat(msg("/multistream/1.0.0"), msg("na"), msg("na"))));
        assertThat(r.selected).isNull();
        assertThat(r.failure).hasMessageContaining("none of [/a, /b]");
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
        r.after.release();
    }

    @Test
    void listenerAcceptsPipelinedProposalAndPassesOnTheDataBehindIt() {
        byte[] input = concat(msg("/multistream/1.0.0"), msg("/ipfs/kad/1.0.0"),
                "request-bytes".getBytes(StandardCharsets.UTF_8));
        for (int split = 1; split <= input.length; split += 5) {
            Recorder r = new Recorder();
            EmbeddedChannel ch = new EmbeddedChannel(MultistreamHandler.listener(
                    Set.of("/ipfs/kad/1.0.0")::contains, TIMEOUT, r));
            feed(ch, input, split, 1, 3);
            assertThat(r.selected).isEqualTo("/ipfs/kad/1.0.0");
            assertThat(r.afterText()).isEqualTo("request-bytes");
            assertThat(drainOutbound(ch)).isEqualTo(concat(msg("/multistream/1.0.0"), msg("/ipfs/kad/1.0.0")));
            assertThat(ch.finishAndReleaseAll()).isFalse();
            r.after.release();
        }
    }

    @Test
    void listenerAnswersNaToUnknownProtocolsAndToLs() {
        Recorder r = new Recorder();
        EmbeddedChannel ch = new EmbeddedChannel(MultistreamHandler.listener(Set.of("/noise")::contains, TIMEOUT, r));
        assertThat(drainOutbound(ch)).isEqualTo(msg("/multistream/1.0.0"));
        ch.writeInbound(Unpooled.wrappedBuffer(concat(msg("/multistream/1.0.0"), msg("ls"), msg("/tls/1.0.0"))));
        assertThat(drainOutbound(ch)).isEqualTo(concat(msg("na"), msg("na")));
        assertThat(r.selected).isNull();
        assertThat(r.failure).isNull();
        ch.writeInbound(Unpooled.wrappedBuffer(msg("/noise")));
        assertThat(drainOutbound(ch)).isEqualTo(msg("/noise"));
        assertThat(r.selected).isEqualTo("/noise");
        ch.finishAndReleaseAll();
        r.after.release();
    }

    @Test
    void oversizedMessageIsRejectedWithoutWaitingForIt() {
        Recorder r = new Recorder();
        EmbeddedChannel ch = new EmbeddedChannel(MultistreamHandler.listener(p -> true, TIMEOUT, r));
        drainOutbound(ch);
        // Length prefix 1025 (0x81 0x08), body never sent.
        ch.writeInbound(Unpooled.wrappedBuffer(concat(msg("/multistream/1.0.0"), new byte[] {(byte) 0x81, 0x08})));
        assertThat(r.failure).hasMessageContaining("too long: 1025");
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
        r.after.release();
    }

    @Test
    void messageWithoutNewlineIsRejected() {
        Recorder r = new Recorder();
        EmbeddedChannel ch = new EmbeddedChannel(MultistreamHandler.listener(p -> true, TIMEOUT, r));
        drainOutbound(ch);
        byte[] bad = {0x05, '/', 'a', 'b', 'c', 'd'};
        ch.writeInbound(Unpooled.wrappedBuffer(concat(msg("/multistream/1.0.0"), bad)));
        assertThat(r.failure).hasMessageContaining("newline");
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
        r.after.release();
    }

    @Test
    void garbageInsteadOfTheHeaderFails() {
        Recorder r = new Recorder();
        EmbeddedChannel ch = new EmbeddedChannel(MultistreamHandler.listener(p -> true, TIMEOUT, r));
        drainOutbound(ch);
        ch.writeInbound(Unpooled.wrappedBuffer("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(r.failure).isNotNull();
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
        r.after.release();
    }

    @Test
    void wrongHeaderFails() {
        Recorder r = new Recorder();
        EmbeddedChannel ch = new EmbeddedChannel(MultistreamHandler.dialer(List.of("/noise"), TIMEOUT, r));
        drainOutbound(ch);
        ch.writeInbound(Unpooled.wrappedBuffer(msg("/multistream/2.0.0")));
        assertThat(r.failure).hasMessageContaining("expected multistream header");
        ch.finishAndReleaseAll();
        r.after.release();
    }

    @Test
    void negotiationTimesOut() {
        Recorder r = new Recorder();
        EmbeddedChannel ch = new EmbeddedChannel(MultistreamHandler.listener(p -> true, Duration.ofSeconds(2), r));
        drainOutbound(ch);
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x13, '/', 'm'}));
        ch.advanceTimeBy(1, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(r.failure).isNull();
        ch.advanceTimeBy(2, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(r.failure).hasMessageContaining("did not finish within 2000 ms");
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
        r.after.release();
    }

    @Test
    void closingTheChannelDuringNegotiationReportsFailure() {
        Recorder r = new Recorder();
        EmbeddedChannel ch = new EmbeddedChannel(MultistreamHandler.dialer(List.of("/noise"), TIMEOUT, r));
        drainOutbound(ch);
        ch.close();
        assertThat(r.failure).hasMessageContaining("closed");
        ch.finishAndReleaseAll();
        r.after.release();
    }

    @Test
    void invalidProtocolIdsAreRejected() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MultistreamHandler.checkProtocolId("kad"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kad");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MultistreamHandler.checkProtocolId("/a\nb"))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> MultistreamHandler.dialer(List.of(), TIMEOUT, new Recorder()))
                .isInstanceOf(IllegalArgumentException.class);
        List<String> none = new ArrayList<>();
        none.add("/" + "x".repeat(1100));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MultistreamHandler.dialer(none, TIMEOUT, new Recorder()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
