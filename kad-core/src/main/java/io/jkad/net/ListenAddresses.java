package io.jkad.net;

import io.jkad.multiaddr.Multiaddr;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's address policy, apart from its sockets: which requested listen addresses share one
 * dual-stack socket, and which addresses a node advertises for the ones it listens on (a wildcard
 * becomes the interface addresses of its own family). Pure functions but for
 * {@link #interfaceAddresses()}, so that tests give the interface list.
 */
final class ListenAddresses {

    private static final Logger LOG = LoggerFactory.getLogger(ListenAddresses.class);

    private ListenAddresses() {}

    /** {@code ::}. */
    static final InetAddress IPV6_ANY = anyIpv6();

    private static InetAddress anyIpv6() {
        try {
            return InetAddress.getByAddress(new byte[16]);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** Ports (other than 0) on which both {@code 0.0.0.0} and {@code ::} are asked for. */
    static Set<Integer> dualStackPorts(List<Multiaddr> requested) {
        Set<Integer> v4 = new HashSet<>();
        Set<Integer> v6 = new HashSet<>();
        for (Multiaddr m : requested) {
            InetSocketAddress sa = m.toTcpSocketAddress().orElseThrow();
            if (sa.getAddress().isAnyLocalAddress() && sa.getPort() != 0) {
                (sa.getAddress() instanceof Inet4Address ? v4 : v6).add(sa.getPort());
            }
        }
        v4.retainAll(v6);
        return v4;
    }

    /** The addresses of the network interfaces that are up, in the order the system lists them. */
    static List<InetAddress> interfaceAddresses() {
        List<InetAddress> out = new ArrayList<>();
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (ni.isUp()) {
                    out.addAll(Collections.list(ni.getInetAddresses()));
                }
            }
        } catch (SocketException e) {
            LOG.warn("could not list network interfaces: {}", e.toString());
        }
        return out;
    }

    /**
     * The addresses to advertise for {@code listening}: a wildcard ({@code 0.0.0.0} or {@code ::})
     * becomes one address per interface address of the same family (never the other family, and
     * never a link-local address, which needs a scope to be dialed); other addresses stay. The
     * result has no duplicates and lists non-loopback addresses before loopback ones (a peer tries
     * the first address first). A wildcard with no interface address of its family contributes
     * nothing: a wildcard is not dialable.
     */
    static List<Multiaddr> expandWildcards(List<Multiaddr> listening, List<InetAddress> interfaceAddresses) {
        Set<Multiaddr> out = new LinkedHashSet<>();
        for (Multiaddr m : listening) {
            InetSocketAddress sa = m.toTcpSocketAddress().orElseThrow();
            if (!sa.getAddress().isAnyLocalAddress()) {
                out.add(m);
                continue;
            }
            boolean v4 = sa.getAddress() instanceof Inet4Address;
            boolean any = false;
            for (InetAddress a : interfaceAddresses) {
                if ((a instanceof Inet4Address) == v4 && !a.isLinkLocalAddress() && !a.isAnyLocalAddress()
                        && !a.isMulticastAddress()) {
                    InetAddress plain = a instanceof Inet6Address six && six.getScopeId() != 0
                            ? stripScope(six) : a;
                    out.add(Multiaddr.tcp(new InetSocketAddress(plain, sa.getPort())));
                    any = true;
                }
            }
            if (!any) {
                LOG.warn("no {} interface address to advertise for {}", v4 ? "IPv4" : "IPv6", m);
            }
        }
        List<Multiaddr> ordered = new ArrayList<>(out);
        ordered.sort(Comparator.comparing(ListenAddresses::isLoopback)); // stable: false (non-loopback) first
        return List.copyOf(ordered);
    }

    private static boolean isLoopback(Multiaddr m) {
        return m.toTcpSocketAddress().map(sa -> !sa.isUnresolved() && sa.getAddress().isLoopbackAddress())
                .orElse(false);
    }

    private static InetAddress stripScope(Inet6Address a) {
        try {
            return InetAddress.getByAddress(a.getAddress());
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
