package dev.tollgate.api;

import java.util.Objects;

/**
 * Counters of one unit or slice read at one moment (IDL {@code CounterSample}).
 *
 * @param timestamp when read, CLOCK_MONOTONIC microseconds (for rates between two samples)
 * @param counters null when the unit has neither {@code IPAccounting=yes} nor an IP firewall
 * @param ipAccounting {@code IPAccounting=} in effect: without it the four traffic figures are
 *        not the unit's to show (systemd's {@code [no data]}), only the dropped ones
 */
public record CounterSample(String name, UnitType type, long timestamp, Counters counters, boolean ipAccounting) {
    public CounterSample {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
    }

    /** A sample of an accounted unit or slice (traffic figures included when there are counters). */
    public CounterSample(String name, UnitType type, long timestamp, Counters counters) {
        this(name, type, timestamp, counters, counters != null);
    }
}
