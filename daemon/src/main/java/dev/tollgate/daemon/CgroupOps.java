package dev.tollgate.daemon;

import dev.tollgate.cgroup.CgroupException;
import dev.tollgate.units.UnitConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The cgroups of units, as the lifecycle uses them; {@link KernelCgroups} is the real one
 * (cgroupfs under the daemon's root), tests give a fake. The waits ({@link UnitCgroup#awaitEmpty},
 * {@link UnitCgroup#kill}) block and run off the manager loop.
 */
interface CgroupOps {
    /** A service's or a slice's cgroup. */
    UnitCgroup of(UnitConfig unit);

    /** Whether {@code pid} lives in the unit's cgroup (adoption checks the pid a state file names). */
    boolean contains(UnitCgroup cgroup, long pid);

    /** One unit's cgroup. */
    interface UnitCgroup {
        /** The directory, for spawning into it. */
        Path directory();

        /** The path as systemctl shows it (ControlGroup=), from the cgroup2 mount. */
        String controlGroup();

        boolean exists();

        void create() throws CgroupException;

        boolean isPopulated() throws CgroupException;

        List<Long> processes() throws CgroupException;

        /** Sends {@code signal} (then SIGCONT) to every process; the pids signalled. */
        Set<Long> signal(int signal) throws CgroupException;

        /** True if no process is left within {@code timeout}. */
        boolean awaitEmpty(Duration timeout) throws CgroupException;

        /** SIGKILL to every process, until none is left. */
        void kill() throws CgroupException;

        void remove() throws CgroupException;

        void delegateTo(int uid, int gid) throws CgroupException;

        /** Calls {@code onEmpty} once, when the last process leaves; closing stops watching. */
        AutoCloseable watchUntilEmpty(Runnable onEmpty) throws CgroupException;
    }
}
