package io.jkad.net;

import io.jkad.identity.PeerId;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Yamux session ({@code /yamux/1.0.0}, the hashicorp spec) on a secured connection: decodes
 * frames, keeps the stream table and hands each stream out as a {@link YamuxStreamChannel}.
 *
 * <p>Frames: a 12-byte big-endian header (version 0, type, flags, stream id, length); types Data,
 * Window Update, Ping, Go Away; flags SYN, ACK, FIN, RST. The connection's dialer (client) opens
 * odd stream ids, the listener even ones. Every stream starts with a 256 KiB window each way; we
 * never send more data than the remote's window and grant window back as the stream's pipeline
 * consumes data. Inbound streams beyond {@link YamuxConfig#maxInboundStreams()} are reset. We
 * answer pings at once and send our own every keep-alive interval, closing the connection when one
 * goes unanswered. A protocol violation (bad version, unknown type, a stream id of our parity
 * opened by the remote, a duplicate SYN, data beyond the window, a frame for a stream that never
 * existed) sends Go Away (protocol error) and closes the connection, logging the reason. Frames
 * for streams that existed and have ended are dropped.
 *
 * <p>Resources and back-pressure: every stream gets a {@link ResourceManager.StreamScope} from
 * the connection's scope (an inbound stream the scope refuses is reset, an outbound one fails to
 * open), its buffered data is reserved there (see {@link YamuxStreamChannel}), and the scope is
 * closed when the stream has left the table and its channel has closed. Any frame may make us
 * write (an ACK, a pong, a window update, a stream's answer), so while the connection is
 * unwritable (its outbound buffer above the high water mark, {@link YamuxConfig#WRITE_BUFFER_WATER_MARK})
 * no frame is decoded and the socket is not read: a remote that sends without reading is held in
 * its own TCP buffers. If it stays unwritable for {@link YamuxConfig#writeStallTimeout()} the
 * connection is closed.
 *
 * <p>All state is confined to the connection's event loop. Not sharable.
 *
 * <p>Why one class of this length: it is the Yamux session of the spec, whose frame parsing,
 * stream table, session windows and Go Away all change the same state on one event loop; the
 * per-stream half lives in {@link YamuxStreamChannel}, our keep-alive pings in {@link YamuxKeepAlive}.
 */
final class YamuxHandler extends ByteToMessageDecoder {

    static final String PROTOCOL_ID = "/yamux/1.0.0";
    static final int HEADER_LENGTH = 12;

    static final int TYPE_DATA = 0;
    static final int TYPE_WINDOW_UPDATE = 1;
    static final int TYPE_PING = 2;
    static final int TYPE_GO_AWAY = 3;

    static final int FLAG_SYN = 0x1;
    static final int FLAG_ACK = 0x2;
    static final int FLAG_FIN = 0x4;
    static final int FLAG_RST = 0x8;

    static final int GO_AWAY_NORMAL = 0;
    static final int GO_AWAY_PROTOCOL_ERROR = 1;
    static final int GO_AWAY_INTERNAL_ERROR = 2;

    private static final long MAX_STREAM_ID = 0xFFFF_FFFFL;
    private static final Logger LOG = LoggerFactory.getLogger(YamuxHandler.class);

    /** Session events for the owner of the connection; called on the event loop. */
    interface Listener {
        /**
         * The remote opened a stream. Add its first handler (the multistream listener) to
         * {@code stream.pipeline()}; the channel is registered and receives data right after.
         */
        void inboundStream(YamuxStreamChannel stream);

        /** A stream channel (either direction) was registered. */
        default void streamOpened(YamuxStreamChannel stream) {}

        /** A stream channel (either direction) closed. */
        default void streamClosed(YamuxStreamChannel stream) {}

        /** The remote sent Go Away with this code; for a non-zero code the connection is being closed. */
        default void goAwayReceived(int code) {}
    }

    private final boolean client;
    private final YamuxConfig config;
    private final Listener listener;
    private final ResourceManager.ConnectionScope resources;
    private final Map<Long, YamuxStreamChannel> streams = new HashMap<>();

    private ChannelHandlerContext ctx;
    private long nextStreamId;
    private long highestRemoteId;
    private int inboundCount;
    private int unackedOutbound;
    private int openChannels;
    private volatile boolean localGoAway;
    private volatile boolean remoteGoAway;
    private volatile boolean closed;
    private boolean inRead;
    private boolean flushPending;
    /** A flush task is queued on the event loop ({@link #flush()} outside a read). */
    private boolean flushScheduled;
    private final Runnable flushTask = this::runScheduledFlush;
    private boolean streamLimitLogged;
    private boolean resourceRefusalLogged;
    private boolean readPaused;
    private boolean decoding;
    private boolean resumeWanted;
    private ScheduledFuture<?> stallTask;
    /** Our pings (made when the connection is active; null before, or with a zero interval). */
    private YamuxKeepAlive keepAlive;
    private Connection connection;
    private PeerId remotePeer;

    /**
     * @param client true on the connection's dialer (odd stream ids)
     */
    YamuxHandler(boolean client, YamuxConfig config, Listener listener) {
        this(client, config, listener, ResourceManager.unlimited().unlimitedConnection());
    }

    /**
     * @param client    true on the connection's dialer (odd stream ids)
     * @param resources the connection's scope: streams and the bytes buffered for them count there
     */
    YamuxHandler(boolean client, YamuxConfig config, Listener listener, ResourceManager.ConnectionScope resources) {
        this.client = client;
        this.config = config;
        this.listener = listener;
        this.resources = Objects.requireNonNull(resources, "resources");
        this.nextStreamId = client ? 1 : 2;
    }

    /** The connection's resource scope. */
    ResourceManager.ConnectionScope resources() {
        return resources;
    }

    /** Ties the session to its host connection (streams report it). */
    void attach(Connection connection, PeerId remotePeer) {
        this.connection = connection;
        this.remotePeer = remotePeer;
    }

    Connection connection() {
        return connection;
    }

    PeerId remotePeer() {
        return remotePeer;
    }

    /** Stream channels currently open (not yet closed), both directions. */
    int openStreamCount() {
        return openChannels;
    }

    boolean isGoingAway() {
        return localGoAway || remoteGoAway;
    }

    boolean isClosed() {
        return closed;
    }

    // --- lifecycle ---

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        if (ctx.channel().isActive()) {
            startKeepAlive();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        startKeepAlive();
        super.channelActive(ctx);
    }

    private void startKeepAlive() {
        if (keepAlive != null || closed || config.keepAliveInterval().isZero()) {
            return;
        }
        keepAlive = new YamuxKeepAlive(ctx.executor(), config.keepAliveInterval(), config.keepAliveTimeout(),
                opaque -> {
                    writeHeader(TYPE_PING, FLAG_SYN, 0, opaque);
                    flush();
                }, () -> {
                    LOG.warn("closing connection {}: yamux keep-alive ping unanswered for {} ms",
                            ctx.channel(), config.keepAliveTimeout().toMillis());
                    shutdown();
                    ctx.close();
                });
        keepAlive.start();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        shutdown();
        super.channelInactive(ctx);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        shutdown();
    }

    /** Ends every stream and stops the timers; the connection is gone or going. */
    private void shutdown() {
        if (closed) {
            return;
        }
        closed = true;
        if (keepAlive != null) {
            keepAlive.stop();
        }
        if (stallTask != null) {
            stallTask.cancel(false);
        }
        for (YamuxStreamChannel s : new ArrayList<>(streams.values())) {
            s.onSessionClosed();
        }
        streams.clear();
    }

    // --- opening streams ---

    /**
     * Opens an outbound stream: sends SYN, adds {@code firstHandler} (may be null) and registers
     * the channel. Must be called on the event loop.
     *
     * @throws IllegalStateException if the session is closed or going away, too many of our
     *     streams are unacknowledged, or stream ids are exhausted
     */
    YamuxStreamChannel openStream(ChannelHandler firstHandler) {
        if (ctx == null || !ctx.executor().inEventLoop()) {
            throw new IllegalStateException("openStream must be called on the connection's event loop");
        }
        if (closed) {
            throw new IllegalStateException("yamux session closed");
        }
        if (localGoAway || remoteGoAway) {
            throw new IllegalStateException("yamux session is going away");
        }
        if (unackedOutbound >= config.maxUnackedOutbound()) {
            throw new IllegalStateException("more than " + config.maxUnackedOutbound()
                    + " streams await the remote's acknowledgement");
        }
        if (nextStreamId > MAX_STREAM_ID) {
            throw new IllegalStateException("yamux stream ids exhausted");
        }
        ResourceManager.StreamScope scope;
        try {
            scope = resources.openStream(false);
        } catch (ResourceLimitException e) {
            throw new IllegalStateException("cannot open a stream: " + e.getMessage(), e);
        }
        long id = nextStreamId;
        nextStreamId += 2;
        YamuxStreamChannel s = new YamuxStreamChannel(ctx.channel(), this, (int) id, true, scope);
        streams.put(id, s);
        unackedOutbound++;
        s.unacked = true;
        writeHeader(TYPE_WINDOW_UPDATE, FLAG_SYN, id, 0);
        flush();
        if (firstHandler != null) {
            s.pipeline().addLast(firstHandler);
        }
        register(s);
        return s;
    }

    private void register(YamuxStreamChannel s) {
        openChannels++;
        listener.streamOpened(s);
        ctx.channel().eventLoop().register(s).addListener(f -> {
            if (!f.isSuccess()) {
                LOG.warn("could not register yamux stream {} on {}", s.streamId(), ctx.channel(), f.cause());
                s.reset();
            }
        });
    }

    // --- inbound frames ---

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        inRead = true;
        decoding = true;
        try {
            super.channelRead(ctx, msg);
        } finally {
            decoding = false;
        }
        if (resumeWanted) {
            resumeReading();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        inRead = false;
        if (flushPending) {
            flushPending = false;
            ctx.flush();
        }
        if (readPaused) {
            // Not super's: with autoRead off it would ask for more input.
            discardSomeReadBytes();
            ctx.fireChannelReadComplete();
            return;
        }
        super.channelReadComplete(ctx);
    }

    // --- back-pressure ---

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        boolean writable = ctx.channel().isWritable();
        if (writable && stallTask != null) {
            stallTask.cancel(false);
            stallTask = null;
        } else if (!writable) {
            startStallTimer();
        }
        for (YamuxStreamChannel s : new ArrayList<>(streams.values())) {
            s.onParentWritabilityChanged();
        }
        if (writable && readPaused && !closed) {
            // Not from here: this may be called from within a write of ours, inside decode.
            ctx.executor().execute(this::resumeReading);
        }
        super.channelWritabilityChanged(ctx);
    }

    /** Stops decoding and reading the socket until the connection is writable again. */
    private void pauseReading() {
        if (!readPaused) {
            readPaused = true;
            ctx.channel().config().setAutoRead(false);
            LOG.debug("pausing reads on {}: {} bytes wait to be written", ctx.channel(),
                    ctx.channel().unsafe().outboundBuffer() == null ? 0
                            : ctx.channel().unsafe().outboundBuffer().totalPendingWriteBytes());
        }
        // What we wrote so far goes to the socket now, so the buffer can drain.
        flushPending = false;
        ctx.flush();
        startStallTimer();
    }

    private void resumeReading() {
        if (decoding) {
            // Called back from within decode (a flush that drained at once): after it returns.
            resumeWanted = true;
            return;
        }
        resumeWanted = false;
        boolean wasInRead = inRead;
        while (readPaused && !closed && ctx.channel().isWritable()) {
            readPaused = false;
            // Frames left unread at the pause wait in the cumulation: decode them now.
            inRead = true;
            decoding = true;
            try {
                super.channelRead(ctx, Unpooled.EMPTY_BUFFER);
            } catch (Exception e) {
                ctx.fireExceptionCaught(e);
            } finally {
                decoding = false;
                inRead = wasInRead;
            }
            resumeWanted = false;
        }
        if (flushPending && !inRead) {
            flushPending = false;
            ctx.flush();
        }
        if (!readPaused && !closed) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    private void startStallTimer() {
        if (stallTask != null || closed || ctx.channel().isWritable()) {
            return;
        }
        stallTask = ctx.executor().schedule(() -> {
            stallTask = null;
            if (!closed && !ctx.channel().isWritable()) {
                LOG.warn("closing connection {}: the remote has read nothing of what we wrote for {} ms",
                        ctx.channel(), config.writeStallTimeout().toMillis());
                shutdown();
                ctx.close();
            }
        }, config.writeStallTimeout().toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (!closed && in.readableBytes() >= HEADER_LENGTH) {
            if (!ctx.channel().isWritable()) {
                pauseReading();
                return;
            }
            int idx = in.readerIndex();
            int version = in.getUnsignedByte(idx);
            int type = in.getUnsignedByte(idx + 1);
            int flags = in.getUnsignedShort(idx + 2);
            long id = in.getUnsignedInt(idx + 4);
            long length = in.getUnsignedInt(idx + 8);
            if (version != 0) {
                protocolError("unsupported yamux version " + version);
                break;
            }
            switch (type) {
                case TYPE_DATA: {
                    String bad = checkData(id, flags, length);
                    if (bad != null) {
                        protocolError(bad);
                        break;
                    }
                    if (in.readableBytes() < HEADER_LENGTH + length) {
                        return;
                    }
                    in.skipBytes(HEADER_LENGTH);
                    ByteBuf body = length == 0 ? null : in.readRetainedSlice((int) length);
                    onStreamFrame(type, flags, id, length, body);
                    break;
                }
                case TYPE_WINDOW_UPDATE:
                    in.skipBytes(HEADER_LENGTH);
                    if (id == 0) {
                        protocolError("window update on stream 0");
                        break;
                    }
                    onStreamFrame(type, flags, id, length, null);
                    break;
                case TYPE_PING:
                    in.skipBytes(HEADER_LENGTH);
                    onPing(id, flags, length);
                    break;
                case TYPE_GO_AWAY:
                    in.skipBytes(HEADER_LENGTH);
                    onGoAway(length);
                    break;
                default:
                    protocolError("unknown yamux frame type " + type);
                    break;
            }
        }
        if (closed) {
            in.skipBytes(in.readableBytes());
        }
    }

    /** Checks a data frame from its header alone; returns the violation or null. */
    private String checkData(long id, int flags, long length) {
        if (id == 0) {
            return "data frame on stream 0";
        }
        if (length > YamuxConfig.INITIAL_WINDOW) {
            return "data frame of " + length + " bytes on stream " + id + " exceeds the " + YamuxConfig.INITIAL_WINDOW
                    + "-byte window";
        }
        YamuxStreamChannel s = streams.get(id);
        if (s == null) {
            if ((flags & FLAG_SYN) == 0 && neverOpened(id)) {
                return "data frame for unknown stream " + id;
            }
        } else if (length > s.recvWindow) {
            return "data frame of " + length + " bytes on stream " + id + " beyond its receive window of "
                    + s.recvWindow;
        }
        return null;
    }

    private boolean isLocalParity(long id) {
        return (id % 2 == 1) == client;
    }

    private boolean neverOpened(long id) {
        return isLocalParity(id) ? id >= nextStreamId : id > highestRemoteId;
    }

    private void onStreamFrame(int type, int flags, long id, long length, ByteBuf body) {
        YamuxStreamChannel s = streams.get(id);
        if ((flags & FLAG_SYN) != 0) {
            if (s != null) {
                release(body);
                protocolError("duplicate SYN for stream " + id);
                return;
            }
            if (isLocalParity(id)) {
                release(body);
                protocolError("remote opened stream " + id + " with our parity (both sides are "
                        + (client ? "clients" : "servers") + ")");
                return;
            }
            highestRemoteId = Math.max(highestRemoteId, id);
            if (localGoAway || inboundCount >= config.maxInboundStreams()) {
                release(body);
                String why = localGoAway ? "going away" : "more than " + config.maxInboundStreams() + " inbound streams";
                if (!localGoAway && !streamLimitLogged) {
                    // Once per session: a flood would otherwise write a line per stream.
                    streamLimitLogged = true;
                    LOG.info("resetting inbound stream {} on {}: {} (further refusals on this connection are "
                            + "logged at debug level)", id, ctx.channel(), why);
                } else {
                    LOG.debug("resetting inbound stream {} on {}: {}", id, ctx.channel(), why);
                }
                writeHeader(TYPE_WINDOW_UPDATE, FLAG_RST, id, 0);
                flush();
                return;
            }
            s = acceptStream(id);
            if (s == null) {
                release(body);
                return;
            }
        } else if (s == null) {
            release(body);
            if (neverOpened(id)) {
                protocolError("frame for unknown stream " + id);
            }
            // Otherwise a late frame for a stream that has ended: dropped.
            return;
        }
        if ((flags & FLAG_ACK) != 0 && s.unacked) {
            s.unacked = false;
            unackedOutbound--;
        }
        if (type == TYPE_DATA) {
            if (body != null) {
                s.onData(body);
            }
        } else if ((flags & FLAG_RST) == 0 && length > 0) {
            // An RST frame's length is not a window delta (go-yamux puts an error code there).
            s.onWindowUpdate(length);
        }
        if ((flags & FLAG_RST) != 0) {
            s.onRemoteReset();
        } else if ((flags & FLAG_FIN) != 0) {
            s.onRemoteFin();
        }
    }

    /** Accepts an inbound stream, or resets it (returning null) if the resource manager refuses it. */
    private YamuxStreamChannel acceptStream(long id) {
        ResourceManager.StreamScope scope;
        try {
            scope = resources.openStream(true);
        } catch (ResourceLimitException | IllegalStateException e) {
            if (!resourceRefusalLogged) {
                resourceRefusalLogged = true;
                LOG.info("resetting inbound stream {} on {}: {} (further refusals on this connection are logged "
                        + "at debug level)", id, ctx.channel(), e.getMessage());
            } else {
                LOG.debug("resetting inbound stream {} on {}: {}", id, ctx.channel(), e.getMessage());
            }
            writeHeader(TYPE_WINDOW_UPDATE, FLAG_RST, id, 0);
            flush();
            return null;
        }
        YamuxStreamChannel s = new YamuxStreamChannel(ctx.channel(), this, (int) id, false, scope);
        streams.put(id, s);
        inboundCount++;
        writeHeader(TYPE_WINDOW_UPDATE, FLAG_ACK, id, 0);
        flush();
        listener.inboundStream(s);
        register(s);
        return s;
    }

    private void onPing(long id, int flags, long opaque) {
        if (id != 0) {
            protocolError("ping on stream " + id);
            return;
        }
        if (flags == FLAG_SYN) {
            writeHeader(TYPE_PING, FLAG_ACK, 0, opaque);
            flush();
        } else if (flags == FLAG_ACK) {
            if (keepAlive == null || !keepAlive.onAck(opaque)) {
                LOG.debug("ignoring an unrequested yamux ping ack {} on {}", opaque, ctx.channel());
            }
        } else {
            protocolError("ping with flags 0x" + Integer.toHexString(flags));
        }
    }

    private void onGoAway(long code) {
        remoteGoAway = true;
        listener.goAwayReceived((int) code);
        if (code != GO_AWAY_NORMAL) {
            LOG.warn("closing connection {}: remote sent yamux go away with {}", ctx.channel(),
                    code == GO_AWAY_PROTOCOL_ERROR ? "protocol error"
                            : code == GO_AWAY_INTERNAL_ERROR ? "internal error" : "code " + code);
            shutdown();
            ctx.close();
        }
    }

    private void protocolError(String reason) {
        if (closed) {
            return;
        }
        LOG.warn("closing connection {}: yamux protocol violation: {}", ctx.channel(), reason);
        localGoAway = true;
        writeHeader(TYPE_GO_AWAY, 0, 0, GO_AWAY_PROTOCOL_ERROR);
        shutdown();
        ctx.flush();
        ctx.close();
    }

    /** Sends Go Away (normal): the remote should open no more streams; ours continue. */
    void goAway() {
        if (closed || localGoAway) {
            return;
        }
        localGoAway = true;
        writeHeader(TYPE_GO_AWAY, 0, 0, GO_AWAY_NORMAL);
        flush();
    }

    private static void release(ByteBuf b) {
        if (b != null) {
            b.release();
        }
    }

    // --- used by streams ---

    void writeHeader(int type, int flags, long id, long length) {
        ByteBuf h = ctx.alloc().buffer(HEADER_LENGTH);
        h.writeByte(0).writeByte(type).writeShort(flags).writeInt((int) id).writeInt((int) length);
        ctx.write(h, ctx.voidPromise());
    }

    void writeData(long id, int flags, ByteBuf payload) {
        writeHeader(TYPE_DATA, flags, id, payload.readableBytes());
        ctx.write(payload, ctx.voidPromise());
    }

    /**
     * Flushes once the current read completes or, outside a read, once the event loop has run the
     * tasks queued before this flush. Streams answer in tasks handed over from the logic thread, a
     * write and a FIN each; flushing each at once costs one Noise frame (a cipher init, a tag) and
     * one socket write per call, while one flush after the batch sends them all in one.
     */
    void flush() {
        flushPending = true;
        if (!inRead && !flushScheduled) {
            flushScheduled = true;
            try {
                ctx.executor().execute(flushTask);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                runScheduledFlush(); // the event loop is shutting down: no batch to wait for
            }
        }
    }

    private void runScheduledFlush() {
        flushScheduled = false;
        if (flushPending && !inRead) {
            flushPending = false;
            ctx.flush();
        }
    }

    int maxDataFrame() {
        return config.maxDataFrame();
    }

    Duration streamCloseGrace() {
        return config.streamCloseGrace();
    }

    ScheduledFuture<?> schedule(Runnable task, Duration delay) {
        return ctx.executor().schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** A stream's data was refused by a scope wider than the stream: it is being reset. */
    void memoryRefused(YamuxStreamChannel s, int bytes) {
        if (!resourceRefusalLogged) {
            resourceRefusalLogged = true;
            LOG.info("resetting stream {} on {}: no memory for {} more bytes in its connection, peer or node "
                    + "(further refusals on this connection are logged at debug level)", s.streamId(), ctx.channel(),
                    bytes);
        } else {
            LOG.debug("resetting stream {} on {}: no memory for {} more bytes", s.streamId(), ctx.channel(), bytes);
        }
    }

    /** A stream we closed was not closed by the remote within the grace period: it is being reset. */
    void graceExpired(YamuxStreamChannel s) {
        LOG.debug("resetting stream {} on {}: the remote did not close it within {} ms of our close", s.streamId(),
                ctx.channel(), config.streamCloseGrace().toMillis());
    }

    /** Called by a stream when its channel closed. */
    void channelClosed(YamuxStreamChannel s) {
        openChannels--;
        listener.streamClosed(s);
    }

    /** Called by a stream when both directions have ended or it was reset: forget it. */
    void forget(YamuxStreamChannel s) {
        long id = s.streamId() & 0xFFFF_FFFFL;
        if (streams.get(id) == s) {
            streams.remove(id);
            if (s.unacked) {
                s.unacked = false;
                unackedOutbound--;
            }
            if (!s.isOutbound()) {
                inboundCount--;
            }
        }
        s.onForgotten();
    }

    /** Whether frames are left unread until the connection is writable again (tests). */
    boolean isReadPaused() {
        return readPaused;
    }

    /** Streams in the table (open or draining), for tests. */
    int streamTableSize() {
        return streams.size();
    }
}
