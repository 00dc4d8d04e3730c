package io.jkad.net;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.multiaddr.Multiaddr;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Settings of a {@link Host}. Immutable; built with {@link #builder(Ed25519KeyPair)}.
 *
 * <p>Defaults: no listen addresses (dial only); advertised addresses = the bound listen addresses
 * (wildcards expanded to the machine's interface addresses); agent version {@code jkad/<version>};
 * dial timeout 10 s per address (TCP connect + Noise + Yamux); stream negotiation timeout 10 s;
 * idle timeout 10 s (a connection without streams for that long is closed; zero keeps idle
 * connections); Identify timeout 5 s; ping timeout 10 s; 256 inbound streams per connection;
 * 1024 inbound connections; Yamux keep-alive ping every 30 s; IO threads = min(available
 * processors, 4).
 *
 * <p>Admission defaults (see {@link Host} for how they apply): an inbound connection must finish
 * its whole upgrade (multistream, Noise, Yamux) within the handshake timeout of 5 s; each source
 * IP may start {@value #DEFAULT_HANDSHAKE_BURST} handshakes at once and
 * {@value #DEFAULT_HANDSHAKES_PER_SECOND} a second after that, each /24 (IPv4) or /48 (IPv6)
 * {@value #SUBNET_RATE_FACTOR} times as many; {@link ResourceLimits#defaults()} with
 * {@code maxInboundConnections} inbound connections and at least
 * {@code maxInboundStreamsPerConnection} inbound streams per peer.
 *
 * <p>Why 32 and 8/s per IP: go-libp2p's connection rate limiter allows a burst of 16 and 0.2 a
 * second per IPv4 address but exempts all of 127.0.0.0/8 and ::1; jkad exempts nothing (devnets,
 * tests and a NAT hide many honest peers behind one address: 24 nodes on 127.0.0.1 dialling one
 * node at once must all get through), so the burst matches the 32 connections one IP may have in
 * the handshake, and 8 a second bounds what one address can make the node spend on handshakes
 * (about 1.9 ms of CPU each, so 1.5 % of a core) while a restarting neighbour still reconnects in
 * seconds.
 */
public final class HostConfig {

    /** Handshakes one source IP may start at once. */
    public static final int DEFAULT_HANDSHAKE_BURST = 32;
    /** Handshakes one source IP may start per second, after its burst. */
    public static final int DEFAULT_HANDSHAKES_PER_SECOND = 8;
    /** A subnet's handshake burst and rate, in multiples of one IP's. */
    public static final int SUBNET_RATE_FACTOR = 4;
    /** The default time an inbound connection has for its whole upgrade. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(5);

    private final Ed25519KeyPair identity;
    private final List<Multiaddr> listenAddresses;
    private final List<Multiaddr> announceAddresses;
    private final String agentVersion;
    private final Duration dialTimeout;
    private final Duration negotiationTimeout;
    private final Duration idleTimeout;
    private final Duration identifyTimeout;
    private final Duration pingTimeout;
    private final Duration keepAliveInterval;
    private final int maxInboundStreamsPerConnection;
    private final int maxInboundConnections;
    private final int ioThreads;
    private final Duration handshakeTimeout;
    private final int handshakeBurst;
    private final double handshakesPerSecond;
    private final ResourceLimits resourceLimits;
    private final Optional<HostRuntime> runtime;
    private final boolean reuseNoiseStaticKey;

    private HostConfig(Builder b) {
        this.identity = b.identity;
        this.listenAddresses = List.copyOf(b.listenAddresses);
        this.announceAddresses = List.copyOf(b.announceAddresses);
        this.agentVersion = b.agentVersion;
        this.dialTimeout = b.dialTimeout;
        this.negotiationTimeout = b.negotiationTimeout;
        this.idleTimeout = b.idleTimeout;
        this.identifyTimeout = b.identifyTimeout;
        this.pingTimeout = b.pingTimeout;
        this.keepAliveInterval = b.keepAliveInterval;
        this.maxInboundStreamsPerConnection = b.maxInboundStreamsPerConnection;
        this.maxInboundConnections = b.maxInboundConnections;
        this.ioThreads = b.ioThreads;
        this.runtime = Optional.ofNullable(b.runtime);
        this.reuseNoiseStaticKey = b.reuseNoiseStaticKey;
        this.handshakeTimeout = b.handshakeTimeout;
        this.handshakeBurst = b.handshakeBurst;
        this.handshakesPerSecond = b.handshakesPerSecond;
        ResourceLimits limits = b.resourceLimits != null ? b.resourceLimits : ResourceLimits.defaults();
        if (b.resourceLimits == null || b.maxInboundConnectionsSet) {
            limits = limits.withInboundConnections(Math.max(1, b.maxInboundConnections));
        }
        if (limits.inboundStreamsPerPeer() < b.maxInboundStreamsPerConnection) {
            limits = limits.withPerPeer(limits.connectionsPerPeer(), b.maxInboundStreamsPerConnection);
        }
        this.resourceLimits = limits;
    }

    /** A builder with the defaults, for the host with this identity. */
    public static Builder builder(Ed25519KeyPair identity) {
        return new Builder(identity);
    }

    public Ed25519KeyPair identity() {
        return identity;
    }

    public List<Multiaddr> listenAddresses() {
        return listenAddresses;
    }

    public List<Multiaddr> announceAddresses() {
        return announceAddresses;
    }

    public String agentVersion() {
        return agentVersion;
    }

    public Duration dialTimeout() {
        return dialTimeout;
    }

    public Duration negotiationTimeout() {
        return negotiationTimeout;
    }

    public Duration idleTimeout() {
        return idleTimeout;
    }

    public Duration identifyTimeout() {
        return identifyTimeout;
    }

    public Duration pingTimeout() {
        return pingTimeout;
    }

    public Duration keepAliveInterval() {
        return keepAliveInterval;
    }

    public int maxInboundStreamsPerConnection() {
        return maxInboundStreamsPerConnection;
    }

    /** Inbound connections at once (handshakes included); 0 refuses every inbound connection. */
    public int maxInboundConnections() {
        return maxInboundConnections == 0 ? 0 : resourceLimits.inboundConnections();
    }

    public int ioThreads() {
        return ioThreads;
    }

    /**
     * The threads shared with other hosts of this process, if given: the host then runs its IO on
     * the runtime's event loops (its {@link #ioThreads()} unused) and leaves them running when it
     * closes. Empty (the default): the host makes its own and stops them on close.
     */
    public Optional<HostRuntime> runtime() {
        return runtime;
    }

    /**
     * Whether the host makes one Noise static key (and signs it with its identity) once and uses it
     * for every connection, as rust-libp2p does, instead of a fresh one per connection (the
     * default: false). Peers see no difference in the protocol; it saves an X25519 key generation
     * and an Ed25519 signature per handshake, most of a handshake's cost with the JDK's
     * implementations. Forward secrecy rests on the ephemeral keys either way.
     */
    public boolean reuseNoiseStaticKey() {
        return reuseNoiseStaticKey;
    }

    /**
     * How long an inbound connection has from its accept to the end of its upgrade (multistream,
     * Noise, Yamux); a slower one is closed. Outbound dials have the dial timeout instead.
     */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /** Handshakes one source IP may start at once (its token bucket's size). */
    public int handshakeBurst() {
        return handshakeBurst;
    }

    /** Handshakes one source IP may start per second once its burst is spent. */
    public double handshakesPerSecond() {
        return handshakesPerSecond;
    }

    /**
     * The limits of the host's {@link ResourceManager}: the ones given, or
     * {@link ResourceLimits#defaults()}, with {@link #maxInboundConnections()} inbound connections
     * (when set, or with the defaults) and at least {@link #maxInboundStreamsPerConnection()}
     * inbound streams per peer.
     */
    public ResourceLimits resourceLimits() {
        return resourceLimits;
    }

    /** @throws IllegalArgumentException if {@code burst} is below 1 or {@code perSecond} not a positive finite rate */
    static void checkHandshakeRate(int burst, double perSecond) {
        if (burst < 1) {
            throw new IllegalArgumentException("handshake burst must be >= 1: " + burst);
        }
        if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
            throw new IllegalArgumentException("handshakes per second must be > 0: " + perSecond);
        }
    }

    /** Builds a {@link HostConfig}; every setter checks its argument. */
    public static final class Builder {
        private final Ed25519KeyPair identity;
        private final List<Multiaddr> listenAddresses = new ArrayList<>();
        private final List<Multiaddr> announceAddresses = new ArrayList<>();
        private String agentVersion = "jkad/" + Version.get();
        private Duration dialTimeout = Duration.ofSeconds(10);
        private Duration negotiationTimeout = Duration.ofSeconds(10);
        private Duration idleTimeout = Duration.ofSeconds(10);
        private Duration identifyTimeout = Duration.ofSeconds(5);
        private Duration pingTimeout = Duration.ofSeconds(10);
        private Duration keepAliveInterval = Duration.ofSeconds(30);
        private int maxInboundStreamsPerConnection = 256;
        private int maxInboundConnections = 1024;
        private int ioThreads = Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), 4));
        private boolean maxInboundConnectionsSet;
        private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
        private int handshakeBurst = DEFAULT_HANDSHAKE_BURST;
        private double handshakesPerSecond = DEFAULT_HANDSHAKES_PER_SECOND;
        private ResourceLimits resourceLimits;
        private HostRuntime runtime;
        private boolean reuseNoiseStaticKey;

        private Builder(Ed25519KeyPair identity) {
            this.identity = Objects.requireNonNull(identity, "identity");
        }

        /**
         * Adds a TCP address to listen on, e.g. {@code /ip4/0.0.0.0/tcp/4001}; port 0 picks a free port.
         *
         * @throws IllegalArgumentException if it is not {@code /ip4|ip6/<ip>/tcp/<port>}
         */
        public Builder listen(Multiaddr address) {
            Objects.requireNonNull(address, "address");
            if (address.toTcpSocketAddress().map(a -> a.isUnresolved()).orElse(true)
                    || address.peerId().isPresent()) {
                throw new IllegalArgumentException("listen address must be /ip4|ip6/<ip>/tcp/<port>: " + address);
            }
            listenAddresses.add(address);
            return this;
        }

        /** Adds an address to advertise through Identify instead of the listen addresses (e.g. a public one). */
        public Builder announce(Multiaddr address) {
            announceAddresses.add(Objects.requireNonNull(address, "address"));
            return this;
        }

        /** @throws IllegalArgumentException if blank */
        public Builder agentVersion(String agentVersion) {
            if (agentVersion == null || agentVersion.isBlank()) {
                throw new IllegalArgumentException("agentVersion must not be blank: '" + agentVersion + "'");
            }
            this.agentVersion = agentVersion;
            return this;
        }

        /** @throws IllegalArgumentException if not positive */
        public Builder dialTimeout(Duration d) {
            this.dialTimeout = positive("dialTimeout", d);
            return this;
        }

        /** @throws IllegalArgumentException if not positive */
        public Builder negotiationTimeout(Duration d) {
            this.negotiationTimeout = positive("negotiationTimeout", d);
            return this;
        }

        /** Zero keeps idle connections open. @throws IllegalArgumentException if negative */
        public Builder idleTimeout(Duration d) {
            Objects.requireNonNull(d, "idleTimeout");
            if (d.isNegative()) {
                throw new IllegalArgumentException("idleTimeout must be >= 0: " + d);
            }
            this.idleTimeout = d;
            return this;
        }

        /** @throws IllegalArgumentException if not positive */
        public Builder identifyTimeout(Duration d) {
            this.identifyTimeout = positive("identifyTimeout", d);
            return this;
        }

        /** @throws IllegalArgumentException if not positive */
        public Builder pingTimeout(Duration d) {
            this.pingTimeout = positive("pingTimeout", d);
            return this;
        }

        /** Zero disables our Yamux keep-alive pings (we still answer the remote's). @throws IllegalArgumentException if negative */
        public Builder keepAliveInterval(Duration d) {
            Objects.requireNonNull(d, "keepAliveInterval");
            if (d.isNegative()) {
                throw new IllegalArgumentException("keepAliveInterval must be >= 0: " + d);
            }
            this.keepAliveInterval = d;
            return this;
        }

        /** @throws IllegalArgumentException if below 1 */
        public Builder maxInboundStreamsPerConnection(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxInboundStreamsPerConnection must be >= 1: " + n);
            }
            this.maxInboundStreamsPerConnection = n;
            return this;
        }

        /** @throws IllegalArgumentException if negative */
        public Builder maxInboundConnections(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("maxInboundConnections must be >= 0: " + n);
            }
            this.maxInboundConnections = n;
            this.maxInboundConnectionsSet = true;
            return this;
        }

        /** See {@link HostConfig#handshakeTimeout()}. @throws IllegalArgumentException if not positive */
        public Builder handshakeTimeout(Duration d) {
            this.handshakeTimeout = positive("handshakeTimeout", d);
            return this;
        }

        /**
         * Each source IP may start {@code burst} handshakes at once and {@code perSecond} a second
         * after that; each subnet {@value HostConfig#SUBNET_RATE_FACTOR} times as many.
         *
         * @throws IllegalArgumentException if {@code burst} is below 1 or {@code perSecond} not positive
         */
        public Builder handshakeRateLimit(int burst, double perSecond) {
            HostConfig.checkHandshakeRate(burst, perSecond);
            this.handshakeBurst = burst;
            this.handshakesPerSecond = perSecond;
            return this;
        }

        /**
         * The resource manager's limits (see {@link HostConfig#resourceLimits()} for how
         * {@code maxInboundConnections} and {@code maxInboundStreamsPerConnection} adjust them).
         */
        public Builder resourceLimits(ResourceLimits limits) {
            this.resourceLimits = Objects.requireNonNull(limits, "resourceLimits");
            return this;
        }

        /** @throws IllegalArgumentException if below 1 */
        public Builder ioThreads(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("ioThreads must be >= 1: " + n);
            }
            this.ioThreads = n;
            return this;
        }

        /** See {@link HostConfig#runtime()}; null for a runtime of the host's own (the default). */
        public Builder runtime(HostRuntime runtime) {
            this.runtime = runtime;
            return this;
        }

        /** See {@link HostConfig#reuseNoiseStaticKey()}. */
        public Builder reuseNoiseStaticKey(boolean reuse) {
            this.reuseNoiseStaticKey = reuse;
            return this;
        }

        public HostConfig build() {
            return new HostConfig(this);
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
