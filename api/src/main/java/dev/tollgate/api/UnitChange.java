package dev.tollgate.api;

import java.util.Objects;

/**
 * A unit's state at a moment (IDL {@code UnitChange}).
 *
 * @param timestamp when this state was entered, CLOCK_REALTIME microseconds
 */
public record UnitChange(String name, UnitType type, String loadState, ActiveState activeState, String subState, long timestamp) {
    public UnitChange {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(loadState, "loadState");
        Objects.requireNonNull(activeState, "activeState");
        Objects.requireNonNull(subState, "subState");
    }
}
