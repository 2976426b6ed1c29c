package dev.tollgate.units.net;

import java.util.Locale;
import java.util.Optional;

/**
 * {@code IPDropEventRate=} (tollgate's own directive): how many of its dropped packets a unit
 * reports as drop events, a rate per second and a burst. {@code 0} or {@code off} turns them
 * off. Syntax: {@code RATE[/s] [BURST]}, e.g. {@code 100/s 1000}; the burst defaults to ten
 * seconds' worth of the rate.
 */
public record IpDropEventRate(long perSecond, long burst) {
    public static final IpDropEventRate DEFAULT = new IpDropEventRate(100, 1000);
    public static final IpDropEventRate OFF = new IpDropEventRate(0, 0);
    public static final long MAX = 1_000_000_000L;

    public IpDropEventRate {
        if (perSecond < 0 || perSecond > MAX || (perSecond == 0 ? burst != 0 : burst < 1 || burst > MAX))
            throw new IllegalArgumentException("invalid drop event rate " + perSecond + "/s, burst " + burst);
    }

    public boolean enabled() {
        return perSecond > 0;
    }

    /** Parses a value; empty with the reason in {@code why[0]} if it is not one. */
    public static Optional<IpDropEventRate> parse(String value, String[] why) {
        String[] words = value.strip().split("\\s+");
        String rate = words[0].toLowerCase(Locale.ROOT);
        if (words.length == 1 && (rate.equals("off") || rate.equals("0") || rate.equals("0/s"))) return Optional.of(OFF);
        if (words.length > 2) {
            why[0] = "expected RATE[/s] [BURST], got " + words.length + " words";
            return Optional.empty();
        }
        if (rate.endsWith("/s")) rate = rate.substring(0, rate.length() - 2);
        long r = number(rate);
        if (r < 1 || r > MAX) {
            why[0] = "rate must be a whole number of events per second from 1 to " + MAX + " (or 0, off)";
            return Optional.empty();
        }
        long b = words.length == 2 ? number(words[1]) : Math.min(MAX, 10 * r);
        if (b < 1 || b > MAX) {
            why[0] = "burst must be a whole number of events from 1 to " + MAX;
            return Optional.empty();
        }
        return Optional.of(new IpDropEventRate(r, b));
    }

    private static long number(String s) {
        if (s.isEmpty() || s.length() > 10 || !s.chars().allMatch(ch -> ch >= '0' && ch <= '9')) return -1;
        return Long.parseLong(s);
    }

    /** As the directive would set it: {@code 100/s 1000}, or {@code off}. */
    public String text() {
        return enabled() ? perSecond + "/s " + burst : "off";
    }
}
