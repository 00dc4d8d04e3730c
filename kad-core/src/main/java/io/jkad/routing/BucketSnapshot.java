package io.jkad.routing;

import java.util.List;
import java.util.Optional;

/** An immutable {@link KBucketView}: the state of one bucket when it was taken. */
record BucketSnapshot<K, V>(int index, List<EntryView<K, V>> entries,
        Optional<PendingView<K, V>> pending) implements KBucketView<K, V> {

    @Override
    public int numEntries() {
        return entries.size();
    }

    @Override
    public boolean isEmpty() {
        return entries.isEmpty();
    }

    @Override
    public boolean contains(Distance distance) {
        return distance.bucketIndex() == index;
    }
}
