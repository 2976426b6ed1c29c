package dev.tollgate.system.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.tollgate.api.ManagerClient;
import dev.tollgate.api.UnitInfo;
import dev.tollgate.bpf.AttachType;
import dev.tollgate.bpf.BpfProgram;
import dev.tollgate.bpf.Pins;
import dev.tollgate.bpf.ProgramSpec;
import dev.tollgate.bpf.ProgramType;
import dev.tollgate.bpf.asm.Assembler;
import dev.tollgate.bpf.asm.Register;
import dev.tollgate.system.TollgatedProcess;
import dev.tollgate.testkit.Privileged;
import dev.tollgate.varlink.VarlinkClient;
import dev.tollgate.varlink.VarlinkException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A unit with a firewall never runs without it (issue 13): whatever keeps its programs off its
 * cgroup, its start fails with result {@code resources} and the reason, its command is never
 * executed, and nothing of it is left behind. Units with accounting only still run.
 */
@SuppressWarnings("try")
@Privileged(commands = "capsh")
class FailClosedTest {
    private final List<TollgatedProcess> daemons = new ArrayList<>();

    private TollgatedProcess daemon() throws Exception {
        TollgatedProcess d = new TollgatedProcess();
        daemons.add(d);
        return d;
    }

    @AfterEach
    void tearDown() throws Exception {
        for (TollgatedProcess d : daemons) d.close();
    }

    /** Unit names unique to the daemon, so its maps ({@code tgc_} + name) are told apart from others' in the kernel. */
    private static String walled(TollgatedProcess d) {
        return "w" + d.id + ".service";
    }

    private static String counted(TollgatedProcess d) {
        return "c" + d.id + ".service";
    }

    /** A firewalled unit and an accounted one, each leaving a mark when its command runs. */
    private static void twoUnits(TollgatedProcess d) throws Exception {
        d.unit(walled(d), """
                [Service]
                IPAddressDeny=any
                ExecStart=/bin/sh -c 'touch %s; exec sleep 3600'
                """.formatted(d.work.resolve("walled-ran")), true);
        d.unit(counted(d), """
                [Service]
                IPAccounting=yes
                ExecStart=/bin/sh -c 'touch %s; exec sleep 3600'
                """.formatted(d.work.resolve("counted-ran")), true);
    }

    private static ManagerClient client(TollgatedProcess d) throws Exception {
        return ManagerClient.connect(d.socket, VarlinkClient.Options.defaults().withTimeout(Duration.ofSeconds(60)));
    }

    private static UnitInfo awaitSettled(ManagerClient c, String unit) throws Exception {
        UnitInfo[] u = {c.getUnit(unit)};
        TollgatedProcess.await(unit + " to settle", Duration.ofSeconds(60), () -> {
            try {
                u[0] = c.getUnit(unit);
            } catch (Exception e) {
                return false;
            }
            String s = u[0].activeState().wireName();
            return s.equals("active") || s.equals("failed");
        });
        return u[0];
    }

    /** The refused unit: failed for resources with the reason, never run, no cgroup left. */
    private static void assertRefused(TollgatedProcess d, ManagerClient c, String... why) throws Exception {
        UnitInfo walled = awaitSettled(c, walled(d));
        assertThat(walled.activeState().wireName()).isEqualTo("failed");
        assertThat(walled.result()).isEqualTo("resources");
        assertThat(walled.lastError()).as("the reason, as status shows it").contains(why);
        assertThat(d.logText().lines().filter(l -> l.contains(walled(d) + ": ")).toList())
                .anySatisfy(line -> assertThat(line).contains(why));
        // A second, explicit start is refused the same way.
        try {
            c.startUnit(walled(d));
            fail("StartUnit of %s succeeded", walled(d));
        } catch (VarlinkException e) {
            assertThat(e.error().toString()).contains("resources");
        }
        assertThat(d.work.resolve("walled-ran")).doesNotExist();
        try (Stream<Path> s = Files.walk(d.cgroupRoot)) {
            assertThat(s.filter(p -> p.getFileName().toString().equals(walled(d))).toList()).isEmpty();
        }
    }

    @Test
    void aBpffsDirectoryThatIsNotBpffsRefusesFirewalledUnits() throws Exception {
        TollgatedProcess d = daemon();
        twoUnits(d);
        Path notBpffs = Files.createDirectories(d.work.resolve("not-bpffs"));
        d.bpffsDir(notBpffs).start();
        try (ManagerClient c = client(d)) {
            assertThat(awaitSettled(c, counted(d)).activeState().wireName()).isEqualTo("active");
            TollgatedProcess.await("the accounted unit ran", Duration.ofSeconds(60), () -> Files.exists(d.work.resolve("counted-ran")));
            assertRefused(d, c, "the unit has a firewall and it cannot be installed", "is not on bpffs");
            // What a fleet's TollgateDatapathUnavailable alert reads (packaging/prometheus).
            assertThat(c.getMetrics()).containsPattern("(?m)^tollgate_datapath_available\\{mode=\"none\"} 0(\\.0)?$");
        }
        try (Stream<Path> s = Files.list(notBpffs)) {
            assertThat(s.toList()).as("nothing pinned or written into the bad directory").isEmpty();
        }
    }

    @Test
    void withoutCgroupBpfFirewalledUnitsAreRefusedUnlessTheDaemonIsToldToRunThem() throws Exception {
        List<String> noBpf = List.of("capsh", "--drop=cap_bpf,cap_sys_admin,cap_perfmon", "--", "-c", "exec \"$0\" \"$@\"");
        TollgatedProcess refusing = daemon();
        twoUnits(refusing);
        refusing.wrap(noBpf).start();
        try (ManagerClient c = client(refusing)) {
            assertThat(awaitSettled(c, counted(refusing)).activeState().wireName()).isEqualTo("active");
            assertRefused(refusing, c, "the unit has a firewall and it cannot be installed", "cgroup BPF is unavailable");
            assertThat(c.getMetrics()).containsPattern("(?m)^tollgate_datapath_available\\{mode=\"none\"} 0(\\.0)?$");
        }
        refusing.stop();

        // firewall-unavailable = run: systemd's behaviour, chosen explicitly.
        TollgatedProcess running = daemon();
        twoUnits(running);
        running.wrap(noBpf).args("--firewall-unavailable", "run").start();
        try (ManagerClient c = client(running)) {
            assertThat(awaitSettled(c, walled(running)).activeState().wireName()).isEqualTo("active");
            TollgatedProcess.await("the firewalled unit ran", Duration.ofSeconds(60), () -> Files.exists(running.work.resolve("walled-ran")));
        }
        assertThat(running.logText()).contains(walled(running) + ": runs without IP accounting and firewall");
    }

    @Test
    void aFullProgramSlotRefusesTheUnitAndUndoesWhatWasAttached() throws Exception {
        TollgatedProcess d = daemon();
        // 64 programs of someone else's for the unit's ingress hook, the kernel's limit per
        // cgroup and hook: with the unit's own program the 65th attach fails with E2BIG.
        Path theirs = Files.createDirectories(Pins.DEFAULT_BPFFS.resolve("tollgate-test-foreign-" + d.id));
        List<BpfProgram> programs = new ArrayList<>();
        try {
            StringBuilder paths = new StringBuilder();
            for (int i = 0; i < 64; i++) {
                BpfProgram p = BpfProgram.load(ProgramSpec.assembled(ProgramType.CGROUP_SKB, "tgt_foreign", AttachType.CGROUP_INET_INGRESS,
                        new Assembler().mov(Register.R0, 1).exit().assemble(), Map.of()));
                programs.add(p);
                Path pin = theirs.resolve("p" + i);
                p.pin(pin);
                paths.append("IPIngressFilterPath=").append(pin).append('\n');
            }
            d.unit(walled(d), """
                    [Service]
                    IPAccounting=yes
                    IPAddressDeny=any
                    %sExecStart=/bin/sh -c 'touch %s; exec sleep 3600'
                    """.formatted(paths, d.work.resolve("walled-ran")), true);
            d.start();
            try (ManagerClient c = client(d)) {
                assertRefused(d, c, "cannot attach the unit's programs", "E2BIG");
            }
            // The kernel frees a map or program some time after its last reference goes (RCU,
            // a work queue): wait for that, and a leak still fails with what is left.
            List<String> ours = List.of("tgc_w" + d.id, "tgp_w" + d.id, "tge_w" + d.id);
            BpfCensus[] left = {BpfCensus.take(ours)};
            try {
                TollgatedProcess.await("the refused unit's maps, programs and links to be freed", Duration.ofSeconds(60), () -> {
                    left[0] = BpfCensus.take(ours);
                    return left[0].maps().isEmpty() && left[0].programs().isEmpty() && left[0].links().isEmpty();
                });
            } catch (AssertionError e) {
                fail("left in the kernel: %s", left[0]);
            }
            try (Stream<Path> s = Files.walk(d.bpffs)) {
                assertThat(s.filter(p -> p.getFileName().toString().contains("w" + d.id)).toList()).as("pins of the refused unit").isEmpty();
            }
        } finally {
            for (BpfProgram p : programs) p.close();
            Pins.removeTree(theirs);
        }
    }
}
