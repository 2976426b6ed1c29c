package dev.tollgate.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** What {@code EnableUnit} and {@code DisableUnit} did to a file (IDL {@code UnitFileChangeType}). */
public enum UnitFileChangeType {
    SYMLINK("symlink"),
    UNLINK("unlink");

    private final String wireName;

    UnitFileChangeType(String wireName) {
        this.wireName = wireName;
    }

    /** The name on the wire and in the interface description. */
    @JsonValue
    public String wireName() {
        return wireName;
    }

    /** The constant for a wire name. */
    @JsonCreator
    public static UnitFileChangeType fromWire(String wire) {
        for (UnitFileChangeType v : values()) {
            if (v.wireName.equals(wire)) {
                return v;
            }
        }
        throw new IllegalArgumentException("not a UnitFileChangeType: " + wire);
    }

    @Override
    public String toString() {
        return wireName;
    }
}
