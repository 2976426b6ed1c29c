package dev.tollgate.system;

import dev.tollgate.cgroup.Cgroup2Mount;
import dev.tollgate.libc.MountInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One instance of the systemd 252 oracle ({@code ../shared/systemd-oracle}): the host's
 * {@code /lib/systemd/systemd} as PID 1 of private pid, mount, net, uts, ipc and cgroup
 * namespaces on the host's root file system, with a unit search path of its own.
 *
 * <p>Each instance has its own {@code $ORACLE} directory and its own cgroup on the host, so that
 * it never meets another helper's instance (the scripts put every instance in the host cgroup
 * {@code /oracle}; this copy of them names it after the instance). {@link #close()} kills the
 * instance (its namespaces, and every mount made in them, go with its PID 1), removes its cgroup
 * and its directory, and says what it could not remove.
 */
final class SystemdOracle implements AutoCloseable {
    static final Path SYSTEMD = Path.of("/lib/systemd/systemd");
    private static final List<String> SCRIPTS = List.of("ns-init.sh", "start-systemd.sh", "stop-systemd.sh", "sdx", "make-units.sh");
    /** Generous: a guard against a hung command, not a measure of anything. */
    static final Duration COMMAND_GUARD = Duration.ofMinutes(5);

    /** The instance's name, also its cgroup's on the host. */
    final String name;
    /** {@code $ORACLE}: the scripts, the unit directory {@code units/}, console.log, systemd.pid. */
    final Path dir;
    /** The instance's cgroup, as the host sees it: the root of its cgroup namespace. */
    final Path hostCgroup;
    private long pid1;

    /** The oracle's scripts: {@code tollgate.systemd.oracle} if set, else the shared directory beside the repository. */
    static Optional<Path> scripts(Path repo) {
        String configured = System.getProperty("tollgate.systemd.oracle", System.getenv("TOLLGATE_SYSTEMD_ORACLE"));
        List<Path> candidates = configured != null && !configured.isEmpty()
                ? List.of(Path.of(configured))
                : List.of(repo.resolve("../shared/systemd-oracle").normalize(), Path.of("/work/shared/systemd-oracle"));
        return candidates.stream().filter(p -> SCRIPTS.stream().allMatch(s -> Files.isRegularFile(p.resolve(s)))).findFirst();
    }

    /** Why no oracle can run here, or empty: its scripts, and systemd 252 at /lib/systemd/systemd. */
    static Optional<String> unavailable(Path repo) {
        if (scripts(repo).isEmpty()) {
            return Optional.of("no systemd oracle scripts (" + String.join(", ", SCRIPTS) + ") in " + repo.resolve("../shared/systemd-oracle").normalize()
                    + " or /work/shared/systemd-oracle (set -Dtollgate.systemd.oracle=DIR)");
        }
        if (!Files.isExecutable(SYSTEMD)) return Optional.of("no systemd at " + SYSTEMD + " (the oracle is Debian 12's systemd 252)");
        try {
            Result v = Result.run(List.of(SYSTEMD.toString(), "--version"), Map.of(), null);
            String first = v.out().lines().findFirst().orElse("");
            if (!first.startsWith("systemd 252 ")) return Optional.of(SYSTEMD + " is '" + first + "', not systemd 252");
        } catch (IOException e) {
            return Optional.of("cannot run " + SYSTEMD + " --version: " + e.getMessage());
        }
        return Optional.empty();
    }

    /** What a command printed and how it ended. */
    record Result(List<String> command, int exit, String out, String err) {
        static Result run(List<String> command, Map<String, String> env, String stdin) throws IOException {
            ProcessBuilder pb = new ProcessBuilder(command);
            pb.environment().putAll(env);
            if (stdin == null) pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            Process p = pb.start();
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
            if (stdin != null) {
                try (var in = p.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            try {
                if (!p.waitFor(COMMAND_GUARD.toSeconds(), TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IOException(String.join(" ", command) + " did not end within " + COMMAND_GUARD);
                }
                return new Result(command, p.exitValue(), out.join(), err.join());
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }

        private static String readAll(InputStream in) {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(unreadable: " + e + ")";
            }
        }

        Result ok() {
            if (exit != 0) throw new AssertionError(this + "\nexited " + exit);
            return this;
        }

        /** {@code KEY=VALUE} lines (systemctl show, tollctl show). */
        Map<String, String> properties() {
            Map<String, String> m = new LinkedHashMap<>();
            out.lines().filter(l -> l.contains("=")).forEach(l -> m.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1)));
            return m;
        }

        @Override
        public String toString() {
            return "$ " + String.join(" ", command) + " [exit " + exit + "]\n" + out + (err.isEmpty() ? "" : "(stderr)\n" + err);
        }
    }

    private SystemdOracle(String name, Path dir, Path hostCgroup) {
        this.name = name;
        this.dir = dir;
        this.hostCgroup = hostCgroup;
    }

    /** Copies the scripts into a directory of the instance's own, writes its unit directory and boots it. */
    static SystemdOracle start(Path scripts) throws IOException {
        Path hostCgroup2 = Cgroup2Mount.current().mountPoint();
        String name = "tollgate-oracle-" + UUID.randomUUID().toString().substring(0, 8);
        SystemdOracle o = new SystemdOracle(name, Files.createTempDirectory(name + "-"), hostCgroup2.resolve(name));
        Path dir = o.dir;
        try {
            for (String s : SCRIPTS) {
                String text = Files.readString(scripts.resolve(s));
                if (s.equals("start-systemd.sh") || s.equals("stop-systemd.sh")) {
                    // Both compute CG=<first cgroup2 mount>/oracle, the same for every instance.
                    String own = text.replace("/proc/self/mountinfo)/oracle\n", "/proc/self/mountinfo)/" + o.name + "\n");
                    if (own.equals(text)) {
                        throw new IllegalStateException(scripts.resolve(s) + " no longer names its cgroup '.../mountinfo)/oracle':"
                                + " see how it picks the instance's cgroup and give this test's instance one of its own");
                    }
                    text = own;
                }
                Path copy = dir.resolve(s);
                Files.writeString(copy, text);
                copy.toFile().setExecutable(true);
            }
            o.script("make-units.sh").ok();
            Result started = o.script("start-systemd.sh");
            System.out.println(started);
            started.ok();
            o.pid1 = Long.parseLong(Files.readString(dir.resolve("systemd.pid")).trim());
            return o;
        } catch (IOException | RuntimeException | Error e) {
            try {
                o.close();
            } catch (IOException | RuntimeException | Error suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private Result script(String script) throws IOException {
        return Result.run(List.of(dir.resolve(script).toString()), Map.of("ORACLE", dir.toString()), null);
    }

    /** A command inside the instance's namespaces ({@code sdx}). */
    Result sdx(String... command) throws IOException {
        return sdxWithInput(null, command);
    }

    Result sdxWithInput(String stdin, String... command) throws IOException {
        List<String> c = new ArrayList<>();
        c.add(dir.resolve("sdx").toString());
        c.addAll(List.of(command));
        return Result.run(c, Map.of("ORACLE", dir.toString()), stdin);
    }

    /** The unit directory on the instance's search path. */
    Path units() {
        return dir.resolve("units");
    }

    /** systemd's own messages (--log-target=console). */
    String console() {
        try {
            return Files.readString(dir.resolve("console.log"), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "(no console.log: " + e.getMessage() + ")";
        }
    }

    long pid1() {
        return pid1;
    }

    @Override
    public void close() throws IOException {
        List<String> problems = new ArrayList<>();
        Result stopped = null;
        if (Files.exists(dir.resolve("stop-systemd.sh"))) stopped = script("stop-systemd.sh");
        if (hostCgroup != null && Files.exists(hostCgroup)) {
            // stop-systemd.sh gives the processes around PID 1 (unshare, script) 0.2 s to exit
            // before it removes the cgroup; on a busy machine one may still be there. All in
            // this cgroup is this instance's: kill what is left, wait until it is empty, remove it.
            try {
                removeCgroupTree();
            } catch (IOException e) {
                problems.add("its cgroup " + hostCgroup + " is still there: " + e.getMessage()
                        + (stopped == null ? "" : "\n" + stopped));
            }
        }
        if (pid1 > 0 && ProcessHandle.of(pid1).isPresent()) problems.add("the instance's PID 1 (host pid " + pid1 + ") is still alive");
        // Mounts of the instance live in its mount namespace; one on the host below dir would
        // make removing dir reach into it.
        if (MountInfo.read().stream().anyMatch(m -> m.mountPoint().startsWith(dir))) {
            problems.add("the host has a mount below " + dir + ": not removing it");
        } else {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            } catch (IOException e) {
                problems.add("cannot remove " + dir + ": " + e);
            }
        }
        if (!problems.isEmpty()) throw new IOException("oracle instance " + name + " not cleaned up:\n" + String.join("\n", problems));
    }

    private void removeCgroupTree() throws IOException {
        Path kill = hostCgroup.resolve("cgroup.kill");
        if (Files.exists(kill)) Files.writeString(kill, "1");
        long deadline = System.nanoTime() + COMMAND_GUARD.toNanos();
        while (Files.readString(hostCgroup.resolve("cgroup.events")).contains("populated 1")) {
            if (System.nanoTime() > deadline) throw new IOException("still populated after " + COMMAND_GUARD);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        try (Stream<Path> s = Files.walk(hostCgroup)) {
            for (Path d : s.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) Files.delete(d);
        }
    }
}
