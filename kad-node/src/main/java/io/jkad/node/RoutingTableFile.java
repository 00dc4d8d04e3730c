package io.jkad.node;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.net.RoutingTableEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routing table kept in the data directory, so that a restarted node finds its network again
 * when its bootstrap peers are gone. A text file, one peer a line: the peer id, then its addresses,
 * separated by spaces; lines starting with {@code #} are comments. Written whole to a temporary
 * file and moved into place, so a crash leaves the old file or the new one, never half of one.
 */
final class RoutingTableFile {

    private static final Logger LOG = LoggerFactory.getLogger(RoutingTableFile.class);

    /** The file's name in the data directory. */
    static final String NAME = "routing-table.txt";

    /** One saved peer. */
    record Peer(PeerId peer, List<Multiaddr> addresses) {
        Peer {
            addresses = List.copyOf(addresses);
        }

        /** Each address with {@code /p2p/<peer>}. */
        List<Multiaddr> dialAddresses() {
            return addresses.stream().map(a -> a.peerId().isPresent() ? a : a.withPeerId(peer)).toList();
        }
    }

    private RoutingTableFile() {}

    /** Writes {@code entries} to {@code file} (replacing it atomically). */
    static void save(Path file, List<RoutingTableEntry> entries) throws IOException {
        StringBuilder sb = new StringBuilder("# jkad routing table: peer id, then its addresses\n");
        for (RoutingTableEntry e : entries) {
            if (e.addresses().isEmpty()) {
                continue;
            }
            sb.append(e.peer().toBase58());
            for (Multiaddr a : e.addresses()) {
                sb.append(' ').append(a);
            }
            sb.append('\n');
        }
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".routing-table-", ".tmp");
        try {
            Files.writeString(tmp, sb, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * The peers saved in {@code file}; empty if there is no file. A line that does not parse is
     * skipped with a warning (an address that does not parse is dropped from its line).
     *
     * @throws IOException if the file exists but cannot be read
     */
    static List<Peer> load(Path file) throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        List<Peer> out = new ArrayList<>();
        int lineNo = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNo++;
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            String[] parts = t.split("\\s+");
            PeerId peer;
            try {
                peer = PeerId.parse(parts[0]);
            } catch (IllegalArgumentException e) {
                LOG.warn("{}:{}: not a peer id, line skipped: {}", file, lineNo, e.getMessage());
                continue;
            }
            List<Multiaddr> addresses = new ArrayList<>();
            for (int i = 1; i < parts.length; i++) {
                try {
                    addresses.add(Multiaddr.parse(parts[i]));
                } catch (IllegalArgumentException e) {
                    LOG.warn("{}:{}: not a multiaddr, dropped: {}", file, lineNo, parts[i]);
                }
            }
            if (!addresses.isEmpty()) {
                out.add(new Peer(peer, addresses));
            }
        }
        return out;
    }
}
