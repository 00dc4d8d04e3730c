package io.jkad.net;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in the order given, on a pool shared with other serial executors: a
 * node's logic "thread" when many nodes share a {@link HostRuntime}. At most one pool thread
 * drains the queue at any moment, and each drain hands over to the next through the queue and a
 * flag, so a task sees everything the tasks before it did (as on one thread), though not always
 * on the same thread. A drain runs at most {@link #BATCH} tasks, then yields the pool thread to
 * the other nodes' executors.
 *
 * <p>A task's {@link RuntimeException} is logged and the next task runs; an {@link Error} goes to
 * the thread's uncaught-exception handler ({@code kad run}'s halts the process), and the next task
 * runs too. After {@link #close()} new tasks are dropped; those queued before still run.
 */
final class SerialExecutor implements Executor {

    private static final Logger LOG = LoggerFactory.getLogger(SerialExecutor.class);
    /** The most tasks one drain runs before giving its pool thread back. */
    static final int BATCH = 64;

    private final String name;
    private final Executor pool;
    private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
    /** Set while a drain is submitted or running: only that one takes tasks. */
    private final AtomicBoolean draining = new AtomicBoolean();
    private volatile Thread running;
    private volatile boolean closed;

    /** @param name for log lines */
    SerialExecutor(String name, Executor pool) {
        this.name = name;
        this.pool = pool;
    }

    /** Queues {@code task}; drops it once closed, or when the pool refuses work (it is shut down). */
    @Override
    public void execute(Runnable task) {
        offer(task);
    }

    /** As {@link #execute}; false when the task was dropped at once (closed, or the pool shut down). */
    boolean offer(Runnable task) {
        if (closed) {
            return false;
        }
        queue.add(task);
        return submitDrain();
    }

    /** True when called from the task running now. */
    boolean inExecutor() {
        return running == Thread.currentThread();
    }

    /** Drops every task given from now on; those queued already still run. */
    void close() {
        closed = true;
    }

    boolean isClosed() {
        return closed;
    }

    /** Makes sure a drain will take the queued tasks; false if the pool refused it (the tasks are dropped). */
    private boolean submitDrain() {
        if (queue.isEmpty() || !draining.compareAndSet(false, true)) {
            return true;
        }
        try {
            pool.execute(this::drain);
            return true;
        } catch (RejectedExecutionException e) {
            LOG.trace("{}: pool stopped; tasks dropped", name);
            queue.clear();
            draining.set(false);
            return false;
        }
    }

    private void drain() {
        Thread self = Thread.currentThread();
        running = self;
        try {
            for (int i = 0; i < BATCH; i++) {
                Runnable task = queue.poll();
                if (task == null) {
                    break;
                }
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.error("{}: task failed", name, e);
                } catch (Error e) {
                    self.getUncaughtExceptionHandler().uncaughtException(self, e);
                }
            }
        } finally {
            running = null;
            draining.set(false);
        }
        // A task added after the last poll saw 'draining' set and left the work to us.
        submitDrain();
    }
}
