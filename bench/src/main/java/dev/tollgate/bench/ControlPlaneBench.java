package dev.tollgate.bench;

import dev.tollgate.api.ActiveState;
import dev.tollgate.api.ManagerClient;
import dev.tollgate.api.UnitType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The control plane at scale against the real systemd (issue 15): the same N services (an
 * accounted bulk.slice, IPAccounting=yes, a 2-prefix IPAddressDeny=, /bin/sleep infinity)
 * booted by systemd 252 as PID 1 of private namespaces ({@link SystemdBoot}) and by the real
 * tollgated, alternating within each round. Per manager: time from starting the manager until
 * all N are active, time to stop them all (stopping bulk.slice), the manager's RSS with N
 * running, and reading the four IP counters of every unit (systemctl show vs GetCounters).
 * Prints each figure's median and range over rounds and the ratio tollgated/systemd with the
 * range of the per-round ratios. With several N, the RSS slope per unit between them.
 *
 * <p>Args: tollgated-launcher cgroup2-mount bpffs-dir work-dir oracle-scripts-dir rounds N...
 */
public final class ControlPlaneBench {
    private ControlPlaneBench() {}

    /** One manager's figures in one round. */
    record Round(double bootMs, double stopMs, double rssMiB, double countersMs, double bootCpuS) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "boot %.0f ms (manager CPU %.2f s), stop %.0f ms, RSS %.1f MiB, counters %.1f ms",
                    bootMs, bootCpuS, stopMs, rssMiB, countersMs);
        }
    }

    /** User + system CPU seconds the process has used (/proc/PID/stat utime and stime, in clock ticks of 1/100 s). */
    static double cpuSeconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    }

    /**
     * Both managers keep file descriptors per unit (systemd 252 about 4.4: its BPF programs and
     * maps; tollgated 8: programs, links, maps and a pidfd), and neither can go past the hard
     * RLIMIT_NOFILE it inherits when CAP_SYS_RESOURCE is missing from the bounding set (as on
     * the 2-core test machine: 20,000). systemd 252 then fails units' BPF set-up ("Too many
     * open files") and can no longer accept connections on its private socket, so systemctl
     * never answers; say so up front instead of waiting 10 minutes.
     */
    private static void warnAboutFdLimit(int n) throws IOException {
        long hard = -1;
        for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
            if (line.startsWith("Max open files")) hard = Long.parseLong(line.substring(25).trim().split("\\s+")[1].replace("unlimited", "-1"));
        }
        String caps = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("CapBnd:")).findFirst().orElse("CapBnd: 0");
        boolean sysResource = (Long.parseLong(caps.substring(7).trim(), 16) & (1L << 24)) != 0;
        if (hard > 0 && n * 8L + 200 > hard) {
            System.out.printf(Locale.ROOT, "  note: hard RLIMIT_NOFILE is %d%s; systemd 252 needs ~4.4 fds per unit (%d), tollgated 8 (%d): a manager past it fails%n",
                    hard, sysResource ? "" : " and CAP_SYS_RESOURCE is not in the bounding set (cannot be raised)", Math.round(n * 4.4), n * 8L);
        }
    }

    public static void main(String[] args) throws Exception {
        Path launcher = Path.of(args[0]);
        Path cgroup2 = Path.of(args[1]);
        Path bpffsBase = Path.of(args[2]);
        Path work = Path.of(args[3]);
        Path oracleScripts = Path.of(args[4]);
        int rounds = Integer.parseInt(args[5]);
        String name = work.getFileName().toString();
        Map<Integer, double[]> rssByN = new LinkedHashMap<>();
        for (int a = 6; a < args.length; a++) {
            int n = Integer.parseInt(args[a]);
            System.out.printf(Locale.ROOT, "%ncontrol plane: %d services (accounted bulk.slice, IPAccounting=yes, IPAddressDeny=10.0.0.0/8 192.168.0.0/16, /bin/sleep infinity), %d rounds, alternating%n", n, rounds);
            warnAboutFdLimit(n);
            Path units = Files.createDirectories(work.resolve("units-" + n));
            writeTollgateUnits(units, n);
            Path oracleDir = Files.createDirectories(work.resolve("oracle-" + n));
            SystemdBoot oracle = new SystemdBoot(oracleScripts, oracleDir, cgroup2.resolve(name + "-oracle-" + n));
            oracle.writeUnits(n);
            List<Round> sd = new ArrayList<>();
            List<Round> tg = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                boolean systemdFirst = r % 2 == 0;
                for (int k = 0; k < 2; k++) {
                    if ((k == 0) == systemdFirst) {
                        Round x = oracle.round(n);
                        sd.add(x);
                        System.out.printf(Locale.ROOT, "  round %d systemd  : %s%n", r + 1, x);
                    } else {
                        Round x = tollgateRound(launcher, cgroup2, bpffsBase, work.resolve("daemon-" + n + "-" + r), units,
                                "/" + name + "-" + n + "-" + r, n);
                        tg.add(x);
                        System.out.printf(Locale.ROOT, "  round %d tollgated: %s%n", r + 1, x);
                    }
                }
            }
            System.out.println();
            System.out.printf(Locale.ROOT, "%-44s %-24s %-24s %s%n", "N=" + n + " (median [min-max] over " + rounds + ")",
                    "systemd 252", "tollgated", "tollgated/systemd");
            row("boot until all " + n + " active", "ms", sd, tg, Round::bootMs);
            row("stop all (stop bulk.slice)", "ms", sd, tg, Round::stopMs);
            row("manager RSS with " + n + " running", "MiB", sd, tg, Round::rssMiB);
            row("4 IP counters of all " + n, "ms", sd, tg, Round::countersMs);
            row("manager CPU until all " + n + " active", "s", sd, tg, Round::bootCpuS);
            rssByN.put(n, new double[] {median(sd, Round::rssMiB), median(tg, Round::rssMiB)});
        }
        if (rssByN.size() > 1) {
            List<Integer> ns = new ArrayList<>(rssByN.keySet());
            for (int i = 1; i < ns.size(); i++) {
                int a = ns.get(i - 1), b = ns.get(i);
                double[] ra = rssByN.get(a), rb = rssByN.get(b);
                System.out.printf(Locale.ROOT, "RSS per further unit %d -> %d (medians): systemd %.1f KiB, tollgated %.1f KiB%n",
                        a, b, (rb[0] - ra[0]) * 1024 / (b - a), (rb[1] - ra[1]) * 1024 / (b - a));
            }
        }
    }

    interface Figure {
        double of(Round r);
    }

    private static void row(String what, String unit, List<Round> sd, List<Round> tg, Figure f) {
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < Math.min(sd.size(), tg.size()); i++) ratios.add(f.of(tg.get(i)) / f.of(sd.get(i)));
        ratios.sort(null);
        System.out.printf(Locale.ROOT, "%-44s %-24s %-24s %.2fx [%.2f-%.2f]%n", what, spread(sd, f, unit), spread(tg, f, unit),
                ratios.get(ratios.size() / 2), ratios.getFirst(), ratios.getLast());
    }

    private static String spread(List<Round> rs, Figure f, String unit) {
        List<Double> v = rs.stream().map(f::of).sorted().toList();
        return String.format(Locale.ROOT, "%.1f [%.1f-%.1f] %s", v.get(v.size() / 2), v.getFirst(), v.getLast(), unit);
    }

    private static double median(List<Round> rs, Figure f) {
        List<Double> v = rs.stream().map(f::of).sorted().toList();
        return v.get(v.size() / 2);
    }

    private static Round tollgateRound(Path launcher, Path cgroup2, Path bpffsBase, Path state, Path units, String cgroupRoot, int n)
            throws Exception {
        try (Daemon d = new Daemon(launcher, cgroup2, state, units, cgroupRoot, bpffsBase.resolve(state.getFileName()))) {
            long t0 = System.nanoTime();
            d.start();
            ManagerClient client = d.connect();
            awaitServices(client, n, true);
            double bootMs = (System.nanoTime() - t0) / 1e6;
            double bootCpuS = cpuSeconds(d.process.pid());
            Call readAll = () -> {
                if (client.getCounters(List.of()).size() < n) throw new IllegalStateException("GetCounters misses units");
            };
            // The first calls after boot run the daemon's (and this client's) code cold; a
            // monitor reads counters over and over, so the figure is the steady state: the
            // median of 10 calls after 10 unmeasured ones (the first call is printed apart).
            double firstMs = medianMs(1, readAll);
            medianMs(9, readAll);
            double countersMs = medianMs(10, readAll);
            System.out.printf(Locale.ROOT, "    tollgated GetCounters: first call after boot %.1f ms, steady state %.1f ms%n", firstMs, countersMs);
            double rssMiB = d.rssKiB() / 1024.0;
            long s0 = System.nanoTime();
            client.stopUnit("bulk.slice");
            awaitServices(client, n, false);
            double stopMs = (System.nanoTime() - s0) / 1e6;
            return new Round(bootMs, stopMs, rssMiB, countersMs, bootCpuS);
        }
    }

    interface Call {
        void run() throws Exception;
    }

    static double medianMs(int runs, Call c) throws Exception {
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            c.run();
            ms.add((System.nanoTime() - t) / 1e6);
        }
        ms.sort(null);
        return ms.get(ms.size() / 2);
    }

    /**
     * Polls until all n services are active (or, with active false, none is active or
     * activating). It asks for the services not yet there, not for all of them: ListUnits of
     * 2,000 units is larger than the 1 MiB a Varlink reply may be, and the daemon refuses it
     * ("reply ... is larger than 1048576 bytes"); a refusal means many are not there yet.
     */
    private static void awaitServices(ManagerClient client, int n, boolean active) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        List<String> notThere = active ? List.of("inactive", "activating", "deactivating", "failed", "reloading")
                : List.of("active", "activating", "deactivating", "reloading");
        while (System.nanoTime() < deadline) {
            try {
                if (client.listUnits(List.of(UnitType.SERVICE), notThere, true).isEmpty()) {
                    if (!active || client.getCounters(List.of()).size() >= n) return;
                }
            } catch (dev.tollgate.varlink.VarlinkException tooMany) {
                if (!String.valueOf(tooMany.getMessage()).contains("larger than")) throw tooMany;
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("tollgated: not all " + n + " services " + (active ? "active" : "stopped") + " within 10 minutes");
    }

    /** The units of the run, also used by {@link SystemdBoot} (same text, other directory). */
    static String serviceUnit() {
        return "[Service]\nSlice=bulk.slice\nIPAccounting=yes\nIPAddressDeny=10.0.0.0/8 192.168.0.0/16\nExecStart=/bin/sleep infinity\n";
    }

    static final String BULK_SLICE = "[Slice]\nIPAccounting=yes\n";

    static void writeUnits(Path dir, String target, int n) throws IOException {
        Files.writeString(dir.resolve("bulk.slice"), BULK_SLICE);
        Path wants = Files.createDirectories(dir.resolve(target + ".wants"));
        for (int i = 1; i <= n; i++) {
            String unit = "s" + i + ".service";
            Files.writeString(dir.resolve(unit), serviceUnit());
            Path link = wants.resolve(unit);
            if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) Files.createSymbolicLink(link, dir.resolve(unit));
        }
    }

    private static void writeTollgateUnits(Path dir, int n) throws IOException {
        writeUnits(dir, "multi-user.target", n);
    }

    static void removeCgroupTree(Path root) throws IOException, InterruptedException {
        if (!Files.exists(root)) return;
        try (Stream<Path> s = Files.walk(root)) {
            for (Path dir : s.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
                Path kill = dir.resolve("cgroup.kill");
                if (Files.exists(kill)) Files.writeString(kill, "1");
                for (int i = 0; i < 1000; i++) {
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

    static long rssKiB(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        throw new IOException("no VmRSS for pid " + pid);
    }

    /**
     * The daemon's run-time state directory: tollgated's default is /run/tollgate, a tmpfs on a
     * systemd host, and the oracle's systemd gets a tmpfs /run too (ns-init.sh). The run
     * directory under /tmp may be on a disk file system (ext4 on the test machine), where the
     * two FIFOs each spawn creates and removes cost an inode allocation that scans recently
     * deleted inodes: a tenth of tollgated's boot CPU there, a cost no real installation pays.
     * So the state directory goes to /dev/shm (tmpfs) when there is one, named after the run.
     */
    static Path runtimeDirectory(Path state) {
        Path shm = Path.of("/dev/shm");
        if (!Files.isDirectory(shm)) return state.resolve("run");
        return shm.resolve(state.getParent().getFileName().toString()).resolve(state.getFileName().toString());
    }

    /** The real tollgated from the distribution, stopped (SIGTERM: it stops its units) and swept on close. */
    static final class Daemon implements AutoCloseable {
        final Path state;
        /** --state-dir (FIFOs of the spawn rendezvous, state file, socket): on tmpfs, as /run is where tollgated runs. */
        final Path runtime;
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
            this.runtime = runtimeDirectory(state);
            this.socket = runtime.resolve("sock");
            this.units = units;
            this.cgroupRoot = cgroupRoot;
            this.bpffs = bpffs;
        }

        void start() throws Exception {
            Files.createDirectories(state);
            Files.createDirectories(runtime);
            List<String> cmd = new ArrayList<>(List.of(launcher.toString(), "--config", "/dev/null", "--units-path", units.toString(),
                    "--cgroup-root", cgroupRoot, "--bpffs-dir", bpffs.toString(), "--state-dir", runtime.toString(),
                    "--socket", socket.toString(), "--log-level", "warning"));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(state.resolve("log").toFile());
            String jfr = System.getenv("BENCH_JFR");
            if (jfr != null && !jfr.isEmpty()) {
                pb.environment().put("JDK_JAVA_OPTIONS", "-XX:StartFlightRecording=filename=" + state.resolve("boot.jfr")
                        + ",settings=profile");
            }
            process = pb.start();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (!Files.exists(socket)) {
                if (!process.isAlive()) throw new IllegalStateException("tollgated exited: " + Files.readString(state.resolve("log")));
                if (System.nanoTime() > deadline) throw new IllegalStateException("tollgated did not come up");
                Thread.sleep(10);
            }
        }

        /** The socket file exists from bind(2) on; connections are refused until listen(2). */
        ManagerClient connect() throws Exception {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            while (true) {
                try {
                    return ManagerClient.connect(socket);
                } catch (IOException e) {
                    if (!process.isAlive() || System.nanoTime() > deadline) {
                        throw new IllegalStateException("cannot reach tollgated (alive: " + process.isAlive() + "); its log:\n"
                                + Files.readString(state.resolve("log")), e);
                    }
                    Thread.sleep(5);
                }
            }
        }

        /** The JVM's pid: the launcher execs java, so it is the process we started. */
        long rssKiB() throws IOException {
            return ControlPlaneBench.rssKiB(process.pid());
        }

        @Override
        public void close() throws Exception {
            if (process != null && process.isAlive()) {
                process.destroy();
                if (!process.waitFor(3, TimeUnit.MINUTES)) process.destroyForcibly().waitFor();
            }
            Path cg = cgroup2.resolve(cgroupRoot.substring(1));
            removeCgroupTree(cg);
            if (Files.exists(runtime)) {
                try (Stream<Path> s = Files.walk(runtime)) {
                    for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
                }
                Files.deleteIfExists(runtime.getParent());
            }
            if (Files.exists(bpffs)) {
                try (Stream<Path> s = Files.walk(bpffs)) {
                    for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
                }
            }
        }
    }
}
