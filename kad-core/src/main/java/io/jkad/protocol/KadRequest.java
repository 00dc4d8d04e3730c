package io.jkad.protocol;

import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;

/** A Kademlia request, as the state machine sees it (the codec maps it to and from protobuf). */
public sealed interface KadRequest {

    /** The name of the message type on the wire ({@code FIND_NODE}, {@code GET_VALUE}, …), for logs and metrics. */
    String messageType();

    /** Whether the remote answers this request; only ADD_PROVIDER has no answer. */
    default boolean expectsResponse() {
        return true;
    }

    /** FIND_NODE: the closest peers to {@code key} (usually a peer id's bytes; opaque). */
    record FindNode(RecordKey key) implements KadRequest {
        @Override
        public String messageType() {
            return "FIND_NODE";
        }
    }

    /** GET_PROVIDERS: the providers of {@code key}, and the closest peers to it. */
    record GetProviders(RecordKey key) implements KadRequest {
        @Override
        public String messageType() {
            return "GET_PROVIDERS";
        }
    }

    /** ADD_PROVIDER: {@code provider} provides {@code key}. Has no response. */
    record AddProvider(RecordKey key, KadPeer provider) implements KadRequest {
        @Override
        public String messageType() {
            return "ADD_PROVIDER";
        }

        @Override
        public boolean expectsResponse() {
            return false;
        }
    }

    /** GET_VALUE: the record under {@code key}, and the closest peers to it. */
    record GetValue(RecordKey key) implements KadRequest {
        @Override
        public String messageType() {
            return "GET_VALUE";
        }
    }

    /** PUT_VALUE: store {@code record}. */
    record PutValue(DhtRecord record) implements KadRequest {
        @Override
        public String messageType() {
            return "PUT_VALUE";
        }
    }

    /** The deprecated PING message: answered for old peers, never sent. */
    record Ping() implements KadRequest {
        @Override
        public String messageType() {
            return "PING";
        }
    }
}
