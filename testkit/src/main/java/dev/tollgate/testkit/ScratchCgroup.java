package dev.tollgate.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A uniquely named cgroup v2 directory for one test or benchmark run, removed with everything
 * below it on close (processes left inside are killed first, never this JVM). Sockets are
 * charged to the cgroup of the process that creates them, so {@link #inside} runs code with
 * this JVM moved in, and moves it back whatever happens.
 */
public final class ScratchCgroup implements AutoCloseable {
    /** One directory name, so nothing can point outside the cgroup2 mount. */
    private static final Pattern NAME = Pattern.compile("tollgate-[A-Za-z0-9_-]{1,64}");
    private static final Object MOVE_LOCK = new Object();
    private final Path path;

    private ScratchCgroup(Path path) {
        this.path = path;
    }

    /** {@code tollgate-test-PURPOSE-XXXXXXXX} under the cgroup2 mount. */
    public static ScratchCgroup create(String purpose) {
        return named("tollgate-test-" + purpose + "-" + UUID.randomUUID().toString().substring(0, 8));
    }

    /**
     * A scratch cgroup of a name the caller chose, such as a benchmark script that sweeps
     * {@code tollgate-bench-*} after a kill -9. Refuses a name that exists: it never adopts
     * someone else's tree.
     */
    public static ScratchCgroup named(String name) {
        if (!NAME.matcher(name).matches())
            throw new IllegalArgumentException("scratch cgroup name must match " + NAME.pattern() + ", got '" + name + "'");
        Path mount = PrivilegedCondition.Host.cgroup2Mount()
                .orElseThrow(() -> new IllegalStateException("statfs finds no cgroup2 mount"));
        Path p = mount.resolve(name);
        try {
            Files.createDirectory(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create scratch cgroup " + p, e);
        }
        return new ScratchCgroup(p);
    }

    public Path path() {
        return path;
    }

    /** A cgroup below this one, parents created as needed (created if missing). */
    public Path child(String relative) {
        Path p = path.resolve(relative).normalize();
        if (!p.startsWith(path) || p.equals(path)) throw new IllegalArgumentException("not below " + path + ": " + relative);
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + p, e);
        }
        return p;
    }

    /** Runs {@code body} with this whole process in {@code cgroup}, then moves it back. */
    public static <T> T inside(Path cgroup, Callable<T> body) throws Exception {
        synchronized (MOVE_LOCK) {
            Path home = ownCgroup();
            writeProcs(cgroup);
            try {
                return body.call();
            } finally {
                writeProcs(home);
            }
        }
    }

    /** This process's cgroup v2 directory. */
    public static Path ownCgroup() throws IOException {
        Path mount = PrivilegedCondition.Host.cgroup2Mount().orElseThrow();
        for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
            if (line.startsWith("0::")) {
                String rel = line.substring(3);
                return rel.equals("/") ? mount : mount.resolve(rel.substring(1));
            }
        }
        throw new IOException("no cgroup v2 entry in /proc/self/cgroup");
    }

    private static void writeProcs(Path cgroup) throws IOException {
        Files.writeString(cgroup.resolve("cgroup.procs"), Long.toString(ProcessHandle.current().pid()));
    }

    /** Safe to call twice, and from a shutdown hook while the owner's own cleanup runs. */
    @Override
    public synchronized void close() {
        if (!Files.exists(path)) return;
        try (Stream<Path> s = Files.walk(path)) {
            for (Path dir : s.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
                killAll(dir);
                removeDir(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clean up " + path, e);
        }
    }

    private void killAll(Path dir) throws IOException {
        Path kill = dir.resolve("cgroup.kill");
        Path procs = dir.resolve("cgroup.procs");
        if (!Files.exists(procs) || Files.readString(procs).isBlank()) return;
        String self = Long.toString(ProcessHandle.current().pid());
        if (Files.readAllLines(procs).stream().anyMatch(p -> p.trim().equals(self))) {
            // Left inside by a move other than inside() (or one a kill cut short): out, not killed.
            writeProcs(path.getParent());
        }
        if (Files.exists(kill)) {
            Files.writeString(kill, "1");
        } else {
            for (String pid : Files.readAllLines(procs)) {
                ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    private static void removeDir(Path dir) throws IOException {
        // A killed process leaves its cgroup some time after the signal (longer on a busy
        // machine): retry rmdir until it is empty, up to the safety net.
        long deadline = System.nanoTime() + Await.SAFETY_NET.toNanos();
        while (true) {
            try {
                Files.deleteIfExists(dir);
                return;
            } catch (IOException e) {
                if (System.nanoTime() - deadline > 0) throw e;
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }
}
