package dev.tollgate.bench;

import dev.tollgate.libc.ApiFileSystems;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real systemd 252, running as PID 1 of private namespaces (../shared/systemd-oracle/,
 * directory {@code $ORACLE}), as the baseline of the benchmarks: its transient services and
 * slices with the same settings as ours, whose cgroups (seen from the host) let the benchmark
 * create sockets charged to systemd's unit and read the run statistics of systemd's own
 * programs. The benchmark JVM runs in the instance's network namespace (the scripts start it
 * under {@code nsenter -n}), so both sides' traffic crosses the same loopback.
 *
 * <p>Everything it starts (services, slice unit files) is named after the run and removed by
 * {@link #close()}.
 */
final class SystemdOracle implements AutoCloseable {
    private final Path dir;
    private final long pid;
    private final Path cgroupRoot;
    private final List<String> services = new ArrayList<>();
    private final List<Path> unitFiles = new ArrayList<>();
    private final List<String> slices = new ArrayList<>();

    private SystemdOracle(Path dir, long pid, Path cgroupRoot) {
        this.dir = dir;
        this.pid = pid;
        this.cgroupRoot = cgroupRoot;
    }

    /** The instance whose scripts and systemd.pid are in {@code dir}; it must be running. */
    static SystemdOracle open(Path dir) {
        Path pidFile = dir.resolve("systemd.pid");
        if (!Files.isRegularFile(pidFile))
            throw new IllegalStateException("no systemd oracle at " + dir + " (start one: ORACLE=" + dir
                    + " ../shared/systemd-oracle/setup.sh)");
        try {
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            if (!Files.exists(Path.of("/proc/" + pid)))
                throw new IllegalStateException("the systemd oracle's PID " + pid + " (" + pidFile + ") is not running");
            String rel = null;
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
                if (line.startsWith("0::")) rel = line.substring(3);
            }
            if (rel == null) throw new IllegalStateException("systemd PID " + pid + " has no cgroup v2 path");
            // PID 1 of the instance sits in <root>/init.scope as the host sees it.
            Path scope = ApiFileSystems.cgroup2().orElseThrow(() -> new IllegalStateException(
                    "statfs says neither /sys/fs/cgroup nor /sys/fs/cgroup/unified is cgroup2")).resolve(rel.substring(1));
            Path root = scope.getFileName().toString().equals("init.scope") ? scope.getParent() : scope;
            return new SystemdOracle(dir, pid, root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the systemd oracle at " + dir, e);
        }
    }

    String version() {
        return run("systemctl", "--version").lines().findFirst().orElse("?");
    }

    /** Writes slice unit files with IPAccounting=yes for {@code names} (outermost first) and reloads. */
    void accountedSlices(List<String> names) {
        for (String n : names) {
            Path f = dir.resolve("units").resolve(n);
            try {
                Files.writeString(f, "[Slice]\nIPAccounting=yes\n");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + f, e);
            }
            unitFiles.add(f);
            slices.add(n);
        }
        run("systemctl", "daemon-reload");
    }

    /** Starts {@code sleep infinity} as a transient service with these properties; returns its cgroup as the host sees it. */
    Path startService(String name, String slice, List<String> properties) {
        List<String> argv = new ArrayList<>(List.of("systemd-run", "-q", "--unit=" + name));
        if (slice != null) argv.add("--slice=" + slice);
        for (String p : properties) argv.addAll(List.of("-p", p));
        argv.addAll(List.of("/usr/bin/sleep", "infinity"));
        services.add(name);
        run(argv.toArray(String[]::new));
        String cg = run("systemctl", "show", "-p", "ControlGroup", "--value", name).trim();
        if (!cg.startsWith("/")) throw new IllegalStateException(name + " has no control group: '" + cg + "'");
        Path p = cgroupRoot.resolve(cg.substring(1));
        if (!Files.isDirectory(p)) throw new IllegalStateException(name + "'s cgroup " + p + " does not exist");
        return p;
    }

    /** One program that runs for a cgroup's packets. */
    record Program(int id, boolean ingress, String name) {}

    private static final Pattern ROW = Pattern.compile("^\\s*(\\d+)\\s+cgroup_inet_(ingress|egress)\\s+(\\S*)", Pattern.MULTILINE);

    /** Every cgroup_skb program that runs for sockets of {@code cgroup}: {@code bpftool cgroup show CG effective}. */
    static List<Program> effectivePrograms(Path cgroup) {
        String out = exec(List.of("bpftool", "cgroup", "show", cgroup.toString(), "effective"));
        List<Program> ps = new ArrayList<>();
        Matcher m = ROW.matcher(out);
        while (m.find()) ps.add(new Program(Integer.parseInt(m.group(1)), m.group(2).equals("ingress"), m.group(3)));
        return ps;
    }

    private String run(String... command) {
        List<String> argv = new ArrayList<>(List.of(dir.resolve("sdx").toString()));
        argv.addAll(List.of(command));
        return exec(argv);
    }

    static String exec(List<String> argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", argv) + ": no answer in 60 s");
            }
            String s = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0)
                throw new IllegalStateException(String.join(" ", argv) + " failed (" + p.exitValue() + "): " + s);
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + argv.getFirst(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    long pid() {
        return pid;
    }

    @Override
    public void close() {
        List<String> failures = new ArrayList<>();
        for (String s : services.reversed()) {
            try {
                run("systemctl", "stop", s);
            } catch (RuntimeException e) {
                failures.add(e.getMessage());
            }
        }
        services.clear();
        for (String s : slices.reversed()) {
            try {
                run("systemctl", "stop", s);
            } catch (RuntimeException e) {
                failures.add(e.getMessage());
            }
        }
        slices.clear();
        for (Path f : unitFiles) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException e) {
                failures.add("cannot remove " + f + ": " + e);
            }
        }
        if (!unitFiles.isEmpty()) {
            unitFiles.clear();
            try {
                run("systemctl", "daemon-reload");
            } catch (RuntimeException e) {
                failures.add(e.getMessage());
            }
        }
        if (!failures.isEmpty()) throw new IllegalStateException("systemd oracle cleanup: " + String.join("; ", failures));
    }
}
