package io.jkad.node;

import com.sun.management.UnixOperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The open files a {@code kad devnet} needs: both ends of every connection between its nodes are in
 * the one process, each a file, and connections past the process's limit ({@code ulimit -n}) fail.
 */
final class DevnetOpenFiles {

    /**
     * Open files a node of a devnet may need with the default 10 s idle timeout, a rough estimate:
     * 200 nodes on loopback (2026-12-06) ended with about 90 connections each (both ends of each in
     * this process, each a file) and ran past a limit of 20,000 files on the way.
     */
    static final int CONNECTIONS_PER_NODE_AT_10S = 120;

    /**
     * Connection ends a core opens a second at most, a rough figure: handshakes bound how fast a
     * devnet opens connections, so the ends open at once are at most about this rate times the
     * idle timeout, whatever the number of nodes. Measured on 2 cores with X25519 and
     * ChaCha20-Poly1305 on BoringSSL, in the machine's fastest hour (2026-12-06, late): 1,000 nodes
     * had up to 17,213 files open with a 2 s idle timeout and 9,062 with 1 s, and with 3 s they ran
     * into the limit of 20,000 and lost most of their gets (an hour before, 3 s peaked at 18,638).
     */
    static final int CONNECTION_ENDS_PER_CORE_SECOND = 4_300;

    /** The share of the limit past which the estimate warns: it is rough, and past the limit dials fail. */
    static final double WARN_AT = 0.9;

    /**
     * A warning when {@code nodes} are likely to need more than {@link #WARN_AT} of the open files {@code maxFiles} allows
     * (the estimate scales {@link #CONNECTIONS_PER_NODE_AT_10S} with the idle timeout, and caps it at
     * what {@code cores} can open within one idle timeout); empty when the limit is unknown
     * (negative) or likely enough. Past the limit, connections fail with "Too many
     * open files" and lookups with them.
     */
    static Optional<String> warning(int nodes, Duration idleTimeout, int cores, long maxFiles) {
        if (maxFiles < 0) {
            return Optional.empty();
        }
        double perNode = CONNECTIONS_PER_NODE_AT_10S * Math.min(1.0, idleTimeout.toMillis() / 10_000.0);
        double byRate = (double) CONNECTION_ENDS_PER_CORE_SECOND * cores * idleTimeout.toMillis() / 1000.0;
        long needed = (long) Math.ceil(Math.min(nodes * perNode, byRate));
        if (needed <= WARN_AT * maxFiles) {
            return Optional.empty();
        }
        return Optional.of("warning: " + nodes + " nodes with a " + idleTimeout.toMillis() / 1000.0
                + " s idle timeout may keep about " + needed + " connections open, "
                + (needed > maxFiles ? "more than" : "close to") + " this process's limit of "
                + maxFiles + " open files (ulimit -n); connections past it fail. Raise the limit or lower --idle-timeout.");
    }

    private DevnetOpenFiles() {}

    /** This process's limit of open files, or -1 when the JVM cannot tell. */
    static long max() {
        return ManagementFactory.getOperatingSystemMXBean()
                instanceof UnixOperatingSystemMXBean unix ? unix.getMaxFileDescriptorCount() : -1;
    }

    /** Files this process has open, or -1 when the JVM cannot tell. */
    static long open() {
        return ManagementFactory.getOperatingSystemMXBean()
                instanceof UnixOperatingSystemMXBean unix ? unix.getOpenFileDescriptorCount() : -1;
    }

    /**
     * The most files this process had open, sampled every {@code period} on a daemon thread until
     * {@link #close()}: a devnet near the limit shows it here, where the count at the end has fallen
     * again. Counting the files lists them, so the period should not be short.
     */
    static final class Peak implements AutoCloseable {
        private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "devnet-open-files");
            t.setDaemon(true);
            return t;
        });
        private final AtomicLong peak = new AtomicLong(open());

        Peak(Duration period) {
            sampler.scheduleAtFixedRate(() -> peak.accumulateAndGet(open(), Math::max), period.toMillis(),
                    period.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** The highest count sampled so far, the count now included (-1 when the JVM cannot tell). */
        long peak() {
            return peak.accumulateAndGet(open(), Math::max);
        }

        @Override
        public void close() {
            sampler.shutdownNow();
        }
    }
}
