package dev.tollgate.units.syntax;

import java.math.BigInteger;
import java.util.OptionalLong;

/**
 * Integer parsing as systemd's {@code safe_atou()}/{@code safe_atoi()} family does it: leading
 * whitespace skipped, an optional sign, then C's {@code strtoul(..., 0)} rules ({@code 0x} hex,
 * a leading {@code 0} octal) plus systemd's own {@code 0b}/{@code 0o} prefixes, and nothing may
 * follow. So {@code SocketBindAllow=0x50} is port 80, exactly as systemd 252 reads it.
 */
public final class CNumbers {

    private static final BigInteger ULONG_LIMIT = BigInteger.ONE.shiftLeft(64);

    private CNumbers() {}

    /** An unsigned value in {@code [0, max]}; {@code "-0"} is 0, any other negative is refused. */
    public static OptionalLong parseUnsigned(String s, long max) {
        Parsed p = parse(s);
        if (p == null) {
            return OptionalLong.empty();
        }
        if (p.negative && p.magnitude.signum() != 0) {
            return OptionalLong.empty();
        }
        if (p.magnitude.compareTo(BigInteger.valueOf(max)) > 0) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(p.magnitude.longValueExact());
    }

    /** A signed value in {@code [min, max]}. */
    public static OptionalLong parseSigned(String s, long min, long max) {
        Parsed p = parse(s);
        if (p == null) {
            return OptionalLong.empty();
        }
        BigInteger v = p.negative ? p.magnitude.negate() : p.magnitude;
        if (v.compareTo(BigInteger.valueOf(min)) < 0 || v.compareTo(BigInteger.valueOf(max)) > 0) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(v.longValueExact());
    }

    private record Parsed(boolean negative, BigInteger magnitude) {}

    private static Parsed parse(String s) {
        int i = 0;
        int n = s.length();
        while (i < n && Words.WHITESPACE.indexOf(s.charAt(i)) >= 0) {
            i++;
        }
        int base = 0;
        // systemd's mangle_base(): "0b"/"0o" before strtoul() sees the string.
        if (s.startsWith("0b", i) || s.startsWith("0B", i)) {
            base = 2;
            i += 2;
        } else if (s.startsWith("0o", i) || s.startsWith("0O", i)) {
            base = 8;
            i += 2;
        }
        boolean negative = false;
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        if (base == 0) {
            if (i + 1 < n && s.charAt(i) == '0' && (s.charAt(i + 1) == 'x' || s.charAt(i + 1) == 'X')
                    && i + 2 < n && CEscape.hexDigit(s.charAt(i + 2)) >= 0) {
                base = 16;
                i += 2;
            } else if (i < n && s.charAt(i) == '0') {
                base = 8;
            } else {
                base = 10;
            }
        }
        int start = i;
        BigInteger v = BigInteger.ZERO;
        BigInteger b = BigInteger.valueOf(base);
        while (i < n) {
            int d = CEscape.hexDigit(s.charAt(i));
            if (d < 0 || d >= base) {
                break;
            }
            v = v.multiply(b).add(BigInteger.valueOf(d));
            i++;
        }
        if (i == start || i != n) {
            return null;
        }
        if (v.compareTo(ULONG_LIMIT) >= 0) {
            return null;
        }
        return new Parsed(negative, v);
    }
}
