package io.jkad.net;

import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import java.time.Duration;

/**
 * Settings of one Yamux session.
 *
 * @param maxInboundStreams streams the remote may have open at once; further SYNs are reset (default 256)
 * @param maxUnackedOutbound our streams the remote has not acknowledged yet before opening more fails (256)
 * @param maxDataFrame the largest data frame body we send (64 KiB, as go-yamux)
 * @param keepAliveInterval how often we ping the remote; zero disables (30 s)
 * @param keepAliveTimeout how long a ping may stay unanswered before the connection is closed (30 s)
 * @param streamCloseGrace how long a stream we have closed may wait for the remote's FIN before it
 *     is reset and leaves the stream table and the inbound count (10 s). An honest remote answers
 *     our FIN with its own within a round trip once it has read what we sent, and nothing it sends
 *     after our close is read any more; without the grace a remote that never closes would keep
 *     the slot for the life of the connection and could exhaust {@code maxInboundStreams} with
 *     half-closed streams. 10 s is far above a round trip and, with 256 slots, lets such a remote
 *     open at most ~26 streams a second on average.
 * @param writeStallTimeout how long the connection's outbound buffer may stay above its high water
 *     mark (the remote reads nothing) before the connection is closed (30 s, as the keep-alive timeout)
 */
record YamuxConfig(int maxInboundStreams, int maxUnackedOutbound, int maxDataFrame,
                   Duration keepAliveInterval, Duration keepAliveTimeout, Duration streamCloseGrace,
                   Duration writeStallTimeout) {

    /** The per-stream window each side starts with (spec: 256 KiB); we never grant more. */
    static final int INITIAL_WINDOW = 256 * 1024;

    /**
     * The outbound buffer marks set on every connection (channel option
     * {@code WRITE_BUFFER_WATER_MARK}): above 128 KiB of bytes waiting for the socket the connection
     * is unwritable, and the session stops reading the remote's frames (every frame may cause a
     * write: an ACK, a pong, an echo) until the buffer is back under 64 KiB. What a remote that
     * does not read sends meanwhile stays in its own TCP buffers.
     */
    static final WriteBufferWaterMark WRITE_BUFFER_WATER_MARK = new WriteBufferWaterMark(64 * 1024, 128 * 1024);

    /**
     * How every connection reads (channel option {@code RECVBUF_ALLOCATOR}): at most one read of at
     * most 64 KiB per turn of the event loop, so that a peer pushing bulk data (each byte of which
     * the loop must decrypt) waits its turn behind the other connections of the loop instead of
     * holding the loop for up to 16 reads. Found with a flight recording of the flood benchmark:
     * honest requests queued behind attackers' ChaCha20-Poly1305 work on the same loop.
     */
    static final RecvByteBufAllocator FAIR_READS = new AdaptiveRecvByteBufAllocator(64, 2048, 64 * 1024)
            .maxMessagesPerRead(1);

    static final YamuxConfig DEFAULT = new YamuxConfig(256, 256, 64 * 1024,
            Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(30));

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
        if (streamCloseGrace.isNegative() || streamCloseGrace.isZero()
                || writeStallTimeout.isNegative() || writeStallTimeout.isZero()) {
            throw new IllegalArgumentException("stream close grace and write stall timeout must be > 0: "
                    + streamCloseGrace + ", " + writeStallTimeout);
        }
    }

    /** With the default stream close grace and write stall timeout. */
    YamuxConfig(int maxInboundStreams, int maxUnackedOutbound, int maxDataFrame, Duration keepAliveInterval,
                Duration keepAliveTimeout) {
        this(maxInboundStreams, maxUnackedOutbound, maxDataFrame, keepAliveInterval, keepAliveTimeout,
                Duration.ofSeconds(10), Duration.ofSeconds(30));
    }

    YamuxConfig withMaxInboundStreams(int n) {
        return new YamuxConfig(n, maxUnackedOutbound, maxDataFrame, keepAliveInterval, keepAliveTimeout,
                streamCloseGrace, writeStallTimeout);
    }

    YamuxConfig withKeepAlive(Duration interval, Duration timeout) {
        return new YamuxConfig(maxInboundStreams, maxUnackedOutbound, maxDataFrame, interval, timeout,
                streamCloseGrace, writeStallTimeout);
    }

    YamuxConfig withStreamCloseGrace(Duration grace) {
        return new YamuxConfig(maxInboundStreams, maxUnackedOutbound, maxDataFrame, keepAliveInterval,
                keepAliveTimeout, grace, writeStallTimeout);
    }

    YamuxConfig withWriteStallTimeout(Duration timeout) {
        return new YamuxConfig(maxInboundStreams, maxUnackedOutbound, maxDataFrame, keepAliveInterval,
                keepAliveTimeout, streamCloseGrace, timeout);
    }
}
