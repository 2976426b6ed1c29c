package dev.tollgate.api;

import java.util.Objects;

/**
 * Counters of one unit or slice read at one moment (IDL {@code CounterSample}).
 *
 * @param timestamp when read, CLOCK_MONOTONIC microseconds (for rates between two samples)
 * @param counters null when the unit has no {@code IPAccounting=yes}
 */
public record CounterSample(String name, UnitType type, long timestamp, Counters counters) {
    public CounterSample {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
    }
}
