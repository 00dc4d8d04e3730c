package io.jkad.query;

import io.jkad.identity.PeerId;

/** What a peers iterator wants next. */
public sealed interface PeersIterState {

    /** Send a request to {@code peer}; the iterator now counts it as in flight. */
    record Contact(PeerId peer) implements PeersIterState {}

    /** Waiting for responses; more requests may be allowed once peers are discovered. */
    record Waiting() implements PeersIterState {}

    /** Waiting for responses with as many requests in flight as allowed. */
    record WaitingAtCapacity() implements PeersIterState {}

    /** The iteration is over; {@link PeersIterator#result()} holds the outcome. */
    record Finished() implements PeersIterState {}

    PeersIterState WAITING = new Waiting();
    PeersIterState WAITING_AT_CAPACITY = new WaitingAtCapacity();
    PeersIterState FINISHED = new Finished();
}
