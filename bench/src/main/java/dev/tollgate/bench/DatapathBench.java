package dev.tollgate.bench;

import static dev.tollgate.bench.Figures.f;

import dev.tollgate.accounting.Accounting;
import dev.tollgate.accounting.CounterSums;
import dev.tollgate.accounting.UnitDatapath;
import dev.tollgate.accounting.UnitPolicy;
import dev.tollgate.bpf.Pins;
import dev.tollgate.bpf.link.AttachMechanism;
import dev.tollgate.libc.Errno;
import dev.tollgate.libc.MmsgSocket;
import dev.tollgate.testkit.ScratchCgroup;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Datapath cost per packet from the kernel's own statistics (run_time_ns with
 * kernel.bpf_stats_enabled=1), tollgate against the real systemd 252 ({@link SystemdOracle}),
 * on identical loopback UDP floods in one network namespace: for each configuration a
 * sender and a receiver socket charged to the unit's cgroup (created with this process moved
 * into it for a moment), so each datagram runs the unit's egress programs once and its
 * ingress programs once. What counts for a configuration is every program that
 * {@code bpftool cgroup show CGROUP effective} lists for the unit's cgroup (the unit's and its
 * slices'), read before and after the flood.
 *
 * <p>Configurations: the floor ({@code r0 = 1}); the unit alone (IPAccounting=yes,
 * IPAddressDeny=any, IPAddressAllow= the issue's three prefixes), systemd's and ours; the same
 * unit under three slices with IPAccounting=yes, systemd's and ours; with {@code --lists} the
 * unit alone with 64 and 1,024 allowed prefixes. All are set up once; each round floods
 * every configuration once in a rotating order; figures are medians over the rounds with
 * their range, and every ratio is taken per round, then its median.
 */
public final class DatapathBench {
    private static final PrintStream OUT = System.out;
    private static final List<String> SD_SLICES = List.of("a.slice", "a-b.slice", "a-b-c.slice");

    record Options(long packets, int rounds, int payload, boolean ipv6, String name, long warmup, boolean lists,
                   Path oracle, Accounting.ProgramSharing sharing) {
        static Options parse(String[] args) {
            long packets = 1_000_000, warmup = 20_000;
            int rounds = 5, payload = 64;
            boolean ipv6 = false, lists = false;
            String name = "tollgate-bench-" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
            String oracle = System.getenv().getOrDefault("ORACLE", "/tmp/systemd-oracle");
            Accounting.ProgramSharing sharing = null;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                String v = i + 1 < args.length ? args[i + 1] : null;
                switch (a) {
                    case "--packets" -> { packets = Long.parseLong(need(a, v)); i++; }
                    case "--rounds" -> { rounds = Integer.parseInt(need(a, v)); i++; }
                    case "--payload" -> { payload = Integer.parseInt(need(a, v)); i++; }
                    case "--address" -> {
                        String addr = need(a, v);
                        if (!addr.equals("127.0.0.1") && !addr.equals("::1"))
                            throw new IllegalArgumentException("--address must be 127.0.0.1 or ::1");
                        ipv6 = addr.equals("::1");
                        i++;
                    }
                    case "--name" -> { name = need(a, v); i++; }
                    case "--warmup" -> { warmup = Long.parseLong(need(a, v)); i++; }
                    case "--oracle" -> { oracle = need(a, v); i++; }
                    case "--lists" -> lists = true;
                    // per-unit: the programs of kernels without shared cgroup storage (and of tollgate before it)
                    case "--programs" -> {
                        sharing = switch (need(a, v)) {
                            case "shared" -> Accounting.ProgramSharing.SHARED;
                            case "per-unit" -> Accounting.ProgramSharing.PER_UNIT;
                            default -> throw new IllegalArgumentException("--programs must be shared or per-unit");
                        };
                        i++;
                    }
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if (packets < 1000 || packets > 100_000_000) throw new IllegalArgumentException("--packets must be 1000..100000000");
            if (rounds < 1 || rounds > 50) throw new IllegalArgumentException("--rounds must be 1..50");
            if (payload < 1 || payload > 1400) throw new IllegalArgumentException("--payload must be 1..1400 (no fragments)");
            if (warmup < 0 || warmup > packets) throw new IllegalArgumentException("--warmup must be 0..packets");
            return new Options(packets, rounds, payload, ipv6, name, warmup, lists, Path.of(oracle),
                    sharing != null ? sharing : Accounting.ProgramSharing.probe());
        }

        private static String need(String option, String value) {
            if (value == null) throw new IllegalArgumentException(option + " needs a value");
            return value;
        }
    }

    /** One configuration: who installed it, where its sockets live, and how to check its counters. */
    record Config(String key, String title, boolean systemd, Path cgroup, Flood flood, Check check) {}

    interface Check {
        /** After a flood of {@code n} more datagrams each way: what disagrees, or null. */
        String after(long n);
    }

    /** A connected sender and a receiver, both charged to one cgroup; floods in sendmmsg batches of 64. */
    record Flood(MmsgSocket sender, MmsgSocket receiver) implements AutoCloseable {
        static final int BATCH = 64;

        static Flood openIn(Path cgroup, boolean ipv6, int payload) throws Exception {
            return ScratchCgroup.inside(cgroup, () -> {
                MmsgSocket r = MmsgSocket.open(4 << 20, ipv6);
                MmsgSocket s = null;
                try {
                    r.receiveTimeout(2000);
                    r.prepare(BATCH, 2048);
                    s = MmsgSocket.open(4 << 20, ipv6);
                    s.connect(r.port());
                    s.prepare(BATCH, payload);
                    return new Flood(s, r);
                } catch (RuntimeException e) {
                    r.close();
                    if (s != null) s.close();
                    throw e;
                }
            });
        }

        /** Sends and receives {@code count} datagrams, a batch at a time, each drained before the next; wall ns. */
        long run(long count) {
            long t0 = System.nanoTime();
            long sent = 0, received = 0;
            while (sent < count) {
                int n = sender.sendBatch((int) Math.min(BATCH, count - sent));
                if (n <= 0) throw new IllegalStateException("sendmmsg: " + (n == -Errno.EPERM.number() ? "EPERM (dropped by a program)" : "errno " + -n));
                sent += n;
                while (received < sent) {
                    int k = receiver.receiveBatch();
                    if (k <= 0) throw new IllegalStateException(f("recvmmsg: errno %d after %d of %d datagrams", -k, received, sent));
                    received += k;
                }
            }
            return System.nanoTime() - t0;
        }

        @Override
        public void close() {
            try {
                sender.close();
            } finally {
                receiver.close();
            }
        }
    }

    /** One configuration's round: run time per direction over the flood, programs counted, wall time. */
    record Sample(double ingressNs, double egressNs, int programs, double wallNs) {
        double perDirection() {
            return (ingressNs + egressNs) / 2;
        }
    }

    private final Options options;
    private BpfStatsSwitch stats;
    private ScratchCgroup tree;
    private Path bpffs;
    private Accounting accounting;
    private SystemdOracle oracle;
    private FloorProgram floor;
    private final List<Flood> floods = new ArrayList<>();
    private boolean cleaned;

    private DatapathBench(Options options) {
        this.options = options;
    }

    public static void main(String[] args) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (RuntimeException e) {
            System.err.println("datapath: " + e.getMessage());
            System.err.println("usage: datapath [--packets N] [--rounds R] [--payload BYTES] [--address 127.0.0.1|::1]"
                    + " [--warmup N] [--lists] [--oracle DIR] [--name tollgate-bench-XXXX] [--programs shared|per-unit]");
            System.exit(2);
            return;
        }
        if (!HostInfo.isRoot()) {
            System.err.println("datapath: must run as root (it creates cgroups, loads and attaches BPF programs and "
                    + "sets kernel.bpf_stats_enabled); run it with sudo");
            System.exit(1);
        }
        DatapathBench bench = new DatapathBench(options);
        Runtime.getRuntime().addShutdownHook(new Thread(bench::cleanup, "bench-cleanup"));
        int rc = 1;
        try {
            rc = bench.run();
        } catch (Throwable e) {
            System.err.println("datapath: failed: " + e);
            e.printStackTrace();
        } finally {
            bench.cleanup();
        }
        System.exit(rc);
    }

    private int run() throws Exception {
        String runSlice = options.name().replace("tollgate-bench-", "tgb");
        List<String> sdSlices = List.of(runSlice + ".slice", runSlice + "-b.slice", runSlice + "-b-c.slice");
        synchronized (this) {
            oracle = SystemdOracle.open(options.oracle());
            stats = BpfStatsSwitch.enable();
            tree = ScratchCgroup.named(options.name());
            bpffs = Pins.DEFAULT_BPFFS.resolve(options.name());
            accounting = new Accounting(bpffs, AttachMechanism.LINK, options.sharing());
        }
        OUT.println("tollgate datapath benchmark against systemd (" + options.name() + ")");
        OUT.println("tollgate programs: " + (options.sharing() == Accounting.ProgramSharing.SHARED
                ? "shared by units of one shape (state in cgroup storage)" : "one per unit (state in the unit's maps)"));
        OUT.println("host: " + HostInfo.describe());
        OUT.println("systemd: " + oracle.version() + ", PID 1 of private namespaces (oracle " + options.oracle()
                + ", host PID " + oracle.pid() + "); this JVM runs in its network namespace");
        OUT.println("kernel.bpf_stats_enabled: was " + stats.previous() + ", 1 for the run, put back at the end");
        String addr = options.ipv6() ? "::1" : "127.0.0.1";
        OUT.println(f("flood per configuration and round: %,d UDP datagrams of %d B payload, %s -> %s, sendmmsg batches of %d,"
                        + " each drained with recvmmsg before the next; sender and receiver sockets charged to the unit's cgroup"
                        + " (+%,d warm-up datagrams not measured)", options.packets(), options.payload(), addr, addr,
                Flood.BATCH, options.warmup()));
        FirewallRules.Policy issue = FirewallRules.issue(options.ipv6());
        OUT.println("unit: IPAccounting=yes " + issue.describe());
        OUT.println("slices (systemd: " + String.join(" ", sdSlices) + "; tollgate: " + String.join(" ", SD_SLICES)
                + "): IPAccounting=yes each");

        List<Config> configs = new ArrayList<>();
        synchronized (this) {
            floor = FloorProgram.install(List.of(tree.child("floor.service")));
            oracle.accountedSlices(sdSlices);
        }
        configs.add(config("floor", "floor: r0 = 1 (tollgate-bench cgroup)", false, tree.child("floor.service"), n -> null));
        configs.add(systemdConfig("sd", "systemd 252, unit alone", "tgb-alone-" + runSlice, null, issue));
        configs.add(ours("tg", "tollgate, unit alone", tree.child("alone.service"), "alone.service", issue, List.of()));
        configs.add(systemdConfig("sd3", "systemd 252, unit under 3 accounted slices", "tgb-sliced-" + runSlice,
                sdSlices.getLast(), issue));
        configs.add(ours("tg3", "tollgate, unit under 3 accounted slices",
                tree.child(String.join("/", SD_SLICES) + "/sliced.service"), "sliced.service", issue, SD_SLICES.reversed()));
        if (options.lists()) {
            for (int n : List.of(64, 1024)) {
                FirewallRules.Policy p = FirewallRules.sized(n, options.ipv6());
                configs.add(systemdConfig("sd" + n, "systemd 252, unit alone, " + p.name(), "tgb-l" + n + "-" + runSlice, null, p));
                configs.add(ours("tg" + n, "tollgate, unit alone, " + p.name(), tree.child("l" + n + ".service"),
                        "l" + n + ".service", p, List.of()));
            }
        }
        for (Config c : configs) {
            List<SystemdOracle.Program> ps = SystemdOracle.effectivePrograms(c.cgroup());
            OUT.println(f("  %-5s %-48s %d programs: %s", c.key(), c.title(), ps.size(),
                    String.join(" ", ps.stream().map(p -> p.id() + (p.ingress() ? "/in:" : "/out:") + p.name()).toList())));
        }
        OUT.println();

        Map<String, List<Sample>> samples = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (int round = 0; round < options.rounds(); round++) {
            StringBuilder line = new StringBuilder(f("round %d/%d (ns per packet and direction):", round + 1, options.rounds()));
            for (int k = 0; k < configs.size(); k++) {
                Config c = configs.get((k + round) % configs.size());
                Sample s = measure(c, problems);
                samples.computeIfAbsent(c.key(), x -> new ArrayList<>()).add(s);
            }
            for (Config c : configs) line.append(f("  %s %.1f", c.key(), samples.get(c.key()).get(round).perDirection()));
            OUT.println(line);
        }
        OUT.println();
        report(configs, samples);
        if (!problems.isEmpty()) {
            OUT.println();
            OUT.println("PROBLEMS (the figures above are suspect):");
            problems.forEach(p -> OUT.println("  " + p));
            return 1;
        }
        return 0;
    }

    private synchronized Config config(String key, String title, boolean systemd, Path cgroup, Check check) throws Exception {
        if (cleaned) throw new IllegalStateException("cleaned up already (interrupted)");
        Flood fl = Flood.openIn(cgroup, options.ipv6(), options.payload());
        floods.add(fl);
        return new Config(key, title, systemd, cgroup, fl, check);
    }

    private Config systemdConfig(String key, String title, String service, String slice, FirewallRules.Policy p) throws Exception {
        Path cg;
        synchronized (this) {
            cg = oracle.startService(service + ".service", slice, p.properties());
        }
        return config(key, title, true, cg, n -> null);
    }

    /** tollgate's unit through the accounting module, exactly as the daemon starts one. */
    private Config ours(String key, String title, Path cgroup, String unit, FirewallRules.Policy p, List<String> slices)
            throws Exception {
        UnitDatapath d;
        synchronized (this) {
            d = accounting.start(new UnitPolicy(unit, cgroup, true, p.entries(), slices, null, List.of(), false));
        }
        Map<String, CounterSums> before = new LinkedHashMap<>();
        CounterSums[] unitBefore = {CounterSums.ZERO};
        Check check = n -> {
            // Called after every flood: compares with the previous call, so that it checks each flood exactly.
            String bad = null;
            CounterSums c = d.counters();
            if (c.ingressPackets() - unitBefore[0].ingressPackets() != n || c.egressPackets() - unitBefore[0].egressPackets() != n)
                bad = f("unit %s counted %d in / %d out, expected %d each", unit, c.ingressPackets() - unitBefore[0].ingressPackets(),
                        c.egressPackets() - unitBefore[0].egressPackets(), n);
            unitBefore[0] = c;
            for (String s : slices) {
                CounterSums now = accounting.sliceCounters(s).orElse(CounterSums.ZERO);
                CounterSums was = before.getOrDefault(s, CounterSums.ZERO);
                if (bad == null && (now.ingressPackets() - was.ingressPackets() != n || now.egressPackets() - was.egressPackets() != n))
                    bad = f("slice %s counted %d in / %d out, expected %d each", s, now.ingressPackets() - was.ingressPackets(),
                            now.egressPackets() - was.egressPackets(), n);
                before.put(s, now);
            }
            return bad;
        };
        return config(key, title, false, cgroup, check);
    }

    private Sample measure(Config c, List<String> problems) {
        c.flood().run(options.warmup());
        String warm = c.check().after(options.warmup());
        if (warm != null) problems.add(c.title() + " (warm-up): " + warm);
        List<SystemdOracle.Program> programs = SystemdOracle.effectivePrograms(c.cgroup());
        Map<SystemdOracle.Program, RunStats> before = new LinkedHashMap<>();
        for (SystemdOracle.Program p : programs) before.put(p, RunStats.of(p.id()));
        long wall = c.flood().run(options.packets());
        double in = 0, out = 0;
        for (SystemdOracle.Program p : programs) {
            RunStats d = RunStats.of(p.id()).minus(before.get(p));
            if (d.runCount() != options.packets())
                problems.add(f("%s: program %d (%s) ran %d times for %d datagrams", c.title(), p.id(),
                        p.ingress() ? "ingress" : "egress", d.runCount(), options.packets()));
            if (p.ingress()) in += (double) d.runTimeNs() / options.packets();
            else out += (double) d.runTimeNs() / options.packets();
        }
        String bad = c.check().after(options.packets());
        if (bad != null) problems.add(c.title() + ": " + bad);
        return new Sample(in, out, programs.size(), (double) wall / options.packets());
    }

    private void report(List<Config> configs, Map<String, List<Sample>> samples) {
        int n = options.rounds();
        OUT.println("ns per packet from run_time_ns of every program in the unit's effective list; median of " + n
                + " rounds, [min..max] over rounds");
        String header = f("%-50s %5s %8s %8s %10s %-15s %9s %8s", "configuration", "progs", "ingress", "egress", "per dir",
                "range", "- floor", "wall/dg");
        OUT.println(header);
        OUT.println("-".repeat(header.length()));
        List<Sample> fl = samples.get("floor");
        for (Config c : configs) {
            List<Sample> s = samples.get(c.key());
            List<Double> in = new ArrayList<>(), out = new ArrayList<>(), dir = new ArrayList<>(), excess = new ArrayList<>(),
                    wall = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                in.add(s.get(r).ingressNs());
                out.add(s.get(r).egressNs());
                dir.add(s.get(r).perDirection());
                excess.add(s.get(r).perDirection() - fl.get(r).perDirection());
                wall.add(s.get(r).wallNs());
            }
            Figures d = Figures.of(dir);
            OUT.println(f("%-50s %5d %8.1f %8.1f %10.1f %-15s %9.1f %8.0f", c.title(), s.getFirst().programs(),
                    Figures.of(in).median(), Figures.of(out).median(), d.median(), d.range("%.1f"), Figures.of(excess).median(),
                    Figures.of(wall).median()));
        }
        OUT.println("(per dir = (ingress + egress) / 2; - floor subtracts one floor program; wall/dg = wall-clock ns per"
                + " datagram for send + receive, everything included)");
        OUT.println();
        OUT.println("ratios, each taken per round, then the median [min..max]:");
        goal("unit alone: (tollgate - floor) / (systemd - floor)", per(samples, "tg", "sd", true), 0.5);
        goal("under 3 accounted slices: tollgate / systemd total", per(samples, "tg3", "sd3", false), 0.3);
        OUT.println("for reference, no goal:");
        ratio("unit alone: tollgate / systemd", per(samples, "tg", "sd", false));
        ratio("under 3 slices: (tollgate - floor) / (systemd - floor)", per(samples, "tg3", "sd3", true));
        if (options.lists()) {
            for (String k : List.of("64", "1024")) {
                ratio(k + "-entry list: (tollgate - floor) / (systemd - floor)", per(samples, "tg" + k, "sd" + k, true));
                ratio(k + "-entry list: tollgate " + k + " / tollgate issue list", per(samples, "tg" + k, "tg", false));
            }
        }
    }

    private static Figures per(Map<String, List<Sample>> samples, String ours, String theirs, boolean minusFloor) {
        List<Sample> a = samples.get(ours), b = samples.get(theirs), fl = samples.get("floor");
        List<Double> r = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            double f0 = minusFloor ? fl.get(i).perDirection() : 0;
            r.add((a.get(i).perDirection() - f0) / (b.get(i).perDirection() - f0));
        }
        return Figures.of(r);
    }

    private static void goal(String what, Figures r, double goal) {
        OUT.println(f("  %-56s = %.3f %-15s goal <= %.2f  %s", what, r.median(), r.range("%.3f"), goal,
                r.median() <= goal ? (r.max() <= goal ? "PASS" : "PASS (median; not every round)") : "MISS"));
    }

    private static void ratio(String what, Figures r) {
        OUT.println(f("  %-56s = %.3f %s", what, r.median(), r.range("%.3f")));
    }

    /** Removes everything of ours; safe to call twice and from the shutdown hook. */
    private synchronized void cleanup() {
        if (cleaned) return;
        cleaned = true;
        List<String> failures = new ArrayList<>();
        step(failures, "close sockets", () -> {
            floods.forEach(Flood::close);
            floods.clear();
        });
        step(failures, "stop systemd's units", () -> {
            if (oracle != null) oracle.close();
        });
        step(failures, "detach the floor", () -> {
            if (floor != null) floor.close();
        });
        step(failures, "remove tollgate datapath and pins", () -> {
            if (accounting != null) accounting.removeAll();
            if (bpffs != null) Pins.removeTree(bpffs);
        });
        step(failures, "remove cgroups", () -> {
            if (tree != null) tree.close();
        });
        step(failures, "restore kernel.bpf_stats_enabled", () -> {
            if (stats != null) stats.close();
        });
        if (!failures.isEmpty()) {
            System.err.println("datapath: cleanup incomplete:");
            failures.forEach(x -> System.err.println("  " + x));
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    private static void step(List<String> failures, String what, Step s) {
        try {
            s.run();
        } catch (Throwable e) {
            failures.add(what + ": " + e);
        }
    }
}
