package io.jkad.node;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The {@code kad run} processes of one test, each with its own data directory under the test's
 * temporary directory, all stopped after the test: the setup the process ITs shared by copy.
 * Register it with {@code @RegisterExtension}, giving it the test's {@code @TempDir} field
 * ({@code () -> dir}: read when a process is made, after JUnit filled it in). Test code.
 */
final class KadProcesses implements AfterEachCallback {

    private final Supplier<Path> dir;
    private final List<KadProcess> processes = new ArrayList<>();

    KadProcesses(Supplier<Path> dir) {
        this.dir = Objects.requireNonNull(dir, "dir");
    }

    /** A process named {@code name} (not started) with {@code args} after {@code kad run}, in {@code <dir>/<name>}. */
    KadProcess process(String name, String... args) {
        KadProcess p = new KadProcess(name, dir.get().resolve(name), List.of(args));
        processes.add(p);
        return p;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        KadProcess.closeAll(processes);
        processes.clear();
    }
}
