package io.jkad.node;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * The client commands that show the node and its network rather than records: {@code status},
 * {@code routing-table}, {@code peers}, {@code peer}, {@code closest} and {@code id}. They share
 * {@link ClientCommands.Base}'s options, output and exit codes.
 */
final class PeerCommands {

    private PeerCommands() {}

    /** One line per peer of an answer's list: its id and its first address, if any. */
    static void printPeerLines(PrintStream out, List<ApiTypes.PeerAddrs> peers) {
        for (ApiTypes.PeerAddrs p : peers) {
            List<String> addrs = ClientCommands.list(p.addrs());
            out.println("  " + p.peerId() + (addrs.isEmpty() ? "" : "  " + addrs.get(0)));
        }
    }

    @Command(name = "peer", mixinStandardHelpOptions = true,
            description = {"Looks up PEER_ID: its known addresses and the closest peers to its id.",
                    "Fails (exit 1) when nothing about the peer was found."})
    static final class Peer extends ClientCommands.Base<ApiTypes.PeerAnswer> {
        @Parameters(index = "0", paramLabel = "PEER_ID", description = "The peer id (12D3KooW…, Qm…, or CID text).")
        String peer;

        Peer() {
            super(ApiTypes.PeerAnswer.class);
        }

        @Override
        ApiClient.Response request(ApiClient client) throws IOException {
            return client.post("/v1/peer", new ApiTypes.PeerRequest(peer));
        }

        @Override
        void printOk(PrintStream out, ApiTypes.PeerAnswer answer) {
            out.println("peer " + answer.peerId());
            ClientCommands.list(answer.addrs()).forEach(a -> out.println("  " + a));
            printClosest(out, answer);
        }

        @Override
        void printFailure(PrintStream out, ApiTypes.PeerAnswer answer) {
            printClosest(out, answer);
        }

        private static void printClosest(PrintStream out, ApiTypes.PeerAnswer answer) {
            List<ApiTypes.PeerAddrs> closest = ClientCommands.list(answer.closest());
            if (closest.isEmpty()) {
                return;
            }
            out.println("closest peers to its id:");
            printPeerLines(out, closest);
        }
    }

    @Command(name = "routing-table", mixinStandardHelpOptions = true,
            description = "Lists the peers of the node's routing table: bucket, connected or not, addresses.")
    static final class RoutingTable extends ClientCommands.Base<ApiTypes.RoutingTable> {

        RoutingTable() {
            super(ApiTypes.RoutingTable.class);
        }

        @Override
        ApiClient.Response request(ApiClient client) throws IOException {
            return client.get("/v1/routing-table");
        }

        @Override
        void printOk(PrintStream out, ApiTypes.RoutingTable answer) {
            out.println(answer.size() + " peers in the routing table of " + answer.peerId());
            for (ApiTypes.RoutingPeer p : ClientCommands.list(answer.peers())) {
                List<String> addrs = ClientCommands.list(p.addrs());
                out.printf("  bucket %3s  %-9s  %s  %s%n", p.bucket(), p.connected() ? "connected" : "-", p.peerId(),
                        addrs.isEmpty() ? "" : addrs.get(0));
            }
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Shows the running node: peer id, listen addresses, store, routing table size, connections.")
    static final class Status extends ClientCommands.Base<ApiTypes.Status> {

        Status() {
            super(ApiTypes.Status.class);
        }

        @Override
        ApiClient.Response request(ApiClient client) throws IOException {
            return client.get("/v1/status");
        }

        @Override
        void printOk(PrintStream out, ApiTypes.Status s) {
            out.println("peer id      " + s.peerId());
            out.println("mode         " + (s.clientMode() ? "client" : "server"));
            ClientCommands.list(s.listenAddrs()).forEach(a -> out.println("listening on " + a));
            ClientCommands.list(s.advertisedAddrs()).forEach(a -> out.println("advertised   " + a));
            out.println("store        " + s.store() + " (" + s.storeRecords() + " records, "
                    + s.storeProviderKeys() + " provider keys) in " + s.dataDir());
            out.println("routing      " + s.routingTableSize() + " peers, " + s.connections() + " connected");
            out.println("uptime       " + s.uptimeS() + " s, jkad " + s.version());
        }
    }

    @Command(name = "peers", mixinStandardHelpOptions = true,
            description = "Lists the connected peers: address, direction, agent, round-trip time (ping), protocols.")
    static final class Peers extends ClientCommands.Base<ApiTypes.Peers> {

        Peers() {
            super(ApiTypes.Peers.class);
        }

        @Override
        ApiClient.Response request(ApiClient client) throws IOException {
            return client.get("/v1/peers");
        }

        @Override
        void printOk(PrintStream out, ApiTypes.Peers answer) {
            List<ApiTypes.ConnectedPeer> peers = ClientCommands.list(answer.peers());
            out.println(peers.size() + (peers.size() == 1 ? " connected peer" : " connected peers"));
            for (ApiTypes.ConnectedPeer p : peers) {
                out.printf("  %s  %-8s  %s  %s  %s%n", p.peerId(), p.direction(), p.addr(),
                        p.latencyMs() == null ? "-" : p.latencyMs() + " ms", p.agent() == null ? "(no identify)" : p.agent());
                List<String> protocols = ClientCommands.list(p.protocols());
                if (!protocols.isEmpty()) {
                    out.println("      " + String.join(" ", protocols));
                }
            }
        }
    }

    @Command(name = "closest", mixinStandardHelpOptions = true,
            description = {"Looks up the k closest peers to KEY (its UTF-8 bytes, or hex with --hex) in the network.",
                    "Fails (exit 1) when no peer answered."})
    static final class Closest extends ClientCommands.Base<ApiTypes.ClosestAnswer> {
        @CommandLine.Mixin
        ClientCommands.RecordKeyArg key;

        @CommandLine.Mixin
        ClientCommands.TraceOption trace;

        Closest() {
            super(ApiTypes.ClosestAnswer.class);
        }

        @Override
        ApiClient.Response request(ApiClient client) throws IOException {
            return client.post("/v1/closest", new ApiTypes.ClosestRequest(key.hex(), trace.asked()));
        }

        @Override
        void printOk(PrintStream out, ApiTypes.ClosestAnswer answer) {
            List<ApiTypes.PeerAddrs> peers = ClientCommands.list(answer.peers());
            out.println(peers.size() + " closest peers to " + answer.key() + ":");
            printPeerLines(out, peers);
        }
    }

    @Command(name = "id", mixinStandardHelpOptions = true,
            description = {"Shows the node's identity (agent, protocols, addresses), or PEER's as it tells it through "
                    + "Identify (connecting to it, found through the DHT if needed).",
                    "Fails (exit 1) when PEER cannot be reached."})
    static final class Id extends ClientCommands.Base<ApiTypes.IdAnswer> {
        @Parameters(index = "0", arity = "0..1", paramLabel = "PEER", description = "A peer id; none for the node's own.")
        String peer;

        Id() {
            super(ApiTypes.IdAnswer.class);
        }

        @Override
        ApiClient.Response request(ApiClient client) throws IOException {
            return client.post("/v1/id", new ApiTypes.PeerRequest(peer));
        }

        @Override
        void printOk(PrintStream out, ApiTypes.IdAnswer answer) {
            out.println("peer id   " + answer.peerId());
            out.println("agent     " + answer.agent());
            out.println("protocol  " + answer.protocolVersion());
            ClientCommands.list(answer.addrs()).forEach(a -> out.println("address   " + a));
            ClientCommands.list(answer.protocols()).forEach(p -> out.println("serves    " + p));
        }
    }
}
