package io.jkad.routing;

import io.jkad.multiaddr.Multiaddr;
import java.util.List;
import java.util.Optional;

/** The non-empty, duplicate-free, ordered list of a peer's addresses. Immutable. */
public final class Addresses {

    private Addresses() {}

    public static Addresses of(Multiaddr first) {
        throw new UnsupportedOperationException("not implemented");
    }

    /** @throws IllegalArgumentException if {@code addresses} is empty */
    public static Addresses of(List<Multiaddr> addresses) {
        throw new UnsupportedOperationException("not implemented");
    }

    public Multiaddr first() {
        throw new UnsupportedOperationException("not implemented");
    }

    public List<Multiaddr> asList() {
        throw new UnsupportedOperationException("not implemented");
    }

    public int size() {
        throw new UnsupportedOperationException("not implemented");
    }

    public boolean contains(Multiaddr address) {
        throw new UnsupportedOperationException("not implemented");
    }

    /** These addresses with {@code address} appended; this instance if it is already present. */
    public Addresses with(Multiaddr address) {
        throw new UnsupportedOperationException("not implemented");
    }

    /**
     * These addresses without {@code address} (this instance if absent); empty if {@code address}
     * is the only one, since the list may not become empty.
     */
    public Optional<Addresses> without(Multiaddr address) {
        throw new UnsupportedOperationException("not implemented");
    }

    /** These addresses with {@code old} replaced by {@code replacement} in place; this instance if {@code old} is absent. */
    public Addresses replace(Multiaddr old, Multiaddr replacement) {
        throw new UnsupportedOperationException("not implemented");
    }
}
