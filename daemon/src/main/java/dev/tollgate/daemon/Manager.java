package dev.tollgate.daemon;

import dev.tollgate.accounting.Accounting;
import dev.tollgate.accounting.Counters;
import dev.tollgate.accounting.UnitPolicy;
import dev.tollgate.cgroup.Cgroup;
import dev.tollgate.cgroup.CgroupException;
import dev.tollgate.cgroup.CgroupRoot;
import dev.tollgate.units.Diagnostic;
import dev.tollgate.units.InstallSection;
import dev.tollgate.units.LoadResult;
import dev.tollgate.units.ResourceControl;
import dev.tollgate.units.ServiceConfig;
import dev.tollgate.units.SliceConfig;
import dev.tollgate.units.UnitConfig;
import dev.tollgate.units.UnitFileState;
import dev.tollgate.units.UnitFileStates;
import dev.tollgate.units.UnitLoader;
import dev.tollgate.units.UnitName;
import dev.tollgate.units.UnitSection;
import dev.tollgate.units.UnitSources;
import dev.tollgate.units.UnitType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The unit registry and its jobs: loading units, starting them in dependency order, stopping,
 * reloading with only the differences applied, enabling, transient units, and handing
 * running units over across a daemon restart. Service life cycles are {@link ServiceRunner}'s.
 */
public final class Manager implements AutoCloseable {
    public static final UnitName DEFAULT_TARGET = UnitName.of("multi-user.target");

    /** What the manager works with. {@code accounting} is null where cgroup BPF is unavailable. */
    public record Context(UnitLoader loader, CgroupRoot root, Accounting accounting, String bpfOffReason,
                          boolean firewallMayRunUnfiltered, Path stateDir) {}

    /** A reload's outcome: units whose files are broken (their running configuration kept), and the changes made. */
    public record ReloadReport(List<Diagnostic> errors, List<String> changed) {}

    private final Context ctx;
    private final Map<UnitName, UnitRuntime> units = new ConcurrentHashMap<>();
    private final List<Consumer<UnitStatus>> listeners = new CopyOnWriteArrayList<>();
    private final ServiceRunner runner;
    private final StateFile stateFile;
    private final TransientFiles transientFiles;
    private final Set<String> warnedNoBpf = ConcurrentHashMap.newKeySet();
    /** Transient units being made now (see {@link #runTransient}). */
    private final Set<UnitName> makingTransient = ConcurrentHashMap.newKeySet();

    public Manager(Context ctx) {
        this.ctx = ctx;
        this.stateFile = new StateFile(ctx.stateDir().resolve("state.json"));
        this.transientFiles = new TransientFiles(ctx.stateDir());
        this.runner = new ServiceRunner(this, ctx);
    }

    Context context() {
        return ctx;
    }

    // ---- loading ----------------------------------------------------------------------------

    /** Loads every unit in the search path, and the slices they live in. Broken units are reported, the rest load. */
    public synchronized List<Diagnostic> loadAll() {
        List<Diagnostic> problems = new ArrayList<>();
        for (UnitName n : ctx.loader().unitFiles().keySet()) {
            if (n.isTemplate() || !(n.type() == UnitType.SERVICE || n.type() == UnitType.SLICE)) continue;
            problems.addAll(reload(runtime(n)));
        }
        ensureSlices();
        return problems;
    }

    private List<Diagnostic> reload(UnitRuntime u) {
        LoadResult r = u.isTransient && u.transientText != null
                ? ctx.loader().loadTransient(u.name.id(), u.transientText, transientFiles.path(u.name.id()))
                : ctx.loader().load(u.name.id());
        List<Diagnostic> out = new ArrayList<>();
        for (Diagnostic d : r.diagnostics()) {
            switch (d.severity()) {
                case ERROR -> {
                    Log.error("%s", d);
                    out.add(d);
                }
                case WARNING -> Log.warning("%s", d);
                default -> Log.debug("%s", d);
            }
        }
        synchronized (u) {
            u.load = r;
            if (r instanceof LoadResult.Loaded l && !u.state.isActiveOrActivating()) u.config = l.config();
            if (r instanceof LoadResult.Failed f) Log.error("%s: %s", u.name, f.reason());
        }
        return out;
    }

    UnitRuntime runtime(UnitName n) {
        return units.computeIfAbsent(n, UnitRuntime::new);
    }

    /** Every slice a loaded unit lives in exists, implicitly if it has no file (as systemd's). */
    private void ensureSlices() {
        for (UnitRuntime u : List.copyOf(units.values())) {
            UnitConfig c = u.config;
            Optional<UnitName> s = c == null ? Optional.empty() : c.parentSlice();
            while (s.isPresent()) {
                UnitRuntime slice = units.get(s.get());
                if (slice == null) {
                    slice = runtime(s.get());
                    reload(slice);
                    if (slice.load instanceof LoadResult.NotFound) slice.config = implicitSlice(s.get());
                }
                s = slice.config == null ? Optional.empty() : slice.config.parentSlice();
            }
        }
        if (ctx.accounting() != null) {
            Set<String> accounted = new HashSet<>();
            for (UnitRuntime u : units.values()) {
                if (u.config instanceof SliceConfig sc && sc.resources().ipAccounting()) accounted.add(sc.name().id());
            }
            ctx.accounting().retainSlices(accounted);
        }
    }

    static SliceConfig implicitSlice(UnitName name) {
        return new SliceConfig(name, UnitSection.EMPTY, ResourceControl.DEFAULTS, InstallSection.EMPTY,
                new UnitSources(Optional.empty(), List.of()));
    }

    /** The unit's slices, nearest first, ending with the root slice. */
    List<SliceConfig> sliceChain(UnitConfig c) {
        List<SliceConfig> chain = new ArrayList<>();
        Optional<UnitName> s = c.parentSlice();
        while (s.isPresent()) {
            UnitRuntime r = units.get(s.get());
            SliceConfig sc = r != null && r.config instanceof SliceConfig x ? x : implicitSlice(s.get());
            chain.add(sc);
            s = sc.parentSlice();
        }
        return chain;
    }

    Cgroup cgroupOf(UnitConfig c) {
        return switch (c) {
            case ServiceConfig s -> ctx.root().unit(s.name().id(), s.slice().id());
            case SliceConfig s -> ctx.root().slice(s.name().id());
            default -> throw new IllegalArgumentException("no cgroup for " + c.name());
        };
    }

    UnitPolicy policyOf(UnitConfig c) {
        return PolicyBuilder.build(c, cgroupOf(c).directory(), sliceChain(c), interfaceResolver);
    }

    /** "unit name" pairs warned about, so a status query does not repeat the warning of a start. */
    private final Set<String> warnedInterfaces = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Names resolved in the daemon's network namespace; an unknown one warned about once per unit, as systemd 257 words it. */
    private final PolicyBuilder.InterfaceResolver interfaceResolver = new PolicyBuilder.InterfaceResolver() {
        @Override
        public java.util.OptionalInt indexOf(String name) {
            java.util.OptionalInt i = PolicyBuilder.HOST.indexOf(name);
            if (i.isPresent()) warnedInterfaces.removeIf(k -> k.endsWith(" " + name));
            return i;
        }

        @Override
        public void unknown(String level, String name) {
            if (warnedInterfaces.add(level + " " + name)) {
                Log.warning("%s: restrict-interfaces: Couldn't find index of network interface '%s', ignoring: No such device",
                        level, name);
            }
        }
    };

    /** One warning per unit, not a flood, when cgroup BPF is unavailable. */
    void warnNoBpf(UnitRuntime u) {
        if (warnedNoBpf.add(u.name.id())) {
            Log.warning("%s: runs without IP accounting and firewall: %s", u.name, ctx.bpfOffReason());
        }
    }

    // ---- queries ----------------------------------------------------------------------------

    public Optional<UnitName> find(String name) {
        Optional<UnitName> n = UnitName.parse(name.contains(".") ? name : name + ".service");
        return n.filter(units::containsKey);
    }

    public List<UnitStatus> list() {
        List<UnitStatus> all = new ArrayList<>();
        for (UnitRuntime u : units.values()) all.add(status(u));
        all.sort(Comparator.comparing(UnitStatus::name));
        return all;
    }

    public Optional<UnitStatus> status(String name) {
        return find(name).map(units::get).map(this::status);
    }

    /**
     * The unit, loaded now if it is not yet and has a unit file (an instance: its template's),
     * as systemd loads a unit on first mention ({@code LoadUnit}): {@code status} of
     * {@code getty@tty1.service} shows it loaded and inactive before it ever ran. A name with
     * no file, a template's own name, or a slice that exists only by name is not found.
     *
     * <p>A unit loaded for a query is not kept: queries are open to every local user, and
     * keeping what they mention would let anyone grow the daemon without bound (one instance
     * per name asked for). systemd likewise collects an inactive unit nothing refers to.
     */
    public Optional<UnitStatus> statusLoading(String name) {
        Optional<UnitName> known = find(name);
        if (known.isPresent()) return known.map(units::get).map(this::status);
        return loadForQuery(name).map(this::status);
    }

    /** A unit that has a file but is not loaded, loaded on its own and not kept; empty otherwise. */
    private Optional<UnitRuntime> loadForQuery(String name) {
        Optional<UnitName> parsed = UnitName.parse(name.contains(".") ? name : name + ".service");
        if (parsed.isEmpty() || parsed.get().isTemplate()
                || (parsed.get().type() != UnitType.SERVICE && parsed.get().type() != UnitType.SLICE)) {
            return Optional.empty();
        }
        UnitRuntime fresh = new UnitRuntime(parsed.get());
        reload(fresh);
        boolean hasFile = switch (fresh.load) {
            case LoadResult.Loaded l -> l.config().sources().fragment().isPresent();
            case LoadResult.Masked m -> true;
            case LoadResult.Failed f -> true;
            case null, default -> false;
        };
        return hasFile ? Optional.of(fresh) : Optional.empty();
    }

    /**
     * The unit files on the search path with their states, and the transient units (state
     * transient), sorted as systemctl list-unit-files sorts them.
     */
    public List<UnitFileStates.Entry> unitFileStates() {
        List<UnitFileStates.Entry> out = new ArrayList<>(UnitFileStates.list(ctx.loader()));
        for (UnitRuntime u : units.values()) {
            UnitConfig c = u.config;
            if (u.isTransient && c != null) {
                out.add(new UnitFileStates.Entry(u.name, c.sources().fragment().orElse(null), UnitFileState.TRANSIENT));
            }
        }
        out.sort(UnitFileStates.ORDER);
        return out;
    }

    UnitStatus status(UnitRuntime u) {
        synchronized (u) {
            UnitConfig c = u.config;
            String loadState = switch (u.load) {
                case null -> c != null ? "loaded" : "not-found";
                case LoadResult.Loaded l -> "loaded";
                case LoadResult.Masked m -> "masked";
                case LoadResult.NotFound nf -> c != null ? "loaded" : "not-found";
                case LoadResult.Failed f -> "bad-setting";
            };
            String loadError = u.load instanceof LoadResult.Failed f ? f.reason() : "";
            List<String> allow = List.of();
            List<String> deny = List.of();
            boolean accounting = false;
            boolean delegate = false;
            String interfaces = null;
            boolean restrictsInterfaces = false;
            String slice = "";
            String cgroup = "";
            if (c != null) {
                List<SliceConfig> chain = sliceChain(c);
                allow = PolicyBuilder.effectiveAllow(c, chain).entries().stream().map(Object::toString).toList();
                deny = PolicyBuilder.effectiveDeny(c, chain).entries().stream().map(Object::toString).toList();
                accounting = c.resources().ipAccounting();
                delegate = c.resources().delegate().enabled();
                interfaces = c.resources().restrictNetworkInterfaces().text();
                restrictsInterfaces = c.resources().restrictNetworkInterfaces().restricts()
                        || chain.stream().anyMatch(x -> x.resources().restrictNetworkInterfaces().restricts());
                slice = c.parentSlice().map(UnitName::id).orElse("");
                if (c instanceof ServiceConfig || c instanceof SliceConfig) {
                    cgroup = "/" + ctx.root().cgroup().mountPoint().relativize(cgroupOf(c).directory());
                }
            }
            Optional<Counters> counters = Optional.empty();
            if (ctx.accounting() != null) {
                counters = c instanceof SliceConfig ? ctx.accounting().sliceCounters(u.name.id())
                        : ctx.accounting().unitCounters(u.name.id());
            }
            if (counters.isEmpty() && u.lastCounters != null) counters = Optional.of(u.lastCounters);
            Optional<Counters> traffic = accounting ? counters : Optional.empty();
            Optional<Counters> dropped = counters.filter(x -> u.hasDatapath || u.lastCounters != null);
            List<Long> pids = List.of();
            if (c != null && u.state != ActiveState.INACTIVE) {
                try {
                    Cgroup cg = cgroupOf(c);
                    if (cg.exists()) pids = cg.subtreeProcesses();
                } catch (CgroupException | RuntimeException e) {
                    pids = List.of();
                }
            }
            ActiveState state = u.state;
            String sub = u.subState;
            if (c instanceof SliceConfig && c != null) {
                boolean exists = cgroupOf(c).exists();
                state = exists ? ActiveState.ACTIVE : ActiveState.INACTIVE;
                sub = exists ? "active" : "dead";
            }
            return new UnitStatus(u.name.id(), u.name.type().name().toLowerCase(java.util.Locale.ROOT),
                    c == null ? u.name.id() : c.unit().description().orElse(u.name.id()), loadState, loadError, state, sub, u.mainPid, pids,
                    cgroup, slice, micros(u.activeEnter), micros(u.stateChange), accounting, allow, deny,
                    ctx.accounting() == null ? "none" : ctx.accounting().mode().configName(), delegate, traffic, dropped,
                    u.result, u.execMainPid, Optional.ofNullable(u.exitCode), Optional.ofNullable(u.exitSignal), u.failure,
                    u.accountingNote,
                    isEnabled(u.name), c == null ? "" : c.sources().fragment().map(Path::toString).orElse(""),
                    c == null ? List.of() : c.sources().dropIns().stream().map(Path::toString).toList(), u.isTransient,
                    interfaces, restrictsInterfaces);
        }
    }

    private static long micros(Instant i) {
        return i == null ? 0 : i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
    }

    /** Counters of the named units and slices (all with counters when {@code names} is empty). */
    public Map<String, Counters> counters(Collection<String> names) {
        Map<String, Counters> out = new LinkedHashMap<>();
        if (ctx.accounting() == null) return out;
        if (names.isEmpty()) return ctx.accounting().allCounters();
        for (String n : names) {
            UnitName u = find(n).orElseThrow(() -> new ManagerException(ManagerException.Kind.NO_SUCH_UNIT, n, "Unit " + n + " not loaded."));
            Optional<Counters> c = u.type() == UnitType.SLICE ? ctx.accounting().sliceCounters(u.id())
                    : ctx.accounting().unitCounters(u.id());
            c.ifPresent(x -> out.put(u.id(), x));
        }
        return out;
    }

    /**
     * Which of a unit's counters are its figures to show, as show and status treat them: the
     * traffic only with IPAccounting=yes (without it the program still counts, for its slices,
     * but systemd has no data to show), the dropped figures when an IP firewall applies. A
     * slice has counters only when it is accounted.
     */
    public record CounterView(boolean traffic, boolean dropped) {
        public boolean any() {
            return traffic || dropped;
        }
    }

    public CounterView counterView(String name) {
        Optional<UnitConfig> c = find(name).flatMap(this::configOf);
        if (c.isEmpty()) return new CounterView(false, false);
        if (c.get() instanceof SliceConfig) return new CounterView(c.get().resources().ipAccounting(), false);
        UnitPolicy p = policyOf(c.get());
        return new CounterView(c.get().resources().ipAccounting(), p.firewall() || p.restrictsInterfaces());
    }

    /** The configuration a unit runs with (or would start with). */
    public Optional<UnitConfig> configOf(UnitName n) {
        return Optional.ofNullable(units.get(n)).flatMap(UnitRuntime::config);
    }

    /** The unit text a transient unit was made from. */
    public Optional<String> transientText(String name) {
        return find(name).map(units::get).filter(u -> u.isTransient).map(u -> u.transientText);
    }

    public void addListener(Consumer<UnitStatus> l) {
        listeners.add(l);
    }

    public void removeListener(Consumer<UnitStatus> l) {
        listeners.remove(l);
    }

    void changed(UnitRuntime u) {
        saveState();
        if (listeners.isEmpty()) return;
        UnitStatus s = status(u);
        for (Consumer<UnitStatus> l : listeners) {
            try {
                l.accept(s);
            } catch (RuntimeException e) {
                Log.debug("listener failed: %s", e);
            }
        }
    }

    // ---- jobs -------------------------------------------------------------------------------

    private UnitRuntime loadedService(String name) {
        UnitName n = UnitName.parse(name.contains(".") ? name : name + ".service")
                .orElseThrow(() -> new ManagerException(ManagerException.Kind.BAD_REQUEST, name, "Unit name " + name + " is not valid."));
        UnitRuntime u = units.get(n);
        if (u == null) {
            u = runtime(n);
            reload(u);
            synchronized (this) {
                ensureSlices();
            }
        }
        if (u.load instanceof LoadResult.Masked) {
            throw new ManagerException(ManagerException.Kind.UNIT_MASKED, n.id(), "Unit " + n + " is masked.");
        }
        if (u.config == null) {
            if (u.load instanceof LoadResult.Failed f) {
                // A unit with a bad setting stays listed (load state bad-setting), as in systemd.
                throw new ManagerException(ManagerException.Kind.INVALID_UNIT, n.id(), f.reason(), null, f.diagnostics());
            }
            if (!u.isTransient && u.state == ActiveState.INACTIVE) units.remove(n, u);
            throw new ManagerException(ManagerException.Kind.NO_SUCH_UNIT, n.id(), "Unit " + n + " not found.");
        }
        return u;
    }

    /** Starts a unit and what it requires and wants, in order; returns when the unit's start job has finished. */
    public UnitStatus start(String name) {
        return status(startJob(name));
    }

    private UnitRuntime startJob(String name) {
        UnitRuntime u = loadedService(name);
        for (UnitRuntime dep : startOrder(u)) {
            boolean required = requires(u, dep);
            try {
                startOne(dep);
            } catch (ManagerException e) {
                if (required) {
                    throw new ManagerException(ManagerException.Kind.UNIT_FAILED, u.name.id(),
                            "Dependency failed for " + u.name + ": " + e.getMessage());
                }
                Log.warning("%s (wanted by %s) failed to start: %s", dep.name, u.name, e.getMessage());
            }
        }
        startOne(u);
        return u;
    }

    private void startOne(UnitRuntime u) {
        if (u.config instanceof SliceConfig sc) {
            try {
                cgroupOf(sc).create();
            } catch (CgroupException e) {
                throw new ManagerException(ManagerException.Kind.UNIT_FAILED, u.name.id(), e.getMessage());
            }
            return;
        }
        runner.start(u);
    }

    private boolean requires(UnitRuntime u, UnitRuntime dep) {
        return u.config.unit().requires().contains(dep.name);
    }

    /** Requires= and Wants= of the unit, transitively, ordered by After=/Before= (dependencies first). */
    private List<UnitRuntime> startOrder(UnitRuntime root) {
        LinkedHashSet<UnitRuntime> closure = new LinkedHashSet<>();
        collect(root, closure, new HashSet<>());
        closure.remove(root);
        List<UnitRuntime> ordered = new ArrayList<>();
        Set<UnitRuntime> done = new HashSet<>();
        for (UnitRuntime u : closure) order(u, closure, done, new HashSet<>(), ordered);
        return ordered;
    }

    private void collect(UnitRuntime u, Set<UnitRuntime> out, Set<UnitName> seen) {
        if (!seen.add(u.name) || u.config == null) return;
        out.add(u);
        List<UnitName> deps = new ArrayList<>(u.config.unit().requires());
        deps.addAll(u.config.unit().wants());
        for (UnitName d : deps) {
            if (d.type() != UnitType.SERVICE && d.type() != UnitType.SLICE) continue;
            try {
                collect(loadedService(d.id()), out, seen);
            } catch (ManagerException e) {
                Log.warning("%s: dependency %s: %s", u.name, d, e.getMessage());
            }
        }
    }

    private void order(UnitRuntime u, Set<UnitRuntime> within, Set<UnitRuntime> done, Set<UnitRuntime> visiting,
                       List<UnitRuntime> out) {
        if (done.contains(u)) return;
        if (!visiting.add(u)) {
            Log.warning("ordering cycle at %s; ignoring the rest of the cycle", u.name);
            return;
        }
        for (UnitRuntime other : within) {
            if (other == u) continue;
            boolean uAfterOther = u.config.unit().after().contains(other.name) || other.config.unit().before().contains(u.name);
            if (uAfterOther) order(other, within, done, visiting, out);
        }
        done.add(u);
        out.add(u);
    }

    /** Stops a unit, and first the running units that require it. */
    public UnitStatus stop(String name) {
        UnitName n = find(name).orElseThrow(() -> new ManagerException(ManagerException.Kind.NO_SUCH_UNIT, name, "Unit " + name + " not loaded."));
        UnitRuntime u = units.get(n);
        for (UnitRuntime other : units.values()) {
            if (other != u && other.config != null && other.config.unit().requires().contains(n)
                    && other.state.isActiveOrActivating()) {
                runner.stop(other, "success");
            }
        }
        if (u.config instanceof SliceConfig sc) {
            List<String> members = units.values().stream()
                    .filter(m -> m.config != null && m.config.parentSlice().filter(n::equals).isPresent() && m.state.isActiveOrActivating())
                    .map(m -> m.name.id()).toList();
            // The members' stop jobs are independent: they run at once, as systemd runs them.
            try (var pool = jobPool("stop-", members.size())) {
                for (String m : members) {
                    pool.submit(() -> {
                        try {
                            stop(m);
                        } catch (RuntimeException e) {
                            Log.warning("%s: %s", m, e.getMessage());
                        }
                    });
                }
            }
            try {
                cgroupOf(sc).remove();
            } catch (CgroupException e) {
                Log.warning("%s: %s", n, e.getMessage());
            }
            return status(u);
        }
        runner.stop(u, "success");
        return status(u);
    }

    public UnitStatus restart(String name) {
        UnitRuntime u = loadedService(name);
        if (u.state.isActiveOrActivating()) runner.stop(u, "success");
        // A restart picks up the current unit file, as systemd's does after daemon-reload.
        synchronized (u) {
            if (u.load instanceof LoadResult.Loaded l) u.config = l.config();
        }
        return start(name);
    }

    /**
     * Re-reads every unit file and applies the differences to running units: new address
     * lists, accounting or slice settings become an atomic swap on the unit's programs,
     * counters kept. Commands and credentials take effect at the next start, as in systemd. A
     * unit whose file is now broken keeps its running configuration; the error is reported.
     */
    public synchronized ReloadReport reload() {
        List<Diagnostic> errors = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        forgetEnabled();
        Map<UnitName, UnitConfig> before = new LinkedHashMap<>();
        units.forEach((n, u) -> before.put(n, u.config));
        for (UnitName n : ctx.loader().unitFiles().keySet()) {
            if (!n.isTemplate() && (n.type() == UnitType.SERVICE || n.type() == UnitType.SLICE)) runtime(n);
        }
        for (UnitRuntime u : units.values()) {
            errors.addAll(reload(u));
            synchronized (u) {
                if (u.load instanceof LoadResult.Loaded l) {
                    u.config = l.config();
                } else if (u.config != null && !(u.load instanceof LoadResult.Failed) && !u.state.isActiveOrActivating()
                        && !(u.config instanceof SliceConfig && u.load instanceof LoadResult.NotFound)) {
                    u.config = null;
                }
                if (u.config == null && u.name.type() == UnitType.SLICE && u.load instanceof LoadResult.NotFound) {
                    u.config = implicitSlice(u.name);
                }
            }
        }
        ensureSlices();
        for (UnitRuntime u : units.values()) {
            if (!(u.config instanceof ServiceConfig) || !u.state.isActiveOrActivating() || !u.hasDatapath) continue;
            UnitConfig old = before.get(u.name);
            if (old == null) continue;
            UnitPolicy next = policyOf(u.config);
            UnitPolicy current = ctx.accounting().unit(u.name.id()).map(d -> d.applied()).orElse(null);
            if (next.equals(current)) continue;
            try {
                ctx.accounting().update(next);
                changed.add(u.name.id());
                Log.info("%s: network policy updated", u.name);
            } catch (RuntimeException e) {
                if (ctx.accounting().unit(u.name.id()).isEmpty()) {
                    // The unit stopped while this reload ran (its datapath goes before its state
                    // changes): there is nothing to update, and its next start reads the new file.
                    Log.debug("%s: stopped during the reload: %s", u.name, e.getMessage());
                    continue;
                }
                Log.error("%s: cannot apply the new policy, keeping the old one: %s", u.name, e.getMessage());
                errors.add(Diagnostic.ofFile(dev.tollgate.units.Severity.ERROR,
                        u.config.sources().fragment().orElse(Path.of(u.name.id())), null, e.getMessage()));
            }
        }
        saveState();
        return new ReloadReport(errors, changed);
    }

    // ---- enable / disable -------------------------------------------------------------------

    private Path configDir() {
        return ctx.loader().searchPath().getFirst();
    }

    private volatile Set<UnitName> enabled;

    /** Whether the default target wants or requires the unit (the links are read once per change). */
    public boolean isEnabled(UnitName n) {
        Set<UnitName> e = enabled;
        if (e == null) {
            long generation = linksGenerationNow();
            Set<UnitName> fresh = new HashSet<>(ctx.loader().wants(DEFAULT_TARGET));
            fresh.addAll(ctx.loader().requires(DEFAULT_TARGET));
            Set<UnitName> read = Set.copyOf(fresh);
            keepIfCurrent(generation, () -> enabled = read);
            e = read;
        }
        return e.contains(n);
    }

    /**
     * Counts the changes of the links on disk: a reader that began before a change (and so may
     * have read the old links) must not store what it read after the change forgot the cache,
     * or the old state would be shown until the next change.
     */
    private long linksGeneration;
    private final Object linksLock = new Object();

    private long linksGenerationNow() {
        synchronized (linksLock) {
            return linksGeneration;
        }
    }

    private void keepIfCurrent(long readAt, Runnable store) {
        synchronized (linksLock) {
            if (linksGeneration == readAt) store.run();
        }
    }

    private void forgetEnabled() {
        synchronized (linksLock) {
            linksGeneration++;
            enabled = null;
            fileStates = null;
        }
    }

    /**
     * The search path's links as read once per change (enable, disable, reload), and the states
     * worked out from them; replaced as a whole, so that no state read from old links outlives
     * a change.
     */
    private record FileStates(UnitFileStates links, Map<UnitName, UnitFileState> states) {}

    private volatile FileStates fileStates;

    /**
     * The unit's UnitFileState= as systemctl shows it (enabled, disabled, static, indirect,
     * masked, transient, ...), worked out as list-unit-files does; empty when it is not loaded.
     */
    public Optional<String> unitFileState(String name) {
        Optional<UnitRuntime> found = find(name).map(units::get);
        if (found.isEmpty()) return Optional.empty();
        UnitRuntime u = found.get();
        if (u.isTransient) return Optional.of(UnitFileState.TRANSIENT.spelling());
        if (u.load instanceof LoadResult.Masked) return Optional.of(UnitFileState.MASKED.spelling());
        UnitConfig c = u.config;
        Optional<Path> file = c == null ? Optional.empty() : c.sources().fragment();
        if (file.isEmpty()) {
            // A slice that exists only by name, or a unit whose file went away.
            return Optional.of(u.name.type() == UnitType.SLICE ? UnitFileState.STATIC.spelling()
                    : isEnabled(u.name) ? UnitFileState.ENABLED.spelling() : UnitFileState.DISABLED.spelling());
        }
        FileStates cache = fileStates;
        if (cache == null) {
            long generation = linksGenerationNow();
            FileStates fresh = new FileStates(UnitFileStates.of(ctx.loader()), new ConcurrentHashMap<>());
            keepIfCurrent(generation, () -> fileStates = fresh);
            cache = fresh;
        }
        UnitFileStates links = cache.links();
        return Optional.of(cache.states().computeIfAbsent(u.name, n -> links.stateOf(n, file.get())).spelling());
    }

    /**
     * What enabling did: the links made ({@code LINK -> TARGET}), and whether the unit has an
     * [Install] section at all (systemd's {@code carries_install_info}; without one nothing is
     * made and systemctl explains why, successfully).
     */
    public record Enabled(boolean carriesInstallInfo, List<String> links) {}

    /** Creates the unit's [Install] links in the first search directory. */
    public Enabled enable(String name) {
        UnitRuntime u = loadedService(name);
        InstallSection install = u.config instanceof ServiceConfig s ? s.install()
                : u.config instanceof SliceConfig sl ? sl.install() : InstallSection.EMPTY;
        Path file = u.config.sources().fragment().orElseThrow(() ->
                new ManagerException(ManagerException.Kind.BAD_REQUEST, name, "Unit " + u.name + " has no unit file to enable."));
        if (install.isEmpty()) {
            Log.info("enable %s: no [Install] section, nothing to do", u.name);
            return new Enabled(false, List.of());
        }
        List<String> made = new ArrayList<>();
        for (var link : install.enableLinks(configDir(), u.name, file)) {
            try {
                Files.createDirectories(link.link().getParent());
                if (Files.isSymbolicLink(link.link())) Files.delete(link.link());
                Files.createSymbolicLink(link.link(), link.target());
                made.add(link.link() + " -> " + link.target());
            } catch (IOException e) {
                throw new ManagerException(ManagerException.Kind.BAD_REQUEST, u.name.id(), "cannot create " + link.link() + ": " + e);
            }
        }
        forgetEnabled();
        Log.info("enabled %s: %s", u.name, String.join(", ", made));
        return new Enabled(true, made);
    }

    /** Removes the unit's links from every search directory it can write to. */
    public List<String> disable(String name) {
        UnitName n = UnitName.parse(name.contains(".") ? name : name + ".service")
                .orElseThrow(() -> new ManagerException(ManagerException.Kind.BAD_REQUEST, name, "Unit name " + name + " is not valid."));
        if (!ctx.loader().unitFiles().containsKey(n) && !units.containsKey(n)) {
            throw new ManagerException(ManagerException.Kind.NO_SUCH_UNIT, n.id(), "Unit file " + n + " does not exist.");
        }
        List<String> removed = new ArrayList<>();
        forgetEnabled();
        for (Path dir : ctx.loader().searchPath()) {
            if (!Files.isDirectory(dir)) continue;
            try (var s = Files.newDirectoryStream(dir, p -> p.getFileName().toString().endsWith(".wants")
                    || p.getFileName().toString().endsWith(".requires"))) {
                for (Path d : s) {
                    Path link = d.resolve(n.id());
                    if (Files.isSymbolicLink(link)) {
                        Files.delete(link);
                        removed.add(link.toString());
                    }
                }
            } catch (IOException e) {
                Log.warning("disable %s: %s", n, e);
            }
        }
        return removed;
    }

    // ---- transient units --------------------------------------------------------------------

    /** What a transient run produced. */
    public record RunResult(String unit, Optional<Integer> exitStatus, UnitStatus status) {
        /** exited or killed (systemd's ExecMainCode=), once the command ended. */
        public Optional<String> exitCode() {
            return status.exitSignal().map(x -> "killed").or(() -> status.exitCode().map(x -> "exited"));
        }
    }

    /**
     * Runs {@code command} as a transient service with {@code properties} (as systemd-run -p):
     * the unit text is made from them, loaded like a unit file, and started.
     */
    public RunResult runTransient(Optional<String> unitName, Optional<String> slice, Optional<String> description,
                                  List<String> properties, List<String> command, boolean wait) {
        if (command.isEmpty()) throw new ManagerException(ManagerException.Kind.BAD_REQUEST, "", "No command given.");
        String name = unitName.map(n -> n.contains(".") ? n : n + ".service")
                .orElse("run-r" + Long.toHexString(System.nanoTime()) + ".service");
        UnitName n = UnitName.parse(name).orElseThrow(() ->
                new ManagerException(ManagerException.Kind.BAD_REQUEST, name, "Unit name " + name + " is not valid."));
        // One call at a time makes a given transient unit: a second one, racing the first between
        // this check and its start, would otherwise pass the check too, rewrite the first's text
        // and file, and report the first's command as its own (systemd refuses it: UnitExists).
        if (!makingTransient.add(n)) {
            throw new ManagerException(ManagerException.Kind.UNIT_EXISTS, n.id(), "Unit " + n + " already exists.");
        }
        UnitRuntime u;
        try {
            u = makeTransient(n, slice, description, properties, command);
        } finally {
            makingTransient.remove(n);
        }
        Optional<Integer> exit = Optional.empty();
        if (wait) {
            while (true) {
                UnitStatus s = status(u);
                if (!(s.activeState() == ActiveState.ACTIVE && !"exited".equals(s.subState()))
                        && s.activeState() != ActiveState.ACTIVATING && s.activeState() != ActiveState.DEACTIVATING) {
                    // The exit status, or the signal number when killed (ExecMainStatus=).
                    exit = Optional.ofNullable(u.exitCode).or(() -> Optional.ofNullable(u.exitSignal));
                    break;
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        return new RunResult(n.id(), exit, status(u));
    }

    /** The transient unit's text, file and configuration, and its start; the caller holds the name. */
    private UnitRuntime makeTransient(UnitName n, Optional<String> slice, Optional<String> description,
                                      List<String> properties, List<String> command) {
        UnitRuntime existing = units.get(n);
        if ((existing != null && (existing.state.isActiveOrActivating() || !existing.isTransient))
                || ctx.loader().unitFiles().containsKey(n)) {
            throw new ManagerException(ManagerException.Kind.UNIT_EXISTS, n.id(), "Unit " + n + " already exists.");
        }
        // The description is the client's (tollctl run makes one up, as systemd-run does); without
        // one the unit has none, and its name stands for it.
        Optional<UnitName> sliceName = Optional.empty();
        if (slice.isPresent()) {
            String s = slice.get().endsWith(".slice") ? slice.get() : slice.get() + ".slice";
            sliceName = UnitName.parse(s).filter(x -> x.type() == UnitType.SLICE);
            if (sliceName.isEmpty()) {
                throw new ManagerException(ManagerException.Kind.BAD_REQUEST, n.id(), "Slice name " + slice.get() + " is not valid.");
            }
        }
        StringBuilder text = new StringBuilder("[Unit]\n");
        description.ifPresent(d -> text.append("Description=").append(oneLine(d)).append('\n'));
        text.append("[Service]\n");
        sliceName.ifPresent(s -> text.append("Slice=").append(s.id()).append('\n'));
        for (String p : properties) {
            if (!p.contains("=")) throw new ManagerException(ManagerException.Kind.BAD_REQUEST, n.id(), "Property '" + p + "' is not KEY=VALUE.");
            text.append(oneLine(p)).append('\n');
        }
        text.append("ExecStart=");
        for (String a : command) text.append(quote(a)).append(' ');
        text.append('\n');
        UnitRuntime u = runtime(n);
        u.isTransient = true;
        u.transientText = text.toString();
        try {
            transientFiles.write(n.id(), u.transientText);
        } catch (IOException e) {
            units.remove(n);
            throw new ManagerException(ManagerException.Kind.UNIT_FAILED, n.id(), "cannot write the transient unit file: " + e.getMessage());
        }
        List<Diagnostic> errors = reload(u);
        if (!(u.load instanceof LoadResult.Loaded)) {
            units.remove(n);
            transientFiles.remove(n.id());
            String why = u.load instanceof LoadResult.Failed f ? f.reason() : "cannot load";
            throw new ManagerException(ManagerException.Kind.INVALID_UNIT, n.id(), why
                    + (errors.isEmpty() ? "" : " " + errors.stream().map(Object::toString).toList()));
        }
        synchronized (this) {
            ensureSlices();
        }
        u.config = ((LoadResult.Loaded) u.load).config();
        start(n.id());
        return u;
    }

    /**
     * A client's text as one line of the unit text: the unit file syntax ends a line at CR and
     * NUL as well as at LF, so any of them would let a description or a property value start
     * a directive (or a section) of its own.
     */
    private static String oneLine(String s) {
        return s.replace('\n', ' ').replace('\r', ' ').replace('\0', ' ');
    }

    /** One ExecStart= word that reads back as {@code arg}: C escapes for quotes, backslashes and control characters. */
    private static String quote(String arg) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : arg.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                case '%' -> b.append("%%");
                case '$' -> b.append("$$");
                default -> {
                    if (c < 0x20 || c == 0x7f) b.append(String.format("\\x%02x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }

    // ---- start-up, state, shutdown ----------------------------------------------------------

    /**
     * Up to 16 jobs at once. Platform threads, not virtual ones: a job spends its time in native
     * calls (bpf(2), posix_spawn and its hand-over, cgroup writes), which pin a virtual thread's
     * carrier, so virtual jobs would run only as many at once as there are cores.
     */
    private static java.util.concurrent.ExecutorService jobPool(String name, int jobs) {
        return java.util.concurrent.Executors.newFixedThreadPool(Math.min(16, Math.max(1, jobs)),
                Thread.ofPlatform().daemon().name(name, 0).factory());
    }

    /**
     * Starts what the default target wants and is not running yet. Units are started in waves:
     * a unit ordered After= another wanted unit waits for that one's wave; units of one wave
     * start in parallel, as systemd runs independent jobs at once.
     */
    public void startDefaultTarget() {
        LinkedHashSet<UnitName> wanted = new LinkedHashSet<>(ctx.loader().requires(DEFAULT_TARGET));
        wanted.addAll(ctx.loader().wants(DEFAULT_TARGET));
        Map<UnitName, Integer> wave = new LinkedHashMap<>();
        Map<UnitName, Set<UnitName>> after = orderingWithin(wanted);
        for (UnitName n : wanted) waveOf(n, after, wave, new HashSet<>());
        int waves = wave.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        for (int w = 0; w < waves; w++) {
            final int current = w;
            List<UnitName> now = wave.entrySet().stream().filter(e -> e.getValue() == current).map(Map.Entry::getKey).toList();
            try (var pool = jobPool("start-", now.size())) {
                for (UnitName n : now) {
                    pool.submit(() -> {
                        UnitRuntime u = units.get(n);
                        if (u != null && u.state.isActiveOrActivating()) return;
                        try {
                            startJob(n.id());
                        } catch (ManagerException e) {
                            Log.error("%s: %s", n, e.getMessage());
                        } catch (RuntimeException e) {
                            Log.error("%s: %s", n, e);
                        }
                    });
                }
            }
        }
    }

    private int waveOf(UnitName n, Map<UnitName, Set<UnitName>> after, Map<UnitName, Integer> wave, Set<UnitName> visiting) {
        Integer known = wave.get(n);
        if (known != null) return known;
        if (!visiting.add(n)) return 0;
        int level = 0;
        for (UnitName other : after.getOrDefault(n, Set.of())) level = Math.max(level, waveOf(other, after, wave, visiting) + 1);
        wave.put(n, level);
        return level;
    }

    /** For each wanted unit, the wanted units it is ordered after (After= on it, Before= on the other). */
    private Map<UnitName, Set<UnitName>> orderingWithin(Set<UnitName> wanted) {
        Map<UnitName, Set<UnitName>> after = new java.util.HashMap<>();
        for (UnitName n : wanted) {
            UnitRuntime u = units.get(n);
            if (u == null || u.config == null) continue;
            for (UnitName a : u.config.unit().after()) {
                if (wanted.contains(a) && !a.equals(n)) after.computeIfAbsent(n, k -> new HashSet<>()).add(a);
            }
            for (UnitName b : u.config.unit().before()) {
                if (wanted.contains(b) && !b.equals(n)) after.computeIfAbsent(b, k -> new HashSet<>()).add(n);
            }
        }
        return after;
    }

    void saveState() {
        stateFile.saveSoon(units::values);
    }

    /** Takes over the units a previous tollgated left running (after a crash or an upgrade). */
    public void adoptFromState() {
        List<StateFile.Entry> entries = new ArrayList<>(stateFile.load());
        // Services running in their cgroups that the state file does not name (a crash inside
        // its write window) are taken over too, rather than started a second time.
        Set<String> named = new HashSet<>();
        entries.forEach(e -> named.add(e.name()));
        for (UnitRuntime u : List.copyOf(units.values())) {
            if (!(u.config instanceof ServiceConfig c) || named.contains(u.name.id())) continue;
            try {
                Cgroup cg = cgroupOf(c);
                if (cg.exists() && cg.isPopulated()) {
                    entries.add(new StateFile.Entry(u.name.id(), "active", "running", 0, 0, "success", null));
                }
            } catch (CgroupException ex) {
                Log.debug("%s: %s", u.name, ex.getMessage());
            }
        }
        for (StateFile.Entry e : entries) {
            Optional<UnitName> n = UnitName.parse(e.name());
            if (n.isEmpty()) continue;
            UnitRuntime u = runtime(n.get());
            if (e.transientText() != null) {
                u.isTransient = true;
                u.transientText = e.transientText();
                try {
                    transientFiles.write(u.name.id(), u.transientText);
                } catch (IOException ex) {
                    Log.warning("%s: cannot write its transient unit file: %s", u.name, ex.getMessage());
                }
                reload(u);
            }
            if (u.config == null) {
                Log.warning("%s was running but cannot be loaded now; leaving its processes alone", n.get());
                continue;
            }
            synchronized (this) {
                ensureSlices();
            }
            runner.adopt(u, e);
        }
        Accounting acc = ctx.accounting();
        if (acc != null) {
            Set<String> running = new HashSet<>();
            units.values().stream().filter(u -> u.hasDatapath).forEach(u -> running.add(u.name.id()));
            for (String stale : acc.removeStale(running)) Log.info("removed stale pins of %s", stale);
        }
        // Transient units that were not running when the last daemon stopped are gone, and their files with them.
        Set<String> transients = new HashSet<>();
        units.values().stream().filter(u -> u.isTransient).forEach(u -> transients.add(u.name.id()));
        transientFiles.removeAllBut(transients);
        saveState();
    }

    /** Stops every running service (dependents first) or, for an upgrade, only lets go of them. */
    public void shutdown(boolean stopUnits) {
        if (stopUnits) {
            List<UnitRuntime> running = units.values().stream()
                    .filter(u -> u.config instanceof ServiceConfig && u.state != ActiveState.INACTIVE && u.state != ActiveState.FAILED)
                    .toList();
            // The reverse of the start order, as systemd stops: a unit ordered After= another
            // stops before it; units of one wave stop in parallel.
            Set<UnitName> names = new LinkedHashSet<>();
            running.forEach(u -> names.add(u.name));
            Map<UnitName, Integer> wave = new LinkedHashMap<>();
            Map<UnitName, Set<UnitName>> after = orderingWithin(names);
            for (UnitName n : names) waveOf(n, after, wave, new HashSet<>());
            int waves = wave.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
            for (int w = waves - 1; w >= 0; w--) {
                final int current = w;
                List<Thread> stops = new ArrayList<>();
                for (UnitRuntime u : running) {
                    if (wave.get(u.name) != current) continue;
                    stops.add(Thread.ofVirtual().start(() -> {
                        try {
                            runner.stop(u, "success");
                        } catch (RuntimeException e) {
                            Log.error("%s: %s", u.name, e.getMessage());
                        }
                    }));
                }
                for (Thread t : stops) {
                    try {
                        t.join();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
            // Slices last, children before parents.
            List<UnitRuntime> slices = units.values().stream().filter(u -> u.config instanceof SliceConfig)
                    .sorted(Comparator.comparingInt((UnitRuntime u) -> u.name.id().length()).reversed()).toList();
            for (UnitRuntime s : slices) {
                try {
                    Cgroup cg = cgroupOf(s.config);
                    if (cg.exists() && !cg.equals(ctx.root().cgroup())) cg.remove();
                } catch (CgroupException | RuntimeException e) {
                    Log.debug("%s: %s", s.name, e.getMessage());
                }
            }
            stateFile.flush(List.of());
            stateFile.delete();
            transientFiles.removeAllBut(Set.of());
        } else {
            runner.releaseAll(units.values());
            stateFile.flush(units.values());
        }
    }

    @Override
    public void close() {
        runner.close();
    }
}
