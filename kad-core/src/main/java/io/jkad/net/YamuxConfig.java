package io.jkad.net;

import java.time.Duration;

/**
 * Settings of one Yamux session.
 *
 * @param maxInboundStreams streams the remote may have open at once; further SYNs are reset (default 256)
 * @param maxUnackedOutbound our streams the remote has not acknowledged yet before opening more fails (256)
 * @param maxDataFrame the largest data frame body we send (64 KiB, as go-yamux)
 * @param keepAliveInterval how often we ping the remote; zero disables (30 s)
 * @param keepAliveTimeout how long a ping may stay unanswered before the connection is closed (30 s)
 */
record YamuxConfig(int maxInboundStreams, int maxUnackedOutbound, int maxDataFrame,
                   Duration keepAliveInterval, Duration keepAliveTimeout) {

    /** The per-stream window each side starts with (spec: 256 KiB); we never grant more. */
    static final int INITIAL_WINDOW = 256 * 1024;

    static final YamuxConfig DEFAULT = new YamuxConfig(256, 256, 64 * 1024,
            Duration.ofSeconds(30), Duration.ofSeconds(30));

    YamuxConfig {
        if (maxInboundStreams < 0) {
            throw new IllegalArgumentException("maxInboundStreams must be >= 0: " + maxInboundStreams);
        }
        if (maxUnackedOutbound < 1) {
            throw new IllegalArgumentException("maxUnackedOutbound must be >= 1: " + maxUnackedOutbound);
        }
        if (maxDataFrame < 1 || maxDataFrame > INITIAL_WINDOW) {
            throw new IllegalArgumentException("maxDataFrame must be in [1, " + INITIAL_WINDOW + "]: " + maxDataFrame);
        }
        if (keepAliveInterval.isNegative() || keepAliveTimeout.isNegative() || keepAliveTimeout.isZero()) {
            throw new IllegalArgumentException("keep-alive interval must be >= 0 and timeout > 0: "
                    + keepAliveInterval + ", " + keepAliveTimeout);
        }
    }

    YamuxConfig withMaxInboundStreams(int n) {
        return new YamuxConfig(n, maxUnackedOutbound, maxDataFrame, keepAliveInterval, keepAliveTimeout);
    }

    YamuxConfig withKeepAlive(Duration interval, Duration timeout) {
        return new YamuxConfig(maxInboundStreams, maxUnackedOutbound, maxDataFrame, interval, timeout);
    }
}
