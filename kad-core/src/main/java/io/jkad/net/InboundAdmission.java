package io.jkad.net;

import io.jkad.util.RateLimitedLog;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import java.net.InetAddress;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admission of inbound connections of a {@link Host}, before any handshake work: a connection
 * is refused at once (its socket closed with a reset) when inbound connections are off, when its
 * source IP or subnet is over its handshake rate, or when the resource manager has no room for it
 * (the node, the connections in the handshake, those of its IP or subnet). An admitted one counts
 * in its resource scope until it closes and is handed to the {@link Upgrader}. Refusals and failed
 * authentications are logged through the host's rate-limited log and counted.
 */
final class InboundAdmission {

    private static final Logger LOG = LoggerFactory.getLogger(InboundAdmission.class);
    /** The most source IPs (and, separately, subnets) whose handshake rate is remembered. */
    static final int MAX_RATE_LIMITED_SOURCES = 16_384;

    private final HostConfig config;
    private final ResourceManager resources;
    private final RateLimitedLog refusalLog;
    private final Upgrader upgrader;
    private final BooleanSupplier closed;
    private final TokenBuckets<InetAddress> handshakesPerIp;
    private final TokenBuckets<ResourceManager.Subnet> handshakesPerSubnet;
    private final LongAdder rateLimited = new LongAdder();
    private final LongAdder handshakeFailures = new LongAdder();

    InboundAdmission(HostConfig config, ResourceManager resources, RateLimitedLog refusalLog, Upgrader upgrader,
                     BooleanSupplier closed) {
        this.config = config;
        this.resources = resources;
        this.refusalLog = refusalLog;
        this.upgrader = upgrader;
        this.closed = closed;
        this.handshakesPerIp = new TokenBuckets<>(config.handshakeBurst(), config.handshakesPerSecond(),
                MAX_RATE_LIMITED_SOURCES);
        this.handshakesPerSubnet = new TokenBuckets<>(config.handshakeBurst() * HostConfig.SUBNET_RATE_FACTOR,
                config.handshakesPerSecond() * HostConfig.SUBNET_RATE_FACTOR, MAX_RATE_LIMITED_SOURCES);
    }

    /** Inbound connections refused for their source's handshake rate. */
    long rateLimited() {
        return rateLimited.sum();
    }

    /** Inbound handshakes whose remote failed to authenticate. */
    long handshakeFailures() {
        return handshakeFailures.sum();
    }

    /** Admits, or refuses, a connection just accepted; an admitted one is upgraded. */
    void accept(SocketChannel ch) {
        if (closed.getAsBoolean()) {
            ch.close();
            return;
        }
        InetAddress ip = ch.remoteAddress().getAddress();
        if (config.maxInboundConnections() == 0) {
            refuse(ch, "inbound off", () -> "refusing inbound connection from " + ip.getHostAddress()
                    + ": inbound connections are off (maxInboundConnections 0)");
            return;
        }
        // The IP's bucket first: a source over its own rate does not drain its subnet's.
        if (!handshakesPerIp.tryAcquire(ip) || !handshakesPerSubnet.tryAcquire(ResourceManager.subnetOf(ip))) {
            rateLimited.increment();
            refuse(ch, "handshake rate", () -> "refusing inbound connection from " + ip.getHostAddress()
                    + ": its address or subnet started more than " + config.handshakeBurst() + " handshakes at once or "
                    + config.handshakesPerSecond() + " a second (x" + HostConfig.SUBNET_RATE_FACTOR + " per subnet)");
            return;
        }
        ResourceManager.ConnectionScope scope;
        try {
            scope = resources.openConnection(true, ip);
        } catch (ResourceLimitException e) {
            refuse(ch, e.scope() + " " + e.resource(), () -> "refusing inbound connection from " + ip.getHostAddress()
                    + ": " + e.getMessage());
            return;
        }
        ch.closeFuture().addListener(f -> scope.close());
        CompletableFuture<HostConnection> upgraded = new CompletableFuture<>();
        upgraded.whenComplete((c, e) -> {
            if (e == null) {
                return;
            }
            scope.close(); // the channel is closed too; the scope's close is idempotent
            Throwable cause = Host.unwrap(e);
            if (cause instanceof HandshakeException && !(cause.getCause() instanceof ClosedChannelException)) {
                // The remote failed to authenticate (a bad signature, a key that is not its own…):
                // worth a line, but not one per attempt; garbage, timeouts and closed sockets are the internet's noise.
                handshakeFailures.increment();
                refusalLog.log("handshake failed", () -> "refused inbound connection from " + ip.getHostAddress() + ": "
                        + cause.getMessage());
            } else if (cause instanceof ResourceLimitException r) {
                refusalLog.log(r.scope() + " " + r.resource(), () -> "refused inbound connection from "
                        + ip.getHostAddress() + ": " + r.getMessage());
            } else {
                LOG.debug("inbound connection from {} failed: {}", ch.remoteAddress(), cause.toString());
            }
        });
        upgrader.upgrade(ch, false, null, scope, upgraded);
    }

    /** Closes a refused inbound socket at once, with a reset (no TIME_WAIT left here per refusal), and logs, rate-limited. */
    private void refuse(SocketChannel ch, String reason, Supplier<String> line) {
        refusalLog.log(reason, line);
        try {
            ch.config().setOption(ChannelOption.SO_LINGER, 0);
        } catch (RuntimeException e) {
            LOG.debug("SO_LINGER not set on {}: {}", ch, e.toString());
        }
        ch.close();
    }
}
