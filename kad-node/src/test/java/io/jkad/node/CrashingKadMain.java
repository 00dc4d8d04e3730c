package io.jkad.node;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link KadCommand#main}, with one more thread that waits for a trigger file and then dies the
 * way the system property {@code jkad.test.crash} says: {@code stack-overflow} (a real
 * {@link StackOverflowError} from unbounded recursion), {@code oom} (a real
 * {@link OutOfMemoryError} from allocating until the heap is full) or {@code exception} (an
 * {@link IllegalStateException}). The process is otherwise the real {@code kad run}, with the
 * real default handler. Test code, for {@link FatalErrorIT}.
 */
public final class CrashingKadMain {

    private CrashingKadMain() {}

    public static void main(String[] args) throws Exception {
        String kind = System.getProperty("jkad.test.crash");
        Path trigger = Path.of(System.getProperty("jkad.test.crash-trigger"));
        Thread crasher = new Thread(() -> {
            // A plain poll: this runs in the child process, whose class path (kad.jar and the test
            // classes) has no Awaitility.
            while (!Files.exists(trigger)) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
            switch (kind) {
                case "stack-overflow" -> recurse(0);
                case "oom" -> {
                    List<long[]> hog = new ArrayList<>();
                    while (true) {
                        hog.add(new long[1 << 20]);
                    }
                }
                case "exception" -> throw new IllegalStateException("a test-provoked failure of a node thread");
                default -> throw new IllegalArgumentException("jkad.test.crash: " + kind);
            }
        }, "kad-test-crasher");
        crasher.setDaemon(true);
        crasher.start();
        KadCommand.main(args);
    }

    private static int recurse(int depth) {
        return recurse(depth + 1) + 1;
    }
}
