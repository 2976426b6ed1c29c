package dev.tollgate.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * systemd 252 as PID 1 of private namespaces, booted with N services wanted by its default
 * target ({@code ../shared/systemd-oracle/}: its ns-init.sh and make-units.sh, run with an
 * ORACLE directory and a cgroup of this run's own, so an instance someone else runs is never
 * touched). A boot is timed as start-systemd.sh times it: from starting the namespaces until
 * {@code systemctl is-system-running} says running, i.e. every wanted unit has started.
 */
final class SystemdBoot {
    private final Path scripts;
    private final Path dir;
    private final Path cgroup;

    SystemdBoot(Path scripts, Path dir, Path cgroup) {
        this.scripts = scripts;
        this.dir = dir;
        this.cgroup = cgroup;
    }

    void writeUnits(int n) throws Exception {
        for (String f : List.of("ns-init.sh", "make-units.sh")) {
            Path to = dir.resolve(f);
            Files.copy(scripts.resolve(f), to, StandardCopyOption.REPLACE_EXISTING);
            to.toFile().setExecutable(true);
        }
        run(List.of("env", "ORACLE=" + dir, dir.resolve("make-units.sh").toString()));
        ControlPlaneBench.writeUnits(dir.resolve("units"), "oracle.target", n);
    }

    ControlPlaneBench.Round round(int n) throws Exception {
        Files.createDirectories(cgroup);
        Files.deleteIfExists(dir.resolve("console.log"));
        String inner = "exec unshare --pid --fork --mount --mount-proc --net --uts --ipc --cgroup env ORACLE=" + dir
                + " SD_LOG_LEVEL=warning " + dir.resolve("ns-init.sh");
        long t0 = System.nanoTime();
        Process script = new ProcessBuilder("setsid", "bash", "-c", "echo $$ > \"$0\"/cgroup.procs && exec script -q -f -e -c \"$1\" \"$2\"",
                cgroup.toString(), inner, dir.resolve("console.log").toString())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true).start();
        long pid = 0;
        try {
            pid = findPid1(script);
            while (true) {
                String st = sdx(pid, "systemctl", "is-system-running").trim();
                if (st.equals("running") || st.equals("degraded")) break;
                if (System.nanoTime() - t0 > TimeUnit.MINUTES.toNanos(10)) throw new IllegalStateException("systemd: not running after 10 minutes: " + st);
                Thread.sleep(25);
            }
            double bootMs = (System.nanoTime() - t0) / 1e6;
            double bootCpuS = ControlPlaneBench.cpuSeconds(pid);
            long active = countActive(pid);
            if (active < n) throw new IllegalStateException("systemd says running but only " + active + " of " + n + " services are active");
            List<String> show = new ArrayList<>(List.of("systemctl", "show", "-p", "IPIngressBytes", "-p", "IPIngressPackets",
                    "-p", "IPEgressBytes", "-p", "IPEgressPackets"));
            for (int i = 1; i <= n; i++) show.add("s" + i + ".service");
            final long p1 = pid;
            double countersMs = ControlPlaneBench.medianMs(3, () -> {
                long lines = sdx(p1, show.toArray(String[]::new)).lines().filter(l -> l.matches("IP(In|E)gress(Bytes|Packets)=[0-9]+")).count();
                if (lines != 4L * n) throw new IllegalStateException("systemctl show gave " + lines + " counter lines for " + n + " units");
            });
            double rssMiB = ControlPlaneBench.rssKiB(pid) / 1024.0;
            double c0 = ControlPlaneBench.cpuSeconds(pid);
            long s0 = System.nanoTime();
            sdx(pid, "systemctl", "stop", "bulk.slice");
            double stopMs = (System.nanoTime() - s0) / 1e6;
            double stopCpuS = ControlPlaneBench.cpuSeconds(pid) - c0;
            long left = countActive(pid);
            if (left != 0) throw new IllegalStateException("systemd: " + left + " services still active after stopping bulk.slice");
            return new ControlPlaneBench.Round(bootMs, stopMs, rssMiB, countersMs, bootCpuS, stopCpuS);
        } finally {
            // SIGKILL of a pid namespace's init kills everything in it; the namespaces go with it.
            if (pid > 0) new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor();
            script.destroy();
            if (!script.waitFor(1, TimeUnit.MINUTES)) script.destroyForcibly().waitFor();
            ControlPlaneBench.removeCgroupTree(cgroup);
        }
    }

    private long countActive(long pid) throws Exception {
        return sdx(pid, "systemctl", "list-units", "--no-legend", "--plain", "--state=active,activating,deactivating", "s*.service")
                .lines().filter(l -> !l.isBlank()).count();
    }

    /** The host pid of the namespace's systemd: a process of our cgroup running systemd with namespace pid 1. */
    private long findPid1(Process script) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() < deadline) {
            if (!script.isAlive()) throw new IllegalStateException("systemd did not start: " + console());
            try (Stream<Path> s = Files.walk(cgroup)) {
                for (Path procs : s.filter(p -> p.getFileName().toString().equals("cgroup.procs")).toList()) {
                    for (String line : readOrEmpty(procs)) {
                        long p = Long.parseLong(line.trim());
                        if (isNamespacedSystemd(p)) return p;
                    }
                }
            } catch (IOException raced) {
                // cgroups come and go while systemd starts; look again.
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("systemd did not start: " + console());
    }

    private static List<String> readOrEmpty(Path p) {
        try {
            return Files.readAllLines(p);
        } catch (IOException gone) {
            return List.of();
        }
    }

    private static boolean isNamespacedSystemd(long pid) {
        try {
            if (!Files.readSymbolicLink(Path.of("/proc/" + pid + "/exe")).toString().endsWith("/lib/systemd/systemd")) return false;
            return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                    .anyMatch(l -> l.startsWith("NSpid:") && l.trim().endsWith("\t1") || l.matches("NSpid:.*\\s1"));
        } catch (IOException gone) {
            return false;
        }
    }

    private String console() {
        try {
            return Files.readString(dir.resolve("console.log"));
        } catch (IOException e) {
            return "(no console log)";
        }
    }

    /** A command inside the instance's namespaces (what the oracle's sdx does); its stdout. */
    private static String sdx(long pid, String... cmd) throws Exception {
        List<String> full = new ArrayList<>(List.of("nsenter", "-t", Long.toString(pid), "-m", "-p", "-n", "-u", "-i", "-C", "-r", "-w"));
        full.addAll(List.of(cmd));
        Process p = new ProcessBuilder(full).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    private static void run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "systemd 252 in %s", dir);
    }
}
