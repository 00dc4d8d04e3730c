package io.jkad.query;

/**
 * How a lookup of the closest peers chooses whom to ask and when. Both send the same requests on
 * the wire (FIND_NODE and its kin); they differ only in which peers are asked and when.
 */
public enum LookupStrategy {
    /**
     * The reference's iteration ({@link ClosestPeersIter}, rust-libp2p's {@code ClosestPeersIter}):
     * α requests in flight, and once stalled up to k, which keeps asking peers beyond the k closest
     * as answers come in.
     */
    REFERENCE,
    /**
     * {@link TunedClosestPeersIter}: never asks beyond the k closest known (plus one hedge for each
     * slow request among them), asks the rest of the k closest at once as soon as the closest known
     * peer has answered or they lie in the target's expected neighbourhood, prefers peers with a
     * short known round trip while converging, dials the k closest ahead of their requests, and ends
     * once the 3 closest answered and the rest of the k closest answered or are connected (so its
     * result may hold peers whose answer had not come yet).
     */
    TUNED
}
