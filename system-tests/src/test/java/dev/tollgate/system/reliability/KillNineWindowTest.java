package dev.tollgate.system.reliability;

import static dev.tollgate.system.TollgatedProcess.python;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.accounting.Direction;
import dev.tollgate.accounting.PinLayout;
import dev.tollgate.accounting.SkbProgram;
import dev.tollgate.api.CounterSample;
import dev.tollgate.api.ManagerClient;
import dev.tollgate.bpf.AttachFlags;
import dev.tollgate.bpf.AttachType;
import dev.tollgate.bpf.BpfMap;
import dev.tollgate.bpf.BpfProgram;
import dev.tollgate.bpf.CgroupHandle;
import dev.tollgate.bpf.CgroupPrograms;
import dev.tollgate.bpf.ProgramSpec;
import dev.tollgate.bpf.ProgramType;
import dev.tollgate.system.TollgatedProcess;
import dev.tollgate.testkit.Privileged;
import dev.tollgate.testkit.PrivilegedCondition;
import dev.tollgate.varlink.VarlinkClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A kill -9 at one precise moment, which {@link KillNineTest}'s random kills hit only now and
 * then: in attach modes multi and single, a program swap (a reload that changed a unit's
 * address list, or the swap every take-over makes) first attaches the new program in place of
 * the old one (BPF_PROG_ATTACH with BPF_F_REPLACE, or a single-mode re-attach) and then moves the
 * unit's pin to it (LegacyAttachment.replace, then swapPin: pin at {@code ingress_new}, rename
 * over {@code ingress}). A daemon killed between the two leaves the new program attached and
 * unpinned (or pinned only at {@code ingress_new}) and the pin on the old program, which is no
 * longer attached. (Reproduced with a real kill: strace's
 * {@code -e inject=rename:signal=KILL:when=1} on the restarted daemon kills it at the first
 * rename, which is exactly there, and leaves this state.)
 *
 * <p>The test makes that state without strace (which CI does not install): daemon killed, then
 * the unit's ingress program swapped the way the daemon swaps it, the new one pinned at
 * {@code ingress_new} only. The next daemon must take the unit over as after any other kill:
 * its counters kept and readable, one program of ours per direction on the cgroup, and later
 * policy changes applied. (Before 85947f7 it did not: "cannot take over its programs", the
 * unit's pins removed as stale, GetCounters empty, and reloads no longer reached its firewall.)
 */
@SuppressWarnings("try") // close() may be interrupted; tests propagate that
@Privileged(commands = "python3")
class KillNineWindowTest {
    private static final String UNIT = "flood.service";

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
    @ValueSource(strings = {"multi", "single"})
    @Timeout(value = 10, unit = TimeUnit.MINUTES) // a hang guard only
    void aKillBetweenALegacyProgramSwapAndItsRepinLosesNeitherTheCountersNorTheFirewall(String mode) throws Exception {
        daemon.args("--attach-mode", mode);
        try (Loopback.Receiver allowed = new Loopback.Receiver("127.0.0.1");
             Loopback.Receiver denied = new Loopback.Receiver("127.0.0.2")) {
            writeUnit("127.0.0.2", allowed.port(), denied.port());
            daemon.start();
            TollgatedProcess.await("traffic", Duration.ofSeconds(30), () -> allowed.count.get() > 100);
            Path cgroup;
            try (ManagerClient c = client()) {
                cgroup = PrivilegedCondition.Host.cgroup2Mount().orElseThrow().resolve(c.getUnit(UNIT).controlGroup().substring(1));
            }
            daemon.kill9();
            long countedBefore = daemon.pinnedCounters(UNIT, false).orElseThrow().egressPackets();

            // The state a kill between the swap and the re-pin leaves (see the class comment).
            Path pins = new PinLayout(daemon.bpffs).unit(UNIT);
            int swappedIn;
            // The unit's state: maps of its own (per-unit programs), or the daemon's cgroup storage (shared programs).
            boolean ownMaps = Files.exists(pins.resolve(PinLayout.COUNTERS));
            Path root = daemon.bpffs;
            try (CgroupHandle cg = CgroupHandle.open(cgroup);
                 BpfProgram old = BpfProgram.fromPin(pins.resolve(Direction.INGRESS.shortName()));
                 BpfMap counters = BpfMap.fromPin(ownMaps ? pins.resolve(PinLayout.COUNTERS) : root.resolve(PinLayout.CGROUP_COUNTERS));
                 BpfMap events = BpfMap.fromPin(ownMaps ? pins.resolve(PinLayout.EVENTS) : root.resolve(PinLayout.CGROUP_EVENTS));
                 BpfMap policy = BpfMap.fromPin(pins.resolve(PinLayout.POLICY));
                 BpfProgram next = BpfProgram.load(ProgramSpec.assembled(ProgramType.CGROUP_SKB, "tg_fw_ingress", null,
                         SkbProgram.build(SkbProgram.Shape.trie(Direction.INGRESS),
                                 ownMaps ? SkbProgram.StateAccess.UNIT_MAPS : SkbProgram.StateAccess.CGROUP_STORAGE),
                         Map.of(SkbProgram.UNIT_MAP, counters, SkbProgram.EVENTS_MAP, events, SkbProgram.POLICY_MAP, policy)))) {
                if (mode.equals("multi")) {
                    CgroupPrograms.attach(cg, next, AttachType.CGROUP_INET_INGRESS, AttachFlags.ALLOW_MULTI | AttachFlags.REPLACE, old);
                } else {
                    CgroupPrograms.attach(cg, next, AttachType.CGROUP_INET_INGRESS, AttachFlags.NONE);
                }
                next.pin(pins.resolve(Direction.INGRESS.shortName() + "_new"));
                swappedIn = next.id();
                assertThat(attached(cg, AttachType.CGROUP_INET_INGRESS)).as("the state made").containsExactly(swappedIn);
            }

            int from = daemon.logLineCount();
            daemon.start();
            String log = String.join("\n", daemon.logText().lines().skip(from).toList());
            SoftAssertions soft = new SoftAssertions();
            soft.assertThat(log).as("the new daemon's log").doesNotContain("cannot take over").doesNotContain("removed stale pins of " + UNIT);
            soft.assertThat(daemon.pinnedCounters(UNIT, false)).as("the unit's counters still pinned").isPresent();
            try (ManagerClient c = client()) {
                List<CounterSample> samples = c.getCounters(List.of(UNIT));
                soft.assertThat(samples).as("GetCounters of the unit").hasSize(1);
                if (samples.size() == 1) {
                    soft.assertThat(samples.getFirst().counters().egressPackets()).as("egress packets carried on")
                            .isGreaterThanOrEqualTo(countedBefore);
                }
            }
            List<Integer> ingress;
            List<Integer> egress;
            try (CgroupHandle cg = CgroupHandle.open(cgroup)) {
                ingress = attached(cg, AttachType.CGROUP_INET_INGRESS);
                egress = attached(cg, AttachType.CGROUP_INET_EGRESS);
            }
            soft.assertThat(ingress).as("ingress programs on the unit's cgroup").hasSize(1);
            soft.assertThat(egress).as("egress programs on the unit's cgroup").hasSize(1);

            // The daemon still manages the firewall: a changed list is swapped in.
            writeUnit("127.0.0.2 198.51.100.0/24", allowed.port(), denied.port());
            from = daemon.logLineCount();
            daemon.signal("HUP");
            daemon.awaitLog("reload done", from, Duration.ofSeconds(30));
            String reloadLog = String.join("\n", daemon.logText().lines().skip(from).toList());
            soft.assertThat(reloadLog).as("the reload's log").contains(UNIT + ": network policy updated");
            try (CgroupHandle cg = CgroupHandle.open(cgroup)) {
                soft.assertThat(attached(cg, AttachType.CGROUP_INET_INGRESS)).as("ingress program after a policy change")
                        .hasSize(1).doesNotContainAnyElementsOf(ingress);
                soft.assertThat(attached(cg, AttachType.CGROUP_INET_EGRESS)).as("egress program after a policy change")
                        .hasSize(1).doesNotContainAnyElementsOf(egress);
            }
            soft.assertThat(denied.count.get()).as("datagrams at 127.0.0.2").isZero();
            if (!soft.wasSuccess()) System.out.println("KillNineWindowTest[" + mode + "] daemon log:\n" + daemon.logText());
            soft.assertAll();
        }
    }

    private static List<Integer> attached(CgroupHandle cg, AttachType type) {
        return CgroupPrograms.query(cg, type, false).programIds();
    }

    private void writeUnit(String deny, int allowedPort, int deniedPort) throws Exception {
        daemon.unit(UNIT, """
                [Service]
                IPAccounting=yes
                IPAddressDeny=%s
                ExecStart=%s
                """.formatted(deny, python("""
                import socket,time
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                while True:
                    s.sendto(b'x' * 64, ('127.0.0.1', %d))
                    try: s.sendto(b'y', ('127.0.0.2', %d))
                    except OSError: pass
                    time.sleep(0.005)
                """.formatted(allowedPort, deniedPort))), true);
    }

    private ManagerClient client() throws Exception {
        return ManagerClient.connect(daemon.socket, VarlinkClient.Options.defaults().withTimeout(Duration.ofSeconds(60)));
    }
}
