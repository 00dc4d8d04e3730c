package io.jkad.kademlia;

import io.jkad.query.LookupStrategy;
import io.jkad.query.QueryConfig;
import io.jkad.validation.UnknownNamespacePolicy;
import io.jkad.validation.Validators;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The configuration of a {@link Kademlia} node. Immutable; built with {@link #builder()}. The
 * defaults are those of the reference (rust-libp2p libp2p-kad 0.29), except the maximum packet
 * size (4 MiB, as go and js use), the bootstrap again of a node left with a small routing
 * table ({@link #lowTableBootstrap()}), the pause of a bucket's liveness checks
 * ({@link #kbucketRecheckDelay()}) and the bootstrap's skipping the refresh of a bucket full of
 * live peers ({@link #refreshFullBuckets()}). {@link #spec2022()} gives the current libp2p spec's
 * timings.
 */
public final class KademliaConfig {

    /** The libp2p Kademlia protocol id. */
    public static final String DEFAULT_PROTOCOL = "/ipfs/kad/1.0.0";
    /** k: how many closest peers store a record. */
    public static final int DEFAULT_REPLICATION_FACTOR = 20;
    /** α: how many requests a lookup has in flight. */
    public static final int DEFAULT_PARALLELISM = 3;
    public static final Duration DEFAULT_QUERY_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration DEFAULT_PEER_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_RECORD_TTL = Duration.ofHours(36);
    public static final Duration DEFAULT_REPLICATION_INTERVAL = Duration.ofHours(1);
    public static final Duration DEFAULT_PUBLICATION_INTERVAL = Duration.ofHours(24);
    public static final Duration DEFAULT_PROVIDER_RECORD_TTL = Duration.ofHours(24);
    public static final Duration DEFAULT_PROVIDER_PUBLICATION_INTERVAL = Duration.ofHours(12);
    public static final Duration DEFAULT_CONNECTION_IDLE_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_KBUCKET_PENDING_TIMEOUT = Duration.ofSeconds(60);
    public static final int DEFAULT_MAX_PACKET_SIZE = 4 * 1024 * 1024;
    static final long DEFAULT_LOW_TABLE_BOOTSTRAP_SECONDS = 1;
    public static final Duration DEFAULT_LOW_TABLE_BOOTSTRAP = Duration.ofSeconds(DEFAULT_LOW_TABLE_BOOTSTRAP_SECONDS);

    private final String protocolName;
    private final Duration queryTimeout;
    private final Duration peerTimeout;
    private final int replicationFactor;
    private final int parallelism;
    private final boolean disjointQueryPaths;
    private final Optional<Duration> recordTtl;
    private final Optional<Duration> replicationInterval;
    private final Optional<Duration> publicationInterval;
    private final Optional<Duration> providerRecordTtl;
    private final Optional<Duration> providerPublicationInterval;
    private final Duration connectionIdleTimeout;
    private final Duration kbucketPendingTimeout;
    private final Optional<Duration> kbucketRecheckDelay;
    private final int maxPacketSize;
    private final BucketInserts bucketInserts;
    private final Caching caching;
    private final Optional<Duration> bootstrapInterval;
    private final Optional<Duration> lowTableBootstrap;
    private final boolean refreshFullBuckets;
    private final RequestLimits requestLimits;
    private final Validators validators;
    private final ReprovideStrategy reprovideStrategy;
    private final java.util.OptionalInt reprovideRegionBits;
    private final LookupStrategy lookupStrategy;

    private KademliaConfig(Builder b) {
        this.protocolName = b.protocolName;
        this.queryTimeout = b.queryTimeout;
        this.peerTimeout = b.peerTimeout;
        this.replicationFactor = b.replicationFactor;
        this.parallelism = b.parallelism;
        this.disjointQueryPaths = b.disjointQueryPaths;
        this.recordTtl = b.recordTtl;
        this.replicationInterval = b.replicationInterval;
        this.publicationInterval = b.publicationInterval;
        this.providerRecordTtl = b.providerRecordTtl;
        this.providerPublicationInterval = b.providerPublicationInterval;
        this.connectionIdleTimeout = b.connectionIdleTimeout;
        this.kbucketPendingTimeout = b.kbucketPendingTimeout;
        this.kbucketRecheckDelay = b.kbucketRecheckDelay;
        this.maxPacketSize = b.maxPacketSize;
        this.bucketInserts = b.bucketInserts;
        this.caching = b.caching;
        this.bootstrapInterval = b.bootstrapInterval;
        this.lowTableBootstrap = b.lowTableBootstrap;
        this.refreshFullBuckets = b.refreshFullBuckets;
        this.requestLimits = b.requestLimits;
        this.validators = b.validators;
        this.reprovideStrategy = b.reprovideStrategy;
        this.reprovideRegionBits = b.reprovideRegionBits;
        this.lookupStrategy = b.lookupStrategy;
    }

    /** The reference defaults. */
    public static KademliaConfig defaults() {
        return builder().build();
    }

    /**
     * The timings of the current libp2p Kademlia spec (and go-libp2p-kad-dht): record and provider
     * record TTL 48 h, republication of records and provider records every 22 h.
     */
    public static KademliaConfig spec2022() {
        return builder()
                .recordTtl(Optional.of(Duration.ofHours(48)))
                .providerRecordTtl(Optional.of(Duration.ofHours(48)))
                .publicationInterval(Optional.of(Duration.ofHours(22)))
                .providerPublicationInterval(Optional.of(Duration.ofHours(22)))
                .build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.protocolName = protocolName;
        b.queryTimeout = queryTimeout;
        b.peerTimeout = peerTimeout;
        b.replicationFactor = replicationFactor;
        b.parallelism = parallelism;
        b.disjointQueryPaths = disjointQueryPaths;
        b.recordTtl = recordTtl;
        b.replicationInterval = replicationInterval;
        b.publicationInterval = publicationInterval;
        b.providerRecordTtl = providerRecordTtl;
        b.providerPublicationInterval = providerPublicationInterval;
        b.connectionIdleTimeout = connectionIdleTimeout;
        b.kbucketPendingTimeout = kbucketPendingTimeout;
        b.kbucketRecheckDelay = kbucketRecheckDelay;
        b.maxPacketSize = maxPacketSize;
        b.bucketInserts = bucketInserts;
        b.caching = caching;
        b.bootstrapInterval = bootstrapInterval;
        b.lowTableBootstrap = lowTableBootstrap;
        b.refreshFullBuckets = refreshFullBuckets;
        b.requestLimits = requestLimits;
        b.validators = validators;
        b.reprovideStrategy = reprovideStrategy;
        b.reprovideRegionBits = reprovideRegionBits;
        b.lookupStrategy = lookupStrategy;
        return b;
    }

    /** The protocol id nodes speak; only nodes with the same id talk to each other. Default {@value #DEFAULT_PROTOCOL}. */
    public String protocolName() {
        return protocolName;
    }

    /** How long one query may run (not one request). Default 60 s. */
    public Duration queryTimeout() {
        return queryTimeout;
    }

    /** How long a lookup waits for one peer before it stops counting it as in flight. Default 10 s. */
    public Duration peerTimeout() {
        return peerTimeout;
    }

    /** k: records are stored at the k closest peers; lookups find the k closest. Default 20. */
    public int replicationFactor() {
        return replicationFactor;
    }

    /** α: requests in flight per lookup, or the number of disjoint paths. Default 3. */
    public int parallelism() {
        return parallelism;
    }

    /** Whether lookups use S/Kademlia disjoint paths. Default false. */
    public boolean disjointQueryPaths() {
        return disjointQueryPaths;
    }

    /** The TTL of value records (empty: they never expire). Default 36 h. */
    public Optional<Duration> recordTtl() {
        return recordTtl;
    }

    /** How often stored records are replicated to the current k closest (empty: never). Default 1 h. */
    public Optional<Duration> replicationInterval() {
        return replicationInterval;
    }

    /** How often the records this node published are published again (empty: never). Default 24 h. */
    public Optional<Duration> publicationInterval() {
        return publicationInterval;
    }

    /** The TTL of provider records received from others (empty: never expire). Default 24 h. */
    public Optional<Duration> providerRecordTtl() {
        return providerRecordTtl;
    }

    /** How often this node announces the keys it provides again (empty: never). Default 12 h. */
    public Optional<Duration> providerPublicationInterval() {
        return providerPublicationInterval;
    }

    /** How long a connection without streams stays open. Default 10 s. */
    public Duration connectionIdleTimeout() {
        return connectionIdleTimeout;
    }

    /** How long a pending routing table entry waits before replacing an unresponsive one. Default 60 s. */
    public Duration kbucketPendingTimeout() {
        return kbucketPendingTimeout;
    }

    /**
     * How long a full bucket takes no new pending entry after its least recently connected entry
     * proved alive. A connected peer that finds its bucket full waits as the pending entry, and
     * the node dials the least recently connected entry if it is disconnected; when that entry
     * answers, the waiting peer is dropped. In the reference the next new peer then waits and
     * dials again at once, so every new peer that reaches a full bucket costs a connection to an
     * entry that just answered: in a 1,000-node devnet with short idle timeouts these checks were
     * most of the bootstrap's connections, and any peer that connects under fresh identities can
     * make the node dial on its behalf. Default the pending timeout (60 s), so each bucket checks
     * at most once a minute; empty: no pause, as in the reference.
     */
    public Optional<Duration> kbucketRecheckDelay() {
        return kbucketRecheckDelay;
    }

    /**
     * The largest Kademlia answer read and message written, in bytes. Default 4 MiB, go's and js's
     * maximum message: a GET_VALUE answer carries a record of whatever size the answering peer
     * accepts, plus closer peers (of which only k are decoded). Requests read by a node have their
     * own, smaller limit ({@code KademliaNodeConfig.maxRequestSize()}, 68 KiB by default).
     */
    public int maxPacketSize() {
        return maxPacketSize;
    }

    /** When peers enter the routing table. Default {@link BucketInserts#ON_CONNECTED}. */
    public BucketInserts bucketInserts() {
        return bucketInserts;
    }

    /** Write-back caching. Default {@code Enabled(1)}. */
    public Caching caching() {
        return caching;
    }

    /**
     * The record validators by key namespace, and the policy for keys of other namespaces.
     * Default: those {@link java.util.ServiceLoader} finds (the built-in {@code pk} and
     * {@code ipns}), unknown namespaces accepted ({@link UnknownNamespacePolicy#ACCEPT}, as the
     * reference accepts every key).
     */
    public Validators validators() {
        return validators;
    }

    /**
     * How often the node bootstraps again by itself (a self-lookup and a refresh of the farther
     * buckets), which also finds and drops unreachable routing table entries; empty: only when
     * {@link Kademlia#bootstrap} is called. Default empty, as in the reference; a long-running
     * node should set it (rust-libp2p later chose 5 minutes, go-libp2p-kad-dht 10).
     */
    public Optional<Duration> bootstrapInterval() {
        return bootstrapInterval;
    }

    /**
     * How soon a node that has bootstrapped, and whose routing table holds fewer than k peers
     * while no bootstrap runs, bootstraps again: after this delay, then after twice the last delay
     * (at most {@value PeriodicJobs#LOW_TABLE_BOOTSTRAP_MAX_MINUTES} minutes) while the table stays
     * that small; a table of k peers or more starts the delays afresh. A node that joined while
     * its peers refused most of its connections (their handshake limits, a busy moment) would
     * otherwise stay nearly alone until the next periodic bootstrap, or for good when there is
     * none. Default {@value #DEFAULT_LOW_TABLE_BOOTSTRAP_SECONDS} s; empty turns it off, as in the
     * reference 0.29. Later rust-libp2p bootstraps 0.5 s after a new peer enters a table of fewer
     * than k, go-libp2p-kad-dht refreshes whenever its table falls under 10 peers.
     */
    public Optional<Duration> lowTableBootstrap() {
        return lowTableBootstrap;
    }

    /**
     * Whether a bootstrap refreshes every bucket farther than the closest neighbour's, as the
     * reference 0.29 does. Default false: a refresh is skipped when, by its turn, its bucket holds
     * k peers each seen connected since the bootstrap started (connected now, or whose last
     * connection closed since then). Such a refresh could only make the bucket's pending entry
     * change, and its entries are known to be alive. A refresh target is drawn at random, up to 16
     * times, until it falls into its bucket; for the near buckets the draws mostly miss and land
     * in the far ones (half, a quarter … of the keyspace), which an earlier refresh of the same
     * bootstrap has just filled. In a 1,000-node network about 4 of a bootstrap's 9 refreshes were
     * such repeats.
     */
    public boolean refreshFullBuckets() {
        return refreshFullBuckets;
    }

    /**
     * The per-peer budgets of inbound requests by type; a request over budget is refused with a
     * stream reset. Default {@link RequestLimits#DEFAULTS} (which explains the figures).
     */
    public RequestLimits requestLimits() {
        return requestLimits;
    }

    /**
     * How the keys this node provides are announced again every provider publication interval:
     * one lookup per key ({@link ReprovideStrategy#PER_KEY}, the reference and the default here) or
     * a sweep over keyspace regions ({@link ReprovideStrategy#SWEEP}, {@code kad run}'s default).
     */
    public ReprovideStrategy reprovideStrategy() {
        return reprovideStrategy;
    }

    /**
     * A fixed prefix length for the reprovide sweep's regions, instead of the one the network size
     * estimate gives (empty, the default): for tests, and private networks of known size.
     */
    public java.util.OptionalInt reprovideRegionBits() {
        return reprovideRegionBits;
    }

    /**
     * How lookups of the closest peers choose whom to ask and when (disjoint-path lookups keep
     * their own iteration). Default {@link LookupStrategy#REFERENCE}, the reference's iteration;
     * {@link LookupStrategy#TUNED} asks about half as many peers. The wire is the same either way.
     */
    public LookupStrategy lookupStrategy() {
        return lookupStrategy;
    }

    /** The query pool's configuration derived from this one. */
    public QueryConfig queryConfig() {
        return new QueryConfig(queryTimeout, replicationFactor, parallelism, disjointQueryPaths, peerTimeout);
    }

    @Override
    public String toString() {
        return "KademliaConfig{protocol=" + protocolName + ", k=" + replicationFactor + ", alpha=" + parallelism
                + ", disjoint=" + disjointQueryPaths + ", lookup=" + lookupStrategy + ", queryTimeout=" + queryTimeout + ", recordTtl="
                + recordTtl.map(Duration::toString).orElse("none") + ", caching=" + caching + "}";
    }

    /** Builds a {@link KademliaConfig}; every setter validates its argument. */
    public static final class Builder {
        private String protocolName = DEFAULT_PROTOCOL;
        private Duration queryTimeout = DEFAULT_QUERY_TIMEOUT;
        private Duration peerTimeout = DEFAULT_PEER_TIMEOUT;
        private int replicationFactor = DEFAULT_REPLICATION_FACTOR;
        private int parallelism = DEFAULT_PARALLELISM;
        private boolean disjointQueryPaths;
        private Optional<Duration> recordTtl = Optional.of(DEFAULT_RECORD_TTL);
        private Optional<Duration> replicationInterval = Optional.of(DEFAULT_REPLICATION_INTERVAL);
        private Optional<Duration> publicationInterval = Optional.of(DEFAULT_PUBLICATION_INTERVAL);
        private Optional<Duration> providerRecordTtl = Optional.of(DEFAULT_PROVIDER_RECORD_TTL);
        private Optional<Duration> providerPublicationInterval = Optional.of(DEFAULT_PROVIDER_PUBLICATION_INTERVAL);
        private Duration connectionIdleTimeout = DEFAULT_CONNECTION_IDLE_TIMEOUT;
        private Duration kbucketPendingTimeout = DEFAULT_KBUCKET_PENDING_TIMEOUT;
        private Optional<Duration> kbucketRecheckDelay = Optional.of(DEFAULT_KBUCKET_PENDING_TIMEOUT);
        private int maxPacketSize = DEFAULT_MAX_PACKET_SIZE;
        private BucketInserts bucketInserts = BucketInserts.ON_CONNECTED;
        private Caching caching = Caching.enabled(1);
        private Optional<Duration> bootstrapInterval = Optional.empty();
        private Optional<Duration> lowTableBootstrap = Optional.of(DEFAULT_LOW_TABLE_BOOTSTRAP);
        private boolean refreshFullBuckets;
        private RequestLimits requestLimits = RequestLimits.DEFAULTS;
        private Validators validators = Validators.builtIn();
        private ReprovideStrategy reprovideStrategy = ReprovideStrategy.PER_KEY;
        private java.util.OptionalInt reprovideRegionBits = java.util.OptionalInt.empty();
        private LookupStrategy lookupStrategy = LookupStrategy.REFERENCE;

        private Builder() {}

        /** @throws IllegalArgumentException unless the name starts with '/' and is 2..1000 printable ASCII characters */
        public Builder protocolName(String name) {
            Objects.requireNonNull(name, "protocolName");
            if (name.length() < 2 || name.length() > 1000 || name.charAt(0) != '/'
                    || !name.chars().allMatch(c -> c > 0x20 && c < 0x7F)) {
                throw new IllegalArgumentException("protocol name must be '/' and printable ASCII: '" + name + "'");
            }
            this.protocolName = name;
            return this;
        }

        public Builder queryTimeout(Duration timeout) {
            this.queryTimeout = positive("query timeout", timeout);
            return this;
        }

        public Builder peerTimeout(Duration timeout) {
            this.peerTimeout = positive("peer timeout", timeout);
            return this;
        }

        public Builder replicationFactor(int k) {
            if (k <= 0) {
                throw new IllegalArgumentException("replication factor must be > 0: " + k);
            }
            this.replicationFactor = k;
            return this;
        }

        public Builder parallelism(int alpha) {
            if (alpha <= 0) {
                throw new IllegalArgumentException("parallelism must be > 0: " + alpha);
            }
            this.parallelism = alpha;
            return this;
        }

        public Builder disjointQueryPaths(boolean enabled) {
            this.disjointQueryPaths = enabled;
            return this;
        }

        public Builder recordTtl(Optional<Duration> ttl) {
            this.recordTtl = optionalPositive("record TTL", ttl);
            return this;
        }

        public Builder replicationInterval(Optional<Duration> interval) {
            this.replicationInterval = optionalPositive("replication interval", interval);
            return this;
        }

        public Builder publicationInterval(Optional<Duration> interval) {
            this.publicationInterval = optionalPositive("publication interval", interval);
            return this;
        }

        public Builder providerRecordTtl(Optional<Duration> ttl) {
            this.providerRecordTtl = optionalPositive("provider record TTL", ttl);
            return this;
        }

        public Builder providerPublicationInterval(Optional<Duration> interval) {
            this.providerPublicationInterval = optionalPositive("provider publication interval", interval);
            return this;
        }

        public Builder connectionIdleTimeout(Duration timeout) {
            this.connectionIdleTimeout = positive("connection idle timeout", timeout);
            return this;
        }

        /** See {@link KademliaConfig#kbucketRecheckDelay()}; empty: no pause, as in the reference. */
        public Builder kbucketRecheckDelay(Optional<Duration> delay) {
            this.kbucketRecheckDelay = optionalPositive("k-bucket recheck delay", delay);
            return this;
        }

        public Builder kbucketPendingTimeout(Duration timeout) {
            this.kbucketPendingTimeout = positive("k-bucket pending timeout", timeout);
            return this;
        }

        /** @throws IllegalArgumentException unless 1 KiB &lt;= size &lt;= 64 MiB */
        public Builder maxPacketSize(int size) {
            if (size < 1024 || size > 64 * 1024 * 1024) {
                throw new IllegalArgumentException("max packet size must be in 1 KiB..64 MiB: " + size);
            }
            this.maxPacketSize = size;
            return this;
        }

        public Builder bucketInserts(BucketInserts inserts) {
            this.bucketInserts = Objects.requireNonNull(inserts, "bucketInserts");
            return this;
        }

        public Builder caching(Caching caching) {
            this.caching = Objects.requireNonNull(caching, "caching");
            return this;
        }

        public Builder bootstrapInterval(Optional<Duration> interval) {
            this.bootstrapInterval = optionalPositive("bootstrap interval", interval);
            return this;
        }

        /** See {@link KademliaConfig#refreshFullBuckets()}; true: as the reference. */
        public Builder refreshFullBuckets(boolean refresh) {
            this.refreshFullBuckets = refresh;
            return this;
        }

        /** See {@link KademliaConfig#lowTableBootstrap()}; empty turns it off. */
        public Builder lowTableBootstrap(Optional<Duration> firstDelay) {
            this.lowTableBootstrap = optionalPositive("low table bootstrap delay", firstDelay);
            return this;
        }

        /** The per-peer budgets of inbound requests ({@link RequestLimits#UNLIMITED} turns them off). */
        public Builder requestLimits(RequestLimits limits) {
            this.requestLimits = Objects.requireNonNull(limits, "requestLimits");
            return this;
        }

        /** The record validators and the policy for unknown namespaces ({@link Validators#none()}: none, as the reference). */
        public Builder validators(Validators validators) {
            this.validators = Objects.requireNonNull(validators, "validators");
            return this;
        }

        /** Keeps the validators, with {@code policy} for keys of no known namespace. */
        public Builder unknownNamespaces(UnknownNamespacePolicy policy) {
            this.validators = validators.withPolicy(Objects.requireNonNull(policy, "policy"));
            return this;
        }

        /** See {@link KademliaConfig#reprovideStrategy()}. */
        public Builder reprovideStrategy(ReprovideStrategy strategy) {
            this.reprovideStrategy = Objects.requireNonNull(strategy, "reprovideStrategy");
            return this;
        }

        /**
         * See {@link KademliaConfig#reprovideRegionBits()}.
         *
         * @throws IllegalArgumentException if not in 0..20
         */
        public Builder reprovideRegionBits(java.util.OptionalInt bits) {
            if (bits.isPresent() && (bits.getAsInt() < 0 || bits.getAsInt() > ReprovideSweep.MAX_PREFIX_BITS - 2)) {
                throw new IllegalArgumentException("region bits are 0 to " + (ReprovideSweep.MAX_PREFIX_BITS - 2)
                        + ": " + bits.getAsInt());
            }
            this.reprovideRegionBits = bits;
            return this;
        }

        /** See {@link KademliaConfig#lookupStrategy()}. */
        public Builder lookupStrategy(LookupStrategy strategy) {
            this.lookupStrategy = Objects.requireNonNull(strategy, "lookupStrategy");
            return this;
        }

        public KademliaConfig build() {
            return new KademliaConfig(this);
        }

        private static Duration positive(String what, Duration d) {
            Objects.requireNonNull(d, what);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be > 0: " + d);
            }
            return d;
        }

        private static Optional<Duration> optionalPositive(String what, Optional<Duration> d) {
            Objects.requireNonNull(d, what);
            d.ifPresent(v -> positive(what, v));
            return d;
        }
    }
}
