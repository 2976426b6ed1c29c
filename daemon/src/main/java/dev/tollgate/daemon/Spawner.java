package dev.tollgate.daemon;

import dev.tollgate.libc.Errno;
import dev.tollgate.libc.Libc;
import dev.tollgate.libc.Posix;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

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
 * <li>older glibc: {@code posix_spawn} (vfork-style) whose first file actions open FIFOs of
 *     ours for reading ({@link Rendezvous}). The child stops in the third open, before it can
 *     exec, while the thread that called posix_spawn (one of {@link SpawnThreads}, reused)
 *     waits in the call; we find the child among that thread's children in
 *     {@code /proc/self/task/TID/children} by its fd 0, one of our FIFOs ({@link #held}), open
 *     its pidfd, write it to {@code cgroup.procs}, set its open-files limit, then open the third
 *     FIFO for writing, which lets it go on to exec. Writing the pid from outside is the only
 *     way in without a helper process in the child (systemd before 255 writes it from its
 *     forked child; the JVM cannot fork), and the FIFO makes the "before" certain without a
 *     shell in between. A spawn that goes wrong while the child is held is called off through
 *     a gate: the child's next open fails, so it exits before exec, whatever failed.
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
        // Compared only when a file (an Inherit record's equals would be method handles spun at the first spawn).
        if (r.stdout() instanceof Output.ToFile out && out.equals(r.stderr())) stdio.add(new Posix.FileAction.Dup(1, 2));
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

    /** instanceof, not a pattern switch (see SpawnerLauncher.launch); Inherit adds nothing. */
    private static void output(List<Posix.FileAction> actions, int fd, Output o) {
        if (o instanceof Output.Null) {
            actions.add(new Posix.FileAction.Open(fd, "/dev/null", Posix.O_WRONLY, 0));
        } else if (o instanceof Output.ToFile f) {
            actions.add(new Posix.FileAction.Open(fd, f.path().toString(),
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

    /**
     * The FIFOs of one held spawn, in the order the child opens them: {@code arrived} on fd 3
     * (it has begun its file actions), {@code checked} on fd 4 (it is done with the first, so
     * its fd 3 is {@code arrived}, which tells it from any other child), {@code proceed} on fd 4
     * (held there until moved), then {@code arrived} again on fd 3 without blocking: the gate,
     * which fails (and the spawn with it, before exec) once {@code arrived} is unlinked. glibc
     * closes an action's fd before its open, so the FIFO blocked in is never on an fd yet, and
     * {@code arrived} stays on fd 3 while the child is held; closefrom(3) closes them all before
     * exec. Names are unique per spawn: a child spawned meanwhile holds copies of our
     * descriptors until its exec, so a reused FIFO could see a stale reader or writer.
     */
    private record Rendezvous(String arrived, String checked, String proceed) {
        /** Where the held child has {@code arrived} open: above stdio, below what closefrom closes. */
        static final int MARK_FD = 3;

        static Rendezvous make(Path dir, long seq) throws IOException {
            Rendezvous r = new Rendezvous(dir.resolve(seq + ".arrived").toString(), dir.resolve(seq + ".checked").toString(),
                    dir.resolve(seq + ".proceed").toString());
            for (String fifo : r.all()) {
                int rc = Posix.mkfifo(fifo);
                if (rc != 0) {
                    r.unlink();
                    throw new IOException("cannot create the spawn rendezvous " + fifo + ": " + errnoName(rc));
                }
            }
            return r;
        }

        List<String> all() {
            return List.of(arrived, checked, proceed);
        }

        List<Posix.FileAction> actions() {
            return List.of(new Posix.FileAction.Open(MARK_FD, arrived, Posix.O_RDONLY, 0),
                    new Posix.FileAction.Open(MARK_FD + 1, checked, Posix.O_RDONLY, 0),
                    new Posix.FileAction.Open(MARK_FD + 1, proceed, Posix.O_RDONLY, 0),
                    new Posix.FileAction.Open(MARK_FD, arrived, Posix.O_RDONLY | Posix.O_NONBLOCK, 0));
        }

        void unlink() {
            for (String fifo : all()) Posix.unlink(fifo);
        }
    }

    /**
     * One posix_spawn call on a {@link SpawnThreads} thread: that thread's id, then the call's
     * result, then {@code over} once the holders are open and the thread is free again.
     */
    private static final class HeldSpawn implements Runnable {
        final CompletableFuture<Integer> tid = new CompletableFuture<>();
        final CompletableFuture<Long> result = new CompletableFuture<>();
        CompletableFuture<Void> over;
        private final String path;
        private final List<String> argv;
        private final Map<String, String> environment;
        private final List<Posix.FileAction> actions;
        private final Rendezvous fifos;
        private final List<Integer> holders = new ArrayList<>(); // written before over completes, read after

        HeldSpawn(String path, List<String> argv, Map<String, String> environment, List<Posix.FileAction> actions, Rendezvous fifos) {
            this.path = path;
            this.argv = argv;
            this.environment = environment;
            this.actions = actions;
            this.fifos = fifos;
        }

        @Override
        public void run() {
            long out = 0;
            Throwable failure = null;
            try (Arena arena = Arena.ofConfined()) {
                tid.complete(Posix.gettid());
                Posix.Prepared p = Posix.prepare(arena, path, argv, environment, actions, -1);
                try {
                    out = Posix.posixSpawn(arena, p);
                } finally {
                    Posix.release(p);
                }
            } catch (Throwable t) {
                failure = t;
                tid.completeExceptionally(t);
            } finally {
                if (failure != null) result.completeExceptionally(failure);
                else result.complete(out);
                // Readers that stay open until the caller is done: its open(2) for writing can
                // no longer wait for a child that will never open a FIFO again. Opened after the
                // result is out, so an open for writing that returns with the spawn call not
                // over was met by the child.
                for (String fifo : fifos.all()) {
                    int h = Posix.open(fifo, Posix.O_RDONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0);
                    if (h >= 0) holders.add(h);
                }
            }
        }

        /** Waits until the call is over and the holders are open, then closes them. */
        void finish() {
            over.join();
            for (int h : holders) Posix.close(h);
        }
    }

    private static Spawned heldUntilMoved(Request r, String path, List<String> argv, List<Posix.FileAction> stdio) throws IOException {
        Rendezvous fifos = Rendezvous.make(rendezvousDir(), SEQUENCE.incrementAndGet());
        List<Posix.FileAction> actions = new ArrayList<>(fifos.actions());
        actions.addAll(stdio);
        HeldSpawn spawn = new HeldSpawn(path, argv, r.environment(), actions, fifos);
        try {
            spawn.over = SpawnThreads.INSTANCE.run(spawn);
        } catch (RuntimeException | Error e) {
            fifos.unlink();
            throw e;
        }
        int passed = 0; // FIFOs the child has been let past: 3 once it may exec
        Integer pidfd = null;
        try {
            openForWriting(fifos.arrived());
            passed = 1;
            openForWriting(fifos.checked());
            passed = 2;
            // The child is now in its open of `checked` or held in that of `proceed` (and has
            // `arrived` on fd 3), unless the spawn call is over.
            if (spawn.result.isDone()) {
                passed = 3; // nothing left to hold
                return finished(spawn.result, path, null, 0);
            }
            int tid = join(spawn.tid);
            Held held = held(tid, fifos);
            // The kernel's children list is read while the thread's other children (earlier
            // spawns' services) come and go; under a storm of spawns ours was once missing
            // (the spawn then failed with 203). Looked for again, for at most ~0.2 s, while the
            // spawn call lasts, i.e. while our child is held.
            for (int miss = 1; held == null && miss <= 200 && !spawn.result.isDone(); miss++) {
                if (miss < 10) Thread.yield();
                else LockSupport.parkNanos(1_000_000);
                held = held(tid, fifos);
                if (held != null) Log.warning("spawn of %s: the held child was found only at look %d", path, miss + 1);
            }
            if (held == null) {
                // Not while the child is held (see held()): it died meanwhile, and the spawn call
                // says how. Called off all the same: it must not run outside its cgroup.
                passed = callOffAt(fifos, passed);
                return finished(spawn.result, path, null, 0);
            }
            pidfd = held.pidfd();
            int errno = Libc.writeFile(r.cgroup().resolve("cgroup.procs"), Long.toString(held.pid()).getBytes(StandardCharsets.US_ASCII));
            if (errno != 0) {
                passed = callOffAt(fifos, passed);
                // Killed meanwhile, the child escaped the gate and glibc's reaping: ours to reap.
                if (join(spawn.result) > 0) Posix.reap(pidfd);
                return new Spawned.Failed(EXIT_CGROUP, "cannot move into " + r.cgroup() + ": " + errnoName(errno), held.pid());
            }
            Posix.setSoftNofile(held.pid(), DEFAULT_SOFT_NOFILE);
            openForWriting(fifos.proceed());
            passed = 3;
            Spawned s = finished(spawn.result, path, pidfd, held.pid());
            pidfd = null; // taken over (or closed) by finished
            return s;
        } finally {
            // Whatever went wrong, the child does not run: it fails at the gate (and glibc reaps it).
            if (passed < 3) callOffAt(fifos, passed);
            if (pidfd != null) Posix.close(pidfd);
            spawn.finish();
            fifos.unlink();
        }
    }

    /** The held child: its pid, and a pidfd opened while it was certainly that child. */
    private record Held(long pid, int pidfd) {}

    /**
     * Finds the held child among the children of the thread blocked in its posix_spawn: the
     * one whose fd 3 is our {@code arrived} FIFO. Only our child opens it, and once
     * {@code checked} was opened for writing, the child is past that open (it is in the next)
     * and keeps it on fd 3 until it is let go. Newest first: children are listed in the order
     * they were created, and the held one is the newest but for children the kernel handed
     * this thread from threads that ended (it hands them to the main thread while it lives).
     *
     * <p>Exact without a race: the pidfd is opened before fd 3 is looked at. Our child lives
     * (held) with its pid for the whole search, so no other process can have that pid at either
     * moment; a candidate whose pid was freed and reused in between has someone else's fd 3.
     */
    private static Held held(int tid, Rendezvous fifos) throws IOException {
        String[] children = Files.readString(Path.of("/proc/self/task/" + tid + "/children")).trim().split(" ");
        for (int i = children.length - 1; i >= 0; i--) {
            if (children[i].isEmpty()) continue;
            long pid = Long.parseLong(children[i]);
            int fd = Posix.pidfdOpen(pid);
            if (fd < 0) continue; // gone: not ours, which is held
            String mark;
            try {
                mark = Files.readSymbolicLink(Path.of("/proc/" + pid + "/fd/" + Rendezvous.MARK_FD)).toString();
            } catch (IOException noSuchFd) {
                mark = "";
            }
            if (mark.equals(fifos.arrived())) return new Held(pid, fd);
            Posix.close(fd);
        }
        return null;
    }

    /**
     * Calls the spawn off: unlinks the gate's FIFO once the child is past its first open of it,
     * then lets it past every FIFO it has yet to pass, so it fails at the gate, before exec.
     * {@code passed}: the FIFOs it was let past already. Returns 3.
     */
    private static int callOffAt(Rendezvous fifos, int passed) {
        if (passed < 1) openForWriting(fifos.arrived());
        Posix.unlink(fifos.arrived());
        if (passed < 2) openForWriting(fifos.checked());
        if (passed < 3) openForWriting(fifos.proceed());
        return 3;
    }

    /** Opens the FIFO for writing and closes it: the child blocked in its open for reading goes on. */
    private static void openForWriting(String fifo) {
        int w = Posix.open(fifo, Posix.O_WRONLY | Posix.O_CLOEXEC, 0);
        if (w >= 0) Posix.close(w);
    }

    private static String errnoName(long errno) {
        return Errno.of((int) errno).description();
    }

    /** The spawn call's result: a started child (its pidfd taken over), or the failure (glibc reaped that child). */
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
            // Real: the held child is told by the path its fd 0 links to, which /proc spells so.
            rendezvousDir = dir.toRealPath();
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
                rendezvousDir = created.toRealPath();
            }
            return rendezvousDir;
        }
    }
}
