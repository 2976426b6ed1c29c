package dev.tollgate.daemon;

import dev.tollgate.cgroup.Signals;
import dev.tollgate.libc.Errno;
import dev.tollgate.libc.Posix;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Starts a service's process so that it runs nothing before it is in its cgroup (a socket is
 * charged to the cgroup of the process that creates it), in a new session, with stdin from
 * /dev/null, its stdout/stderr, working directory, environment, every signal at its default
 * and none blocked, and systemd's default soft limit of open files (1024; the JVM raised its own).
 *
 * <p>Two ways, chosen by probing the C library ({@link Posix#HAS_CLONE_INTO_CGROUP}):
 * <ul>
 * <li>glibc ≥ 2.39: {@code pidfd_spawn} with {@code posix_spawnattr_setcgroup_np}: clone3 with
 *     CLONE_INTO_CGROUP, the process is born in the cgroup, and its pidfd comes with it.
 * <li>older glibc: {@code posix_spawn} (vfork-style) whose first file actions open two FIFOs
 *     of ours for reading. The child stops in the second open, before it can exec; a fresh
 *     thread made the spawn, so that thread's only child in
 *     {@code /proc/self/task/TID/children} is this one; we open its pidfd, write it to
 *     {@code cgroup.procs}, set its open-files limit, then open the FIFO for writing, which
 *     lets it go on to exec. Writing the pid from outside is the only way in without a helper
 *     process in the child (systemd before 255 writes it from its forked child; the JVM cannot
 *     fork), and the FIFO makes the "before" certain without a shell in between.
 * </ul>
 * With User=, the exec'd program is {@code setpriv} (util-linux), which changes the ids and
 * execs the command; only when argv[0] must differ from the path does bash sit between
 * ({@code exec -a}), as nothing else on Debian can set argv[0].
 *
 * <p>A spawn that fails before the command runs gives systemd's exit statuses: 200/CHDIR,
 * 203/EXEC, 209/STDOUT, 219/CGROUP, and leaks nothing (glibc reaps a child whose exec failed).
 */
public final class Spawner {
    /** systemd's default search path for services. */
    public static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    /** systemd's exit statuses for a child that failed before the command ran. */
    public static final int EXIT_CHDIR = 200;
    public static final int EXIT_EXEC = 203;
    public static final int EXIT_STDOUT = 209;
    public static final int EXIT_USER = 217;
    public static final int EXIT_CGROUP = 219;
    /** systemd's default soft RLIMIT_NOFILE for services. */
    static final long DEFAULT_SOFT_NOFILE = 1024;

    /** How a stream of the service is connected. */
    public sealed interface Output {
        record Inherit() implements Output {}

        record Null() implements Output {}

        record ToFile(Path path, boolean append) implements Output {}
    }

    /** Everything to start one process. */
    public record Request(Path cgroup, String executable, List<String> argv, Map<String, String> environment,
                          Path workingDirectory, Credentials credentials, Output stdout, Output stderr) {
        public Request {
            argv = List.copyOf(argv);
            environment = Map.copyOf(environment);
            if (argv.isEmpty()) throw new IllegalArgumentException("argv needs argv[0]");
        }
    }

    /** A spawn's outcome: the running child, or the exit status systemd gives a child that failed before exec. */
    public sealed interface Spawned {
        record Started(Child child) implements Spawned {}

        /** {@code pid}: the child that failed, when there was one (0 for a failure found before spawning). */
        record Failed(int exitStatus, String why, long pid) implements Spawned {
            public Failed(int exitStatus, String why) {
                this(exitStatus, why, 0);
            }
        }
    }

    /** How processes are started on this machine; the probe's answer, for logs and tests. */
    public static String method() {
        return Posix.HAS_CLONE_INTO_CGROUP ? "pidfd_spawn into the cgroup (clone3 CLONE_INTO_CGROUP)"
                : "posix_spawn held before exec until moved into the cgroup";
    }

    private static final AtomicLong SEQUENCE = new AtomicLong();
    private static volatile Path rendezvousDir;

    private Spawner() {}

    public static Spawned spawn(Request r) throws IOException {
        if (r.workingDirectory() != null && !Files.isDirectory(r.workingDirectory())) {
            return new Spawned.Failed(EXIT_CHDIR, "Changing to the requested working directory " + r.workingDirectory() + " failed");
        }
        String executable = resolve(r.executable(), r.environment().getOrDefault("PATH", DEFAULT_PATH));
        // Without User= the exec itself fails (and the child has a pid, as systemd's has); with
        // it, setpriv would exit 127 instead of 203, so the command is checked first.
        if (!r.credentials().isRoot() && (!Files.isExecutable(Path.of(executable)) || Files.isDirectory(Path.of(executable)))) {
            return new Spawned.Failed(EXIT_EXEC, "Failed to execute " + r.executable() + ": No such file or not executable");
        }
        List<String> argv = new ArrayList<>();
        String path = executable;
        if (!r.credentials().isRoot()) {
            path = "/usr/bin/setpriv";
            argv.addAll(List.of("setpriv", "--reuid=" + r.credentials().uid(), "--regid=" + r.credentials().gid(),
                    r.credentials().userName().matches("[0-9]+") ? "--clear-groups" : "--init-groups", "--"));
            if (!r.argv().getFirst().equals(r.executable()) && !r.argv().getFirst().equals(executable)) {
                argv.addAll(List.of("/bin/bash", "-c", "exec -a \"$0\" \"$@\"", r.argv().getFirst()));
            }
            argv.add(executable);
            argv.addAll(r.argv().subList(1, r.argv().size()));
        } else {
            argv.addAll(r.argv());
        }
        List<Posix.FileAction> stdio = new ArrayList<>();
        stdio.add(new Posix.FileAction.Open(0, "/dev/null", Posix.O_RDONLY, 0));
        output(stdio, 1, r.stdout());
        if (r.stderr().equals(r.stdout()) && r.stdout() instanceof Output.ToFile) stdio.add(new Posix.FileAction.Dup(1, 2));
        else output(stdio, 2, r.stderr());
        if (r.workingDirectory() != null) stdio.add(new Posix.FileAction.Chdir(r.workingDirectory().toString()));
        // The service gets fds 0-2 only: the JVM opens its sockets, bpf objects and files
        // without O_CLOEXEC, and a service holding the daemon's listening socket would keep
        // a restarted daemon from serving.
        stdio.add(new Posix.FileAction.CloseFrom(3));
        Spawned s = Posix.HAS_CLONE_INTO_CGROUP ? bornInCgroup(r, path, argv, stdio) : heldUntilMoved(r, path, argv, stdio);
        if (s instanceof Spawned.Failed f && f.exitStatus() == EXIT_EXEC) return diagnose(r, f);
        return s;
    }

    /** A bare command name is looked up in the service's PATH, as execvp would (posix_spawn does not). */
    private static String resolve(String executable, String searchPath) {
        if (executable.startsWith("/")) return executable;
        for (String dir : searchPath.split(":")) {
            if (dir.isEmpty()) continue;
            Path candidate = Path.of(dir, executable);
            if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) return candidate.toString();
        }
        return executable;
    }

    private static void output(List<Posix.FileAction> actions, int fd, Output o) {
        switch (o) {
            case Output.Inherit i -> { }
            case Output.Null n -> actions.add(new Posix.FileAction.Open(fd, "/dev/null", Posix.O_WRONLY, 0));
            case Output.ToFile f -> actions.add(new Posix.FileAction.Open(fd, f.path().toString(),
                    Posix.O_WRONLY | Posix.O_CREAT | (f.append() ? Posix.O_APPEND : Posix.O_TRUNC), 0644));
        }
    }

    /** posix_spawn reports one errno for every step in the child; tell which step it was. */
    private static Spawned diagnose(Request r, Spawned.Failed f) {
        for (Output o : List.of(r.stdout(), r.stderr())) {
            if (o instanceof Output.ToFile t && !Files.isDirectory(t.path().toAbsolutePath().getParent())) {
                return new Spawned.Failed(EXIT_STDOUT, "Failed to set up standard output: cannot open " + t.path(), f.pid());
            }
        }
        if (r.workingDirectory() != null && !Files.isDirectory(r.workingDirectory())) {
            return new Spawned.Failed(EXIT_CHDIR, "Changing to the requested working directory " + r.workingDirectory() + " failed", f.pid());
        }
        return f;
    }

    private static Spawned bornInCgroup(Request r, String path, List<String> argv, List<Posix.FileAction> actions) {
        int cgfd = Posix.open(r.cgroup().toString(), Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_CLOEXEC, 0);
        if (cgfd < 0) return new Spawned.Failed(EXIT_CGROUP, "cannot open cgroup " + r.cgroup() + ": errno " + -cgfd);
        try (Arena arena = Arena.ofConfined()) {
            Posix.Prepared p = Posix.prepare(arena, path, argv, r.environment(), actions, cgfd);
            try {
                int pidfd = Posix.pidfdSpawn(arena, p);
                if (pidfd < 0) return new Spawned.Failed(EXIT_EXEC, "Failed to execute " + path + ": " + errnoName(-pidfd));
                long pid = Posix.pidfdGetpid(pidfd);
                // The limit is set right after exec here, as the child cannot be held before it.
                Posix.setSoftNofile(pid, DEFAULT_SOFT_NOFILE);
                return new Spawned.Started(Child.watch(pid, pidfd));
            } finally {
                Posix.release(p);
            }
        } finally {
            Posix.close(cgfd);
        }
    }

    private static Spawned heldUntilMoved(Request r, String path, List<String> argv, List<Posix.FileAction> stdio) throws IOException {
        Path dir = rendezvousDir();
        long seq = SEQUENCE.incrementAndGet();
        String arrived = dir.resolve(seq + ".arrived").toString();
        String proceed = dir.resolve(seq + ".proceed").toString();
        int rc = Posix.mkfifo(arrived);
        if (rc == 0) rc = Posix.mkfifo(proceed);
        if (rc != 0) {
            Posix.unlink(arrived);
            throw new IOException("cannot create the spawn rendezvous in " + dir + ": errno " + rc);
        }
        List<Posix.FileAction> actions = new ArrayList<>();
        // Both opens land on fd 0, which /dev/null replaces next: nothing of ours reaches the service.
        actions.add(new Posix.FileAction.Open(0, arrived, Posix.O_RDONLY, 0));
        actions.add(new Posix.FileAction.Open(0, proceed, Posix.O_RDONLY, 0));
        actions.addAll(stdio);
        CompletableFuture<Integer> tid = new CompletableFuture<>();
        CompletableFuture<Long> result = new CompletableFuture<>();
        int[] holders = {-1, -1};
        Thread.ofPlatform().daemon().name("spawn-" + seq).start(() -> {
            long out = 0;
            Throwable failure = null;
            try (Arena arena = Arena.ofConfined()) {
                tid.complete(Posix.gettid());
                Posix.Prepared p = Posix.prepare(arena, path, argv, r.environment(), actions, -1);
                try {
                    out = Posix.posixSpawn(arena, p);
                } finally {
                    Posix.release(p);
                }
            } catch (Throwable t) {
                failure = t;
                tid.completeExceptionally(t);
            } finally {
                // Readers that stay open until the caller is done: its open(2) for writing can
                // no longer wait for a child that will never open a FIFO again.
                holders[0] = Posix.open(arrived, Posix.O_RDONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0);
                holders[1] = Posix.open(proceed, Posix.O_RDONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0);
                if (failure != null) result.completeExceptionally(failure);
                else result.complete(out);
            }
        });
        Integer pidfd = null;
        try {
            openForWriting(arrived);
            // The child is now held in its open of the second FIFO, unless the spawn call is over.
            if (result.isDone()) return finished(result, path, null, 0);
            long pid = onlyChild(join(tid));
            int fd = Posix.pidfdOpen(pid);
            if (fd < 0) {
                try {
                    Signals.send(pid, Signals.SIGKILL);
                } catch (dev.tollgate.cgroup.CgroupException gone) {
                    // Not ours to report: the spawn call's result says what became of it.
                }
                return finished(result, path, null, 0);
            }
            pidfd = fd;
            try {
                Files.writeString(r.cgroup().resolve("cgroup.procs"), Long.toString(pid));
            } catch (IOException e) {
                Posix.pidfdSendSignal(fd, Signals.SIGKILL);
                join(result);
                int status = Posix.reap(fd);
                return new Spawned.Failed(EXIT_CGROUP, "cannot move into " + r.cgroup() + ": " + e.getMessage() + " (status " + status + ")");
            }
            Posix.setSoftNofile(pid, DEFAULT_SOFT_NOFILE);
            openForWriting(proceed);
            Spawned s = finished(result, path, pidfd, pid);
            pidfd = null; // taken over (or closed) by finished
            return s;
        } finally {
            if (pidfd != null) Posix.close(pidfd);
            try {
                result.get();
            } catch (Exception ignored) {
                // reported above
            }
            for (int h : holders) if (h >= 0) Posix.close(h);
            Posix.unlink(arrived);
            Posix.unlink(proceed);
        }
    }

    /** Opens the FIFO for writing and closes it: the child blocked in its open for reading goes on. */
    private static void openForWriting(String fifo) {
        int w = Posix.open(fifo, Posix.O_WRONLY | Posix.O_CLOEXEC, 0);
        if (w >= 0) Posix.close(w);
    }

    /** The spawn call's result: a started child (its pidfd taken over), or the failure (glibc reaped that child). */
    private static String errnoName(long errno) {
        return Errno.of((int) errno).description();
    }

    private static Spawned finished(CompletableFuture<Long> result, String path, Integer pidfd, long pid) {
        long rc = join(result);
        if (rc < 0) {
            if (pidfd != null) Posix.close(pidfd);
            return new Spawned.Failed(EXIT_EXEC, "Failed to execute " + path + ": " + errnoName(-rc), pid);
        }
        if (pidfd == null) {
            // The child was killed before exec (posix_spawn then reports success); it is ours to reap.
            int fd = Posix.pidfdOpen(rc);
            if (fd < 0) return new Spawned.Failed(EXIT_EXEC, "the child of " + path + " vanished before exec");
            return new Spawned.Started(Child.watch(rc, fd));
        }
        return new Spawned.Started(Child.watch(rc, pidfd));
    }

    private static long onlyChild(int tid) throws IOException {
        String s = Files.readString(Path.of("/proc/self/task/" + tid + "/children")).trim();
        if (s.isEmpty() || s.contains(" ")) throw new IOException("spawning thread " + tid + " has children '" + s + "', expected one");
        return Long.parseLong(s);
    }

    private static <T> T join(CompletableFuture<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while spawning", e);
        } catch (ExecutionException e) {
            throw Posix.rethrow(e.getCause());
        }
    }

    /**
     * Puts the FIFOs in {@code dir} (the daemon's state directory's {@code spawn/}): made
     * root-only, and emptied of what a daemon killed with -9 left there, so nothing piles up in
     * /tmp. Without it (a test that spawns on its own) a temporary directory is used.
     */
    static void useRendezvousDirectory(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        try (var stale = Files.list(dir)) {
            for (Path p : stale.toList()) Files.deleteIfExists(p);
        }
        synchronized (Spawner.class) {
            rendezvousDir = dir;
        }
    }

    /** Removes the rendezvous directory at exit when nothing is in it (each spawn unlinks its FIFOs). */
    static void releaseRendezvousDirectory() {
        synchronized (Spawner.class) {
            Path d = rendezvousDir;
            if (d == null) return;
            try {
                Files.deleteIfExists(d);
                rendezvousDir = null;
            } catch (IOException notEmpty) {
                // a spawn still under way; the next daemon empties it at start
            }
        }
    }

    /** A directory only root can enter, for the FIFOs; created once per daemon, removed at exit. */
    private static Path rendezvousDir() throws IOException {
        Path d = rendezvousDir;
        if (d != null) return d;
        synchronized (Spawner.class) {
            if (rendezvousDir == null) {
                Path created = Files.createTempDirectory("tollgated-spawn-",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                created.toFile().deleteOnExit();
                rendezvousDir = created;
            }
            return rendezvousDir;
        }
    }
}
