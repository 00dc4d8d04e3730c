package io.jkad.routing;

import io.jkad.multiaddr.Multiaddr;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The non-empty, duplicate-free, ordered list of a peer's addresses, oldest first, holding at most
 * {@link #maxSize()} of them: adding one to a full list drops the oldest. Immutable: the modifying
 * methods return a new instance (or this one when nothing changes). Equality on the list.
 *
 * <p>The cap keeps what a peer can make us hold, and every change cost, small: each change copies
 * at most {@code maxSize} addresses, so merging n announced addresses one by one costs O(n), not
 * the O(n²) of an unbounded list (issue 11: 60 Identify pushes of 7,400 addresses each kept the
 * logic thread busy for minutes).
 */
public final class Addresses {

    /**
     * 32. go-libp2p keeps 20 addresses of a peer it was recently connected to and takes up to 500
     * from one Identify of a connected peer; rust-libp2p's kad has no cap. A peer has one address
     * per interface, IP version and transport: 32 holds any honest one (several NATs and relays
     * included) while bounding a liar.
     */
    public static final int DEFAULT_MAX_SIZE = 32;

    private final List<Multiaddr> list;
    private final int maxSize;

    private Addresses(List<Multiaddr> list, int maxSize) {
        this.list = list;
        this.maxSize = maxSize;
    }

    /**
     * A single address, in a list of at most {@link #DEFAULT_MAX_SIZE}.
     *
     * @throws NullPointerException if {@code first} is null
     */
    public static Addresses of(Multiaddr first) {
        return of(first, DEFAULT_MAX_SIZE);
    }

    /**
     * A single address, in a list of at most {@code maxSize}.
     *
     * @throws NullPointerException if {@code first} is null
     * @throws IllegalArgumentException if {@code maxSize} is not positive
     */
    public static Addresses of(Multiaddr first, int maxSize) {
        return new Addresses(List.of(Objects.requireNonNull(first, "address")), checkMax(maxSize));
    }

    /**
     * The given addresses in order, later duplicates dropped, the last {@link #DEFAULT_MAX_SIZE}
     * kept.
     *
     * @throws IllegalArgumentException if {@code addresses} is empty
     * @throws NullPointerException if the list or one of its elements is null
     */
    public static Addresses of(List<Multiaddr> addresses) {
        return of(addresses, DEFAULT_MAX_SIZE);
    }

    /**
     * The given addresses in order, later duplicates dropped, the last {@code maxSize} kept.
     *
     * @throws IllegalArgumentException if {@code addresses} is empty or {@code maxSize} not positive
     * @throws NullPointerException if the list or one of its elements is null
     */
    public static Addresses of(List<Multiaddr> addresses, int maxSize) {
        checkMax(maxSize);
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("a peer needs at least one address: " + addresses);
        }
        for (Multiaddr a : addresses) {
            Objects.requireNonNull(a, "address");
        }
        List<Multiaddr> distinct = new ArrayList<>(new LinkedHashSet<>(addresses));
        return new Addresses(List.copyOf(distinct.subList(Math.max(0, distinct.size() - maxSize), distinct.size())),
                maxSize);
    }

    private static int checkMax(int maxSize) {
        if (maxSize <= 0) {
            throw new IllegalArgumentException("maxSize must be > 0: " + maxSize);
        }
        return maxSize;
    }

    /** The most addresses this list holds; adding to a full list drops the oldest. */
    public int maxSize() {
        return maxSize;
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

    /**
     * These addresses with {@code address} appended, the oldest dropped if the list was full; this
     * instance if it is already present. O({@link #maxSize()}).
     */
    public Addresses with(Multiaddr address) {
        Objects.requireNonNull(address, "address");
        if (list.contains(address)) {
            return this;
        }
        int drop = list.size() >= maxSize ? list.size() - maxSize + 1 : 0;
        List<Multiaddr> out = new ArrayList<>(list.size() - drop + 1);
        out.addAll(list.subList(drop, list.size()));
        out.add(address);
        return new Addresses(List.copyOf(out), maxSize);
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
        return Optional.of(new Addresses(List.copyOf(out), maxSize));
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
        return new Addresses(List.copyOf(out), maxSize);
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
