package io.jkad.multiaddr;

/** The multiaddr protocols jkad encodes and decodes, with their multicodec codes. */
public enum Protocol {
    IP4(4, "ip4"),
    TCP(6, "tcp"),
    UDP(273, "udp"),
    IP6(41, "ip6"),
    DNS(53, "dns"),
    DNS4(54, "dns4"),
    DNS6(55, "dns6"),
    P2P(421, "p2p");

    private final int code;
    private final String text;

    Protocol(int code, String text) {
        this.code = code;
        this.text = text;
    }

    public int code() {
        return code;
    }

    public String text() {
        return text;
    }
}
