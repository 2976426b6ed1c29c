package dev.tollgate.cli;

import dev.tollgate.api.ActiveState;
import dev.tollgate.api.AttachMode;
import dev.tollgate.api.Counters;
import dev.tollgate.api.UnitInfo;
import dev.tollgate.api.UnitType;
import java.util.List;

/** Units for tests, built up from a running service with accounting. */
final class Units {
    static final long SINCE = 1_704_362_400_000_000L; // Thu 2024-01-04 10:00:00 UTC

    private Units() {}

    static UnitInfo web() {
        return UnitInfo.builder("web.service", UnitType.SERVICE, "Web server").activeState(ActiveState.ACTIVE)
                .subState("running").result("success").fragmentPath("/etc/tollgate/units/web.service").unitFileState("enabled")
                .mainPID(1234).pids(List.of(1234, 1240)).controlGroup("/tollgate.slice/web.service").slice("tollgate.slice")
                .activeEnterTimestamp(SINCE).ipAccounting(true).ipAddressAllow(List.of("127.0.0.0/8"))
                .ipAddressDeny(List.of("0.0.0.0/0", "::/0")).attachMode(AttachMode.LINK)
                .counters(new Counters(1280, 10, 3_565_568, 2500, 0, 0, 120, 2)).build();
    }

    /** {@code u} with another RestrictNetworkInterfaces= and counters. */
    static UnitInfo withInterfaces(UnitInfo u, String interfaces, Counters c) {
        return u.toBuilder().ipAccounting(false).ipAddressAllow(List.of()).ipAddressDeny(List.of()).counters(c)
                .execMainPID(null).execMainCode(null).execMainStatus(null).restrictNetworkInterfaces(interfaces).build();
    }

    static UnitInfo withoutAccounting(UnitInfo u, Counters c) {
        return u.toBuilder().ipAccounting(false).counters(c).execMainPID(null).execMainCode(null).execMainStatus(null)
                .restrictNetworkInterfaces(null).build();
    }

    static UnitInfo unit(String name, String slice, ActiveState state, boolean accounting, Counters c) {
        UnitType type = name.endsWith(".slice") ? UnitType.SLICE : UnitType.SERVICE;
        String sub = switch (state) {
            case ACTIVE -> type == UnitType.SLICE ? "active" : "running";
            case FAILED -> "failed";
            default -> "dead";
        };
        return UnitInfo.builder(name, type, "").activeState(state).subState(sub)
                .result(state == ActiveState.FAILED ? "exit-code" : "success").controlGroup("/" + name).slice(slice)
                .ipAccounting(accounting).attachMode(AttachMode.LINK).counters(c)
                .lastError(state == ActiveState.FAILED ? "exit-code, status 1" : null).build();
    }

    static Counters traffic(long in, long out) {
        return new Counters(in, in / 100, out, out / 100, 0, 0, 0, 0);
    }
}
