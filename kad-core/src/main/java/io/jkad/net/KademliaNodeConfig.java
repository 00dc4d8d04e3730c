package io.jkad.net;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.kademlia.KademliaConfig;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.record.RecordStore;
import io.jkad.record.StoreConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * Settings of a {@link KademliaNode}. Immutable; built with {@link #builder(Ed25519KeyPair)}.
 *
 * <p>The node's {@link Host} settings are a {@link HostConfig} held here ({@link #host()}), not
 * copies of its fields: the builder's {@link Builder#listen}, {@link Builder#announce},
 * {@link Builder#dialTimeout}, {@link Builder#ioThreads}, {@link Builder#resourceLimits},
 * {@link Builder#handshakeTimeout} and {@link Builder#handshakeRateLimit} set the host
 * configuration's, and {@link Builder#host(Consumer)} reaches every other host setting. The host's
 * connection idle timeout is always {@link KademliaConfig#connectionIdleTimeout()}.
 *
 * <p>Defaults: no listen addresses (the node only dials; add {@code /ip4/127.0.0.1/tcp/0} or a
 * public address to be reachable); no announce addresses (Identify advertises the bound listen
 * addresses); {@link KademliaConfig#defaults()}; the system UTC clock; server mode; a per-request
 * timeout of 10 s; a dial timeout of 10 s per address; inbound Kademlia streams closed after 1 min
 * without a request (as go-libp2p-kad-dht); the host's default number of IO threads;
 * a randomly seeded random source for bucket refresh targets; and the record store
 * {@code memory} opened with {@link StoreConfig#defaults(PeerId)} and owned by the node; the
 * host's admission defaults ({@link ResourceLimits#defaults()} sized from the heap, a 5 s handshake
 * deadline, {@value HostConfig#DEFAULT_HANDSHAKE_BURST} handshakes at once and
 * {@value HostConfig#DEFAULT_HANDSHAKES_PER_SECOND} a second per source IP; see {@link HostConfig}).
 *
 * <p><b>Store ownership.</b> A store passed with {@link Builder#store(RecordStore)} belongs to the
 * caller: the node uses it (from its logic thread only, while it runs) and never closes it. A
 * store named with {@link Builder#openStore(String, StoreConfig)} (or the default) is opened by
 * {@link KademliaNode#start} and closed by {@link KademliaNode#close()}.
 */
public final class KademliaNodeConfig {

    /** The default time one request may take, from opening its stream to reading the answer. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** The default time a dial may take per address (TCP connect + Noise + Yamux). */
    public static final Duration DEFAULT_DIAL_TIMEOUT = Duration.ofSeconds(10);
    /** The default time an inbound Kademlia stream may stay open without a request (go's: 1 min). */
    public static final Duration DEFAULT_INBOUND_STREAM_IDLE_TIMEOUT = Duration.ofMinutes(1);
    /** The smallest default maximum request size: rust-libp2p's maximum packet size, 16 KiB. */
    public static final int MIN_DEFAULT_MAX_REQUEST_SIZE = 16 * 1024;
    /**
     * What a PUT_VALUE request holds besides its value and its key twice (the message's and the
     * record's): field tags and lengths, the type, the publisher (a peer id, at most 42 bytes), the
     * ttl, a {@code timeReceived}. Well under 1 KiB; 1 KiB it is.
     */
    public static final int REQUEST_OVERHEAD_BYTES = 1024;
    /** The store backend opened when none is configured. */
    public static final String DEFAULT_STORE_BACKEND = "memory";

    private final HostConfig host;
    /** The host settings made through the builder, in order: {@link #toBuilder()} replays them. */
    private final List<Consumer<HostConfig.Builder>> hostSettings;
    private final KademliaConfig kademlia;
    private final Clock clock;
    private final boolean clientMode;
    private final Duration requestTimeout;
    private final Duration inboundStreamIdleTimeout;
    private final OptionalLong randomSeed;
    private final Optional<RecordStore> store;
    private final String storeBackend;
    private final StoreConfig storeConfig;
    private final OptionalInt maxRequestSize;
    private final Duration frameTimeout;

    private KademliaNodeConfig(Builder b) {
        this.hostSettings = List.copyOf(b.hostSettings);
        this.host = b.host.idleTimeout(b.kademlia.connectionIdleTimeout()).build();
        this.kademlia = b.kademlia;
        this.clock = b.clock;
        this.clientMode = b.clientMode;
        this.requestTimeout = b.requestTimeout;
        this.inboundStreamIdleTimeout = b.inboundStreamIdleTimeout;
        this.randomSeed = b.randomSeed;
        this.store = b.store;
        this.storeBackend = b.storeBackend;
        this.storeConfig = b.storeConfig != null ? b.storeConfig : StoreConfig.defaults(b.identity.peerId());
        this.maxRequestSize = b.maxRequestSize;
        this.frameTimeout = b.frameTimeout;
    }

    /** A builder with the defaults for the node with this identity. */
    public static Builder builder(Ed25519KeyPair identity) {
        return new Builder(identity);
    }

    /**
     * The settings of the node's host: listen and announce addresses, dial and handshake timeouts,
     * IO threads, admission and resource limits; its idle timeout is
     * {@link KademliaConfig#connectionIdleTimeout()}.
     */
    public HostConfig host() {
        return host;
    }

    /** The node's key pair (its peer id is derived from it). */
    public Ed25519KeyPair identity() {
        return host.identity();
    }

    public PeerId peerId() {
        return host.identity().peerId();
    }

    public KademliaConfig kademlia() {
        return kademlia;
    }

    /** The clock the node reads at each input (it must be thread-safe: IO threads read it too). */
    public Clock clock() {
        return clock;
    }

    /**
     * Client mode: the Kademlia protocol is neither advertised nor answered, so that no peer puts
     * this node into its routing table; the node still queries others. Default false (server).
     */
    public boolean clientMode() {
        return clientMode;
    }

    /** How long one outbound request may take before it counts as failed. Default 10 s. */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    /**
     * How long an inbound Kademlia stream may stay open with no request to answer before it is
     * reset (a peer that opens streams and sends nothing would otherwise hold them, and its
     * connection, forever). Default 1 min, as go-libp2p-kad-dht.
     */
    public Duration inboundStreamIdleTimeout() {
        return inboundStreamIdleTimeout;
    }

    /** The seed of the random source for bucket refresh targets; empty: seeded randomly. */
    public OptionalLong randomSeed() {
        return randomSeed;
    }

    /** The caller's store, if one was given (the node does not close it). */
    public Optional<RecordStore> store() {
        return store;
    }

    /** The backend the node opens (and closes) when no store was given. */
    public String storeBackend() {
        return storeBackend;
    }

    /** The configuration the node opens its own store with. */
    public StoreConfig storeConfig() {
        return storeConfig;
    }

    /**
     * The largest Kademlia request read from a peer, in bytes (the frame limit of inbound
     * Kademlia streams; answers we read are limited by {@link KademliaConfig#maxPacketSize()}
     * instead). Unless set, what the largest request this node can take needs: a PUT_VALUE of a
     * {@code maxValueBytes} value under a {@code maxKeyBytes} key of {@link #storeConfig()}, the key
     * twice, plus {@link #REQUEST_OVERHEAD_BYTES}, and at least {@link #MIN_DEFAULT_MAX_REQUEST_SIZE}
     * (rust-libp2p's 16 KiB): 68 KiB with the store defaults. A larger frame is refused from its
     * length prefix, so a peer can no longer make the node buffer 4 MiB per stream for a request.
     */
    public int maxRequestSize() {
        if (maxRequestSize.isPresent()) {
            return maxRequestSize.getAsInt();
        }
        long needed = (long) storeConfig.maxValueBytes() + 2L * storeConfig.maxKeyBytes() + REQUEST_OVERHEAD_BYTES;
        return (int) Math.min(Integer.MAX_VALUE, Math.max(MIN_DEFAULT_MAX_REQUEST_SIZE, needed));
    }

    /**
     * How long one Kademlia or Identify frame may take to arrive once its first byte has: a frame
     * still incomplete then resets the stream ({@link FrameException.Kind#DEADLINE}). Default
     * {@link UvarintFrameDecoder#DEFAULT_FRAME_TIMEOUT} (10 s).
     */
    public Duration frameTimeout() {
        return frameTimeout;
    }

    /**
     * A builder holding this configuration's settings, to derive a changed copy (for instance a
     * service that opens the store itself and hands it in with {@link Builder#store}).
     */
    public Builder toBuilder() {
        Builder b = new Builder(identity());
        hostSettings.forEach(b::host);
        b.kademlia = kademlia;
        b.clock = clock;
        b.clientMode = clientMode;
        b.requestTimeout = requestTimeout;
        b.inboundStreamIdleTimeout = inboundStreamIdleTimeout;
        b.randomSeed = randomSeed;
        b.store = store;
        b.storeBackend = storeBackend;
        b.storeConfig = store.isPresent() ? null : storeConfig;
        b.maxRequestSize = maxRequestSize;
        b.frameTimeout = frameTimeout;
        return b;
    }

    /** Builds a {@link KademliaNodeConfig}; every setter checks its argument. */
    public static final class Builder {
        private final Ed25519KeyPair identity;
        private final HostConfig.Builder host;
        private final List<Consumer<HostConfig.Builder>> hostSettings = new ArrayList<>();
        private KademliaConfig kademlia = KademliaConfig.defaults();
        private Clock clock = Clock.systemUTC();
        private boolean clientMode;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private Duration inboundStreamIdleTimeout = DEFAULT_INBOUND_STREAM_IDLE_TIMEOUT;
        private OptionalLong randomSeed = OptionalLong.empty();
        private Optional<RecordStore> store = Optional.empty();
        private String storeBackend = DEFAULT_STORE_BACKEND;
        private StoreConfig storeConfig;
        private OptionalInt maxRequestSize = OptionalInt.empty();
        private Duration frameTimeout = UvarintFrameDecoder.DEFAULT_FRAME_TIMEOUT;

        private Builder(Ed25519KeyPair identity) {
            this.identity = Objects.requireNonNull(identity, "identity");
            this.host = HostConfig.builder(identity).dialTimeout(DEFAULT_DIAL_TIMEOUT);
        }

        /**
         * Changes the host's settings (see {@link HostConfig.Builder}; its idle timeout is replaced
         * by {@link KademliaConfig#connectionIdleTimeout()}), e.g.
         * {@code host(h -> h.agentVersion("my-app/1.0").keepAliveInterval(Duration.ZERO))}.
         *
         * @throws IllegalArgumentException as the host builder's setters
         */
        public Builder host(Consumer<HostConfig.Builder> settings) {
            Objects.requireNonNull(settings, "settings");
            settings.accept(host);
            hostSettings.add(settings);
            return this;
        }

        /**
         * Adds a TCP address to listen on, e.g. {@code /ip4/127.0.0.1/tcp/0}.
         *
         * @throws IllegalArgumentException if it is not {@code /ip4|ip6/<ip>/tcp/<port>}
         */
        public Builder listen(Multiaddr address) {
            return host(h -> h.listen(address));
        }

        /** Adds an address to advertise instead of the listen addresses (e.g. a public one). */
        public Builder announce(Multiaddr address) {
            return host(h -> h.announce(address));
        }

        /** How long dialing one address may take. Default 10 s. @throws IllegalArgumentException if not positive */
        public Builder dialTimeout(Duration timeout) {
            return host(h -> h.dialTimeout(timeout));
        }

        /** The host's IO threads (0: the host's default). @throws IllegalArgumentException if negative */
        public Builder ioThreads(int threads) {
            return host(h -> h.ioThreads(threads == 0 ? HostConfig.builder(identity).build().ioThreads() : threads));
        }

        /**
         * Shares {@code runtime}'s IO and logic threads with the other nodes given it (see
         * {@link HostRuntime}); without one (the default) the node has threads of its own.
         */
        public Builder runtime(HostRuntime runtime) {
            return host(h -> h.runtime(runtime));
        }

        /** See {@link HostConfig#reuseNoiseStaticKey()} (default false). */
        public Builder reuseNoiseStaticKey(boolean reuse) {
            return host(h -> h.reuseNoiseStaticKey(reuse));
        }

        /** The host's resource limits (connections, streams, buffered bytes per scope; see {@link ResourceLimits}). */
        public Builder resourceLimits(ResourceLimits limits) {
            return host(h -> h.resourceLimits(limits));
        }

        /** See {@link HostConfig#handshakeTimeout()}. @throws IllegalArgumentException if not positive */
        public Builder handshakeTimeout(Duration timeout) {
            return host(h -> h.handshakeTimeout(timeout));
        }

        /**
         * Handshakes per source IP: {@code burst} at once, {@code perSecond} after that (see
         * {@link HostConfig.Builder#handshakeRateLimit}).
         *
         * @throws IllegalArgumentException if {@code burst} is below 1 or {@code perSecond} not positive
         */
        public Builder handshakeRateLimit(int burst, double perSecond) {
            return host(h -> h.handshakeRateLimit(burst, perSecond));
        }

        public Builder kademlia(KademliaConfig config) {
            this.kademlia = Objects.requireNonNull(config, "kademlia");
            return this;
        }

        /** The clock (thread-safe; the system UTC clock by default). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public Builder clientMode(boolean clientMode) {
            this.clientMode = clientMode;
            return this;
        }

        /** @throws IllegalArgumentException if not positive */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive("requestTimeout", timeout);
            return this;
        }

        /** See {@link KademliaNodeConfig#inboundStreamIdleTimeout()}. @throws IllegalArgumentException if not positive */
        public Builder inboundStreamIdleTimeout(Duration timeout) {
            this.inboundStreamIdleTimeout = positive("inboundStreamIdleTimeout", timeout);
            return this;
        }

        /** Seeds the random source of bucket refresh targets (for reproducible runs). */
        public Builder randomSeed(long seed) {
            this.randomSeed = OptionalLong.of(seed);
            return this;
        }

        /**
         * Uses {@code store}, which stays the caller's: the node never closes it. The caller must
         * not use it while the node runs (the node calls it from its logic thread).
         */
        public Builder store(RecordStore store) {
            this.store = Optional.of(Objects.requireNonNull(store, "store"));
            this.storeConfig = null;
            return this;
        }

        /**
         * Has the node open the store of backend {@code backend} (see
         * {@link io.jkad.record.RecordStores#open}) at start and close it at close.
         *
         * @throws IllegalArgumentException if {@code config} is for another peer than this identity
         */
        public Builder openStore(String backend, StoreConfig config) {
            Objects.requireNonNull(backend, "backend");
            Objects.requireNonNull(config, "config");
            if (!config.localPeer().equals(identity.peerId())) {
                throw new IllegalArgumentException("store config is for peer " + config.localPeer() + ", not "
                        + identity.peerId());
            }
            this.store = Optional.empty();
            this.storeBackend = backend;
            this.storeConfig = config;
            return this;
        }

        /**
         * See {@link KademliaNodeConfig#maxRequestSize()}.
         *
         * @throws IllegalArgumentException unless 1 KiB &lt;= bytes &lt;= 64 MiB
         */
        public Builder maxRequestSize(int bytes) {
            if (bytes < 1024 || bytes > 64 * 1024 * 1024) {
                throw new IllegalArgumentException("maxRequestSize must be in 1 KiB..64 MiB: " + bytes);
            }
            this.maxRequestSize = OptionalInt.of(bytes);
            return this;
        }

        /** See {@link KademliaNodeConfig#frameTimeout()}. @throws IllegalArgumentException if not positive */
        public Builder frameTimeout(Duration timeout) {
            this.frameTimeout = positive("frameTimeout", timeout);
            return this;
        }

        public KademliaNodeConfig build() {
            return new KademliaNodeConfig(this);
        }

        private static Duration positive(String name, Duration d) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be > 0: " + d);
            }
            return d;
        }
    }
}
