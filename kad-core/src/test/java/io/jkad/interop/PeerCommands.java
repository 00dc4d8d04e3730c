package io.jkad.interop;

import java.time.Duration;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/**
 * The commands of one js-libp2p node hosted by a {@link InteropPeer} process (see interop/js/README.md).
 * Peer ids and multiaddrs are their text forms ({@code 12D3KooW…}, {@code /ip4/…/tcp/…/p2p/…}).
 * Every method waits for the answer, at most {@link #timeout()} (enforced by the js side, with a
 * grace period here), and throws {@link PeerException} when the node answers with an error,
 * times out, or the process dies.
 */
public interface PeerCommands {

    /** A peer as js reports it. */
    record PeerInfo(String peerId, List<String> addrs) {
        public PeerInfo {
            addrs = List.copyOf(addrs);
        }
    }

    /** The peers that acknowledged a PUT_VALUE, and the errors js met on the way. */
    record PutResult(List<String> storedAt, List<String> errors) {
        public PutResult {
            storedAt = List.copyOf(storedAt);
            errors = List.copyOf(errors);
        }
    }

    /** The value js selected, and the peers that returned one. */
    record GetResult(byte[] value, List<String> from) {
        public GetResult {
            value = value.clone();
            from = List.copyOf(from);
        }

        @Override
        public byte[] value() {
            return value.clone();
        }
    }

    /** The CID js provided (text), its multihash (the wire key), and the peers sent ADD_PROVIDER. */
    record ProvideResult(String cid, byte[] multihash, List<String> sentTo) {
        public ProvideResult {
            multihash = multihash.clone();
            sentTo = List.copyOf(sentTo);
        }

        @Override
        public byte[] multihash() {
            return multihash.clone();
        }
    }

    /**
     * A connection as js reports it: direction {@code inbound} or {@code outbound}, status
     * {@code open}…, and the agreed encryption and muxer protocols ({@code /noise},
     * {@code /yamux/1.0.0}; null before the upgrade).
     */
    record Connection(String peerId, String remoteAddr, String direction, String status, String encryption,
                      String multiplexer) {}

    /** What js's peer store holds about a peer (learned through Identify and Kademlia). */
    record PeerStoreEntry(String peerId, List<String> protocols, List<String> addrs, Optional<String> agentVersion) {
        public PeerStoreEntry {
            protocols = List.copyOf(protocols);
            addrs = List.copyOf(addrs);
        }
    }

    /** The node's index in its process, its peer id and listen addresses (with {@code /p2p/}). */
    record NodeInfo(int index, String peerId, List<String> addrs) {
        public NodeInfo {
            addrs = List.copyOf(addrs);
        }
    }

    /** The time each command may take. */
    Duration timeout();

    /** The same node with another command timeout. */
    PeerCommands withTimeout(Duration timeout);

    /**
     * Sends one raw command ({@code cmd} plus {@code args}) and returns its {@code result} object.
     *
     * @throws PeerException on an error answer, a timeout or a dead process
     */
    Map<String, Object> call(String cmd, Map<String, Object> args);

    /** This node's peer id and addresses (as of startup). */
    NodeInfo info();

    default String peerId() {
        return info().peerId();
    }

    /** The first listen address, with {@code /p2p/<id>}: what another node dials. */
    default String dialAddr() {
        return info().addrs().get(0);
    }

    /** Dials {@code multiaddr} (with {@code /p2p/}); returns the remote peer id. */
    default String dial(String multiaddr) {
        return Results.string(call("dial", args("addr", multiaddr)), "peerId");
    }

    /**
     * Puts {@code peerId} at {@code addrs} into the peer store and the DHT routing table (js pings
     * a new contact first). Returns whether it is in the table afterwards.
     */
    default boolean addPeer(String peerId, List<String> addrs) {
        return Results.bool(call("addPeer", args("peerId", peerId, "addrs", addrs)), "added");
    }

    /** The peer ids in the DHT routing table. */
    default List<String> routingTable() {
        return Results.strings(call("routingTable", Map.of()), "peers");
    }

    /**
     * Waits (at most {@code atMost}) until the routing table satisfies {@code condition}; returns
     * it. The wait every interop test uses for "they know each other"; {@code what} names the
     * condition in the failure.
     */
    default List<String> awaitRoutingTable(Predicate<List<String>> condition, String what, Duration atMost) {
        return Awaitility.await(this + ": routing table " + what).atMost(atMost).pollInterval(Duration.ofMillis(50))
                .until(this::routingTable, condition);
    }

    /** Waits (at most {@code atMost}) until the routing table holds every one of {@code peerIds}; returns it. */
    default List<String> awaitRoutingTableHas(Collection<String> peerIds, Duration atMost) {
        return awaitRoutingTable(t -> t.containsAll(peerIds), "holds " + peerIds, atMost);
    }

    /** Stores {@code value} under {@code key} locally and at the closest peers (keys must start with {@code /jkad/}). */
    default PutResult put(byte[] key, byte[] value) {
        Map<String, Object> r = call("put", args("key", b64(key), "value", b64(value)));
        return new PutResult(Results.strings(r, "storedAt"), Results.strings(r, "errors"));
    }

    /** Looks {@code key} up in the DHT; a {@link PeerException} with {@code isNotFound()} when nobody has it. */
    default GetResult get(byte[] key) {
        Map<String, Object> r = call("get", args("key", b64(key)));
        return new GetResult(Base64.getDecoder().decode(Results.string(r, "value")), Results.strings(r, "from"));
    }

    /** The value this node itself stores under {@code key}. */
    default Optional<byte[]> getLocal(byte[] key) {
        Map<String, Object> r = call("getLocal", args("key", b64(key)));
        return Results.bool(r, "found")
                ? Optional.of(Base64.getDecoder().decode(Results.string(r, "value")))
                : Optional.empty();
    }

    /** Announces this node as a provider of {@code multihash} (the GET_PROVIDERS / ADD_PROVIDER key). */
    default ProvideResult provide(byte[] multihash) {
        Map<String, Object> r = call("provide", args("key", b64(multihash)));
        return new ProvideResult(Results.string(r, "cid"),
                Base64.getDecoder().decode(Results.string(r, "multihash")), Results.strings(r, "sentTo"));
    }

    /** The providers of {@code multihash} found in the DHT (the whole query). */
    default List<PeerInfo> findProviders(byte[] multihash) {
        return Results.peers(call("findProviders", args("key", b64(multihash))), "providers");
    }

    /** The providers of {@code multihash}, stopping once {@code limit} are found. */
    default List<PeerInfo> findProviders(byte[] multihash, int limit) {
        return Results.peers(call("findProviders", args("key", b64(multihash), "limit", limit)), "providers");
    }

    /** The providers of {@code multihash} in this node's own store. */
    default List<String> localProviders(byte[] multihash) {
        return Results.strings(call("localProviders", args("key", b64(multihash))), "providers");
    }

    /** The closest peers to {@code key} found by an iterative lookup. */
    default List<PeerInfo> getClosestPeers(byte[] key) {
        return Results.peers(call("getClosestPeers", args("key", b64(key))), "peers");
    }

    /** Finds {@code peerId}'s addresses; a {@link PeerException} with {@code isNotFound()} otherwise. */
    default PeerInfo findPeer(String peerId) {
        Map<String, Object> r = call("findPeer", args("peerId", peerId));
        return new PeerInfo(Results.string(r, "peerId"), Results.strings(r, "addrs"));
    }

    /** Pings {@code peerId} over {@code /ipfs/ping/1.0.0}; the round trip. */
    default Duration ping(String peerId) {
        return Duration.ofMillis(Results.number(call("ping", args("peerId", peerId)), "rttMs"));
    }

    /** Pings the peer at {@code multiaddr}. */
    default Duration pingAddr(String multiaddr) {
        return Duration.ofMillis(Results.number(call("ping", args("addr", multiaddr)), "rttMs"));
    }

    /** The connected peers. */
    default List<String> peers() {
        return Results.strings(call("peers", Map.of()), "peers");
    }

    default List<Connection> connections() {
        return Results.objects(call("connections", Map.of()), "connections").stream()
                .map(c -> new Connection(Results.string(c, "peerId"), Results.string(c, "remoteAddr"),
                        Results.string(c, "direction"), Results.string(c, "status"),
                        Results.optionalString(c, "encryption").orElse(null),
                        Results.optionalString(c, "multiplexer").orElse(null)))
                .toList();
    }

    /** What js's peer store knows of {@code peerId}; a {@link PeerException} with {@code isNotFound()} if nothing. */
    default PeerStoreEntry peerStore(String peerId) {
        Map<String, Object> r = call("peerStore", args("peerId", peerId));
        return new PeerStoreEntry(Results.string(r, "peerId"), Results.strings(r, "protocols"),
                Results.strings(r, "addrs"), Results.optionalString(r, "agentVersion"));
    }

    /**
     * Stops this node (its connections close; the other nodes of the process keep running).
     * Later commands to it fail with a {@link PeerException} named {@code NodeStoppedError}.
     */
    default void stopNode() {
        call("stopNode", Map.of());
    }

    private static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static Map<String, Object> args(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }
}
