package io.jkad.kademlia;

/** How a node announces the keys it provides again, every provider publication interval. */
public enum ReprovideStrategy {
    /**
     * One lookup of the key's closest peers per key, then ADD_PROVIDER to them (the reference's
     * {@code AddProviderJob}): about 20 requests per key, so a few thousand keys per interval.
     */
    PER_KEY,
    /**
     * A sweep over the keyspace ({@link ReprovideSweep}): the provided keys, read from the store in
     * keyspace order, are grouped by region; the peers of each region are found once, and every key
     * of the region is sent to its own closest of them, many ADD_PROVIDERs per stream; regions are
     * spread over the interval, and the schedule is kept in the store so that a restart resumes it.
     */
    SWEEP
}
