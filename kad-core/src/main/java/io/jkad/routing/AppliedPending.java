package io.jkad.routing;

import java.util.Optional;

/** A pending entry that was inserted into its bucket, and the entry it evicted, if any. */
public record AppliedPending<K, V>(Node<K, V> inserted, Optional<Node<K, V>> evicted) {}
