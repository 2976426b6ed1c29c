package dev.tollgate.system.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.accounting.PinLayout;
import dev.tollgate.api.ActiveState;
import dev.tollgate.api.ManagerClient;
import dev.tollgate.api.Messages.UnitStateReply;
import dev.tollgate.bpf.ObjectIds;
import dev.tollgate.system.TollgatedProcess;
import dev.tollgate.testkit.Await;
import dev.tollgate.testkit.Privileged;
import dev.tollgate.varlink.VarlinkClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 9, reliability 2: 1,000 StartUnit/StopUnit cycles of a unit with IP accounting and a
 * firewall (in a slice with IPAccounting=yes) against the real daemon leak nothing. Counted
 * before and after, independently of the daemon: BPF maps, programs and links in the whole
 * kernel that are this test's (see {@link BpfCensus}), what bpftool finds attached under the
 * daemon's cgroup root, pins under its bpffs directory, cgroups under its root, and the daemon's
 * open file descriptors (by kind) and threads. Objects seen pinned during the cycles must all be
 * gone from the kernel at the end.
 *
 * <p>Always 1,000 cycles ({@code -Dtollgate.leak.cycles=} for more), however long they take
 * on the machine: the time per cycle is printed, never asserted.
 */
@SuppressWarnings("try") // close() may be interrupted; tests propagate that
@Privileged(commands = "bpftool")
class StartStopLeakTest {
    private static final int WANTED_CYCLES = Integer.getInteger("tollgate.leak.cycles", 1000);
    private static final int WARM_UP = 20;
    /**
     * Threads the JVM starts and ends by itself, whatever the daemon does: JIT compiler threads
     * (UseDynamicNumberOfCompilerThreads adds and retires them with the compile queue), the
     * virtual-thread scheduler's carriers (up to one per CPU, retired after 30 s idle, plus
     * temporary compensation threads while a virtual thread blocks in a file operation), and
     * the process reaper pool (one thread per child being waited for, retired after 60 s idle).
     * A leak of one thread per cycle would be hundreds, far above this.
     */
    private static final int THREAD_TOLERANCE = 6;

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
    @Timeout(value = 30, unit = TimeUnit.MINUTES) // a hang guard only: 1,000 cycles on a busy machine
    void aThousandStartStopCyclesLeakNoKernelObjectPinCgroupFdOrThread(String mode) throws Exception {
        String unit = "l" + daemon.id + ".service";
        String slice = "s" + daemon.id + ".slice";
        daemon.args("--attach-mode", mode);
        daemon.unit(slice, """
                [Slice]
                IPAccounting=yes
                """, false);
        daemon.unit(unit, """
                [Unit]
                Description=Started and stopped a thousand times
                [Service]
                Slice=%s
                IPAccounting=yes
                IPAddressDeny=any
                IPAddressAllow=localhost 10.0.0.0/8
                ExecStart=/bin/sleep 3600
                """.formatted(slice), false);
        daemon.start();
        List<Long> mainPids = new ArrayList<>();
        Set<String> observed = new TreeSet<>(); // "kind id" of every object seen pinned for the unit
        Path unitPins = new PinLayout(daemon.bpffs).unit(unit);

        try (ManagerClient c = ManagerClient.connect(daemon.socket,
                VarlinkClient.Options.defaults().withTimeout(Duration.ofSeconds(60)))) {
            // Warm-up: what is made once (the slice's cgroup, thread pools, JIT-compiled code)
            // is made here, and the time per cycle measured.
            long w0 = System.nanoTime();
            for (int i = 0; i < WARM_UP; i++) cycle(c, unit, i, unitPins, observed, mainPids);
            double msPerCycle = (System.nanoTime() - w0) / 1e6 / WARM_UP;
            int cycles = WANTED_CYCLES;
            System.out.printf("StartStopLeakTest[%s]: %.1f ms per cycle in the warm-up; %d cycles%n", mode, msPerCycle, cycles);

            // The counting sees the unit's objects while it runs (else the comparison below proves nothing).
            c.startUnit(unit);
            DaemonFootprint running = count();
            c.stopUnit(unit);
            System.out.printf("  while the unit runs:\n    %s%n", running.describe().replaceAll("daemon fds: .*\n", ""));
            // At least the unit's trie and the slice's counters, and the unit's counters map where
            // programs are per unit (shared programs keep it in the daemon's cgroup storage). The
            // last warm-up cycle's maps may still be on their way out: the kernel frees them after
            // an RCU grace period.
            boolean shared = dev.tollgate.bpf.features.Capabilities.kernel().has(
                    dev.tollgate.bpf.features.KernelCapability.SHARED_CGROUP_STORAGE);
            assertThat(running.bpf().maps()).as("maps while running").hasSizeGreaterThanOrEqualTo(shared ? 2 : 3);
            assertThat(running.bpf().programs()).as("programs while running: ingress and egress").hasSize(2);
            assertThat(running.bpf().links()).as("links while running").hasSize(mode.equals("link") ? 2 : 0);
            assertThat(running.attached().values().stream().mapToInt(List::size).sum()).as("attached (bpftool)").isEqualTo(2);
            assertThat(running.cgroups()).as("cgroups while running: the slice's and the unit's").isEqualTo(2);

            DaemonFootprint before = settled(null);
            System.out.printf("  before:\n    %s%n", before.describe());
            assertThat(before.bpf().maps()).as("maps of a stopped unit: only the slice's counters").hasSize(1);
            long t0 = System.nanoTime();
            for (int i = 0; i < cycles; i++) cycle(c, unit, WARM_UP + i, unitPins, observed, mainPids);
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("StartStopLeakTest[%s]: %d cycles in %.1f s (%.1f ms each)%n", mode, cycles, seconds, seconds * 1000 / cycles);
            DaemonFootprint after = settled(before);
            System.out.printf("  after:\n    %s%n", after.describe());

            Set<Integer> programs = new HashSet<>(ObjectIds.programs());
            Set<Integer> maps = new HashSet<>(ObjectIds.maps());
            Set<Integer> links = new HashSet<>(ObjectIds.links());
            List<String> stillThere = new ArrayList<>();
            for (String o : observed) {
                String[] kv = o.split(" ");
                int id = Integer.parseInt(kv[1]);
                boolean exists = switch (kv[0]) {
                    case "prog" -> programs.contains(id) && after.bpf().programs().contains(id);
                    // the slice's counters map lives on (it is in the count before too)
                    case "map" -> maps.contains(id) && after.bpf().maps().contains(id) && !before.bpf().maps().contains(id);
                    case "link" -> links.contains(id);
                    default -> false;
                };
                if (exists) stillThere.add(o);
            }
            List<Long> alive = mainPids.stream().filter(Procs::alive).toList();

            SoftAssertions soft = new SoftAssertions();
            soft.assertThat(after.bpf().maps()).as("our maps in the kernel").isEqualTo(before.bpf().maps());
            soft.assertThat(after.bpf().programs()).as("our programs in the kernel").isEqualTo(before.bpf().programs());
            soft.assertThat(after.bpf().links()).as("our links in the kernel").isEqualTo(before.bpf().links());
            soft.assertThat(after.attached()).as("programs attached under the cgroup root (bpftool)").isEqualTo(before.attached());
            soft.assertThat(after.pinFiles()).as("pins under the bpffs directory").isEqualTo(before.pinFiles());
            soft.assertThat(after.pinDirs()).as("directories under the bpffs directory").isEqualTo(before.pinDirs());
            soft.assertThat(after.cgroups()).as("cgroups below the root").isEqualTo(before.cgroups());
            soft.assertThat(after.fds()).as("daemon fds").isEqualTo(before.fds());
            soft.assertThat(after.fdKinds()).as("daemon fds by kind").isEqualTo(before.fdKinds());
            soft.assertThat(after.threads()).as("daemon threads (tolerance %d: see THREAD_TOLERANCE)", THREAD_TOLERANCE)
                    .isLessThanOrEqualTo(before.threads() + THREAD_TOLERANCE);
            soft.assertThat(stillThere).as("objects seen pinned for the unit during the cycles (%d) still in the kernel",
                    observed.size()).isEmpty();
            soft.assertThat(alive).as("main processes of the cycles still running").isEmpty();
            soft.assertThat(observed).as("objects seen pinned").isNotEmpty();
            soft.assertAll();
        }
        assertThat(daemon.stop()).isZero();
        assertThat(daemon.cgroupRoot).doesNotExist();
        assertThat(daemon.bpffs).doesNotExist();
    }

    /** One start and stop; every 50th cycle the unit's pinned objects and main PID are noted while it runs. */
    private static void cycle(ManagerClient c, String unit, int i, Path unitPins, Set<String> observed, List<Long> mainPids)
            throws Exception {
        UnitStateReply started = c.startUnit(unit);
        if (started.activeState() != ActiveState.ACTIVE)
            throw new AssertionError("cycle " + i + ": StartUnit answered " + started);
        if (i % 50 == 0) {
            Integer main = c.getUnit(unit).mainPID();
            if (main != null) mainPids.add((long) main);
            for (BpfCensus.Pinned p : BpfCensus.pinnedIn(unitPins)) {
                observed.add(p.kind() + " " + p.id());
                if (!p.kind().equals("map")) observed.add("prog " + p.programId());
                for (int m : p.mapIds()) observed.add("map " + m);
            }
        }
        UnitStateReply stopped = c.stopUnit(unit);
        if (stopped.activeState() != ActiveState.INACTIVE)
            throw new AssertionError("cycle " + i + ": StopUnit answered " + stopped);
    }

    /**
     * Counts once things have settled: the first count that equals {@code before}'s (threads
     * within the tolerance), within the safety net; the last count otherwise, which then fails.
     * The kernel frees a program's maps only after an RCU grace period once the program is gone,
     * so the last cycles' maps may outlive their programs by a moment. Without {@code before}
     * (the count to compare with): the first count in which the stopped unit's kernel objects
     * are gone (only the slice's counters map is left) and that equals the one before it.
     */
    private DaemonFootprint settled(DaemonFootprint before) throws Exception {
        long t0 = System.nanoTime();
        long deadline = t0 + Await.SAFETY_NET.toNanos();
        DaemonFootprint last = null;
        while (true) {
            DaemonFootprint now = count();
            if (before == null) {
                boolean gone = now.bpf().maps().size() == 1 && now.bpf().programs().isEmpty() && now.bpf().links().isEmpty();
                if ((gone && last != null && now.sameObjects(last)) || System.nanoTime() > deadline) {
                    System.out.printf("  (settled after %.1f s)%n", (System.nanoTime() - t0) / 1e9);
                    return now;
                }
                last = now;
                Thread.sleep(100);
                continue;
            }
            boolean same = now.sameObjects(before) && now.threads() <= before.threads() + THREAD_TOLERANCE;
            if (same || System.nanoTime() > deadline) {
                System.out.printf("  (settled after %.1f s)%n", (System.nanoTime() - t0) / 1e9);
                return now;
            }
            Thread.sleep(100);
        }
    }

    private DaemonFootprint count() throws Exception {
        return DaemonFootprint.take(daemon, List.of("tgc_l" + daemon.id, "tgp_l" + daemon.id, "tgs_s" + daemon.id, "tge_l" + daemon.id));
    }
}
