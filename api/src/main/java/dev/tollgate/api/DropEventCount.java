package dev.tollgate.api;

import java.util.Objects;

/** A unit's drop events since it started: reported and suppressed (IDL {@code DropEventCount}). */
public record DropEventCount(String unit, long events, long suppressed) {
    public DropEventCount {
        Objects.requireNonNull(unit, "unit");
    }
}
