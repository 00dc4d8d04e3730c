package io.jkad.kademlia;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Where one of a node's periodic jobs stands ({@link Kademlia#jobs()}): how often it runs, when
 * its current or last run started, and when the next one is due — read from the state machine,
 * in the time it was given.
 *
 * @param name       {@code bootstrap}, {@code provider_republication}, {@code record_replication}
 *                   or {@code record_republication}
 * @param every      its interval
 * @param lastStart  when its last run started, if one did
 * @param running    whether a run is handing out work now (it then has no next run yet)
 * @param next       when the next run is due, if not running
 */
public record JobSchedule(String name, Duration every, Optional<Instant> lastStart, boolean running,
                          Optional<Instant> next) {
}
