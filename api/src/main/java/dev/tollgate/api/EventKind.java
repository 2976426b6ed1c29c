package dev.tollgate.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** What a {@code Subscribe} reply carries (IDL {@code EventKind}). */
public enum EventKind {
    SNAPSHOT("snapshot"),
    UNIT_CHANGE("unitChange"),
    COUNTERS("counters");

    private final String wireName;

    EventKind(String wireName) {
        this.wireName = wireName;
    }

    /** The name on the wire and in the interface description. */
    @JsonValue
    public String wireName() {
        return wireName;
    }

    /** The constant for a wire name. */
    @JsonCreator
    public static EventKind fromWire(String wire) {
        for (EventKind v : values()) {
            if (v.wireName.equals(wire)) {
                return v;
            }
        }
        throw new IllegalArgumentException("not a EventKind: " + wire);
    }

    @Override
    public String toString() {
        return wireName;
    }
}
