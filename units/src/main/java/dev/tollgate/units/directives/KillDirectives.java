package dev.tollgate.units.directives;

import dev.tollgate.units.KillContext;
import dev.tollgate.units.exec.KillMode;
import dev.tollgate.units.exec.Signal;
import dev.tollgate.units.syntax.Assignment;
import java.util.Optional;

/** {@code KillMode=} and {@code KillSignal=} of systemd.kill(5). */
public final class KillDirectives {

    private KillDirectives() {}

    /** The kill settings while they are being read. */
    public static final class Draft {
        KillMode mode = KillMode.CONTROL_GROUP;
        Signal signal = Signal.SIGTERM;

        KillContext build() {
            return new KillContext(mode, signal);
        }
    }

    static void register(DirectiveTable t, String section) {
        t.add(section, "KillMode", KillDirectives::killMode);
        t.add(section, "KillSignal", KillDirectives::killSignal);
    }

    private static void killMode(UnitDraft d, Assignment a, ParseContext c) {
        if (a.isEmpty()) {
            d.kill.mode = KillMode.CONTROL_GROUP;
            return;
        }
        Optional<KillMode> m = KillMode.parse(a.value());
        if (m.isEmpty()) {
            c.warn("Failed to parse kill mode specification, ignoring: " + a.value());
            return;
        }
        if (m.get() == KillMode.NONE) {
            c.warn("Unit uses KillMode=none. This is unsafe, as it disables systemd's process lifecycle management for the service. "
                    + "Please update the service to use a safer KillMode=, such as 'mixed' or 'control-group'. "
                    + "Support for KillMode=none is deprecated and will eventually be removed.");
        }
        d.kill.mode = m.get();
    }

    private static void killSignal(UnitDraft d, Assignment a, ParseContext c) {
        if (a.isEmpty()) {
            d.kill.signal = Signal.SIGTERM;
            return;
        }
        Optional<Signal> s = Signal.parse(a.value());
        if (s.isEmpty()) {
            c.warn("Failed to parse signal name, ignoring: " + a.value());
            return;
        }
        d.kill.signal = s.get();
    }
}
