package io.jkad.net;

import io.jkad.identity.PeerId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The open connections of a {@link Host} by peer, the dials in progress, and which connection to
 * a peer new streams use. After simultaneous dials a peer has two connections; both sides then
 * pick the same one: the one dialed by the peer with the smaller peer id (the newest such, if
 * several), so the other idles and closes. Thread-safe (one lock); once {@link #close()}d it
 * registers nothing more.
 */
final class ConnectionRegistry {

    private final PeerId self;
    private final Object lock = new Object();
    private final Map<PeerId, List<HostConnection>> connections = new HashMap<>();
    private final Map<PeerId, CompletableFuture<Connection>> pendingDials = new HashMap<>();
    private boolean closed;

    ConnectionRegistry(PeerId self) {
        this.self = self;
    }

    /** What {@link #startDial} found: a connection to use, a dial to join, or a new dial to run. */
    record DialStart(Optional<HostConnection> existing, CompletableFuture<Connection> dial, boolean isNew) {}

    /**
     * The start of a dial of {@code peer}: its usable connection, the dial already in progress, or
     * a new pending dial (which the caller must {@link #settle}).
     *
     * @return null if the registry is closed
     */
    DialStart startDial(PeerId peer) {
        synchronized (lock) {
            if (closed) {
                return null;
            }
            Optional<HostConnection> existing = best(peer);
            if (existing.isPresent()) {
                return new DialStart(existing, null, false);
            }
            CompletableFuture<Connection> pending = pendingDials.get(peer);
            if (pending != null) {
                return new DialStart(Optional.empty(), pending, false);
            }
            CompletableFuture<Connection> dial = new CompletableFuture<>();
            pendingDials.put(peer, dial);
            return new DialStart(Optional.empty(), dial, true);
        }
    }

    /** Ends a dial: forgets it first, so a dial started right after does not join a finished one. */
    void settle(PeerId peer, CompletableFuture<Connection> dial, Connection conn, Throwable error) {
        synchronized (lock) {
            pendingDials.remove(peer, dial);
        }
        if (error == null) {
            dial.complete(conn);
        } else {
            dial.completeExceptionally(error);
        }
    }

    /** Registers an established connection; false (nothing registered) if the registry is closed. */
    boolean add(HostConnection conn) {
        synchronized (lock) {
            if (closed) {
                return false;
            }
            connections.computeIfAbsent(conn.remotePeer(), k -> new ArrayList<>(2)).add(conn);
            return true;
        }
    }

    /** Takes {@code conn} out; returns whether it was listed. */
    boolean remove(HostConnection conn) {
        synchronized (lock) {
            List<HostConnection> list = connections.get(conn.remotePeer());
            if (list == null || !list.remove(conn)) {
                return false;
            }
            if (list.isEmpty()) {
                connections.remove(conn.remotePeer());
            }
            return true;
        }
    }

    /** The connection new streams to {@code peer} use, if any is usable. */
    Optional<HostConnection> preferred(PeerId peer) {
        synchronized (lock) {
            return best(peer);
        }
    }

    /** Whether {@code conn} is the connection new streams to its peer use. */
    boolean isPreferred(HostConnection conn) {
        return preferred(conn.remotePeer()).orElse(null) == conn;
    }

    List<HostConnection> all() {
        synchronized (lock) {
            List<HostConnection> all = new ArrayList<>();
            connections.values().forEach(all::addAll);
            return all;
        }
    }

    /** What was open when the registry closed, for the host to close. */
    record Closing(List<HostConnection> connections, List<CompletableFuture<Connection>> dials) {}

    /** Closes the registry; null if it was closed already. */
    Closing close() {
        synchronized (lock) {
            if (closed) {
                return null;
            }
            closed = true;
            List<HostConnection> conns = new ArrayList<>();
            connections.values().forEach(conns::addAll);
            return new Closing(conns, new ArrayList<>(pendingDials.values()));
        }
    }

    private Optional<HostConnection> best(PeerId peer) {
        List<HostConnection> list = connections.get(peer);
        if (list == null) {
            return Optional.empty();
        }
        boolean weAreSmaller = self.compareTo(peer) < 0;
        return list.stream()
                .filter(HostConnection::isUsable)
                .max(Comparator.<HostConnection>comparingInt(c -> c.isOutbound() == weAreSmaller ? 1 : 0)
                        .thenComparingLong(HostConnection::establishedNanos));
    }
}
