package dev.tollgate.accounting;

/**
 * How many drop events a unit's program may emit: a token bucket of {@code burst} events
 * refilled at {@code perSecond} ({@code IPDropEventRate=}). Off (no events, nothing counted as
 * suppressed) when {@code perSecond} is 0. Compiled into the program as its interval and
 * limit, so a changed rate is a program swap like any policy change.
 */
public record DropEventRate(long perSecond, long burst) {
    public static final DropEventRate OFF = new DropEventRate(0, 0);
    /** What a unit gets without IPDropEventRate=: 100 events a second, bursts of 1,000. */
    public static final DropEventRate DEFAULT = new DropEventRate(100, 1000);
    public static final long MAX_PER_SECOND = 1_000_000_000L;

    public DropEventRate {
        if (perSecond < 0 || perSecond > MAX_PER_SECOND)
            throw new IllegalArgumentException("drop event rate " + perSecond + "/s is outside 0.." + MAX_PER_SECOND);
        if (perSecond == 0 ? burst != 0 : burst < 1 || burst > MAX_PER_SECOND)
            throw new IllegalArgumentException("drop event burst " + burst + " is outside 1.." + MAX_PER_SECOND
                    + (perSecond == 0 ? " (or 0 with the rate off)" : ""));
    }

    // Written out, as a record's would be: the generated ones are method handles spun at first
    // use by every thread that gets there meanwhile (a boot's job threads, each unit start).
    @Override
    public boolean equals(Object o) {
        return o instanceof DropEventRate r && perSecond == r.perSecond && burst == r.burst;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(perSecond) * 31 + Long.hashCode(burst);
    }

    public boolean enabled() {
        return perSecond > 0;
    }

    /** Nanoseconds one event costs: the bucket's refill interval. */
    public long intervalNs() {
        return 1_000_000_000L / perSecond;
    }

    /** How far ahead of now the bucket's theoretical arrival time may be for an event to pass. */
    public long limitNs() {
        return burst * intervalNs();
    }
}
