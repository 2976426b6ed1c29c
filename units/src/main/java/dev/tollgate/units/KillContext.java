package dev.tollgate.units;

import dev.tollgate.units.exec.KillMode;
import dev.tollgate.units.exec.Signal;
import java.util.Objects;

/** How a unit's processes are stopped (systemd.kill(5)). */
public record KillContext(KillMode mode, Signal signal) {

    public static final KillContext DEFAULTS = new KillContext(KillMode.CONTROL_GROUP, Signal.SIGTERM);

    public KillContext {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(signal, "signal");
    }
}
