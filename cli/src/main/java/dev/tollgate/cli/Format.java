package dev.tollgate.cli;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Locale;

/**
 * Numbers and times as systemd prints them, so that output read by people and scripts used to
 * systemctl looks the same: {@code format_bytes}, {@code format_timestamp} and
 * {@code format_timestamp_relative} of systemd's {@code src/basic}.
 */
public final class Format {
    private static final long USEC_PER_MSEC = 1_000L;
    private static final long USEC_PER_SEC = 1_000_000L;
    private static final long USEC_PER_MINUTE = 60 * USEC_PER_SEC;
    private static final long USEC_PER_HOUR = 60 * USEC_PER_MINUTE;
    private static final long USEC_PER_DAY = 24 * USEC_PER_HOUR;
    private static final long USEC_PER_WEEK = 7 * USEC_PER_DAY;
    private static final long USEC_PER_MONTH = 2_629_800L * USEC_PER_SEC;
    private static final long USEC_PER_YEAR = 31_557_600L * USEC_PER_SEC;

    private static final String[] SUFFIXES = {"E", "P", "T", "G", "M", "K"};
    private static final long[] FACTORS = {1L << 60, 1L << 50, 1L << 40, 1L << 30, 1L << 20, 1L << 10};

    private static final String[] WEEKDAYS = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

    private Format() {}

    /**
     * Bytes as systemd's {@code FORMAT_BYTES}: base 1024, one decimal truncated (not rounded),
     * {@code B} below 1 KiB: {@code 0B}, {@code 1023B}, {@code 1.0K}, {@code 1.2K}, {@code 3.4M}.
     * The value is read as unsigned 64 bits, as the kernel's counters are.
     */
    public static String bytes(long t) {
        int n = FACTORS.length;
        for (int i = 0; i < n; i++) {
            if (Long.compareUnsigned(t, FACTORS[i]) >= 0) {
                long whole = Long.divideUnsigned(t, FACTORS[i]);
                long tenth = i != n - 1
                        ? (Long.divideUnsigned(t, FACTORS[i + 1]) * 10 / FACTORS[n - 1]) % 10
                        : (t * 10 / FACTORS[i]) % 10;
                return Long.toUnsignedString(whole) + "." + tenth + SUFFIXES[i];
            }
        }
        return Long.toUnsignedString(t) + "B";
    }

    /** A rate in bytes per second, as {@link #bytes} plus {@code /s}; negative (a counter reset) shows as 0. */
    public static String rate(double bytesPerSecond) {
        return bytes(bytesPerSecond <= 0 ? 0 : (long) bytesPerSecond) + "/s";
    }

    /**
     * A CLOCK_REALTIME timestamp in microseconds as systemd's {@code FORMAT_TIMESTAMP}:
     * {@code Thu 2024-01-04 10:00:00 UTC}, in the given zone. Null for 0 or less (unset).
     */
    public static String timestamp(long micros, ZoneId zone) {
        if (micros <= 0) {
            return null;
        }
        ZonedDateTime t = Instant.ofEpochSecond(micros / USEC_PER_SEC).atZone(zone);
        return WEEKDAYS[t.getDayOfWeek().getValue() - 1] + " "
                + pad(t.getYear(), 4) + "-" + pad(t.getMonthValue(), 2) + "-" + pad(t.getDayOfMonth(), 2) + " "
                + pad(t.getHour(), 2) + ":" + pad(t.getMinute(), 2) + ":" + pad(t.getSecond(), 2) + " "
                + zoneAbbreviation(t);
    }

    private static String zoneAbbreviation(ZonedDateTime t) {
        ZoneId zone = t.getZone();
        String id = zone.getId();
        if (id.equals("Z") || id.equals("UTC") || id.equals("Etc/UTC") || id.equals("GMT") || id.equals("Etc/GMT")) {
            return id.contains("GMT") ? "GMT" : "UTC";
        }
        // Only here do the JDK's time zone names (locale data, slow to load) come in.
        boolean dst = zone.getRules().isDaylightSavings(t.toInstant());
        return java.util.TimeZone.getTimeZone(zone).getDisplayName(dst, java.util.TimeZone.SHORT, Locale.US);
    }

    private static String pad(int v, int width) {
        String s = Integer.toString(v);
        return s.length() >= width ? s : "0".repeat(width - s.length()) + s;
    }

    /** The zone timestamps are shown in: $TZ when set and valid, else the system's. */
    public static ZoneId localZone() {
        try {
            return ZoneId.systemDefault();
        } catch (RuntimeException e) {
            return ZoneId.of("UTC");
        }
    }

    /**
     * How long ago (or ahead) a CLOCK_REALTIME timestamp is from {@code nowMicros}, as systemd's
     * {@code format_timestamp_relative}: {@code 5s ago}, {@code 2min 3s ago}, {@code 1h 5min ago},
     * {@code 1 day 2h ago}, {@code 3 weeks 1 day ago}, {@code now}. Null for 0 or less.
     */
    public static String relative(long micros, long nowMicros) {
        if (micros <= 0) {
            return null;
        }
        long d;
        String s;
        if (nowMicros > micros) {
            d = nowMicros - micros;
            s = "ago";
        } else {
            d = micros - nowMicros;
            s = "left";
        }
        if (d >= USEC_PER_YEAR) {
            long years = d / USEC_PER_YEAR;
            long months = (d % USEC_PER_YEAR) / USEC_PER_MONTH;
            return years + (years == 1 ? " year " : " years ") + months + (months == 1 ? " month " : " months ") + s;
        } else if (d >= USEC_PER_MONTH) {
            long months = d / USEC_PER_MONTH;
            long days = (d % USEC_PER_MONTH) / USEC_PER_DAY;
            return months + (months == 1 ? " month " : " months ") + days + (days == 1 ? " day " : " days ") + s;
        } else if (d >= USEC_PER_WEEK) {
            long weeks = d / USEC_PER_WEEK;
            long days = (d % USEC_PER_WEEK) / USEC_PER_DAY;
            return weeks + (weeks == 1 ? " week " : " weeks ") + days + (days == 1 ? " day " : " days ") + s;
        } else if (d >= 2 * USEC_PER_DAY) {
            return d / USEC_PER_DAY + " days " + s;
        } else if (d >= 25 * USEC_PER_HOUR) {
            return "1 day " + (d - USEC_PER_DAY) / USEC_PER_HOUR + "h " + s;
        } else if (d >= 6 * USEC_PER_HOUR) {
            return d / USEC_PER_HOUR + "h " + s;
        } else if (d >= USEC_PER_HOUR) {
            return d / USEC_PER_HOUR + "h " + (d % USEC_PER_HOUR) / USEC_PER_MINUTE + "min " + s;
        } else if (d >= 5 * USEC_PER_MINUTE) {
            return d / USEC_PER_MINUTE + "min " + s;
        } else if (d >= USEC_PER_MINUTE) {
            return d / USEC_PER_MINUTE + "min " + (d % USEC_PER_MINUTE) / USEC_PER_SEC + "s " + s;
        } else if (d >= USEC_PER_SEC) {
            return d / USEC_PER_SEC + "s " + s;
        } else if (d >= USEC_PER_MSEC) {
            return d / USEC_PER_MSEC + "ms " + s;
        } else if (d > 0) {
            return d + "us " + s;
        }
        return "now";
    }

    /** Now, CLOCK_REALTIME in microseconds. */
    public static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * USEC_PER_SEC + now.getNano() / 1000;
    }

    /** {@code 1 unit} / {@code 2 units}. */
    public static String count(long n, String singular, String plural) {
        return n + " " + (n == 1 ? singular : plural);
    }
}
