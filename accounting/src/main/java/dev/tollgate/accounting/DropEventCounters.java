package dev.tollgate.accounting;

/** A unit's drop events since it started: emitted into the ring, and suppressed (over its rate, or the ring full). */
public record DropEventCounters(long emitted, long suppressed) {
    public static final DropEventCounters ZERO = new DropEventCounters(0, 0);
}
