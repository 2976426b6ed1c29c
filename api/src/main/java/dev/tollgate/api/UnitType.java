package dev.tollgate.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The kinds of unit tollgate manages (IDL {@code UnitType}); scopes exist only as transient units. */
public enum UnitType {
    SERVICE("service"),
    SLICE("slice"),
    SCOPE("scope");

    private final String wireName;

    UnitType(String wireName) {
        this.wireName = wireName;
    }

    /** The name on the wire and in the interface description. */
    @JsonValue
    public String wireName() {
        return wireName;
    }

    /** The constant for a wire name. */
    @JsonCreator
    public static UnitType fromWire(String wire) {
        for (UnitType v : values()) {
            if (v.wireName.equals(wire)) {
                return v;
            }
        }
        throw new IllegalArgumentException("not a UnitType: " + wire);
    }

    @Override
    public String toString() {
        return wireName;
    }
}
