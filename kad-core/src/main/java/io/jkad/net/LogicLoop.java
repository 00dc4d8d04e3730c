package io.jkad.net;

import io.jkad.identity.PeerId;
import io.jkad.kademlia.Kademlia;
import io.jkad.kademlia.KademliaAction;
import io.jkad.kademlia.KademliaEvent;
import io.jkad.kademlia.QueryResult;
import io.jkad.query.QueryTrace;
import io.jkad.query.QueryId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The logic thread of a {@link KademliaNode}: what owns its {@link Kademlia} state machine (and
 * so its record store). It is a {@link SerialExecutor} on its {@link HostRuntime}'s logic pool:
 * one task at a time, in order, each seeing what the ones before it did, on a thread of its own
 * for a node alone and on a pool shared with the other nodes of a shared runtime (its timers on
 * the pool's scheduler, cancelled when it closes). Every input (an API call, a host event, an answer, a timer)
 * is a task here; after each the loop polls the state machine until it has nothing left to do,
 * hands each action to the node's {@link ActionExecutor}, and arms one timer for the next poll at
 * the state machine's {@link Kademlia#nextDeadline() next deadline} (a periodic job, a query's
 * timeout or a request's), and at least every {@link #MAX_IDLE_WAIT}.
 *
 * <p>The futures of API calls are completed here. A task's {@link RuntimeException} is logged (or
 * fails the call's future) and the loop carries on; an {@link Error} goes to the thread's
 * uncaught-exception handler ({@code kad run}'s halts the process) instead of vanishing in the
 * executor's future. After {@link #close(Runnable)} new tasks are dropped and calls fail with
 * {@link IllegalStateException} ("node closed").
 */
final class LogicLoop {

    private static final Logger LOG = LoggerFactory.getLogger(LogicLoop.class);

    /** The longest a node waits for its next poll without input, whatever the deadlines say. */
    static final Duration MAX_IDLE_WAIT = Duration.ofMinutes(1);
    private static final long MIN_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final PeerId self;
    private final Kademlia kademlia;
    private final Clock clock;
    private final HostRuntime runtime;
    private final SerialExecutor serial;
    private final Executor asExecutor = this::execute;
    private final Object closeLock = new Object();
    /** The timers armed and neither fired nor cancelled, cancelled on close (the scheduler is shared). */
    private final Set<Timer> timers = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    private BiConsumer<KademliaAction, Instant> actions;

    // ---- logic thread only ----
    private final Map<QueryId, CompletableFuture<QueryResult>> pendingQueries = new HashMap<>();
    /** The traces of traced queries, completed beside their results. */
    private final Map<QueryId, CompletableFuture<QueryTrace>> pendingTraces = new HashMap<>();
    private Timer tick;
    private Instant tickAt;

    /** @param runtime whose logic pool runs this loop's tasks (one at a time) and fires its timers */
    LogicLoop(PeerId self, Kademlia kademlia, Clock clock, HostRuntime runtime) {
        this.self = self;
        this.kademlia = kademlia;
        this.clock = clock;
        this.runtime = runtime;
        this.serial = new SerialExecutor("kad-logic-" + shortId(self), runtime.logic());
    }

    /** Where the actions the state machine emits go (once, before the first task). */
    void onAction(BiConsumer<KademliaAction, Instant> handler) {
        this.actions = handler;
    }

    /** Runs tasks on the logic thread, dropping them once the loop is closed. */
    Executor executor() {
        return asExecutor;
    }

    boolean isClosed() {
        return closed;
    }

    /** Timers armed and neither fired nor cancelled. */
    int armedTimers() {
        return timers.size();
    }

    /** Runs {@code task} on the logic thread unless the loop is closed (then it is dropped); logs what it throws. */
    void execute(Runnable task) {
        if (closed) {
            return;
        }
        serial.execute(() -> {
            if (closed) {
                return;
            }
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.error("{}: logic task failed", self, e);
            }
        });
    }

    /** Runs {@code input} (a call into the state machine) on the logic thread, then {@link #drive()}. */
    void input(Runnable input) {
        execute(() -> {
            input.run();
            drive();
        });
    }

    /**
     * Runs {@code task} on the logic thread after {@code delay}, unless the timer is cancelled
     * first or the loop closes.
     *
     * @throws RejectedExecutionException once closed
     */
    Timer schedule(Runnable task, Duration delay) {
        if (closed) {
            throw new RejectedExecutionException("node closed");
        }
        Timer timer = new Timer(task);
        timers.add(timer);
        try {
            timer.future = runtime.logic().schedule(timer, delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException | IllegalStateException e) {
            timers.remove(timer);
            throw new RejectedExecutionException("logic pool stopped", e);
        }
        if (closed) {
            timer.cancel(false); // close() may have swept the timers before this one was added
        }
        return timer;
    }

    /**
     * A timer of this loop on the shared scheduler. When it fires it hands its task to the logic
     * thread; a cancel that comes after that, but before the task ran, still stops the task.
     */
    final class Timer implements Runnable {
        private final Runnable task;
        private volatile ScheduledFuture<?> future;
        private volatile boolean cancelled;

        private Timer(Runnable task) {
            this.task = task;
        }

        @Override
        public void run() {
            timers.remove(this);
            if (!cancelled) {
                execute(() -> {
                    if (!cancelled) {
                        task.run();
                    }
                });
            }
        }

        /** Stops the timer (and its task, unless that is running); the argument is ignored. */
        void cancel(boolean ignored) {
            cancelled = true;
            timers.remove(this);
            ScheduledFuture<?> f = future;
            if (f != null) {
                f.cancel(false);
            }
        }
    }

    /**
     * Starts a query on the logic thread; the future completes with its result (the
     * {@link KademliaEvent.QueryCompleted} marked last), or fails with what {@code start} threw.
     */
    <R extends QueryResult> CompletableFuture<R> query(Function<Instant, QueryId> start) {
        CompletableFuture<R> f = new CompletableFuture<>();
        submit(f, () -> {
            QueryId id = start.apply(clock.instant());
            @SuppressWarnings("unchecked")
            CompletableFuture<QueryResult> any = (CompletableFuture<QueryResult>) (CompletableFuture<?>) f;
            pendingQueries.put(id, any);
        });
        return f;
    }

    /**
     * As {@link #query}, with the query traced: the result comes with how the query went. The trace
     * future completes with the result's.
     */
    <R extends QueryResult> CompletableFuture<Traced<R>> queryTraced(Function<Instant, QueryId> start) {
        CompletableFuture<QueryTrace> trace = new CompletableFuture<>();
        CompletableFuture<R> result = query(now -> {
            QueryId id = start.apply(now);
            kademlia.trace(id);
            pendingTraces.put(id, trace);
            return id;
        });
        return result.thenCombine(trace, Traced::new);
    }

    /** Runs {@code body} on the logic thread; the future completes with its result. */
    <T> CompletableFuture<T> call(Function<Instant, T> body) {
        CompletableFuture<T> f = new CompletableFuture<>();
        submit(f, () -> f.complete(body.apply(clock.instant())));
        return f;
    }

    /** Completes the future of a query started through {@link #query} when its last result is in. */
    void queryCompleted(KademliaEvent.QueryCompleted c) {
        if (c.last()) {
            CompletableFuture<QueryTrace> t = pendingTraces.remove(c.id());
            if (t != null) {
                c.trace().ifPresentOrElse(t::complete,
                        () -> t.completeExceptionally(new IllegalStateException("query " + c.id() + " was not traced")));
            }
            CompletableFuture<QueryResult> f = pendingQueries.remove(c.id());
            if (f != null) {
                f.complete(c.result());
            }
        }
    }

    /** Polls the state machine until it has nothing left, carrying out each action; then arms the timer. */
    void drive() {
        Instant now = clock.instant();
        Optional<KademliaAction> action;
        while ((action = kademlia.poll(now)).isPresent()) {
            actions.accept(action.get(), now);
        }
        scheduleTick(now);
    }

    static IllegalStateException closedError() {
        return new IllegalStateException("node closed");
    }

    /** Marks the loop closed (new tasks are dropped from now on); false if it was already. */
    boolean markClosed() {
        synchronized (closeLock) {
            if (closed) {
                return false;
            }
            closed = true;
            return true;
        }
    }

    /**
     * Stops the loop after {@link #markClosed()}: on the logic thread fails the running calls'
     * futures, cancels the timers and runs {@code cleanup}; then drops every later task, waiting
     * up to 10 s for that unless called on the logic thread.
     */
    void close(Runnable cleanup) {
        boolean onLogicThread = serial.inExecutor();
        CountDownLatch done = new CountDownLatch(1);
        Runnable finish = () -> {
            try {
                IllegalStateException e = closedError();
                for (CompletableFuture<QueryResult> f : pendingQueries.values()) {
                    f.completeExceptionally(e);
                }
                pendingQueries.clear();
                pendingTraces.clear();
                cleanup.run();
                cancelTimers();
            } finally {
                serial.close();
                done.countDown();
            }
        };
        if (onLogicThread) {
            finish.run();
            return;
        }
        if (!serial.offer(finish)) {
            cancelTimers();
            return; // the pool is stopped: nothing of this loop runs any more
        }
        try {
            if (!done.await(10, TimeUnit.SECONDS)) {
                LOG.warn("{}: logic thread did not stop within 10 s", self);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void cancelTimers() {
        tick = null;
        for (Timer t : timers) {
            t.cancel(false);
        }
    }

    /** Runs {@code body} then {@link #drive()} on the logic thread; {@code f} fails if either cannot run. */
    private void submit(CompletableFuture<?> f, Runnable body) {
        if (closed) {
            f.completeExceptionally(closedError());
            return;
        }
        boolean queued = serial.offer(() -> {
            if (closed) {
                f.completeExceptionally(closedError());
                return;
            }
            try {
                body.run();
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
            safeDrive();
        });
        if (!queued) {
            f.completeExceptionally(closedError());
        }
    }

    private void safeDrive() {
        try {
            drive();
        } catch (RuntimeException e) {
            LOG.error("{}: driving the state machine failed", self, e);
        }
    }

    private void scheduleTick(Instant now) {
        if (closed) {
            return;
        }
        Instant next = now.plus(MAX_IDLE_WAIT);
        Optional<Instant> deadline = kademlia.nextDeadline();
        if (deadline.isPresent() && deadline.get().isBefore(next)) {
            next = deadline.get();
        }
        if (tick != null && !tickAt.isAfter(next)) {
            return; // an earlier (or equal) tick is armed
        }
        if (tick != null) {
            tick.cancel(false);
        }
        long delay = Math.max(MIN_TICK_NANOS, Duration.between(now, next).toNanos());
        tickAt = next;
        Timer[] armed = new Timer[1];
        try {
            armed[0] = schedule(() -> {
                if (closed || tick != armed[0]) {
                    return;
                }
                tick = null;
                tickAt = null;
                safeDrive();
            }, Duration.ofNanos(delay));
            tick = armed[0];
        } catch (RejectedExecutionException e) {
            tick = null;
            tickAt = null;
        }
    }

    static String shortId(PeerId id) {
        String s = id.toBase58();
        return s.length() > 8 ? s.substring(s.length() - 8) : s;
    }
}
