package io.jkad.multiaddr;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The multiaddr protocols jkad encodes and decodes, with their multicodec codes (multiformats
 * {@code protocols.csv}).
 *
 * <p>The first eight (ip4, tcp, udp, ip6, dns, dns4, dns6, p2p) are the ones jkad uses. The rest
 * are listed with their value sizes so that addresses other peers advertise
 * ({@code /udp/…/quic-v1}, {@code /p2p-circuit}, {@code /webtransport/certhash/…}, {@code /tls/ws},
 * …) decode, keep their exact bytes and print as text; jkad does not dial them. Codes in
 * {@code protocols.csv} that are <em>not</em> listed here, and so are unknown to
 * {@link Multiaddr#fromBytes} (see {@link Multiaddr#tryFromBytes}): unix (400, a path that needs
 * its own text escaping), garlic64 and garlic32 (446, 447, I2P), memory (777, whose size the
 * table and the implementations disagree on), and anything newer than this list.
 */
public enum Protocol {
    IP4(4, "ip4", 4),
    TCP(6, "tcp", 2),
    UDP(273, "udp", 2),
    IP6(41, "ip6", 16),
    DNS(53, "dns", Protocol.VARIABLE),
    DNS4(54, "dns4", Protocol.VARIABLE),
    DNS6(55, "dns6", Protocol.VARIABLE),
    /** A peer id; {@code /ipfs/} is read as an alias, {@code /p2p/} is always written. */
    P2P(421, "p2p", Protocol.VARIABLE),

    DCCP(33, "dccp", 2),
    /** An IPv6 zone (scope) for the {@code /ip6} that follows. */
    IP6ZONE(42, "ip6zone", Protocol.VARIABLE),
    /** A CIDR prefix length, one byte. */
    IPCIDR(43, "ipcidr", 1),
    DNSADDR(56, "dnsaddr", Protocol.VARIABLE),
    SCTP(132, "sctp", 2),
    P2P_WEBRTC_STAR(275, "p2p-webrtc-star", 0),
    P2P_WEBRTC_DIRECT(276, "p2p-webrtc-direct", 0),
    P2P_STARDUST(277, "p2p-stardust", 0),
    WEBRTC_DIRECT(280, "webrtc-direct", 0),
    WEBRTC(281, "webrtc", 0),
    P2P_CIRCUIT(290, "p2p-circuit", 0),
    UDT(301, "udt", 0),
    UTP(302, "utp", 0),
    HTTPS(443, "https", 0),
    /** Tor v2: 10-byte hash and 2-byte port; text {@code <16 base32>:<port>}. */
    ONION(444, "onion", 12),
    /** Tor v3: 35-byte key, checksum and version, and 2-byte port; text {@code <56 base32>:<port>}. */
    ONION3(445, "onion3", 37),
    TLS(448, "tls", 0),
    /** TLS server name indication. */
    SNI(449, "sni", Protocol.VARIABLE),
    NOISE(454, "noise", 0),
    QUIC(460, "quic", 0),
    QUIC_V1(461, "quic-v1", 0),
    WEBTRANSPORT(465, "webtransport", 0),
    /** A certificate hash: a multihash in binary, multibase text (written as base64url, {@code u…}). */
    CERTHASH(466, "certhash", Protocol.VARIABLE),
    WS(477, "ws", 0),
    WSS(478, "wss", 0),
    P2P_WEBSOCKET_STAR(479, "p2p-websocket-star", 0),
    HTTP(480, "http", 0),
    /** An HTTP path, percent-escaped in text. */
    HTTP_PATH(481, "http-path", Protocol.VARIABLE);

    /** {@link #size} of a protocol whose value is {@code uvarint(length) || bytes}. */
    static final int VARIABLE = -1;

    private static final Protocol[] BY_CODE = new Protocol[512];
    private static final Map<String, Protocol> BY_NAME = new HashMap<>();

    static {
        for (Protocol p : values()) {
            BY_CODE[p.code] = p;
            BY_NAME.put(p.text, p);
        }
        BY_NAME.put("ipfs", P2P);
    }

    private final int code;
    private final String text;
    private final int size;

    Protocol(int code, String text, int size) {
        this.code = code;
        this.text = text;
        this.size = size;
    }

    /** The multicodec code. */
    public int code() {
        return code;
    }

    /** The name in the text form ({@code ip4}, {@code quic-v1}, …). */
    public String text() {
        return text;
    }

    /** Whether components of this protocol carry a value ({@code /tcp/4001}) or not ({@code /quic-v1}). */
    public boolean hasValue() {
        return size != 0;
    }

    /** The value size in bytes, or {@link #VARIABLE} for length-prefixed values. */
    int size() {
        return size;
    }

    /** The protocol of a code, if it is one of these. */
    public static Optional<Protocol> forCode(long code) {
        return Optional.ofNullable(byCode(code));
    }

    /** The protocol of a text name ({@code ipfs} gives {@link #P2P}), if it is one of these. */
    public static Optional<Protocol> forName(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    static Protocol byCode(long code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[(int) code] : null;
    }

    static Protocol byName(String name) {
        return BY_NAME.get(name);
    }
}
