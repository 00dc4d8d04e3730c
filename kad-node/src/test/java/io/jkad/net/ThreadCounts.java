package io.jkad.net;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;

/**
 * The check the hostile-peer suites make after each attack: the node's thread count comes back to
 * within {@value #MARGIN} of what it was before (the JVM starts and ends a few threads of its own,
 * compiler and GC workers, as load comes and goes), so the attack leaked no threads. Test code.
 */
final class ThreadCounts {

    /** Threads the JVM may add on its own. */
    static final int MARGIN = 4;

    /** A thread count read now (from {@code /proc}). */
    interface Count {
        int now() throws IOException;
    }

    private ThreadCounts() {}

    /** Waits up to 30 s for {@code count} to be at most {@code before} + {@link #MARGIN}. */
    static void awaitBackTo(String who, Count count, int before) throws IOException {
        System.out.printf("%s: %d threads before the attack, %d right after%n", who, before, count.now());
        await(who + "'s threads back to " + before + " + " + MARGIN).atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500)).until(() -> count.now() <= before + MARGIN);
    }
}
