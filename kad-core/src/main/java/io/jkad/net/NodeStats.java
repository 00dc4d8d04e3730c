package io.jkad.net;

/**
 * What a {@link KademliaNode}'s state machine holds at one moment, read on its logic thread
 * ({@link KademliaNode#stats()}): a read-only view, so that monitoring needs no access to the
 * state machine itself.
 *
 * @param routingTableSize peers in the routing table
 * @param runningQueries queries in progress, the node's own and its background jobs'
 */
public record NodeStats(int routingTableSize, int runningQueries) {
}
