package dev.tollgate.units.directives;

import dev.tollgate.units.ServiceSection;
import dev.tollgate.units.syntax.TimeSpan;

/** The {@code [Scope]} directives of systemd.scope(5) that tollgate implements beyond resource control and killing. */
public final class ScopeDirectives {

    private ScopeDirectives() {}

    /** The [Scope] settings while they are being read. */
    public static final class Draft {
        TimeSpan timeoutStop = ServiceSection.DEFAULT_TIMEOUT;
    }

    static void register(DirectiveTable t) {
        t.add("Scope", "TimeoutStopSec", (d, a, c) -> Directives.secFixZero(a, c).ifPresent(v -> d.scope.timeoutStop = v));
    }
}
