package dev.tollgate.daemon;

import dev.tollgate.accounting.CounterSums;
import dev.tollgate.api.ActiveState;
import dev.tollgate.units.LoadResult;
import dev.tollgate.units.UnitConfig;
import dev.tollgate.units.UnitName;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The live state of one unit, owned by the manager loop: only code running on the loop reads
 * or writes these fields. Queries see {@link UnitRecord}s, the copies the loop publishes.
 */
final class UnitRuntime {
    final UnitName name;

    /** The latest load of the unit file. */
    LoadResult load;
    /** The configuration the unit runs with (kept when a reload finds the file broken). */
    UnitConfig config;
    ServiceState state = ServiceState.DEAD;
    ServiceResult result = ServiceResult.SUCCESS;
    long mainPid;
    ProcessLauncher.Process main;
    ProcessLauncher.Process control;
    Instant activeEnter;
    Instant stateChange;
    /** The main process of the last run, kept after it exits (ExecMainPID=); 0 before the first. */
    long execMainPid;
    Integer exitCode;
    Integer exitSignal;
    /** Why the last start failed (the reason behind a Result=resources), for status; empty otherwise. */
    String failure = "";
    /** Why this unit runs without accounting or firewall, if it does. */
    String accountingNote = "";
    /** Counters as the unit stopped, shown until its next start. */
    CounterSums lastCounters;
    boolean hasDatapath;
    boolean isTransient;
    String transientText;
    NotifySocket notify;
    int autoRestarts;

    /** Counts the unit's runs: an event of an earlier run (a late exit, a stale timer) is recognised and dropped. */
    int run;
    /** The last job queued on the unit: jobs on one unit run one after another. */
    CompletableFuture<Void> jobs = CompletableFuture.completedFuture(null);
    /** The job running now and its end, while one runs. */
    JobType job;
    CompletableFuture<Void> jobDone;
    /** RestartSec=, TimeoutStartSec= (waiting for READY=1) or TimeoutStopSec= of a control command. */
    Timers.Timer timer;
    /** Watching an adopted unit's cgroup until it empties. */
    AutoCloseable emptyWatch;
    /** The main process ended in start-post: handled once the start job is done. */
    java.util.Optional<Integer> earlyMainExit;
    boolean mainExitedEarly;
    /** Callers waiting until the unit settles (tollctl run --wait). */
    final List<CompletableFuture<Void>> settledWaiters = new ArrayList<>();

    UnitRuntime(UnitName name) {
        this.name = name;
    }

    ActiveState activeState() {
        return state.activeState();
    }

    boolean isActiveOrActivating() {
        return state.activeState().isActiveOrActivating();
    }

    /** Not changing and not running anything: inactive, failed, or a oneshot that exited (what run --wait waits for). */
    boolean isSettled() {
        return state.isInactive() || state == ServiceState.EXITED;
    }

    /** An immutable copy for queries. */
    UnitRecord record() {
        return new UnitRecord(name, load, config, state, result, mainPid, activeEnter, stateChange, execMainPid, exitCode,
                exitSignal, failure, accountingNote, lastCounters, hasDatapath, isTransient, transientText);
    }
}
