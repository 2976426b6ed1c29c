package dev.tollgate.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** How much a {@link Diagnostic} matters (IDL {@code Severity}). */
public enum Severity {
    ERROR("error"),
    WARNING("warning"),
    NOTICE("notice");

    private final String wireName;

    Severity(String wireName) {
        this.wireName = wireName;
    }

    /** The name on the wire and in the interface description. */
    @JsonValue
    public String wireName() {
        return wireName;
    }

    /** The constant for a wire name. */
    @JsonCreator
    public static Severity fromWire(String wire) {
        for (Severity v : values()) {
            if (v.wireName.equals(wire)) {
                return v;
            }
        }
        throw new IllegalArgumentException("not a Severity: " + wire);
    }

    @Override
    public String toString() {
        return wireName;
    }
}
