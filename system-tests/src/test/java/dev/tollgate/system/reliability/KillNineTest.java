package dev.tollgate.system.reliability;

import static dev.tollgate.system.TollgatedProcess.python;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.CounterSample;
import dev.tollgate.api.Counters;
import dev.tollgate.api.ManagerClient;
import dev.tollgate.api.UnitInfo;
import dev.tollgate.cgroup.Signals;
import dev.tollgate.system.TollgatedProcess;
import dev.tollgate.testkit.Await;
import dev.tollgate.testkit.Privileged;
import dev.tollgate.varlink.VarlinkClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 9, reliability 1: {@code kill -9} of tollgated at 20 random moments (seeded) while a
 * service floods UDP over loopback: some while the daemon runs, some inside a SIGHUP reload that
 * changes an address list (now the flood unit's, now another unit's), some inside the daemon's
 * own start-up (while it re-adopts the units). After each kill a new daemon takes over. At the
 * end: the flood unit's counters, read through GetCounters and from its pinned map, equal the
 * generator's own count; neither service was ever restarted (same PID, one start in the log);
 * and not one datagram reached 127.0.0.2, which every policy in play denies, where a receiver
 * outside every unit counts what arrives. In each attach mode (link, multi, single); the kill
 * moments are drawn from how long a start-up and a reload take on the machine, measured on the way.
 *
 * <p>The kill moments are drawn from seed {@value #SEED}, the same in every run (the moments
 * still fall where the machine's speed puts them: what is asserted holds at any moment). Explore
 * another seed with {@code -Dtollgate.seed=N} (printed).
 */
@SuppressWarnings("try") // close() may be interrupted; tests propagate that
@Privileged(commands = "python3")
class KillNineTest {
    /** CI's seed; another only through -Dtollgate.seed. */
    static final long SEED = 0x6B11_1909L;
    private static final int KILLS = 20;
    private static final int PAYLOAD = 64;
    private static final String FLOOD = "flood.service";
    private static final String OTHER = "other.service";

    /**
     * The flood unit's policies: (allow, deny). In every one 127.0.0.1 is allowed (not denied, or
     * explicitly allowed, allow winning as in systemd) and 127.0.0.2 denied and in no allow list.
     */
    private static final List<String[]> FLOOD_POLICIES = List.of(
            new String[] {"", "127.0.0.2"},
            new String[] {"127.0.0.1", "any"},
            new String[] {"127.0.0.0/31 ::1", "127.0.0.0/8"},
            new String[] {"127.0.0.1 10.0.0.0/8 192.0.2.0/24", "127.0.0.2/32 198.51.100.0/24"},
            new String[] {"127.0.0.1/32 127.0.0.3", "127.0.0.0/30"},
            new String[] {"::1 fd00::/8", "127.0.0.2 203.0.113.7"});

    /** The other unit denies everything but these (none of them holds 127.0.0.2). */
    private static final List<String> OTHER_ALLOWS = List.of("127.0.0.1", "10.0.0.0/8", "192.168.0.0/16 ::1",
            "127.0.0.1 127.0.0.3", "");

    private TollgatedProcess daemon;

    @BeforeEach
    void setUp() throws Exception {
        daemon = new TollgatedProcess();
    }

    @AfterEach
    void tearDown() throws Exception {
        daemon.close();
    }

    @ParameterizedTest(name = "attach mode {0}")
    @ValueSource(strings = {"link", "multi", "single"})
    @Timeout(value = 15, unit = TimeUnit.MINUTES) // a hang guard: 20 daemon starts on a busy machine
    void twentyKillsDuringAFloodAndReloadsLoseNoCounterRestartNothingAndLetNoDeniedPacketThrough(String mode) throws Exception {
        long seed = Long.getLong("tollgate.seed", SEED);
        System.out.printf("KillNineTest[%s] seed=%d (rerun with -Dtollgate.seed=%d)%n", mode, seed, seed);
        try {
            killNine(mode, new Random(seed));
        } catch (Throwable t) {
            List<String> lines = daemon.logText().lines().toList();
            System.out.printf("KillNineTest[%s] failed with seed=%d; the daemons' log (last 150 of %d lines):%n%s%n", mode, seed,
                    lines.size(), String.join("\n", lines.subList(Math.max(0, lines.size() - 150), lines.size())));
            throw t;
        }
    }

    private void killNine(String mode, Random rnd) throws Exception {
        long t0 = System.nanoTime();
        daemon.args("--attach-mode", mode);
        Path stop = daemon.work.resolve("stop");
        Path floodPid = daemon.work.resolve("flood.pid");
        Path floodDone = daemon.work.resolve("flood.done");
        Path otherPid = daemon.work.resolve("other.pid");
        Path otherDone = daemon.work.resolve("other.done");
        try (Loopback.Receiver allowed = new Loopback.Receiver("127.0.0.1");
             Loopback.Receiver denied = new Loopback.Receiver("127.0.0.2")) {
            String floodCmd = floodGenerator(floodPid, floodDone, stop, allowed.port(), denied.port());
            String otherCmd = deniedProber(otherPid, otherDone, stop, denied.port());
            int floodPolicy = 0;
            int otherAllow = 0;
            writeUnit(FLOOD, floodUnit(FLOOD_POLICIES.get(floodPolicy), floodCmd));
            writeUnit(OTHER, otherUnit(OTHER_ALLOWS.get(otherAllow), otherCmd));
            long[] startup = startTimed(); // ms from spawn to the first unit taken over, and to "running"
            long reloadUs = 0; // how long a reload takes here (µs), learnt on the way
            TollgatedProcess.await("the flood to start", Duration.ofSeconds(30),
                    () -> allowed.count.get() > 200 && Files.exists(otherPid));
            String pid = Files.readString(floodPid).trim();
            String pid2 = Files.readString(otherPid).trim();

            long lastEgress = 0;
            boolean running = true;
            for (int kill = 1; kill <= KILLS; kill++) {
                if (!running) {
                    // The previous kill left no daemon. Either a kill inside the next one's start-up
                    // (half of them late in it, where the units are taken over)...
                    if (rnd.nextInt(3) == 0) {
                        int from = daemon.spawn();
                        long delay = rnd.nextBoolean() ? rnd.nextLong(startup[1])
                                : Math.max(0, startup[0] - 20) + rnd.nextLong(Math.max(1, startup[1] - startup[0] + 20));
                        Thread.sleep(delay);
                        List<String> lines = daemon.logText().lines().skip(from).toList();
                        daemon.kill9();
                        long tookOver = lines.stream().filter(l -> l.contains("took over")).count();
                        boolean up = lines.stream().anyMatch(l -> l.contains("tollgated is running"));
                        log(kill, "start-up +%d ms (units taken over from ~%d ms, up at ~%d ms): %s".formatted(delay,
                                startup[0], startup[1], up ? "was already up" : tookOver + " of 2 units taken over"));
                        continue;
                    }
                    // ...or a normal start, and a check that nothing was lost so far.
                    int from = daemon.logLineCount();
                    long[] t = startTimed();
                    startup[0] = (startup[0] + t[0]) / 2;
                    startup[1] = (startup[1] + t[1]) / 2;
                    lastEgress = checkTakenOver(pid, pid2, lastEgress, from);
                    running = true;
                }
                // A reload that changes one unit's address list, alternating between the two units.
                boolean floodChanges = kill % 2 == 0;
                if (floodChanges) {
                    floodPolicy = (floodPolicy + 1 + rnd.nextInt(FLOOD_POLICIES.size() - 1)) % FLOOD_POLICIES.size();
                    writeUnit(FLOOD, floodUnit(FLOOD_POLICIES.get(floodPolicy), floodCmd));
                } else {
                    otherAllow = (otherAllow + 1 + rnd.nextInt(OTHER_ALLOWS.size() - 1)) % OTHER_ALLOWS.size();
                    writeUnit(OTHER, otherUnit(OTHER_ALLOWS.get(otherAllow), otherCmd));
                }
                String change = floodChanges ? FLOOD + " " + policyText(FLOOD_POLICIES.get(floodPolicy))
                        : OTHER + " allow=" + OTHER_ALLOWS.get(otherAllow);
                int from = daemon.logLineCount();
                long hup = System.nanoTime();
                Signals.send(daemon.pid(), Signals.SIGHUP);
                if (rnd.nextBoolean()) {
                    // Inside the reload (or just after it, now and then).
                    long delayUs = rnd.nextLong(Math.max(2000, 2 * reloadUs));
                    Thread.sleep(Duration.ofNanos(delayUs * 1000));
                    boolean done = daemon.logText().lines().skip(from).anyMatch(l -> l.contains("reload done"));
                    daemon.kill9();
                    log(kill, "reload +%.1f ms of ~%.1f ms%s [%s]".formatted(delayUs / 1e3, reloadUs / 1e3,
                            done ? " (had finished)" : "", change));
                } else {
                    // While the flood runs, some time after a reload.
                    awaitLine("reload done", from);
                    long took = (System.nanoTime() - hup) / 1000;
                    reloadUs = reloadUs == 0 ? took : (reloadUs + took) / 2;
                    long delay = rnd.nextLong(1000);
                    Thread.sleep(delay);
                    daemon.kill9();
                    log(kill, "running, " + delay + " ms after a reload [" + change + "]");
                }
                running = false;
            }
            int lastStart = daemon.logLineCount();
            startTimed();
            checkTakenOver(pid, pid2, lastEgress, lastStart);
            System.out.printf("KillNineTest[%s]: %d kills in %.1f s%n", mode, KILLS, (System.nanoTime() - t0) / 1e9);

            Files.writeString(stop, "");
            TollgatedProcess.await("the generators to finish", Duration.ofSeconds(30),
                    () -> Files.exists(floodDone) && Files.exists(otherDone));
            long[] flood = numbers(floodDone); // sent, refused, leaked, failed
            long[] other = numbers(otherDone); // refused, leaked, failed
            long sent = flood[0];
            TollgatedProcess.await("the receiver to drain", Duration.ofSeconds(10), () -> allowed.count.get() >= sent);
            Thread.sleep(200);

            Counters api;
            Counters otherApi;
            UnitInfo floodInfo;
            UnitInfo otherInfo;
            try (ManagerClient c = client()) {
                List<CounterSample> samples = c.getCounters(List.of(FLOOD, OTHER));
                api = samples.stream().filter(s -> s.name().equals(FLOOD)).findFirst().orElseThrow().counters();
                otherApi = samples.stream().filter(s -> s.name().equals(OTHER)).findFirst().orElseThrow().counters();
                floodInfo = c.getUnit(FLOOD);
                otherInfo = c.getUnit(OTHER);
            }
            var pinned = daemon.pinnedCounters(FLOOD, false).orElseThrow();
            String log = daemon.logText();
            System.out.printf("KillNineTest[%s]: flood sent %d (+%d refused to 127.0.0.2, %d got through, %d failed); "
                            + "receiver got %d; denied receiver got %d; other unit: %d refused, %d got through; counters %s%n",
                    mode, sent, flood[1], flood[2], flood[3], allowed.count.get(), denied.count.get(), other[0], other[1], api);

            SoftAssertions soft = new SoftAssertions();
            soft.assertThat(denied.count.get()).as("datagrams that reached the denied address 127.0.0.2").isZero();
            soft.assertThat(flood[2]).as("flood: sends to 127.0.0.2 that the kernel accepted").isZero();
            soft.assertThat(other[1]).as("other unit: sends to 127.0.0.2 that the kernel accepted").isZero();
            soft.assertThat(flood[3]).as("flood: sends that failed otherwise").isZero();
            soft.assertThat(other[2]).as("other unit: sends that failed otherwise").isZero();
            soft.assertThat(allowed.count.get()).as("datagrams at the allowed receiver").isEqualTo(sent);

            soft.assertThat(api.egressPackets()).as("GetCounters egress packets = the generator's count").isEqualTo(sent);
            soft.assertThat(api.egressBytes()).as("GetCounters egress bytes").isEqualTo(Loopback.ipBytes(sent, PAYLOAD));
            soft.assertThat(api.egressDroppedPackets()).as("GetCounters egress dropped = refused sends").isEqualTo(flood[1]);
            soft.assertThat(api.egressDroppedBytes()).isEqualTo(Loopback.ipBytes(flood[1], 1));
            soft.assertThat(api.ingressPackets()).isZero();
            soft.assertThat(pinned.egressPackets()).as("pinned map egress packets").isEqualTo(sent);
            soft.assertThat(pinned.egressBytes()).as("pinned map egress bytes").isEqualTo(Loopback.ipBytes(sent, PAYLOAD));
            soft.assertThat(pinned.egressDroppedPackets()).as("pinned map egress dropped").isEqualTo(flood[1]);
            soft.assertThat(otherApi.egressDroppedPackets()).as("other unit's drops = its refused sends").isEqualTo(other[0]);
            soft.assertThat(otherApi.egressPackets()).isZero();

            soft.assertThat(Files.readString(floodPid).trim()).as("flood pid file (rewritten only by a new start)").isEqualTo(pid);
            soft.assertThat(Files.readString(otherPid).trim()).as("other pid file").isEqualTo(pid2);
            soft.assertThat(floodInfo.mainPID()).as("flood main PID").isEqualTo(Integer.parseInt(pid));
            soft.assertThat(otherInfo.mainPID()).as("other main PID").isEqualTo(Integer.parseInt(pid2));
            soft.assertThat(count(log, "started " + FLOOD)).as("starts of the flood unit in the log").isEqualTo(1);
            soft.assertThat(count(log, "started " + OTHER)).as("starts of the other unit in the log").isEqualTo(1);
            soft.assertThat(log).doesNotContain("exited while tollgated was not running").doesNotContain("scheduling restart")
                    .doesNotContain("nothing pinned to take over").doesNotContain("cannot take over");

            // The policy in force is the last one written, in the API and in the kernel's trie.
            String[] last = FLOOD_POLICIES.get(floodPolicy);
            soft.assertThat(AddressLists.canonical(floodInfo.ipAddressDeny())).as("flood deny list").isEqualTo(AddressLists.canonical(AddressLists.expanded(last[1])));
            soft.assertThat(AddressLists.canonical(floodInfo.ipAddressAllow())).as("flood allow list").isEqualTo(AddressLists.canonical(AddressLists.expanded(last[0])));
            soft.assertThat(AddressLists.canonical(otherInfo.ipAddressAllow())).as("other allow list")
                    .isEqualTo(AddressLists.canonical(AddressLists.expanded(OTHER_ALLOWS.get(otherAllow))));
            soft.assertThat(AddressLists.triePrefixes(daemon.bpffs, FLOOD)).as("prefixes in flood's pinned trie").isEqualTo(
                    AddressLists.canonical(AddressLists.expanded(last[0] + " " + last[1])));
            soft.assertAll();
        }
        assertThat(daemon.stop()).isZero();
        assertThat(daemon.cgroupRoot).doesNotExist();
        assertThat(daemon.bpffs).doesNotExist();
        System.out.printf("KillNineTest[%s]: %.1f s in all%n", mode, (System.nanoTime() - t0) / 1e9);
    }

    /** After a new daemon came up: both services still the same processes, the counters carried on. */
    private long checkTakenOver(String pid, String pid2, long lastEgress, int fromLine) throws Exception {
        assertThat(Procs.alive(Long.parseLong(pid))).as("flood pid %s alive", pid).isTrue();
        assertThat(Procs.alive(Long.parseLong(pid2))).as("other pid %s alive", pid2).isTrue();
        String log = String.join("\n", daemon.logText().lines().skip(fromLine).toList());
        assertThat(log).as("the new daemon's log").doesNotContain("cannot take over").doesNotContain("removed stale pins");
        try (ManagerClient c = client()) {
            UnitInfo u = c.getUnit(FLOOD);
            assertThat(u.mainPID()).as("flood main PID after a restart").isEqualTo(Integer.parseInt(pid));
            List<CounterSample> samples = c.getCounters(List.of(FLOOD));
            assertThat(samples).as("GetCounters of %s after a restart", FLOOD).hasSize(1);
            long egress = samples.getFirst().counters().egressPackets();
            assertThat(egress).as("flood egress packets never go back").isGreaterThanOrEqualTo(lastEgress);
            return egress;
        }
    }

    /**
     * Starts the daemon and waits until it runs; returns the ms from spawn to the first unit
     * taken over (to "running" if there was none: the first start) and to "running".
     */
    private long[] startTimed() throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        int from = daemon.spawn();
        long adopted = -1;
        long deadline = t0 + Await.SAFETY_NET.toNanos();
        while (true) {
            List<String> lines = daemon.logText().lines().skip(from).toList();
            long now = (System.nanoTime() - t0) / 1_000_000;
            if (adopted < 0 && lines.stream().anyMatch(l -> l.contains("took over"))) adopted = now;
            if (lines.stream().anyMatch(l -> l.contains("tollgated is running"))) return new long[] {adopted < 0 ? now : adopted, now};
            if (System.nanoTime() > deadline) throw new AssertionError("tollgated did not come up:\n" + daemon.logText());
            if (!daemon.alive()) throw new AssertionError("tollgated exited:\n" + daemon.logText());
            Thread.sleep(1);
        }
    }

    /** Waits for a log line with 1 ms resolution (TollgatedProcess.awaitLog polls every 50 ms). */
    private void awaitLine(String text, int from) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Await.SAFETY_NET.toNanos();
        while (daemon.logText().lines().skip(from).noneMatch(l -> l.contains(text))) {
            if (System.nanoTime() > deadline) throw new AssertionError("no '" + text + "' in the log:\n" + daemon.logText());
            if (!daemon.alive()) throw new AssertionError("tollgated exited:\n" + daemon.logText());
            Thread.sleep(1);
        }
    }

    private ManagerClient client() throws IOException {
        return ManagerClient.connect(daemon.socket, VarlinkClient.Options.defaults().withTimeout(Duration.ofSeconds(60)));
    }

    private static void log(int kill, String moment) {
        System.out.printf("  kill %2d/%d: %s%n", kill, KILLS, moment);
    }

    /** Writes a unit file atomically (a reload never reads half of it) and enables it. */
    private void writeUnit(String name, String text) throws IOException {
        Path tmp = daemon.work.resolve(name + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, daemon.units.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Path wants = Files.createDirectories(daemon.units.resolve("multi-user.target.wants"));
        if (!Files.isSymbolicLink(wants.resolve(name))) Files.createSymbolicLink(wants.resolve(name), daemon.units.resolve(name));
    }

    private static String floodUnit(String[] policy, String cmd) {
        return """
                [Unit]
                Description=UDP flood with a firewall, for KillNineTest
                [Service]
                IPAccounting=yes
                IPAddressDeny=%s
                %sExecStart=%s
                [Install]
                WantedBy=multi-user.target
                """.formatted(policy[1], policy[0].isEmpty() ? "" : "IPAddressAllow=" + policy[0] + "\n", cmd);
    }

    private static String otherUnit(String allow, String cmd) {
        return """
                [Unit]
                Description=Another unit whose allow list changes, for KillNineTest
                [Service]
                IPAccounting=yes
                IPAddressDeny=any
                %sExecStart=%s
                [Install]
                WantedBy=multi-user.target
                """.formatted(allow.isEmpty() ? "" : "IPAddressAllow=" + allow + "\n", cmd);
    }

    private static String policyText(String[] p) {
        return "allow=" + p[0] + " deny=" + p[1];
    }

    /**
     * Sends 64-byte datagrams to the allowed receiver (20 per 5 ms) and one 1-byte datagram per
     * round to 127.0.0.2, until {@code stop} exists; then writes "sent refused leaked failed".
     */
    private static String floodGenerator(Path pidFile, Path done, Path stop, int allowedPort, int deniedPort) {
        return python("""
                import os,socket,time
                def put(p, t):
                    open(p + '.tmp', 'w').write(t); os.rename(p + '.tmp', p)
                put('%s', str(os.getpid()))
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                a = ('127.0.0.1', %d); d = ('127.0.0.2', %d); x = b'x' * %d
                sent = refused = leaked = failed = 0
                while not os.path.exists('%s'):
                    for i in range(20):
                        try:
                            s.sendto(x, a); sent += 1
                        except OSError:
                            failed += 1
                    try:
                        s.sendto(b'y', d); leaked += 1
                    except PermissionError:
                        refused += 1
                    except OSError:
                        failed += 1
                    time.sleep(0.005)
                put('%s', '%%d %%d %%d %%d' %% (sent, refused, leaked, failed))
                time.sleep(86400)
                """.formatted(pidFile, allowedPort, deniedPort, PAYLOAD, stop, done));
    }

    /** Tries 127.0.0.2 every 10 ms until {@code stop} exists; then writes "refused leaked failed". */
    private static String deniedProber(Path pidFile, Path done, Path stop, int deniedPort) {
        return python("""
                import os,socket,time
                def put(p, t):
                    open(p + '.tmp', 'w').write(t); os.rename(p + '.tmp', p)
                put('%s', str(os.getpid()))
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                refused = leaked = failed = 0
                while not os.path.exists('%s'):
                    try:
                        s.sendto(b'z', ('127.0.0.2', %d)); leaked += 1
                    except PermissionError:
                        refused += 1
                    except OSError:
                        failed += 1
                    time.sleep(0.01)
                put('%s', '%%d %%d %%d' %% (refused, leaked, failed))
                time.sleep(86400)
                """.formatted(pidFile, stop, deniedPort, done));
    }

    private static long[] numbers(Path p) throws IOException {
        String[] w = Files.readString(p).trim().split(" ");
        long[] n = new long[w.length];
        for (int i = 0; i < w.length; i++) n[i] = Long.parseLong(w[i]);
        return n;
    }

    private static long count(String text, String needle) {
        return text.lines().filter(l -> l.contains(needle)).count();
    }
}
