package dev.tollgate.bench;

import dev.tollgate.bpf.ProgramInfo;

/** A program's run statistics (bpf_prog_info run_time_ns, run_cnt) at one moment. */
record RunStats(long runTimeNs, long runCount) {
    static RunStats of(int programId) {
        ProgramInfo i = ProgramInfo.ofId(programId);
        return new RunStats(i.runTimeNs(), i.runCount());
    }

    RunStats minus(RunStats before) {
        return new RunStats(runTimeNs - before.runTimeNs, runCount - before.runCount);
    }

    double nsPerRun() {
        return runCount == 0 ? Double.NaN : (double) runTimeNs / runCount;
    }
}
