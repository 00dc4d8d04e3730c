package io.jkad.kademlia;

import io.jkad.identity.PeerId;
import io.jkad.routing.Key;
import io.jkad.routing.KeyBytes;
import java.util.ArrayDeque;
import java.util.List;
import java.util.OptionalDouble;

/**
 * An estimate of the number of nodes in the network, from the peers that lookups found closest to
 * their targets.
 *
 * <p>Method: node ids are uniform in the keyspace, so in a network of N nodes the i-th closest to
 * any target lies at an expected distance of i/(N+1) of the keyspace. Each finished lookup gives
 * the distances d_1 ≤ … ≤ d_m of the peers it found closest (the local node is not among them);
 * the estimate is the least-squares fit of that line through the origin over the last
 * {@value #WINDOW} lookups: 1/(N+1) = Σ i·d_i / Σ i². A lookup that missed a close peer only
 * shifts the later distances up, so the estimate errs low by about the fraction of peers missed.
 * Before enough lookups ({@value #MIN_LOOKUPS}) the routing table's peers closest to the local
 * key stand in (the buckets near the local key are the most complete, but not exactly, so this
 * errs low in large networks). How good each is, in the simulator: {@code kad sim} reports
 * {@code network_size_estimate}.
 */
final class NetworkSize {
    /** How many recent lookups the estimate is fitted over. */
    static final int WINDOW = 64;
    /** How many lookups are needed before they replace the routing table's estimate. */
    static final int MIN_LOOKUPS = 4;
    /** The most peers of one lookup that count (the k closest). */
    static final int MAX_PER_LOOKUP = 20;

    /** Per lookup: Σ i·d_i and Σ i². */
    private record Fit(double weighted, double squares) {}

    private final ArrayDeque<Fit> recent = new ArrayDeque<>();
    private double weighted;
    private double squares;

    /**
     * A lookup of {@code target} finished with {@code closest}, closest first (fewer than 3 peers
     * tell nothing and are ignored).
     */
    void onLookup(KeyBytes target, List<PeerId> closest) {
        Fit fit = fit(target, closest);
        if (fit == null) {
            return;
        }
        recent.addLast(fit);
        weighted += fit.weighted();
        squares += fit.squares();
        if (recent.size() > WINDOW) {
            Fit old = recent.removeFirst();
            weighted -= old.weighted();
            squares -= old.squares();
        }
    }

    private static Fit fit(KeyBytes target, List<PeerId> closest) {
        if (closest.size() < 3) {
            return null;
        }
        double[] d = new double[closest.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = target.distance(Key.of(closest.get(i)).bytes()).fraction();
        }
        java.util.Arrays.sort(d);
        double w = 0;
        double q = 0;
        int m = Math.min(d.length, MAX_PER_LOOKUP);
        for (int i = 1; i <= m; i++) {
            w += i * d[i - 1];
            q += (double) i * i;
        }
        return new Fit(w, q);
    }

    /** How many lookups the estimate is fitted over now. */
    int lookups() {
        return recent.size();
    }

    /**
     * The estimate: from the recent lookups when there are enough, else from {@code ownClosest}
     * (the routing table's peers closest to {@code localKey}, closest first); empty when neither
     * tells anything.
     */
    OptionalDouble estimate(KeyBytes localKey, List<PeerId> ownClosest) {
        if (recent.size() >= MIN_LOOKUPS && weighted > 0) {
            return OptionalDouble.of(Math.max(1, squares / weighted - 1) + 1);
        }
        Fit own = fit(localKey, ownClosest);
        if (own == null || own.weighted() <= 0) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(Math.max(1, own.squares() / own.weighted() - 1) + 1);
    }
}
