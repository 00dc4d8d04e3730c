package io.jkad.kademlia;

import io.jkad.protocol.KadRequest;
import java.util.Objects;

/**
 * Per-peer budgets for inbound Kademlia requests, one token bucket per peer and request type: a
 * peer may send {@code burst} requests of a type at once, then {@code perSecond} of them per
 * second. A request over budget is refused with a stream reset before it touches the store or
 * the routing table (see {@link Kademlia#onRequest}), so that one peer cannot take the logic
 * thread. At most {@code maxPeers} peers are tracked: the least recently seen one is forgotten
 * first, which only ever gives it a fresh (full) bucket, so a flood from many peer ids costs
 * bounded memory and never restricts an honest peer more.
 *
 * <p>How the defaults were chosen. They are meant never to touch an honest go, rust or js peer:
 * <ul>
 *   <li>FIND_NODE, GET_VALUE, GET_PROVIDERS: a lookup sends one request per peer it queries, so
 *       even a busy node with dozens of lookups in flight sends one node a few per second; the
 *       bursts come from bootstraps (one lookup per bucket, run one after another) and from
 *       go-libp2p's crawler ("accelerated DHT client"), which asks each peer one FIND_NODE per
 *       bucket at once, about 15 to 25. Default 20 per second, burst 100.</li>
 *   <li>PUT_VALUE: hourly replication and daily republication send a peer every record it is
 *       among the k closest of back to back (jkad's own job runs up to 100 such queries at once).
 *       Default 10 per second, burst 100.</li>
 *   <li>ADD_PROVIDER: a reprovide sweep sends one peer every key it is close to; a node with
 *       100,000 keys in a network of 10,000 nodes sends each peer about 100000 · 20 / 10000 = 200
 *       of them, all at once with go's accelerated client. Default 20 per second, burst 500.</li>
 *   <li>PING (deprecated; rust-libp2p and go never send it): default 2 per second, burst 10.</li>
 * </ul>
 * All types together let one peer make about 92 requests a second after its bursts; at tens of
 * microseconds each (a store round trip for PUT_VALUE on JDBC: about a millisecond) that is a
 * few percent of the logic thread at most, which is the bound a flood then meets.
 * go-libp2p-kad-dht has no per-peer request limit (its resource manager limits streams);
 * rust-libp2p neither; these are jkad's own.
 *
 * @param findNode FIND_NODE
 * @param getValue GET_VALUE
 * @param putValue PUT_VALUE
 * @param getProviders GET_PROVIDERS
 * @param addProvider ADD_PROVIDER
 * @param ping PING
 * @param maxPeers the most peers whose buckets are kept (default 10,000: about 1 MB)
 */
public record RequestLimits(Rate findNode, Rate getValue, Rate putValue, Rate getProviders, Rate addProvider,
                            Rate ping, int maxPeers) {

    /** The defaults: see the class description. */
    public static final RequestLimits DEFAULTS = new RequestLimits(new Rate(20, 100), new Rate(20, 100),
            new Rate(10, 100), new Rate(20, 100), new Rate(20, 500), new Rate(2, 10), 10_000);

    /** No limit on any type (as before the limits existed; for tests and private networks). */
    public static final RequestLimits UNLIMITED = new RequestLimits(Rate.UNLIMITED, Rate.UNLIMITED, Rate.UNLIMITED,
            Rate.UNLIMITED, Rate.UNLIMITED, Rate.UNLIMITED, 1);

    public RequestLimits {
        Objects.requireNonNull(findNode, "findNode");
        Objects.requireNonNull(getValue, "getValue");
        Objects.requireNonNull(putValue, "putValue");
        Objects.requireNonNull(getProviders, "getProviders");
        Objects.requireNonNull(addProvider, "addProvider");
        Objects.requireNonNull(ping, "ping");
        if (maxPeers < 1) {
            throw new IllegalArgumentException("maxPeers must be > 0: " + maxPeers);
        }
    }

    /** The same limits for every type. */
    public static RequestLimits uniform(Rate rate, int maxPeers) {
        return new RequestLimits(rate, rate, rate, rate, rate, rate, maxPeers);
    }

    /** The budget of {@code request}'s type. */
    public Rate rateOf(KadRequest request) {
        return rates()[typeIndex(request)];
    }

    /** The rates in the order of {@link #typeIndex}. */
    Rate[] rates() {
        return new Rate[] {findNode, getValue, putValue, getProviders, addProvider, ping};
    }

    /** The number of request types. */
    static final int TYPES = 6;

    /** 0..5: FIND_NODE, GET_VALUE, PUT_VALUE, GET_PROVIDERS, ADD_PROVIDER, PING. */
    static int typeIndex(KadRequest request) {
        if (request instanceof KadRequest.FindNode) {
            return 0;
        } else if (request instanceof KadRequest.GetValue) {
            return 1;
        } else if (request instanceof KadRequest.PutValue) {
            return 2;
        } else if (request instanceof KadRequest.GetProviders) {
            return 3;
        } else if (request instanceof KadRequest.AddProvider) {
            return 4;
        }
        return 5;
    }

    /**
     * A token bucket: {@code burst} requests at once, refilled at {@code perSecond}.
     * {@link #UNLIMITED} (an infinite rate) never refuses.
     */
    public record Rate(double perSecond, int burst) {
        public static final Rate UNLIMITED = new Rate(Double.POSITIVE_INFINITY, 1);

        public Rate {
            if (!(perSecond > 0) || Double.isNaN(perSecond)) {
                throw new IllegalArgumentException("rate must be > 0 per second: " + perSecond);
            }
            if (burst < 1) {
                throw new IllegalArgumentException("burst must be > 0: " + burst);
            }
        }

        public boolean isUnlimited() {
            return Double.isInfinite(perSecond);
        }

        /** The time one token takes to come back, in nanoseconds (0 when unlimited). */
        long intervalNanos() {
            return isUnlimited() ? 0 : Math.max(1, (long) (1e9 / perSecond));
        }
    }
}
