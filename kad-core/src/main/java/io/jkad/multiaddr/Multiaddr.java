package io.jkad.multiaddr;

import io.jkad.identity.PeerId;
import io.jkad.util.Varint;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A multiaddress: a non-empty sequence of (protocol, value) components with a binary and a text
 * form. Immutable; equality on the binary form. Supported protocols: ip4, ip6, tcp, udp, dns,
 * dns4, dns6, p2p, and the others listed in {@link Protocol} (quic-v1, p2p-circuit, ws, tls,
 * certhash, …), which decode and print but which jkad does not dial.
 *
 * <p><b>Unknown protocol codes.</b> A binary address holding a code that is not in
 * {@link Protocol} cannot be walked past that code, since its value length is unknown. Peers do
 * send such addresses; a decoder of a peer's address list should call {@link #tryFromBytes},
 * which answers empty for them so that the caller drops that one address and keeps the others,
 * and which still throws for an address that is malformed in a way that is not just newness
 * (truncated, bad ip, bad peer id, …), since that says the sender is broken. {@link #fromBytes}
 * throws for both.
 *
 * <p>The text form uses {@code /p2p/<base58>} for peer ids (input also accepts
 * {@code /ipfs/} and the CIDv1 form), RFC 5952 for IPv6, and allows one trailing {@code /} on
 * input. The empty address is not a value: parsing {@code "/"} or decoding zero bytes fails.
 */
public final class Multiaddr {
    /** What {@link #scan} answers for an unknown code when asked to skip. */
    private static final int UNKNOWN = -1;
    /** How much of bad input an error message quotes. */
    private static final int MAX_QUOTED = 200;

    private final byte[] bytes;
    private final int hash;
    /** Where the last component starts in {@link #bytes}. */
    private final int lastOffset;
    /** The text form, made on first use; Strings are immutable, so a racy write is safe. */
    private String text;

    private Multiaddr(byte[] bytes, int lastOffset) {
        this.bytes = bytes;
        this.lastOffset = lastOffset;
        this.hash = Arrays.hashCode(bytes);
    }

    // ------------------------------------------------------------------------------- text

    /**
     * Parses the text form, e.g. {@code /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW…}. {@code /ipfs/} is
     * accepted as an alias of {@code /p2p/}, and a peer id may be written in its CID form.
     *
     * @throws IllegalArgumentException naming what is wrong (no leading slash, empty address,
     *     unknown protocol, missing or bad value: port above 65535 or not a number, bad ip4 or ip6
     *     address, invalid peer id, …) and quoting the address
     */
    public static Multiaddr parse(String text) {
        Objects.requireNonNull(text, "text");
        try {
            return parseText(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid multiaddr '" + quote(text) + "': " + e.getMessage(), e);
        }
    }

    private static Multiaddr parseText(String text) {
        int n = text.length();
        if (n == 0) {
            throw new IllegalArgumentException("empty text");
        }
        if (text.charAt(0) != '/') {
            throw new IllegalArgumentException("must start with '/'");
        }
        if (n > 1 && text.charAt(n - 1) == '/') {
            n--; // one trailing slash is allowed
        }
        if (n == 1) {
            throw new IllegalArgumentException("no components");
        }
        ByteSink out = new ByteSink(n + 16);
        int last = 0;
        int pos = 1;
        while (pos < n) {
            int nameEnd = indexOfSlash(text, pos, n);
            if (nameEnd == pos) {
                throw new IllegalArgumentException("empty protocol name at character " + pos);
            }
            String name = text.substring(pos, nameEnd);
            Protocol p = Protocol.byName(name);
            if (p == null) {
                throw new IllegalArgumentException("unknown protocol '" + name + "'");
            }
            last = out.size;
            out.writeVarint(p.code());
            pos = nameEnd + 1;
            if (!p.hasValue()) {
                continue;
            }
            int valueEnd = pos > n ? pos : indexOfSlash(text, pos, n);
            if (valueEnd <= pos) {
                throw new IllegalArgumentException("missing value for /" + name);
            }
            Values.encode(p, text, pos, valueEnd, out);
            pos = valueEnd + 1;
        }
        return new Multiaddr(out.toArray(), last);
    }

    private static int indexOfSlash(String text, int from, int end) {
        for (int i = from; i < end; i++) {
            if (text.charAt(i) == '/') {
                return i;
            }
        }
        return end;
    }

    /** The text form. */
    @Override
    public String toString() {
        String t = text;
        if (t == null) {
            StringBuilder out = new StringBuilder(bytes.length * 3);
            int pos = 0;
            while (pos < bytes.length) {
                long code = Varint.read(bytes, pos, bytes.length);
                pos += Varint.size(code);
                Protocol p = Protocol.byCode(code);
                out.append('/').append(p.text());
                int length = valueLength(p, pos);
                if (p.size() == Protocol.VARIABLE) {
                    pos += Varint.size(length);
                }
                if (p.hasValue()) {
                    out.append('/');
                    Values.format(p, bytes, pos, length, out);
                }
                pos += length;
            }
            t = out.toString();
            text = t;
        }
        return t;
    }

    // ------------------------------------------------------------------------------- binary

    /**
     * Decodes the binary form (the array is copied).
     *
     * @throws IllegalArgumentException naming what is wrong (empty, unknown code, bad varint,
     *     truncated value, bad length, invalid peer id, bad UTF-8 in a name, …)
     */
    public static Multiaddr fromBytes(byte[] bytes) {
        return fromBytes(bytes, 0, bytes.length);
    }

    /**
     * Decodes the binary form in {@code buf[offset, offset+length)} (copied).
     *
     * @throws IllegalArgumentException as {@link #fromBytes(byte[])}
     * @throws IndexOutOfBoundsException if the range is outside {@code buf}
     */
    public static Multiaddr fromBytes(byte[] buf, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, buf.length);
        int last = scan(buf, offset, offset + length, false);
        return new Multiaddr(Arrays.copyOfRange(buf, offset, offset + length), last);
    }

    /**
     * Decodes the binary form of an address received from a peer, answering empty when it holds
     * a protocol code that is not in {@link Protocol} so that the caller can skip this address
     * and keep the others. The components before the unknown code are still checked.
     *
     * @throws IllegalArgumentException if the address is empty or malformed before any unknown
     *     code (bad varint, truncated value, bad peer id, …)
     */
    public static Optional<Multiaddr> tryFromBytes(byte[] bytes) {
        return tryFromBytes(bytes, 0, bytes.length);
    }

    /**
     * {@link #tryFromBytes(byte[])} of {@code buf[offset, offset+length)}.
     *
     * @throws IndexOutOfBoundsException if the range is outside {@code buf}
     */
    public static Optional<Multiaddr> tryFromBytes(byte[] buf, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, buf.length);
        int last = scan(buf, offset, offset + length, true);
        if (last == UNKNOWN) {
            return Optional.empty();
        }
        return Optional.of(new Multiaddr(Arrays.copyOfRange(buf, offset, offset + length), last));
    }

    /**
     * Checks {@code b[offset, end)} component by component. Returns where the last component
     * starts (relative to {@code offset}), or {@link #UNKNOWN} at the first unknown code when
     * {@code skipUnknown}.
     */
    private static int scan(byte[] b, int offset, int end, boolean skipUnknown) {
        if (offset == end) {
            throw badBytes(b, offset, end, "empty");
        }
        int pos = offset;
        int last = offset;
        while (pos < end) {
            last = pos;
            long code = readVarint(b, pos, end, offset, "protocol code");
            Protocol p = Protocol.byCode(code);
            if (p == null) {
                if (skipUnknown) {
                    return UNKNOWN;
                }
                throw badBytes(b, offset, end, "unknown protocol code " + code + " (0x" + Long.toHexString(code)
                        + ") at byte " + (pos - offset));
            }
            pos += Varint.size(code);
            int length;
            if (p.size() == Protocol.VARIABLE) {
                long declared = readVarint(b, pos, end, offset, "/" + p.text() + " length");
                pos += Varint.size(declared);
                if (declared > end - pos) {
                    throw badBytes(b, offset, end, "truncated /" + p.text() + " value: length " + declared + " but "
                            + (end - pos) + " bytes remain");
                }
                length = (int) declared;
            } else {
                length = p.size();
                if (length > end - pos) {
                    throw badBytes(b, offset, end, "truncated /" + p.text() + " value: needs " + length + " bytes, "
                            + (end - pos) + " remain");
                }
            }
            String problem = Values.problem(p, b, pos, length);
            if (problem != null) {
                throw badBytes(b, offset, end, problem);
            }
            pos += length;
        }
        return last - offset;
    }

    private static long readVarint(byte[] b, int pos, int end, int offset, String what) {
        try {
            return Varint.read(b, pos, end);
        } catch (IllegalArgumentException e) {
            throw badBytes(b, offset, end, "bad " + what + " at byte " + (pos - offset) + ": " + e.getMessage());
        }
    }

    private static IllegalArgumentException badBytes(byte[] b, int offset, int end, String problem) {
        int shown = Math.min(end - offset, MAX_QUOTED / 2);
        String hex = HexFormat.of().formatHex(b, offset, offset + shown) + (shown < end - offset ? "…" : "");
        return new IllegalArgumentException("invalid binary multiaddr " + hex + ": " + problem);
    }

    private static String quote(String text) {
        return text.length() <= MAX_QUOTED ? text : text.substring(0, MAX_QUOTED) + "…";
    }

    /** The value length of the (valid) component of {@code p} whose value, or length prefix, starts at {@code pos}. */
    private int valueLength(Protocol p, int pos) {
        return p.size() == Protocol.VARIABLE ? (int) Varint.read(bytes, pos, bytes.length) : p.size();
    }

    /** The binary form (a copy). */
    public byte[] toBytes() {
        return bytes.clone();
    }

    /** The length of the binary form. */
    public int length() {
        return bytes.length;
    }

    /** Copies the binary form into {@code out} at {@code offset}; returns the offset after it. */
    public int writeTo(byte[] out, int offset) {
        System.arraycopy(bytes, 0, out, offset, bytes.length);
        return offset + bytes.length;
    }

    // ------------------------------------------------------------------------------- components

    /** The components in order (an unmodifiable list). */
    public List<Component> components() {
        List<Component> parts = new ArrayList<>(4);
        int pos = 0;
        while (pos < bytes.length) {
            long code = Varint.read(bytes, pos, bytes.length);
            pos += Varint.size(code);
            Protocol p = Protocol.byCode(code);
            int length = valueLength(p, pos);
            if (p.size() == Protocol.VARIABLE) {
                pos += Varint.size(length);
            }
            parts.add(new Part(p, bytes, pos, length));
            pos += length;
        }
        return Collections.unmodifiableList(parts);
    }

    private boolean endsWithPeerId() {
        // p2p's code (421) takes two varint bytes: a5 03.
        return bytes.length - lastOffset > 2
                && bytes[lastOffset] == (byte) 0xA5 && bytes[lastOffset + 1] == 0x03;
    }

    /** The peer id of the last {@code /p2p/} component, if the address ends with one. */
    public Optional<PeerId> peerId() {
        if (!endsWithPeerId()) {
            return Optional.empty();
        }
        int pos = lastOffset + 2;
        int length = (int) Varint.read(bytes, pos, bytes.length);
        pos += Varint.size(length);
        return Optional.of(PeerId.fromBytes(bytes, pos, length));
    }

    /**
     * This address without a trailing {@code /p2p/} component (this when it has none).
     *
     * @throws IllegalStateException if the address is nothing but {@code /p2p/…}: the empty
     *     address is not a value
     */
    public Multiaddr withoutPeerId() {
        if (!endsWithPeerId()) {
            return this;
        }
        if (lastOffset == 0) {
            throw new IllegalStateException("address " + this + " has nothing but a /p2p/ component");
        }
        byte[] head = Arrays.copyOf(bytes, lastOffset);
        return new Multiaddr(head, lastComponentOffset(head));
    }

    /** This address ending with {@code /p2p/peer} (replacing a trailing one). */
    public Multiaddr withPeerId(PeerId peer) {
        int headLength = endsWithPeerId() ? lastOffset : bytes.length;
        ByteSink out = new ByteSink(headLength + 4 + peer.length());
        out.write(bytes, 0, headLength);
        Values.writeP2p(peer, out);
        return new Multiaddr(out.toArray(), headLength);
    }

    /** This address followed by the components of {@code other}. */
    public Multiaddr encapsulate(Multiaddr other) {
        byte[] joined = Arrays.copyOf(bytes, bytes.length + other.bytes.length);
        System.arraycopy(other.bytes, 0, joined, bytes.length, other.bytes.length);
        return new Multiaddr(joined, bytes.length + other.lastOffset);
    }

    /** Where the last component of valid bytes starts. */
    private static int lastComponentOffset(byte[] b) {
        int pos = 0;
        int last = 0;
        while (pos < b.length) {
            last = pos;
            long code = Varint.read(b, pos, b.length);
            pos += Varint.size(code);
            Protocol p = Protocol.byCode(code);
            if (p.size() == Protocol.VARIABLE) {
                long length = Varint.read(b, pos, b.length);
                pos += Varint.size(length) + (int) length;
            } else {
                pos += p.size();
            }
        }
        return last;
    }

    // ------------------------------------------------------------------------------- sockets

    /**
     * {@code /ip4/…/tcp/port} or {@code /ip6/…/tcp/port} of a resolved socket address. An
     * unresolved one gives {@code /ip4} or {@code /ip6} when its host is an IP literal
     * ({@code [::1]} included) and {@code /dns/host/tcp/port} otherwise. IPv6 scope ids are not
     * kept.
     *
     * @throws IllegalArgumentException if an unresolved host name is empty or contains '/'
     */
    public static Multiaddr tcp(InetSocketAddress address) {
        ByteSink out = new ByteSink(24);
        if (address.isUnresolved()) {
            writeHost(address.getHostString(), out);
        } else {
            byte[] ip = address.getAddress().getAddress();
            out.writeVarint(ip.length == 4 ? Protocol.IP4.code() : Protocol.IP6.code());
            out.write(ip, 0, ip.length);
        }
        int last = out.size;
        out.writeVarint(Protocol.TCP.code());
        out.writeShort(address.getPort());
        return new Multiaddr(out.toArray(), last);
    }

    private static void writeHost(String host, ByteSink out) {
        String literal = host.length() > 2 && host.charAt(0) == '[' && host.charAt(host.length() - 1) == ']'
                ? host.substring(1, host.length() - 1) : host;
        byte[] ip = new byte[16];
        if (IpText.parseIp4(literal, 0, literal.length(), ip, 0)) {
            out.writeVarint(Protocol.IP4.code());
            out.write(ip, 0, 4);
        } else if (IpText.parseIp6(literal, 0, literal.length(), ip, 0)) {
            out.writeVarint(Protocol.IP6.code());
            out.write(ip, 0, 16);
        } else {
            byte[] name = host.getBytes(StandardCharsets.UTF_8);
            String problem = Values.problem(Protocol.DNS, name, 0, name.length);
            if (problem != null) {
                throw new IllegalArgumentException("cannot make a /dns address of host '" + host + "': " + problem);
            }
            out.writeVarint(Protocol.DNS.code());
            out.writeVarint(name.length);
            out.write(name, 0, name.length);
        }
    }

    /**
     * The TCP socket address for {@code /ip4|ip6|dns|dns4|dns6/…/tcp/port[/p2p/…]}; DNS names are
     * left unresolved (nothing here asks a resolver). Empty for any other shape.
     */
    public Optional<InetSocketAddress> toTcpSocketAddress() {
        int pos = 0;
        long code = Varint.read(bytes, pos, bytes.length);
        pos += Varint.size(code);
        Protocol host = Protocol.byCode(code);
        if (host != Protocol.IP4 && host != Protocol.IP6 && host != Protocol.DNS
                && host != Protocol.DNS4 && host != Protocol.DNS6) {
            return Optional.empty();
        }
        int hostLength = valueLength(host, pos);
        if (host.size() == Protocol.VARIABLE) {
            pos += Varint.size(hostLength);
        }
        int hostOffset = pos;
        pos += hostLength;
        // Then /tcp/port, then nothing or one /p2p.
        if (pos + 3 > bytes.length || bytes[pos] != Protocol.TCP.code()) {
            return Optional.empty();
        }
        int port = ((bytes[pos + 1] & 0xFF) << 8) | (bytes[pos + 2] & 0xFF);
        pos += 3;
        if (pos != bytes.length && !(lastOffset == pos && endsWithPeerId())) {
            return Optional.empty();
        }
        if (host.size() == Protocol.VARIABLE) {
            String name = new String(bytes, hostOffset, hostLength, StandardCharsets.UTF_8);
            return Optional.of(InetSocketAddress.createUnresolved(name, port));
        }
        try {
            InetAddress ip = InetAddress.getByAddress(Arrays.copyOfRange(bytes, hostOffset, hostOffset + hostLength));
            return Optional.of(new InetSocketAddress(ip, port));
        } catch (UnknownHostException e) {
            throw new IllegalStateException("an ip of " + hostLength + " bytes", e); // only for lengths other than 4, 16
        }
    }

    // ------------------------------------------------------------------------------- equality

    @Override
    public boolean equals(Object o) {
        return o instanceof Multiaddr m && m.hash == hash && Arrays.equals(m.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
