package dev.tollgate.daemon;

import dev.tollgate.accounting.CounterSums;
import dev.tollgate.api.ActiveState;
import dev.tollgate.units.LoadResult;
import dev.tollgate.units.UnitConfig;
import dev.tollgate.units.UnitName;
import java.time.Instant;

/**
 * A unit as the manager loop last published it: what queries, metrics, notifications and the
 * state file read, without waiting for the loop.
 */
record UnitRecord(UnitName name, LoadResult load, UnitConfig config, ServiceState state, ServiceResult result,
                  long mainPid, Instant activeEnter, Instant stateChange, long execMainPid, Integer exitCode,
                  Integer exitSignal, String failure, String accountingNote, CounterSums lastCounters, boolean hasDatapath,
                  boolean isTransient, String transientText) {
    ActiveState activeState() {
        return state.activeState();
    }
}
