package dev.tollgate.daemon;

import dev.tollgate.accounting.Accounting;
import dev.tollgate.accounting.CounterSums;
import dev.tollgate.api.ActiveState;
import dev.tollgate.api.SystemState;
import dev.tollgate.api.UnitChange;
import dev.tollgate.api.UnitInfo;
import dev.tollgate.cgroup.CgroupException;
import dev.tollgate.cgroup.CgroupRoot;
import dev.tollgate.units.LogLevel;
import dev.tollgate.units.SliceConfig;
import dev.tollgate.units.UnitConfig;
import dev.tollgate.units.UnitFileDiagnostic;
import dev.tollgate.units.UnitFileStates;
import dev.tollgate.units.UnitLoader;
import dev.tollgate.units.UnitName;
import dev.tollgate.units.UnitSuffix;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The manager as the API, the metrics and the daemon see it. Requests become events on the
 * {@link ManagerLoop} and wait for their job's outcome; queries read the published snapshot
 * and never wait. The work is done by the classes named after their concern: {@link UnitLoading}
 * (loading and daemon-reload), {@link Jobs} (jobs and ordering), {@link ServiceLifecycle} (a
 * service's states), {@link InstallLinks} (enable/disable), {@link TransientUnits},
 * {@link Adoption}, {@link BootAndShutdown} and {@link StatusProjection}.
 */
public final class Manager implements AutoCloseable {
    public static final UnitName DEFAULT_TARGET = UnitName.of("multi-user.target");

    /** What the manager works with. {@code accounting} is null where cgroup BPF is unavailable. */
    public record Context(UnitLoader loader, CgroupRoot root, Accounting accounting, String bpfOffReason,
                          boolean firewallMayRunUnfiltered, Path stateDir) {}

    /** A reload's outcome: units whose files are broken (their running configuration kept), and the changes made. */
    public record ReloadReport(List<UnitFileDiagnostic> errors, List<String> changed) {}

    /** What the manager is built from: the real kernel's layers in the daemon, fakes in tests. */
    record Layers(UnitLoader loader, ProcessLauncher launcher, CgroupOps cgroups, Datapath datapath, Timers timers,
                  ManagerLoop loop, AutoCloseable pool, Executor work, Executor spawns, Executor waits, Executor notifier, Path stateDir,
                  boolean firewallMayRunUnfiltered, PolicyBuilder.InterfaceResolver interfaces) {}

    private final Layers layers;
    private final ManagerLoop loop;
    private final Units units;
    private final CgroupOps cgroups;
    private final Datapath datapath;
    private final UnitLoading loading;
    private final Jobs jobs;
    private final ServiceLifecycle lifecycle;
    private final InstallLinks install;
    private final TransientUnits transients;
    private final Adoption adoption;
    private final StatusProjection projection;
    private final StateFile stateFile;
    private final TransientFiles transientFiles;
    private final List<AutoCloseable> owned = new ArrayList<>();
    private final Map<Consumer<UnitChange>, Consumer<UnitRecord>> listeners = new ConcurrentHashMap<>();
    /**
     * The state file is written only once what it names was taken over: a daemon killed while
     * loading would otherwise replace it with one naming nothing, and the next would lose the pids.
     */
    private volatile boolean adopted;
    /** The boot's jobs have all finished (see {@link #bootAsync}): the state is running or degraded from then on. */
    private volatile boolean booted;
    /** Shutdown has begun; set on the loop, so a start handled after it is refused (see {@link #refuseWhileStopping}). */
    private volatile boolean stopping;

    public Manager(Context ctx) {
        this(real(ctx));
        Log.info("services are spawned by %s", Spawner.method());
    }

    private static Layers real(Context ctx) {
        JobPool jobs = new JobPool(16);
        ExecutorService waits = Executors.newCachedThreadPool(Thread.ofPlatform().daemon().name("stop-wait-", 0).factory());
        ExecutorService notifier = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("unit-changes").factory());
        return new Layers(ctx.loader(), new SpawnerLauncher(), new KernelCgroups(ctx.root()),
                new AccountingDatapath(ctx.accounting(), ctx.bpfOffReason()), Timers.system(), ManagerLoop.threaded(), jobs,
                jobs.work(), jobs.spawns(), waits, notifier, ctx.stateDir(), ctx.firewallMayRunUnfiltered(), PolicyBuilder.HOST);
    }

    Manager(Layers l) {
        this.layers = l;
        this.loop = l.loop();
        this.cgroups = l.cgroups();
        this.datapath = l.datapath();
        this.units = new Units(loop, l.timers(), l.notifier());
        this.stateFile = new StateFile(l.stateDir().resolve("state.json"));
        this.transientFiles = new TransientFiles(l.stateDir());
        UnitPolicies policies = new UnitPolicies(cgroups, l.interfaces());
        this.lifecycle = new ServiceLifecycle(new ServiceLifecycle.Ports(loop, units, l.launcher(), cgroups, datapath, policies,
                l.timers(), l.work(), l.spawns(), l.waits(), l.stateDir(), l.firewallMayRunUnfiltered()));
        this.loading = new UnitLoading(l.loader(), units, datapath, policies, transientFiles);
        this.jobs = new Jobs(units, loading, lifecycle, cgroups);
        this.install = new InstallLinks(l.loader());
        this.transients = new TransientUnits(units, loading, transientFiles);
        this.adoption = new Adoption(units, loading, lifecycle, cgroups, transientFiles);
        this.projection = new StatusProjection(units, cgroups, datapath, policies, install);
        units.onPublished(() -> {
            if (adopted) stateFile.saveSoon(() -> units.snapshot().values());
        });
    }

    /** For tests: the units and the lifecycle behind this manager. */
    Units units() {
        return units;
    }

    ServiceLifecycle lifecycle() {
        return lifecycle;
    }

    ManagerLoop loop() {
        return loop;
    }

    // ---- loading ----------------------------------------------------------------------------

    /** Loads every unit in the search path, and the slices they live in. Broken units are reported, the rest load. */
    public List<UnitFileDiagnostic> loadAll() {
        return ManagerLoop.await(loadAllAsync());
    }

    CompletableFuture<List<UnitFileDiagnostic>> loadAllAsync() {
        // The files are read here, off the loop; the loop only applies what was read.
        List<UnitLoading.Read> reads = loading.readAll(loading.namesToRead(List.of()));
        return loop.call(() -> loading.applyInitial(reads));
    }

    /**
     * Re-reads every unit file and applies the differences to running units: new address
     * lists, accounting or slice settings become an atomic swap on the unit's programs,
     * counters kept. Commands and credentials take effect at the next start, as in systemd. A
     * unit whose file is now broken keeps its running configuration; the error is reported.
     */
    public ReloadReport reload() {
        install.forget();
        Map<UnitName, String> names = ManagerLoop.await(loop.call(() -> loading.namesToRead(units.all())));
        List<UnitLoading.Read> reads = loading.readAll(names);
        return ManagerLoop.await(reloadAsync(reads));
    }

    CompletableFuture<ReloadReport> reloadAsync(List<UnitLoading.Read> reads) {
        return loop.compose(() -> {
            UnitLoading.ReloadPlan plan = loading.applyReload(reads);
            List<UnitFileDiagnostic> errors = new ArrayList<>(plan.errors());
            List<String> changed = new ArrayList<>();
            List<CompletableFuture<Object>> updates = new ArrayList<>();
            plan.policyUpdates().forEach((n, next) -> {
                UnitRuntime u = units.get(n);
                updates.add(lifecycle.updatePolicy(u, next).handle((applied, e) -> {
                    if (e == null && !applied) {
                        Log.debug("%s: stopped before its new policy was applied", n);
                    } else if (e == null) {
                        changed.add(n.id());
                        Log.info("%s: network policy updated", n);
                    } else {
                        Throwable why = e instanceof java.util.concurrent.CompletionException c ? c.getCause() : e;
                        Log.error("%s: cannot apply the new policy, keeping the old one: %s", n, why.getMessage());
                        errors.add(UnitFileDiagnostic.ofFile(LogLevel.ERROR,
                                u.config.sources().fragment().orElse(Path.of(n.id())), null, why.getMessage()));
                    }
                    return null;
                }));
            });
            return CompletableFuture.allOf(updates.toArray(CompletableFuture[]::new))
                    .thenApply(x -> new ReloadReport(errors, changed));
        });
    }

    // ---- queries: the published snapshot, never the loop --------------------------------------

    /**
     * The manager's state as systemd's manager_state() works it out: stopping once shutdown has
     * begun; starting until the boot's jobs have finished; then degraded while any unit is
     * failed (a failure after the boot too, and running again once it is restarted), else running.
     */
    public SystemState systemState() {
        if (stopping) return SystemState.STOPPING;
        if (!booted) return SystemState.STARTING;
        for (UnitRecord u : units.snapshot().values()) {
            if (u.activeState() == ActiveState.FAILED) return SystemState.DEGRADED;
        }
        return SystemState.RUNNING;
    }

    public Optional<UnitName> find(String name) {
        Optional<UnitName> n = UnitName.parse(name.contains(".") ? name : name + ".service");
        Map<UnitName, UnitRecord> s = units.snapshot();
        return n.filter(s::containsKey);
    }

    public List<UnitInfo> list() {
        return list(x -> true);
    }

    /**
     * The units whose states pass {@code keep}, by name: the filter sees what the published record
     * holds, and only the units it keeps have their live figures read (cgroup, counters, file state).
     */
    List<UnitInfo> list(Predicate<UnitChange> keep) {
        List<UnitInfo> all = new ArrayList<>();
        for (UnitRecord u : units.snapshot().values()) {
            if (keep.test(projection.change(u))) all.add(projection.status(u));
        }
        all.sort(Comparator.comparing(UnitInfo::name));
        return all;
    }

    /** Every unit's state, as subscribers see it, by name: without the live figures {@link #list} reads. */
    public List<UnitChange> states() {
        List<UnitChange> all = new ArrayList<>();
        for (UnitRecord u : units.snapshot().values()) all.add(projection.change(u));
        all.sort(Comparator.comparing(UnitChange::name));
        return all;
    }

    public Optional<UnitInfo> status(String name) {
        return find(name).flatMap(units::record).map(projection::status);
    }

    /**
     * The unit, loaded now if it is not yet and has a unit file (an instance: its template's),
     * as systemd loads a unit on first mention ({@code LoadUnit}); a unit loaded for a query is
     * not kept (see {@link UnitLoading#loadForQuery}).
     */
    public Optional<UnitInfo> statusLoading(String name) {
        Optional<UnitInfo> known = status(name);
        if (known.isPresent()) return known;
        return loading.loadForQuery(name).map(projection::status);
    }

    public List<UnitFileStates.Entry> unitFileStates() {
        return install.unitFileStates(units.snapshot().values());
    }

    /** Counters of the named units and slices (all with counters when {@code names} is empty). */
    public Map<String, CounterSums> counters(Collection<String> names) {
        Map<String, CounterSums> out = new LinkedHashMap<>();
        if (!datapath.available()) return out;
        if (names.isEmpty()) return datapath.allCounters();
        for (String n : names) {
            UnitName u = find(n).orElseThrow(() -> new ManagerException(ManagerException.Kind.NO_SUCH_UNIT, n, "Unit " + n + " not loaded."));
            Optional<CounterSums> c = u.type() == UnitSuffix.SLICE ? datapath.sliceCounters(u.id()) : datapath.unitCounters(u.id());
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
        return c.map(projection::counterView).orElse(new CounterView(false, false));
    }

    /** The configuration a unit runs with (or would start with). */
    public Optional<UnitConfig> configOf(UnitName n) {
        return units.record(n).map(UnitRecord::config);
    }

    /** The unit text a transient unit was made from. */
    public Optional<String> transientText(String name) {
        return find(name).flatMap(units::record).filter(UnitRecord::isTransient).map(UnitRecord::transientText);
    }

    /** Whether the default target wants or requires the unit. */
    public boolean isEnabled(UnitName n) {
        return install.isEnabled(n);
    }

    /** The unit's UnitFileState= as systemctl shows it; empty when it is not loaded. */
    public Optional<String> unitFileState(String name) {
        return find(name).flatMap(units::record).map(install::unitFileState);
    }

    /** State changes, in order, as they happen. */
    public void addListener(Consumer<UnitChange> l) {
        Consumer<UnitRecord> r = rec -> l.accept(projection.change(rec));
        listeners.put(l, r);
        units.addListener(r);
    }

    public void removeListener(Consumer<UnitChange> l) {
        Consumer<UnitRecord> r = listeners.remove(l);
        if (r != null) units.removeListener(r);
    }

    // ---- requests: events on the loop, answered when their job is done ------------------------

    /** Starts a unit and what it requires and wants, in order; returns when the unit's start job has finished. */
    public UnitInfo start(String name) {
        return statusAfter(startAsync(name));
    }

    CompletableFuture<UnitRuntime> startAsync(String name) {
        return loop.compose(() -> {
            refuseWhileStopping(name);
            return jobs.start(name);
        });
    }

    /**
     * On the loop: a unit started once shutdown has begun would outlive it (the shutdown stops
     * what was running when it began), so a start asked for from then on is refused.
     */
    private void refuseWhileStopping(String name) {
        if (stopping) {
            throw new ManagerException(ManagerException.Kind.NOT_RUNNING, name, "tollgated is stopping; " + name + " is not started.");
        }
    }

    /** Stops a unit, and first the running units that require it. */
    public UnitInfo stop(String name) {
        return statusAfter(stopAsync(name));
    }

    CompletableFuture<UnitRuntime> stopAsync(String name) {
        return loop.compose(() -> jobs.stop(name));
    }

    public UnitInfo restart(String name) {
        return statusAfter(restartAsync(name));
    }

    CompletableFuture<UnitRuntime> restartAsync(String name) {
        return loop.compose(() -> {
            refuseWhileStopping(name);
            return jobs.restart(name);
        });
    }

    private UnitInfo statusAfter(CompletableFuture<UnitRuntime> job) {
        UnitRuntime u = ManagerLoop.await(job);
        return units.record(u.name).map(projection::status)
                .orElseThrow(() -> new ManagerException(ManagerException.Kind.NO_SUCH_UNIT, u.name.id(), "Unit " + u.name + " not loaded."));
    }

    /**
     * What enabling did: the links made ({@code LINK -> TARGET}), and whether the unit has an
     * [Install] section at all (systemd's {@code carries_install_info}; without one nothing is
     * made and systemctl explains why, successfully).
     */
    public record Enabled(boolean carriesInstallInfo, List<String> links) {}

    /** Creates the unit's [Install] links in the first search directory. */
    public Enabled enable(String name) {
        UnitConfig c = ManagerLoop.await(loop.call(() -> loading.loadedUnit(name).config));
        return install.enable(c.name(), c);
    }

    /** Removes the unit's links from every search directory it can write to. */
    public List<String> disable(String name) {
        UnitName n = UnitName.parse(name.contains(".") ? name : name + ".service")
                .orElseThrow(() -> new ManagerException(ManagerException.Kind.BAD_REQUEST, name, "Unit name " + name + " is not valid."));
        return install.disable(n, units.snapshot().containsKey(n));
    }

    /** What a transient run produced. */
    public record RunResult(String unit, Optional<Integer> exitStatus, UnitInfo status) {
        /** exited or killed (systemd's ExecMainCode=), once the command ended. */
        public Optional<String> exitCode() {
            return Optional.ofNullable(status.execMainCode());
        }
    }

    /**
     * Runs {@code command} as a transient service with {@code properties} (as systemd-run -p):
     * the unit text is made from them, loaded like a unit file, and started.
     */
    public RunResult runTransient(Optional<String> unitName, Optional<String> slice, Optional<String> description,
                                  List<String> properties, List<String> command, boolean wait) {
        return ManagerLoop.await(runTransientAsync(unitName, slice, description, properties, command, wait));
    }

    CompletableFuture<RunResult> runTransientAsync(Optional<String> unitName, Optional<String> slice, Optional<String> description,
                                                   List<String> properties, List<String> command, boolean wait) {
        if (command.isEmpty()) throw new ManagerException(ManagerException.Kind.BAD_REQUEST, "", "No command given.");
        String name = unitName.map(n -> n.contains(".") ? n : n + ".service")
                .orElse("run-r" + Long.toHexString(System.nanoTime()) + ".service");
        UnitName n = UnitName.parse(name).orElseThrow(() ->
                new ManagerException(ManagerException.Kind.BAD_REQUEST, name, "Unit name " + name + " is not valid."));
        CompletableFuture<UnitRuntime> started = loop.compose(() -> {
            refuseWhileStopping(n.id());
            transients.make(n, () -> TransientUnits.text(n, slice, description, properties, command));
            return jobs.start(n.id());
        });
        CompletableFuture<UnitRuntime> settled = !wait ? started : started.thenCompose(u -> {
            if (u.isSettled()) return CompletableFuture.completedFuture(u);
            CompletableFuture<Void> w = new CompletableFuture<>();
            u.settledWaiters.add(w);
            return w.thenApply(x -> u);
        });
        return settled.thenApply(u -> {
            UnitInfo s = units.record(u.name).map(projection::status).orElseThrow();
            // The exit status, or the signal number when killed (ExecMainStatus=).
            Optional<Integer> exit = wait && s.execMainCode() != null ? Optional.ofNullable(s.execMainStatus()) : Optional.empty();
            return new RunResult(n.id(), exit, s);
        });
    }

    // ---- boot, adoption, shutdown -----------------------------------------------------------

    /** Takes over the units a previous tollgated left running (after a crash or an upgrade). */
    public void adoptFromState() {
        List<StateFile.Entry> entries = stateFile.load();
        ManagerLoop.await(loop.compose(() -> adoption.adopt(entries)));
        Set<String> running = new java.util.HashSet<>();
        Set<String> transientUnits = new java.util.HashSet<>();
        for (UnitRecord u : units.snapshot().values()) {
            if (u.hasDatapath()) running.add(u.name().id());
            if (u.isTransient()) transientUnits.add(u.name().id());
        }
        for (String stale : datapath.removeStale(running)) Log.info("removed stale pins of %s", stale);
        // Transient units that were not running when the last daemon stopped are gone, and their files with them.
        transientFiles.removeAllBut(transientUnits);
        adopted = true;
        stateFile.saveSoon(() -> units.snapshot().values());
    }

    /** Starts what the default target wants and is not running yet, in waves of After= order; returns when the boot is done. */
    public void startDefaultTarget() {
        ManagerLoop.await(bootAsync());
    }

    /**
     * The boot: the start jobs of what the default target wants and requires (each with what it
     * pulls in), in waves of After= order. It completes when every one has finished, active or
     * failed, and their outcome is published; the state turns from starting to running or
     * degraded then, as systemd's does when its boot jobs are done.
     */
    CompletableFuture<Void> bootAsync() {
        Map<UnitName, UnitRecord> s = units.snapshot();
        List<List<UnitName>> waves = BootAndShutdown.waves(BootAndShutdown.wanted(layers.loader()),
                n -> s.containsKey(n) ? s.get(n).config() : null);
        return BootAndShutdown.inWaves(waves, n -> loop.compose(() -> {
            UnitRuntime u = units.get(n);
            if (u != null && u.isActiveOrActivating()) return CompletableFuture.completedFuture(u);
            return jobs.start(n.id());
        })).whenComplete((x, e) -> booted = true);
    }

    /** Stops every running service (in reverse start order) or, for an upgrade, only lets go of them. */
    public void shutdown(boolean stopUnits) {
        // On the loop: every start handled before this is in the snapshot below, every one after it refused.
        ManagerLoop.await(loop.call(() -> {
            stopping = true;
            return null;
        }));
        if (!stopUnits) {
            ManagerLoop.await(loop.call(() -> {
                lifecycle.releaseAll(units.all());
                return null;
            }));
            stateFile.flush(units.snapshot().values());
            return;
        }
        Map<UnitName, UnitRecord> s = units.snapshot();
        List<List<UnitName>> waves = new ArrayList<>(BootAndShutdown.waves(BootAndShutdown.running(s),
                n -> s.containsKey(n) ? s.get(n).config() : null));
        java.util.Collections.reverse(waves);
        BootAndShutdown.inWaves(waves, n -> loop.compose(() -> lifecycle.stop(units.get(n)))).join();
        // Slices last, children before parents.
        List<UnitRecord> slices = units.snapshot().values().stream().filter(u -> u.config() instanceof SliceConfig)
                .sorted(Comparator.comparingInt((UnitRecord u) -> u.name().id().length()).reversed()).toList();
        for (UnitRecord sl : slices) {
            try {
                CgroupOps.UnitCgroup cg = cgroups.of(sl.config());
                if (cg.exists()) cg.remove();
            } catch (CgroupException | RuntimeException e) {
                Log.debug("%s: %s", sl.name(), e.getMessage());
            }
        }
        stateFile.flush(List.of());
        stateFile.delete();
        transientFiles.removeAllBut(Set.of());
    }

    @Override
    public void close() {
        loop.close();
        stateFile.close();
        layers.timers().close();
        try {
            if (layers.pool() != null) layers.pool().close();
        } catch (Exception e) {
            Log.debug("closing the job pool: %s", e);
        }
        for (Executor e : List.of(layers.work(), layers.spawns(), layers.waits(), layers.notifier())) {
            if (e instanceof ExecutorService s) s.shutdownNow();
        }
    }
}
