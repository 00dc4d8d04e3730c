package io.jkad.net;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Dialing a peer failed at every address tried; {@link #failures()} says why for each, and
 * {@link #answered()} names the addresses where something took the TCP connection and then cut it
 * off before it was upgraded, without proving to be another peer: a peer over one of its limits
 * (its handshake rate, its connections) refuses that way, so such a failure says the peer is
 * there, not that it is gone.
 */
public class DialException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient PeerId peer;
    private final transient Map<Multiaddr, Throwable> failures;
    private final transient Set<Multiaddr> answered;

    public DialException(PeerId peer, Map<Multiaddr, Throwable> failures) {
        this(peer, failures, Set.of());
    }

    /** @param answered the addresses of {@code failures} where the connection was taken and then cut off (see the class comment) */
    public DialException(PeerId peer, Map<Multiaddr, Throwable> failures, Set<Multiaddr> answered) {
        super(message(peer, failures));
        this.peer = peer;
        this.failures = Collections.unmodifiableMap(new LinkedHashMap<>(failures));
        this.answered = Set.copyOf(answered);
        failures.values().forEach(this::addSuppressed);
    }

    private static String message(PeerId peer, Map<Multiaddr, Throwable> failures) {
        if (failures.isEmpty()) {
            return "could not dial " + peer + ": no addresses";
        }
        StringBuilder b = new StringBuilder("could not dial ").append(peer).append(':');
        failures.forEach((a, t) -> b.append(' ').append(a).append(" (").append(t).append(')'));
        return b.toString();
    }

    /** The peer dialed. */
    public PeerId peer() {
        return peer;
    }

    /** The cause of the failure at each address, in the order tried (empty if there were no addresses). */
    public Map<Multiaddr, Throwable> failures() {
        return failures;
    }

    /**
     * The addresses where the peer's host took the TCP connection and then cut it off before it
     * was upgraded, other than by proving to be another peer or failing to authenticate: it is
     * there, and refused (see the class comment).
     */
    public Set<Multiaddr> answered() {
        return answered;
    }
}
