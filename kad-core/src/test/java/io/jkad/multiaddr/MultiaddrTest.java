package io.jkad.multiaddr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.identity.PeerId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MultiaddrTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final String PEER = "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq";
    private static final String PEER_CID = "bafzaajaiaejcahwr5d5ofrfbis4l5d6uwr57hu5tjodrypfm6yaq6dsc2r2pzyt6";
    private static final String PEER_HEX = "0024080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
    private static final String OTHER_PEER = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";

    // ---- worked examples (specs §2 and §9) ----

    @ParameterizedTest
    @CsvSource({
        "/ip4/192.0.2.42/tcp/443, 04c000022a0601bb",
        "/ip6/::1/tcp/4001, 290000000000000000000000000000000106 0fa1",
        "/dns4/example.com/tcp/443, 360b6578616d706c652e636f6d0601bb",
        "/ip4/127.0.0.1/tcp/4001/p2p/" + PEER + ", 047f000001060fa1a50326" + PEER_HEX,
        "/ip4/127.0.0.1/udp/4001/quic-v1, 047f0000019102 0fa1cd03",
        "/p2p-circuit, a202",
    })
    void textAndBytesOfTheWorkedExamples(String text, String hex) {
        byte[] bytes = HEX.parseHex(hex.replace(" ", ""));

        Multiaddr fromText = Multiaddr.parse(text);
        Multiaddr fromBytes = Multiaddr.fromBytes(bytes);

        assertThat(fromText.toBytes()).isEqualTo(bytes);
        assertThat(fromBytes.toString()).isEqualTo(text);
        assertThat(fromBytes).isEqualTo(fromText).hasSameHashCodeAs(fromText);
        assertThat(fromText.length()).isEqualTo(bytes.length);
    }

    @Test
    void ipfsAliasAndCidFormReadAsP2pAndPrintAsBase58() {
        Multiaddr canonical = Multiaddr.parse("/ip4/127.0.0.1/tcp/4001/p2p/" + PEER);
        assertThat(Multiaddr.parse("/ip4/127.0.0.1/tcp/4001/ipfs/" + PEER)).isEqualTo(canonical);
        assertThat(Multiaddr.parse("/ip4/127.0.0.1/tcp/4001/p2p/" + PEER_CID)).isEqualTo(canonical);
        assertThat(Multiaddr.parse("/ip4/127.0.0.1/tcp/4001/ipfs/" + PEER_CID).toString())
                .isEqualTo("/ip4/127.0.0.1/tcp/4001/p2p/" + PEER);
    }

    @Test
    void rsaPeerIdInTheQmAndCidFormsIsTheSameAddress() {
        Multiaddr qm = Multiaddr.parse("/dns/example.com/tcp/4001/p2p/QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N");
        Multiaddr cid = Multiaddr.parse("/dns/example.com/tcp/4001/p2p/bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe");
        assertThat(cid).isEqualTo(qm);
        assertThat(cid.peerId()).contains(PeerId.parse("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N"));
    }

    @Test
    void oneTrailingSlashIsAllowed() {
        assertThat(Multiaddr.parse("/ip4/1.2.3.4/tcp/80/")).isEqualTo(Multiaddr.parse("/ip4/1.2.3.4/tcp/80"));
        assertThat(Multiaddr.parse("/quic-v1/")).hasToString("/quic-v1");
    }

    @Test
    void bytesAreCopiedInAndOut() {
        byte[] bytes = HEX.parseHex("04c000022a0601bb");
        Multiaddr address = Multiaddr.fromBytes(bytes);
        bytes[1] = 1;
        address.toBytes()[2] = 1;
        assertThat(address).hasToString("/ip4/192.0.2.42/tcp/443");
        byte[] out = new byte[10];
        assertThat(address.writeTo(out, 1)).isEqualTo(9);
        assertThat(HEX.formatHex(out)).isEqualTo("0004c000022a0601bb00");
    }

    @Test
    void fromBytesOfARangeReadsOnlyThatRange() {
        byte[] buf = HEX.parseHex("ffff04c000022a0601bbffff");
        assertThat(Multiaddr.fromBytes(buf, 2, 8)).hasToString("/ip4/192.0.2.42/tcp/443");
        assertThat(Multiaddr.tryFromBytes(buf, 2, 8)).map(Multiaddr::toString).contains("/ip4/192.0.2.42/tcp/443");
        assertThatThrownBy(() -> Multiaddr.fromBytes(buf, 8, 8)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    // ---- ip6 text ----

    @ParameterizedTest
    @CsvSource({
        "::1, ::1",
        "::, ::",
        "0:0:0:0:0:0:0:1, ::1",
        "1:0:0:0:0:0:0:0, 1::",
        "2001:DB8:0:0:0:0:0:1, 2001:db8::1",
        "2001:0db8:0000:0000:0001:0000:0000:0001, 2001:db8::1:0:0:1",
        "2001:db8:0:0:1:0:0:0, 2001:db8:0:0:1::",
        "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
        "1:2:3:4:5:6:7:8, 1:2:3:4:5:6:7:8",
        "fe80::1:2, fe80::1:2",
        "1:2:3:4:5:6:7::, 1:2:3:4:5:6:7:0",
        "::2:3:4:5:6:7:8, 0:2:3:4:5:6:7:8",
        "::ffff:192.0.2.1, ::ffff:192.0.2.1",
        "::ffff:c000:201, ::ffff:192.0.2.1",
        "64:ff9b::192.0.2.33, 64:ff9b::c000:221",
        "::1.2.3.4, ::102:304",
        "1:2:3:4:5:6:1.2.3.4, 1:2:3:4:5:6:102:304",
    })
    void ip6IsReadInAnyFormAndPrintedInRfc5952Form(String input, String printed) {
        assertThat(Multiaddr.parse("/ip6/" + input).toString()).isEqualTo("/ip6/" + printed);
        assertThat(Multiaddr.parse("/ip6/" + printed)).isEqualTo(Multiaddr.parse("/ip6/" + input));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        ":", ":::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::", "1::2::3", "g::1", ":1::", "1::2:",
        "1:", "::1.2.3", "1:2:3:4:5:6:7:1.2.3.4", "::1.2.3.04", "1.2.3.4", "[::1]", "::1 ", "::１",
    })
    void badIp6IsRefused(String input) {
        assertThatThrownBy(() -> Multiaddr.parse("/ip6/" + input + "/tcp/1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad ip6 address '" + input + "'");
    }

    @Test
    void ip6ZoneInTheAddressIsRefusedWithAHint() {
        assertThatThrownBy(() -> Multiaddr.parse("/ip6/fe80::1%eth0"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad ip6 address 'fe80::1%eth0' (a zone goes in /ip6zone/<zone>/ip6/<address>)");
        assertThat(Multiaddr.parse("/ip6zone/eth0/ip6/fe80::1/tcp/1")).hasToString("/ip6zone/eth0/ip6/fe80::1/tcp/1");
    }

    // ---- ip4, ports, names ----

    @ParameterizedTest
    @ValueSource(strings = {"256.0.0.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1..2.3", "a.b.c.d", "-1.2.3.4", "1.2.3.4 ", "1.2.3.1000", "::1"})
    void badIp4IsRefused(String input) {
        assertThatThrownBy(() -> Multiaddr.parse("/ip4/" + input + "/tcp/1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad ip4 address '" + input + "'");
    }

    @ParameterizedTest
    @CsvSource({
        "65536, must be 0-65535",
        "99999999999, must be 0-65535",
        "-1, not a decimal number",
        "abc, not a decimal number",
        "1e3, not a decimal number",
        "+80, not a decimal number",
    })
    void badPortIsRefused(String port, String reason) {
        assertThatThrownBy(() -> Multiaddr.parse("/ip4/1.2.3.4/tcp/" + port))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad tcp port '" + port + "' (" + reason + ")");
        assertThatThrownBy(() -> Multiaddr.parse("/ip4/1.2.3.4/udp/" + port))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad udp port '" + port + "'");
    }

    @Test
    void portLimitsAreKept() {
        assertThat(Multiaddr.parse("/ip4/1.2.3.4/tcp/0")).hasToString("/ip4/1.2.3.4/tcp/0");
        assertThat(Multiaddr.parse("/ip4/1.2.3.4/tcp/65535")).hasToString("/ip4/1.2.3.4/tcp/65535");
        assertThat(HEX.formatHex(Multiaddr.parse("/ip4/1.2.3.4/tcp/65535").toBytes())).endsWith("06ffff");
    }

    @ParameterizedTest
    @CsvSource({
        "'', empty text",
        "ip4/1.2.3.4, must start with '/'",
        "/, no components",
        "//ip4/1.2.3.4, empty protocol name at character 1",
        "/ip4/1.2.3.4//tcp/1, empty protocol name at character 13",
        "/ip4, missing value for /ip4",
        "/ip4/, missing value for /ip4",
        "/ip4/1.2.3.4/tcp, missing value for /tcp",
        "/ip4/1.2.3.4/tcp//, missing value for /tcp",
        "/dns4, missing value for /dns4",
        "/ip4/1.2.3.4/foo/1, unknown protocol 'foo'",
        "/IP4/1.2.3.4, unknown protocol 'IP4'",
        "/unix/tmp/sock, unknown protocol 'unix'",
    })
    void malformedTextIsRefusedWithTheReason(String text, String reason) {
        assertThatThrownBy(() -> Multiaddr.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid multiaddr '" + text + "': " + reason);
    }

    @Test
    void invalidPeerIdIsRefused() {
        assertThatThrownBy(() -> Multiaddr.parse("/ip4/1.2.3.4/tcp/1/p2p/notapeer"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid peer id 'notapeer'");
        assertThatThrownBy(() -> Multiaddr.parse("/ip4/1.2.3.4/tcp/1/p2p/" + PEER.substring(0, 30)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid peer id '" + PEER.substring(0, 30) + "'");
    }

    @Test
    void overlongTextIsQuotedShortened() {
        String text = "/dns/" + "a".repeat(500) + "/tcp/99999";
        assertThatThrownBy(() -> Multiaddr.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("…': bad tcp port '99999'");
    }

    // ---- binary errors ----

    @ParameterizedTest
    @CsvSource({
        "'', empty",
        "e707, unknown protocol code 999 (0x3e7) at byte 0",
        "04c000022a e707 0000, unknown protocol code 999 (0x3e7) at byte 5",
        "80, bad protocol code at byte 0: truncated varint after 1 bytes",
        "8400c000022a, bad protocol code at byte 0: varint is not minimally encoded",
        "ffffffffffffffffff01, bad protocol code at byte 0: varint longer than 9 bytes",
        "04c00002, 'truncated /ip4 value: needs 4 bytes, 3 remain'",
        "04c000022a0601, 'truncated /tcp value: needs 2 bytes, 1 remain'",
        "29 0000, 'truncated /ip6 value: needs 16 bytes, 2 remain'",
        "36, bad /dns4 length at byte 1: truncated varint after 0 bytes",
        "360b6578616d706c65, truncated /dns4 value: length 11 but 7 bytes remain",
        "3600, empty /dns4 value",
        "3603612f62, /dns4 value contains '/'",
        "3602c328, /dns4 value is not UTF-8",
        "3603eda080, /dns4 value is not UTF-8",
        "3602c0af, /dns4 value is not UTF-8",
        "a503040a0b0c0d, invalid peer id in /p2p: unsupported multihash code 0xa for a peer id (expected identity 0x00 or sha2-256 0x12)",
        "a503021200, 'invalid peer id in /p2p: sha2-256 multihash peer id must have a 32-byte digest, not 0'",
        "a503021220, invalid peer id in /p2p: truncated multihash: length 32 but 0 bytes follow",
        "d203031220aa, bad /certhash value: multihash length 32 but 1 bytes follow",
    })
    void malformedBytesAreRefusedWithTheReason(String hex, String reason) {
        byte[] bytes = HEX.parseHex(hex.replace(" ", ""));
        assertThatThrownBy(() -> Multiaddr.fromBytes(bytes))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid binary multiaddr " + hex.replace(" ", "") + ": " + reason);
    }

    @Test
    void longBadBytesAreQuotedShortened() {
        byte[] bytes = new byte[300];
        bytes[0] = 0x36;
        bytes[1] = (byte) 0xFF;
        bytes[2] = 0x7F;
        assertThatThrownBy(() -> Multiaddr.fromBytes(bytes))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("…: truncated /dns4 value: length 16383 but 297 bytes remain");
    }

    // ---- unknown codes: skip the address ----

    @Test
    void tryFromBytesIsEmptyForAnUnknownCodeSoTheAddressCanBeSkipped() {
        // /ip4/1.2.3.4/udp/4001 then memory (777), a code not in the table.
        byte[] bytes = HEX.parseHex("0401020304" + "91020fa1" + "8906" + "0000000000000001");
        assertThat(Multiaddr.tryFromBytes(bytes)).isEmpty();
        assertThatThrownBy(() -> Multiaddr.fromBytes(bytes))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown protocol code 777 (0x309) at byte 9");
    }

    @Test
    void tryFromBytesStillThrowsForMalformedKnownComponents() {
        // A truncated ip4 before the unknown code.
        assertThatThrownBy(() -> Multiaddr.tryFromBytes(HEX.parseHex("04010203" )))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("truncated /ip4 value");
        // Bad UTF-8 in a /dns4 before the unknown code.
        assertThatThrownBy(() -> Multiaddr.tryFromBytes(HEX.parseHex("0601bb" + "3602c328" + "8906")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("/dns4 value is not UTF-8");
        assertThatThrownBy(() -> Multiaddr.tryFromBytes(new byte[0]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty");
    }

    @Test
    void tryFromBytesDecodesTheAddressesPeersSend() {
        List<String> sent = List.of(
                "/ip4/1.2.3.4/udp/4001/quic-v1/p2p/" + PEER,
                "/ip4/1.2.3.4/udp/4001/quic",
                "/ip4/1.2.3.4/tcp/4001/p2p/" + OTHER_PEER + "/p2p-circuit/p2p/" + PEER,
                "/ip6/2001:db8::1/udp/4001/webrtc-direct/certhash/" + certhash(),
                "/ip4/1.2.3.4/udp/4001/quic-v1/webtransport/certhash/" + certhash() + "/certhash/" + certhash(),
                "/dns/example.com/tcp/443/tls/sni/example.com/ws",
                "/dns4/example.com/tcp/443/wss",
                "/dnsaddr/bootstrap.libp2p.io",
                "/ip4/1.2.3.4/tcp/4001/noise",
                "/ip4/1.2.3.4/tcp/80/http/http-path/a%20b%2Fc",
                "/ip4/10.0.0.0/ipcidr/8",
                "/dns6/example.com/udp/9/dccp/1/sctp/2/udt/utp/https/webrtc/p2p-webrtc-star/p2p-webrtc-direct/p2p-stardust/p2p-websocket-star",
                "/onion/timaq4ygg2iegci7:1234",
                "/onion3/vww6ybal4bd7szmgncyruucpgfkqahzddi37ktceo3ah7ngmcopnpyyd:1234");
        for (String text : sent) {
            Multiaddr parsed = Multiaddr.parse(text);
            assertThat(parsed).as(text).hasToString(text);
            assertThat(Multiaddr.tryFromBytes(parsed.toBytes())).as(text).contains(parsed);
            assertThat(Multiaddr.fromBytes(parsed.toBytes())).as(text).hasToString(text);
        }
    }

    @Test
    void certhashIsReadInAnyMultibaseAndPrintedAsBase64Url() throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(new byte[] {1, 2, 3});
        byte[] multihash = new byte[34];
        multihash[0] = 0x12;
        multihash[1] = 0x20;
        System.arraycopy(digest, 0, multihash, 2, 32);
        String base32 = "b" + io.jkad.util.Base32.encode(multihash);
        Multiaddr fromBase32 = Multiaddr.parse("/certhash/" + base32);
        assertThat(fromBase32.components().get(0).valueBytes()).isEqualTo(multihash);
        assertThat(fromBase32.toString()).startsWith("/certhash/uEi");
        assertThat(Multiaddr.parse(fromBase32.toString())).isEqualTo(fromBase32);
        assertThatThrownBy(() -> Multiaddr.parse("/certhash/uEiA"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad certhash 'uEiA'");
        assertThatThrownBy(() -> Multiaddr.parse("/certhash/xyz"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unsupported multibase prefix 'x'");
    }

    @ParameterizedTest
    @CsvSource({
        "/onion/timaq4ygg2iegci:1234, expected 16 base32 characters",
        "/onion/timaq4ygg2iegci7, expected 16 base32 characters",
        "/onion/timaq4ygg2iegci7:, missing port",
        "/onion/timaq4ygg2iegci7:70000, must be 0-65535",
        "/onion/timaq4ygg2ieg1i7:80, invalid base32 character '1'",
        "/ipcidr/256, bad ipcidr prefix length '256' (must be 0-255)",
        "/http-path/a%2, '%' not followed by two hex digits",
        "/http-path/%ff, not UTF-8 once unescaped",
    })
    void otherProtocolsRefuseBadValues(String text, String reason) {
        assertThatThrownBy(() -> Multiaddr.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(reason);
    }

    @Test
    void onionIsCaseInsensitiveOnInput() {
        assertThat(Multiaddr.parse("/onion/TIMAQ4YGG2IEGCI7:80")).hasToString("/onion/timaq4ygg2iegci7:80");
    }

    private static String certhash() {
        byte[] multihash = new byte[34];
        multihash[0] = 0x12;
        multihash[1] = 0x20;
        Arrays.fill(multihash, 2, 34, (byte) 0x5A);
        return io.jkad.util.Multibase.encodeBase64Url(multihash);
    }

    // ---- components and peer ids ----

    @Test
    void componentsListProtocolsAndValues() {
        Multiaddr address = Multiaddr.parse("/ip4/127.0.0.1/tcp/4001/quic-v1/p2p/" + PEER);
        List<Component> components = address.components();

        assertThat(components).extracting(Component::protocol)
                .containsExactly(Protocol.IP4, Protocol.TCP, Protocol.QUIC_V1, Protocol.P2P);
        assertThat(components).extracting(Component::valueText).containsExactly("127.0.0.1", "4001", "", PEER);
        assertThat(components.get(0).valueBytes()).containsExactly(127, 0, 0, 1);
        assertThat(components.get(1).valueBytes()).containsExactly(0x0f, 0xa1);
        assertThat(components.get(2).valueBytes()).isEmpty();
        assertThat(components.get(3).valueBytes()).isEqualTo(PeerId.parse(PEER).toBytes());
        assertThat(components).extracting(Object::toString)
                .containsExactly("/ip4/127.0.0.1", "/tcp/4001", "/quic-v1", "/p2p/" + PEER);
        assertThat(components.get(1)).isEqualTo(Multiaddr.parse("/tcp/4001").components().get(0))
                .hasSameHashCodeAs(Multiaddr.parse("/tcp/4001").components().get(0))
                .isNotEqualTo(Multiaddr.parse("/udp/4001").components().get(0));
        assertThatThrownBy(() -> components.add(components.get(0))).isInstanceOf(UnsupportedOperationException.class);
        components.get(0).valueBytes()[0] = 1;
        assertThat(address.components().get(0).valueText()).isEqualTo("127.0.0.1");
    }

    @Test
    void peerIdIsTheTrailingP2pComponent() {
        PeerId peer = PeerId.parse(PEER);
        PeerId other = PeerId.parse(OTHER_PEER);
        Multiaddr transport = Multiaddr.parse("/ip4/127.0.0.1/tcp/4001");
        Multiaddr full = Multiaddr.parse("/ip4/127.0.0.1/tcp/4001/p2p/" + PEER);

        assertThat(transport.peerId()).isEmpty();
        assertThat(full.peerId()).contains(peer);
        assertThat(full.withoutPeerId()).isEqualTo(transport);
        assertThat(transport.withoutPeerId()).isSameAs(transport);
        assertThat(transport.withPeerId(peer)).isEqualTo(full);
        assertThat(full.withPeerId(other)).hasToString("/ip4/127.0.0.1/tcp/4001/p2p/" + OTHER_PEER);
        assertThat(full.withPeerId(other).peerId()).contains(other);
        assertThat(full.withPeerId(other).withoutPeerId()).isEqualTo(transport);
        // A relayed address: the last /p2p is the target, the first the relay.
        Multiaddr relayed = Multiaddr.parse("/ip4/1.2.3.4/tcp/1/p2p/" + OTHER_PEER + "/p2p-circuit/p2p/" + PEER);
        assertThat(relayed.peerId()).contains(peer);
        assertThat(relayed.withoutPeerId()).hasToString("/ip4/1.2.3.4/tcp/1/p2p/" + OTHER_PEER + "/p2p-circuit");
        assertThat(relayed.withoutPeerId().peerId()).isEmpty();
        assertThat(Multiaddr.parse("/p2p/" + PEER).peerId()).contains(peer);
    }

    @Test
    void withoutPeerIdOfAnAddressThatIsOnlyAPeerIdFails() {
        assertThatThrownBy(() -> Multiaddr.parse("/p2p/" + PEER).withoutPeerId())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("nothing but a /p2p/ component");
        assertThat(Multiaddr.parse("/p2p/" + OTHER_PEER).withPeerId(PeerId.parse(PEER))).hasToString("/p2p/" + PEER);
    }

    @Test
    void encapsulateAppendsTheComponents() {
        Multiaddr ip = Multiaddr.parse("/ip4/127.0.0.1");
        Multiaddr tcp = Multiaddr.parse("/tcp/4001/p2p/" + PEER);
        Multiaddr joined = ip.encapsulate(tcp);

        assertThat(joined).isEqualTo(Multiaddr.parse("/ip4/127.0.0.1/tcp/4001/p2p/" + PEER));
        assertThat(joined.peerId()).contains(PeerId.parse(PEER));
        assertThat(joined.withoutPeerId()).hasToString("/ip4/127.0.0.1/tcp/4001");
        assertThat(joined.withoutPeerId().withoutPeerId()).hasToString("/ip4/127.0.0.1/tcp/4001");
        assertThat(tcp.encapsulate(ip).peerId()).isEmpty();
    }

    // ---- sockets ----

    @Test
    void tcpOfResolvedAddresses() throws Exception {
        InetAddress v4 = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        InetAddress v6 = InetAddress.getByAddress(HEX.parseHex("20010db8000000000000000000000001"));
        assertThat(Multiaddr.tcp(new InetSocketAddress(v4, 4001))).hasToString("/ip4/127.0.0.1/tcp/4001");
        assertThat(Multiaddr.tcp(new InetSocketAddress(v6, 65535))).hasToString("/ip6/2001:db8::1/tcp/65535");
    }

    @Test
    void tcpOfUnresolvedAddresses() {
        assertThat(Multiaddr.tcp(InetSocketAddress.createUnresolved("example.com", 80))).hasToString("/dns/example.com/tcp/80");
        assertThat(Multiaddr.tcp(InetSocketAddress.createUnresolved("10.1.2.3", 80))).hasToString("/ip4/10.1.2.3/tcp/80");
        assertThat(Multiaddr.tcp(InetSocketAddress.createUnresolved("[::1]", 80))).hasToString("/ip6/::1/tcp/80");
        assertThat(Multiaddr.tcp(InetSocketAddress.createUnresolved("fe80::1", 80))).hasToString("/ip6/fe80::1/tcp/80");
        assertThatThrownBy(() -> Multiaddr.tcp(InetSocketAddress.createUnresolved("a/b", 80)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("host 'a/b': /dns value contains '/'");
    }

    @Test
    void toTcpSocketAddressForEachHostKind() throws Exception {
        assertThat(Multiaddr.parse("/ip4/127.0.0.1/tcp/4001").toTcpSocketAddress())
                .contains(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 4001));
        assertThat(Multiaddr.parse("/ip6/::1/tcp/4001/p2p/" + PEER).toTcpSocketAddress())
                .contains(new InetSocketAddress(InetAddress.getByAddress(HEX.parseHex("00000000000000000000000000000001")), 4001));
        for (String dns : List.of("dns", "dns4", "dns6")) {
            Optional<InetSocketAddress> address = Multiaddr.parse("/" + dns + "/example.com/tcp/443").toTcpSocketAddress();
            assertThat(address).isPresent();
            assertThat(address.get().isUnresolved()).isTrue();
            assertThat(address.get().getHostString()).isEqualTo("example.com");
            assertThat(address.get().getPort()).isEqualTo(443);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "/ip4/127.0.0.1/udp/4001",
        "/ip4/127.0.0.1/udp/4001/quic-v1",
        "/ip4/127.0.0.1/tcp/4001/ws",
        "/ip4/127.0.0.1/tcp/4001/p2p/" + PEER + "/p2p-circuit",
        "/ip4/127.0.0.1",
        "/tcp/4001",
        "/p2p/" + PEER,
        "/dnsaddr/example.com/tcp/1",
        "/ip6zone/eth0/ip6/fe80::1/tcp/1",
    })
    void toTcpSocketAddressIsEmptyForOtherShapes(String text) {
        assertThat(Multiaddr.parse(text).toTcpSocketAddress()).isEmpty();
    }

    @Test
    void equalityIsOnBytes() {
        Multiaddr a = Multiaddr.parse("/ip6/0:0:0:0:0:0:0:1/tcp/1");
        Multiaddr b = Multiaddr.parse("/ip6/::1/tcp/1");
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(Multiaddr.parse("/ip6/::1/tcp/2")).isNotEqualTo("/ip6/::1/tcp/1");
    }

    @Test
    void protocolLookups() {
        assertThat(Protocol.forName("ipfs")).contains(Protocol.P2P);
        assertThat(Protocol.forName("quic-v1")).contains(Protocol.QUIC_V1);
        assertThat(Protocol.forName("nope")).isEmpty();
        assertThat(Protocol.forCode(421)).contains(Protocol.P2P);
        assertThat(Protocol.forCode(777)).isEmpty();
        assertThat(Protocol.forCode(-1)).isEmpty();
        assertThat(Protocol.forCode(1L << 40)).isEmpty();
        assertThat(Protocol.TCP.hasValue()).isTrue();
        assertThat(Protocol.WS.hasValue()).isFalse();
    }
}
