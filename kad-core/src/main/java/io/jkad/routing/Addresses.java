package io.jkad.routing;

import io.jkad.multiaddr.Multiaddr;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The non-empty, duplicate-free, ordered list of a peer's addresses. Immutable: the modifying
 * methods return a new instance (or this one when nothing changes). Equality on the list.
 */
public final class Addresses {

    private final List<Multiaddr> list;

    private Addresses(List<Multiaddr> list) {
        this.list = list;
    }

    /**
     * A single address.
     *
     * @throws NullPointerException if {@code first} is null
     */
    public static Addresses of(Multiaddr first) {
        return new Addresses(List.of(Objects.requireNonNull(first, "address")));
    }

    /**
     * The given addresses in order, later duplicates dropped.
     *
     * @throws IllegalArgumentException if {@code addresses} is empty
     * @throws NullPointerException if the list or one of its elements is null
     */
    public static Addresses of(List<Multiaddr> addresses) {
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("a peer needs at least one address: " + addresses);
        }
        for (Multiaddr a : addresses) {
            Objects.requireNonNull(a, "address");
        }
        return new Addresses(List.copyOf(new LinkedHashSet<>(addresses)));
    }

    /** The first (oldest) address. */
    public Multiaddr first() {
        return list.get(0);
    }

    /** The addresses in order, as an unmodifiable list. */
    public List<Multiaddr> asList() {
        return list;
    }

    /** The number of addresses, at least 1. */
    public int size() {
        return list.size();
    }

    public boolean contains(Multiaddr address) {
        return list.contains(address);
    }

    /** These addresses with {@code address} appended; this instance if it is already present. */
    public Addresses with(Multiaddr address) {
        Objects.requireNonNull(address, "address");
        if (list.contains(address)) {
            return this;
        }
        List<Multiaddr> out = new ArrayList<>(list.size() + 1);
        out.addAll(list);
        out.add(address);
        return new Addresses(List.copyOf(out));
    }

    /**
     * These addresses without {@code address} (this instance if absent); empty if {@code address}
     * is the only one, since the list may not become empty.
     */
    public Optional<Addresses> without(Multiaddr address) {
        int i = list.indexOf(address);
        if (i < 0) {
            return Optional.of(this);
        }
        if (list.size() == 1) {
            return Optional.empty();
        }
        List<Multiaddr> out = new ArrayList<>(list);
        out.remove(i);
        return Optional.of(new Addresses(List.copyOf(out)));
    }

    /**
     * These addresses with {@code old} replaced by {@code replacement} in place; this instance if
     * {@code old} is absent. If {@code replacement} was already in the list elsewhere, that other
     * occurrence is dropped, so the list stays free of duplicates.
     */
    public Addresses replace(Multiaddr old, Multiaddr replacement) {
        Objects.requireNonNull(replacement, "replacement");
        int i = list.indexOf(old);
        if (i < 0 || old.equals(replacement)) {
            return this;
        }
        List<Multiaddr> out = new ArrayList<>(list.size());
        for (int j = 0; j < list.size(); j++) {
            Multiaddr a = list.get(j);
            if (j == i) {
                out.add(replacement);
            } else if (!a.equals(replacement)) {
                out.add(a);
            }
        }
        return new Addresses(List.copyOf(out));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Addresses a && a.list.equals(list);
    }

    @Override
    public int hashCode() {
        return list.hashCode();
    }

    @Override
    public String toString() {
        return list.toString();
    }
}
