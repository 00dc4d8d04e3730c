package io.jkad.net;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The threads that many {@link Host}s and {@link KademliaNode}s of one process share: one Netty
 * IO event-loop group (every connection's IO and its timers: handshake, idle, keep-alive,
 * Identify, frame timeouts) and one logic pool that also fires the nodes' timers. Each node keeps
 * its own {@link SerialExecutor} on the logic pool, so its state machine still sees one task at a
 * time, in order; only the threads are shared. A thousand nodes then need about as many threads
 * as there are cores, not two or three per node.
 *
 * <p>Pass one with {@link HostConfig.Builder#runtime} (or {@link KademliaNodeConfig.Builder#runtime}).
 * Closing a host or node that uses it closes only that host's channels and that node's tasks and
 * timers; the threads live until the runtime's owner {@link #close() closes} it, after closing
 * its nodes; whatever host or node is still open on it then is closed first, newest first. A
 * host without one makes its own, as before: an event-loop group of its {@code ioThreads} and one
 * logic thread named {@code kad-logic-<peer>}, closed with it.
 */
public final class HostRuntime implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HostRuntime.class);
    private static final AtomicInteger SHARED = new AtomicInteger();

    private final EventLoopGroup io;
    private final SocketTransport transport;
    private final int logicThreads;
    private final ThreadFactory logicThreadFactory;
    private final Set<Thread> logicThreadSet = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** The hosts and nodes open on this runtime, closed with it. */
    private final Set<AutoCloseable> members = new LinkedHashSet<>();
    /** Noise signatures the hosts of a shared runtime verified already (null in a host's own). */
    private final VerifiedSignatures verifiedSignatures;
    /** Made on first use: a host alone (no node on it) needs no logic thread. */
    private ScheduledThreadPoolExecutor logic;

    private HostRuntime(SocketTransport transport, EventLoopGroup io, int logicThreads, ThreadFactory logicThreadFactory,
                        boolean shared) {
        this.transport = transport;
        this.io = io;
        this.verifiedSignatures = shared ? new VerifiedSignatures() : null;
        this.logicThreads = logicThreads;
        this.logicThreadFactory = r -> {
            Thread t = logicThreadFactory.newThread(() -> {
                logicThreadSet.add(Thread.currentThread());
                try {
                    r.run();
                } finally {
                    logicThreadSet.remove(Thread.currentThread());
                }
            });
            return t;
        };
    }

    /**
     * A runtime to share among hosts and nodes: {@code ioThreads} IO event loops and
     * {@code logicThreads} logic threads ({@code kad-io-<n>-<i>}, {@code kad-logic-<n>-<i>}).
     *
     * @throws IllegalArgumentException if either is below 1
     */
    public static HostRuntime shared(int ioThreads, int logicThreads) {
        return shared(ioThreads, logicThreads, SocketTransport.current());
    }

    /** As {@link #shared(int, int)} on the given transport (tests run both in one process). */
    static HostRuntime shared(int ioThreads, int logicThreads, SocketTransport transport) {
        if (ioThreads < 1 || logicThreads < 1) {
            throw new IllegalArgumentException("threads must be >= 1: io " + ioThreads + ", logic " + logicThreads);
        }
        int n = SHARED.incrementAndGet();
        return new HostRuntime(transport,
                new MultiThreadIoEventLoopGroup(ioThreads, new DefaultThreadFactory("kad-io-" + n, true),
                        transport.ioHandlerFactory()),
                logicThreads, new DefaultThreadFactory("kad-logic-" + n, true), true);
    }

    /** The runtime a host makes for itself when given none: its own IO loops and one named logic thread. */
    static HostRuntime dedicated(int ioThreads, String logicThreadName) {
        SocketTransport transport = SocketTransport.current();
        return new HostRuntime(transport, new MultiThreadIoEventLoopGroup(ioThreads, transport.ioHandlerFactory()), 1, r -> {
            Thread t = new Thread(r, logicThreadName);
            t.setDaemon(true);
            return t;
        }, false);
    }

    /** How the IO event loops drive their sockets; their channels must be of this transport. */
    public SocketTransport transport() {
        return transport;
    }

    /** The IO event loops. */
    public EventLoopGroup ioGroup() {
        return io;
    }

    /**
     * The logic pool: runs the nodes' serial executors and fires their timers.
     *
     * @throws IllegalStateException once the runtime is closed
     */
    synchronized ScheduledExecutorService logic() {
        if (logic == null) {
            if (closed.get()) {
                throw new IllegalStateException("runtime closed");
            }
            logic = new ScheduledThreadPoolExecutor(logicThreads, logicThreadFactory);
            logic.setRemoveOnCancelPolicy(true);
            logic.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
            logic.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        }
        return logic;
    }

    /** Registers a host or node to close with the runtime; false if the runtime is closed already. */
    synchronized boolean join(AutoCloseable member) {
        if (closed.get()) {
            return false;
        }
        members.add(member);
        return true;
    }

    /** Forgets a host or node that closed. */
    synchronized void leave(AutoCloseable member) {
        members.remove(member);
    }

    /** The Noise signatures verified by the hosts of this runtime, or null for a host's own runtime. */
    VerifiedSignatures verifiedSignatures() {
        return verifiedSignatures;
    }

    /** True when the calling thread is one of the logic pool's. */
    boolean onLogicThread() {
        return logicThreadSet.contains(Thread.currentThread());
    }

    /** Timers armed and neither fired nor cancelled, of all nodes (a closed node leaves none). */
    public synchronized int pendingTimers() {
        return logic == null ? 0 : logic.getQueue().size();
    }

    /** True once {@link #close()} was called. */
    public boolean isClosed() {
        return closed.get();
    }

    /**
     * Closes the hosts and nodes still open on it (newest first), then stops the threads: the IO
     * loops and the logic pool, waiting up to 5 s for each unless called on one of them.
     * Idempotent.
     */
    @Override
    public void close() {
        List<AutoCloseable> open;
        synchronized (this) {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            open = new ArrayList<>(members);
            members.clear();
        }
        Collections.reverse(open);
        for (AutoCloseable m : open) {
            try {
                m.close();
            } catch (Exception e) {
                LOG.warn("closing {} failed", m, e);
            }
        }
        boolean onIoThread = false;
        for (var e : io) {
            onIoThread |= e.inEventLoop();
        }
        var shutdown = io.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        ScheduledThreadPoolExecutor pool;
        synchronized (this) {
            pool = logic;
        }
        if (pool != null) {
            pool.shutdown();
        }
        if (onIoThread || onLogicThread()) {
            return;
        }
        shutdown.awaitUninterruptibly(5, TimeUnit.SECONDS);
        if (pool == null) {
            return;
        }
        try {
            if (!pool.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("logic threads did not stop within 5 s");
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pool.shutdownNow();
        }
    }
}
