package io.jkad.node;

import java.io.IOException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    static void printPeerLines(PrintStream out, List<?> peers) {
        for (Object o : peers) {
            if (o instanceof Map<?, ?> m) {
                Object addrs = m.get("addrs");
                out.println("  " + m.get("peer_id") + (addrs instanceof List<?> l && !l.isEmpty() ? "  " + l.get(0) : ""));
            }
        }
    }

    @Command(name = "peer", mixinStandardHelpOptions = true,
            description = {"Looks up PEER_ID: its known addresses and the closest peers to its id.",
                    "Fails (exit 1) when nothing about the peer was found."})
    static final class Peer extends ClientCommands.Base {
        @Parameters(index = "0", paramLabel = "PEER_ID", description = "The peer id (12D3KooW…, Qm…, or CID text).")
        String peer;


        @Override
        ApiClient.Response request(ApiClient client) throws IOException {
            return client.post("/v1/peer", Map.of("peer_id", peer));
        }

        @Override
        void printOk(PrintStream out, Map<String, Object> json) {
            out.println("peer " + json.get("peer_id"));
            ClientCommands.list(json, "addrs").forEach(a -> out.println("  " + a));
            printClosest(out, json);
        }

        @Override
        void printFailure(PrintStream out, Map<String, Object> json) {
            printClosest(out, json);
        }

        private static void printClosest(PrintStream out, Map<String, Object> json) {
            List<?> closest = ClientCommands.list(json, "closest");
            if (closest.isEmpty()) {
                return;
            }
            out.println("closest peers to its id:");
            printPeerLines(out, closest);
        }
    }

    @Command(name = "routing-table", mixinStandardHelpOptions = true,
            description = "Lists the peers of the node's routing table: bucket, connected or not, addresses.")
    static final class RoutingTable extends ClientCommands.Base {

        @Override
        ApiClient.Response request(ApiClient client) throws IOException {
            return client.get("/v1/routing-table");
        }

        @Override
        void printOk(PrintStream out, Map<String, Object> json) {
            out.println(json.get("size") + " peers in the routing table of " + json.get("peer_id"));
            for (Object o : ClientCommands.list(json, "peers")) {
                if (o instanceof Map<?, ?> m) {
                    Object addrs = m.get("addrs");
                    out.printf("  bucket %3s  %-9s  %s  %s%n", m.get("bucket"),
                            Boolean.TRUE.equals(m.get("connected")) ? "connected" : "-", m.get("peer_id"),
                            addrs instanceof List<?> l && !l.isEmpty() ? l.get(0) : "");
                }
            }
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Shows the running node: peer id, listen addresses, store, routing table size, connections.")
    static final class Status extends ClientCommands.Base {

        @Override
        ApiClient.Response request(ApiClient client) throws IOException {
            return client.get("/v1/status");
        }

        @Override
        void printOk(PrintStream out, Map<String, Object> json) {
            out.println("peer id      " + json.get("peer_id"));
            out.println("mode         " + (Boolean.TRUE.equals(json.get("client_mode")) ? "client" : "server"));
            for (Object a : ClientCommands.list(json, "listen_addrs")) {
                out.println("listening on " + a);
            }
            for (Object a : ClientCommands.list(json, "advertised_addrs")) {
                out.println("advertised   " + a);
            }
            out.println("store        " + json.get("store") + " (" + json.get("store_records") + " records, "
                    + json.get("store_provider_keys") + " provider keys) in " + json.get("data_dir"));
            out.println("routing      " + json.get("routing_table_size") + " peers, " + json.get("connections")
                    + " connected");
            out.println("uptime       " + json.get("uptime_s") + " s, jkad " + json.get("version"));
        }
    }

    @Command(name = "peers", mixinStandardHelpOptions = true,
            description = "Lists the connected peers: address, direction, agent, round-trip time (ping), protocols.")
    static final class Peers extends ClientCommands.Base {

        @Override
        ApiClient.Response request(ApiClient client) throws IOException {
            return client.get("/v1/peers");
        }

        @Override
        void printOk(PrintStream out, Map<String, Object> json) {
            List<?> peers = ClientCommands.list(json, "peers");
            out.println(peers.size() + (peers.size() == 1 ? " connected peer" : " connected peers"));
            for (Object o : peers) {
                if (o instanceof Map<?, ?> m) {
                    Object rtt = m.get("latency_ms");
                    out.printf("  %s  %-8s  %s  %s  %s%n", m.get("peer_id"), m.get("direction"), m.get("addr"),
                            rtt == null ? "-" : rtt + " ms", m.get("agent") == null ? "(no identify)" : m.get("agent"));
                    Object protocols = m.get("protocols");
                    if (protocols instanceof List<?> l && !l.isEmpty()) {
                        out.println("      " + String.join(" ", l.stream().map(String::valueOf).toList()));
                    }
                }
            }
        }
    }

    @Command(name = "closest", mixinStandardHelpOptions = true,
            description = {"Looks up the k closest peers to KEY (its UTF-8 bytes, or hex with --hex) in the network.",
                    "Fails (exit 1) when no peer answered."})
    static final class Closest extends ClientCommands.Base {
        @CommandLine.Mixin
        ClientCommands.RecordKeyArg key;


        @CommandLine.Mixin
        ClientCommands.TraceOption trace;

        @Override
        ApiClient.Response request(ApiClient client) throws IOException {
            return client.post("/v1/closest", trace.addTo(key.body()));
        }

        @Override
        void printOk(PrintStream out, Map<String, Object> json) {
            List<?> peers = ClientCommands.list(json, "peers");
            out.println(peers.size() + " closest peers to " + json.get("key") + ":");
            printPeerLines(out, peers);
        }
    }

    @Command(name = "id", mixinStandardHelpOptions = true,
            description = {"Shows the node's identity (agent, protocols, addresses), or PEER's as it tells it through "
                    + "Identify (connecting to it, found through the DHT if needed).",
                    "Fails (exit 1) when PEER cannot be reached."})
    static final class Id extends ClientCommands.Base {
        @Parameters(index = "0", arity = "0..1", paramLabel = "PEER", description = "A peer id; none for the node's own.")
        String peer;


        @Override
        ApiClient.Response request(ApiClient client) throws IOException {
            Map<String, Object> body = new LinkedHashMap<>();
            if (peer != null) {
                body.put("peer_id", peer);
            }
            return client.post("/v1/id", body);
        }

        @Override
        void printOk(PrintStream out, Map<String, Object> json) {
            out.println("peer id   " + json.get("peer_id"));
            out.println("agent     " + json.get("agent"));
            out.println("protocol  " + json.get("protocol_version"));
            ClientCommands.list(json, "addrs").forEach(a -> out.println("address   " + a));
            ClientCommands.list(json, "protocols").forEach(p -> out.println("serves    " + p));
        }
    }
}
