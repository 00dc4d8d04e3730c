package io.jkad.multiaddr;

import io.jkad.identity.PeerId;
import io.jkad.util.Base32;
import io.jkad.util.Base58;
import io.jkad.util.Multibase;
import io.jkad.util.Varint;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * The value of each protocol: text to binary, binary checks, binary to text. Errors are short
 * ("bad tcp port '70000' (must be 0-65535)"); {@link Multiaddr} adds the whole address.
 */
final class Values {
    private static final char[] HEX_UPPER = "0123456789ABCDEF".toCharArray();

    private Values() {}

    // ---------------------------------------------------------------- text -> binary

    /** Encodes the text value {@code text[from, to)} (never empty) of {@code p} into {@code out}. */
    static void encode(Protocol p, String text, int from, int to, ByteSink out) {
        switch (p) {
            case IP4:
                out.ensure(4);
                if (!IpText.parseIp4(text, from, to, out.buf, out.size)) {
                    throw new IllegalArgumentException("bad ip4 address '" + text.substring(from, to) + "'");
                }
                out.size += 4;
                return;
            case IP6:
                out.ensure(16);
                if (!IpText.parseIp6(text, from, to, out.buf, out.size)) {
                    String value = text.substring(from, to);
                    throw new IllegalArgumentException("bad ip6 address '" + value + "'"
                            + (value.indexOf('%') >= 0 ? " (a zone goes in /ip6zone/<zone>/ip6/<address>)" : ""));
                }
                out.size += 16;
                return;
            case TCP:
            case UDP:
            case DCCP:
            case SCTP:
                out.writeShort(parseDecimal(p, text, from, to, 65535, "port"));
                return;
            case IPCIDR:
                out.writeByte(parseDecimal(p, text, from, to, 255, "prefix length"));
                return;
            case DNS:
            case DNS4:
            case DNS6:
            case DNSADDR:
            case SNI:
            case IP6ZONE:
                writeLengthPrefixed(text.substring(from, to).getBytes(StandardCharsets.UTF_8), out);
                return;
            case P2P:
                writePeerId(text.substring(from, to), out);
                return;
            case CERTHASH: {
                byte[] multihash;
                try {
                    multihash = Multibase.decode(text.substring(from, to));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("bad certhash '" + text.substring(from, to) + "': " + e.getMessage(), e);
                }
                String problem = multihashProblem(multihash, 0, multihash.length);
                if (problem != null) {
                    throw new IllegalArgumentException("bad certhash '" + text.substring(from, to) + "': " + problem);
                }
                writeLengthPrefixed(multihash, out);
                return;
            }
            case ONION:
                encodeOnion(p, text, from, to, 16, out);
                return;
            case ONION3:
                encodeOnion(p, text, from, to, 56, out);
                return;
            case HTTP_PATH:
                writeLengthPrefixed(percentDecode(text, from, to), out);
                return;
            default:
                throw new AssertionError("no value for " + p);
        }
    }

    private static void writeLengthPrefixed(byte[] value, ByteSink out) {
        out.writeVarint(value.length);
        out.write(value, 0, value.length);
    }

    private static void writePeerId(String text, ByteSink out) {
        PeerId peer = PeerId.parse(text); // its message names the peer id and the problem
        out.writeVarint(peer.length());
        out.ensure(peer.length());
        out.size = peer.writeTo(out.buf, out.size);
    }

    /** Writes the /p2p component of {@code peer}. */
    static void writeP2p(PeerId peer, ByteSink out) {
        out.writeVarint(Protocol.P2P.code());
        out.writeVarint(peer.length());
        out.ensure(peer.length());
        out.size = peer.writeTo(out.buf, out.size);
    }

    private static int parseDecimal(Protocol p, String text, int from, int to, int max, String what) {
        int value = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                throw new IllegalArgumentException("bad " + p.text() + " " + what + " '" + text.substring(from, to)
                        + "' (not a decimal number)");
            }
            value = value * 10 + (c - '0');
            if (value > max) {
                throw new IllegalArgumentException("bad " + p.text() + " " + what + " '" + text.substring(from, to)
                        + "' (must be 0-" + max + ")");
            }
        }
        return value;
    }

    private static void encodeOnion(Protocol p, String text, int from, int to, int hashChars, ByteSink out) {
        String value = text.substring(from, to);
        int colon = value.indexOf(':');
        if (colon != hashChars) {
            throw new IllegalArgumentException("bad " + p.text() + " address '" + value + "' (expected "
                    + hashChars + " base32 characters, ':' and a port)");
        }
        byte[] hash;
        try {
            hash = Base32.decode(value.substring(0, colon).toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad " + p.text() + " address '" + value + "': " + e.getMessage(), e);
        }
        if (colon + 1 == value.length()) {
            throw new IllegalArgumentException("bad " + p.text() + " address '" + value + "' (missing port)");
        }
        int port = parseDecimal(p, value, colon + 1, value.length(), 65535, "port");
        out.write(hash, 0, hash.length);
        out.writeShort(port);
    }

    private static byte[] percentDecode(String text, int from, int to) {
        byte[] utf8 = text.substring(from, to).getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[utf8.length];
        int n = 0;
        for (int i = 0; i < utf8.length; i++) {
            byte c = utf8[i];
            if (c == '%') {
                int hi = i + 1 < utf8.length ? Character.digit(utf8[i + 1], 16) : -1;
                int lo = i + 2 < utf8.length ? Character.digit(utf8[i + 2], 16) : -1;
                if (hi < 0 || lo < 0) {
                    throw new IllegalArgumentException("bad http-path '" + text.substring(from, to)
                            + "' ('%' not followed by two hex digits)");
                }
                out[n++] = (byte) ((hi << 4) | lo);
                i += 2;
            } else {
                out[n++] = c;
            }
        }
        if (!isUtf8(out, 0, n)) {
            throw new IllegalArgumentException("bad http-path '" + text.substring(from, to) + "' (not UTF-8 once unescaped)");
        }
        return Arrays.copyOf(out, n);
    }

    // ---------------------------------------------------------------- binary checks

    /** Null if {@code b[offset, offset+length)} is a valid value of {@code p}, else what is wrong. */
    static String problem(Protocol p, byte[] b, int offset, int length) {
        switch (p) {
            case DNS:
            case DNS4:
            case DNS6:
            case DNSADDR:
            case SNI:
            case IP6ZONE:
                if (length == 0) {
                    return "empty /" + p.text() + " value";
                }
                if (!isUtf8(b, offset, length)) {
                    return "/" + p.text() + " value is not UTF-8";
                }
                for (int i = offset; i < offset + length; i++) {
                    if (b[i] == '/') {
                        return "/" + p.text() + " value contains '/'";
                    }
                }
                return null;
            case HTTP_PATH:
                if (length == 0) {
                    return "empty /http-path value";
                }
                return isUtf8(b, offset, length) ? null : "/http-path value is not UTF-8";
            case P2P:
                try {
                    PeerId.fromBytes(b, offset, length);
                    return null;
                } catch (IllegalArgumentException e) {
                    return "invalid peer id in /p2p: " + e.getMessage();
                }
            case CERTHASH: {
                String problem = multihashProblem(b, offset, offset + length);
                return problem == null ? null : "bad /certhash value: " + problem;
            }
            default:
                return null; // fixed sizes: every bit pattern is a value
        }
    }

    private static String multihashProblem(byte[] b, int offset, int end) {
        try {
            long code = Varint.read(b, offset, end);
            int pos = offset + Varint.size(code);
            long length = Varint.read(b, pos, end);
            pos += Varint.size(length);
            if (length != end - pos) {
                return "multihash length " + length + " but " + (end - pos) + " bytes follow";
            }
            return null;
        } catch (IllegalArgumentException e) {
            return "not a multihash: " + e.getMessage();
        }
    }

    /** Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF, nothing cut short. */
    static boolean isUtf8(byte[] b, int offset, int length) {
        int end = offset + length;
        int i = offset;
        while (i < end) {
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                i++;
                continue;
            }
            int need;
            int min;
            if (c >= 0xC2 && c <= 0xDF) {
                need = 1;
                min = 0x80;
            } else if (c >= 0xE0 && c <= 0xEF) {
                need = 2;
                min = 0x800;
            } else if (c >= 0xF0 && c <= 0xF4) {
                need = 3;
                min = 0x10000;
            } else {
                return false;
            }
            if (i + need >= end) {
                return false; // cut short
            }
            int cp = c & (0x3F >> need);
            for (int k = 1; k <= need; k++) {
                int cc = b[i + k] & 0xFF;
                if ((cc & 0xC0) != 0x80) {
                    return false;
                }
                cp = (cp << 6) | (cc & 0x3F);
            }
            if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                return false;
            }
            i += need + 1;
        }
        return true;
    }

    // ---------------------------------------------------------------- binary -> text

    /** Appends the text of the (valid) value {@code b[offset, offset+length)} of {@code p}. */
    static void format(Protocol p, byte[] b, int offset, int length, StringBuilder out) {
        switch (p) {
            case IP4:
                IpText.formatIp4(b, offset, out);
                return;
            case IP6:
                IpText.formatIp6(b, offset, out);
                return;
            case TCP:
            case UDP:
            case DCCP:
            case SCTP:
                out.append(((b[offset] & 0xFF) << 8) | (b[offset + 1] & 0xFF));
                return;
            case IPCIDR:
                out.append(b[offset] & 0xFF);
                return;
            case DNS:
            case DNS4:
            case DNS6:
            case DNSADDR:
            case SNI:
            case IP6ZONE:
                out.append(new String(b, offset, length, StandardCharsets.UTF_8));
                return;
            case P2P:
                out.append(Base58.encode(Arrays.copyOfRange(b, offset, offset + length)));
                return;
            case CERTHASH:
                out.append(Multibase.encodeBase64Url(Arrays.copyOfRange(b, offset, offset + length)));
                return;
            case ONION:
            case ONION3:
                out.append(Base32.encode(b, offset, length - 2, false)).append(':')
                        .append(((b[offset + length - 2] & 0xFF) << 8) | (b[offset + length - 1] & 0xFF));
                return;
            case HTTP_PATH:
                percentEncode(b, offset, length, out);
                return;
            default:
                throw new AssertionError("no value for " + p);
        }
    }

    /** As Go's url.PathEscape: keeps unreserved characters and {@code $&+:=@}, escapes the rest. */
    private static void percentEncode(byte[] b, int offset, int length, StringBuilder out) {
        for (int i = offset; i < offset + length; i++) {
            int c = b[i] & 0xFF;
            boolean keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~'
                    || c == '$' || c == '&' || c == '+' || c == ':' || c == '=' || c == '@';
            if (keep) {
                out.append((char) c);
            } else {
                out.append('%').append(HEX_UPPER[c >>> 4]).append(HEX_UPPER[c & 0xF]);
            }
        }
    }
}
