package dev.tollgate.units.syntax;

import java.time.Duration;
import java.util.Optional;

/**
 * A time span in microseconds as systemd keeps it ({@code usec_t}): an unsigned 64-bit count
 * where the all-ones value is {@code infinity}. Parsed as systemd's {@code parse_sec()} does
 * (systemd.time(7), "Parsing time spans"): a bare number is seconds, units may be concatenated
 * and are added up ({@code 1min 30s}, {@code 55s500ms}), fractions are allowed ({@code 1.5h}),
 * and {@code infinity} stands alone.
 *
 * <p>The value is held as the raw unsigned bits in a {@code long}, so spans beyond
 * {@link Long#MAX_VALUE} µs (292,000 years) keep systemd's range; compare with
 * {@link #compareTo}, which is unsigned.
 */
public record TimeSpan(long micros) implements Comparable<TimeSpan> {

    /** {@code USEC_INFINITY}. */
    public static final TimeSpan INFINITY = new TimeSpan(-1L);
    public static final TimeSpan ZERO = new TimeSpan(0);

    static final long USEC_PER_MSEC = 1_000L;
    static final long USEC_PER_SEC = 1_000_000L;
    static final long USEC_PER_MINUTE = 60 * USEC_PER_SEC;
    static final long USEC_PER_HOUR = 60 * USEC_PER_MINUTE;
    static final long USEC_PER_DAY = 24 * USEC_PER_HOUR;
    static final long USEC_PER_WEEK = 7 * USEC_PER_DAY;
    /** 30.44 days, as systemd defines a month. */
    static final long USEC_PER_MONTH = 2_629_800L * USEC_PER_SEC;
    /** 365.25 days, as systemd defines a year. */
    static final long USEC_PER_YEAR = 31_557_600L * USEC_PER_SEC;

    /** systemd's suffix table, in its order: the first prefix that matches wins ("ms" before "m"). */
    private static final String[] SUFFIXES = {
        "seconds", "second", "sec", "s",
        "minutes", "minute", "min",
        "months", "month", "M",
        "msec", "ms", "m",
        "hours", "hour", "hr", "h",
        "days", "day", "d",
        "weeks", "week", "w",
        "years", "year", "y",
        "usec", "us", "\u03bcs", "\u00b5s",
    };
    private static final long[] MULTIPLIERS = {
        USEC_PER_SEC, USEC_PER_SEC, USEC_PER_SEC, USEC_PER_SEC,
        USEC_PER_MINUTE, USEC_PER_MINUTE, USEC_PER_MINUTE,
        USEC_PER_MONTH, USEC_PER_MONTH, USEC_PER_MONTH,
        USEC_PER_MSEC, USEC_PER_MSEC, USEC_PER_MINUTE,
        USEC_PER_HOUR, USEC_PER_HOUR, USEC_PER_HOUR, USEC_PER_HOUR,
        USEC_PER_DAY, USEC_PER_DAY, USEC_PER_DAY,
        USEC_PER_WEEK, USEC_PER_WEEK, USEC_PER_WEEK,
        USEC_PER_YEAR, USEC_PER_YEAR, USEC_PER_YEAR,
        1, 1, 1, 1,
    };

    private static final long MAX_YEARS = Long.divideUnsigned(-1L, USEC_PER_YEAR);

    /** The units {@link #toString()} writes, largest first (systemd's {@code format_timespan()}). */
    private static final String[] FORMAT_UNITS = {"y", "month", "w", "d", "h", "min", "s", "ms", "us"};
    private static final long[] FORMAT_USEC = {
        USEC_PER_YEAR, USEC_PER_MONTH, USEC_PER_WEEK, USEC_PER_DAY, USEC_PER_HOUR, USEC_PER_MINUTE,
        USEC_PER_SEC, USEC_PER_MSEC, 1,
    };

    public static TimeSpan ofMicros(long micros) {
        if (micros < 0) {
            throw new IllegalArgumentException("negative time span: " + micros);
        }
        return new TimeSpan(micros);
    }

    public static TimeSpan ofMillis(long millis) {
        return ofMicros(Math.multiplyExact(millis, USEC_PER_MSEC));
    }

    public static TimeSpan ofSeconds(long seconds) {
        return ofMicros(Math.multiplyExact(seconds, USEC_PER_SEC));
    }

    /** {@code parse_sec()}: default unit seconds. */
    public static Optional<TimeSpan> parse(String text) {
        return parse(text, USEC_PER_SEC);
    }

    /** {@code parse_sec_fix_0()}: as {@link #parse} but 0 means infinity (the {@code Timeout*Sec=} rule). */
    public static Optional<TimeSpan> parseFixZero(String text) {
        return parse(text).map(t -> t.micros == 0 ? INFINITY : t);
    }

    /** {@code parse_time()} with the given unit for bare numbers. */
    public static Optional<TimeSpan> parse(String text, long defaultUnitMicros) {
        String t = text;
        int p = skipWhitespace(t, 0);
        if (t.startsWith("infinity", p)) {
            int s = skipWhitespace(t, p + "infinity".length());
            return s == t.length() ? Optional.of(INFINITY) : Optional.empty();
        }
        long usec = 0;
        boolean something = false;
        for (;;) {
            long multiplier = defaultUnitMicros;
            p = skipWhitespace(t, p);
            if (p == t.length()) {
                return something ? Optional.of(new TimeSpan(usec)) : Optional.empty();
            }
            if (t.charAt(p) == '-') {
                return Optional.empty();
            }
            // strtoll(p, &e, 10): optional whitespace and sign were handled; "+" is accepted.
            int q = p;
            if (t.charAt(q) == '+') {
                q++;
            }
            int digitsStart = q;
            while (q < t.length() && isDigit(t.charAt(q))) {
                q++;
            }
            long l;
            int e;
            if (q == digitsStart) {
                l = 0;
                e = p; // strtoll parsed nothing
            } else {
                try {
                    l = Long.parseLong(t.substring(digitsStart, q));
                } catch (NumberFormatException overflow) {
                    return Optional.empty();
                }
                e = q;
            }
            boolean fraction = e < t.length() && t.charAt(e) == '.';
            if (fraction) {
                p = e + 1;
                while (p < t.length() && isDigit(t.charAt(p))) {
                    p++;
                }
            } else if (e == p) {
                return Optional.empty();
            } else {
                p = e;
            }
            int afterSpace = skipWhitespace(t, p);
            int s = afterSpace;
            for (int i = 0; i < SUFFIXES.length; i++) {
                if (t.startsWith(SUFFIXES[i], afterSpace)) {
                    multiplier = MULTIPLIERS[i];
                    s = afterSpace + SUFFIXES[i].length();
                    break;
                }
            }
            if (s == p && s < t.length()) {
                return Optional.empty(); // "12.34.56"
            }
            p = s;
            if (Long.compareUnsigned(l, Long.divideUnsigned(INFINITY.micros, multiplier)) >= 0) {
                return Optional.empty();
            }
            long k = l * multiplier;
            if (Long.compareUnsigned(k, INFINITY.micros - usec) >= 0) {
                return Optional.empty();
            }
            usec += k;
            something = true;
            if (fraction) {
                long m = multiplier / 10;
                int b = e + 1;
                for (; b < t.length() && isDigit(t.charAt(b)); b++, m /= 10) {
                    k = (t.charAt(b) - '0') * m;
                    if (Long.compareUnsigned(k, INFINITY.micros - usec) >= 0) {
                        return Optional.empty();
                    }
                    usec += k;
                }
                if (b == e + 1) {
                    return Optional.empty(); // "3.sec", "5."
                }
            }
        }
    }

    public boolean isInfinite() {
        return micros == -1L;
    }

    /** The span as a {@link Duration}, or empty for infinity. */
    public Optional<Duration> toDuration() {
        if (isInfinite()) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofSeconds(Long.divideUnsigned(micros, USEC_PER_SEC),
                Long.remainderUnsigned(micros, USEC_PER_SEC) * 1000));
    }

    @Override
    public int compareTo(TimeSpan o) {
        return Long.compareUnsigned(micros, o.micros);
    }

    /**
     * systemd's display form, exact to the microsecond: {@code 1min 30s}, {@code 500ms},
     * {@code 0}, {@code infinity}. {@link #parse} reads it back to the same value.
     */
    @Override
    public String toString() {
        if (isInfinite()) {
            return "infinity";
        }
        if (micros == 0) {
            return "0";
        }
        StringBuilder sb = new StringBuilder();
        long left = micros;
        for (int i = 0; i < FORMAT_UNITS.length && left != 0; i++) {
            long n = Long.divideUnsigned(left, FORMAT_USEC[i]);
            if (i == 0 && n >= MAX_YEARS) {
                // parse_time() refuses a count of years >= UINT64_MAX / USEC_PER_YEAR; a year is
                // exactly twelve months, so the last one is written as months instead.
                n = MAX_YEARS - 1;
            }
            if (n != 0) {
                if (!sb.isEmpty()) {
                    sb.append(' ');
                }
                sb.append(Long.toUnsignedString(n)).append(FORMAT_UNITS[i]);
                left -= n * FORMAT_USEC[i];
            }
        }
        return sb.toString();
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static int skipWhitespace(String t, int p) {
        while (p < t.length() && Words.WHITESPACE.indexOf(t.charAt(p)) >= 0) {
            p++;
        }
        return p;
    }
}
