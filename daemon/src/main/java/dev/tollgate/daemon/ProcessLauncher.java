package dev.tollgate.daemon;

import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * How the lifecycle runs and watches processes; {@link SpawnerLauncher} is the real one (the
 * {@link Spawner} and pidfds), tests give a fake whose processes die when they choose.
 * {@link #launch} is slow (it forks and moves the child into its cgroup) and runs off the
 * manager loop; exits are reported through {@link Process#onExit()}, from whatever thread sees them.
 */
interface ProcessLauncher {
    /** A process of a unit. */
    interface Process {
        long pid();

        /** The exit status as the JDK reports it (the code, or 128 + signal); empty when it is unknown (not our child). */
        CompletableFuture<Optional<Integer>> onExit();

        boolean isAlive();

        /** Sends {@code signal} unless the process is gone. */
        void signal(int signal);
    }

    /** The outcome of a spawn: running, or the exit status systemd gives a child that failed before its command ran. */
    sealed interface Launch {
        record Started(Process process) implements Launch {}

        /** {@code pid}: the child that failed, when there was one. */
        record Failed(int exitStatus, String why, long pid) implements Launch {}
    }

    Launch launch(Spawner.Request request) throws IOException;

    /** A process a previous daemon started, if it is still alive; its exit status will be unknown. */
    Optional<Process> adopt(long pid);

    /** Sends a signal to a pid that may not be ours to reap (KillMode=process of an adopted main process). */
    void signal(long pid, int signal);
}
