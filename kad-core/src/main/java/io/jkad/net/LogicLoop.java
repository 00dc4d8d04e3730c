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
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The logic thread of a {@link KademliaNode}: the one thread that owns its {@link Kademlia} state
 * machine (and so its record store). Every input (an API call, a host event, an answer, a timer)
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
    private final ScheduledThreadPoolExecutor executor;
    private final Executor asExecutor = this::execute;
    private final Object closeLock = new Object();
    private volatile Thread thread;
    private volatile boolean closed;
    private BiConsumer<KademliaAction, Instant> actions;

    // ---- logic thread only ----
    private final Map<QueryId, CompletableFuture<QueryResult>> pendingQueries = new HashMap<>();
    /** The traces of traced queries, completed beside their results. */
    private final Map<QueryId, CompletableFuture<QueryTrace>> pendingTraces = new HashMap<>();
    private ScheduledFuture<?> tick;
    private Instant tickAt;

    LogicLoop(PeerId self, Kademlia kademlia, Clock clock) {
        this.self = self;
        this.kademlia = kademlia;
        this.clock = clock;
        String name = "kad-logic-" + shortId(self);
        this.executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            thread = t;
            return t;
        }) {
            @Override
            protected void afterExecute(Runnable r, Throwable t) {
                reportError(r, t);
            }
        };
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
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

    /** Runs {@code task} on the logic thread unless the loop is closed (then it is dropped); logs what it throws. */
    void execute(Runnable task) {
        if (closed) {
            return;
        }
        try {
            executor.execute(() -> {
                if (closed) {
                    return;
                }
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.error("{}: logic task failed", self, e);
                }
            });
        } catch (RejectedExecutionException e) {
            LOG.trace("{}: logic thread stopped; task dropped", self);
        }
    }

    /** Runs {@code input} (a call into the state machine) on the logic thread, then {@link #drive()}. */
    void input(Runnable input) {
        execute(() -> {
            input.run();
            drive();
        });
    }

    /** Runs {@code task} on the logic thread after {@code delay}. @throws RejectedExecutionException once closed */
    ScheduledFuture<?> schedule(Runnable task, Duration delay) {
        return executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
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
     * futures, cancels the timer and runs {@code cleanup}; then stops the thread, waiting up to
     * 10 s for it unless called on it.
     */
    void close(Runnable cleanup) {
        boolean onLogicThread = Thread.currentThread() == thread;
        Runnable finish = () -> {
            IllegalStateException e = closedError();
            for (CompletableFuture<QueryResult> f : pendingQueries.values()) {
                f.completeExceptionally(e);
            }
            pendingQueries.clear();
            pendingTraces.clear();
            cleanup.run();
            if (tick != null) {
                tick.cancel(false);
            }
        };
        if (onLogicThread) {
            finish.run();
        } else {
            try {
                executor.execute(finish);
            } catch (RejectedExecutionException ignored) {
                // already stopped
            }
        }
        executor.shutdown();
        if (!onLogicThread) {
            try {
                if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                    LOG.warn("{}: logic thread did not stop within 10 s", self);
                    executor.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                executor.shutdownNow();
            }
        }
    }

    /** Runs {@code body} then {@link #drive()} on the logic thread; {@code f} fails if either cannot run. */
    private void submit(CompletableFuture<?> f, Runnable body) {
        if (closed) {
            f.completeExceptionally(closedError());
            return;
        }
        try {
            executor.execute(() -> {
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
        } catch (RejectedExecutionException e) {
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
        try {
            tick = executor.schedule(() -> {
                if (closed) {
                    return;
                }
                tick = null;
                tickAt = null;
                safeDrive();
            }, delay, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            tick = null;
            tickAt = null;
        }
    }

    /**
     * The executor keeps what a task threw in its future; an Error (out of memory, a stack
     * overflow) must not vanish there: the thread's uncaught-exception handler gets it.
     */
    private static void reportError(Runnable r, Throwable t) {
        if (t == null && r instanceof Future<?> f && f.isDone() && !f.isCancelled()) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof Error error) {
                    Thread self = Thread.currentThread();
                    self.getUncaughtExceptionHandler().uncaughtException(self, error);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (CancellationException e) {
                // cancelled meanwhile
            }
        }
    }

    static String shortId(PeerId id) {
        String s = id.toBase58();
        return s.length() > 8 ? s.substring(s.length() - 8) : s;
    }
}
