package dev.tollgate.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** How programs are attached to cgroups (IDL {@code AttachMode}), best first: {@code link}, {@code multi}, {@code single}. */
public enum AttachMode {
    LINK("link"),
    MULTI("multi"),
    SINGLE("single");

    private final String wireName;

    AttachMode(String wireName) {
        this.wireName = wireName;
    }

    /** The name on the wire and in the interface description. */
    @JsonValue
    public String wireName() {
        return wireName;
    }

    /** The constant for a wire name. */
    @JsonCreator
    public static AttachMode fromWire(String wire) {
        for (AttachMode v : values()) {
            if (v.wireName.equals(wire)) {
                return v;
            }
        }
        throw new IllegalArgumentException("not a AttachMode: " + wire);
    }

    @Override
    public String toString() {
        return wireName;
    }
}
