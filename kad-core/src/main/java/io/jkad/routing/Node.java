package io.jkad.routing;

/** A routing table entry: a key and its value (for peers, their {@link Addresses}). */
public record Node<K, V>(Key<K> key, V value) {}
