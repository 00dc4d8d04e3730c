package io.jkad.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.multiaddr.Multiaddr;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Wildcard listen addresses: what is bound, reported and advertised. */
class HostWildcardTest {

    private static final List<InetAddress> INTERFACES = List.of(ip("127.0.0.1"), ip("::1"), ip("10.201.0.2"),
            ip("fe80::1"), ip("fd00:201::2"), ip("192.168.7.9"), ip("2001:db8::5"));

    private final List<Host> hosts = new ArrayList<>();

    @AfterEach
    void closeHosts() {
        hosts.forEach(Host::close);
    }

    private static InetAddress ip(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> expand(String... listening) {
        return ListenAddresses.expandWildcards(java.util.Arrays.stream(listening).map(Multiaddr::parse).toList(), INTERFACES)
                .stream().map(Multiaddr::toString).toList();
    }

    @Test
    void ipv4WildcardAdvertisesTheIpv4InterfaceAddressesLoopbackLast() {
        assertThat(expand("/ip4/0.0.0.0/tcp/4001")).containsExactly(
                "/ip4/10.201.0.2/tcp/4001", "/ip4/192.168.7.9/tcp/4001", "/ip4/127.0.0.1/tcp/4001");
    }

    @Test
    void ipv6WildcardAdvertisesTheIpv6InterfaceAddressesButNotLinkLocal() {
        assertThat(expand("/ip6/::/tcp/4001")).containsExactly(
                "/ip6/fd00:201::2/tcp/4001", "/ip6/2001:db8::5/tcp/4001", "/ip6/::1/tcp/4001");
    }

    @Test
    void bothWildcardsAdvertiseBothFamiliesNonLoopbackFirst() {
        assertThat(expand("/ip4/0.0.0.0/tcp/4001", "/ip6/::/tcp/4001")).containsExactly(
                "/ip4/10.201.0.2/tcp/4001", "/ip4/192.168.7.9/tcp/4001",
                "/ip6/fd00:201::2/tcp/4001", "/ip6/2001:db8::5/tcp/4001",
                "/ip4/127.0.0.1/tcp/4001", "/ip6/::1/tcp/4001");
    }

    @Test
    void specificAddressesStayAndDuplicatesGo() {
        assertThat(expand("/ip4/10.201.0.2/tcp/4001", "/ip4/0.0.0.0/tcp/4001", "/ip4/127.0.0.1/tcp/5")).containsExactly(
                "/ip4/10.201.0.2/tcp/4001", "/ip4/192.168.7.9/tcp/4001",
                "/ip4/127.0.0.1/tcp/4001", "/ip4/127.0.0.1/tcp/5");
    }

    @Test
    void aWildcardWithoutAddressesOfItsFamilyAdvertisesNothingNeverAWildcard() {
        assertThat(ListenAddresses.expandWildcards(List.of(Multiaddr.parse("/ip6/::/tcp/4001")), List.of(ip("10.0.0.1"))))
                .isEmpty();
    }

    // --- real sockets ---

    private Host start(String... listen) throws Exception {
        HostConfig.Builder b = HostConfig.builder(Ed25519KeyPair.generate()).ioThreads(1);
        for (String l : listen) {
            b.listen(Multiaddr.parse(l));
        }
        Host h = Host.start(b.build());
        hosts.add(h);
        return h;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static boolean connects(InetAddress ip, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(ip, port), 2000);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    void ipv4WildcardKeepsItsFamilyOnARealSocket() throws Exception {
        Host h = start("/ip4/0.0.0.0/tcp/0");
        Multiaddr l = h.listenAddresses().get(0);
        InetSocketAddress sa = l.toTcpSocketAddress().orElseThrow();
        assertThat(l.toString()).startsWith("/ip4/0.0.0.0/tcp/");
        assertThat(sa.getPort()).isPositive();
        assertThat(h.advertisedAddresses()).isNotEmpty().allSatisfy(a -> {
            InetAddress ip = a.toTcpSocketAddress().orElseThrow().getAddress();
            assertThat(ip).isInstanceOf(Inet4Address.class);
            assertThat(ip.isAnyLocalAddress()).isFalse();
        });
        assertThat(h.advertisedAddresses()).contains(Multiaddr.parse("/ip4/127.0.0.1/tcp/" + sa.getPort()));
        assertThat(connects(InetAddress.getByName("127.0.0.1"), sa.getPort())).isTrue();
    }

    @Test
    void bothWildcardsOnOnePortBindAndServeBothFamilies() throws Exception {
        int port = freePort();
        Host h = start("/ip4/0.0.0.0/tcp/" + port, "/ip6/::/tcp/" + port);
        assertThat(h.listenAddresses()).extracting(Multiaddr::toString)
                .containsExactly("/ip4/0.0.0.0/tcp/" + port, "/ip6/::/tcp/" + port);
        assertThat(h.advertisedAddresses()).isNotEmpty().noneMatch(a ->
                a.toTcpSocketAddress().orElseThrow().getAddress().isAnyLocalAddress());
        assertThat(h.advertisedAddresses()).contains(Multiaddr.parse("/ip4/127.0.0.1/tcp/" + port));
        boolean ipv6Loopback = h.advertisedAddresses().contains(Multiaddr.parse("/ip6/::1/tcp/" + port));
        assertThat(connects(InetAddress.getByName("127.0.0.1"), port)).isTrue();
        if (ipv6Loopback) {
            assertThat(connects(InetAddress.getByName("::1"), port)).isTrue();
        }
        // Non-loopback first: the first loopback address comes after every other one.
        List<Boolean> loopback = h.advertisedAddresses().stream()
                .map(a -> a.toTcpSocketAddress().orElseThrow().getAddress().isLoopbackAddress()).toList();
        assertThat(loopback).isSortedAccordingTo(Boolean::compare);
    }

    @Test
    void aHostListeningOnBothWildcardsIsDialedOverIpv4AndIpv6() throws Exception {
        int port = freePort();
        Host server = start("/ip4/0.0.0.0/tcp/" + port, "/ip6/::/tcp/" + port);
        Host v4 = start("/ip4/127.0.0.1/tcp/0");
        Connection c = v4.dial(server.peerId(), List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/" + port)))
                .get(10, TimeUnit.SECONDS);
        assertThat(c.remoteAddress().toTcpSocketAddress().orElseThrow().getAddress()).isInstanceOf(Inet4Address.class);
        if (server.advertisedAddresses().contains(Multiaddr.parse("/ip6/::1/tcp/" + port))) {
            Host v6 = start("/ip6/::1/tcp/0");
            Connection c6 = v6.dial(server.peerId(), List.of(Multiaddr.parse("/ip6/::1/tcp/" + port)))
                    .get(10, TimeUnit.SECONDS);
            assertThat(c6.remoteAddress().toTcpSocketAddress().orElseThrow().getAddress())
                    .isInstanceOf(Inet6Address.class);
        }
    }
}
