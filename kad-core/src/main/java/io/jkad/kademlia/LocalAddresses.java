package io.jkad.kademlia;

import io.jkad.multiaddr.Multiaddr;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The addresses the local node reports for itself (as a provider, and in answers about itself). */
final class LocalAddresses {
    /** The most external addresses of the local node that are kept. */
    static final int MAX_EXTERNAL = 20;

    private final Set<Multiaddr> listen = new LinkedHashSet<>();
    private final Set<Multiaddr> external = new LinkedHashSet<>();

    void addListen(Multiaddr address) {
        listen.add(address.withoutPeerId());
    }

    void addExternal(Multiaddr address) {
        if (external.size() < MAX_EXTERNAL) {
            external.add(address.withoutPeerId());
        }
    }

    /** Listen addresses, then external ones. */
    List<Multiaddr> all() {
        Set<Multiaddr> all = new LinkedHashSet<>(listen);
        all.addAll(external);
        return new ArrayList<>(all);
    }
}
