package io.jkad.net;

import io.jkad.protocol.KadCodec;
import io.jkad.protocol.KadProtocolException;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A hand-driven {@code /ipfs/kad/1.0.0} client stream over a plain {@link Host}: writes requests
 * (or raw bytes) and records what comes back, frames and stream events, in order. Test code.
 */
final class RawKadStream implements AutoCloseable {

    static final String KAD = "/ipfs/kad/1.0.0";
    /** Stream events, in the queue beside the frames. */
    static final String FIN = "FIN";
    static final String RESET = "RESET";
    static final String CLOSED = "CLOSED";

    private final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
    private final KadCodec codec = KadCodec.defaults();
    private StreamChannel stream;

    private RawKadStream() {}

    /** Opens a Kademlia stream to {@code peer} on {@code host}'s connection to it. */
    static RawKadStream open(Host host, io.jkad.identity.PeerId peer) throws Exception {
        RawKadStream s = new RawKadStream();
        s.stream = host.openStream(peer, KAD, ch -> ch.pipeline().addLast(
                new UvarintFrameDecoder(), new UvarintFrameEncoder(), s.new Collector()))
                .get(10, TimeUnit.SECONDS);
        return s;
    }

    StreamChannel channel() {
        return stream;
    }

    void send(KadRequest request) throws Exception {
        stream.writeAndFlush(Unpooled.wrappedBuffer(codec.encodeRequest(request, Instant.now())))
                .get(10, TimeUnit.SECONDS);
    }

    /** Writes {@code bytes} as they are, without a length prefix. */
    void sendRaw(byte[] bytes) throws Exception {
        stream.pipeline().context(UvarintFrameDecoder.class).writeAndFlush(Unpooled.wrappedBuffer(bytes))
                .get(10, TimeUnit.SECONDS);
    }

    /** The next frame, or throws if an event (FIN, RESET, CLOSED) or nothing comes within 10 s. */
    byte[] nextFrame() throws InterruptedException {
        Object o = received.poll(10, TimeUnit.SECONDS);
        if (o instanceof byte[] b) {
            return b;
        }
        throw new AssertionError("expected a frame, got " + o);
    }

    <R extends KadResponse> R call(KadRequest request, Class<R> type) throws Exception {
        send(request);
        return type.cast(decode(nextFrame(), request));
    }

    KadResponse decode(byte[] frame, KadRequest request) throws KadProtocolException {
        return codec.decodeResponse(frame, request, Instant.now());
    }

    /** The next event or frame within {@code seconds}; null if none. */
    Object next(long seconds) throws InterruptedException {
        return received.poll(seconds, TimeUnit.SECONDS);
    }

    void halfClose() throws Exception {
        stream.shutdownOutput().get(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        stream.close();
    }

    private final class Collector extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                received.add(ByteBufUtil.getBytes((ByteBuf) msg));
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                received.add(FIN);
            } else if (evt instanceof StreamResetEvent) {
                received.add(RESET);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            received.add(CLOSED);
        }
    }
}
