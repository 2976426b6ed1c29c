package dev.tollgate.api;

import java.util.Objects;

/** One unit setting as {@code systemd-run -p NAME=VALUE} takes it (IDL {@code Property}). */
public record Property(String name, String value) {
    public Property {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
    }

    /** From {@code NAME=VALUE}; the value may be empty or contain more {@code =}. */
    public static Property parse(String assignment) {
        int eq = assignment.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("not NAME=VALUE: " + assignment);
        }
        return new Property(assignment.substring(0, eq), assignment.substring(eq + 1));
    }

    @Override
    public String toString() {
        return name + "=" + value;
    }
}
