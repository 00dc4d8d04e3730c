package io.jkad.net;

import io.jkad.identity.PeerKeys;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.net.pb.IdentifyProto.Identify;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Identify ({@code /ipfs/id/1.0.0}) and Identify Push ({@code /ipfs/id/push/1.0.0}): the message,
 * the responder (writes our message and half-closes) and the reader (merges up to 10
 * length-prefixed parts until the remote half-closes).
 */
final class IdentifyProtocol {

    static final String ID = "/ipfs/id/1.0.0";
    static final String PUSH = "/ipfs/id/push/1.0.0";
    static final String PROTOCOL_VERSION = "ipfs/0.1.0";
    /** What we send stays under rust-libp2p's 4096-byte read limit. */
    static final int MAX_SEND = 4096;
    /** The largest part we read (go and js: 8 KiB). */
    static final int MAX_PART = 8192;
    /** The most parts merged into one message (go and js). */
    static final int MAX_PARTS = 10;
    /**
     * The most listen addresses taken from one message (the first ones, the peer's order): as many
     * as the routing table keeps for a peer ({@link io.jkad.routing.Addresses#DEFAULT_MAX_SIZE}),
     * since more would only push the others out. go-libp2p takes 500; ten 8 KiB parts can carry
     * 7,000 and more.
     */
    static final int MAX_LISTEN_ADDRESSES = io.jkad.routing.Addresses.DEFAULT_MAX_SIZE;

    private static final Logger LOG = LoggerFactory.getLogger(IdentifyProtocol.class);

    private IdentifyProtocol() {}

    /**
     * Our Identify message, trimmed to stay under {@link #MAX_SEND} bytes with its length prefix
     * (listen addresses are dropped from the end first).
     */
    static Identify message(Ed25519KeyPair identity, String agentVersion, List<Multiaddr> listenAddresses,
                            Multiaddr observed, Collection<String> protocols) {
        List<Multiaddr> addrs = new ArrayList<>(listenAddresses);
        while (true) {
            Identify.Builder b = Identify.newBuilder()
                    .setProtocolVersion(PROTOCOL_VERSION)
                    .setAgentVersion(agentVersion)
                    .setPublicKey(ByteString.copyFrom(identity.publicKey().encodeProtobuf()));
            for (Multiaddr a : addrs) {
                b.addListenAddrs(ByteString.copyFrom(a.toBytes()));
            }
            if (observed != null) {
                b.setObservedAddr(ByteString.copyFrom(observed.toBytes()));
            }
            b.addAllProtocols(protocols);
            Identify m = b.build();
            int size = m.getSerializedSize();
            if (size + ByteBufVarints.size(size) < MAX_SEND || addrs.isEmpty()) {
                return m;
            }
            addrs.remove(addrs.size() - 1);
        }
    }

    /**
     * What a remote's message says, merged over {@code previous} for a push (absent fields keep
     * their previous value). At most {@link #MAX_LISTEN_ADDRESSES} listen addresses are taken.
     *
     * @throws IllegalArgumentException if the message's public key is not the connection's peer
     */
    static IdentifyInfo toInfo(Identify m, PeerId remote, IdentifyInfo previous) {
        if (m.hasPublicKey()) {
            byte[] key = m.getPublicKey().toByteArray();
            // remote was authenticated with a key that decoded; the same bytes need no second decoding
            PeerId claimed = remote.inlines(key) ? remote : PeerKeys.decode(key).peerId();
            if (!claimed.equals(remote)) {
                throw new IllegalArgumentException("identify public key belongs to " + claimed + ", not " + remote);
            }
        }
        String protocolVersion = m.hasProtocolVersion() ? m.getProtocolVersion()
                : previous != null ? previous.protocolVersion() : "";
        String agent = m.hasAgentVersion() ? m.getAgentVersion() : previous != null ? previous.agentVersion() : "";
        List<Multiaddr> listen;
        if (m.getListenAddrsCount() > 0 || previous == null) {
            listen = new ArrayList<>();
            for (ByteString bs : m.getListenAddrsList()) {
                if (listen.size() == MAX_LISTEN_ADDRESSES) {
                    LOG.debug("identify from {} lists {} addresses; keeping the first {}", remote,
                            m.getListenAddrsCount(), MAX_LISTEN_ADDRESSES);
                    break;
                }
                decodeAddress(bs).ifPresent(listen::add);
            }
        } else {
            listen = previous.listenAddresses();
        }
        Optional<Multiaddr> observed = m.hasObservedAddr() ? decodeAddress(m.getObservedAddr())
                : previous != null ? previous.observedAddress() : Optional.empty();
        List<String> protocols = m.getProtocolsCount() > 0 || previous == null ? m.getProtocolsList()
                : previous.protocols();
        return new IdentifyInfo(remote, protocolVersion, agent, listen, observed, protocols);
    }

    /** A received address without a trailing {@code /p2p/…} (js appends it to the observed address). */
    private static Optional<Multiaddr> decodeAddress(ByteString bs) {
        try {
            return Multiaddr.tryFromBytes(bs.toByteArray()).map(Multiaddr::withoutPeerId);
        } catch (IllegalArgumentException e) {
            LOG.debug("skipping a malformed address in identify: {}", e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * Writes {@code message} length-prefixed, half-closes, and closes once the remote is done (or
     * after {@code linger}, so a remote that never closes its side does not hold the stream).
     */
    static final class ResponderHandler extends ChannelInboundHandlerAdapter {
        private final Identify message;
        private final Duration linger;

        ResponderHandler(Identify message, Duration linger) {
            this.message = message;
            this.linger = linger;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            byte[] body = message.toByteArray();
            ByteBuf out = ctx.alloc().buffer(body.length + 3);
            ByteBufVarints.write(out, body.length);
            out.writeBytes(body);
            ctx.writeAndFlush(out);
            ((StreamChannel) ctx.channel()).shutdownOutput();
            ScheduledFuture<?> lingerTask = ctx.executor().schedule(() -> {
                ctx.close();
            }, linger.toNanos(), TimeUnit.NANOSECONDS);
            ctx.channel().closeFuture().addListener(f -> lingerTask.cancel(false));
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                ctx.close();
            }
        }
    }

    /**
     * Reads length-prefixed Identify parts (after an {@link UvarintFrameDecoder}) and merges
     * them until the remote half-closes, {@link #MAX_PARTS} parts arrived, or the timeout passes
     * with at least one part; then hands the merged message on and closes the stream.
     */
    static final class ReaderHandler extends ChannelInboundHandlerAdapter {
        private final Duration timeout;
        private final Consumer<Identify> onMessage;
        private final Consumer<Throwable> onFailure;
        private final Identify.Builder merged = Identify.newBuilder();
        private int parts;
        private boolean done;
        private ScheduledFuture<?> timeoutTask;

        ReaderHandler(Duration timeout, Consumer<Identify> onMessage, Consumer<Throwable> onFailure) {
            this.timeout = timeout;
            this.onMessage = onMessage;
            this.onFailure = onFailure;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            timeoutTask = ctx.executor().schedule(() -> finish(ctx, "timed out after " + timeout.toMillis() + " ms"),
                    timeout.toNanos(), TimeUnit.NANOSECONDS);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            try {
                if (done) {
                    return;
                }
                merged.mergeFrom(ByteBufUtil.getBytes(frame));
                parts++;
            } catch (InvalidProtocolBufferException e) {
                fail(ctx, new IllegalArgumentException("malformed identify message: " + e.getMessage(), e));
                return;
            } finally {
                frame.release();
            }
            if (parts >= MAX_PARTS) {
                finish(ctx, null);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                finish(ctx, "the remote closed the stream");
            } else if (evt instanceof StreamResetEvent) {
                finish(ctx, "the remote reset the stream");
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            finish(ctx, "the stream closed");
        }

        /** Hands on what was read; with nothing read, {@code why} explains the failure. */
        private void finish(ChannelHandlerContext ctx, String why) {
            if (done) {
                return;
            }
            if (parts == 0) {
                fail(ctx, new StreamResetException("no identify message: " + why));
                return;
            }
            done = true;
            cancelTimeout();
            ctx.close();
            onMessage.accept(merged.build());
        }

        private void fail(ChannelHandlerContext ctx, Throwable cause) {
            if (done) {
                return;
            }
            done = true;
            cancelTimeout();
            if (ctx.channel() instanceof StreamChannel) {
                ((StreamChannel) ctx.channel()).reset();
            } else {
                ctx.close();
            }
            onFailure.accept(cause);
        }

        private void cancelTimeout() {
            if (timeoutTask != null) {
                timeoutTask.cancel(false);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(ctx, cause);
        }
    }
}
