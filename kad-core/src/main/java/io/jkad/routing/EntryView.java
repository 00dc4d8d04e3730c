package io.jkad.routing;

/** A snapshot of a routing table entry and its connection status. */
public record EntryView<K, V>(Node<K, V> node, NodeStatus status) {}
