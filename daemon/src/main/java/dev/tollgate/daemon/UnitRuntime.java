package dev.tollgate.daemon;

import dev.tollgate.accounting.Counters;
import dev.tollgate.units.LoadResult;
import dev.tollgate.units.UnitConfig;
import dev.tollgate.units.UnitName;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The live state of one unit. Fields change under the object's monitor so a query sees a
 * consistent picture; jobs (start, stop, restart) on one unit run one at a time under
 * {@link #job}.
 */
final class UnitRuntime {
    final UnitName name;
    final ReentrantLock job = new ReentrantLock();

    /** The latest load of the unit file. */
    LoadResult load;
    /** The configuration the unit runs with (kept when a reload finds the file broken). */
    UnitConfig config;
    ActiveState state = ActiveState.INACTIVE;
    String subState = "dead";
    long mainPid;
    ProcessHandle mainProcess;
    Child child;
    Instant activeEnter;
    Instant stateChange = Instant.now();
    String result = "success";
    /** The main process of the last run, kept after it exits (ExecMainPID=); 0 before the first. */
    long execMainPid;
    Integer exitCode;
    Integer exitSignal;
    /** Why the last start failed (the reason behind a Result=resources), for status; empty otherwise. */
    String failure = "";
    /** Why this unit runs without accounting or firewall, if it does. */
    String accountingNote = "";
    /** Counters as the unit stopped, shown until its next start. */
    Counters lastCounters;
    boolean hasDatapath;
    boolean isTransient;
    String transientText;
    NotifySocket notify;
    volatile boolean ready;
    volatile boolean stopping;
    int autoRestarts;

    UnitRuntime(UnitName name) {
        this.name = name;
    }

    synchronized void setState(ActiveState s, String sub) {
        if (s != state) stateChange = Instant.now();
        if (s == ActiveState.ACTIVE && state != ActiveState.ACTIVE) activeEnter = Instant.now();
        state = s;
        subState = sub;
    }

    synchronized Optional<UnitConfig> config() {
        return Optional.ofNullable(config);
    }
}
