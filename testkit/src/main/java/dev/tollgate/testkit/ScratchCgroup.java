package dev.tollgate.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * A uniquely named cgroup v2 directory for one test, removed with everything below it on
 * close (processes left inside are killed first). Sockets are charged to the cgroup of the
 * process that creates them, so {@link #inside} runs code with this JVM moved in, and moves
 * it back whatever happens.
 */
public final class ScratchCgroup implements AutoCloseable {
    private static final Object MOVE_LOCK = new Object();
    private final Path path;

    private ScratchCgroup(Path path) {
        this.path = path;
    }

    public static ScratchCgroup create(String purpose) {
        Path mount = PrivilegedCondition.Host.cgroup2Mount()
                .orElseThrow(() -> new IllegalStateException("no cgroup2 mount"));
        String name = "tollgate-test-" + purpose + "-" + UUID.randomUUID().toString().substring(0, 8);
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

    /** A child cgroup (created if missing). */
    public Path child(String relative) {
        Path p = path.resolve(relative);
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

    @Override
    public void close() {
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

    private static void killAll(Path dir) throws IOException {
        Path kill = dir.resolve("cgroup.kill");
        Path procs = dir.resolve("cgroup.procs");
        if (!Files.exists(procs) || Files.readString(procs).isBlank()) return;
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
