package io.jkad.net;

import io.netty.channel.ChannelFactory;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the TCP sockets are driven: Linux's epoll through Netty's JNI library, or the JDK's NIO.
 * An event-loop group and the channels registered on it must agree, so a {@link HostRuntime}
 * picks one when it makes its group, and its hosts' dialers and listeners take their channels
 * from it.
 *
 * <p>epoll is the choice where its library loads (Linux on x86-64 and arm64); NIO elsewhere, or
 * with the system property {@code jkad.transport=nio}. The wire is the same either way; epoll
 * costs less CPU per connection (the devnet's figures are in {@code bench/results}).
 */
public enum SocketTransport {
    /** Linux's epoll, edge-triggered, through {@code netty-transport-native-epoll}. */
    EPOLL,
    /** The JDK's selector. */
    NIO;

    private static final Logger LOG = LoggerFactory.getLogger(SocketTransport.class);
    /** The system property that can force NIO ({@code nio}) or ask for the default ({@code auto}). */
    public static final String PROPERTY = "jkad.transport";

    /** The transport of this process: epoll where it loads, unless {@value #PROPERTY} says {@code nio}. */
    public static SocketTransport current() {
        return Chosen.TRANSPORT;
    }

    /** Chosen on first use, once (the holder idiom). */
    private static final class Chosen {
        static final SocketTransport TRANSPORT = choose(System.getProperty(PROPERTY, "auto"));
    }

    private static SocketTransport choose(String asked) {
        String a = asked.trim().toLowerCase(Locale.ROOT);
        switch (a) {
            case "nio" -> {
                LOG.info("sockets on NIO ({}={})", PROPERTY, asked);
                return NIO;
            }
            case "auto", "epoll", "" -> {
                if (Epoll.isAvailable()) {
                    LOG.debug("sockets on epoll");
                    return EPOLL;
                }
                LOG.info("sockets on NIO: epoll is not available here ({})", String.valueOf(Epoll.unavailabilityCause()));
                return NIO;
            }
            default -> {
                LOG.warn("{}={} is neither auto, epoll nor nio; using the default", PROPERTY, asked);
                return choose("auto");
            }
        }
    }

    /** The IO handlers of an event-loop group for this transport's channels. */
    IoHandlerFactory ioHandlerFactory() {
        return this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    /** Makes client sockets. */
    ChannelFactory<SocketChannel> socketChannels() {
        return this == EPOLL ? EpollSocketChannel::new : NioSocketChannel::new;
    }

    /** Makes listening sockets of one address family. */
    ChannelFactory<ServerChannel> serverChannels(SocketProtocolFamily family) {
        return this == EPOLL
                ? () -> new EpollServerSocketChannel(family)
                : () -> new NioServerSocketChannel(SelectorProvider.provider(), family);
    }
}
