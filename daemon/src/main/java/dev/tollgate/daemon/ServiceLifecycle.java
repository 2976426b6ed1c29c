package dev.tollgate.daemon;

import dev.tollgate.accounting.CounterSums;
import dev.tollgate.accounting.UnitPolicy;
import dev.tollgate.cgroup.CgroupException;
import dev.tollgate.cgroup.Signals;
import dev.tollgate.units.ServiceConfig;
import dev.tollgate.units.exec.ExecCommand;
import dev.tollgate.units.exec.KillMode;
import dev.tollgate.units.exec.ServiceType;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * A service's life as a state machine on the manager loop, with systemd's states
 * ({@link ServiceState}): start-pre (cgroup, credentials, programs, ExecStartPre=), start (the
 * main process, or a oneshot's commands; READY=1 for Type=notify), start-post, running or
 * exited; stop (ExecStop=), stop-sigterm (KillSignal= per KillMode=), stop-sigkill after
 * TimeoutStopSec=, then dead or failed, and auto-restart when {@link RestartRule} says so.
 * Every step that waits (setting up the cgroup and programs, spawning, waiting for processes to
 * go, removing programs) runs off the loop and comes back as an event; process exits, READY=1
 * and timers are events too. An event of an earlier run is recognised by the run count and dropped.
 */
final class ServiceLifecycle {
    /** Signals after which a main process counts as exited cleanly (systemd's default SuccessExitStatus). */
    private static final Set<Integer> CLEAN_SIGNALS = Set.of(Signals.SIGHUP, Signals.SIGINT, Signals.SIGTERM, Signals.SIGPIPE);

    /**
     * What the lifecycle works with. {@code work} runs the slow steps of the kernel (cgroups,
     * programs), {@code spawns} the spawns (ahead of other units' program loads, see
     * {@link JobPool}), {@code waits} the waits for processes to go.
     */
    record Ports(ManagerLoop loop, Units units, ProcessLauncher launcher, CgroupOps cgroups, Datapath datapath,
                 UnitPolicies policies, Timers timers, Executor work, Executor spawns, Executor waits, Path stateDir,
                 boolean firewallMayRunUnfiltered) {}

    /** The credentials and environment of a run, for its commands. */
    private record Exec(Credentials creds, Map<String, String> env) {}

    /** A start step failed before any command ran. */
    private record Prepared(Exec exec, boolean datapath, String accountingNote, ServiceResult failed, String why,
                            Integer exitStatus) {}

    private final Ports p;
    private final Map<UnitRuntime, Exec> execs = new java.util.HashMap<>();
    private final Map<UnitRuntime, Boolean> ready = new java.util.HashMap<>();
    private final Map<UnitRuntime, Boolean> controlTimedOut = new java.util.HashMap<>();

    ServiceLifecycle(Ports ports) {
        this.p = ports;
    }

    // ---- jobs -------------------------------------------------------------------------------

    /**
     * Queues a job on the unit: jobs of one unit run one after another (a stop asked for during
     * a start runs once the start is done), on the loop. The future completes after the
     * outcome is published.
     */
    CompletableFuture<Void> job(UnitRuntime u, JobType type, java.util.function.Supplier<CompletableFuture<Void>> body) {
        p.loop().checkOwner();
        CompletableFuture<Void> result = new CompletableFuture<>();
        u.jobs = u.jobs.handle((x, e) -> null).thenCompose(x -> {
            u.job = type;
            CompletableFuture<Void> f;
            try {
                f = body.get();
            } catch (RuntimeException e) {
                f = CompletableFuture.failedFuture(e);
            }
            return f.handle((v, e) -> {
                u.job = null;
                if (e != null) result.completeExceptionally(e instanceof java.util.concurrent.CompletionException c ? c.getCause() : e);
                else result.complete(null);
                return null;
            });
        });
        return result;
    }

    CompletableFuture<Void> start(UnitRuntime u) {
        return job(u, JobType.START, () -> startNow(u));
    }

    CompletableFuture<Void> stop(UnitRuntime u) {
        return job(u, JobType.STOP, () -> stopNow(u));
    }

    /**
     * A daemon-reload's new policy for a running unit's programs, in turn with its other jobs;
     * true if applied, false if the unit no longer runs with programs by its turn.
     */
    CompletableFuture<Boolean> updatePolicy(UnitRuntime u, UnitPolicy next) {
        boolean[] applied = {false};
        return job(u, JobType.RELOAD, () -> {
            if (!u.isActiveOrActivating() || !u.hasDatapath) return CompletableFuture.completedFuture(null);
            CompletableFuture<Void> done = new CompletableFuture<>();
            offLoop(p.work(), () -> {
                p.datapath().update(next);
                return null;
            }, (v, e) -> {
                applied[0] = e == null;
                if (e == null) p.loop().completeLater(done, null);
                else p.loop().failLater(done, e);
            });
            return done;
        }).thenApply(x -> applied[0]);
    }

    /** Runs {@code slow} on {@code where}; its value or exception comes back as an event on the loop. */
    private <T> void offLoop(Executor where, Callable<T> slow, BiConsumer<T, Throwable> back) {
        where.execute(() -> {
            T v = null;
            Throwable t = null;
            try {
                v = slow.call();
            } catch (Throwable x) {
                t = x;
            }
            T value = v;
            Throwable error = t;
            p.loop().post(() -> back.accept(value, error));
        });
    }

    private void setState(UnitRuntime u, ServiceState s) {
        p.units().setState(u, s);
    }

    private void done(UnitRuntime u) {
        CompletableFuture<Void> f = u.jobDone;
        u.jobDone = null;
        if (f != null) p.loop().completeLater(f, null);
    }

    private void failed(UnitRuntime u, RuntimeException e) {
        CompletableFuture<Void> f = u.jobDone;
        u.jobDone = null;
        if (f != null) p.loop().failLater(f, e);
    }

    private boolean stale(UnitRuntime u, int run) {
        return u.run != run;
    }

    private void cancelTimer(UnitRuntime u) {
        if (u.timer != null) {
            u.timer.cancel();
            u.timer = null;
        }
    }

    // ---- start ------------------------------------------------------------------------------

    private CompletableFuture<Void> startNow(UnitRuntime u) {
        cancelTimer(u);
        if (u.state == ServiceState.RUNNING || u.state == ServiceState.EXITED) return CompletableFuture.completedFuture(null);
        ServiceConfig c = (ServiceConfig) u.config;
        CompletableFuture<Void> f = new CompletableFuture<>();
        u.jobDone = f;
        u.run++;
        u.exitCode = null;
        u.exitSignal = null;
        u.execMainPid = 0;
        u.failure = "";
        u.result = ServiceResult.SUCCESS;
        u.lastCounters = null;
        u.mainPid = 0;
        u.main = null;
        u.control = null;
        u.mainExitedEarly = false;
        ready.remove(u);
        p.units().touched(u);
        if (!c.service().type().isSupported()) {
            failStart(u, c, ServiceResult.RESOURCES, "Type=" + c.service().type().spelling() + " is not supported by tollgate");
            return f;
        }
        setState(u, ServiceState.START_PRE);
        int run = u.run;
        UnitPolicy policy = p.policies().of(c, p.units().sliceChain(c));
        CgroupOps.UnitCgroup cg = p.cgroups().of(c);
        offLoop(p.work(), () -> prepare(u.name.id(), c, policy, cg), (prep, e) -> {
            if (stale(u, run)) return;
            if (e != null) prep = new Prepared(null, false, "", ServiceResult.RESOURCES, Execute.reason(e), null);
            prepared(u, c, prep);
        });
        return f;
    }

    /** Off the loop: the cgroup, the credentials, the programs, the environment, delegation, in systemd's order. */
    private Prepared prepare(String unit, ServiceConfig c, UnitPolicy policy, CgroupOps.UnitCgroup cg) {
        try {
            cg.create();
        } catch (CgroupException e) {
            return new Prepared(null, false, "", ServiceResult.RESOURCES, e.getMessage(), null);
        }
        Credentials creds;
        try {
            creds = Credentials.resolve(c.exec().user(), c.exec().group());
        } catch (IllegalArgumentException e) {
            // As systemd's child does: the process fails at its USER step, with status 217.
            return new Prepared(null, false, "", ServiceResult.EXIT_CODE,
                    "Failed to determine user credentials: " + e.getMessage() + " (status=" + Spawner.EXIT_USER + ")",
                    Spawner.EXIT_USER);
        }
        boolean datapath = false;
        String note = "";
        if (UnitPolicies.wantsDatapath(policy)) {
            if (!p.datapath().available()) {
                if (UnitPolicies.hasFirewall(policy) && !p.firewallMayRunUnfiltered()) {
                    return new Prepared(null, false, "", ServiceResult.RESOURCES, "the unit has a firewall and it cannot be"
                            + " installed, so the unit does not run: " + p.datapath().offReason(), null);
                }
                note = "IP accounting and firewall are off: " + p.datapath().offReason();
                p.policies().warnNoBpf(unit, p.datapath().offReason());
            } else {
                try {
                    p.datapath().start(policy);
                    datapath = true;
                } catch (Datapath.Refused e) {
                    return new Prepared(null, false, "", ServiceResult.RESOURCES, e.getMessage(), null);
                } catch (RuntimeException e) {
                    Log.debug("%s: %s", unit, e.getMessage());
                    return new Prepared(null, false, "", ServiceResult.RESOURCES,
                            "cannot attach the unit's programs: " + Execute.reason(e), null);
                }
            }
        }
        Map<String, String> env;
        try {
            env = Execute.environment(c, creds);
        } catch (IllegalArgumentException e) {
            return new Prepared(null, datapath, note, ServiceResult.RESOURCES, e.getMessage(), null);
        }
        if (c.resources().delegate().enabled() && !creds.isRoot()) {
            try {
                cg.delegateTo(creds.uid(), creds.gid());
            } catch (CgroupException e) {
                return new Prepared(null, datapath, note, ServiceResult.RESOURCES, e.getMessage(), null);
            }
        }
        return new Prepared(new Exec(creds, env), datapath, note, null, null, null);
    }

    private void prepared(UnitRuntime u, ServiceConfig c, Prepared prep) {
        u.hasDatapath = prep.datapath();
        u.accountingNote = prep.accountingNote();
        p.units().touched(u);
        if (prep.failed() != null) {
            if (prep.exitStatus() != null) recordExit(u, Optional.of(prep.exitStatus()));
            failStart(u, c, prep.failed(), prep.why());
            return;
        }
        execs.put(u, prep.exec());
        Duration timeout = Execute.duration(c.service().timeoutStart());
        runCommands(u, c, c.service().execStartPre(), 0, ServiceState.START_PRE, timeout, () -> startMain(u, c),
                (r, why) -> failStart(u, c, r, why));
    }

    private void startMain(UnitRuntime u, ServiceConfig c) {
        Duration timeout = Execute.duration(c.service().timeoutStart());
        if (c.service().type() == ServiceType.ONESHOT) {
            runCommands(u, c, c.service().execStart(), 0, ServiceState.START, timeout,
                    () -> runCommands(u, c, c.service().execStartPost(), 0, ServiceState.START_POST, timeout,
                            () -> oneshotDone(u, c), (r, why) -> failStart(u, c, r, why)),
                    (r, why) -> failStart(u, c, r, why));
            return;
        }
        Exec exec = execs.get(u);
        Map<String, String> env = new LinkedHashMap<>(exec.env());
        int run = u.run;
        if (c.service().type() == ServiceType.NOTIFY) {
            try {
                u.notify = NotifySocket.open(p.stateDir().resolve("notify").resolve(u.name.id()),
                        msg -> p.loop().post(() -> notifyMessage(u, run, msg)));
            } catch (IOException | RuntimeException e) {
                failStart(u, c, ServiceResult.RESOURCES, "cannot create the notify socket: " + e.getMessage());
                return;
            }
            env.put("NOTIFY_SOCKET", u.notify.path().toString());
        }
        setState(u, ServiceState.START);
        ExecCommand main = c.service().execStart().getFirst();
        Spawner.Request request = Execute.request(p.cgroups().of(c), c, main, env, exec.creds());
        offLoop(p.spawns(), () -> p.launcher().launch(request), (launch, e) -> {
            if (stale(u, run)) {
                if (launch instanceof ProcessLauncher.Launch.Started s) s.process().signal(Signals.SIGKILL);
                return;
            }
            mainLaunched(u, c, main, launch, e);
        });
    }

    private void mainLaunched(UnitRuntime u, ServiceConfig c, ExecCommand main, ProcessLauncher.Launch launch, Throwable e) {
        int run = u.run;
        if (e != null) {
            failStart(u, c, ServiceResult.RESOURCES, "cannot run " + main.path() + ": " + e.getMessage());
            return;
        }
        switch (launch) {
            case ProcessLauncher.Launch.Failed f -> {
                u.execMainPid = f.pid();
                if (c.service().type() == ServiceType.NOTIFY || f.exitStatus() != Spawner.EXIT_EXEC) {
                    // Failed before its command ran (no binary, no working directory, no such user):
                    // systemd's status for that step, and the start job fails (as with Type=exec).
                    recordExit(u, Optional.of(f.exitStatus()));
                    failStart(u, c, ServiceResult.EXIT_CODE, f.why() + " (status=" + f.exitStatus() + ")");
                    return;
                }
                // As systemd's Type=simple: the job is done once the child exists, then the unit fails with its status.
                Log.error("%s: %s", u.name, f.why() + " (status=" + f.exitStatus() + ")");
                u.mainPid = 0;
                setState(u, ServiceState.RUNNING);
                done(u);
                p.loop().post(() -> mainExited(u, run, 0, Optional.of(f.exitStatus())));
            }
            case ProcessLauncher.Launch.Started s -> {
                ProcessLauncher.Process proc = s.process();
                u.main = proc;
                u.mainPid = proc.pid();
                u.execMainPid = proc.pid();
                p.units().touched(u);
                long pid = proc.pid();
                proc.onExit().thenAccept(status -> p.loop().post(() -> mainExited(u, run, pid, status)));
                if (c.service().type() == ServiceType.NOTIFY) {
                    if (ready.getOrDefault(u, false)) {
                        startPost(u, c);
                        return;
                    }
                    Duration timeout = Execute.duration(c.service().timeoutStart());
                    if (!timeout.equals(Execute.FOREVER)) {
                        u.timer = p.timers().schedule(timeout, () -> p.loop().post(() -> startTimedOut(u, run)));
                    }
                    return;
                }
                startPost(u, c);
            }
        }
    }

    /** sd_notify messages of the service: READY=1 ends a Type=notify start. */
    void notifyMessage(UnitRuntime u, int run, String message) {
        for (String line : message.split("\n")) {
            if (line.equals("READY=1")) {
                if (stale(u, run)) return;
                ready.put(u, true);
                if (u.state == ServiceState.START && u.main != null) {
                    cancelTimer(u);
                    startPost(u, (ServiceConfig) u.config);
                }
            } else if (line.startsWith("STATUS=")) {
                Log.debug("%s: %s", u.name, line.substring(7));
            } else if (line.startsWith("MAINPID=")) {
                Log.debug("%s: %s (ignored; tollgate tracks the started process)", u.name, line);
            }
        }
    }

    private void startTimedOut(UnitRuntime u, int run) {
        if (stale(u, run) || u.state != ServiceState.START) return;
        u.timer = null;
        failStart(u, (ServiceConfig) u.config, ServiceResult.TIMEOUT, "start timed out waiting for READY=1");
    }

    private void startPost(UnitRuntime u, ServiceConfig c) {
        runCommands(u, c, c.service().execStartPost(), 0, ServiceState.START_POST, Execute.duration(c.service().timeoutStart()),
                () -> running(u), (r, why) -> failStart(u, c, r, why));
    }

    private void running(UnitRuntime u) {
        setState(u, ServiceState.RUNNING);
        Log.info("started %s (pid %d)", u.name, u.mainPid);
        done(u);
        if (u.mainExitedEarly) {
            u.mainExitedEarly = false;
            Optional<Integer> status = u.earlyMainExit;
            int run = u.run;
            long pid = u.mainPid;
            p.loop().post(() -> mainExited(u, run, pid, status));
        }
    }

    private void oneshotDone(UnitRuntime u, ServiceConfig c) {
        setState(u, ServiceState.EXITED);
        if (c.service().remainAfterExit()) {
            done(u);
            return;
        }
        // Nothing is left to run: what the commands left behind is stopped, and the unit is dead.
        stopSignals(u, c, () -> finish(u, c, u.result, () -> done(u)));
    }

    /**
     * A start step failed: whatever runs in the cgroup is killed, the run ends with
     * {@code result}, and the start job fails with the reason.
     */
    private void failStart(UnitRuntime u, ServiceConfig c, ServiceResult result, String why) {
        Log.error("%s: %s", u.name, why);
        cancelTimer(u);
        u.failure = why;
        u.result = u.result.or(result);
        p.units().touched(u);
        CgroupOps.UnitCgroup cg = p.cgroups().of(c);
        int run = u.run;
        offLoop(p.waits(), () -> {
            if (cg.exists()) cg.kill();
            return null;
        }, (v, e) -> {
            if (e != null) Log.warning("%s: %s", u.name, e.getMessage());
            if (stale(u, run)) return;
            finish(u, c, u.result, () -> failed(u, new ManagerException(ManagerException.Kind.UNIT_FAILED, u.name.id(),
                    "Job for " + u.name + " failed: " + why, u.result.spelling(), List.of())));
        });
    }

    // ---- control commands -------------------------------------------------------------------

    /**
     * Runs {@code cmds} from {@code i} one after another in {@code phase}, each to its end; a
     * failure (unless the command has the '-' prefix) or a timeout goes to {@code failure}.
     */
    private void runCommands(UnitRuntime u, ServiceConfig c, List<ExecCommand> cmds, int i, ServiceState phase,
                             Duration timeout, Runnable then, BiConsumer<ServiceResult, String> failure) {
        if (i >= cmds.size()) {
            then.run();
            return;
        }
        setState(u, phase);
        ExecCommand cmd = cmds.get(i);
        Exec exec = execs.get(u);
        Map<String, String> env = new LinkedHashMap<>(exec.env());
        if (phase == ServiceState.STOP && u.mainPid > 0) env.put("MAINPID", Long.toString(u.mainPid));
        int run = u.run;
        Runnable next = () -> runCommands(u, c, cmds, i + 1, phase, timeout, then, failure);
        BiConsumer<ServiceResult, String> failed = phase != ServiceState.STOP ? failure : (r, why) -> {
            // A failed ExecStop= is logged; the other stop commands still run and the result stays.
            Log.warning("%s: %s", u.name, why);
            next.run();
        };
        Spawner.Request request = Execute.request(p.cgroups().of(c), c, cmd, env, exec.creds());
        offLoop(p.spawns(), () -> p.launcher().launch(request), (launch, e) -> {
            if (stale(u, run)) return;
            if (e != null) {
                if (cmd.ignoresFailure()) next.run();
                else failed.accept(ServiceResult.EXIT_CODE, "cannot run " + cmd.path() + ": " + e.getMessage());
                return;
            }
            switch (launch) {
                case ProcessLauncher.Launch.Failed f -> {
                    Log.error("%s: %s", u.name, f.why() + " (status=" + f.exitStatus() + ")");
                    commandEnded(u, cmd, phase, f.pid(), f.exitStatus(), next, failed);
                }
                case ProcessLauncher.Launch.Started s -> {
                    ProcessLauncher.Process proc = s.process();
                    u.control = proc;
                    controlTimedOut.remove(u);
                    if (!timeout.equals(Execute.FOREVER)) {
                        u.timer = p.timers().schedule(timeout, () -> p.loop().post(() -> {
                            if (u.control == proc) {
                                controlTimedOut.put(u, true);
                                proc.signal(Signals.SIGKILL);
                            }
                        }));
                    }
                    proc.onExit().thenAccept(status -> p.loop().post(() -> {
                        if (stale(u, run) || u.control != proc) return;
                        cancelTimer(u);
                        u.control = null;
                        if (controlTimedOut.remove(u) != null) {
                            failed.accept(ServiceResult.TIMEOUT, phase.spelling() + " command " + cmd.path() + " timed out");
                            return;
                        }
                        commandEnded(u, cmd, phase, proc.pid(), status.orElse(0), next, failed);
                    }));
                }
            }
        });
    }

    private void commandEnded(UnitRuntime u, ExecCommand cmd, ServiceState phase, long pid, int code, Runnable next,
                              BiConsumer<ServiceResult, String> failure) {
        if (phase == ServiceState.START) {
            // A oneshot's ExecStart= is its main process, as systemd reports it (ExecMainPID=, ExecMainStatus=).
            u.execMainPid = pid;
            recordExit(u, Optional.of(code));
            p.units().touched(u);
        }
        if (code != 0 && !cmd.ignoresFailure()) {
            recordExit(u, Optional.of(code));
            p.units().touched(u);
            failure.accept(u.exitSignal != null ? ServiceResult.SIGNAL : ServiceResult.EXIT_CODE,
                    phase.spelling() + " command " + String.join(" ", cmd.argv()) + " failed with " + describeExit(u));
            return;
        }
        next.run();
    }

    // ---- the main process ends --------------------------------------------------------------

    void mainExited(UnitRuntime u, int run, long pid, Optional<Integer> status) {
        if (stale(u, run) || u.mainPid != pid) return;
        ServiceConfig c = (ServiceConfig) u.config;
        switch (u.state) {
            case START -> {
                // A Type=notify main that ended before READY=1.
                u.main = null;
                u.mainPid = 0;
                boolean clean = recordExit(u, status);
                ServiceResult r = clean ? ServiceResult.PROTOCOL : u.exitSignal != null ? ServiceResult.SIGNAL : ServiceResult.EXIT_CODE;
                failStart(u, c, r, "main process exited before READY=1, " + describeExit(u));
            }
            case START_POST -> {
                u.mainExitedEarly = true;
                u.earlyMainExit = status;
            }
            case RUNNING -> job(u, JobType.STOP, () -> mainGone(u, c, pid, status))
                    .exceptionally(e -> {
                        Log.error("%s: %s", u.name, e.getMessage());
                        return null;
                    });
            default -> { }
        }
    }

    /** The main process of a running service ended: the rest of the unit is stopped, and Restart= decides what next. */
    private CompletableFuture<Void> mainGone(UnitRuntime u, ServiceConfig c, long pid, Optional<Integer> status) {
        if (u.state != ServiceState.RUNNING || u.mainPid != pid) return CompletableFuture.completedFuture(null);
        u.main = null;
        u.mainPid = 0;
        boolean clean = recordExit(u, status);
        u.result = clean ? ServiceResult.SUCCESS : u.exitSignal != null ? ServiceResult.SIGNAL : ServiceResult.EXIT_CODE;
        p.units().touched(u);
        Log.info("%s: main process %d exited, %s", u.name, pid, describeExit(u));
        if (c.service().remainAfterExit() && clean) {
            setState(u, ServiceState.EXITED);
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        stopSequence(u, c, () -> {
            restartIfDue(u, c);
            p.loop().completeLater(f, null);
        });
        return f;
    }

    private void restartIfDue(UnitRuntime u, ServiceConfig c) {
        if (!RestartRule.shallRestart(c.service().restart(), u.result)) return;
        setState(u, ServiceState.AUTO_RESTART);
        Duration delay = Execute.delay(c.service().restartSec());
        Log.info("%s: scheduling restart in %d ms", u.name, delay.toMillis());
        int run = u.run;
        u.timer = p.timers().schedule(delay, () -> p.loop().post(() -> restartDue(u, run)));
    }

    private void restartDue(UnitRuntime u, int run) {
        if (stale(u, run) || u.state != ServiceState.AUTO_RESTART) return;
        u.timer = null;
        u.autoRestarts++;
        start(u).exceptionally(e -> {
            Log.error("%s: restart failed: %s", u.name, e.getMessage());
            return null;
        });
    }

    // ---- stop -------------------------------------------------------------------------------

    private CompletableFuture<Void> stopNow(UnitRuntime u) {
        if (u.state == ServiceState.AUTO_RESTART) {
            cancelTimer(u);
            u.run++;
            setState(u, u.result.isSuccess() ? ServiceState.DEAD : ServiceState.FAILED);
            return CompletableFuture.completedFuture(null);
        }
        if (u.state.isInactive()) return CompletableFuture.completedFuture(null);
        ServiceConfig c = (ServiceConfig) u.config;
        CompletableFuture<Void> f = new CompletableFuture<>();
        stopSequence(u, c, () -> {
            Log.info("stopped %s", u.name);
            p.loop().completeLater(f, null);
        });
        return f;
    }

    /** ExecStop=, the signals, then the end of the run; {@code then} after it (the unit dead or failed). */
    private void stopSequence(UnitRuntime u, ServiceConfig c, Runnable then) {
        setState(u, ServiceState.STOP);
        Runnable signals = () -> stopSignals(u, c, () -> finish(u, c, u.result, then));
        if (c.service().execStop().isEmpty()) {
            signals.run();
            return;
        }
        if (!execs.containsKey(u)) {
            // Adopted: the credentials and environment of the run are made again for ExecStop=.
            try {
                Credentials creds = Credentials.resolve(c.exec().user(), c.exec().group());
                execs.put(u, new Exec(creds, Execute.environment(c, creds)));
            } catch (IllegalArgumentException e) {
                Log.warning("%s: cannot run ExecStop=: %s", u.name, e.getMessage());
                signals.run();
                return;
            }
        }
        runCommands(u, c, c.service().execStop(), 0, ServiceState.STOP, Execute.duration(c.service().timeoutStop()), signals,
                (r, why) -> signals.run());
    }

    /** KillSignal= to what KillMode= names, then SIGKILL to the whole cgroup after TimeoutStopSec=. */
    private void stopSignals(UnitRuntime u, ServiceConfig c, Runnable then) {
        CgroupOps.UnitCgroup cg = p.cgroups().of(c);
        KillMode mode = c.kill().mode();
        int signal = c.kill().signal().number();
        Duration timeout = Execute.duration(c.service().timeoutStop());
        long main = u.mainPid;
        ProcessLauncher.Process mainProcess = u.main;
        int run = u.run;
        try {
            if (!cg.exists()) {
                then.run();
                return;
            }
            setState(u, ServiceState.STOP_SIGTERM);
            switch (mode) {
                case CONTROL_GROUP -> {
                    Set<Long> signalled = cg.signal(signal);
                    // A main process not (yet) in the cgroup is signalled all the same.
                    if (main > 0 && !signalled.contains(main)) signalMain(u, signal);
                }
                case MIXED, PROCESS -> {
                    if (main > 0) signalMain(u, signal);
                }
                case NONE -> { }
            }
        } catch (CgroupException e) {
            Log.warning("%s: %s", u.name, e.getMessage());
            then.run();
            return;
        }
        awaitStopped(u, cg, mode, mainProcess, timeout, gone -> {
            if (gone && mode != KillMode.MIXED) {
                then.run();
                return;
            }
            if (!gone) {
                Log.warning("%s: still running after TimeoutStopSec=%ds, sending SIGKILL", u.name, timeout.toSeconds());
                setState(u, ServiceState.STOP_SIGKILL);
                u.result = u.result.or(ServiceResult.TIMEOUT);
                p.units().touched(u);
            }
            offLoop(p.waits(), () -> {
                if (mode == KillMode.PROCESS) {
                    if (main > 0) {
                        if (mainProcess != null) mainProcess.signal(Signals.SIGKILL);
                        else p.launcher().signal(main, Signals.SIGKILL);
                    }
                } else {
                    cg.kill();
                }
                return null;
            }, (v, e2) -> {
                if (e2 != null) Log.warning("%s: %s", u.name, e2.getMessage());
                if (!stale(u, run)) then.run();
            });
        });
    }

    /**
     * Waits, as events and not on a thread of its own, for what the stop signal was sent to:
     * the cgroup to empty ({@code cgroup.events}: populated 0), or for KillMode=mixed and
     * process the main process to exit; {@code after} gets true, on the loop, once it did, false
     * when TimeoutStopSec= passed first. So a slice of 1,000 members signals them all, then
     * finishes each as it goes, as systemd does.
     */
    private void awaitStopped(UnitRuntime u, CgroupOps.UnitCgroup cg, KillMode mode, ProcessLauncher.Process main,
                              Duration timeout, java.util.function.Consumer<Boolean> after) {
        int run = u.run;
        boolean[] decided = {false};
        AutoCloseable[] watch = {null};
        java.util.function.Consumer<Boolean> decide = gone -> {
            if (stale(u, run) || decided[0]) return;
            decided[0] = true;
            cancelTimer(u);
            if (watch[0] != null) closeQuietly(u, watch[0]);
            if (u.emptyWatch == watch[0]) u.emptyWatch = null;
            after.accept(gone);
        };
        cancelTimer(u);
        if (!timeout.equals(Execute.FOREVER)) {
            u.timer = p.timers().schedule(timeout, () -> p.loop().post(() -> decide.accept(false)));
        }
        Runnable watchCgroup = () -> {
            try {
                // It replaces a watch of a unit taken over without a main pid: the stop ends the run either way.
                if (u.emptyWatch != null) closeQuietly(u, u.emptyWatch);
                watch[0] = cg.watchUntilEmpty(() -> p.loop().post(() -> decide.accept(true)));
                u.emptyWatch = watch[0];
            } catch (CgroupException e) {
                // The cgroup is gone (removed meanwhile): nothing is left in it.
                if (cg.exists()) Log.warning("%s: cannot watch its cgroup: %s", u.name, e.getMessage());
                decide.accept(!cg.exists());
            }
        };
        switch (mode) {
            case CONTROL_GROUP -> {
                if (main == null) {
                    watchCgroup.run();
                } else {
                    // The main process is mostly the last to go: its exit (already a pidfd event)
                    // comes first, and the cgroup (a process leaves it before its exit is
                    // reported) is read once then; watched only when something is left in it.
                    main.onExit().whenComplete((x, e) -> p.loop().post(() -> {
                        if (stale(u, run) || decided[0]) return;
                        if (populated(cg)) watchCgroup.run();
                        else decide.accept(true);
                    }));
                }
            }
            case MIXED, PROCESS -> {
                if (main == null) decide.accept(true);
                else main.onExit().whenComplete((x, e) -> p.loop().post(() -> decide.accept(true)));
            }
            case NONE -> decide.accept(true);
        }
    }

    private static void closeQuietly(UnitRuntime u, AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            Log.debug("%s: %s", u.name, e.getMessage());
        }
    }

    private void signalMain(UnitRuntime u, int signal) {
        if (u.main != null) {
            u.main.signal(signal);
            u.main.signal(Signals.SIGCONT);
        } else {
            p.launcher().signal(u.mainPid, signal);
            p.launcher().signal(u.mainPid, Signals.SIGCONT);
        }
    }

    /**
     * Ends a run: counters kept for display, programs removed (off the loop), the cgroup removed
     * when empty, and the final state: dead on success, failed otherwise.
     */
    private void finish(UnitRuntime u, ServiceConfig c, ServiceResult result, Runnable then) {
        boolean datapath = u.hasDatapath;
        NotifySocket notify = u.notify;
        u.notify = null;
        AutoCloseable watch = u.emptyWatch;
        u.emptyWatch = null;
        CgroupOps.UnitCgroup cg = p.cgroups().of(c);
        String name = u.name.id();
        int run = u.run;
        offLoop(p.work(), () -> {
            Optional<CounterSums> last = Optional.empty();
            if (datapath) {
                try {
                    last = p.datapath().stop(name);
                } catch (RuntimeException e) {
                    Log.error("%s: cannot remove its programs: %s", name, e.getMessage());
                }
            }
            if (notify != null) notify.close();
            if (watch != null) {
                try {
                    watch.close();
                } catch (Exception e) {
                    Log.debug("%s: %s", name, e.getMessage());
                }
            }
            try {
                if (cg.exists() && cg.processes().isEmpty()) cg.remove();
            } catch (CgroupException e) {
                Log.warning("%s: %s", name, e.getMessage());
            }
            return last;
        }, (last, e) -> {
            if (stale(u, run)) return;
            if (last != null) last.ifPresent(x -> u.lastCounters = x);
            if (datapath) u.hasDatapath = false;
            u.result = result;
            u.mainPid = 0;
            u.main = null;
            u.control = null;
            execs.remove(u);
            ready.remove(u);
            setState(u, result.isSuccess() ? ServiceState.DEAD : ServiceState.FAILED);
            p.units().touched(u);
            then.run();
        });
    }

    // ---- taking over after a daemon restart -------------------------------------------------

    /** Takes over a service a previous tollgated left running; what it was is in the state file. */
    CompletableFuture<Void> adopt(UnitRuntime u, StateFile.Entry e) {
        return job(u, JobType.START, () -> adoptNow(u, e));
    }

    private CompletableFuture<Void> adoptNow(UnitRuntime u, StateFile.Entry e) {
        if (!(u.config instanceof ServiceConfig c)) return CompletableFuture.completedFuture(null);
        CgroupOps.UnitCgroup cg = p.cgroups().of(c);
        long pid = e.mainPid();
        Optional<ProcessLauncher.Process> proc = pid > 0
                ? p.launcher().adopt(pid).filter(x -> p.cgroups().contains(cg, pid)) : Optional.empty();
        boolean alive = proc.isPresent();
        boolean populated = populated(cg);
        boolean exitedOk = ServiceState.EXITED.spelling().equals(e.subState());
        u.run++;
        int run = u.run;
        CompletableFuture<Void> f = new CompletableFuture<>();
        if (!alive && !populated && !exitedOk) {
            // Its processes are gone and their exit status with them: as systemd when the cgroup
            // empties with no main process known, the run ended with success, and Restart= decides.
            Log.warning("%s exited while tollgated was not running", u.name);
            u.hasDatapath = p.datapath().available();
            u.result = ServiceResult.SUCCESS;
            finish(u, c, ServiceResult.SUCCESS, () -> {
                restartIfDue(u, c);
                p.loop().completeLater(f, null);
            });
            return f;
        }
        UnitPolicy policy = p.policies().of(c, p.units().sliceChain(c));
        boolean wants = UnitPolicies.wantsDatapath(policy);
        boolean available = p.datapath().available();
        boolean running = alive || populated;
        offLoop(p.work(), () -> {
            if (!available || !wants) return false;
            if (!p.datapath().adopt(policy)) {
                Log.warning("%s: nothing pinned to take over; attaching afresh (its counters start at zero)", u.name);
                p.datapath().start(policy);
            }
            return true;
        }, (datapath, ex) -> {
            if (stale(u, run)) return;
            if (ex != null) Log.error("%s: cannot take over its programs: %s", u.name, ex.getMessage());
            u.hasDatapath = ex == null && datapath;
            if (!available && wants) {
                u.accountingNote = "IP accounting and firewall are off: " + p.datapath().offReason();
                p.policies().warnNoBpf(u.name.id(), p.datapath().offReason());
            }
            u.result = ServiceResult.SUCCESS;
            u.mainPid = alive ? pid : 0;
            u.main = proc.orElse(null);
            setState(u, running ? ServiceState.RUNNING : ServiceState.EXITED);
            u.activeEnter = e.activeEnterMicros() == 0 ? p.timers().now()
                    : Instant.ofEpochSecond(e.activeEnterMicros() / 1_000_000, (e.activeEnterMicros() % 1_000_000) * 1000);
            ready.put(u, true);
            p.units().touched(u);
            if (c.service().type() == ServiceType.NOTIFY) {
                try {
                    u.notify = NotifySocket.open(p.stateDir().resolve("notify").resolve(u.name.id()),
                            msg -> p.loop().post(() -> notifyMessage(u, run, msg)));
                } catch (IOException | RuntimeException io) {
                    Log.warning("%s: cannot reopen its notify socket: %s", u.name, io.getMessage());
                }
            }
            if (alive) {
                proc.get().onExit().thenAccept(status -> p.loop().post(() -> mainExited(u, run, pid, status)));
            } else if (populated) {
                // No main pid known (the state file did not name the unit yet): the unit ends when its cgroup empties.
                try {
                    u.emptyWatch = cg.watchUntilEmpty(() -> p.loop().post(() -> mainExited(u, run, 0, Optional.empty())));
                } catch (CgroupException ce) {
                    Log.warning("%s: cannot watch its cgroup: %s", u.name, ce.getMessage());
                }
            }
            Log.info("took over %s (pid %d)", u.name, pid);
            p.loop().completeLater(f, null);
        });
        return f;
    }

    private static boolean populated(CgroupOps.UnitCgroup cg) {
        try {
            return cg.exists() && cg.isPopulated();
        } catch (CgroupException ex) {
            return false;
        }
    }

    /** Daemon exit for an upgrade: nothing is stopped; timers and notify sockets are let go. */
    void releaseAll(Collection<UnitRuntime> units) {
        for (UnitRuntime u : units) {
            cancelTimer(u);
            u.run++;
            if (u.notify != null) {
                u.notify.close();
                u.notify = null;
            }
            if (u.emptyWatch != null) {
                try {
                    u.emptyWatch.close();
                } catch (Exception e) {
                    Log.debug("%s: %s", u.name, e.getMessage());
                }
                u.emptyWatch = null;
            }
        }
    }

    // ---- exits, commands, environment -------------------------------------------------------

    /** Sets exit code or signal from a wait status as Java reports it (128 + n for signal n); true if clean. */
    static boolean recordExit(UnitRuntime u, Optional<Integer> status) {
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

    static String describeExit(UnitRuntime u) {
        if (u.exitSignal != null) return "signal " + Signals.name(u.exitSignal);
        if (u.exitCode != null) return "status " + u.exitCode;
        return "status unknown";
    }
}
