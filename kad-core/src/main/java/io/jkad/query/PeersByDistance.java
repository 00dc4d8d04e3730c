package io.jkad.query;

import io.jkad.identity.PeerId;
import io.jkad.routing.Distance;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;

/**
 * The peers a lookup knows, in ascending distance to its target, and by id: the list both
 * closest-peers iterators walk. A peer is inserted once, at its place, and never removed; its
 * state lives in the iterator's own subclass of {@link Known}.
 *
 * <p>Not thread-safe.
 */
final class PeersByDistance<P extends PeersByDistance.Known> implements Iterable<P> {

    /** A known peer and its distance to the lookup's target. */
    abstract static class Known {
        final PeerId id;
        final Distance distance;

        Known(PeerId id, Distance distance) {
            this.id = id;
            this.distance = distance;
        }
    }

    private final ArrayList<P> list;
    /** The same peers, by id; only looked up, never iterated. */
    private final HashMap<PeerId, P> byId = new HashMap<>();

    PeersByDistance(int initialCapacity) {
        this.list = new ArrayList<>(initialCapacity);
    }

    int size() {
        return list.size();
    }

    /** The {@code index}-th closest known peer. */
    P get(int index) {
        return list.get(index);
    }

    /** The known peer with {@code id}, or null. */
    P find(PeerId id) {
        return byId.get(id);
    }

    boolean contains(PeerId id) {
        return byId.containsKey(id);
    }

    /**
     * Inserts {@code peer} at its place by distance.
     *
     * @return its index, or -1 if it is known already (or a peer at the same distance: the same key)
     */
    int insert(P peer) {
        if (byId.containsKey(peer.id)) {
            return -1;
        }
        int lo = 0;
        int hi = list.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = list.get(mid).distance.compareTo(peer.distance);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                return -1;
            }
        }
        list.add(lo, peer);
        byId.put(peer.id, peer);
        return lo;
    }

    /** The peers from the closest on. */
    @Override
    public Iterator<P> iterator() {
        return list.iterator();
    }
}
