package io.jkad.net;

import io.jkad.identity.PeerId;
import io.netty.buffer.ByteBuf;
import io.netty.channel.AbstractChannel;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.ChannelOutputShutdownException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;

/**
 * One Yamux stream as a Netty child channel on its connection's event loop. See
 * {@link StreamChannel} for the contract; flow control and frame writing live here, the stream
 * table and frame parsing in {@link YamuxHandler}.
 *
 * <p>Back-pressure: received data is reserved in the stream's {@link ResourceManager.StreamScope}
 * before it is queued (a refusal resets this stream alone), and its memory is released and its
 * window granted back only when the pipeline reads it; with {@code autoRead} off one
 * {@code read()} delivers one data frame, so a handler that cannot keep up holds the remote to
 * the window. The stream is writable only while its own buffer and its connection are, and data
 * goes to the connection only while the connection is writable. A stream whose channel has closed
 * and whose remote never closes its side is reset and forgotten after
 * {@link YamuxConfig#streamCloseGrace()}.
 *
 * <p>Why one class of this length: it is a whole Netty {@code Channel} (its {@code Unsafe}, its
 * config, reads and writes) over one Yamux stream, with the stream's two windows and its half-closed
 * states, which every one of those paths reads.
 */
final class YamuxStreamChannel extends AbstractChannel implements StreamChannel {

    private static final ChannelMetadata METADATA = new ChannelMetadata(false, 16);
    private static final Object FIN = new Object();

    private final YamuxHandler session;
    private final int id;
    private final boolean outbound;
    private final ResourceManager.StreamScope resources;
    private final DefaultChannelConfig config;
    private final ArrayDeque<Object> inbound = new ArrayDeque<>();

    // flow control
    private long sendWindow = YamuxConfig.INITIAL_WINDOW;
    long recvWindow = YamuxConfig.INITIAL_WINDOW;
    private long owed;
    boolean unacked;

    // state
    private boolean open = true;
    private boolean localFin;
    private boolean finPending;
    private ChannelPromise finPromise;
    private boolean remoteFin;
    private boolean remoteFinDelivered;
    private boolean reset;
    private boolean inputShutdown;
    private boolean readPending;
    private boolean inReadLoop;
    private boolean forgotten;
    private ScheduledFuture<?> graceTask;
    private volatile String protocol;

    YamuxStreamChannel(Channel parent, YamuxHandler session, int id, boolean outbound,
                       ResourceManager.StreamScope resources) {
        super(parent);
        this.session = session;
        this.id = id;
        this.outbound = outbound;
        this.resources = resources;
        this.config = new DefaultChannelConfig(this);
    }

    /**
     * The stream's resources: its count and the bytes buffered for it. Name the protocol there
     * once it is agreed ({@link ResourceManager.StreamScope#protocol}); closed when the stream is
     * gone.
     */
    ResourceManager.StreamScope resources() {
        return resources;
    }

    // --- StreamChannel ---

    @Override
    public PeerId remotePeer() {
        return session.remotePeer();
    }

    @Override
    public String protocol() {
        return protocol;
    }

    void protocol(String protocol) {
        this.protocol = protocol;
    }

    @Override
    public boolean isOutbound() {
        return outbound;
    }

    @Override
    public int streamId() {
        return id;
    }

    @Override
    public Connection connection() {
        return session.connection();
    }

    @Override
    public ChannelFuture reset() {
        if (eventLoop().inEventLoop()) {
            resetLocally();
        } else {
            eventLoop().execute(this::resetLocally);
        }
        return closeFuture();
    }

    private void resetLocally() {
        if (!reset && !(localFin && remoteFin)) {
            reset = true;
            if (!session.isClosed()) {
                session.writeHeader(YamuxHandler.TYPE_WINDOW_UPDATE, YamuxHandler.FLAG_RST, id & 0xFFFF_FFFFL, 0);
                session.flush();
            }
            session.forget(this);
        }
        abortLocally(new StreamResetException("stream " + id + " reset locally"));
    }

    // --- DuplexChannel ---

    @Override
    public boolean isInputShutdown() {
        return inputShutdown || remoteFinDelivered || !open;
    }

    @Override
    public ChannelFuture shutdownInput() {
        return shutdownInput(newPromise());
    }

    @Override
    public ChannelFuture shutdownInput(ChannelPromise promise) {
        if (eventLoop().inEventLoop()) {
            shutdownInput0(promise);
        } else {
            eventLoop().execute(() -> shutdownInput0(promise));
        }
        return promise;
    }

    private void shutdownInput0(ChannelPromise promise) {
        if (!inputShutdown) {
            inputShutdown = true;
            discardInbound();
        }
        promise.trySuccess();
    }

    @Override
    public boolean isOutputShutdown() {
        return localFin || finPending || reset || !open;
    }

    @Override
    public ChannelFuture shutdownOutput() {
        return shutdownOutput(newPromise());
    }

    @Override
    public ChannelFuture shutdownOutput(ChannelPromise promise) {
        if (eventLoop().inEventLoop()) {
            shutdownOutput0(promise);
        } else {
            eventLoop().execute(() -> shutdownOutput0(promise));
        }
        return promise;
    }

    private void shutdownOutput0(ChannelPromise promise) {
        if (reset || !open) {
            promise.tryFailure(new ClosedChannelException());
            return;
        }
        if (localFin) {
            promise.trySuccess();
            return;
        }
        if (finPending) {
            finPromise.addListener(f -> {
                if (f.isSuccess()) {
                    promise.trySuccess();
                } else {
                    promise.tryFailure(f.cause());
                }
            });
            return;
        }
        finPending = true;
        finPromise = promise;
        // Everything written so far goes out first; doWrite sends the FIN once the buffer drains.
        unsafe().flush();
        ChannelOutboundBuffer buf = unsafe().outboundBuffer();
        if (!localFin && (buf == null || buf.isEmpty())) {
            sendFin();
        }
    }

    @Override
    public boolean isShutdown() {
        return isInputShutdown() && isOutputShutdown();
    }

    @Override
    public ChannelFuture shutdown() {
        return shutdown(newPromise());
    }

    @Override
    public ChannelFuture shutdown(ChannelPromise promise) {
        ChannelFuture out = shutdownOutput();
        shutdownInput();
        out.addListener(f -> {
            if (f.isSuccess()) {
                promise.trySuccess();
            } else {
                promise.tryFailure(f.cause());
            }
        });
        return promise;
    }

    private void sendFin() {
        if (localFin || reset) {
            return;
        }
        localFin = true;
        finPending = false;
        if (!session.isClosed()) {
            session.writeHeader(YamuxHandler.TYPE_WINDOW_UPDATE, YamuxHandler.FLAG_FIN, id & 0xFFFF_FFFFL, 0);
            session.flush();
        }
        if (finPromise != null) {
            finPromise.trySuccess();
            finPromise = null;
        }
        if (remoteFin) {
            session.forget(this);
            if (open && remoteFinDelivered) {
                close();
            }
        }
    }

    // --- events from the session (event loop) ---

    void onData(ByteBuf body) {
        int n = body.readableBytes();
        recvWindow -= n;
        if (!open || inputShutdown || reset) {
            credit(n);
            body.release();
            return;
        }
        if (!resources.reserveMemory(n)) {
            // The stream is within its window, so a wider scope (its connection, its peer, the
            // node) is full: this stream alone is refused.
            body.release();
            session.memoryRefused(this, n);
            resetLocally();
            return;
        }
        inbound.add(body);
        if (readPending) {
            deliver();
        }
    }

    void onWindowUpdate(long delta) {
        sendWindow += delta;
        ChannelOutboundBuffer buf = unsafe().outboundBuffer();
        if (open && buf != null && !buf.isEmpty()) {
            unsafe().flush();
        }
    }

    void onRemoteFin() {
        if (remoteFin) {
            return;
        }
        remoteFin = true;
        if (localFin) {
            session.forget(this);
        }
        if (!open) {
            session.forget(this);
            return;
        }
        inbound.add(FIN);
        if (readPending || inputShutdown) {
            deliver();
        }
    }

    void onRemoteReset() {
        if (reset) {
            return;
        }
        reset = true;
        session.forget(this);
        if (open) {
            discardInbound();
            pipeline().fireUserEventTriggered(StreamResetEvent.INSTANCE);
            abortLocally(new StreamResetException("stream " + id + " reset by the remote"));
        }
    }

    void onSessionClosed() {
        onForgotten();
        if (open && !(localFin && remoteFin)) {
            reset = true;
            discardInbound();
            pipeline().fireUserEventTriggered(StreamResetEvent.INSTANCE);
            abortLocally(new StreamResetException("connection closed under stream " + id));
        } else if (open) {
            close();
        }
    }

    /** Fails every pending write with {@code cause} and closes the channel. */
    private void abortLocally(Throwable cause) {
        ChannelOutboundBuffer buf = unsafe().outboundBuffer();
        if (buf != null) {
            buf.addFlush();
            while (buf.current() != null) {
                buf.remove(cause);
            }
        }
        if (finPromise != null) {
            finPromise.tryFailure(cause);
            finPromise = null;
        }
        if (open) {
            unsafe().close(unsafe().voidPromise());
        }
    }

    // --- reading ---

    private void deliver() {
        if (inReadLoop) {
            return;
        }
        inReadLoop = true;
        try {
            long consumed = 0;
            boolean readSomething = false;
            while (open && !inbound.isEmpty() && (readPending || inputShutdown)) {
                Object m = inbound.poll();
                if (m == FIN) {
                    if (readSomething) {
                        pipeline().fireChannelReadComplete();
                        readSomething = false;
                    }
                    remoteFinDelivered = true;
                    readPending = false;
                    pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
                    pipeline().fireUserEventTriggered(ChannelInputShutdownReadComplete.INSTANCE);
                    if (localFin && open) {
                        close();
                    }
                    break;
                }
                ByteBuf b = (ByteBuf) m;
                int n = b.readableBytes();
                consumed += n;
                resources.releaseMemory(n);
                if (inputShutdown) {
                    b.release();
                } else {
                    readSomething = true;
                    if (!config.isAutoRead()) {
                        // One read() is one frame; a read() from the handler asks for the next.
                        readPending = false;
                    }
                    pipeline().fireChannelRead(b);
                }
            }
            credit(consumed);
            if (readSomething) {
                readPending = false;
                pipeline().fireChannelReadComplete();
            }
        } finally {
            inReadLoop = false;
        }
        // A read() from within the loop may have asked for more.
        if (readPending && open && !inbound.isEmpty()) {
            deliver();
        }
    }

    private void discardInbound() {
        long n = 0;
        Object m;
        while ((m = inbound.peek()) != null && m != FIN) {
            inbound.poll();
            n += ((ByteBuf) m).readableBytes();
            ((ByteBuf) m).release();
        }
        resources.releaseMemory(n);
        credit(n);
        if (m == FIN && inputShutdown && open) {
            deliver();
        }
    }

    /** Counts consumed bytes and grants them back in batches of at least half the window. */
    private void credit(long consumed) {
        owed += consumed;
        if (owed >= YamuxConfig.INITIAL_WINDOW / 2 && !remoteFin && !reset && !session.isClosed()) {
            session.writeHeader(YamuxHandler.TYPE_WINDOW_UPDATE, 0, id & 0xFFFF_FFFFL, owed);
            session.flush();
            recvWindow += owed;
            owed = 0;
        }
    }

    // --- AbstractChannel ---

    @Override
    protected AbstractUnsafe newUnsafe() {
        return new StreamUnsafe();
    }

    private final class StreamUnsafe extends AbstractUnsafe {
        @Override
        public void connect(SocketAddress remoteAddress, SocketAddress localAddress, ChannelPromise promise) {
            promise.setFailure(new UnsupportedOperationException("yamux streams are opened through the session"));
        }
    }

    @Override
    protected boolean isCompatible(EventLoop loop) {
        return true;
    }

    @Override
    protected SocketAddress localAddress0() {
        return parent().localAddress();
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return parent().remoteAddress();
    }

    @Override
    protected void doBind(SocketAddress localAddress) {
        throw new UnsupportedOperationException("yamux streams cannot be bound");
    }

    @Override
    protected void doDisconnect() {
        doClose();
    }

    @Override
    protected void doClose() {
        if (!open) {
            return;
        }
        open = false;
        if (!reset && !localFin && !session.isClosed()) {
            finPending = false;
            sendFin();
        }
        discardInbound();
        Object m;
        while ((m = inbound.poll()) != null) {
            ReferenceCountUtil.release(m);
        }
        if (reset || (localFin && remoteFin) || session.isClosed()) {
            session.forget(this);
        }
        if (forgotten) {
            resources.close();
        } else {
            // We read nothing more; the remote has yet to close its side.
            graceTask = session.schedule(this::graceExpired, session.streamCloseGrace());
        }
        session.channelClosed(this);
    }

    /** The remote did not close its side within the grace period after we closed ours: reset and forget. */
    private void graceExpired() {
        graceTask = null;
        if (forgotten) {
            return;
        }
        session.graceExpired(this);
        reset = true;
        if (!session.isClosed()) {
            session.writeHeader(YamuxHandler.TYPE_WINDOW_UPDATE, YamuxHandler.FLAG_RST, id & 0xFFFF_FFFFL, 0);
            session.flush();
        }
        session.forget(this);
    }

    /** Called by the session when the stream has left its table (or the session is gone). */
    void onForgotten() {
        if (forgotten) {
            return;
        }
        forgotten = true;
        if (graceTask != null) {
            graceTask.cancel(false);
            graceTask = null;
        }
        if (!open) {
            resources.close();
        }
    }

    /** The connection became writable or unwritable: resume writing, tell the pipeline. */
    void onParentWritabilityChanged() {
        if (!open) {
            return;
        }
        if (parent().isWritable()) {
            // Not from here: we may be inside this stream's own flush (which would ignore a nested one).
            eventLoop().execute(() -> {
                ChannelOutboundBuffer buf = unsafe().outboundBuffer();
                if (open && parent().isWritable() && buf != null && !buf.isEmpty()) {
                    unsafe().flush();
                }
            });
        }
        pipeline().fireChannelWritabilityChanged();
    }

    /** Writable when both this stream's buffer and the connection's are under their high water marks. */
    @Override
    public boolean isWritable() {
        return super.isWritable() && parent().isWritable();
    }

    @Override
    protected void doBeginRead() {
        readPending = true;
        if (!inbound.isEmpty()) {
            deliver();
        }
    }

    @Override
    protected Object filterOutboundMessage(Object msg) throws Exception {
        if (!(msg instanceof ByteBuf)) {
            throw new UnsupportedOperationException("stream channels carry ByteBufs only: " + msg.getClass().getName());
        }
        if (reset) {
            throw new StreamResetException("stream " + id + " was reset");
        }
        if (localFin || finPending) {
            throw new ChannelOutputShutdownException("stream " + id + " output is shut down");
        }
        return msg;
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) throws Exception {
        boolean wrote = false;
        while (true) {
            Object msg = in.current();
            if (msg == null) {
                break;
            }
            if (reset || session.isClosed()) {
                in.remove(reset ? new StreamResetException("stream " + id + " was reset")
                        : new ClosedChannelException());
                continue;
            }
            ByteBuf buf = (ByteBuf) msg;
            int readable = buf.readableBytes();
            if (readable == 0) {
                in.remove();
                continue;
            }
            if (sendWindow <= 0) {
                break; // resumed by a window update
            }
            if (!parent().isWritable()) {
                if (wrote) {
                    // What we wrote may drain at once (the socket takes it).
                    session.flush();
                    wrote = false;
                    if (parent().isWritable()) {
                        continue;
                    }
                }
                break; // resumed when the connection is writable again
            }
            int n = (int) Math.min(Math.min(readable, sendWindow), session.maxDataFrame());
            session.writeData(id & 0xFFFF_FFFFL, 0, buf.retainedSlice(buf.readerIndex(), n));
            sendWindow -= n;
            in.removeBytes(n);
            wrote = true;
        }
        if (wrote) {
            session.flush();
        }
        if (finPending && in.isEmpty()) {
            sendFin();
        }
    }

    @Override
    public ChannelConfig config() {
        return config;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean isActive() {
        return open;
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    @Override
    public String toString() {
        return "YamuxStream(" + id + (outbound ? " out" : " in") + (protocol != null ? " " + protocol : "")
                + " on " + parent() + ")";
    }
}
