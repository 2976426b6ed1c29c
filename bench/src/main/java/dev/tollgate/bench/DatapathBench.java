package dev.tollgate.bench;

import static dev.tollgate.bench.Figures.f;

import dev.tollgate.accounting.Accounting;
import dev.tollgate.accounting.Counters;
import dev.tollgate.accounting.Direction;
import dev.tollgate.accounting.UnitDatapath;
import dev.tollgate.accounting.UnitPolicy;
import dev.tollgate.bpf.Pins;
import dev.tollgate.bpf.link.AttachMode;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.ToDoubleFunction;

/**
 * Datapath cost per packet from the kernel's own statistics (run_time_ns / run_cnt with
 * kernel.bpf_stats_enabled=1), on identical loopback UDP traffic from sockets in the leaf of
 * three nested slices: the floor (r0 = 1), tollgate's unit program in three shapes, and a
 * rebuild of systemd 252's programs ({@link SystemdFirewallRebuild}). Each round runs every
 * configuration once, in a rotating order; figures are medians over the rounds with their
 * range, and every comparison is a ratio against figures of the same run.
 *
 * <p>Everything it creates (cgroups {@code tollgate-bench-*} under the cgroup2 mount, pins
 * under {@code /sys/fs/bpf/tollgate-bench-*}, programs, maps, links) is removed at the end,
 * on failure and on SIGINT/SIGTERM (shutdown hook), and bpf_stats_enabled is put back.
 */
public final class DatapathBench {
    private static final PrintStream OUT = System.out;

    enum Config {
        FLOOR("floor: r0 = 1; exit"),
        ACCOUNTING("(a) accounting only"),
        FIREWALL("(b) accounting + 5-prefix firewall"),
        SLICES("(c) (b) + 3 accounted slices"),
        SYSTEMD("systemd 252 rebuild, (c)'s policy"),
        // What-if variants (--what-if): tollgate's program with one technique changed; not tollgate's code.
        WHATIF_B_DIRECT("what-if (b), address by direct packet read"),
        WHATIF_C_PLAIN("what-if (c), plain (unlocked) per-CPU adds"),
        WHATIF_C_BOTH("what-if (c), direct read + plain adds");

        final String title;

        Config(String title) {
            this.title = title;
        }

        boolean whatIf() {
            return name().startsWith("WHATIF");
        }
    }

    record Options(long packets, int rounds, int payload, InetAddress address, String name, long warmup,
                   Duration timeout, boolean whatIf) {
        static Options parse(String[] args) throws Exception {
            long packets = 200_000, warmup = 20_000;
            int rounds = 5, payload = 64;
            String address = "127.0.0.1";
            String name = "tollgate-bench-" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
            long timeoutSeconds = 60;
            boolean whatIf = false;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                String v = i + 1 < args.length ? args[i + 1] : null;
                switch (a) {
                    case "--packets" -> { packets = Long.parseLong(need(a, v)); i++; }
                    case "--rounds" -> { rounds = Integer.parseInt(need(a, v)); i++; }
                    case "--payload" -> { payload = Integer.parseInt(need(a, v)); i++; }
                    case "--address" -> { address = need(a, v); i++; }
                    case "--name" -> { name = need(a, v); i++; }
                    case "--warmup" -> { warmup = Long.parseLong(need(a, v)); i++; }
                    case "--timeout" -> { timeoutSeconds = Long.parseLong(need(a, v)); i++; }
                    case "--what-if" -> whatIf = true;
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if (packets < 1000 || packets > 10_000_000) throw new IllegalArgumentException("--packets must be 1000..10000000");
            if (rounds < 1 || rounds > 50) throw new IllegalArgumentException("--rounds must be 1..50");
            if (payload < 1 || payload > 1400) throw new IllegalArgumentException("--payload must be 1..1400 (no fragments)");
            if (warmup < 0 || warmup > packets) throw new IllegalArgumentException("--warmup must be 0..packets");
            InetAddress addr = InetAddress.getByName(address);
            if (!addr.isLoopbackAddress()) throw new IllegalArgumentException("--address must be a loopback address (127.0.0.1 or ::1)");
            return new Options(packets, rounds, payload, addr, name, warmup, Duration.ofSeconds(timeoutSeconds), whatIf);
        }

        private static String need(String option, String value) {
            if (value == null) throw new IllegalArgumentException(option + " needs a value");
            return value;
        }
    }

    /** One program whose statistics count for a configuration: on the leaf ("unit") or a slice. */
    record Measured(String level, Direction direction, int programId) {
        boolean unit() {
            return level.equals("unit");
        }
    }

    /** A configuration's programs, attached; close() takes them away. */
    interface Installed extends AutoCloseable {
        List<Measured> programs();

        /** After traffic: what disagrees with {@code expected} datagrams each way, or null. */
        String check(long expected);

        @Override
        void close();
    }

    /** One configuration's round: per program, its statistics over the measured datagrams. */
    record Sample(Config config, Map<Measured, RunStats> deltas, LoopbackUdp.Exchange exchange) {
        double ns(Direction d, boolean unitOnly) {
            double sum = 0;
            for (var e : deltas.entrySet()) {
                if (e.getKey().direction() == d && (!unitOnly || e.getKey().unit())) sum += e.getValue().nsPerRun();
            }
            return sum;
        }

        double total(boolean unitOnly) {
            return ns(Direction.INGRESS, unitOnly) + ns(Direction.EGRESS, unitOnly);
        }

        double wallNsPerDatagram() {
            return (double) exchange.elapsedNs() / exchange.received();
        }
    }

    private final Options options;
    private BpfStatsSwitch stats;
    private BenchTree tree;
    private Path bpffs;
    private Accounting accounting;
    private LoopbackUdp flow;
    private Installed current;
    private boolean cleaned;

    private DatapathBench(Options options) {
        this.options = options;
    }

    public static void main(String[] args) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (Exception e) {
            System.err.println("datapath: " + e.getMessage());
            System.err.println("usage: datapath [--packets N] [--rounds R] [--payload BYTES] [--address 127.0.0.1|::1]"
                    + " [--warmup N] [--timeout SECONDS] [--what-if] [--name tollgate-bench-XXXX]");
            System.exit(2);
            return;
        }
        if (!HostInfo.isRoot()) {
            System.err.println("datapath: must run as root (it creates cgroups, loads and attaches BPF programs and "
                    + "sets kernel.bpf_stats_enabled); run it with sudo");
            System.exit(1);
        }
        DatapathBench bench = new DatapathBench(options);
        Thread hook = new Thread(bench::cleanup, "bench-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
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
        OUT.println("tollgate datapath benchmark (" + options.name() + ")");
        OUT.println("host: " + HostInfo.describe());
        synchronized (this) {
            stats = BpfStatsSwitch.enable();
            tree = BenchTree.create(options.name());
            bpffs = Pins.DEFAULT_BPFFS.resolve(options.name());
            accounting = new Accounting(bpffs, AttachMode.LINK);
        }
        OUT.println("kernel.bpf_stats_enabled: was " + stats.previous() + ", 1 for the run, put back at the end");
        OUT.println("cgroups: " + tree.root() + "/" + String.join("/", BenchTree.SLICES) + "/" + BenchTree.UNIT);
        OUT.println(f("traffic per configuration and round: %,d UDP datagrams of %d B payload, %s -> %s, sender and "
                        + "receiver sockets in the leaf (+%,d warm-up datagrams not measured)",
                options.packets(), options.payload(), options.address().getHostAddress(),
                options.address().getHostAddress(), options.warmup()));
        OUT.println("firewall (b), (c), systemd: " + FirewallRules.describe(FirewallRules.FIVE));
        OUT.println("attachment: tollgate by bpf_link (its default here); floor and systemd rebuild by BPF_PROG_ATTACH "
                + "with BPF_F_ALLOW_MULTI (as systemd 252)");

        SystemdFirewallRebuild.Check check = SystemdFirewallRebuild.verify(FirewallRules.FIVE);
        OUT.println(f("systemd rebuild self-check (BPF_PROG_TEST_RUN, crafted IPv4/IPv6/ARP packets, both directions): "
                + "%d/%d as systemd's", check.cases() - check.failures().size(), check.cases()));
        if (!check.failures().isEmpty()) {
            check.failures().forEach(x -> OUT.println("  " + x));
            return 1;
        }
        OUT.println();

        flow = LoopbackUdp.openIn(tree.leaf(), options.address(), options.payload());
        // Warms up the JIT of this JVM and the socket path, with no program attached.
        flow.exchange(Math.max(options.warmup(), 50_000), options.timeout());

        Map<Config, List<Sample>> samples = new EnumMap<>(Config.class);
        List<String> problems = new ArrayList<>();
        Config[] order = java.util.Arrays.stream(Config.values()).filter(c -> options.whatIf() || !c.whatIf())
                .toArray(Config[]::new);
        for (int round = 0; round < options.rounds(); round++) {
            StringBuilder line = new StringBuilder(f("round %d/%d:", round + 1, options.rounds()));
            for (int k = 0; k < order.length; k++) {
                Config c = order[(k + round) % order.length];
                Sample s = measure(c, problems);
                samples.computeIfAbsent(c, x -> new ArrayList<>()).add(s);
                line.append(f("  %s %.1f", shortName(c), s.total(false)));
            }
            OUT.println(line.append("  (ns per packet, in+out)"));
        }
        OUT.println();
        report(samples);
        if (!problems.isEmpty()) {
            OUT.println();
            OUT.println("PROBLEMS (the figures above are suspect):");
            problems.forEach(p -> OUT.println("  " + p));
            return 1;
        }
        return 0;
    }

    private static String shortName(Config c) {
        return switch (c) {
            case FLOOR -> "floor";
            case ACCOUNTING -> "a";
            case FIREWALL -> "b";
            case SLICES -> "c";
            case SYSTEMD -> "systemd";
            case WHATIF_B_DIRECT -> "b'";
            case WHATIF_C_PLAIN -> "c'";
            case WHATIF_C_BOTH -> "c''";
        };
    }

    private Sample measure(Config c, List<String> problems) throws Exception {
        Installed inst = install(c);
        try {
            LoopbackUdp.Exchange warm = flow.exchange(options.warmup(), options.timeout());
            Map<Measured, RunStats> before = snapshot(inst);
            LoopbackUdp.Exchange x = flow.exchange(options.packets(), options.timeout());
            Map<Measured, RunStats> deltas = new LinkedHashMap<>();
            snapshot(inst).forEach((m, after) -> deltas.put(m, after.minus(before.get(m))));
            if (!warm.complete(options.warmup()) || !x.complete(options.packets()))
                problems.add(c.title + ": traffic incomplete: " + warm + ", " + x);
            for (var e : deltas.entrySet()) {
                if (e.getValue().runCount() != options.packets())
                    problems.add(f("%s: %s %s program ran %d times for %d datagrams", c.title, e.getKey().level(),
                            e.getKey().direction().shortName(), e.getValue().runCount(), options.packets()));
            }
            String bad = inst.check(options.warmup() + options.packets());
            if (bad != null) problems.add(c.title + ": " + bad);
            return new Sample(c, deltas, x);
        } finally {
            uninstall(inst);
        }
    }

    private static Map<Measured, RunStats> snapshot(Installed inst) {
        Map<Measured, RunStats> m = new LinkedHashMap<>();
        for (Measured p : inst.programs()) m.put(p, RunStats.of(p.programId()));
        return m;
    }

    private synchronized Installed install(Config c) {
        if (cleaned) throw new IllegalStateException("cleaned up already (interrupted)");
        current = switch (c) {
            case FLOOR -> floor();
            case ACCOUNTING -> ours(false, List.of());
            case FIREWALL -> ours(true, List.of());
            case SLICES -> ours(true, BenchTree.slicesNearestFirst());
            case SYSTEMD -> systemd();
            case WHATIF_B_DIRECT -> whatIf(new WhatIfProgram.Variant(true, 0, true, false));
            case WHATIF_C_PLAIN -> whatIf(new WhatIfProgram.Variant(true, 3, false, true));
            case WHATIF_C_BOTH -> whatIf(new WhatIfProgram.Variant(true, 3, true, true));
        };
        return current;
    }

    private synchronized void uninstall(Installed inst) {
        if (current == inst) current = null;
        inst.close();
    }

    /** The trivial program on the leaf, both directions. */
    private Installed floor() {
        FloorProgram fl = FloorProgram.install(List.of(tree.leaf()));
        List<Measured> programs = fl.attached().stream().map(a -> new Measured("unit", a.direction(), a.programId())).toList();
        return new Installed() {
            public List<Measured> programs() {
                return programs;
            }

            public String check(long expected) {
                return null;
            }

            public void close() {
                fl.close();
            }
        };
    }

    /** tollgate's unit program through the accounting module, exactly as the daemon starts a unit. */
    private Installed ours(boolean firewall, List<String> accountedSlices) {
        UnitPolicy policy = new UnitPolicy(BenchTree.UNIT, tree.leaf(), true,
                firewall ? FirewallRules.trieEntries(FirewallRules.FIVE) : List.of(), accountedSlices, null, List.of(),
                false);
        Map<String, Counters> slicesBefore = new LinkedHashMap<>();
        UnitDatapath d = accounting.start(policy);
        for (String s : accountedSlices) slicesBefore.put(s, accounting.sliceCounters(s).orElse(Counters.ZERO));
        Map<String, Integer> ids = d.programIds();
        List<Measured> programs = List.of(new Measured("unit", Direction.INGRESS, ids.get("ingress")),
                new Measured("unit", Direction.EGRESS, ids.get("egress")));
        return new Installed() {
            public List<Measured> programs() {
                return programs;
            }

            public String check(long expected) {
                Counters c = d.counters();
                if (c.ingressPackets() != expected || c.egressPackets() != expected)
                    return f("unit counters %d in / %d out, expected %d each", c.ingressPackets(), c.egressPackets(), expected);
                for (var e : slicesBefore.entrySet()) {
                    Counters now = accounting.sliceCounters(e.getKey()).orElse(Counters.ZERO);
                    long in = now.ingressPackets() - e.getValue().ingressPackets();
                    long out = now.egressPackets() - e.getValue().egressPackets();
                    if (in != expected || out != expected)
                        return f("slice %s counted %d in / %d out, expected %d each", e.getKey(), in, out, expected);
                }
                return null;
            }

            public void close() {
                accounting.stop(BenchTree.UNIT);
            }
        };
    }

    private Installed systemd() {
        SystemdFirewallRebuild s = SystemdFirewallRebuild.install(tree.leaf(), tree.slices(), FirewallRules.FIVE);
        List<Measured> programs = s.programs().stream()
                .map(p -> new Measured(p.cgroupLevel(), p.direction(), p.program().id())).toList();
        return new Installed() {
            public List<Measured> programs() {
                return programs;
            }

            public String check(long expected) {
                long in = s.unitPackets(Direction.INGRESS), out = s.unitPackets(Direction.EGRESS);
                return in == expected && out == expected ? null
                        : f("systemd unit counters %d in / %d out, expected %d each", in, out, expected);
            }

            public void close() {
                s.close();
            }
        };
    }

    private Installed whatIf(WhatIfProgram.Variant v) {
        WhatIfProgram w = WhatIfProgram.install(tree.leaf(), v, FirewallRules.FIVE);
        List<Measured> programs = List.of(new Measured("unit", Direction.INGRESS, w.programIds().get(0)),
                new Measured("unit", Direction.EGRESS, w.programIds().get(1)));
        return new Installed() {
            public List<Measured> programs() {
                return programs;
            }

            public String check(long expected) {
                long in = w.unitPackets(Direction.INGRESS), out = w.unitPackets(Direction.EGRESS);
                return in == expected && out == expected ? null
                        : f("what-if unit counters %d in / %d out, expected %d each", in, out, expected);
            }

            public void close() {
                w.close();
            }
        };
    }

    private void report(Map<Config, List<Sample>> samples) {
        List<Sample> floor = samples.get(Config.FLOOR);
        List<Sample> sd = samples.get(Config.SYSTEMD);
        int n = floor.size();
        double[] floorTotal = new double[n];
        for (int r = 0; r < n; r++) floorTotal[r] = floor.get(r).total(false);

        OUT.println("ns per packet from run_time_ns / run_cnt; median of " + n + " rounds, [min..max] over rounds;");
        OUT.println("ingress and egress are per direction (summed over the programs that run in it); total = in + out");
        String header = f("%-44s %5s %8s %8s %8s %12s  %-17s %8s", "configuration", "progs", "ingress", "egress",
                "total", "total-floor", "total range", "wall/dg");
        OUT.println(header);
        OUT.println("-".repeat(header.length()));
        row("floor (r0 = 1; exit), leaf", 1, floor, s -> s.ns(Direction.INGRESS, false), s -> s.ns(Direction.EGRESS, false), floorTotal);
        for (Config c : List.of(Config.ACCOUNTING, Config.FIREWALL, Config.SLICES)) {
            row(c.title, 1, samples.get(c), s -> s.ns(Direction.INGRESS, false), s -> s.ns(Direction.EGRESS, false), floorTotal);
        }
        row("systemd unit program (leaf, firewall+acct)", 1, sd, s -> s.ns(Direction.INGRESS, true),
                s -> s.ns(Direction.EGRESS, true), floorTotal);
        row("systemd slice program, each (mean of 3)", 1, sd, s -> (s.ns(Direction.INGRESS, false) - s.ns(Direction.INGRESS, true)) / 3,
                s -> (s.ns(Direction.EGRESS, false) - s.ns(Direction.EGRESS, true)) / 3, floorTotal);
        row("systemd total (leaf + 3 slices)", 4, sd, s -> s.ns(Direction.INGRESS, false), s -> s.ns(Direction.EGRESS, false), floorTotal);
        if (options.whatIf()) {
            OUT.println("what-if variants of tollgate's program (not tollgate's code; one technique changed at a time):");
            for (Config c : List.of(Config.WHATIF_B_DIRECT, Config.WHATIF_C_PLAIN, Config.WHATIF_C_BOTH)) {
                row(c.title, 1, samples.get(c), s -> s.ns(Direction.INGRESS, false), s -> s.ns(Direction.EGRESS, false), floorTotal);
            }
        }
        OUT.println("(total-floor subtracts one floor; wall/dg is wall-clock ns per datagram for send + receive, all hooks)");
        OUT.println();

        double[] g1 = new double[n], g2 = new double[n], g2adj = new double[n], g1raw = new double[n];
        for (int r = 0; r < n; r++) {
            double fl = floorTotal[r];
            double b = samples.get(Config.FIREWALL).get(r).total(false);
            double c = samples.get(Config.SLICES).get(r).total(false);
            double sdUnit = sd.get(r).total(true);
            double sdTotal = sd.get(r).total(false);
            g1[r] = (b - fl) / (sdUnit - fl);
            g1raw[r] = b / sdUnit;
            g2[r] = c / sdTotal;
            g2adj[r] = (c - fl) / (sdTotal - 4 * fl);
        }
        OUT.println("ratios (each computed per round, then the median; [min..max] over rounds):");
        goal("(b - floor) / (systemd unit program - floor)", Figures.of(g1), 0.5);
        goal("(c) / (systemd total over its 4 programs)", Figures.of(g2), 0.4);
        OUT.println("for reference, no goal:");
        ratio("(b) / (systemd unit program)", Figures.of(g1raw));
        ratio("(c - floor) / (systemd total - 4 x floor)", Figures.of(g2adj));
        if (options.whatIf()) {
            double[] w1 = new double[n], w2 = new double[n];
            for (int r = 0; r < n; r++) {
                double fl = floorTotal[r];
                w1[r] = (samples.get(Config.WHATIF_B_DIRECT).get(r).total(false) - fl) / (sd.get(r).total(true) - fl);
                w2[r] = samples.get(Config.WHATIF_C_BOTH).get(r).total(false) / sd.get(r).total(false);
            }
            OUT.println("what-if, against the same goals:");
            ratio("(b' - floor) / (systemd unit program - floor)", Figures.of(w1));
            ratio("(c'') / (systemd total over its 4 programs)", Figures.of(w2));
        }
    }

    private void row(String name, int progs, List<Sample> s, ToDoubleFunction<Sample> in, ToDoubleFunction<Sample> out,
                     double[] floorTotal) {
        List<Double> ins = new ArrayList<>(), outs = new ArrayList<>(), totals = new ArrayList<>(), minus = new ArrayList<>(),
                wall = new ArrayList<>();
        for (int r = 0; r < s.size(); r++) {
            double i = in.applyAsDouble(s.get(r)), o = out.applyAsDouble(s.get(r));
            ins.add(i);
            outs.add(o);
            totals.add(i + o);
            minus.add(i + o - floorTotal[r]);
            wall.add(s.get(r).wallNsPerDatagram());
        }
        Figures t = Figures.of(totals);
        OUT.println(f("%-44s %5d %8.1f %8.1f %8.1f %12.1f  %-17s %8.0f", name, progs, Figures.of(ins).median(),
                Figures.of(outs).median(), t.median(), Figures.of(minus).median(), t.range("%.1f"), Figures.of(wall).median()));
    }

    private static void goal(String what, Figures r, double goal) {
        OUT.println(f("  %-46s = %.3f %-15s goal <= %.2f  %s", what, r.median(), r.range("%.3f"), goal,
                r.median() <= goal ? (r.max() <= goal ? "PASS" : "PASS (median; not every round)") : "MISS"));
    }

    private static void ratio(String what, Figures r) {
        OUT.println(f("  %-46s = %.3f %s", what, r.median(), r.range("%.3f")));
    }

    /** Removes everything of ours; safe to call twice and from the shutdown hook. */
    private synchronized void cleanup() {
        if (cleaned) return;
        cleaned = true;
        List<String> failures = new ArrayList<>();
        step(failures, "detach current configuration", () -> {
            if (current != null) current.close();
            current = null;
        });
        step(failures, "close sockets", () -> {
            if (flow != null) flow.close();
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
