package dev.tollgate.cgroup;

import dev.tollgate.testkit.Await;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A uniquely named cgroup ({@code tollgate-test-<random>}) directly under the cgroup2 mount,
 * for one test; {@link #close()} kills whatever is left in it and removes it depth-first.
 * The clean-up uses plain JDK calls only, so it works even when the code under test does not.
 */
final class ScratchRoot implements AutoCloseable {
    final Cgroup2Mount mount;
    final Cgroup root;
    private final List<Process> spawned = new ArrayList<>();

    private ScratchRoot(Cgroup2Mount mount, Cgroup root) {
        this.mount = mount;
        this.root = root;
    }

    static ScratchRoot create() throws IOException {
        Cgroup2Mount mount = Cgroup2Mount.current();
        String name = "tollgate-test-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        Cgroup root = mount.cgroup(CgroupPath.of(name));
        Files.createDirectory(root.directory());
        return new ScratchRoot(mount, root);
    }

    /** Starts {@code sleep 300} and moves it into {@code target}. */
    Process sleepIn(Cgroup target) throws IOException {
        Process p = start("sleep", "300");
        target.moveIn(p.pid());
        return p;
    }

    /**
     * Starts {@code sh -c script} with the script held back until the shell is in
     * {@code target}, so that everything it forks starts there too.
     */
    Process shellIn(Cgroup target, String script) throws IOException {
        Process p = start("sh", "-c", "read go; " + script);
        target.moveIn(p.pid());
        try (OutputStream in = p.getOutputStream()) {
            in.write("go\n".getBytes(StandardCharsets.US_ASCII));
        }
        return p;
    }

    Process start(String... command) throws IOException {
        Process p = new ProcessBuilder(command)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        spawned.add(p);
        return p;
    }

    @Override
    public void close() throws IOException {
        for (Process p : spawned) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        Path top = root.directory();
        long deadline = System.nanoTime() + Await.SAFETY_NET.toNanos();
        List<Path> dirs = new ArrayList<>();
        Exception last = null;
        while (Files.isDirectory(top, LinkOption.NOFOLLOW_LINKS)) {
            dirs.clear();
            collect(top, dirs);
            for (Path d : dirs) killAll(d);
            last = null;
            for (int i = dirs.size() - 1; i >= 0; i--) {
                try {
                    Files.deleteIfExists(dirs.get(i));
                } catch (IOException e) {
                    last = e;
                }
            }
            if (last == null) break;
            if (System.nanoTime() > deadline) throw new IllegalStateException("could not remove " + top, last);
            pause(20);
        }
        for (Process p : spawned) { // reap
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void collect(Path dir, List<Path> out) throws IOException {
        out.add(dir);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) collect(p, out);
            }
        }
    }

    private static void killAll(Path dir) {
        try {
            Path freeze = dir.resolve("cgroup.freeze");
            if (Files.exists(freeze)) Files.writeString(freeze, "0");
            for (String line : Files.readAllLines(dir.resolve("cgroup.procs"))) {
                if (!line.isBlank()) ProcessHandle.of(Long.parseLong(line.trim())).ifPresent(ProcessHandle::destroyForcibly);
            }
        } catch (IOException | RuntimeException e) {
            // best effort; the rmdir loop retries
        }
    }
}
