package dev.tollgate.daemon;

import dev.tollgate.cgroup.CgroupException;
import dev.tollgate.cgroup.Signals;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** Processes as the kernel runs them: spawned by {@link Spawner}, held by their pidfds ({@link Child}). */
final class SpawnerLauncher implements ProcessLauncher {
    @Override
    public Launch launch(Spawner.Request request) throws IOException {
        // instanceof, not a pattern switch: a switch's bootstrap spins a class at its first use
        // by every thread that gets there meanwhile (ten, as a boot's job threads start).
        Spawner.Spawned s = Spawner.spawn(request);
        if (s instanceof Spawner.Spawned.Started started) return new Launch.Started(ours(started.child()));
        Spawner.Spawned.Failed f = (Spawner.Spawned.Failed) s;
        return new Launch.Failed(f.exitStatus(), f.why(), f.pid());
    }

    private static Process ours(Child c) {
        CompletableFuture<Optional<Integer>> exit = c.onExit().thenApply(Optional::of);
        return new Process() {
            @Override
            public long pid() {
                return c.pid();
            }

            @Override
            public CompletableFuture<Optional<Integer>> onExit() {
                return exit;
            }

            @Override
            public boolean isAlive() {
                return c.isAlive();
            }

            @Override
            public void signal(int signal) {
                c.signal(signal);
            }
        };
    }

    /**
     * Watched by its pidfd like a child of ours (ProcessHandle.onExit would poll each adopted
     * process from a thread of its own: a thousand threads after a restart with a thousand
     * units); its exit status is unknown, as it is not our child.
     */
    @Override
    public Optional<Process> adopt(long pid) {
        return Child.adopt(pid).map(c -> {
            CompletableFuture<Optional<Integer>> exit = c.onExit()
                    .thenApply(status -> status == Child.UNKNOWN ? Optional.<Integer>empty() : Optional.of(status));
            return new Process() {
                @Override
                public long pid() {
                    return c.pid();
                }

                @Override
                public CompletableFuture<Optional<Integer>> onExit() {
                    return exit;
                }

                @Override
                public boolean isAlive() {
                    return c.isAlive();
                }

                @Override
                public void signal(int signal) {
                    c.signal(signal);
                }
            };
        });
    }

    @Override
    public void signal(long pid, int signal) {
        try {
            if (pid > 0) Signals.send(pid, signal);
        } catch (CgroupException e) {
            Log.debug("signal %d to %d: %s", signal, pid, e.getMessage());
        }
    }
}
