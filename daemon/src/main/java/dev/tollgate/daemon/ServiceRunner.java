package dev.tollgate.daemon;

import dev.tollgate.accounting.Accounting;
import dev.tollgate.accounting.PolicyRefused;
import dev.tollgate.accounting.UnitPolicy;
import dev.tollgate.bpf.sys.BpfException;
import dev.tollgate.cgroup.Cgroup;
import dev.tollgate.cgroup.Cgroup2Mount;
import dev.tollgate.cgroup.CgroupException;
import dev.tollgate.cgroup.Signals;
import dev.tollgate.units.ServiceConfig;
import dev.tollgate.units.exec.EnvironmentFiles;
import dev.tollgate.units.exec.ExecCommand;
import dev.tollgate.units.exec.KillMode;
import dev.tollgate.units.exec.RestartPolicy;
import dev.tollgate.units.exec.ServiceType;
import dev.tollgate.units.exec.StandardOutput;
import dev.tollgate.units.exec.WorkingDirectory;
import dev.tollgate.units.syntax.TimeSpan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A service's life: start (pre commands, the main process or the oneshot commands, post
 * commands), watching the main process, stop (ExecStop=, KillSignal= per KillMode=, SIGKILL
 * of the whole cgroup after TimeoutStopSec=), Restart= and RestartSec=, and taking over a
 * running service after a daemon restart. The unit's datapath is created before any process
 * of it runs and removed after the last one is gone; counters reset at each start.
 */
final class ServiceRunner implements AutoCloseable {
    /** Signals after which a main process counts as exited cleanly (systemd's default SuccessExitStatus). */
    private static final Set<Integer> CLEAN_SIGNALS = Set.of(Signals.SIGHUP, Signals.SIGINT, Signals.SIGTERM, Signals.SIGPIPE);
    private static final Duration FOREVER = Duration.ofDays(3650);

    private final Manager manager;
    private final Manager.Context ctx;
    private final ScheduledExecutorService timers =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("restart-timer").factory());
    private final Map<UnitRuntime, ScheduledFuture<?>> pendingRestarts = new java.util.concurrent.ConcurrentHashMap<>();

    ServiceRunner(Manager manager, Manager.Context ctx) {
        this.manager = manager;
        this.ctx = ctx;
        Log.info("services are spawned by %s", Spawner.method());
    }

    /** A start step failed: the unit's result and the message for the caller. */
    private static final class StartFailure extends Exception {
        final String result;

        StartFailure(String result, String message) {
            super(message);
            this.result = result;
        }
    }

    // ---- start ------------------------------------------------------------------------------

    void start(UnitRuntime u) {
        ScheduledFuture<?> pending = pendingRestarts.remove(u);
        if (pending != null) pending.cancel(false);
        u.job.lock();
        try {
            if (u.state == ActiveState.ACTIVE || (u.state == ActiveState.ACTIVATING && !"auto-restart".equals(u.subState))) {
                return;
            }
            ServiceConfig c = (ServiceConfig) u.config;
            try {
                doStart(u, c);
            } catch (StartFailure f) {
                Log.error("%s: %s", u.name, f.getMessage());
                synchronized (u) {
                    u.failure = f.getMessage();
                }
                failStart(u, c, f.result);
                throw new ManagerException(ManagerException.Kind.UNIT_FAILED, u.name.id(),
                        "Job for " + u.name + " failed: " + f.getMessage(), f.result, List.of());
            }
        } finally {
            u.job.unlock();
        }
    }

    private void doStart(UnitRuntime u, ServiceConfig c) throws StartFailure {
        synchronized (u) {
            u.stopping = false;
            u.ready = false;
            u.exitCode = null;
            u.exitSignal = null;
            u.execMainPid = 0;
            u.failure = "";
            u.result = "success";
            u.lastCounters = null;
            u.mainPid = 0;
            u.child = null;
            u.mainProcess = null;
        }
        if (!c.service().type().isSupported()) {
            throw new StartFailure("resources", "Type=" + c.service().type().spelling() + " is not supported by tollgate");
        }
        u.setState(ActiveState.ACTIVATING, "start-pre");
        manager.changed(u);
        Cgroup cg = manager.cgroupOf(c);
        try {
            cg.create();
        } catch (CgroupException e) {
            throw new StartFailure("resources", e.getMessage());
        }
        Credentials creds;
        try {
            creds = Credentials.resolve(c.exec().user(), c.exec().group());
        } catch (IllegalArgumentException e) {
            // As systemd's child does: the process fails at its USER step, with status 217.
            throw spawnFailed(u, new Spawner.Spawned.Failed(Spawner.EXIT_USER, "Failed to determine user credentials: " + e.getMessage()));
        }
        startDatapath(u, c);
        Map<String, String> env = environment(c, creds);
        if (c.resources().delegate().enabled() && !creds.isRoot()) {
            try {
                cg.delegateTo(creds.uid(), creds.gid());
            } catch (CgroupException e) {
                throw new StartFailure("resources", e.getMessage());
            }
        }
        Duration timeout = duration(c.service().timeoutStart());
        for (ExecCommand pre : c.service().execStartPre()) runControl(u, c, pre, env, creds, timeout, "start-pre");
        if (c.service().type() == ServiceType.ONESHOT) {
            u.setState(ActiveState.ACTIVATING, "start");
            manager.changed(u);
            for (ExecCommand cmd : c.service().execStart()) runControl(u, c, cmd, env, creds, timeout, "start");
            for (ExecCommand post : c.service().execStartPost()) runControl(u, c, post, env, creds, timeout, "start-post");
            if (c.service().remainAfterExit()) {
                u.setState(ActiveState.ACTIVE, "exited");
                manager.changed(u);
            } else {
                u.setState(ActiveState.ACTIVE, "exited");
                u.stopping = true;
                killRemaining(u, c, cg);
                finish(u, c, "success");
            }
            return;
        }
        if (c.service().type() == ServiceType.NOTIFY) {
            try {
                u.notify = NotifySocket.open(ctx.stateDir().resolve("notify").resolve(u.name.id()), msg -> onNotify(u, msg));
            } catch (IOException e) {
                throw new StartFailure("resources", "cannot create the notify socket: " + e.getMessage());
            }
            env.put("NOTIFY_SOCKET", u.notify.path().toString());
        }
        u.setState(ActiveState.ACTIVATING, "start");
        ExecCommand main = c.service().execStart().getFirst();
        Child p;
        Spawner.Spawned spawned;
        try {
            spawned = Spawner.spawn(request(c, main, env, creds));
        } catch (IOException | RuntimeException e) {
            throw new StartFailure("resources", "cannot run " + main.path() + ": " + e.getMessage());
        }
        switch (spawned) {
            case Spawner.Spawned.Started s -> p = s.child();
            case Spawner.Spawned.Failed f -> {
                if (c.service().type() == ServiceType.NOTIFY || f.exitStatus() != Spawner.EXIT_EXEC) throw spawnFailed(u, f);
                mainFailedToSpawn(u, f);
                return;
            }
        }
        synchronized (u) {
            u.child = p;
            u.mainProcess = ProcessHandle.of(p.pid()).orElse(null);
            u.mainPid = p.pid();
            u.execMainPid = p.pid();
        }
        long pid = p.pid();
        p.onExit().thenAccept(status -> Thread.ofVirtual().start(() -> onMainExit(u, pid, Optional.of(status))));
        if (c.service().type() == ServiceType.NOTIFY) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!u.ready && p.isAlive() && System.nanoTime() < deadline) sleep(10);
            if (!u.ready) {
                if (p.isAlive()) throw new StartFailure("timeout", "start timed out waiting for READY=1");
                throw new StartFailure("exit-code", "main process exited before READY=1, status " + p.onExit().join());
            }
        }
        u.setState(ActiveState.ACTIVE, "running");
        manager.changed(u);
        for (ExecCommand post : c.service().execStartPost()) runControl(u, c, post, env, creds, timeout, "start-post");
        Log.info("started %s (pid %d)", u.name, pid);
    }

    /**
     * A main process that failed before its command ran (no binary, no working directory, no
     * such user): the unit fails with the exit status systemd's child gives for that step
     * (203/EXEC, 200/CHDIR, 217/USER), Result=exit-code. The start job fails too (as with
     * systemd's Type=exec; with Type=simple systemd reports the job done and then the failure).
     */
    private static StartFailure spawnFailed(UnitRuntime u, Spawner.Spawned.Failed f) {
        synchronized (u) {
            u.execMainPid = f.pid();
            recordExit(u, Optional.of(f.exitStatus()));
        }
        return new StartFailure("exit-code", f.why() + " (status=" + f.exitStatus() + ")");
    }

    /**
     * A main process whose exec failed (203/EXEC): as systemd's Type=simple, the start job is
     * done once the child exists, and the unit then fails with the child's status.
     */
    private void mainFailedToSpawn(UnitRuntime u, Spawner.Spawned.Failed f) {
        Log.error("%s: %s", u.name, f.why() + " (status=" + f.exitStatus() + ")");
        synchronized (u) {
            u.mainPid = 0;
            u.execMainPid = f.pid();
            u.child = null;
            u.mainProcess = null;
        }
        u.setState(ActiveState.ACTIVE, "running");
        manager.changed(u);
        Thread.ofVirtual().start(() -> onMainExit(u, 0, Optional.of(f.exitStatus())));
    }

    /** The unit's programs and maps go on its cgroup before any of its processes can open a socket. */
    private void startDatapath(UnitRuntime u, ServiceConfig c) throws StartFailure {
        Accounting acc = ctx.accounting();
        UnitPolicy policy = manager.policyOf(c);
        if (!policy.needsSkbPrograms() && policy.socketBind().isEmpty() && policy.foreignPrograms().isEmpty()) {
            u.accountingNote = "";
            u.hasDatapath = false;
            return;
        }
        if (acc == null) {
            if (hasFirewall(policy) && !ctx.firewallMayRunUnfiltered()) {
                throw new StartFailure("resources", "the unit has a firewall and it cannot be installed, so the unit"
                        + " does not run: " + ctx.bpfOffReason());
            }
            u.accountingNote = "IP accounting and firewall are off: " + ctx.bpfOffReason();
            manager.warnNoBpf(u);
            u.hasDatapath = false;
            return;
        }
        try {
            acc.start(policy);
            u.hasDatapath = true;
            u.accountingNote = "";
        } catch (PolicyRefused e) {
            throw new StartFailure("resources", e.getMessage());
        } catch (BpfException | IllegalArgumentException | IllegalStateException e) {
            Log.debug("%s: %s", u.name, e.getMessage());
            throw new StartFailure("resources", "cannot attach the unit's programs: " + reason(e));
        }
    }

    /** Address lists, interface restrictions, socket-bind rules and programs of others: what must never be silently missing. */
    static boolean hasFirewall(UnitPolicy policy) {
        return policy.firewall() || policy.restrictsInterfaces() || !policy.socketBind().isEmpty()
                || !policy.foreignPrograms().isEmpty();
    }

    /**
     * {@link #oneLine} of the exception's message; its class where it has none (an exception
     * without a message must still fail the start as resources, not end it with a
     * NullPointerException that leaves the unit activating).
     */
    static String reason(Throwable e) {
        return e.getMessage() == null ? e.getClass().getName() : oneLine(e.getMessage());
    }

    /**
     * A kernel error for status, on one line: a refused program's verifier log can run to
     * thousands of lines, and its last line before the statistics ("processed N insns ...")
     * says why ("unreachable insn 10"); the whole log goes to the daemon's debug log.
     */
    static String oneLine(String message) {
        int log = message.indexOf("\nverifier log:\n");
        if (log < 0) return message.replace('\n', ' ');
        List<String> lines = message.substring(log + "\nverifier log:\n".length()).strip().lines()
                .filter(l -> !l.isBlank() && !l.startsWith("processed ") && !l.startsWith("verification time")
                        && !l.startsWith("stack depth"))
                .toList();
        return message.substring(0, log).replace('\n', ' ') + (lines.isEmpty() ? "" : "; verifier: " + lines.getLast());
    }

    private Map<String, String> environment(ServiceConfig c, Credentials creds) throws StartFailure {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", Spawner.DEFAULT_PATH);
        env.put("INVOCATION_ID", HexFormat.of().formatHex(randomBytes()));
        if (c.exec().user().isPresent()) {
            env.put("USER", creds.userName());
            env.put("LOGNAME", creds.userName());
            env.put("HOME", creds.home().toString());
            env.put("SHELL", creds.shell());
        }
        env.putAll(c.exec().environment());
        for (var f : c.exec().environmentFiles()) {
            switch (EnvironmentFiles.read(f)) {
                case EnvironmentFiles.Result.Read r -> env.putAll(r.parsed().variables());
                case EnvironmentFiles.Result.Failed x ->
                        throw new StartFailure("resources", "Failed to load environment file " + x.path() + ": " + x.reason());
            }
        }
        return env;
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[16];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }

    private Spawner.Request request(ServiceConfig c, ExecCommand cmd, Map<String, String> env, Credentials creds)
            throws StartFailure {
        Path wd = switch (c.exec().workingDirectory()) {
            case WorkingDirectory.Unset un -> Path.of("/");
            case WorkingDirectory.Home h -> Files.isDirectory(creds.home()) || !h.missingOk() ? creds.home() : Path.of("/");
            case WorkingDirectory.At at -> Files.isDirectory(at.path()) || !at.missingOk() ? at.path() : Path.of("/");
        };
        List<String> argv = cmd.expandArgv(env);
        return new Spawner.Request(manager.cgroupOf(c).directory(), cmd.path(), argv, env, wd, creds,
                output(c.exec().standardOutput()), output(c.exec().standardError()));
    }

    private static Spawner.Output output(StandardOutput o) {
        return switch (o) {
            case StandardOutput.Inherit i -> new Spawner.Output.Inherit();
            case StandardOutput.Null n -> new Spawner.Output.Null();
            case StandardOutput.File f -> new Spawner.Output.ToFile(f.path(), f.mode() == StandardOutput.Mode.APPEND);
        };
    }

    /** Runs a control command to its end; a failure fails the job unless the command has the '-' prefix. */
    private void runControl(UnitRuntime u, ServiceConfig c, ExecCommand cmd, Map<String, String> env, Credentials creds,
                            Duration timeout, String phase) throws StartFailure {
        u.setState(u.state, phase);
        Spawner.Spawned spawned;
        try {
            spawned = Spawner.spawn(request(c, cmd, env, creds));
        } catch (IOException | RuntimeException e) {
            if (cmd.ignoresFailure()) return;
            throw new StartFailure("exit-code", "cannot run " + cmd.path() + ": " + e.getMessage());
        }
        int code;
        long controlPid = 0;
        switch (spawned) {
            case Spawner.Spawned.Failed f -> {
                Log.error("%s: %s", u.name, f.why() + " (status=" + f.exitStatus() + ")");
                code = f.exitStatus();
                controlPid = f.pid();
            }
            case Spawner.Spawned.Started s -> {
                Child p = s.child();
                controlPid = p.pid();
                try {
                    Optional<Integer> done = p.waitFor(timeout.toMillis());
                    if (done.isEmpty()) {
                        p.signal(Signals.SIGKILL);
                        p.onExit().join();
                        throw new StartFailure("timeout", phase + " command " + cmd.path() + " timed out");
                    }
                    code = done.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    p.signal(Signals.SIGKILL);
                    throw new StartFailure("resources", "interrupted");
                }
            }
        }
        if (phase.equals("start")) {
            // A oneshot's ExecStart= is its main process, as systemd reports it (ExecMainPID=, ExecMainStatus=).
            synchronized (u) {
                u.execMainPid = controlPid;
                recordExit(u, Optional.of(code));
            }
        }
        if (code != 0 && !cmd.ignoresFailure()) {
            synchronized (u) {
                recordExit(u, Optional.of(code));
            }
            throw new StartFailure(u.exitSignal != null ? "signal" : "exit-code",
                    phase + " command " + String.join(" ", cmd.argv()) + " failed with " + describeExit(u));
        }
    }

    private void failStart(UnitRuntime u, ServiceConfig c, String result) {
        u.stopping = true;
        Cgroup cg = manager.cgroupOf(c);
        try {
            if (cg.exists()) cg.kill();
        } catch (CgroupException e) {
            Log.warning("%s: %s", u.name, e.getMessage());
        }
        finish(u, c, result);
    }

    private void onNotify(UnitRuntime u, String message) {
        for (String line : message.split("\n")) {
            if (line.equals("READY=1")) u.ready = true;
            else if (line.startsWith("STATUS=")) Log.debug("%s: %s", u.name, line.substring(7));
            else if (line.startsWith("MAINPID=")) {
                try {
                    long pid = Long.parseLong(line.substring(8).trim());
                    Log.debug("%s: MAINPID=%d (ignored; tollgate tracks the started process)", u.name, pid);
                } catch (NumberFormatException ignored) {
                    // A malformed line from the service is not our problem to report loudly.
                }
            }
        }
    }

    // ---- the main process ends --------------------------------------------------------------

    private void onMainExit(UnitRuntime u, long pid, Optional<Integer> status) {
        u.job.lock();
        try {
            if (u.stopping || u.mainPid != pid) return;
            ServiceConfig c = (ServiceConfig) u.config;
            boolean clean;
            synchronized (u) {
                u.mainPid = 0;
                u.child = null;
                u.mainProcess = null;
                clean = recordExit(u, status);
                u.result = clean ? "success" : (u.exitSignal != null ? "signal" : "exit-code");
            }
            Log.info("%s: main process %d exited, %s", u.name, pid, describeExit(u));
            if (c.service().remainAfterExit() && clean) {
                u.setState(ActiveState.ACTIVE, "exited");
                manager.changed(u);
                return;
            }
            u.stopping = true;
            u.setState(ActiveState.DEACTIVATING, "stop");
            manager.changed(u);
            runStopCommands(u, c);
            killRemaining(u, c, manager.cgroupOf(c));
            boolean restart = shouldRestart(c.service().restart(), u);
            finish(u, c, u.result);
            if (restart) scheduleRestart(u, c);
        } finally {
            u.job.unlock();
        }
    }

    /** Sets exit code or signal from a wait status as Java reports it (128 + n for signal n); true if clean. */
    private static boolean recordExit(UnitRuntime u, Optional<Integer> status) {
        if (status.isEmpty()) {
            // Not our child (taken over after a restart): its status is unknown.
            u.exitCode = null;
            u.exitSignal = null;
            return true;
        }
        int s = status.get();
        if (s > 128 && s <= 128 + 64) {
            u.exitSignal = s - 128;
            u.exitCode = null;
            return CLEAN_SIGNALS.contains(u.exitSignal);
        }
        u.exitCode = s;
        u.exitSignal = null;
        return s == 0;
    }

    private static String describeExit(UnitRuntime u) {
        if (u.exitSignal != null) return "signal " + Signals.name(u.exitSignal);
        if (u.exitCode != null) return "status " + u.exitCode;
        return "status unknown";
    }

    private static boolean shouldRestart(RestartPolicy policy, UnitRuntime u) {
        boolean clean = "success".equals(u.result);
        boolean bySignal = u.exitSignal != null && !clean;
        return switch (policy) {
            case NO -> false;
            case ALWAYS -> true;
            case ON_SUCCESS -> clean;
            case ON_FAILURE -> !clean;
            case ON_ABNORMAL -> bySignal || "timeout".equals(u.result);
            case ON_ABORT -> bySignal;
            case ON_WATCHDOG -> "watchdog".equals(u.result);
        };
    }

    private void scheduleRestart(UnitRuntime u, ServiceConfig c) {
        u.setState(ActiveState.ACTIVATING, "auto-restart");
        manager.changed(u);
        long delay = duration(c.service().restartSec()).toMillis();
        Log.info("%s: scheduling restart in %d ms", u.name, delay);
        ScheduledFuture<?> f = timers.schedule(() -> Thread.ofVirtual().start(() -> {
            pendingRestarts.remove(u);
            if (!"auto-restart".equals(u.subState)) return;
            u.autoRestarts++;
            try {
                start(u);
            } catch (ManagerException e) {
                Log.error("%s: restart failed: %s", u.name, e.getMessage());
            }
        }), delay, TimeUnit.MILLISECONDS);
        pendingRestarts.put(u, f);
    }

    // ---- stop -------------------------------------------------------------------------------

    void stop(UnitRuntime u, String result) {
        ScheduledFuture<?> pending = pendingRestarts.remove(u);
        if (pending != null) {
            pending.cancel(false);
            if ("auto-restart".equals(u.subState)) {
                u.setState(u.result.equals("success") ? ActiveState.INACTIVE : ActiveState.FAILED,
                        u.result.equals("success") ? "dead" : "failed");
                manager.changed(u);
                return;
            }
        }
        u.stopping = true;
        u.job.lock();
        try {
            if (u.state == ActiveState.INACTIVE || u.state == ActiveState.FAILED) return;
            ServiceConfig c = (ServiceConfig) u.config;
            u.setState(ActiveState.DEACTIVATING, "stop");
            manager.changed(u);
            runStopCommands(u, c);
            killRemaining(u, c, manager.cgroupOf(c));
            finish(u, c, u.result == null ? result : u.result);
            Log.info("stopped %s", u.name);
        } finally {
            u.job.unlock();
        }
    }

    private void runStopCommands(UnitRuntime u, ServiceConfig c) {
        if (c.service().execStop().isEmpty()) return;
        Credentials creds;
        Map<String, String> env;
        try {
            creds = Credentials.resolve(c.exec().user(), c.exec().group());
            env = environment(c, creds);
        } catch (IllegalArgumentException | StartFailure e) {
            Log.warning("%s: cannot run ExecStop=: %s", u.name, e.getMessage());
            return;
        }
        if (u.mainPid > 0) env.put("MAINPID", Long.toString(u.mainPid));
        for (ExecCommand cmd : c.service().execStop()) {
            try {
                runControl(u, c, cmd, env, creds, duration(c.service().timeoutStop()), "stop");
            } catch (StartFailure f) {
                Log.warning("%s: %s", u.name, f.getMessage());
            }
        }
    }

    /** KillSignal= to what KillMode= names, then SIGKILL to the whole cgroup after TimeoutStopSec=. */
    private void killRemaining(UnitRuntime u, ServiceConfig c, Cgroup cg) {
        KillMode mode = c.kill().mode();
        int signal = c.kill().signal().number();
        Duration timeout = duration(c.service().timeoutStop());
        long main = u.mainPid;
        try {
            if (!cg.exists()) return;
            u.setState(u.state, "stop-sigterm");
            switch (mode) {
                case CONTROL_GROUP -> {
                    Set<Long> signalled = cg.signal(signal, true);
                    // A main process not (yet) in the cgroup is signalled all the same.
                    if (main > 0 && !signalled.contains(main)) {
                        Signals.send(main, signal);
                        Signals.send(main, Signals.SIGCONT);
                    }
                }
                case MIXED, PROCESS -> {
                    if (main > 0) {
                        Signals.send(main, signal);
                        Signals.send(main, Signals.SIGCONT);
                    }
                }
                case NONE -> { }
            }
            Child mainChild = u.child;
            boolean gone = switch (mode) {
                case CONTROL_GROUP -> cg.awaitEmpty(timeout);
                case MIXED, PROCESS -> mainChild != null && mainChild.pid() == main ? awaitExit(mainChild, timeout) : awaitExit(main, timeout);
                case NONE -> true;
            };
            if (!gone || mode == KillMode.MIXED) {
                if (!gone) {
                    Log.warning("%s: still running after TimeoutStopSec=%ds, sending SIGKILL", u.name, timeout.toSeconds());
                    u.setState(u.state, "stop-sigkill");
                    synchronized (u) {
                        if (!"success".equals(u.result)) {
                            // keep the first failure
                        } else if (u.stopping) {
                            u.result = "timeout";
                        }
                    }
                }
                if (mode == KillMode.PROCESS) {
                    if (main > 0) Signals.send(main, Signals.SIGKILL);
                } else {
                    cg.kill();
                }
            }
        } catch (CgroupException e) {
            Log.warning("%s: %s", u.name, e.getMessage());
        }
    }

    private static boolean awaitExit(Child child, Duration timeout) {
        try {
            return child.waitFor(timeout.toMillis()).isPresent();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !child.isAlive();
        }
    }

    private static boolean awaitExit(long pid, Duration timeout) {
        if (pid <= 0) return true;
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty()) return true;
        try {
            h.get().onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (Exception e) {
            return !h.get().isAlive();
        }
    }

    /** Ends a run: counters kept for display, datapath and cgroup removed, final state set. */
    private void finish(UnitRuntime u, ServiceConfig c, String result) {
        Accounting acc = ctx.accounting();
        if (acc != null && u.hasDatapath) {
            try {
                acc.unitCounters(u.name.id()).ifPresent(x -> u.lastCounters = x);
                acc.stop(u.name.id());
            } catch (RuntimeException e) {
                Log.error("%s: cannot remove its programs: %s", u.name, e.getMessage());
            }
            u.hasDatapath = false;
        }
        if (u.notify != null) {
            u.notify.close();
            u.notify = null;
        }
        Cgroup cg = manager.cgroupOf(c);
        try {
            if (cg.exists() && cg.subtreeProcesses().isEmpty()) cg.remove();
        } catch (CgroupException e) {
            Log.warning("%s: %s", u.name, e.getMessage());
        }
        synchronized (u) {
            u.result = result;
            u.mainPid = 0;
            u.child = null;
            u.mainProcess = null;
        }
        boolean failed = !"success".equals(result);
        u.setState(failed ? ActiveState.FAILED : ActiveState.INACTIVE, failed ? "failed" : "dead");
        manager.changed(u);
    }

    // ---- taking over after a restart --------------------------------------------------------

    void adopt(UnitRuntime u, StateFile.Entry e) {
        if (!(u.config instanceof ServiceConfig c)) return;
        u.job.lock();
        try {
            Cgroup cg = manager.cgroupOf(c);
            long pid = e.mainPid();
            boolean alive = pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && inCgroup(pid, cg);
            boolean populated;
            try {
                populated = cg.exists() && cg.isPopulated();
            } catch (CgroupException ex) {
                populated = false;
            }
            boolean exitedOk = "exited".equals(e.subState());
            if (!alive && !populated && !exitedOk) {
                Log.warning("%s exited while tollgated was not running", u.name);
                u.hasDatapath = ctx.accounting() != null;
                synchronized (u) {
                    u.result = "success";
                }
                finish(u, c, "success");
                if (c.service().restart() == RestartPolicy.ALWAYS || c.service().restart() == RestartPolicy.ON_FAILURE) {
                    scheduleRestart(u, c);
                }
                return;
            }
            UnitPolicy policy = manager.policyOf(c);
            Accounting acc = ctx.accounting();
            boolean wantsDatapath = policy.needsSkbPrograms() || !policy.socketBind().isEmpty() || !policy.foreignPrograms().isEmpty();
            if (acc != null && wantsDatapath) {
                try {
                    if (acc.adopt(policy).isEmpty()) {
                        Log.warning("%s: nothing pinned to take over; attaching afresh (its counters start at zero)", u.name);
                        acc.start(policy);
                    }
                    u.hasDatapath = true;
                } catch (RuntimeException ex) {
                    Log.error("%s: cannot take over its programs: %s", u.name, ex.getMessage());
                }
            } else if (acc == null && wantsDatapath) {
                u.accountingNote = "IP accounting and firewall are off: " + ctx.bpfOffReason();
                manager.warnNoBpf(u);
            }
            synchronized (u) {
                u.activeEnter = e.activeEnterMicros() == 0 ? Instant.now()
                        : Instant.ofEpochSecond(e.activeEnterMicros() / 1_000_000, (e.activeEnterMicros() % 1_000_000) * 1000);
                u.state = ActiveState.ACTIVE;
                u.subState = alive || populated ? "running" : "exited";
                u.mainPid = alive ? pid : 0;
                u.mainProcess = alive ? ProcessHandle.of(pid).orElse(null) : null;
                u.result = "success";
                u.ready = true;
            }
            if (c.service().type() == ServiceType.NOTIFY) {
                try {
                    u.notify = NotifySocket.open(ctx.stateDir().resolve("notify").resolve(u.name.id()), msg -> onNotify(u, msg));
                } catch (IOException ex) {
                    Log.warning("%s: cannot reopen its notify socket: %s", u.name, ex.getMessage());
                }
            }
            if (alive) {
                ProcessHandle.of(pid).ifPresent(h -> h.onExit().thenRun(() ->
                        Thread.ofVirtual().start(() -> onMainExit(u, pid, Optional.empty()))));
            } else if (populated) {
                // No main pid known (the state file did not name the unit yet): the unit ends
                // when its cgroup empties.
                watchUntilEmpty(u, cg);
            }
            Log.info("took over %s (pid %d)", u.name, pid);
            manager.changed(u);
        } finally {
            u.job.unlock();
        }
    }

    private void watchUntilEmpty(UnitRuntime u, Cgroup cg) {
        try {
            java.util.concurrent.atomic.AtomicReference<dev.tollgate.cgroup.CgroupWatcher.Subscription> sub =
                    new java.util.concurrent.atomic.AtomicReference<>();
            sub.set(cg.watch(events -> {
                if (!events.populated()) {
                    Thread.ofVirtual().start(() -> {
                        var s = sub.get();
                        if (s != null) s.close();
                        onMainExit(u, 0, Optional.empty());
                    });
                }
            }));
        } catch (CgroupException e) {
            Log.warning("%s: cannot watch its cgroup: %s", u.name, e.getMessage());
        }
    }

    private boolean inCgroup(long pid, Cgroup cg) {
        try {
            return Cgroup2Mount.cgroupOfProcess(pid).startsWith(ctx.root().cgroup().path())
                    && cg.mountPoint().resolve(relative(Cgroup2Mount.cgroupOfProcess(pid))).startsWith(cg.directory());
        } catch (CgroupException e) {
            return false;
        }
    }

    private static String relative(dev.tollgate.cgroup.CgroupPath p) {
        String s = p.toString();
        return s.startsWith("/") ? s.substring(1) : s;
    }

    /** Daemon exit for an upgrade: nothing is stopped; timers are dropped. */
    void releaseAll(Collection<UnitRuntime> units) {
        pendingRestarts.values().forEach(f -> f.cancel(false));
        for (UnitRuntime u : units) {
            if (u.notify != null) u.notify.close();
        }
    }

    private static Duration duration(TimeSpan t) {
        if (t.isInfinite() || t.micros() == 0) return FOREVER;
        return Duration.ofNanos(t.micros() * 1000);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        timers.shutdownNow();
    }
}
