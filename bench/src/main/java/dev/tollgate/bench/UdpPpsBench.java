package dev.tollgate.bench;

import static dev.tollgate.bench.Figures.f;

import dev.tollgate.accounting.Accounting;
import dev.tollgate.accounting.UnitPolicy;
import dev.tollgate.bpf.Pins;
import dev.tollgate.bpf.link.AttachMechanism;
import dev.tollgate.libc.Errno;
import dev.tollgate.libc.MmsgSocket;
import dev.tollgate.testkit.PrivilegedCondition;
import dev.tollgate.testkit.ScratchCgroup;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loopback throughput with statistics off, tollgate against the real systemd 252
 * ({@link SystemdOracle}) in its network namespace: UDP packets per second from a batched
 * generator ({@link MmsgSocket}: sendmmsg/recvmmsg in batches, no allocation per batch) whose
 * sender and receiver sockets are charged to one cgroup per configuration: no programs, the
 * floor ({@code r0 = 1}), systemd's unit and ours alone (IPAccounting=yes, IPAddressDeny=any,
 * IPAddressAllow= the issue's three prefixes), and both under three accounted slices. Every
 * configuration is set up once; within each round they take turns flooding, in a rotating
 * order, and every ratio is taken within a round. TCP throughput with iperf3 for reference.
 *
 * <p>It creates cgroups {@code tollgate-bench-X/...}, pins under {@code /sys/fs/bpf/tollgate-bench-X},
 * transient units and slice files {@code tgp*} in the oracle and the processes it starts
 * (iperf3, sockperf), and removes all of them at the end, on failure and on SIGINT/SIGTERM.
 */
public final class UdpPpsBench {
    private static final PrintStream OUT = System.out;

    record Options(int seconds, int rounds, int payload, int batch, String name, int tcpSeconds,
                   int tcpRounds, boolean tcp, boolean sockperf, Path oracle) {
        static Options parse(String[] args) {
            int seconds = 2, rounds = 5, payload = 16, batch = 64, tcpSeconds = 5, tcpRounds = 3;
            boolean tcp = true, sockperf = true;
            String oracle = System.getenv().getOrDefault("ORACLE", "/tmp/systemd-oracle");
            String name = "tollgate-bench-" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                String v = i + 1 < args.length ? args[i + 1] : null;
                switch (a) {
                    case "--seconds" -> { seconds = Integer.parseInt(need(a, v)); i++; }
                    case "--rounds" -> { rounds = Integer.parseInt(need(a, v)); i++; }
                    case "--payload" -> { payload = Integer.parseInt(need(a, v)); i++; }
                    case "--batch" -> { batch = Integer.parseInt(need(a, v)); i++; }
                    case "--tcp-seconds" -> { tcpSeconds = Integer.parseInt(need(a, v)); i++; }
                    case "--tcp-rounds" -> { tcpRounds = Integer.parseInt(need(a, v)); i++; }
                    case "--name" -> { name = need(a, v); i++; }
                    case "--oracle" -> { oracle = need(a, v); i++; }
                    case "--no-tcp" -> tcp = false;
                    case "--no-sockperf" -> sockperf = false;
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if (seconds < 1 || seconds > 60) throw new IllegalArgumentException("--seconds must be 1..60");
            if (rounds < 1 || rounds > 20) throw new IllegalArgumentException("--rounds must be 1..20");
            if (payload < 1 || payload > 1400) throw new IllegalArgumentException("--payload must be 1..1400");
            if (batch < 1 || batch > 1024) throw new IllegalArgumentException("--batch must be 1..1024");
            if (tcpSeconds < 1 || tcpSeconds > 60) throw new IllegalArgumentException("--tcp-seconds must be 1..60");
            if (tcpRounds < 1 || tcpRounds > 20) throw new IllegalArgumentException("--tcp-rounds must be 1..20");
            return new Options(seconds, rounds, payload, batch, name, tcpSeconds, tcpRounds, tcp, sockperf, Path.of(oracle));
        }

        private static String need(String option, String value) {
            if (value == null) throw new IllegalArgumentException(option + " needs a value");
            return value;
        }
    }

    private final Options options;
    private ScratchCgroup tree;
    private Path bpffs;
    private Accounting accounting;
    private SystemdOracle oracle;
    private FloorProgram floor;
    /** Cgroups of the configurations, in the order of {@link #NAMES}. */
    private final List<Path> cgroups = new ArrayList<>();
    private final List<MmsgSocket> sockets = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private volatile boolean running = true;
    /** The configuration whose pair floods now; the others wait. */
    private volatile int active = -1;
    private boolean cleaned;

    static final List<String> NAMES = List.of("no programs", "floor (r0 = 1)", "systemd 252, unit alone",
            "tollgate, unit alone", "systemd 252, under 3 accounted slices", "tollgate, under 3 accounted slices");
    static final List<String> KEYS = List.of("none", "floor", "sd", "tg", "sd3", "tg3");
    private static final List<String> TG_SLICES = List.of("a.slice", "a-b.slice", "a-b-c.slice");

    private UdpPpsBench(Options options) {
        this.options = options;
    }

    public static void main(String[] args) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (RuntimeException e) {
            System.err.println("udp-pps: " + e.getMessage());
            System.err.println("usage: udp-pps [--seconds S] [--rounds R] [--payload BYTES] [--batch N]"
                    + " [--tcp-seconds S] [--tcp-rounds R] [--no-tcp] [--no-sockperf] [--oracle DIR] [--name tollgate-bench-XXXX]");
            System.exit(2);
            return;
        }
        if (!HostInfo.isRoot()) {
            System.err.println("udp-pps: must run as root (it creates cgroups and loads and attaches BPF programs); run it with sudo");
            System.exit(1);
        }
        UdpPpsBench bench = new UdpPpsBench(options);
        Runtime.getRuntime().addShutdownHook(new Thread(bench::cleanup, "bench-cleanup"));
        int rc = 1;
        try {
            rc = bench.run();
        } catch (Throwable e) {
            System.err.println("udp-pps: failed: " + e);
            e.printStackTrace();
        } finally {
            bench.cleanup();
        }
        System.exit(rc);
    }

    private int run() throws Exception {
        OUT.println("tollgate loopback throughput benchmark against systemd (" + options.name() + ")");
        OUT.println("host: " + HostInfo.describe());
        String stats = HostInfo.read("/proc/sys/kernel/bpf_stats_enabled").orElse("?");
        OUT.println("kernel.bpf_stats_enabled=" + stats + (stats.equals("0") ? "" : "  (WARNING: run statistics add cost to every program run)"));
        String runSlice = options.name().replace("tollgate-bench-", "tgp");
        List<String> sdSlices = List.of(runSlice + ".slice", runSlice + "-b.slice", runSlice + "-b-c.slice");
        FirewallRules.Policy policy = FirewallRules.issue(false);
        synchronized (this) {
            oracle = SystemdOracle.open(options.oracle());
            tree = ScratchCgroup.named(options.name());
            bpffs = Pins.DEFAULT_BPFFS.resolve(options.name());
            accounting = new Accounting(bpffs, AttachMechanism.LINK);
            cgroups.add(tree.child("none.service"));
            cgroups.add(tree.child("floor.service"));
            floor = FloorProgram.install(List.of(cgroups.get(1)));
            cgroups.add(oracle.startService("tgp-alone-" + runSlice + ".service", null, policy.properties()));
            Path alone = tree.child("alone.service");
            accounting.start(new UnitPolicy("alone.service", alone, true, policy.entries(), List.of(), null, List.of(), false));
            cgroups.add(alone);
            oracle.accountedSlices(sdSlices);
            cgroups.add(oracle.startService("tgp-sliced-" + runSlice + ".service", sdSlices.getLast(), policy.properties()));
            Path sliced = tree.child(String.join("/", TG_SLICES) + "/sliced.service");
            accounting.start(new UnitPolicy("sliced.service", sliced, true, policy.entries(), TG_SLICES.reversed(), null,
                    List.of(), false));
            cgroups.add(sliced);
        }
        OUT.println("systemd: " + oracle.version() + " (oracle " + options.oracle() + "); this JVM runs in its network namespace");
        OUT.println("unit: IPAccounting=yes " + policy.describe() + "; slices IPAccounting=yes");
        for (int k = 0; k < KEYS.size(); k++) {
            OUT.println(f("  %-5s %-40s %s (%d programs)", KEYS.get(k), NAMES.get(k), cgroups.get(k),
                    SystemdOracle.effectivePrograms(cgroups.get(k)).size()));
        }
        OUT.println();

        if (options.sockperf()) sockperfReference();
        int rc = udp();
        if (options.tcp()) tcp();
        return rc;
    }

    // ---- UDP

    private int udp() throws Exception {
        int n = KEYS.size();
        AtomicLong sent = new AtomicLong(), received = new AtomicLong(), refused = new AtomicLong();
        for (int i = 0; i < n; i++) {
            int me = i;
            // Sender and receiver both charged to the configuration's cgroup, as in datapath.sh.
            MmsgSocket r = keep(ScratchCgroup.inside(cgroups.get(i), () -> MmsgSocket.open(8 << 20)));
            r.receiveTimeout(100);
            r.prepare(options.batch(), 2048);
            MmsgSocket s = keep(ScratchCgroup.inside(cgroups.get(i), () -> MmsgSocket.open(8 << 20)));
            s.connect(r.port());
            s.prepare(options.batch(), options.payload());
            threads.add(Thread.ofPlatform().name("receiver-" + KEYS.get(i)).daemon().start(() -> {
                while (running) {
                    int k = r.receiveBatch();
                    if (k > 0 && active == me) received.addAndGet(k);
                }
            }));
            threads.add(Thread.ofPlatform().name("sender-" + KEYS.get(i)).daemon().start(() -> {
                while (running) {
                    if (active != me) {
                        LockSupport.parkNanos(5_000_000);
                        continue;
                    }
                    int k = s.sendBatch();
                    if (k > 0) sent.addAndGet(k);
                    else if (k == -Errno.EPERM.number()) refused.incrementAndGet();
                }
            }));
        }
        OUT.println(f("UDP generator: one sender and one receiver thread per configuration (only the measured one floods),"
                + " sendmmsg/recvmmsg in batches of %d, %d B payload, 127.0.0.1 -> 127.0.0.1; %d s per measurement after"
                + " 0.25 s settling", options.batch(), options.payload(), options.seconds()));
        List<List<Double>> rx = new ArrayList<>(), tx = new ArrayList<>(), cpu = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            rx.add(new ArrayList<>());
            tx.add(new ArrayList<>());
            cpu.add(new ArrayList<>());
        }
        List<Double> ratioAlone = new ArrayList<>(), ratioSliced = new ArrayList<>();
        List<Double> cpuAlone = new ArrayList<>(), cpuSliced = new ArrayList<>();
        active = 0;
        Thread.sleep(1000); // warm-up
        for (int round = 0; round < options.rounds(); round++) {
            double[] r = new double[n], t = new double[n], c = new double[n];
            for (int j = 0; j < n; j++) {
                int k = (j + round) % n; // rotate, so that no configuration always follows another
                active = k;
                Thread.sleep(250);
                long s0 = sent.get(), r0 = received.get(), c0 = trafficCpuNs(k), t0 = System.nanoTime();
                Thread.sleep(options.seconds() * 1000L);
                long s1 = sent.get(), r1 = received.get(), c1 = trafficCpuNs(k), t1 = System.nanoTime();
                r[k] = (r1 - r0) * 1e9 / (t1 - t0);
                t[k] = (s1 - s0) * 1e9 / (t1 - t0);
                c[k] = (double) (c1 - c0) / (r1 - r0);
            }
            StringBuilder line = new StringBuilder(f("  round %d/%d: received pps:", round + 1, options.rounds()));
            for (int k = 0; k < n; k++) {
                rx.get(k).add(r[k]);
                tx.get(k).add(t[k]);
                cpu.get(k).add(c[k]);
                line.append(f(" %s %,.0f", KEYS.get(k), r[k]));
            }
            ratioAlone.add(r[3] / r[2]);
            ratioSliced.add(r[5] / r[4]);
            cpuAlone.add(c[2] / c[3]);
            cpuSliced.add(c[4] / c[5]);
            OUT.println(line.append(f("; tg/sd %.3f, tg3/sd3 %.3f", r[3] / r[2], r[5] / r[4])));
        }
        running = false;
        active = -1;
        for (Thread th : threads) th.join(2000);
        threads.clear();
        sockets.forEach(MmsgSocket::close);
        sockets.clear();

        OUT.println();
        OUT.println("UDP packets per second received over loopback (median of " + options.rounds() + " rounds, [min..max]):");
        for (int k = 0; k < n; k++) {
            Figures fr = Figures.of(rx.get(k)), fc = Figures.of(cpu.get(k));
            OUT.println(f("  %-40s %,12.0f pps  %-24s (sent %,.0f); %6.0f CPU ns/packet %s", NAMES.get(k), fr.median(),
                    fr.range("%,.0f"), Figures.of(tx.get(k)).median(), fc.median(), fc.range("%.0f")));
        }
        goal("unit alone: tollgate pps / systemd pps", Figures.of(ratioAlone));
        goal("under 3 slices: tollgate pps / systemd pps", Figures.of(ratioSliced));
        OUT.println("the same from CPU time per packet (sender + receiver threads, softirq delivery included; less disturbed"
                + " by other load than wall-clock rates):");
        goal("unit alone: systemd CPU ns / tollgate CPU ns", Figures.of(cpuAlone));
        goal("under 3 slices: systemd CPU ns / tollgate CPU ns", Figures.of(cpuSliced));
        double base = Figures.of(rx.get(0)).median();
        OUT.println(f("  generator without programs: %,.0f pps (%d CPUs here, shared with other work)", base,
                Runtime.getRuntime().availableProcessors()));
        if (refused.get() > 0) {
            OUT.println("PROBLEM: " + refused.get() + " batches refused (EPERM): a firewall dropped allowed traffic");
            return 1;
        }
        return 0;
    }

    private static void goal(String what, Figures r) {
        OUT.println(f("  %-48s = %.3f %-15s goal >= 1.00  %s", what, r.median(), r.range("%.3f"),
                r.median() >= 1 ? (r.min() >= 1 ? "PASS" : "PASS (median; not every round)") : "MISS"));
    }

    /** CPU time of configuration {@code k}'s sender and receiver threads so far (softirq work done in them included). */
    private long trafficCpuNs(int k) {
        var mx = java.lang.management.ManagementFactory.getThreadMXBean();
        return Math.max(0, mx.getThreadCpuTime(threads.get(2 * k).threadId()))
                + Math.max(0, mx.getThreadCpuTime(threads.get(2 * k + 1).threadId()));
    }

    private MmsgSocket keep(MmsgSocket s) {
        sockets.add(s);
        return s;
    }

    // ---- references from Debian's tools

    /** sockperf's own throughput test without programs, to show what a stock generator reaches here. */
    private void sockperfReference() throws Exception {
        Optional<Path> sockperf = PrivilegedCondition.Host.findCommand("sockperf");
        if (sockperf.isEmpty()) {
            OUT.println("sockperf: not installed (apt-get install sockperf); reference skipped");
            return;
        }
        int port = freePortGuess();
        Process server = start(cgroups.get(0), sockperf.get().toString(), "sr", "-i", "127.0.0.1", "-p", Integer.toString(port));
        try {
            Thread.sleep(500);
            Process client = start(cgroups.get(0), sockperf.get().toString(), "tp", "-i", "127.0.0.1", "-p", Integer.toString(port),
                    "-m", Integer.toString(Math.max(options.payload(), 14)), "-t", "3");
            String out = finish(client, 20);
            Matcher m = Pattern.compile("Message Rate is ([0-9]+)").matcher(out);
            OUT.println(m.find()
                    ? f("sockperf tp (one thread, one datagram per sendto), no programs: %,d msg/s sent -- %s",
                    Long.parseLong(m.group(1)), Long.parseLong(m.group(1)) >= 1_000_000 ? "reaches 1 Mpps"
                            : "below 1 Mpps, so the batched generator below is used")
                    : "sockperf: no rate in its output:\n" + out);
        } finally {
            stop(server);
        }
    }

    // ---- TCP

    private void tcp() throws Exception {
        Optional<Path> iperf3 = PrivilegedCondition.Host.findCommand("iperf3");
        OUT.println();
        if (iperf3.isEmpty()) {
            OUT.println("TCP: iperf3 not installed (apt-get install iperf3); skipped");
            return;
        }
        OUT.println(f("TCP throughput, iperf3 -c 127.0.0.1 -t %d (one stream), client and server in one cgroup:",
                options.tcpSeconds()));
        int[] configs = {0, 2, 3}; // no programs, systemd alone, tollgate alone
        List<List<Double>> gbps = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        List<Double> ratio = new ArrayList<>();
        for (int round = 0; round < options.tcpRounds(); round++) {
            double[] g = new double[3];
            for (int j = 0; j < 3; j++) {
                int k = (j + round) % 3;
                g[k] = iperf3(iperf3.get(), cgroups.get(configs[k]));
                gbps.get(k).add(g[k]);
            }
            ratio.add(g[2] / g[1]);
            OUT.println(f("  round %d/%d: no programs %.2f, systemd %.2f, tollgate %.2f Gbit/s; tollgate/systemd %.3f",
                    round + 1, options.tcpRounds(), g[0], g[1], g[2], g[2] / g[1]));
        }
        for (int k = 0; k < 3; k++) {
            Figures b = Figures.of(gbps.get(k));
            OUT.println(f("  %-32s %8.2f Gbit/s %s", NAMES.get(configs[k]), b.median(), b.range("%.2f")));
        }
        Figures r = Figures.of(ratio);
        OUT.println(f("  tollgate / systemd (per round)   = %.3f %s  (no goal set)", r.median(), r.range("%.3f")));
    }

    private double iperf3(Path iperf3, Path cgroup) throws Exception {
        int port = freePortGuess();
        Process server = start(cgroup, iperf3.toString(), "-s", "-1", "--forceflush", "-B", "127.0.0.1", "-p", Integer.toString(port));
        try {
            waitForLine(server, "Server listening", 10);
            Process client = start(cgroup, iperf3.toString(), "-c", "127.0.0.1", "-p", Integer.toString(port),
                    "-t", Integer.toString(options.tcpSeconds()), "-J");
            String json = finish(client, options.tcpSeconds() + 20);
            Matcher m = Pattern.compile("\"sum_received\"\\s*:\\s*\\{[^}]*?\"bits_per_second\"\\s*:\\s*([0-9.eE+]+)").matcher(json);
            if (!m.find()) throw new IllegalStateException("iperf3 gave no sum_received:\n" + json);
            return Double.parseDouble(m.group(1)) / 1e9;
        } finally {
            stop(server);
        }
    }

    // ---- processes of ours, started inside a cgroup

    /** Starts {@code command} with its process in {@code cgroup} before it execs. */
    private synchronized Process start(Path cgroup, String... command) throws IOException {
        if (cleaned) throw new IllegalStateException("cleaned up already (interrupted)");
        List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", "echo $$ > \"$1\" && shift && exec \"$@\"", "sh",
                cgroup.resolve("cgroup.procs").toString()));
        argv.addAll(List.of(command));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        processes.add(p);
        return p;
    }

    private static String finish(Process p, int timeoutSeconds) throws Exception {
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(p.info().command().orElse("process") + " did not finish in " + timeoutSeconds + " s");
        }
        return out.get(5, TimeUnit.SECONDS);
    }

    private static void waitForLine(Process p, String text, int timeoutSeconds) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<Boolean> seen = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line; (line = r.readLine()) != null; ) if (line.contains(text)) return true;
            } catch (IOException e) {
                return false;
            }
            return false;
        });
        if (!seen.get(timeoutSeconds, TimeUnit.SECONDS)) throw new IllegalStateException("server did not start");
        // Keep draining its output so it never blocks on a full pipe.
        Thread.ofVirtual().start(() -> {
            try {
                while (r.readLine() != null) { /* discard */ }
            } catch (IOException ignored) {
                // process gone
            }
        });
    }

    private static void stop(Process p) throws InterruptedException {
        if (!p.isAlive()) return;
        p.destroy();
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
    }

    private static int freePortGuess() throws IOException {
        // Bind 0 to learn a free port, then hand it to the tool: a race only another binder could lose us.
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort() == 0 ? 20000 + ThreadLocalRandom.current().nextInt(20000) : s.getLocalPort();
        }
    }

    // ---- cleanup

    private synchronized void cleanup() {
        if (cleaned) return;
        cleaned = true;
        running = false;
        List<String> failures = new ArrayList<>();
        for (Process p : processes) {
            try {
                stop(p);
            } catch (Throwable e) {
                failures.add("stop " + p.pid() + ": " + e);
            }
        }
        for (Thread t : threads) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (MmsgSocket s : sockets) {
            try {
                s.close();
            } catch (Throwable e) {
                failures.add("close socket: " + e);
            }
        }
        try {
            if (oracle != null) oracle.close();
        } catch (Throwable e) {
            failures.add("stop systemd's units: " + e);
        }
        try {
            if (floor != null) floor.close();
        } catch (Throwable e) {
            failures.add("detach floor programs: " + e);
        }
        try {
            if (accounting != null) accounting.removeAll();
            if (bpffs != null) Pins.removeTree(bpffs);
        } catch (Throwable e) {
            failures.add("remove tollgate datapath and pins: " + e);
        }
        try {
            if (tree != null) tree.close();
        } catch (Throwable e) {
            failures.add("remove cgroups: " + e);
        }
        if (!failures.isEmpty()) {
            System.err.println("udp-pps: cleanup incomplete:");
            failures.forEach(x -> System.err.println("  " + x));
        }
    }
}
