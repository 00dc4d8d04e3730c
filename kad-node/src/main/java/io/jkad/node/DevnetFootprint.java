package io.jkad.node;

import io.jkad.net.KademliaNode;
import io.jkad.net.NoiseCrypto;
import io.jkad.net.SocketTransport;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a {@code kad devnet} run cost its process, read at the end: memory, threads, connections,
 * open files, refusals, Noise handshakes, and which crypto and sockets ran. Goes into the final
 * JSON line and the summary.
 */
record DevnetFootprint(int nodes, long rssKb, long rssAfterStartKb, long heapKbAfterGc, int threads,
                       long connectionsOpen, long openFiles, long maxOpenFiles, long openFilesPeak, long refusals,
                       long handshakes, long handshakesAfterStart, String x25519, String transport) {

    /**
     * Reads the figures now (the resident set before a garbage collection, the heap after it).
     *
     * @param rssAfterStartKb the resident set once every node had started ({@link #processRssKb()})
     * @param handshakesAfterStart the handshakes by the end of the bootstrap ({@link #handshakes(List)})
     */
    static DevnetFootprint measure(List<KademliaNode> nodes, long rssAfterStartKb, long handshakesAfterStart,
                                   DevnetOpenFiles.Peak openFilesPeak) {
        long rss = processRssKb();
        System.gc();
        long heapKb = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1024;
        int threads = ManagementFactory.getThreadMXBean().getThreadCount();
        long refusals = nodes.stream().mapToLong(n -> n.resources().totalRefusals()).sum();
        long connections = nodes.stream().mapToLong(n -> n.resources().usage().connections()).sum();
        // the nodes still open and close connections (a small table bootstraps again): the peak is
        // at least the count reported beside it
        long openFiles = DevnetOpenFiles.open();
        long peak = Math.max(openFiles, openFilesPeak.peak());
        return new DevnetFootprint(nodes.size(), rss, rssAfterStartKb, heapKb, threads, connections,
                openFiles, DevnetOpenFiles.max(), peak, refusals, handshakes(nodes),
                handshakesAfterStart, NoiseCrypto.x25519Engine(),
                SocketTransport.current().name().toLowerCase(Locale.ROOT));
    }

    /** Noise handshakes completed by all of {@code nodes}: a connection between two of them counts twice. */
    static long handshakes(List<KademliaNode> nodes) {
        return nodes.stream().mapToLong(n -> n.resources().connectionsSecured()).sum();
    }

    /** The process's resident set (VmRSS of /proc/self/status) in KiB, or -1 where there is none. */
    static long processRssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }

    private long rssKbPerNode() {
        return rssKb < 0 ? -1 : rssKb / nodes;
    }

    /** Adds the figures to the run's JSON document. */
    void putInto(Map<String, Object> doc) {
        doc.put("heap_kb_after_gc", heapKbAfterGc);
        doc.put("heap_kb_per_node", heapKbAfterGc / nodes);
        doc.put("connections_open", connectionsOpen);
        doc.put("open_files", openFiles);
        doc.put("max_open_files", maxOpenFiles);
        doc.put("open_files_peak", openFilesPeak);
        doc.put("threads", threads);
        doc.put("rss_kb_after_start", rssAfterStartKb);
        doc.put("rss_kb", rssKb);
        doc.put("rss_kb_per_node", rssKbPerNode());
        doc.put("admission_refusals", refusals);
        doc.put("handshakes_after_start", handshakesAfterStart);
        doc.put("handshakes", handshakes);
        doc.put("x25519", x25519);
        doc.put("transport", transport);
    }

    /** Prints the figures' lines of the summary; {@code runtime} names the devnet's runtime option. */
    void print(PrintStream human, String runtime) {
        human.printf(Locale.ROOT, "  %d threads (%s runtime), RSS %d MB (%d KB per node; %d MB after start), "
                + "%d connections refused%n", threads, runtime, rssKb / 1024, rssKbPerNode(), rssAfterStartKb / 1024,
                refusals);
        human.printf(Locale.ROOT, "  %d Noise handshakes completed (%d by the end of the bootstrap; a connection "
                + "between two of these nodes counts at both ends), X25519 on %s, sockets on %s%n", handshakes,
                handshakesAfterStart, x25519, transport);
        human.printf(Locale.ROOT, "  open files: %d now, at most %d (sampled every 0.5 s), limit %d%n",
                openFiles, openFilesPeak, maxOpenFiles);
    }
}
