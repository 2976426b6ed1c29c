package dev.tollgate.api;

import dev.tollgate.api.Messages.EnableUnitReply;
import dev.tollgate.api.Messages.GetCountersReply;
import dev.tollgate.api.Messages.GetMetricsReply;
import dev.tollgate.api.Messages.GetUnitFileReply;
import dev.tollgate.api.Messages.GetUnitReply;
import dev.tollgate.api.Messages.GetUnitsReply;
import dev.tollgate.api.Messages.ListUnitFilesReply;
import dev.tollgate.api.Messages.ListUnitsReply;
import dev.tollgate.api.Messages.ProbeReply;
import dev.tollgate.api.Messages.ReloadReply;
import dev.tollgate.api.Messages.RunTransientReply;
import dev.tollgate.api.Messages.SubscribeReply;
import dev.tollgate.api.Messages.UnitFileChangesReply;
import dev.tollgate.api.Messages.UnitStateReply;
import java.util.List;

/** Instances of every record with every field set ("full") and with only what must be ("minimal"). */
final class Samples {
    private Samples() {}

    static final Counters COUNTERS = new Counters(1500, 10, 3000, 20, 60, 1, 120, 2);

    static final UnitInfo WEB = UnitInfo.builder("web.service", UnitType.SERVICE, "The web server")
            .loadState("loaded").activeState(ActiveState.ACTIVE).subState("running").result("success")
            .fragmentPath("/etc/tollgate/units/web.service").dropInPaths(List.of("/etc/tollgate/units/web.service.d/10-ip.conf"))
            .unitFileState("enabled").mainPID(4242).pids(List.of(4242, 4243)).controlGroup("/tollgate.slice/web.slice/web.service")
            .slice("web.slice").activeEnterTimestamp(1_700_000_000_000_000L).ipAccounting(true)
            .ipAddressAllow(List.of("10.0.0.0/8", "::1/128")).ipAddressDeny(List.of("0.0.0.0/0", "::/0")).attachMode(AttachMode.LINK)
            .counters(COUNTERS).lastError("attach failed once: EPERM").execMainPID(4100).execMainCode("exited").execMainStatus(203)
            .restrictNetworkInterfaces("~veth0 lo").controlGroupId(4711L)
            .stateChangeTimestamp(1_700_000_000_500_000L).build();

    static final UnitInfo SLICE = UnitInfo.inactive("web.slice", UnitType.SLICE, "web.slice");

    static final Diagnostic DIAGNOSTIC = new Diagnostic(Severity.WARNING, "/etc/tollgate/units/web.service", 12, "Service",
            "IPAddressAllow", "invalid prefix '10.0.0.0/33', ignoring");

    static final Diagnostic BARE_DIAGNOSTIC = new Diagnostic(Severity.ERROR, null, null, null, null, "no such unit");

    static final UnitFile UNIT_FILE = new UnitFile("web.service", "/etc/tollgate/units/web.service", "enabled");

    static final CounterSample SAMPLE = new CounterSample("web.service", UnitType.SERVICE, 123_456_789L, COUNTERS);
    static final CounterSample NO_DATA = new CounterSample("web.slice", UnitType.SLICE, 123_456_790L, null);

    static final UnitChange CHANGE = new UnitChange("web.service", UnitType.SERVICE, "loaded", ActiveState.ACTIVATING,
            "start", 1_700_000_000_000_001L);

    static final DropEvent DROP = new DropEvent(1_700_000_000_000_002L, "web.service", "egress", 4, 17, "10.0.0.9",
            "10.0.0.1", 53, 5353, null, null, 84, 2);
    static final DropEvent ICMP_DROP = new DropEvent(1_700_000_000_000_003L, "web.service", "ingress", 6, 58, "fd00::1",
            "fd00::2", null, null, 128, 0, 104, 1);

    /** A reply record for each method, all fields set. */
    static Object fullReply(String method) {
        return switch (method) {
            case "ListUnits" -> new ListUnitsReply(List.of(WEB, SLICE));
            case "GetUnit" -> new GetUnitReply(WEB);
            case "GetUnits" -> new GetUnitsReply(List.of(WEB, SLICE));
            case "ListUnitFiles" -> new ListUnitFilesReply(List.of(UNIT_FILE, new UnitFile("run-u7.service", null, "transient")));
            case "GetCounters" -> new GetCountersReply(List.of(SAMPLE, NO_DATA));
            case "StartUnit", "StopUnit", "RestartUnit" -> new UnitStateReply("web.service", ActiveState.ACTIVE, "running");
            case "Reload" -> new ReloadReply(List.of(DIAGNOSTIC, BARE_DIAGNOSTIC));
            case "RunTransient" -> new RunTransientReply("run-u7.service", "exit-code", "exited", 3, COUNTERS);
            case "EnableUnit" -> new EnableUnitReply(true, List.of(
                    new UnitFileChange(UnitFileChangeType.SYMLINK, "/etc/tollgate/units/multi-user.target.wants/web.service",
                            "/etc/tollgate/units/web.service")));
            case "DisableUnit" -> new UnitFileChangesReply(List.of(
                    new UnitFileChange(UnitFileChangeType.SYMLINK, "/etc/tollgate/units/multi-user.target.wants/web.service",
                            "/etc/tollgate/units/web.service"),
                    new UnitFileChange(UnitFileChangeType.UNLINK, "/etc/tollgate/units/old.target.wants/web.service", null)));
            case "GetUnitFile" -> new GetUnitFileReply("web.service", "/etc/tollgate/units/web.service",
                    "[Service]\nExecStart=/bin/true\n", List.of(new DropIn("/etc/tollgate/units/web.service.d/a.conf", "[Service]\nIPAccounting=yes\n")));
            case "Probe" -> new ProbeReply(List.of(new ProbeFeature("cgroup bpf_link (BPF_LINK_CREATE)", true, "created a link")),
                    AttachMode.LINK, false, "BPF_LINK_CREATE and BPF_LINK_UPDATE work", "/sys/fs/cgroup", "6.8.0");
            case "GetMetrics" -> new GetMetricsReply("# TYPE tollgate_up gauge\ntollgate_up 1\n");
            case "GetSystemState" -> new dev.tollgate.api.Messages.GetSystemStateReply(SystemState.DEGRADED);
            case "Subscribe" -> SubscribeReply.snapshot(99, List.of(CHANGE), List.of(SAMPLE, NO_DATA));
            case "GetDrops" -> new dev.tollgate.api.Messages.GetDropsReply(List.of(DROP, ICMP_DROP),
                    List.of(new DropEventCount("web.service", 2, 7)));
            case "WatchDrops" -> new dev.tollgate.api.Messages.WatchDropsReply(List.of(DROP), 3L);
            default -> throw new IllegalArgumentException(method);
        };
    }

    /** A reply record for each method, only required fields set. */
    static Object minimalReply(String method) {
        return switch (method) {
            case "ListUnits" -> new ListUnitsReply(List.of());
            case "GetUnit" -> new GetUnitReply(SLICE);
            case "GetUnits" -> new GetUnitsReply(null);
            case "ListUnitFiles" -> new ListUnitFilesReply(null);
            case "GetCounters" -> new GetCountersReply(null);
            case "StartUnit", "StopUnit", "RestartUnit" -> new UnitStateReply("a.service", ActiveState.FAILED, "failed");
            case "Reload" -> new ReloadReply(null);
            case "RunTransient" -> RunTransientReply.started("run-u8.service");
            case "EnableUnit" -> new EnableUnitReply(false, null);
            case "DisableUnit" -> new UnitFileChangesReply(null);
            case "GetUnitFile" -> new GetUnitFileReply("a.service", "/run/tollgate/transient/a.service", "", null);
            case "Probe" -> new ProbeReply(null, null, true, "forced by configuration", null, "4.19.0");
            case "GetMetrics" -> new GetMetricsReply("");
            case "GetSystemState" -> new dev.tollgate.api.Messages.GetSystemStateReply(SystemState.STARTING);
            case "Subscribe" -> SubscribeReply.counters(100, List.of());
            case "GetDrops" -> new dev.tollgate.api.Messages.GetDropsReply(null, null);
            case "WatchDrops" -> new dev.tollgate.api.Messages.WatchDropsReply(List.of(), null);
            default -> throw new IllegalArgumentException(method);
        };
    }
}
