package io.jkad.net;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Dialing a peer failed at every address tried; {@link #failures()} says why for each. */
public class DialException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient PeerId peer;
    private final transient Map<Multiaddr, Throwable> failures;

    public DialException(PeerId peer, Map<Multiaddr, Throwable> failures) {
        super(message(peer, failures));
        this.peer = peer;
        this.failures = Collections.unmodifiableMap(new LinkedHashMap<>(failures));
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
}
