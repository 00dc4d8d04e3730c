package io.jkad.net;

import io.jkad.multiaddr.Multiaddr;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which addresses a {@link KademliaNode} takes from Identify: the ones a peer's routing-table entry
 * gets, and the external address candidates an observed address of ours yields. Pure functions,
 * so that the rules read (and are tested) apart from the node.
 */
final class AddressPolicy {

    private AddressPolicy() {
    }

    /**
     * The addresses of a peer that confirmed the Kademlia protocol: the listen addresses it
     * announced, TCP ones first (the routing table's first address is the one tried first); when
     * it announced none and we dialed it, the address we dialed.
     */
    static List<Multiaddr> routingAddresses(Connection connection, IdentifyInfo info) {
        List<Multiaddr> tcp = new ArrayList<>();
        List<Multiaddr> other = new ArrayList<>();
        for (Multiaddr a : info.listenAddresses()) {
            (a.toTcpSocketAddress().isPresent() ? tcp : other).add(a);
        }
        tcp.addAll(other);
        if (tcp.isEmpty() && connection.isOutbound()) {
            return List.of(connection.remoteAddress());
        }
        return tcp;
    }

    /**
     * The external address candidates for an address a peer observed us at: its IP with the port
     * of each TCP listen address of the same IP family (the swarm's address translation in the
     * reference; an observed port is the remote end of our socket, for a connection we dialed an
     * ephemeral one). None when the observation is not TCP over an IP address, or names a wildcard
     * or multicast address.
     */
    static List<Multiaddr> translateObserved(Multiaddr observed, Collection<Multiaddr> listenAddresses) {
        Optional<InetSocketAddress> sa = observed.withoutPeerId().toTcpSocketAddress();
        if (sa.isEmpty() || sa.get().isUnresolved()) {
            return List.of();
        }
        InetAddress ip = sa.get().getAddress();
        if (ip.isAnyLocalAddress() || ip.isMulticastAddress()) {
            return List.of();
        }
        Set<Multiaddr> out = new LinkedHashSet<>();
        for (Multiaddr l : listenAddresses) {
            Optional<InetSocketAddress> ls = l.toTcpSocketAddress();
            if (ls.isPresent() && !ls.get().isUnresolved()
                    && (ls.get().getAddress() instanceof Inet4Address) == (ip instanceof Inet4Address)) {
                out.add(Multiaddr.tcp(new InetSocketAddress(ip, ls.get().getPort())));
            }
        }
        return List.copyOf(out);
    }
}
