package io.jkad.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.net.RoutingTableEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RoutingTableFileTest {

    @TempDir
    Path dir;

    @Test
    void savedPeersLoadBackWithTheirAddresses() throws Exception {
        PeerId p1 = PeerId.random(new Random(1));
        PeerId p2 = PeerId.random(new Random(2));
        Path file = dir.resolve("rt.txt");
        RoutingTableFile.save(file, List.of(
                new RoutingTableEntry(p1, List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/4001"),
                        Multiaddr.parse("/ip6/::1/tcp/4002")), true, 255),
                new RoutingTableEntry(p2, List.of(Multiaddr.parse("/dns4/example.com/tcp/4001")), false, 200),
                new RoutingTableEntry(PeerId.random(new Random(3)), List.of(), false, 1)));
        List<RoutingTableFile.Peer> loaded = RoutingTableFile.load(file);
        assertThat(loaded).containsExactly(
                new RoutingTableFile.Peer(p1, List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/4001"),
                        Multiaddr.parse("/ip6/::1/tcp/4002"))),
                new RoutingTableFile.Peer(p2, List.of(Multiaddr.parse("/dns4/example.com/tcp/4001"))));
        assertThat(loaded.get(1).dialAddresses())
                .containsExactly(Multiaddr.parse("/dns4/example.com/tcp/4001/p2p/" + p2.toBase58()));
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(file); // no temporary file left behind
        }
    }

    @Test
    void missingFileIsEmptyAndBadLinesAreSkipped() throws Exception {
        assertThat(RoutingTableFile.load(dir.resolve("absent"))).isEmpty();
        PeerId p = PeerId.random(new Random(4));
        Path file = dir.resolve("rt.txt");
        Files.writeString(file, "# comment\n\nnot-a-peer /ip4/1.2.3.4/tcp/1\n" + p.toBase58()
                + " /ip4/1.2.3.4/tcp/1 /bogus/addr\n" + PeerId.random(new Random(5)).toBase58() + " /nope\n");
        assertThat(RoutingTableFile.load(file))
                .containsExactly(new RoutingTableFile.Peer(p, List.of(Multiaddr.parse("/ip4/1.2.3.4/tcp/1"))));
    }
}
