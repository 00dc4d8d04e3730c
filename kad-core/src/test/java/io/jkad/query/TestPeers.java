package io.jkad.query;

import io.jkad.identity.PeerId;
import io.jkad.routing.Key;
import io.jkad.routing.KeyBytes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/** Random peers ranked by distance to a random target, for the unit tests. */
final class TestPeers {

    final KeyBytes target;
    /** All generated peers, closest to {@link #target} first. */
    final List<PeerId> ranked;

    TestPeers(long seed, int count) {
        Random random = new Random(seed);
        this.target = Key.of(PeerId.random(random)).bytes();
        List<PeerId> peers = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            peers.add(PeerId.random(random));
        }
        peers.sort(Comparator.comparing(p -> Key.of(p).distance(target)));
        this.ranked = List.copyOf(peers);
    }

    /** The peer of rank {@code i} (0 = closest). */
    PeerId get(int i) {
        return ranked.get(i);
    }

    /** The peers of ranks [from, to), as keys. */
    List<Key<PeerId>> keys(int from, int to) {
        List<Key<PeerId>> keys = new ArrayList<>();
        for (int i = from; i < to; i++) {
            keys.add(Key.of(ranked.get(i)));
        }
        return keys;
    }

    /** The peers of ranks [from, to). */
    List<PeerId> ids(int from, int to) {
        return new ArrayList<>(ranked.subList(from, to));
    }
}
