package dev.tollgate.system.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.ActiveState;
import dev.tollgate.api.CounterSample;
import dev.tollgate.api.ManagerClient;
import dev.tollgate.api.Messages.RunTransientReply;
import dev.tollgate.api.Messages.RunTransientRequest;
import dev.tollgate.api.Property;
import dev.tollgate.api.UnitInfo;
import dev.tollgate.bpf.AttachType;
import dev.tollgate.bpf.BpfProgram;
import dev.tollgate.bpf.Pins;
import dev.tollgate.bpf.ProgramSpec;
import dev.tollgate.bpf.ProgramType;
import dev.tollgate.bpf.asm.Assembler;
import dev.tollgate.bpf.asm.Register;
import dev.tollgate.system.TollgatedProcess;
import dev.tollgate.system.cli.Tollctl.Result;
import dev.tollgate.testkit.Privileged;
import dev.tollgate.testkit.ScratchCgroup;
import dev.tollgate.varlink.VarlinkClient;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The gaps a new user hits first (issue 12, point 3), each as systemd does it, with the real
 * tollctl against the real tollgated: a command that is not found, a unit whose binary is
 * missing (203/EXEC), transient units' files and descriptions, SocketBindAllow= alone, the
 * reason behind Result=resources, and IP counters in top and the metrics only with
 * IPAccounting=yes. systemd's answers were taken from systemd-run 252 (Debian 12) and
 * systemd 257 (Debian trixie, ../shared/systemd-oracle/); each test names what it compares.
 */
@SuppressWarnings("try")
@Privileged(commands = "python3")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FirstStepsSystemTest {
    private TollgatedProcess daemon;
    private Tollctl tollctl;
    private ManagerClient api;
    private Path foreignPin;

    @BeforeAll
    void start() throws Exception {
        daemon = new TollgatedProcess();
        daemon.unit("missing.service", "[Service]\nExecStart=/nonexistent/bin arg\n", false);
        daemon.unit("missing-oneshot.service", "[Service]\nType=oneshot\nExecStart=/nonexistent/bin arg\n", false);
        daemon.unit("bind-allow.service", "[Service]\nSocketBindAllow=tcp:8080\nExecStart=/bin/sleep 3600\n", false);
        daemon.unit("bind-any.service", "[Service]\nSocketBindAllow=any\nSocketBindDeny=any\nExecStart=/bin/sleep 3600\n", false);
        daemon.unit("bind-deny.service", "[Service]\nSocketBindDeny=any\nSocketBindAllow=tcp:8080\nExecStart=/bin/sleep 3600\n", false);
        daemon.unit("fw.service", "[Service]\nIPAddressDeny=10.0.0.0/8\nExecStart=/bin/sleep 3600\n", false);
        daemon.unit("acct.service", "[Service]\nIPAccounting=yes\nExecStart=/bin/sleep 3600\n", false);
        // A bind4 program that the kernel will not attach as bind6 (its expected attach type differs).
        foreignPin = Pins.ensureDirectory(Pins.DEFAULT_BPFFS.resolve("tollgate-test-first-" + daemon.id)).resolve("bind4");
        try (BpfProgram p = BpfProgram.load(ProgramSpec.assembled(ProgramType.CGROUP_SOCK_ADDR, "first_bind4",
                AttachType.CGROUP_INET4_BIND, new Assembler().mov(Register.R0, 1).exit().assemble(), Map.of()))) {
            p.pin(foreignPin);
        }
        daemon.unit("kernel-refuses.service", "[Service]\nBPFProgram=bind6:" + foreignPin + "\nExecStart=/bin/sleep 3600\n", false);
        daemon.start();
        tollctl = new Tollctl(daemon.socket);
        api = ManagerClient.connect(daemon.socket, VarlinkClient.Options.defaults().withTimeout(Duration.ofSeconds(60)));
    }

    @AfterAll
    void stop() throws Exception {
        try (AutoCloseable d = daemon; AutoCloseable a = api) {
            // closed in reverse order: the client, then the daemon
        } finally {
            if (foreignPin != null) Pins.removeTree(foreignPin.getParent());
        }
    }

    private Result tollctl(String... args) throws Exception {
        return tollctl.run(args);
    }

    // ---- a. a command that is not there -------------------------------------------------------

    /** systemd-run 252: "Failed to find executable /nonexistent: No such file or directory", exit 1, no unit. */
    @Test
    void runRefusesACommandThatIsNotFoundBeforeMakingAUnit() throws Exception {
        int before = api.listUnits(null, null, true).size();
        Result absolute = tollctl("run", "--", "/nonexistent/gx");
        assertThat(absolute.code()).as("%s", absolute).isEqualTo(1);
        assertThat(absolute.err()).isEqualTo("Failed to find executable /nonexistent/gx: No such file or directory\n");
        Result bare = tollctl("run", "--wait", "no-such-command-gx");
        assertThat(bare.code()).as("%s", bare).isEqualTo(1);
        assertThat(bare.err()).isEqualTo("Failed to find executable no-such-command-gx: No such file or directory\n");
        Result directory = tollctl("run", "/tmp");
        assertThat(directory.err()).isEqualTo("Failed to find executable /tmp: Is a directory\n");
        assertThat(api.listUnits(null, null, true)).as("no unit was made").hasSize(before);
    }

    /**
     * systemd 257, ExecStart=/nonexistent/bin arg: the start job succeeds (Type=simple), the
     * unit fails with Result=exit-code, ExecMainCode=1, ExecMainStatus=203, and status shows
     * "Main PID: N (code=exited, status=203/EXEC)"; a oneshot's start fails.
     */
    @Test
    void aMissingExecStartBinaryFailsWith203Exec() throws Exception {
        Result start = tollctl("start", "missing");
        assertThat(start.code()).as("%s", start).isZero();
        TollgatedProcess.await("missing.service to fail", Duration.ofSeconds(30),
                () -> unit("missing.service").activeState() == ActiveState.FAILED);
        Result status = tollctl("status", "missing");
        assertThat(status.code()).isEqualTo(3);
        assertThat(status.out()).contains("     Active: failed (Result: exit-code)")
                .containsPattern("   Main PID: \\d+ \\(code=exited, status=203/EXEC\\)");
        assertThat(tollctl("show", "missing", "-p", "Result,ExecMainCode,ExecMainStatus").out())
                .isEqualTo("Result=exit-code\nExecMainCode=1\nExecMainStatus=203\n");

        Result oneshot = tollctl("start", "missing-oneshot");
        assertThat(oneshot.code()).as("%s", oneshot).isEqualTo(1);
        assertThat(tollctl("status", "missing-oneshot").out()).containsPattern("Main PID: \\d+ \\(code=exited, status=203/EXEC\\)");

        // A transient unit made over Varlink directly, with no client to look the command up first.
        RunTransientReply r = api.runTransient(new RunTransientRequest("vl-missing", null, null, null,
                List.of("/nonexistent/x"), true));
        assertThat(r.result()).isEqualTo("exit-code");
        assertThat(r.exitCode()).isEqualTo("exited");
        assertThat(r.exitStatus()).isEqualTo(203);
        UnitInfo u = unit("vl-missing.service");
        assertThat(u.execMainCode()).isEqualTo("exited");
        assertThat(u.execMainStatus()).isEqualTo(203);
        assertThat(tollctl("status", "vl-missing").out()).contains("status=203/EXEC");
    }

    // ---- b. transient units: their file and description ----------------------------------------

    @Test
    void transientUnitsHaveAFileUnderTheStateDirectoryAndTheDescriptionTheirClientGave() throws Exception {
        api.runTransient(new RunTransientRequest("plain-run", null, null, List.of(), List.of("/bin/sleep", "3600"), null));
        UnitInfo plain = unit("plain-run.service");
        assertThat(plain.description()).as("no description: the name stands for it").isEqualTo("plain-run.service");
        Path file = daemon.state.resolve("transient/plain-run.service");
        assertThat(plain.fragmentPath()).isEqualTo(file.toString());
        assertThat(file).exists();
        assertThat(Files.readString(file)).isEqualTo(api.getUnitFile("plain-run.service").text()).contains("ExecStart=\"/bin/sleep\"");

        api.runTransient(new RunTransientRequest("described-run", null, "exactly this", List.of(), List.of("/bin/true"), true));
        assertThat(unit("described-run.service").description()).isEqualTo("exactly this");

        // systemd-run -u x -p RemainAfterExit=yes true a "b c" -> Description=[systemd-run] /usr/bin/true a "b c"
        Result run = tollctl("run", "-u", "cli-run", "-p", "RemainAfterExit=yes", "/bin/true", "a", "b c");
        assertThat(run.code()).as("%s", run).isZero();
        UnitInfo cli = unit("cli-run.service");
        assertThat(cli.description()).isEqualTo("[tollctl run] /bin/true a \"b c\"");
        assertThat(Path.of(cli.fragmentPath())).exists().hasParent(daemon.state.resolve("transient"));
        api.stopUnit("plain-run.service");
    }

    /** Files of transient units go with them: at a clean stop, and at a start that no longer knows the unit. */
    @Test
    void transientFilesAreRemovedWithTheirUnits() throws Exception {
        try (TollgatedProcess own = new TollgatedProcess()) {
            own.start();
            Path dir = own.state.resolve("transient");
            try (ManagerClient c = ManagerClient.connect(own.socket)) {
                c.runTransient(new RunTransientRequest("sleeper", null, null, List.of(), List.of("/bin/sleep", "3600"), null));
                c.runTransient(new RunTransientRequest("failed", null, null, List.of(), List.of("/bin/false"), true));
            }
            assertThat(dir.resolve("sleeper.service")).exists();
            assertThat(dir.resolve("failed.service")).exists();
            // kill -9, start again: the running unit is taken over with its file, the failed one is gone.
            // (The state file is written shortly after a change; a kill before that would find the
            // failed unit still running and take it over, file and all.)
            Path stateFile = own.state.resolve("state.json");
            TollgatedProcess.await("the state file to drop failed.service", Duration.ofSeconds(30), () -> {
                try {
                    String text = Files.readString(stateFile);
                    return text.contains("\"sleeper.service\"") && !text.contains("\"failed.service\"");
                } catch (java.io.IOException e) {
                    return false;
                }
            });
            own.kill9();
            own.start();
            try (ManagerClient c = ManagerClient.connect(own.socket)) {
                assertThat(c.getUnit("sleeper.service").fragmentPath()).isEqualTo(dir.resolve("sleeper.service").toString());
            }
            assertThat(dir.resolve("sleeper.service")).exists();
            assertThat(dir.resolve("failed.service")).doesNotExist();
            assertThat(own.stop()).isZero();
            assertThat(dir).as("%s\n%s", Files.exists(dir) ? List.of(dir.toFile().list()) : "", own.logText()).doesNotExist();
        }
    }

    // ---- c. SocketBindAllow= and the reason of Result=resources --------------------------------

    /**
     * systemd 257: SocketBindAllow= without SocketBindDeny= (or with SocketBindAllow=any) runs
     * the unit unrestricted; SocketBindDeny=any with SocketBindAllow=tcp:8080 allows TCP 8080
     * only. (SocketBindVerdictTest has the full table.)
     */
    @Test
    void socketBindAllowAloneRunsTheUnitUnrestricted() throws Exception {
        for (String u : List.of("bind-allow", "bind-any", "bind-deny")) {
            Result r = tollctl("start", u);
            assertThat(r.code()).as("%s", r).isZero();
            assertThat(unit(u + ".service").activeState()).isEqualTo(ActiveState.ACTIVE);
        }
        assertThat(bindsIn("bind-allow.service")).isEqualTo("tcp:8080=ok udp:8080=ok tcp:0=ok udp:9001=ok");
        assertThat(bindsIn("bind-any.service")).isEqualTo("tcp:8080=ok udp:8080=ok tcp:0=ok udp:9001=ok");
        assertThat(bindsIn("bind-deny.service")).isEqualTo("tcp:8080=ok udp:8080=EPERM tcp:0=EPERM udp:9001=EPERM");
    }

    /** binds from this JVM inside the unit's cgroup; only EPERM is a refusal (a port may be taken on this host). */
    private String bindsIn(String unit) throws Exception {
        Path cg = daemon.unitCgroup("system.slice", unit);
        StringBuilder out = new StringBuilder();
        for (String attempt : List.of("tcp:8080", "udp:8080", "tcp:0", "udp:9001")) {
            String[] p = attempt.split(":");
            InetSocketAddress at = new InetSocketAddress("127.0.0.1", Integer.parseInt(p[1]));
            String verdict = ScratchCgroup.inside(cg, () -> {
                try (var ch = p[0].equals("tcp") ? ServerSocketChannel.open(StandardProtocolFamily.INET)
                        : DatagramChannel.open(StandardProtocolFamily.INET)) {
                    ch.bind(at);
                    return "ok";
                } catch (SocketException e) {
                    return e.getMessage() != null && e.getMessage().contains("not permitted") ? "EPERM" : "ok";
                }
            });
            out.append(out.isEmpty() ? "" : " ").append(attempt).append('=').append(verdict);
        }
        return out.toString();
    }

    /** systemctl shows only "Result: resources"; tollctl status says why, with the kernel's error. */
    @Test
    void aResourcesFailureSaysWhy() throws Exception {
        Result start = tollctl("start", "kernel-refuses");
        assertThat(start.code()).as("%s", start).isEqualTo(1);
        Result status = tollctl("status", "kernel-refuses");
        assertThat(status.out()).contains("Active: failed (Result: resources)")
                .containsPattern("Error: resources: cannot attach the unit's programs: .*(EINVAL|Invalid argument)");
    }

    // ---- d. IP counters only with IPAccounting=yes ---------------------------------------------

    @Test
    void topAndMetricsShowTrafficOnlyWithIpAccounting() throws Exception {
        assertThat(tollctl("start", "fw", "acct").code()).isZero();
        Result top = tollctl("top", "-b", "-n", "1", "-d", "0.2", "fw", "acct");
        assertThat(top.code()).as("%s", top).isZero();
        String fw = top.out().lines().filter(l -> l.startsWith("fw.service")).findFirst().orElseThrow();
        String acct = top.out().lines().filter(l -> l.startsWith("acct.service")).findFirst().orElseThrow();
        assertThat(fw).as("a firewall without IPAccounting=yes: its drops only").contains("[no data]");
        assertThat(acct).doesNotContain("[no data]").contains("0B/s");

        List<CounterSample> samples = api.getCounters(List.of("fw.service", "acct.service"));
        assertThat(samples).filteredOn(s -> s.name().equals("fw.service")).singleElement()
                .satisfies(s -> assertThat(s.ipAccounting()).isFalse());
        assertThat(samples).filteredOn(s -> s.name().equals("acct.service")).singleElement()
                .satisfies(s -> assertThat(s.ipAccounting()).isTrue());

        String metrics = api.getMetrics();
        assertThat(metrics).contains("tollgate_unit_ip_egress_bytes_total{unit=\"acct.service\"}")
                .doesNotContain("tollgate_unit_ip_egress_bytes_total{unit=\"fw.service\"}")
                .doesNotContain("tollgate_unit_ip_ingress_packets_total{unit=\"fw.service\"}")
                .contains("tollgate_unit_ip_egress_dropped_packets_total{unit=\"fw.service\"}")
                .doesNotContain("tollgate_unit_ip_egress_dropped_packets_total{unit=\"acct.service\"}");
    }

    private UnitInfo unit(String name) {
        try {
            return api.getUnit(name);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
