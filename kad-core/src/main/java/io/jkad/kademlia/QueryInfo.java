package io.jkad.kademlia;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.protocol.ConnectionType;
import io.jkad.protocol.KadPeer;
import io.jkad.protocol.KadRequest;
import io.jkad.query.QueryStats;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.jkad.routing.Distance;
import io.jkad.routing.Key;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/** The per-kind state of a query. Mutable; owned by the logic thread. */
abstract sealed class QueryInfo {

    abstract QueryKind kind();

    QueryPhase phase() {
        return QueryPhase.LOOKUP;
    }

    QueryContext context() {
        return null;
    }

    /** The key the query is about. */
    abstract RecordKey key();

    /** The request the query sends to a peer in its current phase. */
    abstract KadRequest request();

    static final class Bootstrap extends QueryInfo {
        final PeerId peer;
        /** The bucket refresh targets still to look up; null until the self-lookup finished. */
        final ArrayDeque<Key<PeerId>> remaining;

        Bootstrap(PeerId peer, ArrayDeque<Key<PeerId>> remaining) {
            this.peer = peer;
            this.remaining = remaining;
        }

        @Override
        QueryKind kind() {
            return QueryKind.BOOTSTRAP;
        }

        @Override
        RecordKey key() {
            return RecordKey.of(peer.toBytes());
        }

        @Override
        KadRequest request() {
            return new KadRequest.FindNode(key());
        }
    }

    static final class GetClosestPeers extends QueryInfo {
        final RecordKey key;

        GetClosestPeers(RecordKey key) {
            this.key = key;
        }

        @Override
        QueryKind kind() {
            return QueryKind.GET_CLOSEST_PEERS;
        }

        @Override
        RecordKey key() {
            return key;
        }

        @Override
        KadRequest request() {
            return new KadRequest.FindNode(key);
        }
    }

    static final class GetProviders extends QueryInfo {
        final RecordKey key;
        final Set<PeerId> providers = new LinkedHashSet<>();

        GetProviders(RecordKey key) {
            this.key = key;
        }

        @Override
        QueryKind kind() {
            return QueryKind.GET_PROVIDERS;
        }

        @Override
        RecordKey key() {
            return key;
        }

        @Override
        KadRequest request() {
            return new KadRequest.GetProviders(key);
        }
    }

    static final class AddProvider extends QueryInfo {
        final RecordKey key;
        final boolean republish;
        /** Null while looking up the closest peers; then the provider announced. */
        final KadPeer provider;
        final QueryStats lookupStats;

        AddProvider(RecordKey key, boolean republish) {
            this(key, republish, null, QueryStats.empty());
        }

        private AddProvider(RecordKey key, boolean republish, KadPeer provider, QueryStats lookupStats) {
            this.key = key;
            this.republish = republish;
            this.provider = provider;
            this.lookupStats = lookupStats;
        }

        AddProvider announcing(PeerId local, List<Multiaddr> addresses, QueryStats lookupStats) {
            return new AddProvider(key, republish, new KadPeer(local, addresses, ConnectionType.CONNECTED), lookupStats);
        }

        @Override
        QueryKind kind() {
            return QueryKind.ADD_PROVIDER;
        }

        @Override
        QueryPhase phase() {
            return provider == null ? QueryPhase.LOOKUP : QueryPhase.ADD_PROVIDER;
        }

        @Override
        QueryContext context() {
            return republish ? QueryContext.REPUBLISH : QueryContext.PUBLISH;
        }

        @Override
        RecordKey key() {
            return key;
        }

        @Override
        KadRequest request() {
            return provider == null ? new KadRequest.FindNode(key) : new KadRequest.AddProvider(key, provider);
        }
    }

    static final class GetRecord extends QueryInfo {
        final RecordKey key;
        final int quorum;
        final List<PeerRecord> records = new ArrayList<>();
        /** The peers that answered without the record, by distance to the key. */
        final TreeMap<Distance, PeerId> cacheCandidates = new TreeMap<>();

        GetRecord(RecordKey key, int quorum) {
            this.key = key;
            this.quorum = quorum;
        }

        @Override
        QueryKind kind() {
            return QueryKind.GET_RECORD;
        }

        @Override
        RecordKey key() {
            return key;
        }

        @Override
        KadRequest request() {
            return new KadRequest.GetValue(key);
        }
    }

    static final class PutRecord extends QueryInfo {
        final DhtRecord record;
        final int quorum;
        final QueryContext context;
        /** Null while looking up the closest peers; then the peers that stored the record. */
        final List<PeerId> success;
        final QueryStats lookupStats;

        PutRecord(DhtRecord record, int quorum, QueryContext context, boolean lookup) {
            this(record, quorum, context, lookup ? null : new ArrayList<>(), QueryStats.empty());
        }

        private PutRecord(DhtRecord record, int quorum, QueryContext context, List<PeerId> success,
                          QueryStats lookupStats) {
            this.record = record;
            this.quorum = quorum;
            this.context = context;
            this.success = success;
            this.lookupStats = lookupStats;
        }

        PutRecord storing(QueryStats lookupStats) {
            return new PutRecord(record, quorum, context, new ArrayList<>(), lookupStats);
        }

        @Override
        QueryKind kind() {
            return QueryKind.PUT_RECORD;
        }

        @Override
        QueryPhase phase() {
            return success == null ? QueryPhase.LOOKUP : QueryPhase.PUT_RECORD;
        }

        @Override
        QueryContext context() {
            return context;
        }

        @Override
        RecordKey key() {
            return record.key();
        }

        @Override
        KadRequest request() {
            return success == null ? new KadRequest.FindNode(record.key()) : new KadRequest.PutValue(record);
        }
    }
}
