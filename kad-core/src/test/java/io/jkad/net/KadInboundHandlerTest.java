package io.jkad.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.protocol.KadCodec;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.jkad.record.RecordKey;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link KadInboundHandler} on a real inbound Yamux stream over a pair of in-memory sessions, with
 * the frame decoder and encoder in front of it as the node installs them: requests are handed on
 * and answered, and bad input (an oversized frame, a garbled message, too many requests sent ahead)
 * resets that stream alone.
 */
class KadInboundHandlerTest {

    private static final YamuxConfig CONFIG = YamuxConfig.DEFAULT.withKeepAlive(Duration.ZERO, Duration.ofSeconds(30));
    private static final int MAX_REQUEST = 1024;
    private static final KadCodec CODEC = KadCodec.defaults();

    private final List<KadRequest> received = new ArrayList<>();
    private final List<KadInboundHandler> handlers = new ArrayList<>();
    private final List<Throwable> errors = new ArrayList<>();
    private EmbeddedChannel client;
    private EmbeddedChannel server;

    @BeforeEach
    void pair() {
        client = new EmbeddedChannel(new YamuxHandler(true, CONFIG, s -> { }));
        server = new EmbeddedChannel(new YamuxHandler(false, CONFIG, stream -> stream.pipeline().addLast(
                new UvarintFrameDecoder(MAX_REQUEST),
                new UvarintFrameEncoder(CODEC.maxMessageSize()),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        errors.add(cause); // and on to the handler under test
                        ctx.fireExceptionCaught(cause);
                    }
                },
                new KadInboundHandler(CODEC, Clock.systemUTC(), Duration.ofSeconds(30), (h, source, request) -> {
                    handlers.add(h);
                    received.add(request);
                }))));
    }

    @AfterEach
    void release() {
        client.finishAndReleaseAll();
        server.finishAndReleaseAll();
    }

    /** The client's end of a stream: keeps what it reads and whether it was reset. */
    private static final class ClientEnd extends ChannelInboundHandlerAdapter {
        final List<byte[]> frames = new ArrayList<>();
        boolean reset;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            frames.add(ByteBufUtil.getBytes((ByteBuf) msg));
            ((ByteBuf) msg).release();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof StreamResetEvent) {
                reset = true;
            }
            ctx.fireUserEventTriggered(evt);
        }
    }

    private YamuxStreamChannel open(ClientEnd end) {
        YamuxStreamChannel out = client.pipeline().get(YamuxHandler.class).openStream(end);
        out.pipeline().addFirst(new UvarintFrameDecoder(CODEC.maxMessageSize()));
        return out;
    }

    private static ByteBuf frame(byte[] body) {
        ByteBuf buf = Unpooled.buffer();
        ByteBufVarints.write(buf, body.length);
        return buf.writeBytes(body);
    }

    private void send(YamuxStreamChannel out, KadRequest request) {
        out.writeAndFlush(frame(CODEC.encodeRequest(request, Clock.systemUTC().instant())));
        NoiseHandlerTest.pump(client, server, 1000);
    }

    @Test
    void aRequestIsHandedOnAndItsAnswerWrittenThenTheNextOne() throws Exception {
        ClientEnd end = new ClientEnd();
        YamuxStreamChannel out = open(end);
        RecordKey first = RecordKey.ofUtf8("first");
        RecordKey second = RecordKey.ofUtf8("second");
        send(out, new KadRequest.FindNode(first));
        send(out, new KadRequest.GetProviders(second));

        // One at a time: the second waits until the first is answered.
        assertThat(received).containsExactly(new KadRequest.FindNode(first));
        handlers.get(0).respond(new KadResponse.FindNode(List.of()));
        NoiseHandlerTest.pump(client, server, 1000);

        assertThat(end.frames).hasSize(1);
        assertThat(CODEC.decodeResponse(end.frames.get(0), new KadRequest.FindNode(first), Clock.systemUTC().instant()))
                .isEqualTo(new KadResponse.FindNode(List.of()));
        assertThat(received).containsExactly(new KadRequest.FindNode(first), new KadRequest.GetProviders(second));
        assertThat(end.reset).isFalse();
        assertThat(out.isActive()).isTrue();
    }

    @Test
    void anOversizedFrameIsATypedErrorAndResetsThatStreamAlone() {
        ClientEnd bystander = new ClientEnd();
        YamuxStreamChannel honest = open(bystander);
        ClientEnd end = new ClientEnd();
        YamuxStreamChannel out = open(end);

        out.writeAndFlush(frame(new byte[MAX_REQUEST + 1]));
        NoiseHandlerTest.pump(client, server, 1000);

        assertThat(errors).singleElement().isInstanceOfSatisfying(FrameException.class,
                e -> assertThat(e.kind()).isEqualTo(FrameException.Kind.TOO_LARGE));
        assertThat(end.reset).isTrue();
        assertThat(out.isActive()).isFalse();
        assertThat(received).isEmpty();

        // The other stream of the connection still gets its request answered.
        RecordKey key = RecordKey.ofUtf8("after");
        send(honest, new KadRequest.FindNode(key));
        assertThat(received).containsExactly(new KadRequest.FindNode(key));
        handlers.get(0).respond(new KadResponse.FindNode(List.of()));
        NoiseHandlerTest.pump(client, server, 1000);
        assertThat(bystander.frames).hasSize(1);
        assertThat(bystander.reset).isFalse();
    }

    @Test
    void aGarbledMessageResetsTheStreamAndIsNotHandedOn() {
        ClientEnd end = new ClientEnd();
        YamuxStreamChannel out = open(end);

        out.writeAndFlush(frame(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01, 0x02}));
        NoiseHandlerTest.pump(client, server, 1000);

        assertThat(end.reset).isTrue();
        assertThat(out.isActive()).isFalse();
        assertThat(received).isEmpty();
    }

    /**
     * Requests pipelined far ahead of the answers, one write each: the stream stops being read while
     * {@value KadInboundHandler#PAUSE_READING_AT} wait, the rest stay in the window, and every one is
     * handed on in turn as the answers go; none is lost and the stream is not reset.
     */
    @Test
    void requestsSentFarAheadWaitInTheWindowAndAreServedInTurn() {
        ClientEnd end = new ClientEnd();
        YamuxStreamChannel out = open(end);
        int total = 5 * KadInboundHandler.PAUSE_READING_AT;
        for (int i = 0; i < total; i++) {
            send(out, new KadRequest.FindNode(RecordKey.ofUtf8("ahead " + i)));
        }
        assertThat(end.reset).isFalse();
        assertThat(received).hasSize(1);
        for (int answered = 0; answered < total; answered++) {
            assertThat(received).as("handed on in turn").hasSize(answered + 1);
            handlers.get(answered).respond(new KadResponse.FindNode(List.of()));
            NoiseHandlerTest.pump(client, server, 1000);
        }
        assertThat(received).extracting(r -> ((KadRequest.FindNode) r).key())
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, total)
                        .mapToObj(i -> RecordKey.ofUtf8("ahead " + i)).toList());
        assertThat(end.frames).hasSize(total);
        assertThat(end.reset).isFalse();
    }

    /**
     * A flood packed into one read is decoded at once, pause or not: one in hand and
     * {@value KadInboundHandler#MAX_QUEUED_REQUESTS} behind it keep the stream; one more resets it.
     */
    @Test
    void tooManyRequestsPackedIntoOneReadResetTheStream() {
        RecordKey key = RecordKey.ofUtf8("f");

        ClientEnd kept = new ClientEnd();
        YamuxStreamChannel first = open(kept);
        ByteBuf most = Unpooled.buffer();
        for (int i = 0; i <= KadInboundHandler.MAX_QUEUED_REQUESTS; i++) {
            most.writeBytes(frame(CODEC.encodeRequest(new KadRequest.FindNode(key), Clock.systemUTC().instant())));
        }
        first.writeAndFlush(most);
        NoiseHandlerTest.pump(client, server, 1000);
        assertThat(kept.reset).isFalse();
        assertThat(received).hasSize(1);

        ClientEnd end = new ClientEnd();
        YamuxStreamChannel out = open(end);
        ByteBuf flood = Unpooled.buffer();
        for (int i = 0; i <= KadInboundHandler.MAX_QUEUED_REQUESTS + 1; i++) {
            flood.writeBytes(frame(CODEC.encodeRequest(new KadRequest.FindNode(key), Clock.systemUTC().instant())));
        }
        out.writeAndFlush(flood);
        NoiseHandlerTest.pump(client, server, 1000);
        assertThat(end.reset).isTrue();
        assertThat(out.isActive()).isFalse();
        assertThat(received).hasSize(2);
        handlers.remove(0);
        received.remove(0);
        // Answering the one in hand after the reset writes nothing and hands on none of the queued ones.
        handlers.get(0).respond(new KadResponse.FindNode(List.of()));
        NoiseHandlerTest.pump(client, server, 1000);
        assertThat(end.frames).isEmpty();
        assertThat(received).hasSize(1);
    }
}
