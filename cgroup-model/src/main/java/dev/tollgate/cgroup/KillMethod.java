package dev.tollgate.cgroup;

/** How {@link Cgroup#kill} gets rid of every process of a subtree. */
public enum KillMethod {
    /**
     * {@link #CGROUP_KILL} where the kernel has it (5.14+) and the subtree does not hold the
     * calling process itself; {@link #FREEZE_AND_SIGNAL} otherwise.
     */
    AUTO,
    /**
     * Write {@code 1} to {@code cgroup.kill}: the kernel SIGKILLs the whole subtree at once,
     * including processes forked while it does so.
     */
    CGROUP_KILL,
    /**
     * Freeze the subtree ({@code cgroup.freeze}, 5.2+, where present) so nothing can fork, SIGKILL
     * every listed process, thaw, and repeat until no process is left (bounded by the timeout).
     * The calling process, if inside, is skipped and never frozen.
     */
    FREEZE_AND_SIGNAL
}
