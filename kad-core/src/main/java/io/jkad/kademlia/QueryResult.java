package io.jkad.kademlia;

import io.jkad.identity.PeerId;
import io.jkad.record.RecordKey;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The outcome of a query, one sealed family per operation. {@link #isOk()} tells success from
 * failure; each failure carries what was found before it failed.
 */
public sealed interface QueryResult {

    /** Whether the operation succeeded. */
    boolean isOk();

    /** The kind of query that produced this result. */
    QueryKind kind();

    /** A result of an operation that succeeded. */
    sealed interface Success extends QueryResult {
        @Override
        default boolean isOk() {
            return true;
        }
    }

    /** A result of an operation that failed, with what it found before. */
    sealed interface Failure extends QueryResult {
        @Override
        default boolean isOk() {
            return false;
        }
    }

    /** One step of {@link Kademlia#bootstrap}: a lookup of {@code peer}, with how many lookups follow. */
    sealed interface Bootstrap extends QueryResult {
        @Override
        default QueryKind kind() {
            return QueryKind.BOOTSTRAP;
        }

        PeerId peer();

        record Ok(PeerId peer, int numRemaining) implements Bootstrap, Success {}

        record Timeout(PeerId peer, OptionalInt numRemaining) implements Bootstrap, Failure {}
    }

    /** The result of {@link Kademlia#getClosestPeers}: closest first. */
    sealed interface GetClosestPeers extends QueryResult {
        @Override
        default QueryKind kind() {
            return QueryKind.GET_CLOSEST_PEERS;
        }

        RecordKey key();

        List<PeerId> peers();

        record Ok(RecordKey key, List<PeerId> peers) implements GetClosestPeers, Success {
            public Ok {
                peers = List.copyOf(peers);
            }
        }

        record Timeout(RecordKey key, List<PeerId> peers) implements GetClosestPeers, Failure {
            public Timeout {
                peers = List.copyOf(peers);
            }
        }
    }

    /** The result of {@link Kademlia#getProviders}. */
    sealed interface GetProviders extends QueryResult {
        @Override
        default QueryKind kind() {
            return QueryKind.GET_PROVIDERS;
        }

        RecordKey key();

        Set<PeerId> providers();

        List<PeerId> closestPeers();

        record Ok(RecordKey key, Set<PeerId> providers, List<PeerId> closestPeers) implements GetProviders, Success {
            public Ok {
                providers = Set.copyOf(providers);
                closestPeers = List.copyOf(closestPeers);
            }
        }

        record Timeout(RecordKey key, Set<PeerId> providers, List<PeerId> closestPeers) implements GetProviders, Failure {
            public Timeout {
                providers = Set.copyOf(providers);
                closestPeers = List.copyOf(closestPeers);
            }
        }
    }

    /** The result of {@link Kademlia#startProviding} ({@code republish} false) or of its periodic repetition (true). */
    sealed interface AddProvider extends QueryResult {
        @Override
        default QueryKind kind() {
            return QueryKind.ADD_PROVIDER;
        }

        RecordKey key();

        boolean republish();

        record Ok(RecordKey key, boolean republish) implements AddProvider, Success {}

        record Timeout(RecordKey key, boolean republish) implements AddProvider, Failure {}
    }

    /**
     * The result of {@link Kademlia#auditProvider}: the key's closest peers found, and which of
     * those that answered GET_PROVIDERS hold this node's provider record.
     */
    sealed interface ProviderAudit extends QueryResult {
        @Override
        default QueryKind kind() {
            return QueryKind.PROVIDER_AUDIT;
        }

        RecordKey key();

        /** The closest peers found (asked), closest first. */
        List<PeerId> closest();

        /** Those that answered. */
        Set<PeerId> answered();

        /** Those that listed this node as a provider. */
        Set<PeerId> holding();

        record Ok(RecordKey key, List<PeerId> closest, Set<PeerId> answered, Set<PeerId> holding)
                implements ProviderAudit, Success {}

        record Timeout(RecordKey key, List<PeerId> closest, Set<PeerId> answered, Set<PeerId> holding)
                implements ProviderAudit, Failure {}
    }

    /** The result of {@link Kademlia#getRecord}. */
    sealed interface GetRecord extends QueryResult {
        @Override
        default QueryKind kind() {
            return QueryKind.GET_RECORD;
        }

        RecordKey key();

        /** The valid copies found, the validator's best first; none for {@link NotFound}. */
        List<PeerRecord> records();

        /**
         * The records found (at least the quorum), and the peers closest to the key that were asked
         * and did not return it, closest first (empty when caching is disabled).
         */
        record Ok(RecordKey key, List<PeerRecord> records, List<PeerId> cacheCandidates) implements GetRecord, Success {
            public Ok {
                records = List.copyOf(records);
                cacheCandidates = List.copyOf(cacheCandidates);
            }
        }

        /** No peer returned the record; the closest peers that were found. */
        record NotFound(RecordKey key, List<PeerId> closestPeers) implements GetRecord, Failure {
            public NotFound {
                closestPeers = List.copyOf(closestPeers);
            }

            @Override
            public List<PeerRecord> records() {
                return List.of();
            }
        }

        /** Fewer than {@code quorum} peers returned the record. */
        record QuorumFailed(RecordKey key, List<PeerRecord> records, int quorum) implements GetRecord, Failure {
            public QuorumFailed {
                records = List.copyOf(records);
            }
        }

        record Timeout(RecordKey key, List<PeerRecord> records, int quorum) implements GetRecord, Failure {
            public Timeout {
                records = List.copyOf(records);
            }
        }
    }

    /**
     * The result of {@link Kademlia#putRecord} or {@link Kademlia#putRecordTo} ({@code republish}
     * false) or of a periodic republication of a record this node published (true).
     */
    sealed interface PutRecord extends QueryResult {
        @Override
        default QueryKind kind() {
            return QueryKind.PUT_RECORD;
        }

        RecordKey key();

        boolean republish();

        /** The peers that stored the record. */
        List<PeerId> success();

        record Ok(RecordKey key, boolean republish, List<PeerId> success) implements PutRecord, Success {
            public Ok {
                success = List.copyOf(success);
            }
        }

        record QuorumFailed(RecordKey key, boolean republish, List<PeerId> success, int quorum) implements PutRecord, Failure {
            public QuorumFailed {
                success = List.copyOf(success);
            }
        }

        record Timeout(RecordKey key, boolean republish, List<PeerId> success, int quorum) implements PutRecord, Failure {
            public Timeout {
                success = List.copyOf(success);
            }
        }
    }
}
