package dev.tollgate.cli;

import dev.tollgate.api.ActiveState;
import dev.tollgate.api.AttachMode;
import dev.tollgate.api.CounterSample;
import dev.tollgate.api.Counters;
import dev.tollgate.api.Diagnostic;
import dev.tollgate.api.DropIn;
import dev.tollgate.api.EventKind;
import dev.tollgate.api.ManagerError;
import dev.tollgate.api.ManagerHandler;
import dev.tollgate.api.ManagerService;
import dev.tollgate.api.Messages.EnableUnitReply;
import dev.tollgate.api.Messages.GetCountersReply;
import dev.tollgate.api.Messages.GetUnitsReply;
import dev.tollgate.api.Messages.GetUnitsRequest;
import dev.tollgate.api.Messages.ListUnitFilesReply;
import dev.tollgate.api.Messages.ListUnitFilesRequest;
import dev.tollgate.api.UnitFile;
import dev.tollgate.api.UnitPattern;
import dev.tollgate.api.Messages.GetCountersRequest;
import dev.tollgate.api.Messages.GetMetricsReply;
import dev.tollgate.api.Messages.GetSystemStateReply;
import dev.tollgate.api.SystemState;
import dev.tollgate.varlink.OrgVarlinkService;
import java.util.concurrent.Semaphore;
import dev.tollgate.api.Messages.GetUnitFileReply;
import dev.tollgate.api.Messages.GetUnitReply;
import dev.tollgate.api.Messages.GetUnitRequest;
import dev.tollgate.api.Messages.ListUnitsReply;
import dev.tollgate.api.Messages.ListUnitsRequest;
import dev.tollgate.api.Messages.ProbeReply;
import dev.tollgate.api.Messages.ReloadReply;
import dev.tollgate.api.Messages.RunTransientReply;
import dev.tollgate.api.Messages.RunTransientRequest;
import dev.tollgate.api.Messages.SubscribeReply;
import dev.tollgate.api.Messages.SubscribeRequest;
import dev.tollgate.api.Messages.UnitFileChangesReply;
import dev.tollgate.api.Messages.UnitRequest;
import dev.tollgate.api.Messages.UnitStateReply;
import dev.tollgate.api.ProbeFeature;
import dev.tollgate.api.Replies;
import dev.tollgate.api.Severity;
import dev.tollgate.api.UnitChange;
import dev.tollgate.api.UnitFileChange;
import dev.tollgate.api.UnitFileChangeType;
import dev.tollgate.api.UnitInfo;
import dev.tollgate.api.UnitType;
import dev.tollgate.varlink.CallContext;
import dev.tollgate.varlink.ServerLimits;
import dev.tollgate.varlink.VarlinkServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for tollgated on a temporary socket, with units in memory: for unit tests of every
 * verb without root (the system tests run the real daemon). Names with "denied" are refused,
 * "broken" fails to start.
 */
final class FakeManager implements ManagerService, AutoCloseable {
    final Path dir;
    final Path socket;
    final VarlinkServer server;
    final Map<String, UnitInfo> units = new LinkedHashMap<>();
    volatile long egress;

    FakeManager() throws Exception {
        dir = Files.createTempDirectory("tollctl-test");
        socket = dir.resolve("io.tollgate.Manager");
        units.put("-.slice", Units.unit("-.slice", null, ActiveState.ACTIVE, false, null));
        units.put("tollgate.slice", Units.unit("tollgate.slice", "-.slice", ActiveState.ACTIVE, false, null));
        UnitInfo web = Units.web();
        units.put(web.name(), web);
        units.put("idle.service", Units.unit("idle.service", "tollgate.slice", ActiveState.INACTIVE, false, null));
        units.put("bad.service", Units.unit("bad.service", "tollgate.slice", ActiveState.FAILED, false, null));
        server = ManagerHandler.register(VarlinkServer.builder(socket), this)
                .info("tollgate", "tollgated", "9.9.9", "https://tollgate.dev/")
                // tollgated allows 16 MiB replies; 1 MiB here keeps the CLI's answer to a reply
                // over the limit (ask in halves) within reach of a test of a few megabytes.
                .limits(ServerLimits.defaults().withMaxReplySize(1 << 20))
                .start();
    }

    private UnitInfo find(String name) {
        UnitInfo u = units.get(name);
        if (u == null) {
            throw new ManagerError.NoSuchUnit(name).toException();
        }
        return u;
    }

    @Override
    public ListUnitsReply listUnits(CallContext ctx, ListUnitsRequest r) {
        List<UnitInfo> out = new ArrayList<>();
        for (UnitInfo u : units.values()) {
            if (r.types() != null && !r.types().contains(u.type())) {
                continue;
            }
            if (r.states() != null && !r.states().contains(u.activeState().wireName()) && !r.states().contains(u.subState())) {
                continue;
            }
            if (r.states() == null && !r.allOrFalse() && u.activeState() == ActiveState.INACTIVE) {
                continue;
            }
            out.add(u);
        }
        return new ListUnitsReply(out);
    }

    /** Calls by method name, for tests that count requests. */
    final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

    private void count(CallContext ctx) {
        calls.computeIfAbsent(ctx.method(), k -> new AtomicInteger()).incrementAndGet();
    }

    int calls(String method) {
        AtomicInteger n = calls.get(method);
        return n == null ? 0 : n.get();
    }

    @Override
    public GetUnitReply getUnit(CallContext ctx, GetUnitRequest r) {
        count(ctx);
        return new GetUnitReply(find(r.name()));
    }

    @Override
    public GetUnitsReply getUnits(CallContext ctx, GetUnitsRequest r) {
        count(ctx);
        List<UnitInfo> out = new ArrayList<>();
        for (String n : r.names()) {
            UnitInfo u = units.get(n);
            out.add(u == null ? UnitNames.notFound(n) : u);
        }
        return new GetUnitsReply(out);
    }

    @Override
    public GetCountersReply getCounters(CallContext ctx, GetCountersRequest r) {
        return new GetCountersReply(samples());
    }

    private List<CounterSample> samples() {
        long t = System.nanoTime() / 1000;
        egress += 4096;
        return List.of(new CounterSample("web.service", UnitType.SERVICE, t, new Counters(0, 0, egress, egress / 512, 0, 0, 0, 0)));
    }

    private UnitStateReply job(CallContext ctx, String name, ActiveState state, String sub) {
        if (name.contains("denied")) {
            throw new ManagerError.PermissionDenied(ctx.method()).toException();
        }
        if (name.contains("broken")) {
            throw new ManagerError.UnitFailed(name, "Job for " + name + " failed: exit-code").toException();
        }
        if (name.contains("invalid")) {
            throw new ManagerError.InvalidUnit(name, List.of(new Diagnostic(Severity.ERROR, "/etc/x/" + name, 3, "Service",
                    "ExecStart", "empty"))).toException();
        }
        find(name);
        return new UnitStateReply(name, state, sub);
    }

    @Override
    public UnitStateReply startUnit(CallContext ctx, UnitRequest r) {
        return job(ctx, r.name(), ActiveState.ACTIVE, "running");
    }

    @Override
    public UnitStateReply stopUnit(CallContext ctx, UnitRequest r) {
        return job(ctx, r.name(), ActiveState.INACTIVE, "dead");
    }

    @Override
    public UnitStateReply restartUnit(CallContext ctx, UnitRequest r) {
        return job(ctx, r.name(), ActiveState.ACTIVE, "running");
    }

    @Override
    public ReloadReply reload(CallContext ctx) {
        return new ReloadReply(List.of(new Diagnostic(Severity.WARNING, "/etc/tollgate/units/web.service", 7, "Service",
                "IPAddressAllow", "Invalid address 'nonsense', ignoring.")));
    }

    @Override
    public RunTransientReply runTransient(CallContext ctx, RunTransientRequest r) {
        String name = r.name() == null ? "run-r1.service" : r.name();
        if (!r.waitOrFalse()) {
            return RunTransientReply.started(name);
        }
        String cmd = String.join(" ", r.command());
        if (cmd.contains("exit 3")) {
            return new RunTransientReply(name, "exit-code", "exited", 3, null);
        }
        if (cmd.contains("kill")) {
            return new RunTransientReply(name, "signal", "killed", 128 + 9, null);
        }
        return new RunTransientReply(name, "success", "exited", 0, new Counters(1280, 10, 1280, 10, 0, 0, 0, 0));
    }

    @Override
    public EnableUnitReply enableUnit(CallContext ctx, UnitRequest r) {
        if (r.name().startsWith("static")) {
            return new EnableUnitReply(false, List.of());
        }
        UnitInfo u = find(r.name());
        return new EnableUnitReply(true, List.of(new UnitFileChange(UnitFileChangeType.SYMLINK,
                "/etc/tollgate/units/multi-user.target.wants/" + u.name(), u.fragmentPath())));
    }

    /** The unit files ListUnitFiles knows, sorted as systemctl sorts them. */
    static final List<UnitFile> UNIT_FILES = List.of(
            new UnitFile("bad.service", "/etc/tollgate/units/bad.service", "disabled"),
            new UnitFile("getty@.service", "/etc/tollgate/units/getty@.service", "indirect"),
            new UnitFile("idle.service", "/etc/tollgate/units/idle.service", "static"),
            new UnitFile("masked.service", "/etc/tollgate/units/masked.service", "masked"),
            new UnitFile("run-r1.service", null, "transient"),
            new UnitFile("web.service", "/etc/tollgate/units/web.service", "enabled"),
            new UnitFile("tollgate.slice", "/etc/tollgate/units/tollgate.slice", "static"));

    @Override
    public ListUnitFilesReply listUnitFiles(CallContext ctx, ListUnitFilesRequest r) {
        count(ctx);
        return new ListUnitFilesReply(UNIT_FILES.stream().filter(f -> UnitPattern.matchesAny(r.patterns(), f.name()))
                .filter(f -> r.states() == null || r.states().contains(f.state())).toList());
    }

    @Override
    public UnitFileChangesReply disableUnit(CallContext ctx, UnitRequest r) {
        return new UnitFileChangesReply(List.of(new UnitFileChange(UnitFileChangeType.UNLINK,
                "/etc/tollgate/units/multi-user.target.wants/" + r.name(), null)));
    }

    @Override
    public GetUnitFileReply getUnitFile(CallContext ctx, UnitRequest r) {
        UnitInfo u = find(r.name());
        return new GetUnitFileReply(u.name(), "/etc/tollgate/units/" + u.name(), "[Service]\nExecStart=/bin/true\n",
                List.of(new DropIn("/etc/tollgate/units/" + u.name() + ".d/10-ip.conf", "[Service]\nIPAccounting=yes")));
    }

    @Override
    public ProbeReply probe(CallContext ctx) {
        return new ProbeReply(List.of(new ProbeFeature("cgroup v2 mounted", true, "at /sys/fs/cgroup"),
                new ProbeFeature("BPF_F_PREORDER", false, "EINVAL")), AttachMode.LINK, false,
                "the best mechanism this kernel offers", "/sys/fs/cgroup", "6.1.0-test");
    }

    @Override
    public GetMetricsReply getMetrics(CallContext ctx) {
        return new GetMetricsReply("# TYPE tollgate_units gauge\ntollgate_units 5\n");
    }

    /** What GetSystemState answers (degraded: bad.service is failed); null: the method is missing, as in an older daemon. */
    volatile SystemState systemState = SystemState.DEGRADED;
    /** A permit per GetSystemState answered, for a test to wait on a client's polls. */
    final Semaphore systemStateAsked = new Semaphore(0);

    @Override
    public GetSystemStateReply getSystemState(CallContext ctx) {
        try {
            SystemState s = systemState;
            if (s == null) {
                throw OrgVarlinkService.methodNotImplemented(ctx.method()).toException();
            }
            return new GetSystemStateReply(s);
        } finally {
            systemStateAsked.release();
        }
    }

    @Override
    public SubscribeReply subscribe(CallContext ctx, SubscribeRequest r, Replies<SubscribeReply> replies) {
        long t = System.nanoTime() / 1000;
        List<UnitChange> changes = units.values().stream()
                .map(u -> new UnitChange(u.name(), u.type(), u.loadState(), u.activeState(), u.subState(), t)).toList();
        replies.send(SubscribeReply.snapshot(t, changes, r.counterIntervalMs() == null ? null : samples()));
        try {
            while (!replies.isCancelled()) {
                if (replies.awaitCancellation(Duration.ofMillis(r.counterIntervalMs() == null ? 500 : r.counterIntervalMs()))) {
                    break;
                }
                if (r.counterIntervalMs() != null && !replies.send(new SubscribeReply(EventKind.COUNTERS, System.nanoTime() / 1000,
                        null, samples()))) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }

    @Override
    public void close() throws java.io.IOException {
        server.close();
        Files.deleteIfExists(socket);
        Files.deleteIfExists(dir);
    }
}
