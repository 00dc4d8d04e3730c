package io.jkad.bench;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.net.Host;
import io.jkad.net.HostConfig;
import io.jkad.net.StreamResetEvent;
import io.jkad.net.UvarintFrameDecoder;
import io.jkad.net.UvarintFrameEncoder;
import io.jkad.protocol.ConnectionType;
import io.jkad.protocol.KadCodec;
import io.jkad.protocol.KadPeer;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The load generator of {@link ServeBench}: {@code connections} connections to one target, each
 * from a {@link Host} of its own identity (every implementation budgets requests per peer), each
 * request on a stream of its own as libp2p Kademlia clients send them: open a Yamux stream,
 * negotiate {@code /ipfs/kad/1.0.0}, write one length-prefixed message, read the answer.
 * ADD_PROVIDER has no answer: the stream is half-closed after the request and the request is
 * done when the target closes its side (a reset is an error, but see {@link #resetEndsAddProvider}).
 * The measured ADD_PROVIDERs re-announce keys the same connection provided in the prefill (as a
 * reprovide does): the target updates a provider record it holds. Fresh keys would fill jkad's
 * store, which holds at most 1024 provided keys by default (the reference's limit), within a second.
 *
 * <p>Every answer is checked, so that the benchmark cannot measure errors as speed: FIND_NODE
 * must decode; GET_VALUE must carry the record {@link #prefill} stored under the key, with its
 * value; GET_PROVIDERS must list the peer that provided the key; ADD_PROVIDER must end with the
 * target closing the stream. Keys are under {@code /jkad/} (the namespace the go and js peers
 * accept), provider keys sha2-256 multihashes (go and js take the key as a multihash or CIDv0).
 *
 * <p>Two ways to load the target: {@link #closedLoop} (every connection keeps {@code depth}
 * requests outstanding: the peak rate) and {@link #openLoop} (requests sent at a fixed rate,
 * spread over the connections, latency counted from when each was due, so a target that falls
 * behind shows it). Each returns a {@link ServeResult}: answers a second, p50/p99, errors by kind.
 */
final class ServeLoad implements AutoCloseable {

    /** The request types measured. */
    enum Type {
        FIND_NODE, GET_VALUE, GET_PROVIDERS, ADD_PROVIDER;

        String key() {
            return name().toLowerCase();
        }
    }

    static final String KAD = "/ipfs/kad/1.0.0";
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private static final int FIND_NODE_POOL = 4096;

    private final PeerId target;
    private final List<Host> hosts;
    private final KadCodec codec = KadCodec.defaults();
    private final List<Prepared> findNodes = new ArrayList<>();
    private final List<Prepared> getValues = new ArrayList<>();
    private final List<Prepared> getProviders = new ArrayList<>();
    private final List<Multiaddr> providerAddresses = List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/9"));
    /** Per connection: ADD_PROVIDERs of the keys it provided in the prefill (a re-announcement). */
    private final List<List<Prepared>> addProviders = new ArrayList<>();
    private final AtomicLong addProviderResets = new AtomicLong();
    private volatile boolean resetEndsAddProvider;
    private final AtomicInteger outstanding = new AtomicInteger();
    /** Each connection's IO thread, once a stream showed it: the open loop hands it its requests in batches. */
    private final java.util.concurrent.atomic.AtomicReferenceArray<java.util.concurrent.Executor> loops;

    /** Closer peers in the last FIND_NODE answer: the target's routing table as its answers show it. */
    private final AtomicInteger lastCloserPeers = new AtomicInteger(-1);
    private final long seed;

    /** A request encoded once, with what its answer must carry. */
    private record Prepared(Type type, KadRequest request, byte[] bytes, byte[] value, PeerId provider) {}

    private ServeLoad(PeerId target, List<Host> hosts, long seed) {
        this.target = target;
        this.hosts = hosts;
        this.seed = seed;
        this.loops = new java.util.concurrent.atomic.AtomicReferenceArray<>(1024);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < FIND_NODE_POOL; i++) {
            byte[] k = new byte[32];
            r.nextBytes(k);
            KadRequest q = new KadRequest.FindNode(RecordKey.of(k));
            findNodes.add(new Prepared(Type.FIND_NODE, q, codec.encodeRequest(q, Instant.now()), null, null));
        }
    }

    /**
     * Connects {@code connections} hosts (identities from {@code seed}) to the target. Each dials
     * once; the dial includes the Noise handshake, Yamux and Identify.
     */
    static ServeLoad connect(PeerId target, Multiaddr address, int connections, long seed) throws Exception {
        List<Host> hosts = new ArrayList<>();
        ServeLoad load = new ServeLoad(target, hosts, seed);
        try {
            for (int i = 0; i < connections; i++) {
                Ed25519KeyPair id = Ed25519KeyPair.fromSeed(sha256(("serve-bench-" + seed + "-" + i)
                        .getBytes(StandardCharsets.UTF_8)));
                hosts.add(Host.start(HostConfig.builder(id).ioThreads(1).idleTimeout(Duration.ZERO).build()));
            }
            List<CompletableFuture<?>> dials = new ArrayList<>();
            for (Host h : hosts) {
                dials.add(h.dial(target, List.of(address)));
            }
            for (CompletableFuture<?> d : dials) {
                d.get(30, TimeUnit.SECONDS);
            }
            return load;
        } catch (Exception e) {
            load.close();
            throw e;
        }
    }

    int connections() {
        return hosts.size();
    }

    /**
     * Whether a reset after an ADD_PROVIDER ends it as well as a close. js-libp2p's kad-dht, after
     * handling a message without an answer, reads the next one and aborts the stream when the
     * sender's half-close ends that read before its check of the stream's read status (rpc/index.js,
     * {@code onIncomingStream}): a reset there is how js ends an ADD_PROVIDER it took. jkad and go
     * close the stream after a request they took and reset it on one they refused, so for them a
     * reset stays an error. Counted apart ({@link #addProviderResets()}).
     */
    void resetEndsAddProvider(boolean yes) {
        resetEndsAddProvider = yes;
    }

    /** ADD_PROVIDERs ended by a reset taken as their end (see {@link #resetEndsAddProvider}). */
    long addProviderResets() {
        return addProviderResets.get();
    }

    /** Sends a FIND_NODE; the number of closer peers in its answer (-1 if it failed). */
    int closerPeers() throws Exception {
        lastCloserPeers.set(-1);
        Outcome o = call(0, Type.FIND_NODE, new SplittableRandom()).get(30, TimeUnit.SECONDS);
        return o.error() == null ? lastCloserPeers.get() : -1;
    }

    /**
     * Stores {@code records} records (PUT_VALUE, {@code valueBytes} each) and announces
     * {@code providerKeys} provider keys (ADD_PROVIDER, spread over the connections, each from
     * one), then reads every one of them back (GET_VALUE, GET_PROVIDERS) and fails if any answer
     * is wrong: the measured phases then hit the store.
     */
    void prefill(int records, int providerKeys, int valueBytes) throws Exception {
        SplittableRandom r = new SplittableRandom(seed * 31 + 7);
        List<CompletableFuture<Outcome>> puts = new ArrayList<>();
        for (int i = 0; i < records; i++) {
            RecordKey key = RecordKey.ofUtf8("/jkad/serve-bench/" + seed + "/" + i);
            byte[] value = new byte[valueBytes];
            r.nextBytes(value);
            KadRequest put = new KadRequest.PutValue(DhtRecord.of(key, value));
            puts.add(call(i % hosts.size(), new Prepared(null, put, codec.encodeRequest(put, Instant.now()), value, null)));
            KadRequest get = new KadRequest.GetValue(key);
            getValues.add(new Prepared(Type.GET_VALUE, get, codec.encodeRequest(get, Instant.now()), value, null));
            throttle(puts);
        }
        for (int i = 0; i < providerKeys; i++) {
            RecordKey key = RecordKey.of(multihash("serve-bench-provided-" + seed + "-" + i));
            int conn = i % hosts.size();
            Prepared add = addProvider(conn, key);
            while (addProviders.size() <= conn) {
                addProviders.add(new ArrayList<>());
            }
            addProviders.get(conn).add(add);
            puts.add(call(conn, add));
            KadRequest get = new KadRequest.GetProviders(key);
            getProviders.add(new Prepared(Type.GET_PROVIDERS, get, codec.encodeRequest(get, Instant.now()), null,
                    hosts.get(conn).peerId()));
            throttle(puts);
        }
        check(puts, "prefill");
        List<CompletableFuture<Outcome>> gets = new ArrayList<>();
        for (int i = 0; i < getValues.size(); i++) {
            gets.add(call(i % hosts.size(), getValues.get(i)));
            throttle(gets);
        }
        for (int i = 0; i < getProviders.size(); i++) {
            gets.add(call(i % hosts.size(), getProviders.get(i)));
            throttle(gets);
        }
        check(gets, "read-back of the prefill");
    }

    private static void throttle(List<CompletableFuture<Outcome>> sent) throws Exception {
        if (sent.size() % 256 == 0) {
            CompletableFuture.allOf(sent.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
        }
    }

    private static void check(List<CompletableFuture<Outcome>> all, String what) throws Exception {
        Map<String, Integer> errors = new LinkedHashMap<>();
        for (CompletableFuture<Outcome> f : all) {
            Outcome o = f.get(60, TimeUnit.SECONDS);
            if (o.error() != null) {
                errors.merge(o.error(), 1, Integer::sum);
            }
        }
        if (!errors.isEmpty()) {
            throw new IllegalStateException(what + ": " + errors + " of " + all.size() + " requests failed");
        }
        all.clear();
    }

    /** One request's end: {@code error} null when the answer was right. */
    record Outcome(long nanos, String error) {}

    /** Sends one request of {@code type} on connection {@code conn}; for tests and the prefill. */
    CompletableFuture<Outcome> call(int conn, Type type, SplittableRandom random) {
        return call(conn, prepare(conn, type, random));
    }

    private CompletableFuture<Outcome> call(int conn, Prepared p) {
        CompletableFuture<Outcome> f = new CompletableFuture<>();
        send(conn, p, System.nanoTime(), (start, error) -> f.complete(new Outcome(System.nanoTime() - start, error)));
        return f;
    }

    private Prepared prepare(int conn, Type type, SplittableRandom random) {
        return switch (type) {
            case FIND_NODE -> findNodes.get(random.nextInt(findNodes.size()));
            case GET_VALUE -> getValues.get(random.nextInt(getValues.size()));
            case GET_PROVIDERS -> getProviders.get(random.nextInt(getProviders.size()));
            case ADD_PROVIDER -> {
                List<Prepared> own = addProviders.get(conn % addProviders.size());
                yield own.get(random.nextInt(own.size()));
            }
        };
    }

    private Prepared addProvider(int conn, RecordKey key) {
        KadRequest q = new KadRequest.AddProvider(key, new KadPeer(hosts.get(conn).peerId(), providerAddresses,
                ConnectionType.CONNECTED));
        return new Prepared(Type.ADD_PROVIDER, q, codec.encodeRequest(q, Instant.now()), null, null);
    }

    /** Called once per request, on the connection's IO thread; {@code error} null when right. */
    private interface Done {
        void done(long startNanos, String error);
    }

    private void send(int conn, Prepared p, long startNanos, Done done) {
        outstanding.incrementAndGet();
        Answer answer = new Answer(p, startNanos, done);
        hosts.get(conn).openStream(target, KAD, ch -> ch.pipeline().addLast(new UvarintFrameDecoder(),
                new UvarintFrameEncoder(), answer)).whenComplete((ch, e) -> {
                    if (e != null) {
                        answer.finish("stream not opened: " + e.getClass().getSimpleName());
                        return;
                    }
                    if (conn < loops.length() && loops.get(conn) == null) {
                        loops.set(conn, ch.parent().eventLoop());
                    }
                    answer.timeout = ch.eventLoop().schedule(() -> {
                        answer.finish("timeout");
                        ch.reset();
                    }, REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                    ch.writeAndFlush(Unpooled.wrappedBuffer(p.bytes())).addListener(w -> {
                        if (!w.isSuccess()) {
                            answer.finish("write failed");
                        } else if (!p.request().expectsResponse()) {
                            ch.shutdownOutput();
                        }
                    });
                });
    }

    /** The last handler of a request's stream: checks the answer. */
    private final class Answer extends ChannelInboundHandlerAdapter {
        private final Prepared p;
        private final long start;
        private final Done done;
        private final AtomicBoolean finished = new AtomicBoolean();
        volatile ScheduledFuture<?> timeout;

        Answer(Prepared p, long start, Done done) {
            this.p = p;
            this.start = start;
            this.done = done;
        }

        void finish(String error) {
            if (finished.compareAndSet(false, true)) {
                ScheduledFuture<?> t = timeout;
                if (t != null) {
                    t.cancel(false);
                }
                outstanding.decrementAndGet();
                done.done(start, error);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (!p.request().expectsResponse()) {
                    finish("an answer to ADD_PROVIDER");
                } else {
                    finish(judge(ByteBufUtil.getBytes((ByteBuf) msg)));
                }
            } finally {
                ReferenceCountUtil.release(msg);
                ctx.close();
            }
        }

        private String judge(byte[] bytes) {
            KadResponse r;
            try {
                r = codec.decodeResponse(bytes, p.request(), Instant.now());
            } catch (Exception e) {
                return "undecodable answer";
            }
            if (p.request() instanceof KadRequest.PutValue) {
                return r instanceof KadResponse.PutValue ? null : "wrong answer type";
            }
            return switch (p.type()) {
                case FIND_NODE -> {
                    if (r instanceof KadResponse.FindNode f) {
                        lastCloserPeers.set(f.closerPeers().size());
                        yield null;
                    }
                    yield "wrong answer type";
                }
                case GET_VALUE -> !(r instanceof KadResponse.GetValue g) ? "wrong answer type"
                        : g.record().isEmpty() ? "no record"
                        : Arrays.equals(g.record().get().value(), p.value()) ? null : "wrong value";
                case GET_PROVIDERS -> r instanceof KadResponse.GetProviders g
                        ? g.providers().stream().anyMatch(k -> k.id().equals(p.provider())) ? null : "provider missing"
                        : "wrong answer type";
                case ADD_PROVIDER -> "an answer to ADD_PROVIDER";
            };
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof StreamResetEvent) {
                if (!p.request().expectsResponse() && resetEndsAddProvider) {
                    addProviderResets.incrementAndGet();
                    finish(null);
                } else {
                    finish("reset");
                }
            } else if (evt instanceof ChannelInputShutdownEvent) {
                finish(p.request().expectsResponse() ? "closed without an answer" : null);
                ctx.close();
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            finish("closed without an answer");
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            finish("error: " + cause.getClass().getSimpleName());
            ctx.close();
        }
    }

    // ---- phases ---------------------------------------------------------------------------------

    /**
     * Every connection keeps {@code depth} requests of {@code type} outstanding (each answer sends
     * the next) for {@code lead} (not counted) and then {@code length}; counts the requests that
     * ended within {@code length}. Waits for the outstanding ones before returning.
     */
    ServeResult closedLoop(Type type, int depth, Duration lead, Duration length, long targetPid) throws InterruptedException {
        ServeResult result = new ServeResult(type.key(), "closed", length.toNanos() / 1e9);
        AtomicBoolean running = new AtomicBoolean(true);
        long t0 = System.nanoTime() + lead.toNanos();
        long t1 = t0 + length.toNanos();
        for (int c = 0; c < hosts.size(); c++) {
            for (int d = 0; d < depth; d++) {
                loop(c, type, new SplittableRandom(seed * 1_000_003L + c * 131L + d), running, t0, t1, result);
            }
        }
        sleepUntil(t0);
        long targetCpu = FloodTarget.cpuMillis(targetPid);
        long loadCpu = FloodTarget.cpuMillis(ProcessHandle.current().pid());
        sleepUntil(t1);
        result.targetCpuMs = FloodTarget.cpuMillis(targetPid) - targetCpu;
        result.loadCpuMs = FloodTarget.cpuMillis(ProcessHandle.current().pid()) - loadCpu;
        running.set(false);
        drain();
        return result;
    }

    private void loop(int c, Type type, SplittableRandom random, AtomicBoolean running, long t0, long t1, ServeResult r) {
        send(c, prepare(c, type, random), System.nanoTime(), (start, error) -> {
            long end = System.nanoTime();
            if (end >= t0 && end < t1) {
                r.record(end - start, error);
            }
            if (running.get() && (error == null || !error.startsWith("stream not opened"))) {
                loop(c, type, random, running, t0, t1, r);
            }
        });
    }

    /**
     * Sends requests of {@code type} at {@code perSecond} for {@code lead} (not counted) and then
     * {@code length}; each request's latency runs from when it was due. The requests due at each
     * tick of this thread (at least {@value #TICK_MICROS} µs apart) go to the next connections in
     * turn, up to {@value #BATCH} each, handed to the connection's IO thread as one batch: one
     * hand-over per batch instead of one per request, which at tens of thousands a second would
     * take the generator's CPU. A request due while
     * {@code maxOutstanding} are still out is not sent and counted as shed (the target is behind).
     */
    ServeResult openLoop(Type type, double perSecond, int maxOutstanding, Duration lead, Duration length, long targetPid)
            throws InterruptedException {
        ServeResult result = new ServeResult(type.key(), "open", length.toNanos() / 1e9);
        result.offeredRate = perSecond;
        long interval = Math.max(1, (long) (1e9 / perSecond));
        long tick = Math.max(interval, TICK_MICROS * 1000L);
        long start = System.nanoTime();
        long t0 = start + lead.toNanos();
        long t1 = t0 + length.toNanos();
        SplittableRandom random = new SplittableRandom(seed ^ 0x5eed);
        long next = start;
        long i = 0;
        long targetCpu = -1;
        long loadCpu = -1;
        while (next < t1) {
            long now = System.nanoTime();
            if (targetCpu < 0 && now >= t0) {
                targetCpu = FloodTarget.cpuMillis(targetPid);
                loadCpu = FloodTarget.cpuMillis(ProcessHandle.current().pid());
            }
            List<Long> due = new ArrayList<>();
            while (next <= now && next < t1) {
                if (outstanding.get() + due.size() >= maxOutstanding) {
                    if (next >= t0) {
                        result.shed.increment();
                    }
                } else {
                    due.add(next);
                }
                next += interval;
            }
            // at most BATCH to one connection: after a stall of this thread, many are due at once,
            // and a target takes only so many new streams per connection (js 32, jkad 256)
            for (int from = 0; from < due.size(); from += BATCH) {
                int c = (int) (i++ % hosts.size());
                List<Long> batch = due.subList(from, Math.min(due.size(), from + BATCH));
                List<Prepared> requests = new ArrayList<>(batch.size());
                for (int k = 0; k < batch.size(); k++) {
                    requests.add(prepare(c, type, random));
                }
                Runnable sendAll = () -> {
                    for (int k = 0; k < batch.size(); k++) {
                        long d0 = batch.get(k);
                        boolean counted = d0 >= t0;
                        send(c, requests.get(k), d0, (d, error) -> {
                            if (counted) {
                                result.record(System.nanoTime() - d, error);
                            }
                        });
                    }
                };
                java.util.concurrent.Executor loop = c < loops.length() ? loops.get(c) : null;
                if (loop != null) {
                    loop.execute(sendAll);
                } else {
                    sendAll.run();
                }
            }
            long wait = Math.max(next, now + tick) - System.nanoTime();
            if (wait > 20_000) {
                LockSupport.parkNanos(wait - 10_000);
            }
        }
        result.targetCpuMs = FloodTarget.cpuMillis(targetPid) - targetCpu;
        result.loadCpuMs = FloodTarget.cpuMillis(ProcessHandle.current().pid()) - loadCpu;
        drain();
        return result;
    }

    private static final int TICK_MICROS = 250;
    private static final int BATCH = 8;

    /** Waits until no request is outstanding (each has its timeout). */
    private void drain() throws InterruptedException {
        long deadline = System.nanoTime() + REQUEST_TIMEOUT.plusSeconds(5).toNanos();
        while (outstanding.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long wait;
        while ((wait = nanoTime - System.nanoTime()) > 0) {
            Thread.sleep(Math.max(1, wait / 1_000_000));
        }
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** A sha2-256 multihash of {@code text}: a provider key go and js accept. */
    static byte[] multihash(String text) {
        byte[] d = sha256(text.getBytes(StandardCharsets.UTF_8));
        byte[] mh = new byte[34];
        mh[0] = 0x12;
        mh[1] = 0x20;
        System.arraycopy(d, 0, mh, 2, 32);
        return mh;
    }

    @Override
    public void close() {
        hosts.parallelStream().forEach(Host::close);
    }
}
