package io.jkad.bench;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.net.Connection;
import io.jkad.net.Host;
import io.jkad.net.HostConfig;
import io.jkad.net.StreamChannel;
import io.jkad.net.UvarintFrameDecoder;
import io.jkad.net.UvarintFrameEncoder;
import io.jkad.protocol.KadCodec;
import io.jkad.protocol.KadRequest;
import io.jkad.record.RecordKey;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The flood of {@link FloodBench}, all of it from loopback addresses other than the honest
 * peers' 127.0.0.1, so that admission control tells them apart:
 * <ul>
 *   <li><b>pre-auth</b>: plain TCP connections from many addresses of 127.0.1.0/24 and
 *       127.0.3.0/24 that send the multistream header and stall, each reopened when the target
 *       closes it: they hold the slots of connections in the handshake;</li>
 *   <li><b>abusers</b> that pass admission: real {@link Host}s (each its own identity, behind a
 *       {@link SourceProxy} on its own address of 127.0.2.0/24, one handshake each, far under the
 *       per-IP rate) that then misbehave on their connection, one kind each:
 *       {@link Kind#REQUESTS} (FIND_NODE and GET_VALUE as fast as answers come, on several
 *       streams: over the budget the target resets them, and they open new ones),
 *       {@link Kind#PING_STREAMS} (ping streams whose echoes are never read while they keep
 *       writing), {@link Kind#YAMUX_PINGS} (Yamux pings in bulk, the socket never read) and
 *       {@link Kind#FRAMES} (Kademlia frames announced at 4 MiB, over the request limit, or at
 *       60 KiB, under it, and sent but for their last byte). An abuser the target cuts off dials
 *       again half a second later.</li>
 * </ul>
 * {@link #close()} stops all of it.
 */
final class FloodAttack implements AutoCloseable {

    /** What an abuser does once connected. */
    enum Kind { REQUESTS, PING_STREAMS, YAMUX_PINGS, FRAMES }

    /** How much of each. */
    record Sizes(int preAuth, int preAuthIps, int abusersPerKind, int requestStreams, int pingStreams,
                 int frameStreams) {}

    private static final String KAD = "/ipfs/kad/1.0.0";
    private static final String PING = "/ipfs/ping/1.0.0";
    private static final int OVER_LIMIT_FRAME = 4 * 1024 * 1024;
    private static final int UNDER_LIMIT_FRAME = 60 * 1024;

    private final PeerId targetId;
    private final Multiaddr targetAddress;
    private final Sizes sizes;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();
    private final List<Socket> preAuth = new CopyOnWriteArrayList<>();
    private final List<Host> hosts = new CopyOnWriteArrayList<>();
    private final List<SourceProxy> proxies = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedQueue<ScheduledFuture<?>> writers = new ConcurrentLinkedQueue<>();
    private final KadCodec codec = KadCodec.defaults();
    private final Map<String, AtomicLong> counters = new LinkedHashMap<>();

    private FloodAttack(PeerId targetId, Multiaddr targetAddress, Sizes sizes) {
        this.targetId = targetId;
        this.targetAddress = targetAddress;
        this.sizes = sizes;
        for (String c : List.of("pre_auth_opened", "pre_auth_closed_by_target", "pre_auth_connect_failures")) {
            counters.put(c, new AtomicLong());
        }
        for (Kind k : Kind.values()) {
            for (String c : List.of("dials", "dial_failures", "cut_off", "streams_opened", "streams_failed")) {
                counters.put("abuser_" + k.name().toLowerCase() + "_" + c, new AtomicLong());
            }
        }
        for (String c : List.of("requests_answered", "requests_reset", "bytes_pushed_mib_x", "yamux_pings_written")) {
            counters.put(c, new AtomicLong());
        }
    }

    static FloodAttack start(PeerId targetId, Multiaddr targetAddress, Sizes sizes) {
        FloodAttack f = new FloodAttack(targetId, targetAddress, sizes);
        if (sizes.preAuth() > 0) {
            f.thread("flood-pre-auth", f::keepPreAuth);
        }
        int n = 0;
        for (int i = 0; i < sizes.abusersPerKind(); i++) {
            for (Kind k : Kind.values()) {
                String ip = "127.0.2." + (10 + n++);
                f.thread("abuser-" + k + "-" + i, () -> f.abuse(k, ip));
            }
        }
        return f;
    }

    private void thread(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private AtomicLong counter(String name) {
        return counters.get(name);
    }

    private AtomicLong counter(Kind k, String name) {
        return counters.get("abuser_" + k.name().toLowerCase() + "_" + name);
    }

    // ---- pre-auth ------------------------------------------------------------------------------

    /** The i-th pre-auth source: 127.0.1.x and 127.0.3.x, alternately. */
    private static String preAuthIp(int i) {
        return "127.0." + (i % 2 == 0 ? 1 : 3) + "." + (10 + i / 2);
    }

    private void keepPreAuth() {
        InetSocketAddress to = targetAddress.toTcpSocketAddress().orElseThrow();
        byte[] header = "\u0013/multistream/1.0.0\n".getBytes(StandardCharsets.US_ASCII);
        int next = 0;
        while (running.get()) {
            for (Socket s : preAuth) {
                if (closedByPeer(s)) {
                    preAuth.remove(s);
                    counter("pre_auth_closed_by_target").incrementAndGet();
                    closeQuietly(s);
                }
            }
            int failures = 0;
            while (running.get() && preAuth.size() < sizes.preAuth() && failures < sizes.preAuthIps()) {
                Socket s = new Socket();
                try {
                    s.bind(new InetSocketAddress(InetAddress.getByName(preAuthIp(next++ % sizes.preAuthIps())), 0));
                    s.connect(to, 2000);
                    s.setSoTimeout(1);
                    s.getOutputStream().write(header);
                    preAuth.add(s);
                    counter("pre_auth_opened").incrementAndGet();
                } catch (IOException e) {
                    closeQuietly(s);
                    counter("pre_auth_connect_failures").incrementAndGet();
                    failures++;
                }
            }
            sleep(200);
        }
    }

    private static boolean closedByPeer(Socket s) {
        try {
            InputStream in = s.getInputStream();
            byte[] buf = new byte[256];
            return in.read(buf) < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    // ---- abusers -------------------------------------------------------------------------------

    /** One abuser: connects from {@code ip}, misbehaves as {@code kind}; dials again when cut off. */
    private void abuse(Kind kind, String ip) {
        SourceProxy proxy;
        Host host;
        try {
            proxy = new SourceProxy(ip, targetAddress);
            proxies.add(proxy);
            host = Host.start(HostConfig.builder(Ed25519KeyPair.generate()).idleTimeout(Duration.ZERO).build());
            hosts.add(host);
        } catch (IOException e) {
            counter(kind, "dial_failures").incrementAndGet();
            return;
        }
        boolean connected = false;
        while (running.get()) {
            Optional<Connection> c = host.connection(targetId);
            if (c.isEmpty() || !c.get().isOpen()) {
                if (connected) {
                    counter(kind, "cut_off").incrementAndGet();
                    connected = false;
                }
                proxy.readFromTargetAgain();
                try {
                    host.dial(targetId, List.of(proxy.address())).get(10, TimeUnit.SECONDS);
                    counter(kind, "dials").incrementAndGet();
                    connected = true;
                    misbehave(kind, host, proxy);
                } catch (Exception e) {
                    counter(kind, "dial_failures").incrementAndGet();
                }
            }
            sleep(500);
        }
    }

    private void misbehave(Kind kind, Host host, SourceProxy proxy) {
        switch (kind) {
            case REQUESTS -> {
                for (int i = 0; i < sizes.requestStreams(); i++) {
                    requestLoop(host, new Random(i));
                }
            }
            case PING_STREAMS -> {
                for (int i = 0; i < sizes.pingStreams(); i++) {
                    pingStream(host);
                }
            }
            case FRAMES -> {
                for (int i = 0; i < sizes.frameStreams(); i++) {
                    frameStream(host, i % 2 == 0 ? OVER_LIMIT_FRAME : UNDER_LIMIT_FRAME);
                }
            }
            case YAMUX_PINGS -> yamuxPings(host, proxy);
        }
    }

    private interface StreamUse {
        void use(StreamChannel ch);
    }

    /** Opens a stream; when it ends while the connection lives, {@code again} runs 200 ms later. */
    private void open(Kind kind, Host host, String protocol, StreamUse use, Runnable again) {
        host.openStream(targetId, protocol, ch -> { }).whenComplete((ch, e) -> {
            if (e != null) {
                counter(kind, "streams_failed").incrementAndGet();
                return; // the connection went: the abuser's loop dials again
            }
            counter(kind, "streams_opened").incrementAndGet();
            ch.closeFuture().addListener(f -> {
                if (running.get() && again != null && ch.parent().isActive()) {
                    ch.parent().eventLoop().schedule(again, 200, TimeUnit.MILLISECONDS);
                }
            });
            use.use(ch);
        });
    }

    /** A ping stream whose echoes are never read (no window back) while it keeps writing. */
    private void pingStream(Host host) {
        open(Kind.PING_STREAMS, host, PING, ch -> {
            ch.config().setAutoRead(false);
            push(ch, Long.MAX_VALUE);
        }, () -> pingStream(host));
    }

    /** A Kademlia frame announced at {@code size} bytes and sent but for its last byte. */
    private void frameStream(Host host, int size) {
        open(Kind.FRAMES, host, KAD, ch -> {
            ch.writeAndFlush(Unpooled.wrappedBuffer(io.jkad.util.Varint.encode(size)));
            push(ch, size - 1L);
        }, () -> frameStream(host, size));
    }

    /**
     * Yamux pings (SYN, stream 0) in bulk, written on the connection under Noise, while the proxy
     * no longer reads what the target sends: its ACKs pile up on the target's side. One ping
     * stream, never written, keeps the connection from idling.
     */
    private void yamuxPings(Host host, SourceProxy proxy) {
        open(Kind.YAMUX_PINGS, host, PING, ch -> {
            Channel connection = ch.parent();
            proxy.stopReadingFromTarget();
            byte[] batch = new byte[1000 * 12];
            for (int i = 0; i < 1000; i++) {
                batch[i * 12 + 1] = 2; // type: ping
                batch[i * 12 + 3] = 1; // flags: SYN
                batch[i * 12 + 11] = (byte) i;
            }
            ByteBuf frames = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(batch));
            writers.add(connection.eventLoop().scheduleAtFixedRate(() -> {
                boolean wrote = false;
                while (running.get() && connection.isActive() && connection.isWritable()) {
                    connection.write(frames.retainedDuplicate());
                    counter("yamux_pings_written").addAndGet(1000);
                    wrote = true;
                }
                if (wrote) {
                    connection.flush();
                }
            }, 0, 5, TimeUnit.MILLISECONDS));
        }, null);
    }

    /** Writes 16 KiB chunks while the stream is writable, up to {@code total} bytes. */
    private void push(StreamChannel ch, long total) {
        ByteBuf chunk = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(new byte[16 * 1024]));
        AtomicLong left = new AtomicLong(total);
        writers.add(ch.eventLoop().scheduleAtFixedRate(() -> {
            boolean wrote = false;
            while (running.get() && ch.isActive() && ch.isWritable() && left.get() > 0) {
                int n = (int) Math.min(chunk.capacity(), left.get());
                ch.write(chunk.retainedSlice(0, n));
                left.addAndGet(-n);
                counter("bytes_pushed_mib_x").addAndGet(n);
                wrote = true;
            }
            if (wrote) {
                ch.flush();
            }
        }, 0, 5, TimeUnit.MILLISECONDS));
    }

    /** FIND_NODE and GET_VALUE, alternately, on one stream as fast as answers come; a new stream when one ends. */
    private void requestLoop(Host host, Random random) {
        if (!running.get()) {
            return;
        }
        host.openStream(targetId, KAD, ch -> ch.pipeline().addLast(new UvarintFrameDecoder(),
                new UvarintFrameEncoder(), new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ReferenceCountUtil.release(msg);
                        counter("requests_answered").incrementAndGet();
                        if (running.get()) {
                            ctx.writeAndFlush(request(random));
                        }
                    }

                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) {
                        counter("requests_reset").incrementAndGet();
                        if (running.get() && ctx.channel().parent().isActive()) {
                            ctx.channel().eventLoop().schedule(() -> requestLoop(host, random), 50,
                                    TimeUnit.MILLISECONDS);
                        }
                    }
                })).whenComplete((ch, e) -> {
                    if (e != null) {
                        counter(Kind.REQUESTS, "streams_failed").incrementAndGet();
                        return; // the connection went: the abuser's loop dials again
                    }
                    counter(Kind.REQUESTS, "streams_opened").incrementAndGet();
                    ch.writeAndFlush(request(random));
                });
    }

    private ByteBuf request(Random random) {
        byte[] k = new byte[32];
        random.nextBytes(k);
        KadRequest r = random.nextBoolean() ? new KadRequest.FindNode(RecordKey.of(k))
                : new KadRequest.GetValue(RecordKey.of(k));
        return Unpooled.wrappedBuffer(codec.encodeRequest(r, Instant.now()));
    }

    // ---- results -------------------------------------------------------------------------------

    Map<String, Object> stats() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pre_auth_sources", sizes.preAuth() > 0 ? sizes.preAuthIps() : 0);
        m.put("abusers", sizes.abusersPerKind() * Kind.values().length);
        counters.forEach((k, v) -> {
            if (k.equals("bytes_pushed_mib_x")) {
                m.put("abuse_bytes_pushed_mib", v.get() >> 20);
            } else {
                m.put(k, v.get());
            }
        });
        return m;
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (ScheduledFuture<?> f : writers) {
            f.cancel(false);
        }
        for (Thread t : threads) {
            t.join(5000);
        }
        for (Socket s : preAuth) {
            closeQuietly(s);
        }
        for (Host h : hosts) {
            h.close();
        }
        for (SourceProxy p : proxies) {
            p.close();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing anyway
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
