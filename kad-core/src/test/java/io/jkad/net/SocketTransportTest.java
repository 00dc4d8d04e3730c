package io.jkad.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jkad.identity.Ed25519KeyPair;
import io.netty.buffer.Unpooled;
import io.netty.channel.epoll.Epoll;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Both socket transports, and hosts on one talking to hosts on the other over real loopback TCP. */
class SocketTransportTest {

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    /** So that a silent fall back to NIO on the machines that build jkad fails the build. */
    @Test
    void theBuildMachinesUseEpoll() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        assumeTrue(System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")
                && (arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64")), "Linux on x86-64 or arm64");
        assumeTrue(!"nio".equalsIgnoreCase(System.getProperty(SocketTransport.PROPERTY, "")), "NIO asked for");
        assertThat(Epoll.isAvailable()).as("epoll: %s", Epoll.unavailabilityCause()).isTrue();
        assertThat(SocketTransport.current()).isEqualTo(SocketTransport.EPOLL);
    }

    @Test
    void hostsOnEpollAndOnNioDialEachOtherAndCarryStreams() throws Exception {
        assumeTrue(Epoll.isAvailable(), "epoll not available here");
        byte[] data = new byte[300_000];
        new Random(7).nextBytes(data);
        // a fresh pair each way, so that each transport both dials and accepts
        for (Host[] pair : new Host[][] {{host(SocketTransport.EPOLL), host(SocketTransport.NIO)},
                {host(SocketTransport.NIO), host(SocketTransport.EPOLL)}}) {
            Connection c = pair[0].dial(pair[1].peerId(), pair[1].listenAddresses()).get(10, TimeUnit.SECONDS);
            assertThat(c.remotePeer()).isEqualTo(pair[1].peerId());
            assertThat(c.isOutbound()).isTrue();
            HostTest.Sink sink = new HostTest.Sink();
            StreamChannel s = pair[0].openStream(pair[1].peerId(), HostTest.ECHO, st -> st.pipeline().addLast(sink))
                    .get(10, TimeUnit.SECONDS);
            s.writeAndFlush(Unpooled.wrappedBuffer(data));
            s.shutdownOutput();
            assertThat(sink.done.get(20, TimeUnit.SECONDS)).isEqualTo(data);
        }
    }

    private Host host(SocketTransport transport) throws Exception {
        HostRuntime runtime = HostRuntime.shared(1, 1, transport);
        open.add(runtime);
        assertThat(runtime.transport()).isEqualTo(transport);
        Host h = Host.start(HostConfig.builder(Ed25519KeyPair.generate()).listen(HostTest.LOOPBACK).runtime(runtime)
                .build());
        open.add(h);
        h.setStreamHandler(HostTest.ECHO, stream -> stream.pipeline().addLast(new HostTest.EchoHandler()));
        return h;
    }
}
