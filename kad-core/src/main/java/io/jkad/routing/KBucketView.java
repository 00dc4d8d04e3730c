package io.jkad.routing;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** A snapshot of one k-bucket. */
public interface KBucketView<K, V> {

    /** A bucket's pending entry and when it becomes due. */
    record PendingView<K, V>(EntryView<K, V> entry, Instant replaceAt) {}

    /** The bucket index (0..255): the highest bit set in the distance of its entries to the local key. */
    int index();

    /** The entries, least recently connected first. */
    List<EntryView<K, V>> entries();

    Optional<PendingView<K, V>> pending();

    int numEntries();

    boolean isEmpty();

    /** Whether a key at {@code distance} from the local key falls into this bucket. */
    boolean contains(Distance distance);
}
