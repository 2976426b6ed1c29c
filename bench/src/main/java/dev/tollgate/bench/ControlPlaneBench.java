package dev.tollgate.bench;

import dev.tollgate.api.ActiveState;
import dev.tollgate.api.ManagerClient;
import dev.tollgate.api.SystemState;
import dev.tollgate.api.UnitInfo;
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
 * tollgated, one after the other within each round. Per manager: time from starting the
 * manager until it says running (is-system-running, GetSystemState: every boot job done; that all
 * N are active is checked after the clock stops), time to stop them all (stopping bulk.slice), the manager's
 * RSS with N running, and reading the four IP counters of every unit (systemctl show vs
 * GetCounters). Prints each figure's median and range over rounds and the ratio
 * tollgated/systemd with the range of the per-round ratios. With several N, the RSS slope per
 * unit between them.
 *
 * <p>tollgated runs on the host, in the Debian trixie root (another glibc, so the other way of
 * spawning: {@link Place}), or both in each round as two columns beside systemd's; systemd
 * always runs on the host.
 */
public final class ControlPlaneBench {
    private ControlPlaneBench() {}

    /** One manager's figures in one round. */
    record Round(double bootMs, double stopMs, double rssMiB, double countersMs, double bootCpuS, double stopCpuS) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "boot %.0f ms (manager CPU %.2f s), stop %.0f ms (%.2f s), RSS %.1f MiB, counters %.1f ms",
                    bootMs, bootCpuS, stopMs, stopCpuS, rssMiB, countersMs);
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
     * maps; tollgated 1, see TOLLGATED_FDS_PER_UNIT), and neither can go past the hard
     * RLIMIT_NOFILE it inherits when CAP_SYS_RESOURCE is missing from the bounding set (as on
     * the 2-core test machine: 20,000). systemd 252 then fails units' BPF set-up ("Too many
     * open files") and can no longer accept connections on its private socket, so systemctl
     * never answers; say so up front instead of waiting 10 minutes.
     */
    private static boolean systemdFitsFdLimit(int n) throws IOException {
        long hard = -1;
        for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
            if (line.startsWith("Max open files")) hard = Long.parseLong(line.substring(25).trim().split("\\s+")[1].replace("unlimited", "-1"));
        }
        String caps = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("CapBnd:")).findFirst().orElse("CapBnd: 0");
        boolean sysResource = (Long.parseLong(caps.substring(7).trim(), 16) & (1L << 24)) != 0;
        boolean fits = hard <= 0 || Math.round(n * 4.4) + 200 <= hard;
        if (!fits) {
            System.out.printf(Locale.ROOT, "  note: hard RLIMIT_NOFILE is %d%s; systemd 252 needs ~4.4 fds per unit (%d), tollgated %d (%d): a manager past it fails%n",
                    hard, sysResource ? "" : " and CAP_SYS_RESOURCE is not in the bounding set (cannot be raised)", Math.round(n * 4.4),
                    TOLLGATED_FDS_PER_UNIT, n * (long) TOLLGATED_FDS_PER_UNIT);
        }
        return fits;
    }

    /**
     * The descriptors tollgated holds per running unit: its pidfd (the counters and drop event
     * state are in the daemon's two cgroup storage maps; 1,046 fds with 1,000 units). Units in
     * the per-unit program form (a kernel without shared cgroup storage, or --programs per-unit,
     * which BENCH_PROGRAMS=per-unit asks for) hold their counters and events maps too: 3.
     */
    static final int TOLLGATED_FDS_PER_UNIT = "per-unit".equals(System.getenv("BENCH_PROGRAMS")) ? 3 : 1;

    /**
     * Where a tollgated of the run runs. On the host it finds the host's glibc; chrooted in the
     * Debian trixie root (scripts/in-trixie-root.sh, a private mount namespace per daemon, with
     * the run directory bound in) it finds glibc 2.41, whose pidfd_spawn and
     * posix_spawnattr_setcgroup_np make Spawner start services straight in their cgroup.
     *
     * @param key "host" or "trixie": names the column, the daemon's directories and cgroups
     * @param wrapper what the launcher's command line is prefixed with (nothing on the host)
     * @param where said above the figures
     */
    record Place(String key, List<String> wrapper, String where) {
        static Place of(String key, Path inTrixieRoot, Path work) {
            return switch (key) {
                case "host" -> new Place(key, List.of(), "on the host");
                case "trixie" -> {
                    String root = System.getenv().getOrDefault("TOLLGATE_TRIXIE_ROOT", "/var/tmp/trixie-root");
                    yield new Place(key, List.of(inTrixieRoot.toString(), "--bind", work.toString(), "--exec"),
                            "chrooted in " + root + " by scripts/in-trixie-root.sh (systemd stays on the host)");
                }
                default -> throw new IllegalArgumentException("BENCH_TOLLGATED: unknown place '" + key + "' (host, trixie or host,trixie)");
            };
        }

        List<String> command(List<String> cmd) {
            List<String> full = new ArrayList<>(wrapper);
            full.addAll(cmd);
            return full;
        }
    }

    /**
     * A tollgated column as measured: where it runs, the C library there and the way its
     * Spawner starts services, as a tollgated started there says at start ("services are
     * spawned by ..."). The measured daemons log warnings only (an info line per start and stop
     * would be part of the figures), so a daemon without units, started by the same launcher in
     * the same place with --log-level info, is asked before the rounds.
     */
    record Side(Place place, String column, String glibc, String spawnMethod) {
        static Side probe(Place place, String column, Path launcher, Path cgroup2, Path bpffsBase, Path work) throws Exception {
            String glibc = firstLine(run(place.command(List.of("ldd", "--version"))));
            Path empty = Files.createDirectories(work.resolve("units-none"));
            String name = work.getFileName() + "-" + place.key() + "-probe";
            String log;
            try (Daemon d = new Daemon(launcher, place, cgroup2, work.resolve("probe-" + place.key()), empty, "/" + name,
                    bpffsBase.resolve(name), "info")) {
                d.start();
                // This JVM's client code that the rounds run while the clock runs (connecting,
                // GetSystemState) is loaded and compiled here, not in round 1: there it ran on the two
                // CPUs beside the daemon's boot, and the first tollgated boot was the slowest of every
                // run (1261-1381 ms against 1020-1155 for the later rounds).
                try (ManagerClient c = d.connect()) {
                    for (int i = 0; i < 300; i++) c.getSystemState();
                }
                log = Files.readString(d.state.resolve("log"));
            }
            String marker = "services are spawned by ";
            String method = log.lines().filter(l -> l.contains(marker)).map(l -> l.substring(l.indexOf(marker) + marker.length()))
                    .findFirst().orElseThrow(() -> new IllegalStateException("tollgated " + place.where() + " did not say how it spawns; its log:\n" + log));
            if (place.key().equals("trixie") && !method.startsWith("pidfd_spawn")) {
                throw new IllegalStateException("tollgated " + place.where() + " (" + glibc + ") does not take the pidfd_spawn path: " + method);
            }
            return new Side(place, column, glibc, method);
        }
    }

    /** One column of the run: systemd or a tollgated, booted, measured and stopped once per call. */
    record Contender(String column, RoundOf round) {}

    interface RoundOf {
        Round run(int round) throws Exception;
    }

    /**
     * Args: tollgated-launcher in-trixie-root-script cgroup2-mount bpffs-dir work-dir
     * oracle-scripts-dir rounds places N..., where places is host, trixie or host,trixie.
     */
    public static void main(String[] args) throws Exception {
        Path launcher = Path.of(args[0]);
        Path inTrixieRoot = Path.of(args[1]);
        Path cgroup2 = Path.of(args[2]);
        Path bpffsBase = Path.of(args[3]);
        Path work = Path.of(args[4]);
        Path oracleScripts = Path.of(args[5]);
        int rounds = Integer.parseInt(args[6]);
        List<String> keys = List.of(args[7].split(","));
        String name = work.getFileName().toString();
        Runtime.getRuntime().addShutdownHook(new Thread(Daemon::closeAll));
        List<Side> sides = new ArrayList<>();
        for (String key : keys) {
            String column = keys.size() == 1 && key.equals("host") ? "tollgated" : "tollgated " + key;
            sides.add(Side.probe(Place.of(key, inTrixieRoot, work), column, launcher, cgroup2, bpffsBase, work));
        }
        Map<Integer, Map<String, Double>> rssByN = new LinkedHashMap<>();
        List<Double> loads = new ArrayList<>();
        for (int a = 8; a < args.length; a++) {
            int n = Integer.parseInt(args[a]);
            System.out.printf(Locale.ROOT, "%ncontrol plane: %d services (accounted bulk.slice, IPAccounting=yes, IPAddressDeny=10.0.0.0/8 192.168.0.0/16, /bin/sleep infinity), %d rounds, %s%n",
                    n, rounds, sides.size() == 1 ? "alternating" : "the order rotating");
            int sideWidth = sides.stream().mapToInt(s -> s.column().length()).max().orElse(0);
            for (Side s : sides) {
                System.out.printf(Locale.ROOT, "  %-" + sideWidth + "s: %s; %s; services are spawned by %s%n", s.column(), s.place().where(), s.glibc(), s.spawnMethod());
            }
            // Past systemd's descriptor ceiling its boot never ends (systemctl stops answering):
            // tollgated is measured alone then, unless BENCH_SYSTEMD_ALWAYS=1 asks to try.
            boolean withSystemd = systemdFitsFdLimit(n) || "1".equals(System.getenv("BENCH_SYSTEMD_ALWAYS"));
            if (!withSystemd) System.out.printf(Locale.ROOT, "  systemd 252 is not run for N=%d (set BENCH_SYSTEMD_ALWAYS=1 to try): tollgated's figures only, no ratios%n", n);
            Path units = Files.createDirectories(work.resolve("units-" + n));
            writeTollgateUnits(units, n);
            Path oracleDir = Files.createDirectories(work.resolve("oracle-" + n));
            SystemdBoot oracle = new SystemdBoot(oracleScripts, oracleDir, cgroup2.resolve(name + "-oracle-" + n));
            oracle.writeUnits(n);
            List<Contender> contenders = new ArrayList<>();
            if (withSystemd) contenders.add(new Contender(SYSTEMD, r -> oracle.round(n)));
            for (Side s : sides) {
                contenders.add(new Contender(s.column(), r -> tollgateRound(launcher, s.place(), cgroup2,
                        bpffsBase.resolve(name + "-" + s.place().key() + "-" + n + "-" + r),
                        work.resolve("daemon-" + s.place().key() + "-" + n + "-" + r), units,
                        "/" + name + "-" + s.place().key() + "-" + n + "-" + r, n)));
            }
            int width = contenders.stream().mapToInt(c -> c.column().length()).max().orElse(0);
            Map<String, List<Round>> results = new LinkedHashMap<>();
            for (Contender c : contenders) results.put(c.column(), new ArrayList<>());
            for (int r = 0; r < rounds; r++) {
                // Each round starts with the next one (the cyclic order stays), so none is always first.
                for (int k = 0; k < contenders.size(); k++) {
                    Contender c = contenders.get((k + r) % contenders.size());
                    double load = loadAverage();
                    loads.add(load);
                    Round x = c.round().run(r);
                    results.get(c.column()).add(x);
                    System.out.printf(Locale.ROOT, "  round %d %-" + width + "s (load %.1f): %s%n", r + 1, c.column(), load, x);
                }
            }
            printFigures(n, rounds, sides, results);
            Map<String, Double> rss = new LinkedHashMap<>();
            results.forEach((column, rs) -> rss.put(column, median(rs, Round::rssMiB)));
            rssByN.put(n, rss);
        }
        if (rssByN.size() > 1) {
            List<Integer> ns = new ArrayList<>(rssByN.keySet());
            for (int i = 1; i < ns.size(); i++) {
                int a = ns.get(i - 1), b = ns.get(i);
                List<String> slopes = new ArrayList<>();
                for (String column : rssByN.get(a).keySet()) {
                    if (!rssByN.get(b).containsKey(column)) continue; // systemd past its descriptor ceiling
                    slopes.add(String.format(Locale.ROOT, "%s %.1f KiB", column, (rssByN.get(b).get(column) - rssByN.get(a).get(column)) * 1024 / (b - a)));
                }
                System.out.printf(Locale.ROOT, "RSS per further unit %d -> %d (medians): %s%n", a, b, String.join(", ", slopes));
            }
        }
        List<Double> l = loads.stream().sorted().toList();
        System.out.printf(Locale.ROOT, "%nload average (1 min) at the start of each boot: median %.1f [%.1f-%.1f] on %d CPUs%n",
                l.get(l.size() / 2), l.getFirst(), l.getLast(), Runtime.getRuntime().availableProcessors());
    }

    /** The figures' rows: what, its unit, and how to take it from a round. */
    private record Row(String what, String unit, Figure figure) {}

    /** A ratio column: the per-round figures of one column over another's. */
    private record Ratio(String numerator, String denominator, String header) {}

    /**
     * Medians with ranges per column and the per-round ratios. With one tollgated, one table
     * (systemd, tollgated, tollgated/systemd) as ever; with two, the values and then the ratios
     * of each to systemd and of the second to the first, so the two spawn paths compare directly.
     */
    private static final String SYSTEMD = "systemd 252";

    private static void printFigures(int n, int rounds, List<Side> sides, Map<String, List<Round>> results) {
        List<Row> rows = List.of(
                new Row("boot until all " + n + " active", "ms", Round::bootMs),
                new Row("stop all (stop bulk.slice)", "ms", Round::stopMs),
                new Row("manager RSS with " + n + " running", "MiB", Round::rssMiB),
                new Row("4 IP counters of all " + n, "ms", Round::countersMs),
                new Row("manager CPU until all " + n + " active", "s", Round::bootCpuS),
                new Row("manager CPU to stop all", "s", Round::stopCpuS));
        List<String> columns = new ArrayList<>(results.keySet());
        // Ratios: each tollgated to systemd, then each further tollgated to the first.
        List<Ratio> ratioOf = new ArrayList<>();
        for (Side s : sides) {
            if (!results.containsKey(SYSTEMD)) break;
            ratioOf.add(new Ratio(s.column(), SYSTEMD, sides.size() == 1 ? "tollgated/systemd" : s.place().key() + "/systemd"));
        }
        for (Side s : sides.subList(1, sides.size())) {
            ratioOf.add(new Ratio(s.column(), sides.getFirst().column(), s.place().key() + "/" + sides.getFirst().place().key()));
        }
        String title = "N=" + n + " (median [min-max] over " + rounds + ")";
        List<List<String>> values = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of(title));
        header.addAll(columns);
        List<List<String>> ratios = new ArrayList<>();
        List<String> ratioHeader = new ArrayList<>(List.of("ratios (median [min-max] of the rounds' ratios)"));
        for (Ratio q : ratioOf) ratioHeader.add(q.header());
        for (Row row : rows) {
            List<String> v = new ArrayList<>(List.of(row.what()));
            for (String c : columns) v.add(spread(results.get(c), row.figure(), row.unit()));
            values.add(v);
            List<String> q = new ArrayList<>(List.of(row.what()));
            for (Ratio of : ratioOf) q.add(ratio(results.get(of.numerator()), results.get(of.denominator()), row.figure()));
            ratios.add(q);
        }
        System.out.println();
        if (sides.size() == 1) {
            header.addAll(ratioHeader.subList(1, ratioHeader.size()));
            for (int i = 0; i < values.size(); i++) values.get(i).addAll(ratios.get(i).subList(1, ratios.get(i).size()));
            printTable(header, values);
        } else {
            printTable(header, values);
            System.out.println();
            printTable(ratioHeader, ratios);
        }
    }

    private static void printTable(List<String> header, List<List<String>> rows) {
        int[] width = new int[header.size()];
        for (List<String> r : concat(header, rows)) for (int i = 0; i < r.size(); i++) width[i] = Math.max(width[i], r.get(i).length());
        for (List<String> r : concat(header, rows)) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < r.size(); i++) b.append(String.format(Locale.ROOT, "%-" + (width[i] + 3) + "s", r.get(i)));
            System.out.println(b.toString().stripTrailing());
        }
    }

    private static List<List<String>> concat(List<String> header, List<List<String>> rows) {
        List<List<String>> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        return all;
    }

    /** The 1-minute load average: how busy the shared machine was while a manager booted. */
    static double loadAverage() throws IOException {
        return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    }

    interface Figure {
        double of(Round r);
    }

    /** The median and range of the per-round ratios a/b (rounds paired by their index). */
    private static String ratio(List<Round> a, List<Round> b, Figure f) {
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) ratios.add(f.of(a.get(i)) / f.of(b.get(i)));
        ratios.sort(null);
        return String.format(Locale.ROOT, "%.2fx [%.2f-%.2f]", ratios.get(ratios.size() / 2), ratios.getFirst(), ratios.getLast());
    }

    private static String spread(List<Round> rs, Figure f, String unit) {
        List<Double> v = rs.stream().map(f::of).sorted().toList();
        String x = unit.equals("s") ? "%.2f" : "%.1f";
        return String.format(Locale.ROOT, x + " [" + x + "-" + x + "] %s", v.get(v.size() / 2), v.getFirst(), v.getLast(), unit);
    }

    private static double median(List<Round> rs, Figure f) {
        List<Double> v = rs.stream().map(f::of).sorted().toList();
        return v.get(v.size() / 2);
    }

    private static Round tollgateRound(Path launcher, Place place, Path cgroup2, Path bpffs, Path state, Path units, String cgroupRoot, int n)
            throws Exception {
        try (Daemon d = new Daemon(launcher, place, cgroup2, state, units, cgroupRoot, bpffs, "warning");
             PerfRecording perf = PerfRecording.ifAsked(state, "boot")) {
            long t0 = System.nanoTime();
            d.start();
            ManagerClient client = d.connect();
            SystemState booted = awaitBoot(client);
            double bootMs = (System.nanoTime() - t0) / 1e6;
            double bootCpuS = cpuSeconds(d.process.pid());
            perf.close();
            // Outside the timed part, as SystemdBoot counts systemd's active services once it says running.
            checkServices(client, n, true, "says " + booted);
            Call readAll = () -> {
                if (client.getCounters(List.of()).size() < n) throw new IllegalStateException("GetCounters misses units");
            };
            // The first calls after boot run the daemon's (and this client's) code cold; a
            // monitor reads counters over and over, so the figure is the steady state: the
            // median of 10 calls after 10 unmeasured ones (the first call is printed apart).
            double firstMs = medianMs(1, readAll);
            medianMs(9, readAll);
            double countersMs = medianMs(10, readAll);
            System.out.printf(Locale.ROOT, "    tollgated %s GetCounters: first call after boot %.1f ms, steady state %.1f ms%n", place.key(), firstMs, countersMs);
            double rssMiB = d.rssKiB() / 1024.0;
            double stopMs;
            double stopCpuS;
            try (PerfRecording stopPerf = PerfRecording.ifAsked(state, "stop")) {
                double c0 = cpuSeconds(d.process.pid());
                long s0 = System.nanoTime();
                // StopUnit answers once the slice's stop job is done, every member's stop with it, as
                // systemctl stop returns when its job is: the clock stops there on both sides, and
                // both count what is left afterwards.
                client.stopUnit("bulk.slice");
                stopMs = (System.nanoTime() - s0) / 1e6;
                stopCpuS = cpuSeconds(d.process.pid()) - c0;
            }
            checkServices(client, n, false, "answered StopUnit bulk.slice");
            return new Round(bootMs, stopMs, rssMiB, countersMs, bootCpuS, stopCpuS);
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
     * The boot, timed as SystemdBoot times systemd's: GetSystemState (one small call) every 20
     * ms until tollgated says running or degraded, i.e. every job of its boot has finished.
     * Polling the units instead (ListUnits until none is not active, then GetCounters) timed
     * this client as well: a cold JVM parsing replies of 1,000 units, about 0.4 s of the figure
     * after the daemon's work had ended.
     */
    private static SystemState awaitBoot(ManagerClient client) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (true) {
            SystemState s = client.getSystemState();
            if (s == SystemState.RUNNING || s == SystemState.DEGRADED) return s;
            if (s == SystemState.STOPPING) throw new IllegalStateException("tollgated: stopping while the bench waits for its boot");
            if (System.nanoTime() > deadline) throw new IllegalStateException("tollgated: not running after 10 minutes: " + s);
            Thread.sleep(20);
        }
    }

    /**
     * After the clock has stopped: all n services active (with active false: none active or on
     * its way), as SystemdBoot checks systemd's, or the round fails saying what was found. It
     * asks for the services not there, not for all of them: ListUnits of 2,000 units is larger
     * than the 1 MiB a Varlink reply may be ("... is larger than 1048576 bytes"), which also
     * means many are not there.
     */
    private static void checkServices(ManagerClient client, int n, boolean active, String after) throws Exception {
        List<String> notThere = active ? List.of("inactive", "activating", "deactivating", "failed", "reloading")
                : List.of("active", "activating", "deactivating", "reloading");
        String want = active ? "active" : "stopped";
        List<UnitInfo> wrong;
        try {
            wrong = client.listUnits(List.of(UnitType.SERVICE), notThere, true);
        } catch (dev.tollgate.varlink.VarlinkException tooMany) {
            if (!String.valueOf(tooMany.getMessage()).contains("larger than")) throw tooMany;
            throw new IllegalStateException("tollgated " + after + " but many of the " + n + " services are not " + want + ": " + tooMany.getMessage());
        }
        if (!wrong.isEmpty()) {
            UnitInfo first = wrong.getFirst();
            throw new IllegalStateException("tollgated " + after + " but " + wrong.size() + " of " + n + " services are not " + want
                    + " (" + first.name() + " is " + first.activeState() + "/" + first.subState() + ")");
        }
        if (active) {
            int counted = client.getCounters(List.of()).size();
            if (counted < n) throw new IllegalStateException("tollgated " + after + " but GetCounters has " + counted + " samples, not " + n);
        }
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

    /** The output of a short command (ldd --version, perf's checks), stdout and stderr together. */
    static String run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        return out;
    }

    static String firstLine(String s) {
        return s.lines().findFirst().orElse("").trim();
    }

    /**
     * BENCH_PERF=1: {@code perf record -a -g} (499 Hz, the whole machine: the spawned children,
     * the kernel, and other work competing for it) of a phase of a tollgated round: "boot" from
     * before tollgated starts until it says running, "stop" from the StopUnit call until it
     * answers (its job done); kept in the round's directory as PHASE.perf.data. Without it, nothing.
     */
    static final class PerfRecording implements AutoCloseable {
        private final Process perf;

        private PerfRecording(Process perf) {
            this.perf = perf;
        }

        static PerfRecording ifAsked(Path state, String phase) throws Exception {
            String asked = System.getenv("BENCH_PERF");
            if (asked == null || asked.isEmpty()) return new PerfRecording(null);
            Files.createDirectories(state);
            Path data = state.resolve(phase + ".perf.data");
            Path log = state.resolve(phase + ".perf.log");
            Process p = new ProcessBuilder("perf", "record", "-a", "-g", "-F", "499", "-o", data.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            // perf writes the file's header once its events are open: from then on it samples.
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            while (!Files.exists(data) || Files.size(data) == 0) {
                if (!p.isAlive()) throw new IllegalStateException("perf record exited: " + Files.readString(log));
                if (System.nanoTime() > deadline) throw new IllegalStateException("perf record did not start");
                Thread.sleep(10);
            }
            return new PerfRecording(p);
        }

        /** SIGTERM: perf finishes the file (build ids included) and exits. */
        @Override
        public void close() throws Exception {
            if (perf == null || !perf.isAlive()) return;
            perf.destroy();
            if (!perf.waitFor(5, TimeUnit.MINUTES)) perf.destroyForcibly().waitFor();
        }
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
        final Place place;
        final Path cgroup2;
        final String logLevel;
        Process process;

        /** The daemons not yet closed: a bench stopped by a signal stops them too (closeAll, a shutdown hook). */
        private static final java.util.Set<Daemon> LIVE = java.util.concurrent.ConcurrentHashMap.newKeySet();

        Daemon(Path launcher, Place place, Path cgroup2, Path state, Path units, String cgroupRoot, Path bpffs, String logLevel) {
            this.launcher = launcher;
            this.place = place;
            this.logLevel = logLevel;
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
            List<String> args = new java.util.ArrayList<>(List.of(launcher.toString(), "--config", "/dev/null", "--units-path",
                    units.toString(), "--cgroup-root", cgroupRoot, "--bpffs-dir", bpffs.toString(), "--state-dir", runtime.toString(),
                    "--socket", socket.toString(), "--log-level", logLevel));
            // BENCH_PROGRAMS=per-unit: each unit loads its own programs (the form before shared programs).
            String programs = System.getenv("BENCH_PROGRAMS");
            if (programs != null && !programs.isEmpty()) args.addAll(List.of("--programs", programs));
            List<String> cmd = place.command(args);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(state.resolve("log").toFile());
            String jfr = System.getenv("BENCH_JFR");
            if (jfr != null && !jfr.isEmpty()) {
                pb.environment().put("JDK_JAVA_OPTIONS", "-XX:StartFlightRecording=filename=" + state.resolve("boot.jfr")
                        + ",settings=profile");
            }
            LIVE.add(this);
            process = pb.start();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (!Files.exists(socket)) {
                if (!process.isAlive()) throw new IllegalStateException("tollgated exited: " + Files.readString(state.resolve("log")));
                if (System.nanoTime() > deadline) throw new IllegalStateException("tollgated did not come up");
                Thread.sleep(10);
            }
            // RSS and CPU are read at this pid: it must be the daemon's JVM, not a wrapper around it.
            Path exe = Files.readSymbolicLink(Path.of("/proc/" + process.pid() + "/exe"));
            if (!exe.getFileName().toString().equals("java")) {
                throw new IllegalStateException("tollgated's pid " + process.pid() + " runs " + exe + ", not java: the launcher or its wrapper did not exec");
            }
            // For reading a recording afterwards (perf script --pid): the machine runs other daemons too.
            Files.writeString(state.resolve("pid"), process.pid() + "\n");
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

        /** The JVM's pid: the launcher execs java (as in-trixie-root.sh --exec execs the launcher), so it is the process we started. */
        long rssKiB() throws IOException {
            return ControlPlaneBench.rssKiB(process.pid());
        }

        static void closeAll() {
            for (Daemon d : LIVE) {
                try {
                    d.close();
                } catch (Exception e) {
                    System.err.println("control-plane: could not stop tollgated in " + d.state + ": " + e);
                }
            }
        }

        @Override
        public void close() throws Exception {
            LIVE.remove(this);
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
