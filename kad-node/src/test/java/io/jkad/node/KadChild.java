package io.jkad.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@link KadProcess} for tests in other packages (the hostile-peer suites in {@code io.jkad.net}):
 * starts {@code kad run} with {@code -Xmx256m} and exposes what those tests look at, including the
 * child's resident memory. Test code.
 */
public final class KadChild implements AutoCloseable {

    private final KadProcess process;

    private KadChild(KadProcess process) {
        this.process = process;
    }

    /** Starts {@code kad run} with its own data directory under {@code dataDir} and waits until it answers. */
    public static KadChild start(String name, Path dataDir, String... moreArgs) throws Exception {
        KadProcess p = new KadProcess(name, dataDir, List.of());
        try {
            p.start(moreArgs);
        } catch (Exception e) {
            p.close();
            throw e;
        }
        return new KadChild(p);
    }

    /** The node's {@code /ip4/127.0.0.1/tcp/<port>/p2p/<id>} address. */
    public String dialAddress() {
        return process.dialAddress();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** The child's resident set size in bytes ({@code VmRSS} of {@code /proc/<pid>/status}). */
    public long rssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
            if (line.startsWith("VmRSS:")) {
                String[] parts = line.trim().split("\\s+");
                return Long.parseLong(parts[1]) * 1024;
            }
        }
        throw new IOException("no VmRSS in /proc/" + pid() + "/status");
    }

    /** The child's thread count now ({@code Threads} of {@code /proc/<pid>/status}). */
    public int threads() throws IOException {
        return process.threads();
    }

    /** The child's log so far. */
    public String logText() throws IOException {
        return process.logText();
    }

    /** The last lines of the child's log. */
    public String tail() {
        return process.tail();
    }

    @Override
    public void close() {
        process.close();
    }
}
