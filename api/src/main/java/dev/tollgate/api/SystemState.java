package dev.tollgate.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * The manager's state as {@code systemctl is-system-running} reports systemd's (IDL
 * {@code SystemState}), the subset that applies to tollgated: it has no early boot before its
 * socket is served (systemd's initializing) and no rescue mode (maintenance).
 */
public enum SystemState {
    /** The boot's jobs (what the default target wants, and what they pull in) are not all done. */
    STARTING("starting"),
    /** Booted, and no unit has failed. */
    RUNNING("running"),
    /** Booted, and at least one unit is failed. */
    DEGRADED("degraded"),
    /** Shutting down: the units are being stopped. */
    STOPPING("stopping");

    private final String wireName;

    SystemState(String wireName) {
        this.wireName = wireName;
    }

    /** The name on the wire and in the interface description. */
    @JsonValue
    public String wireName() {
        return wireName;
    }

    /** Whether the boot is over: a client waiting for the boot (is-system-running --wait) stops waiting. */
    public boolean booted() {
        return this != STARTING;
    }

    /** The constant for a wire name. */
    @JsonCreator
    public static SystemState fromWire(String wire) {
        for (SystemState v : values()) {
            if (v.wireName.equals(wire)) {
                return v;
            }
        }
        throw new IllegalArgumentException("not a SystemState: " + wire);
    }

    @Override
    public String toString() {
        return wireName;
    }
}
