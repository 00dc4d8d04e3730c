package io.jkad.multiaddr;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.identity.PeerId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class MultiaddrProperties {

    @Property
    void ip4AndPortRoundTrip(@ForAll @Size(4) byte[] ip, @ForAll @IntRange(max = 65535) int port) {
        String text = "/ip4/" + (ip[0] & 0xFF) + "." + (ip[1] & 0xFF) + "." + (ip[2] & 0xFF) + "." + (ip[3] & 0xFF)
                + "/tcp/" + port;
        byte[] expected = {4, ip[0], ip[1], ip[2], ip[3], 6, (byte) (port >>> 8), (byte) port};

        Multiaddr address = Multiaddr.parse(text);

        assertThat(address.toBytes()).isEqualTo(expected);
        assertThat(address).hasToString(text);
        assertThat(Multiaddr.fromBytes(expected)).isEqualTo(address);
        assertThat(address.toTcpSocketAddress().orElseThrow().getPort()).isEqualTo(port);
        assertThat(Multiaddr.tcp(address.toTcpSocketAddress().orElseThrow())).isEqualTo(address);
    }

    /** Groups that are zero half of the time, so that runs of zeros are common. */
    @Provide
    Arbitrary<int[]> ip6Groups() {
        Arbitrary<Integer> group = Arbitraries.oneOf(Arbitraries.just(0), Arbitraries.integers().between(0, 0xFFFF));
        return group.array(int[].class).ofSize(8);
    }

    @Property
    void ip6TextRoundTripsAndIsInRfc5952Form(@ForAll("ip6Groups") int[] groups) {
        byte[] ip = new byte[16];
        StringBuilder full = new StringBuilder();
        for (int g = 0; g < 8; g++) {
            ip[2 * g] = (byte) (groups[g] >>> 8);
            ip[2 * g + 1] = (byte) groups[g];
            full.append(g == 0 ? "" : ":").append(String.format("%04X", groups[g]));
        }
        Multiaddr fromFullText = Multiaddr.parse("/ip6/" + full);
        byte[] expected = new byte[17];
        expected[0] = 41;
        System.arraycopy(ip, 0, expected, 1, 16);
        assertThat(fromFullText.toBytes()).isEqualTo(expected);

        String printed = fromFullText.toString().substring("/ip6/".length());
        assertThat(Multiaddr.parse("/ip6/" + printed)).isEqualTo(fromFullText);
        assertThat(printed).doesNotContainPattern("[A-F]").doesNotContain(":::");
        assertThat(printed.indexOf("::")).isEqualTo(printed.lastIndexOf("::"));
        boolean mapped = printed.startsWith("::ffff:") && printed.contains(".");
        if (!mapped) {
            int longestZeroRun = 0;
            for (int g = 0, run = 0; g < 8; g++) {
                run = groups[g] == 0 ? run + 1 : 0;
                longestZeroRun = Math.max(longestZeroRun, run);
            }
            List<String> explicit = new ArrayList<>();
            for (String part : printed.split(":")) {
                if (!part.isEmpty()) {
                    explicit.add(part);
                }
            }
            for (String part : explicit) {
                assertThat(part).matches("0|[1-9a-f][0-9a-f]{0,3}");
            }
            if (longestZeroRun >= 2) {
                assertThat(printed).contains("::");
                assertThat(explicit).hasSize(8 - longestZeroRun);
            } else {
                assertThat(printed).doesNotContain("::");
                assertThat(explicit).hasSize(8);
            }
        }
    }

    @Provide
    Arbitrary<String> componentTexts() {
        Arbitrary<String> ip4 = Arbitraries.integers().between(0, 255).list().ofSize(4)
                .map(parts -> "/ip4/" + parts.get(0) + "." + parts.get(1) + "." + parts.get(2) + "." + parts.get(3));
        Arbitrary<String> ip6 = ip6Groups().map(groups -> {
            StringBuilder b = new StringBuilder("/ip6/");
            for (int g = 0; g < 8; g++) {
                b.append(g == 0 ? "" : ":").append(Integer.toHexString(groups[g]));
            }
            return b.toString();
        });
        Arbitrary<String> port = Combinators.combine(Arbitraries.of("tcp", "udp"), Arbitraries.integers().between(0, 65535))
                .as((name, p) -> "/" + name + "/" + p);
        Arbitrary<String> dns = Combinators.combine(Arbitraries.of("dns", "dns4", "dns6", "dnsaddr", "sni"),
                        Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789-.").ofMinLength(1).ofMaxLength(30))
                .as((name, host) -> "/" + name + "/" + host);
        Arbitrary<String> p2p = Arbitraries.longs().map(seed -> "/p2p/" + PeerId.random(new Random(seed)));
        Arbitrary<String> bare = Arbitraries.of("/quic-v1", "/quic", "/p2p-circuit", "/ws", "/wss", "/tls", "/noise",
                "/webtransport", "/webrtc-direct", "/http", "/https");
        return Arbitraries.oneOf(ip4, ip6, port, dns, p2p, bare);
    }

    @Provide
    Arbitrary<String> addressTexts() {
        return componentTexts().list().ofMinSize(1).ofMaxSize(6).map(parts -> String.join("", parts));
    }

    @Property
    void generatedAddressesRoundTripThroughTextAndBytes(@ForAll("addressTexts") String text) {
        Multiaddr address = Multiaddr.parse(text);
        Multiaddr fromBytes = Multiaddr.fromBytes(address.toBytes());

        assertThat(fromBytes).isEqualTo(address).hasSameHashCodeAs(address);
        assertThat(Multiaddr.parse(address.toString())).isEqualTo(address);
        assertThat(Multiaddr.tryFromBytes(address.toBytes())).contains(address);
        StringBuilder joined = new StringBuilder();
        for (Component c : address.components()) {
            joined.append(c);
        }
        assertThat(joined.toString()).isEqualTo(address.toString());
        Optional<PeerId> peer = address.peerId();
        if (peer.isPresent() && address.components().size() > 1) {
            assertThat(address.withPeerId(peer.get())).isEqualTo(address);
            assertThat(address.withoutPeerId().encapsulate(Multiaddr.parse("/p2p/" + peer.get()))).isEqualTo(address);
        }
    }

    @Property
    void damagedBytesDecodeToAValidAddressOrAnIllegalArgument(
            @ForAll("addressTexts") String text, @ForAll @IntRange(max = 200) int at, @ForAll byte value, @ForAll boolean cut) {
        byte[] bytes = Multiaddr.parse(text).toBytes();
        if (cut) {
            bytes = java.util.Arrays.copyOf(bytes, at % (bytes.length + 1));
        } else {
            bytes[at % bytes.length] = value;
        }
        Multiaddr decoded;
        try {
            decoded = Multiaddr.fromBytes(bytes);
        } catch (IllegalArgumentException e) {
            assertThat(e).hasMessageStartingWith("invalid binary multiaddr");
            Optional<Multiaddr> lenient;
            try {
                lenient = Multiaddr.tryFromBytes(bytes);
            } catch (IllegalArgumentException alsoRefused) {
                return;
            }
            assertThat(lenient).isEmpty();
            assertThat(e).hasMessageContaining("unknown protocol code");
            return;
        }
        assertThat(decoded.toBytes()).isEqualTo(bytes);
        assertThat(Multiaddr.parse(decoded.toString())).isEqualTo(decoded);
        assertThat(Multiaddr.tryFromBytes(bytes)).contains(decoded);
    }

    @Property
    void arbitraryBytesNeverFailOtherwise(@ForAll @Size(max = 40) byte[] bytes) {
        try {
            Multiaddr decoded = Multiaddr.fromBytes(bytes);
            assertThat(Multiaddr.parse(decoded.toString())).isEqualTo(decoded);
        } catch (IllegalArgumentException expected) {
            // refused with a reason
        }
        try {
            Multiaddr.tryFromBytes(bytes);
        } catch (IllegalArgumentException expected) {
            // refused with a reason
        }
    }

    @Property
    void arbitraryTextIsAnAddressOrAnIllegalArgument(@ForAll("addressLikeText") String text) {
        Multiaddr parsed;
        try {
            parsed = Multiaddr.parse(text);
        } catch (IllegalArgumentException e) {
            assertThat(e).hasMessageStartingWith("invalid multiaddr");
            return;
        }
        assertThat(Multiaddr.parse(parsed.toString())).isEqualTo(parsed);
        assertThat(Multiaddr.fromBytes(parsed.toBytes())).isEqualTo(parsed);
    }

    @Provide
    Arbitrary<String> addressLikeText() {
        Arbitrary<String> piece = Arbitraries.oneOf(
                Arbitraries.of("/", "/ip4/", "/ip6/", "/tcp/", "/udp/", "/dns/", "/p2p/", "/quic-v1", "::", ":", ".", "%"),
                Arbitraries.strings().withChars("0123456789abcdef.:/").ofMaxLength(6));
        return piece.list().ofMaxSize(8).map(parts -> String.join("", parts));
    }
}
