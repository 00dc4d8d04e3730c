package io.jkad.node;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default uncaught-exception handler of a {@code kad} process: a thread that dies ends the
 * process, so that a supervisor (systemd, Kubernetes, a shell loop) starts a whole node again
 * rather than one living on without its logic thread, API dispatcher or event loop.
 *
 * <ul>
 *   <li>A thread killed by an {@link Error} ({@link OutOfMemoryError}, {@link StackOverflowError},
 *       a {@link LinkageError}…): one line on stderr, best effort, then {@link Runtime#halt} with
 *       {@value #EXIT_FATAL_ERROR}. No shutdown hooks: after an Error the heap or the thread's state
 *       cannot be trusted to save anything, and a hook that needs memory could hang the exit. What
 *       the store acknowledged is already durable (see the stores), and the routing table saved
 *       last is at most {@code --save-interval} old.</li>
 *   <li>A thread killed by any other exception: logged with its stack trace, then a normal exit
 *       with {@value #EXIT_THREAD_DIED} from a thread of its own, so the shutdown hook stops the node
 *       gracefully (API, routing table saved, store closed); if that has not finished within
 *       {@value #GRACE_SECONDS} s the process is halted. The node's own loops do not die of
 *       exceptions (the logic thread logs a failed task and goes on with the next; the API answers
 *       500): a thread that does die is one whose loop is gone, and restarting it in place would
 *       resume from a state nobody checked. A restart from the persistent state is the honest
 *       recovery.</li>
 * </ul>
 * The launcher adds {@code -XX:+ExitOnOutOfMemoryError} too (exit code 3): an OutOfMemoryError that
 * some code catches and swallows, which this handler never sees, still ends the process.
 *
 * <p>Installed by {@link KadCommand#main} (the process entry point), never when a command runs
 * inside another JVM (the tests' {@link KadCommand#run}).
 */
final class FatalErrorHandler implements Thread.UncaughtExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(FatalErrorHandler.class);

    /** The exit code after a thread died of an {@link Error}. */
    static final int EXIT_FATAL_ERROR = 71;
    /** The exit code after a thread died of an exception other than an Error. */
    static final int EXIT_THREAD_DIED = 70;
    /** How long the graceful stop after a dead thread may take before the process is halted. */
    static final int GRACE_SECONDS = 30;

    /** Written without building a string first: after an OutOfMemoryError there may be no memory for one. */
    private static final String FATAL_PREFIX = "kad: fatal: a thread died of an Error; halting (exit code "
            + EXIT_FATAL_ERROR + "): ";

    private final PrintStream err;
    private final IntConsumer halt;
    private final IntConsumer exit;
    private final AtomicBoolean exiting = new AtomicBoolean();

    FatalErrorHandler(PrintStream err, IntConsumer halt, IntConsumer exit) {
        this.err = err;
        this.halt = halt;
        this.exit = exit;
    }

    /** Makes this the JVM's default handler: halting with {@link Runtime#halt}, exiting with {@link System#exit}. */
    static void install() {
        Thread.setDefaultUncaughtExceptionHandler(new FatalErrorHandler(System.err, Runtime.getRuntime()::halt,
                System::exit));
    }

    @Override
    public void uncaughtException(Thread thread, Throwable e) {
        if (e instanceof Error) {
            try {
                err.print(FATAL_PREFIX);
                err.print(thread.getName());
                err.print(": ");
                err.println(e);
                err.flush();
            } catch (Throwable ignored) {
                // nothing more to do: halt anyway
            }
            halt.accept(EXIT_FATAL_ERROR);
            return;
        }
        try {
            LOG.error("thread {} died of an uncaught exception; stopping the node (exit code {}) so that it can be"
                    + " started again", thread.getName(), EXIT_THREAD_DIED, e);
        } catch (Throwable ignored) {
            // the exit below matters more than the log
        }
        if (!exiting.compareAndSet(false, true)) {
            return;
        }
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(GRACE_SECONDS * 1000L);
            } catch (InterruptedException ignored) {
                // halt now
            }
            err.println("kad: the graceful stop after a dead thread did not finish within " + GRACE_SECONDS
                    + " s; halting");
            halt.accept(EXIT_THREAD_DIED);
        }, "kad-exit-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        Thread exiter = new Thread(() -> exit.accept(EXIT_THREAD_DIED), "kad-exit");
        exiter.start();
    }
}
