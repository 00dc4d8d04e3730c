package io.jkad.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code kad run} process whose thread dies ({@link CrashingKadMain}: the real command with a
 * thread that fails on a trigger) exits with a distinct code instead of living on: 71 after an
 * Error (halted by {@link FatalErrorHandler}), 3 after an OutOfMemoryError with the launcher's
 * {@code -XX:+ExitOnOutOfMemoryError}, 70 after an exception (a graceful stop first).
 */
class FatalErrorIT {

    private static final Duration EXIT_WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @RegisterExtension
    final KadProcesses processes = new KadProcesses(() -> dir);

    private KadProcess crashing(String name, String kind, List<String> jvmOptions) throws Exception {
        KadProcess p = processes.process(name, "--store", "memory");
        List<String> options = new ArrayList<>(jvmOptions);
        options.add("-Djkad.test.crash=" + kind);
        options.add("-Djkad.test.crash-trigger=" + dir.resolve(name + ".crash"));
        p.startWith(options, CrashingKadMain.class.getName());
        assertThat(p.kad("status").exitCode()).as("serving before the crash").isZero();
        return p;
    }

    private void trigger(String name) throws Exception {
        Files.writeString(dir.resolve(name + ".crash"), "now");
    }

    @Test
    void aThreadKilledByStackOverflowHaltsTheProcessWith71() throws Exception {
        KadProcess p = crashing("so", "stack-overflow", List.of("-Xmx256m"));
        trigger("so");
        int code = p.awaitExit(EXIT_WAIT);
        assertThat(code).as(p.tail()).isEqualTo(FatalErrorHandler.EXIT_FATAL_ERROR);
        assertThat(p.logText()).contains("kad: fatal: a thread died of an Error; halting (exit code 71): "
                + "kad-test-crasher: java.lang.StackOverflowError");
    }

    @Test
    void outOfMemoryWithoutTheJvmFlagIsHaltedByTheHandlerWith71() throws Exception {
        KadProcess p = crashing("oom-handler", "oom", List.of("-Xmx96m"));
        trigger("oom-handler");
        int code = p.awaitExit(EXIT_WAIT);
        assertThat(code).as(p.tail()).isEqualTo(FatalErrorHandler.EXIT_FATAL_ERROR);
        assertThat(p.logText()).contains("kad: fatal: a thread died of an Error; halting (exit code 71)")
                .contains("java.lang.OutOfMemoryError");
    }

    @Test
    void outOfMemoryWithTheLauncherFlagExitsWith3() throws Exception {
        // the options KadProcess (like the kad launcher) gives every kad run
        List<String> launcher = KadProcess.javaCommand().stream().filter(o -> o.startsWith("-X")).toList();
        assertThat(launcher).contains("-XX:+ExitOnOutOfMemoryError");
        KadProcess p = crashing("oom-flag", "oom", launcher);
        trigger("oom-flag");
        int code = p.awaitExit(EXIT_WAIT);
        assertThat(code).as(p.tail()).isEqualTo(3);
        assertThat(p.logText()).contains("Terminating due to java.lang.OutOfMemoryError");
    }

    @Test
    void aThreadKilledByAnExceptionStopsTheNodeGracefullyWith70() throws Exception {
        KadProcess p = crashing("ex", "exception", List.of("-Xmx256m"));
        trigger("ex");
        int code = p.awaitExit(EXIT_WAIT);
        assertThat(code).as(p.tail()).isEqualTo(FatalErrorHandler.EXIT_THREAD_DIED);
        assertThat(p.logText()).contains("thread kad-test-crasher died of an uncaught exception; stopping the node")
                .contains("IllegalStateException: a test-provoked failure of a node thread")
                .contains("stopped"); // the shutdown hook's graceful stop ran
    }
}
