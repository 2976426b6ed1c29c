package dev.tollgate.daemon;

import dev.tollgate.accounting.CounterSums;
import dev.tollgate.api.ActiveState;
import dev.tollgate.api.AttachMode;
import dev.tollgate.api.CounterSample;
import dev.tollgate.api.Counters;
import dev.tollgate.api.Diagnostic;
import dev.tollgate.api.DropIn;
import dev.tollgate.api.EventKind;
import dev.tollgate.api.ManagerError;
import dev.tollgate.api.ManagerService;
import dev.tollgate.api.Messages.DropsRequest;
import dev.tollgate.api.Messages.EnableUnitReply;
import dev.tollgate.api.Messages.GetCountersReply;
import dev.tollgate.api.Messages.GetCountersRequest;
import dev.tollgate.api.Messages.GetDropsReply;
import dev.tollgate.api.Messages.GetMetricsReply;
import dev.tollgate.api.Messages.GetSystemStateReply;
import dev.tollgate.api.Messages.GetUnitFileReply;
import dev.tollgate.api.Messages.GetUnitReply;
import dev.tollgate.api.Messages.GetUnitRequest;
import dev.tollgate.api.Messages.GetUnitsReply;
import dev.tollgate.api.Messages.GetUnitsRequest;
import dev.tollgate.api.Messages.ListUnitFilesReply;
import dev.tollgate.api.Messages.ListUnitFilesRequest;
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
import dev.tollgate.api.Messages.WatchDropsReply;
import dev.tollgate.api.ProbeFeature;
import dev.tollgate.api.Replies;
import dev.tollgate.api.Severity;
import dev.tollgate.api.SystemState;
import dev.tollgate.api.UnitChange;
import dev.tollgate.api.UnitFile;
import dev.tollgate.api.UnitFileChange;
import dev.tollgate.api.UnitFileChangeType;
import dev.tollgate.api.UnitInfo;
import dev.tollgate.api.UnitPattern;
import dev.tollgate.api.UnitType;
import dev.tollgate.bpf.features.CapabilityCheck;
import dev.tollgate.units.UnitFileDiagnostic;
import dev.tollgate.units.UnitFileStates;
import dev.tollgate.varlink.CallContext;
import dev.tollgate.varlink.PeerCredentials;
import dev.tollgate.varlink.VarlinkException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * io.tollgate.Manager as tollgated serves it: queries are open to every local user; changes
 * only to root and to members of the configured admin group, judged by the peer's socket
 * credentials (and its supplementary groups, read from /proc). A refusal is logged with who
 * asked.
 */
final class ManagerApi implements ManagerService {
    private final Daemon daemon;
    private final Optional<Integer> adminGid;

    ManagerApi(Daemon daemon, Optional<Integer> adminGid) {
        this.daemon = daemon;
        this.adminGid = adminGid;
    }

    private Manager m() {
        return daemon.manager();
    }

    // ---- authorization ----------------------------------------------------------------------

    private void authorize(CallContext ctx) {
        PeerCredentials p = ctx.peer();
        if (p.isRoot()) return;
        if (adminGid.isPresent() && p.uidKnown() && inGroup(p, adminGid.get())) return;
        Log.warning("refused %s to uid %d gid %d pid %d", ctx.method(), p.uid(), p.gid(), p.pid());
        daemon.metrics().error("permission-denied");
        throw new ManagerError.PermissionDenied(ctx.method()).toException();
    }

    /**
     * A change: only for those {@link #authorize} lets in, and not during shutdown (the units are
     * being stopped; the manager refuses a start then on its loop too, see Manager.startAsync).
     */
    private void admitChange(CallContext ctx) {
        authorize(ctx);
        SystemState state = m().systemState();
        if (state == SystemState.STOPPING) throw new ManagerError.NotRunning(state.wireName()).toException();
    }

    private static boolean inGroup(PeerCredentials p, int gid) {
        if (p.gid() == gid) return true;
        if (p.pid() <= 0) return false;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + p.pid() + "/status"))) {
                if (line.startsWith("Groups:")) {
                    for (String g : line.substring(7).trim().split("\\s+")) if (g.equals(Integer.toString(gid))) return true;
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    private VarlinkException translate(ManagerException e) {
        return switch (e.kind()) {
            case NOT_RUNNING -> new ManagerError.NotRunning(m().systemState().wireName()).toException();
            case NO_SUCH_UNIT -> new ManagerError.NoSuchUnit(e.unit()).toException();
            case UNIT_EXISTS -> new ManagerError.UnitExists(e.unit()).toException();
            // The reason is the unit's Result= when it ran, else what stopped it from running.
            case UNIT_FAILED, UNIT_MASKED, BAD_REQUEST ->
                    new ManagerError.UnitFailed(e.unit(), e.result().orElse(e.getMessage())).toException();
            case INVALID_UNIT -> new ManagerError.InvalidUnit(e.unit(), e.diagnostics().isEmpty()
                    ? List.of(new Diagnostic(Severity.ERROR, null, null, null, null, e.getMessage()))
                    : e.diagnostics().stream().filter(UnitFileDiagnostic::isError).map(ManagerApi::diagnostic).toList())
                    .toException();
        };
    }

    private <T> T run(java.util.function.Supplier<T> body) {
        try {
            return body.get();
        } catch (ManagerException e) {
            throw translate(e);
        }
    }

    // ---- conversions ------------------------------------------------------------------------

    /** One unit's sample: counters only when it has accounting or a firewall, and whether the traffic figures are its. */
    private CounterSample sample(String name, CounterSums c, long ts) {
        Manager.CounterView view = m().counterView(name);
        return new CounterSample(name, name.endsWith(".slice") ? UnitType.SLICE : UnitType.SERVICE, ts,
                view.any() ? StatusProjection.counters(c) : null, view.traffic());
    }

    private static Diagnostic diagnostic(UnitFileDiagnostic d) {
        Severity sev = switch (d.severity()) {
            case ERROR -> Severity.ERROR;
            case WARNING -> Severity.WARNING;
            default -> Severity.NOTICE;
        };
        return new Diagnostic(sev, d.file().map(Path::toString).orElse(null), d.line() == 0 ? null : d.line(),
                d.section().orElse(null), d.directive().orElse(null), d.message());
    }

    private static long nowMicros() {
        return System.nanoTime() / 1000;
    }

    // ---- queries ----------------------------------------------------------------------------

    @Override
    public ListUnitsReply listUnits(CallContext ctx, ListUnitsRequest r) {
        List<UnitInfo> out = new ArrayList<>();
        for (UnitInfo s : m().list(states -> listed(r, states))) out.add(describe(s));
        return new ListUnitsReply(out);
    }

    /** Whether ListUnits lists a unit in these states: of the types asked, in a state asked, or else not a loaded inactive one. */
    static boolean listed(ListUnitsRequest r, UnitChange s) {
        if (r.types() != null && !r.types().isEmpty() && !r.types().contains(s.type())) return false;
        if (r.states() != null && !r.states().isEmpty()) {
            return r.states().contains(s.activeState().wireName()) || r.states().contains(s.subState())
                    || r.states().contains(s.loadState());
        }
        boolean all = r.all() != null && r.all();
        return all || s.activeState() != ActiveState.INACTIVE || !"loaded".equals(s.loadState());
    }

    @Override
    public GetUnitReply getUnit(CallContext ctx, GetUnitRequest r) {
        return new GetUnitReply(describe(m().statusLoading(r.name()).orElseThrow(() -> new ManagerError.NoSuchUnit(r.name()).toException())));
    }

    /** The unit as queries show it: its UnitFileState= worked out as list-unit-files does. */
    private UnitInfo describe(UnitInfo u) {
        return m().unitFileState(u.name()).map(u::withUnitFileState).orElse(u);
    }

    @Override
    public GetUnitsReply getUnits(CallContext ctx, GetUnitsRequest r) {
        List<UnitInfo> out = new ArrayList<>(r.names().size());
        for (String name : r.names()) out.add(m().statusLoading(name).map(this::describe).orElseGet(() -> notFound(name)));
        return new GetUnitsReply(out);
    }

    /** What systemd's LoadUnit gives for a name with no unit file: a not-found, inactive unit. */
    static UnitInfo notFound(String name) {
        UnitType type = name.endsWith(".slice") ? UnitType.SLICE : name.endsWith(".scope") ? UnitType.SCOPE : UnitType.SERVICE;
        return UnitInfo.builder(name, type, name).loadState("not-found").subState(ServiceState.DEAD.spelling()).build();
    }

    @Override
    public ListUnitFilesReply listUnitFiles(CallContext ctx, ListUnitFilesRequest r) {
        List<UnitFile> out = new ArrayList<>();
        for (UnitFileStates.Entry e : m().unitFileStates()) {
            String state = e.state().spelling();
            if (!UnitPattern.matchesAny(r.patterns(), e.name().id())) continue;
            if (r.states() != null && !r.states().isEmpty() && !r.states().contains(state)) continue;
            out.add(new UnitFile(e.name().id(), e.path() == null ? null : e.path().toString(), state));
        }
        return new ListUnitFilesReply(out);
    }

    @Override
    public GetCountersReply getCounters(CallContext ctx, GetCountersRequest r) {
        Map<String, CounterSums> all = run(() -> m().counters(r.names() == null ? List.of() : r.names()));
        long ts = nowMicros();
        List<CounterSample> samples = new ArrayList<>();
        all.forEach((name, c) -> samples.add(sample(name, c, ts)));
        return new GetCountersReply(samples);
    }

    @Override
    public GetUnitFileReply getUnitFile(CallContext ctx, UnitRequest r) {
        UnitInfo s = m().statusLoading(r.name()).orElseThrow(() -> new ManagerError.NoSuchUnit(r.name()).toException());
        var config = m().find(r.name()).flatMap(n -> m().configOf(n));
        String path = s.fragmentPath() == null ? "" : s.fragmentPath();
        String text = "";
        List<DropIn> dropIns = new ArrayList<>();
        try {
            if ("transient".equals(s.unitFileState())) text = m().transientText(s.name()).orElse("");
            else if (!path.isEmpty()) text = Files.readString(Path.of(path));
            if (config.isPresent()) {
                for (Path d : config.get().sources().dropIns()) dropIns.add(new DropIn(d.toString(), Files.readString(d)));
            }
        } catch (IOException e) {
            throw new ManagerError.UnitFailed(s.name(), "cannot read the unit file: " + e.getMessage()).toException();
        }
        return new GetUnitFileReply(s.name(), path.isEmpty() ? "(transient)" : path, text, dropIns);
    }

    @Override
    public ProbeReply probe(CallContext ctx) {
        List<ProbeFeature> features = new ArrayList<>();
        for (CapabilityCheck f : daemon.features().all()) features.add(new ProbeFeature(f.name(), f.available(), f.evidence()));
        String reason = daemon.attachMode().map(x -> daemon.config().attachMode().isPresent()
                ? "forced by configuration" : "the best mechanism this kernel offers: " + x.mechanism)
                .orElse(daemon.bpfOffReason());
        String kernel;
        try {
            kernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        } catch (IOException e) {
            kernel = System.getProperty("os.version");
        }
        return new ProbeReply(features, daemon.attachMode().map(x -> AttachMode.fromWire(x.configName())).orElse(null),
                daemon.config().attachMode().isPresent(), reason,
                daemon.features().cgroup2Mount().map(Path::toString).orElse(null), kernel);
    }

    @Override
    public GetSystemStateReply getSystemState(CallContext ctx) {
        return new GetSystemStateReply(m().systemState());
    }

    @Override
    public GetMetricsReply getMetrics(CallContext ctx) {
        return new GetMetricsReply(daemon.metrics().scrape());
    }

    // ---- changes ----------------------------------------------------------------------------

    private static UnitStateReply state(UnitInfo s) {
        return new UnitStateReply(s.name(), s.activeState(), s.subState());
    }

    @Override
    public UnitStateReply startUnit(CallContext ctx, UnitRequest r) {
        admitChange(ctx);
        return state(run(() -> m().start(r.name())));
    }

    @Override
    public UnitStateReply stopUnit(CallContext ctx, UnitRequest r) {
        admitChange(ctx);
        return state(run(() -> m().stop(r.name())));
    }

    @Override
    public UnitStateReply restartUnit(CallContext ctx, UnitRequest r) {
        admitChange(ctx);
        return state(run(() -> m().restart(r.name())));
    }

    @Override
    public ReloadReply reload(CallContext ctx) {
        admitChange(ctx);
        Manager.ReloadReport report = daemon.reload();
        return new ReloadReply(report.errors().stream().map(ManagerApi::diagnostic).toList());
    }

    @Override
    public RunTransientReply runTransient(CallContext ctx, RunTransientRequest r) {
        admitChange(ctx);
        List<String> props = new ArrayList<>();
        if (r.properties() != null) for (var p : r.properties()) props.add(p.name() + "=" + p.value());
        Manager.RunResult res = run(() -> m().runTransient(Optional.ofNullable(r.name()), Optional.ofNullable(r.slice()),
                Optional.ofNullable(r.description()), props, r.command(), r.waitOrFalse()));
        if (!r.waitOrFalse()) return RunTransientReply.started(res.unit());
        UnitInfo s = res.status();
        return new RunTransientReply(res.unit(), s.result(), res.exitCode().orElse(null), res.exitStatus().orElse(null),
                s.ipAccounting() ? s.counters() : null);
    }

    @Override
    public EnableUnitReply enableUnit(CallContext ctx, UnitRequest r) {
        admitChange(ctx);
        List<UnitFileChange> changes = new ArrayList<>();
        Manager.Enabled enabled = run(() -> m().enable(r.name()));
        for (String made : enabled.links()) {
            String[] parts = made.split(" -> ", 2);
            changes.add(new UnitFileChange(UnitFileChangeType.SYMLINK, parts[0], parts.length > 1 ? parts[1] : null));
        }
        return new EnableUnitReply(enabled.carriesInstallInfo(), changes);
    }

    @Override
    public UnitFileChangesReply disableUnit(CallContext ctx, UnitRequest r) {
        admitChange(ctx);
        List<UnitFileChange> changes = new ArrayList<>();
        for (String removed : run(() -> m().disable(r.name()))) {
            changes.add(new UnitFileChange(UnitFileChangeType.UNLINK, removed, null));
        }
        return new UnitFileChangesReply(changes);
    }

    // ---- drop events (DropsApi) -------------------------------------------------------------

    @Override
    public GetDropsReply getDrops(CallContext ctx, DropsRequest r) {
        return DropsApi.get(daemon, r);
    }

    @Override
    public WatchDropsReply watchDrops(CallContext ctx, DropsRequest r, Replies<WatchDropsReply> replies) {
        return DropsApi.watch(daemon, r, replies);
    }

    // ---- streams ----------------------------------------------------------------------------

    @Override
    public SubscribeReply subscribe(CallContext ctx, SubscribeRequest r, Replies<SubscribeReply> replies) {
        Set<String> only = r.units() == null || r.units().isEmpty() ? Set.of() : Set.copyOf(r.units());
        long interval = r.counterIntervalMs() == null ? 0 : Math.max(100, r.counterIntervalMs());
        LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>(10_000);
        Object wake = new Object();
        Consumer<UnitChange> listener = s -> {
            if (only.isEmpty() || only.contains(s.name())) queue.offer(s);
        };
        m().addListener(listener);
        // A client that hangs up frees its stream slot at once, not at the next poll. (Not by
        // interrupting this thread: an interrupt during a channel write closes the channel
        // and cuts a reply in half.)
        replies.onCancel(() -> queue.offer(wake));
        try {
            List<UnitChange> initial = m().states().stream().filter(s -> only.isEmpty() || only.contains(s.name())).toList();
            replies.send(SubscribeReply.snapshot(nowMicros(), initial, interval > 0 ? samples(only) : null));
            long nextSample = System.nanoTime() + interval * 1_000_000;
            while (!replies.isCancelled()) {
                // Woken by a change, by the next sample's time, or by the token of a cancellation:
                // nothing else needs a look, so without samples there is no timeout at all.
                Object next = interval > 0
                        ? queue.poll(Math.max(1, (nextSample - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS)
                        : queue.take();
                if (next instanceof UnitChange s) {
                    List<UnitChange> changes = new ArrayList<>(List.of(s));
                    Object more;
                    while ((more = queue.poll()) != null) if (more instanceof UnitChange m) changes.add(m);
                    if (!replies.send(SubscribeReply.unitChange(nowMicros(), changes))) break;
                }
                if (interval > 0 && System.nanoTime() >= nextSample) {
                    if (!replies.send(new SubscribeReply(EventKind.COUNTERS, nowMicros(), null, samples(only)))) break;
                    nextSample += interval * 1_000_000;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            m().removeListener(listener);
        }
        return new SubscribeReply(EventKind.SNAPSHOT, nowMicros(), List.of(), List.of());
    }

    private List<CounterSample> samples(Set<String> only) {
        long ts = nowMicros();
        List<CounterSample> out = new ArrayList<>();
        m().counters(List.of()).forEach((name, c) -> {
            if (only.isEmpty() || only.contains(name)) {
                out.add(sample(name, c, ts));
            }
        });
        return out;
    }
}
