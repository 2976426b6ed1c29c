package dev.tollgate.units.net;

import java.util.Optional;

/**
 * Textual IP addresses as glibc's {@code inet_pton(3)} reads them (systemd parses with it), and
 * RFC 5952 text for printing. Written out here rather than through {@link java.net.InetAddress},
 * which accepts other spellings (and may resolve host names).
 */
final class InetText {

    private InetText() {}

    /** 4 bytes for IPv4 text, 16 for IPv6 text, empty for anything else. */
    static Optional<byte[]> parse(String s) {
        byte[] v4 = new byte[4];
        if (pton4(s, 0, s.length(), v4, 0)) {
            return Optional.of(v4);
        }
        byte[] v6 = new byte[16];
        if (pton6(s, v6)) {
            return Optional.of(v6);
        }
        return Optional.empty();
    }

    /** glibc {@code inet_pton4}: exactly four decimal octets, no leading zeros. */
    private static boolean pton4(String s, int from, int end, byte[] dst, int off) {
        int octets = 0;
        boolean sawDigit = false;
        int cur = 0;
        byte[] tmp = new byte[4];
        for (int i = from; i < end; i++) {
            char ch = s.charAt(i);
            if (ch >= '0' && ch <= '9') {
                if (sawDigit && cur == 0) {
                    return false;
                }
                int next = cur * 10 + (ch - '0');
                if (next > 255) {
                    return false;
                }
                cur = next;
                if (!sawDigit) {
                    if (++octets > 4) {
                        return false;
                    }
                    sawDigit = true;
                }
                tmp[octets - 1] = (byte) cur;
            } else if (ch == '.' && sawDigit) {
                if (octets == 4) {
                    return false;
                }
                cur = 0;
                sawDigit = false;
            } else {
                return false;
            }
        }
        if (octets < 4) {
            return false;
        }
        System.arraycopy(tmp, 0, dst, off, 4);
        return true;
    }

    /** glibc {@code inet_pton6}: hex groups, one {@code ::}, optionally a dotted IPv4 tail. */
    private static boolean pton6(String s, byte[] dst) {
        int n = s.length();
        if (n == 0) {
            return false;
        }
        byte[] tmp = new byte[16];
        int tp = 0;
        int colonp = -1;
        int i = 0;
        if (s.charAt(0) == ':') {
            i++;
            if (i == n || s.charAt(i) != ':') {
                return false;
            }
        }
        int curtok = i;
        int xdigits = 0;
        int val = 0;
        while (i < n) {
            char ch = s.charAt(i++);
            int digit = hexValue(ch);
            if (digit >= 0) {
                if (xdigits == 4) {
                    return false;
                }
                val = (val << 4) | digit;
                if (val > 0xffff) {
                    return false;
                }
                xdigits++;
                continue;
            }
            if (ch == ':') {
                curtok = i;
                if (xdigits == 0) {
                    if (colonp >= 0) {
                        return false;
                    }
                    colonp = tp;
                    continue;
                } else if (i == n) {
                    return false;
                }
                if (tp + 2 > 16) {
                    return false;
                }
                tmp[tp++] = (byte) (val >> 8);
                tmp[tp++] = (byte) val;
                xdigits = 0;
                val = 0;
                continue;
            }
            if (ch == '.' && tp + 4 <= 16 && pton4(s, curtok, n, tmp, tp)) {
                tp += 4;
                xdigits = 0;
                break;
            }
            return false;
        }
        if (xdigits > 0) {
            if (tp + 2 > 16) {
                return false;
            }
            tmp[tp++] = (byte) (val >> 8);
            tmp[tp++] = (byte) val;
        }
        if (colonp >= 0) {
            if (tp == 16) {
                return false;
            }
            int moved = tp - colonp;
            System.arraycopy(tmp, colonp, tmp, 16 - moved, moved);
            for (int k = colonp; k < 16 - moved; k++) {
                tmp[k] = 0;
            }
            tp = 16;
        }
        if (tp != 16) {
            return false;
        }
        System.arraycopy(tmp, 0, dst, 0, 16);
        return true;
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

    /** Dotted quad, or RFC 5952 IPv6 (lower case, longest run of two or more zero groups as {@code ::}). */
    static String format(byte[] a) {
        if (a.length == 4) {
            return (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff);
        }
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = ((a[2 * i] & 0xff) << 8) | (a[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        if (bestLen < 2) {
            bestStart = -1;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (!sb.isEmpty() && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }
}
