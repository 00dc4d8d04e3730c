package io.jkad.multiaddr;

/**
 * IPv4 and IPv6 text, parsed and printed by hand (no {@code InetAddress.getByName}, which may
 * ask a resolver).
 *
 * <p>IPv4: exactly four decimal parts of 0-255, no leading zeros (so {@code 010.0.0.1}, which
 * some libraries read as octal, is refused, as Go and Rust refuse it). IPv6: any RFC 4291 §2.2
 * form (one {@code ::} at most, 1-4 hex digits per group, an embedded dotted quad at the end);
 * zones ({@code %eth0}) and brackets are refused. Printed in the RFC 5952 form: lower case, no
 * leading zeros, the longest run (first on a tie) of two or more zero groups as {@code ::}, and
 * IPv4-mapped addresses as {@code ::ffff:1.2.3.4}.
 */
final class IpText {
    private IpText() {}

    /**
     * Parses the dotted quad {@code text[from, to)} into {@code out[offset, offset+4)}.
     *
     * @return false if it is not a valid dotted quad (nothing useful is left in {@code out} then)
     */
    static boolean parseIp4(CharSequence text, int from, int to, byte[] out, int offset) {
        int part = 0;
        int i = from;
        while (part < 4) {
            int start = i;
            int value = 0;
            while (i < to && i - start < 4) {
                char c = text.charAt(i);
                if (c < '0' || c > '9') {
                    break;
                }
                value = value * 10 + (c - '0');
                i++;
            }
            int digits = i - start;
            if (digits == 0 || digits > 3 || value > 255 || (digits > 1 && text.charAt(start) == '0')) {
                return false;
            }
            out[offset + part] = (byte) value;
            part++;
            if (part < 4) {
                if (i >= to || text.charAt(i) != '.') {
                    return false;
                }
                i++;
            }
        }
        return i == to;
    }

    /**
     * Parses the IPv6 text {@code text[from, to)} into {@code out[offset, offset+16)}.
     *
     * @return false if it is not valid IPv6 text
     */
    static boolean parseIp6(CharSequence text, int from, int to, byte[] out, int offset) {
        int[] groups = new int[8];
        int count = 0;
        int gap = -1; // index in groups where "::" stands
        int i = from;
        if (to - from < 2) {
            return false;
        }
        if (text.charAt(i) == ':') {
            if (text.charAt(i + 1) != ':') {
                return false;
            }
            gap = 0;
            i += 2;
            if (i == to) {
                return fill(groups, 0, gap, out, offset);
            }
        }
        while (true) {
            if (count == 8) {
                return false;
            }
            int start = i;
            int value = 0;
            while (i < to) {
                int d = hexValue(text.charAt(i));
                if (d < 0) {
                    break;
                }
                value = (value << 4) | d;
                i++;
            }
            if (i < to && text.charAt(i) == '.') {
                // An embedded IPv4 address: the last 32 bits.
                if (count > 6) {
                    return false;
                }
                byte[] quad = new byte[4];
                if (!parseIp4(text, start, to, quad, 0)) {
                    return false;
                }
                groups[count++] = ((quad[0] & 0xFF) << 8) | (quad[1] & 0xFF);
                groups[count++] = ((quad[2] & 0xFF) << 8) | (quad[3] & 0xFF);
                break;
            }
            int digits = i - start;
            if (digits == 0 || digits > 4) {
                return false;
            }
            groups[count++] = value;
            if (i == to) {
                break;
            }
            if (text.charAt(i) != ':') {
                return false;
            }
            i++;
            if (i < to && text.charAt(i) == ':') {
                if (gap >= 0) {
                    return false;
                }
                gap = count;
                i++;
                if (i == to) {
                    break;
                }
            } else if (i == to) {
                return false; // a single trailing colon
            }
        }
        if (gap < 0 ? count != 8 : count > 7) {
            return false;
        }
        return fill(groups, count, gap, out, offset);
    }

    private static int hexValue(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    /** Writes the groups into 16 bytes, the ones after the gap moved to the end. */
    private static boolean fill(int[] groups, int count, int gap, byte[] out, int offset) {
        for (int k = 0; k < 16; k++) {
            out[offset + k] = 0;
        }
        int head = gap < 0 ? count : gap;
        for (int g = 0; g < head; g++) {
            out[offset + 2 * g] = (byte) (groups[g] >>> 8);
            out[offset + 2 * g + 1] = (byte) groups[g];
        }
        int tail = count - head;
        for (int g = 0; g < tail; g++) {
            int at = 8 - tail + g;
            out[offset + 2 * at] = (byte) (groups[head + g] >>> 8);
            out[offset + 2 * at + 1] = (byte) groups[head + g];
        }
        return true;
    }

    static void formatIp4(byte[] b, int offset, StringBuilder out) {
        out.append(b[offset] & 0xFF).append('.')
                .append(b[offset + 1] & 0xFF).append('.')
                .append(b[offset + 2] & 0xFF).append('.')
                .append(b[offset + 3] & 0xFF);
    }

    static void formatIp6(byte[] b, int offset, StringBuilder out) {
        if (isIp4Mapped(b, offset)) {
            out.append("::ffff:");
            formatIp4(b, offset + 12, out);
            return;
        }
        // The longest run of zero groups (two or more; the first of equal runs).
        int bestStart = -1;
        int bestLength = 1;
        int runStart = -1;
        for (int g = 0; g <= 8; g++) {
            boolean zero = g < 8 && b[offset + 2 * g] == 0 && b[offset + 2 * g + 1] == 0;
            if (zero) {
                if (runStart < 0) {
                    runStart = g;
                }
            } else if (runStart >= 0) {
                if (g - runStart > bestLength) {
                    bestStart = runStart;
                    bestLength = g - runStart;
                }
                runStart = -1;
            }
        }
        for (int g = 0; g < 8; g++) {
            if (g == bestStart) {
                out.append("::");
                g += bestLength - 1;
                continue;
            }
            if (g > 0 && g != bestStart + bestLength) {
                out.append(':');
            }
            out.append(Integer.toHexString(((b[offset + 2 * g] & 0xFF) << 8) | (b[offset + 2 * g + 1] & 0xFF)));
        }
    }

    private static boolean isIp4Mapped(byte[] b, int offset) {
        for (int k = 0; k < 10; k++) {
            if (b[offset + k] != 0) {
                return false;
            }
        }
        return b[offset + 10] == (byte) 0xFF && b[offset + 11] == (byte) 0xFF;
    }
}
