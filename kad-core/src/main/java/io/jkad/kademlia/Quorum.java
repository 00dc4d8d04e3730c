package io.jkad.kademlia;

/**
 * How many distinct peers must answer successfully for a record operation to succeed, relative
 * to a total (the replication factor, or the number of peers given to {@code putRecordTo}).
 */
public sealed interface Quorum {

    /** One peer. */
    record One() implements Quorum {}

    /** More than half of the total. */
    record Majority() implements Quorum {}

    /** All of the total. */
    record All() implements Quorum {}

    /** {@code n} peers, at most the total. */
    record N(int n) implements Quorum {
        public N {
            if (n <= 0) {
                throw new IllegalArgumentException("quorum must be > 0: " + n);
            }
        }
    }

    Quorum ONE = new One();
    Quorum MAJORITY = new Majority();
    Quorum ALL = new All();

    static Quorum of(int n) {
        return new N(n);
    }

    /** The number of peers this quorum requires out of {@code total} (&gt; 0). */
    default int eval(int total) {
        if (total <= 0) {
            throw new IllegalArgumentException("quorum total must be > 0: " + total);
        }
        if (this instanceof One) {
            return 1;
        } else if (this instanceof Majority) {
            return total / 2 + 1;
        } else if (this instanceof All) {
            return total;
        } else {
            return Math.min(total, ((N) this).n());
        }
    }
}
