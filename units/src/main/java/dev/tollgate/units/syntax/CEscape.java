package dev.tollgate.units.syntax;

/**
 * The C-style escapes of systemd.syntax(7), table 1 ("Supported escapes"), as systemd's
 * {@code cunescape_one()} decodes them: {@code \a \b \f \n \r \t \v \\ \" \' \s}, {@code \xHH} and
 * {@code \OOO} (one raw byte each), {@code \\uHHHH} and {@code \\UHHHHHHHH} (a code point).
 * A NUL is never produced: {@code \x00}, {@code \000} and {@code \u0000} are invalid.
 */
public final class CEscape {

    private CEscape() {}

    /**
     * One decoded escape: either a raw byte ({@code \x}, octal) or a Unicode code point, and how
     * many code points of input (after the backslash) it consumed.
     */
    public record Decoded(int value, boolean rawByte, int consumed) {}

    /**
     * Decodes the escape whose first character (the one after the backslash) is at {@code pos}.
     *
     * @return the decoded escape, or {@code null} when the sequence is not one systemd accepts
     */
    public static Decoded decodeOne(int[] cps, int pos) {
        if (pos >= cps.length) {
            return null;
        }
        int c = cps[pos];
        switch (c) {
            case 'a': return new Decoded(0x07, false, 1);
            case 'b': return new Decoded(0x08, false, 1);
            case 'f': return new Decoded(0x0c, false, 1);
            case 'n': return new Decoded('\n', false, 1);
            case 'r': return new Decoded('\r', false, 1);
            case 't': return new Decoded('\t', false, 1);
            case 'v': return new Decoded(0x0b, false, 1);
            case '\\': return new Decoded('\\', false, 1);
            case '"': return new Decoded('"', false, 1);
            case '\'': return new Decoded('\'', false, 1);
            case 's': return new Decoded(' ', false, 1);
            case 'x': {
                int a = hex(cps, pos + 1);
                int b = hex(cps, pos + 2);
                if (a < 0 || b < 0 || (a == 0 && b == 0)) {
                    return null;
                }
                return new Decoded((a << 4) | b, true, 3);
            }
            case 'u': {
                int v = hexRun(cps, pos + 1, 4);
                if (v <= 0) {
                    return null;
                }
                return Character.isValidCodePoint(v) && !isSurrogate(v) ? new Decoded(v, false, 5) : null;
            }
            case 'U': {
                long v = hexRunLong(cps, pos + 1, 8);
                if (v <= 0 || v > Character.MAX_CODE_POINT || isSurrogate((int) v)) {
                    return null;
                }
                return new Decoded((int) v, false, 9);
            }
            case '0', '1', '2', '3', '4', '5', '6', '7': {
                int a = oct(cps, pos);
                int b = oct(cps, pos + 1);
                int d = oct(cps, pos + 2);
                if (a < 0 || b < 0 || d < 0 || (a == 0 && b == 0 && d == 0)) {
                    return null;
                }
                int m = (a << 6) | (b << 3) | d;
                if (m > 255) {
                    return null;
                }
                return new Decoded(m, true, 3);
            }
            default:
                return null;
        }
    }

    /**
     * Quotes {@code word} so that {@link Words} with {@code UNQUOTE|CUNESCAPE} returns it unchanged:
     * double quotes around it, and {@code \\ \" \'} plus every control character escaped.
     */
    public static String quote(String word) {
        StringBuilder sb = new StringBuilder(word.length() + 2).append('"');
        word.codePoints().forEach(cp -> {
            switch (cp) {
                case '\\' -> sb.append("\\\\");
                case '"' -> sb.append("\\\"");
                case '\'' -> sb.append("\\'");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (cp < 0x20 || cp == 0x7f) {
                        sb.append(String.format("\\x%02x", cp));
                    } else {
                        sb.appendCodePoint(cp);
                    }
                }
            }
        });
        return sb.append('"').toString();
    }

    /** The value of one hex digit, or -1. */
    public static int hexDigit(int c) {
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

    private static boolean isSurrogate(int v) {
        return v >= 0xd800 && v <= 0xdfff;
    }

    private static int hex(int[] cps, int i) {
        return i < cps.length ? hexDigit(cps[i]) : -1;
    }

    private static int oct(int[] cps, int i) {
        return i < cps.length && cps[i] >= '0' && cps[i] <= '7' ? cps[i] - '0' : -1;
    }

    private static int hexRun(int[] cps, int from, int n) {
        long v = hexRunLong(cps, from, n);
        return (int) v;
    }

    private static long hexRunLong(int[] cps, int from, int n) {
        long v = 0;
        for (int i = 0; i < n; i++) {
            int d = hex(cps, from + i);
            if (d < 0) {
                return -1;
            }
            v = (v << 4) | d;
        }
        return v;
    }
}
