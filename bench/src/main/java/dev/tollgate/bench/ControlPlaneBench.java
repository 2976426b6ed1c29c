package dev.tollgate.bench;

import dev.tollgate.api.ActiveState;
import dev.tollgate.api.ManagerClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The control plane at scale (issue 9): N services with accounting and a firewall started by
 * the real tollgated until all are active; daemon-reload with nothing changed and with one
 * slice's list changed; GetCounters for all; the daemon's RSS and heap. Baselines measured in
 * the same run: N plain processes started in N fresh cgroups by a shell loop, a no-op API
 * call, and the daemon's RSS with no units.
 *
 * <p>Args: tollgated-launcher cgroup2-mount bpffs-dir work-dir units
 */
public final class ControlPlaneBench {
    private ControlPlaneBench() {}

    public static void main(String[] args) throws Exception {
        Path launcher = Path.of(args[0]);
        Path cgroup2 = Path.of(args[1]);
        Path bpffsBase = Path.of(args[2]);
        Path work = Path.of(args[3]);
        int n = Integer.parseInt(args[4]);
        String name = work.getFileName().toString();
        System.out.println("control plane: " + n + " services with IPAccounting=yes and a 2-prefix firewall under an accounted slice");

        // Baseline: what starting N processes in N fresh cgroups costs without tollgate.
        Path baseRoot = cgroup2.resolve(name + "-baseline");
        double baselineMs;
        try {
            baselineMs = shellBaseline(baseRoot, n);
        } finally {
            removeCgroupTree(baseRoot);
        }

        Path idleUnits = Files.createDirectories(work.resolve("idle-units"));
        Path units = Files.createDirectories(work.resolve("units"));
        writeUnits(units, n);
        long idleRss;
        try (Daemon idle = new Daemon(launcher, cgroup2, work.resolve("idle"), idleUnits, "/" + name + "-idle", bpffsBase.resolve(name + "-idle"))) {
            idle.start();
            idleRss = idle.rssKiB();
        }

        try (Daemon d = new Daemon(launcher, cgroup2, work.resolve("daemon"), units, "/" + name, bpffsBase.resolve(name))) {
            long t0 = System.nanoTime();
            d.start();
            ManagerClient client = ManagerClient.connect(d.socket);
            waitAllActive(client, n);
            double startMs = (System.nanoTime() - t0) / 1e6;

            double noop = median(20, () -> client.getUnit("s1.service"));
            double reloadSame = median(5, client::reload);
            Files.writeString(units.resolve("bulk.slice"), "[Slice]\nIPAccounting=yes\nIPAddressDeny=172.16.0.0/12\n");
            long r0 = System.nanoTime();
            client.reload();
            double reloadChanged = (System.nanoTime() - r0) / 1e6;
            double counters = median(20, () -> client.getCounters(List.of()));
            int samples = client.getCounters(List.of()).size();
            double insideMs = daemonSideMs(client.getMetrics(), "io.tollgate.Manager.GetCounters");
            long rss = d.rssKiB();
            String heap = d.heapUsed();

            System.out.println();
            row("start " + n + " services until all active", startMs, "ms", baselineMs, "shell loop: " + n + " processes in fresh cgroups", 3000);
            row("daemon-reload, nothing changed", reloadSame, "ms", noop, "a GetUnit call", 300);
            row("daemon-reload, one slice's list changed (" + n + " units swap)", reloadChanged, "ms", noop, "a GetUnit call", Double.NaN);
            row("GetCounters for all (" + samples + " units and slices), client round trip", counters, "ms", noop, "a GetUnit call", Double.NaN);
            row("GetCounters for all, inside the daemon (mean)", insideMs, "ms", noop, "a GetUnit call", 20);
            row("daemon RSS with " + n + " units", rss / 1024.0, "MiB", idleRss / 1024.0, "the same daemon with no units", 200);
            System.out.printf(Locale.ROOT, "%-62s %s%n", "daemon heap", heap);
        }
    }

    private static void row(String what, double value, String unit, double baseline, String baselineWhat, double goal) {
        String verdict = Double.isNaN(goal) ? "" : (value <= goal ? "  goal <= " + (long) goal + " " + unit + ": PASS"
                : "  goal <= " + (long) goal + " " + unit + ": MISS");
        System.out.printf(Locale.ROOT, "%-62s %9.1f %-3s  = %6.1fx baseline (%s: %.1f %s)%s%n",
                what, value, unit, value / baseline, baselineWhat, baseline, unit, verdict);
    }

    interface Call {
        void run() throws Exception;
    }

    private static double median(int runs, Call c) throws Exception {
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            c.run();
            ms.add((System.nanoTime() - t) / 1e6);
        }
        ms.sort(null);
        return ms.get(ms.size() / 2);
    }

    private static double daemonSideMs(String metrics, String method) {
        double sum = 0, count = 0;
        for (String line : metrics.split("\n")) {
            if (!line.contains("method=\"" + method + "\"") || !line.contains("error=\"none\"")) continue;
            if (line.startsWith("tollgate_request_seconds_sum")) sum = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            if (line.startsWith("tollgate_request_seconds_count")) count = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
        return count == 0 ? Double.NaN : sum / count * 1000;
    }

    private static void waitAllActive(ManagerClient client, int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (System.nanoTime() < deadline) {
            long active = client.listUnits(null, null, true).stream()
                    .filter(u -> u.type() == dev.tollgate.api.UnitType.SERVICE && u.activeState() == ActiveState.ACTIVE).count();
            if (active >= n) return;
            Thread.sleep(20);
        }
        throw new IllegalStateException("not all " + n + " services became active within 5 minutes");
    }

    private static void writeUnits(Path dir, int n) throws IOException {
        Files.writeString(dir.resolve("bulk.slice"), "[Slice]\nIPAccounting=yes\n");
        Path wants = Files.createDirectories(dir.resolve("multi-user.target.wants"));
        for (int i = 1; i <= n; i++) {
            String unit = "s" + i + ".service";
            Files.writeString(dir.resolve(unit), "[Service]\nSlice=bulk.slice\nIPAccounting=yes\n"
                    + "IPAddressDeny=10.0.0.0/8 192.168.0.0/16\nExecStart=/bin/sleep infinity\n");
            Files.createSymbolicLink(wants.resolve(unit), dir.resolve(unit));
        }
    }

    private static double shellBaseline(Path root, int n) throws Exception {
        Files.createDirectories(root);
        String script = "for i in $(seq 1 " + n + "); do mkdir " + root + "/u$i; "
                + "setsid bash -c 'echo $$ > \"$0\"/cgroup.procs && exec sleep infinity' " + root + "/u$i "
                + "</dev/null >/dev/null 2>&1 & done; wait_for=" + n + "; "
                + "while [ $(cat " + root + "/u*/cgroup.procs 2>/dev/null | wc -l) -lt $wait_for ]; do sleep 0.01; done";
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("bash", "-c", script).inheritIO().start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) throw new IllegalStateException("baseline did not finish");
        return (System.nanoTime() - t0) / 1e6;
    }

    static void removeCgroupTree(Path root) throws IOException, InterruptedException {
        if (!Files.exists(root)) return;
        try (Stream<Path> s = Files.walk(root)) {
            for (Path dir : s.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
                Path kill = dir.resolve("cgroup.kill");
                if (Files.exists(kill)) Files.writeString(kill, "1");
                for (int i = 0; i < 500; i++) {
                    try {
                        Files.deleteIfExists(dir);
                        break;
                    } catch (IOException busy) {
                        Thread.sleep(10);
                    }
                }
            }
        }
    }

    /** The real tollgated from the distribution, stopped (SIGTERM: it stops its units) and swept on close. */
    static final class Daemon implements AutoCloseable {
        final Path state;
        final Path socket;
        final Path units;
        final String cgroupRoot;
        final Path bpffs;
        final Path launcher;
        final Path cgroup2;
        Process process;

        Daemon(Path launcher, Path cgroup2, Path state, Path units, String cgroupRoot, Path bpffs) {
            this.launcher = launcher;
            this.cgroup2 = cgroup2;
            this.state = state;
            this.socket = state.resolve("sock");
            this.units = units;
            this.cgroupRoot = cgroupRoot;
            this.bpffs = bpffs;
        }

        void start() throws Exception {
            Files.createDirectories(state);
            process = new ProcessBuilder(launcher.toString(), "--config", "/dev/null", "--units-path", units.toString(),
                    "--cgroup-root", cgroupRoot, "--bpffs-dir", bpffs.toString(), "--state-dir", state.toString(),
                    "--socket", socket.toString(), "--log-level", "warning")
                    .redirectErrorStream(true).redirectOutput(state.resolve("log").toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (!Files.exists(socket)) {
                if (!process.isAlive()) throw new IllegalStateException("tollgated exited: " + Files.readString(state.resolve("log")));
                if (System.nanoTime() > deadline) throw new IllegalStateException("tollgated did not come up");
                Thread.sleep(10);
            }
        }

        /** The JVM's pid: the launcher execs java, so it is the process we started. */
        long rssKiB() throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
            return -1;
        }

        String heapUsed() throws Exception {
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), "GC.heap_info").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out.lines().filter(l -> l.contains("total") && l.contains("used")).findFirst().orElse("?").trim();
        }

        @Override
        public void close() throws Exception {
            if (process != null && process.isAlive()) {
                process.destroy();
                if (!process.waitFor(3, TimeUnit.MINUTES)) process.destroyForcibly().waitFor();
            }
            Path cg = cgroup2.resolve(cgroupRoot.substring(1));
            removeCgroupTree(cg);
            if (Files.exists(bpffs)) {
                try (Stream<Path> s = Files.walk(bpffs)) {
                    for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
                }
            }
        }
    }
}
