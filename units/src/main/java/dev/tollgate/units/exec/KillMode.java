package dev.tollgate.units.exec;

import java.util.Optional;

/** {@code KillMode=} of systemd.kill(5). */
public enum KillMode {
    CONTROL_GROUP("control-group"),
    PROCESS("process"),
    MIXED("mixed"),
    NONE("none");

    private final String spelling;

    KillMode(String spelling) {
        this.spelling = spelling;
    }

    public String spelling() {
        return spelling;
    }

    public static Optional<KillMode> parse(String s) {
        for (KillMode m : values()) {
            if (m.spelling.equals(s)) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return spelling;
    }
}
