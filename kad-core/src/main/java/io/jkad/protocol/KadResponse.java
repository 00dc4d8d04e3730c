package io.jkad.protocol;

import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import java.util.List;
import java.util.Optional;

/** A Kademlia response, as the state machine sees it. */
public sealed interface KadResponse {

    record FindNode(List<KadPeer> closerPeers) implements KadResponse {
        public FindNode {
            closerPeers = List.copyOf(closerPeers);
        }
    }

    record GetProviders(List<KadPeer> closerPeers, List<KadPeer> providers) implements KadResponse {
        public GetProviders {
            closerPeers = List.copyOf(closerPeers);
            providers = List.copyOf(providers);
        }
    }

    record GetValue(Optional<DhtRecord> record, List<KadPeer> closerPeers) implements KadResponse {
        public GetValue {
            closerPeers = List.copyOf(closerPeers);
        }
    }

    /** The echo of a PUT_VALUE request: the key and value that were stored. */
    record PutValue(RecordKey key, DhtRecord record) implements KadResponse {}

    /** The echo of the deprecated PING. */
    record Pong() implements KadResponse {}
}
