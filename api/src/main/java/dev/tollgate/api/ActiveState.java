package dev.tollgate.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** A unit's high-level state, as systemd's {@code ActiveState=} (IDL {@code ActiveState}). */
public enum ActiveState {
    ACTIVE("active"),
    RELOADING("reloading"),
    INACTIVE("inactive"),
    FAILED("failed"),
    ACTIVATING("activating"),
    DEACTIVATING("deactivating");

    private final String wireName;

    ActiveState(String wireName) {
        this.wireName = wireName;
    }

    /** The name on the wire and in the interface description. */
    @JsonValue
    public String wireName() {
        return wireName;
    }

    /** The constant for a wire name. */
    @JsonCreator
    public static ActiveState fromWire(String wire) {
        for (ActiveState v : values()) {
            if (v.wireName.equals(wire)) {
                return v;
            }
        }
        throw new IllegalArgumentException("not a ActiveState: " + wire);
    }

    /** Active, or on the way in or out: what systemd's UNIT_IS_ACTIVE_OR_ACTIVATING (and a stop job) treats as running. */
    public boolean isActiveOrActivating() {
        return this == ACTIVE || this == ACTIVATING || this == DEACTIVATING || this == RELOADING;
    }

    @Override
    public String toString() {
        return wireName;
    }
}
