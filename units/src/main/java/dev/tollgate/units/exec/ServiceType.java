package dev.tollgate.units.exec;

import java.util.Optional;

/** {@code Type=} of systemd.service(5). */
public enum ServiceType {
    SIMPLE("simple", true),
    EXEC("exec", true),
    FORKING("forking", false),
    ONESHOT("oneshot", true),
    DBUS("dbus", false),
    NOTIFY("notify", true),
    NOTIFY_RELOAD("notify-reload", false),
    /** Started like {@link #SIMPLE}; systemd only delays it until the job queue is empty. */
    IDLE("idle", true);

    private final String spelling;
    private final boolean supported;

    ServiceType(String spelling, boolean supported) {
        this.spelling = spelling;
        this.supported = supported;
    }

    public String spelling() {
        return spelling;
    }

    /** Whether tollgate can run services of this type; the others load, but cannot start. */
    public boolean isSupported() {
        return supported;
    }

    public static Optional<ServiceType> parse(String s) {
        for (ServiceType t : values()) {
            if (t.spelling.equals(s)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return spelling;
    }
}
