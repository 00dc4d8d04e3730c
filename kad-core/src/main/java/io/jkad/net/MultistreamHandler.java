package io.jkad.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * multistream-select 1.0.0 on one channel (the raw connection, the Noise channel, or a Yamux
 * stream), as the dialer (proposes protocols in order) or the listener (accepts the first
 * proposal it supports).
 *
 * <p>Both roles send the header at once; the dialer sends its first proposal in the same write.
 * On agreement the {@link Outcome} installs the protocol's handlers after this one and this
 * handler removes itself; bytes that arrived after the agreed line (pipelined or lazy peers) are
 * passed on to those handlers, not dropped. {@code ls} is answered with {@code na}. A message
 * longer than 1024 bytes, one without its trailing newline, a bad header or a timeout fails the
 * negotiation; the outcome then decides whether to close or reset the channel.
 *
 * <p>Not sharable: one instance per channel.
 */
final class MultistreamHandler extends ByteToMessageDecoder {

    static final String HEADER = "/multistream/1.0.0";
    static final String NA = "na";
    static final String LS = "ls";
    /** go-multistream's limit on one message (length prefix value). */
    static final int MAX_MESSAGE_LENGTH = 1024;
    /** Proposals a listener answers with {@code na} before giving up. */
    static final int MAX_REFUSALS = 32;

    private static final Logger LOG = LoggerFactory.getLogger(MultistreamHandler.class);

    /** What to do once negotiation ends; called on the channel's event loop. */
    interface Outcome {
        /**
         * The protocol was agreed. Add the protocol's handlers after {@code ctx.name()}; bytes
         * already received for the protocol are passed to them right after this returns.
         */
        void selected(ChannelHandlerContext ctx, String protocol) throws Exception;

        /** Negotiation failed; close or reset the channel. Called at most once. */
        void failed(ChannelHandlerContext ctx, ProtocolNegotiationException cause);
    }

    private enum State { AWAIT_HEADER, AWAIT_REPLY, AWAIT_PROPOSAL, DONE }

    private final boolean dialer;
    private final List<String> proposals;
    private final Predicate<String> supported;
    private final Duration timeout;
    private final Outcome outcome;

    private State state = State.AWAIT_HEADER;
    private int proposalIndex;
    private int refusals;
    private boolean started;
    private ScheduledFuture<?> timeoutTask;

    private MultistreamHandler(boolean dialer, List<String> proposals, Predicate<String> supported,
                               Duration timeout, Outcome outcome) {
        this.dialer = dialer;
        this.proposals = proposals;
        this.supported = supported;
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.outcome = Objects.requireNonNull(outcome, "outcome");
    }

    /**
     * The dialer side, proposing {@code protocols} in order.
     *
     * @throws IllegalArgumentException if {@code protocols} is empty or holds an invalid id
     */
    static MultistreamHandler dialer(List<String> protocols, Duration timeout, Outcome outcome) {
        if (protocols.isEmpty()) {
            throw new IllegalArgumentException("no protocols to propose");
        }
        for (String p : protocols) {
            checkProtocolId(p);
        }
        return new MultistreamHandler(true, List.copyOf(protocols), p -> false, timeout, outcome);
    }

    /** The listener side, accepting the first proposal that {@code supported} accepts. */
    static MultistreamHandler listener(Predicate<String> supported, Duration timeout, Outcome outcome) {
        return new MultistreamHandler(false, List.of(), Objects.requireNonNull(supported, "supported"),
                timeout, outcome);
    }

    /**
     * Checks a protocol id: starts with '/', at most 1000 bytes of UTF-8, no newline.
     *
     * @throws IllegalArgumentException naming the bad id
     */
    static String checkProtocolId(String protocol) {
        Objects.requireNonNull(protocol, "protocol");
        if (!protocol.startsWith("/")) {
            throw new IllegalArgumentException("protocol id must start with '/': " + protocol);
        }
        if (protocol.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("protocol id must not contain a newline: " + protocol);
        }
        if (protocol.getBytes(StandardCharsets.UTF_8).length + 1 > MAX_MESSAGE_LENGTH) {
            throw new IllegalArgumentException("protocol id longer than " + (MAX_MESSAGE_LENGTH - 1)
                    + " bytes: " + protocol.substring(0, 40) + "...");
        }
        return protocol;
    }

    /** Appends one multistream message: {@code uvarint(len) || text || '\n'}. */
    static void writeMessage(ByteBuf out, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        ByteBufVarints.write(out, bytes.length + 1L);
        out.writeBytes(bytes);
        out.writeByte('\n');
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isActive()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        start(ctx);
        super.channelActive(ctx);
    }

    private void start(ChannelHandlerContext ctx) {
        if (started) {
            return;
        }
        started = true;
        ByteBuf out = ctx.alloc().buffer(64);
        writeMessage(out, HEADER);
        if (dialer) {
            writeMessage(out, proposals.get(0));
        }
        ctx.writeAndFlush(out).addListener(f -> {
            if (!f.isSuccess()) {
                fail(ctx, new ProtocolNegotiationException("could not write the multistream header", f.cause()));
            }
        });
        if (!timeout.isZero() && !timeout.isNegative()) {
            timeoutTask = ctx.executor().schedule(
                    () -> fail(ctx, new ProtocolNegotiationException(
                            "multistream-select did not finish within " + timeout.toMillis() + " ms")),
                    timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (state != State.DONE && in.isReadable()) {
            String message;
            try {
                if (state == State.AWAIT_HEADER) {
                    checkHeaderLength(in);
                }
                message = readMessage(in);
            } catch (ProtocolNegotiationException e) {
                fail(ctx, e);
                return;
            }
            if (message == null) {
                return;
            }
            try {
                handle(ctx, message);
            } catch (ProtocolNegotiationException e) {
                fail(ctx, e);
                return;
            }
        }
        if (state == State.DONE && in.isReadable() && !ctx.isRemoved()) {
            // Failed: nothing more is meant for us.
            in.skipBytes(in.readableBytes());
        }
    }

    /** Fails fast when the first message cannot be the header (garbage from a non-libp2p client). */
    private static void checkHeaderLength(ByteBuf in) throws ProtocolNegotiationException {
        int expected = HEADER.length() + 1;
        int first = in.getUnsignedByte(in.readerIndex());
        if (first != expected) {
            throw new ProtocolNegotiationException("expected the multistream header (length " + expected
                    + "), got a message of length byte 0x" + Integer.toHexString(first));
        }
    }

    /** One whole message without its newline, or null when more bytes are needed. */
    private static String readMessage(ByteBuf in) throws ProtocolNegotiationException {
        long length;
        try {
            length = ByteBufVarints.peek(in, 2);
        } catch (IllegalArgumentException e) {
            throw new ProtocolNegotiationException("malformed multistream length prefix: " + e.getMessage());
        }
        if (length == ByteBufVarints.INCOMPLETE) {
            return null;
        }
        if (length > MAX_MESSAGE_LENGTH) {
            throw new ProtocolNegotiationException("multistream message too long: " + length
                    + " bytes, at most " + MAX_MESSAGE_LENGTH);
        }
        if (length == 0) {
            throw new ProtocolNegotiationException("empty multistream message");
        }
        int prefix = ByteBufVarints.size(length);
        if (in.readableBytes() < prefix + length) {
            return null;
        }
        int start = in.readerIndex() + prefix;
        int len = (int) length;
        if (in.getByte(start + len - 1) != '\n') {
            throw new ProtocolNegotiationException("multistream message does not end with a newline");
        }
        String text = in.toString(start, len - 1, StandardCharsets.UTF_8);
        in.skipBytes(prefix + len);
        return text;
    }

    private void handle(ChannelHandlerContext ctx, String message) throws ProtocolNegotiationException {
        switch (state) {
            case AWAIT_HEADER:
                if (!HEADER.equals(message)) {
                    throw new ProtocolNegotiationException("expected multistream header " + HEADER
                            + ", got '" + printable(message) + "'");
                }
                state = dialer ? State.AWAIT_REPLY : State.AWAIT_PROPOSAL;
                return;
            case AWAIT_REPLY:
                String proposed = proposals.get(proposalIndex);
                if (proposed.equals(message)) {
                    succeed(ctx, proposed);
                } else if (NA.equals(message)) {
                    proposalIndex++;
                    if (proposalIndex >= proposals.size()) {
                        throw new ProtocolNegotiationException("remote supports none of " + proposals);
                    }
                    ByteBuf out = ctx.alloc().buffer(32);
                    writeMessage(out, proposals.get(proposalIndex));
                    ctx.writeAndFlush(out);
                } else {
                    throw new ProtocolNegotiationException("unexpected reply to " + proposed + ": '"
                            + printable(message) + "'");
                }
                return;
            case AWAIT_PROPOSAL:
                if (!LS.equals(message) && message.startsWith("/") && supported.test(message)) {
                    ByteBuf out = ctx.alloc().buffer(32);
                    writeMessage(out, message);
                    ctx.writeAndFlush(out);
                    succeed(ctx, message);
                    return;
                }
                if (++refusals > MAX_REFUSALS) {
                    throw new ProtocolNegotiationException("more than " + MAX_REFUSALS + " refused proposals");
                }
                ByteBuf na = ctx.alloc().buffer(4);
                writeMessage(na, NA);
                ctx.writeAndFlush(na);
                return;
            default:
                throw new IllegalStateException("multistream negotiation already ended");
        }
    }

    private void succeed(ChannelHandlerContext ctx, String protocol) {
        state = State.DONE;
        cancelTimeout();
        try {
            outcome.selected(ctx, protocol);
        } catch (Exception e) {
            LOG.debug("setting up {} failed on {}", protocol, ctx.channel(), e);
            outcome.failed(ctx, new ProtocolNegotiationException("setting up " + protocol + " failed: " + e, e));
            return;
        }
        if (!ctx.isRemoved()) {
            ctx.pipeline().remove(this);
        }
    }

    private void fail(ChannelHandlerContext ctx, ProtocolNegotiationException cause) {
        if (state == State.DONE) {
            return;
        }
        state = State.DONE;
        cancelTimeout();
        LOG.debug("multistream-select failed on {}: {}", ctx.channel(), cause.getMessage());
        outcome.failed(ctx, cause);
    }

    private void cancelTimeout() {
        if (timeoutTask != null) {
            timeoutTask.cancel(false);
            timeoutTask = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        fail(ctx, new ProtocolNegotiationException("channel closed during multistream-select",
                new ClosedChannelException()));
        super.channelInactive(ctx);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        cancelTimeout();
    }

    private static String printable(String s) {
        String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        StringBuilder b = new StringBuilder(cut.length());
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            b.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return b.toString();
    }
}
