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
        return new UnitInfo("web.service", UnitType.SERVICE, "Web server", "loaded", ActiveState.ACTIVE, "running", "success",
                "/etc/tollgate/units/web.service", List.of(), "enabled", 1234, List.of(1234, 1240), "/tollgate.slice/web.service",
                "tollgate.slice", SINCE, true, List.of("127.0.0.0/8"), List.of("0.0.0.0/0", "::/0"), AttachMode.LINK, false,
                new Counters(1280, 10, 3_565_568, 2500, 0, 0, 120, 2), null);
    }

    /** {@code u} with another RestrictNetworkInterfaces= and counters. */
    static UnitInfo withInterfaces(UnitInfo u, String interfaces, Counters c) {
        return new UnitInfo(u.name(), u.type(), u.description(), u.loadState(), u.activeState(), u.subState(), u.result(),
                u.fragmentPath(), u.dropInPaths(), u.unitFileState(), u.mainPID(), u.pids(), u.controlGroup(), u.slice(),
                u.activeEnterTimestamp(), false, List.of(), List.of(), u.attachMode(), u.delegate(), c,
                u.lastError(), null, null, null, interfaces);
    }

    static UnitInfo withoutAccounting(UnitInfo u, Counters c) {
        return new UnitInfo(u.name(), u.type(), u.description(), u.loadState(), u.activeState(), u.subState(), u.result(),
                u.fragmentPath(), u.dropInPaths(), u.unitFileState(), u.mainPID(), u.pids(), u.controlGroup(), u.slice(),
                u.activeEnterTimestamp(), false, u.ipAddressAllow(), u.ipAddressDeny(), u.attachMode(), u.delegate(), c,
                u.lastError());
    }

    static UnitInfo unit(String name, String slice, ActiveState state, boolean accounting, Counters c) {
        UnitType type = name.endsWith(".slice") ? UnitType.SLICE : UnitType.SERVICE;
        String sub = switch (state) {
            case ACTIVE -> type == UnitType.SLICE ? "active" : "running";
            case FAILED -> "failed";
            default -> "dead";
        };
        return new UnitInfo(name, type, "", "loaded", state, sub, state == ActiveState.FAILED ? "exit-code" : "success", null,
                List.of(), null, null, List.of(), "/" + name, slice, null, accounting, List.of(), List.of(), AttachMode.LINK,
                false, c, state == ActiveState.FAILED ? "exit-code, status 1" : null);
    }

    static Counters traffic(long in, long out) {
        return new Counters(in, in / 100, out, out / 100, 0, 0, 0, 0);
    }
}
