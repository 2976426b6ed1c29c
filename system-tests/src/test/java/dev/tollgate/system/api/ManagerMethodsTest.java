package dev.tollgate.system.api;

import static dev.tollgate.system.api.Support.alive;
import static dev.tollgate.system.api.Support.cgroupDir;
import static dev.tollgate.system.api.Support.cgroupOfPid;
import static dev.tollgate.system.api.Support.client;
import static dev.tollgate.system.api.Support.error;
import static dev.tollgate.system.api.Support.procsBelow;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.accounting.CounterSums;
import dev.tollgate.api.ActiveState;
import dev.tollgate.api.AttachMode;
import dev.tollgate.api.CounterSample;
import dev.tollgate.api.Counters;
import dev.tollgate.api.Diagnostic;
import dev.tollgate.api.DropIn;
import dev.tollgate.api.ManagerClient;
import dev.tollgate.api.ManagerInterface;
import dev.tollgate.api.Messages.GetUnitFileReply;
import dev.tollgate.api.Messages.ProbeReply;
import dev.tollgate.api.Messages.RunTransientReply;
import dev.tollgate.api.Messages.RunTransientRequest;
import dev.tollgate.api.Messages.UnitStateReply;
import dev.tollgate.api.ProbeFeature;
import dev.tollgate.api.Property;
import dev.tollgate.api.Severity;
import dev.tollgate.api.UnitFileChange;
import dev.tollgate.api.UnitFileChangeType;
import dev.tollgate.api.UnitInfo;
import dev.tollgate.api.UnitType;
import dev.tollgate.bpf.features.KernelCapability;
import dev.tollgate.system.TollgatedProcess;
import dev.tollgate.testkit.Await;
import dev.tollgate.testkit.Privileged;
import dev.tollgate.varlink.VarlinkError;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Every io.tollgate.Manager method on the real daemon with real units, each effect checked
 * independently of the API where the kernel or the file system can tell: processes in cgroups
 * (cgroup.procs, /proc/PID/cgroup), counters against the traffic generator's own counts and
 * the pinned maps, symlinks on disk, promtool on the metrics.
 */
@SuppressWarnings("try")
@Privileged(commands = {"python3", "promtool"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(600) // a hang guard only: every wait inside has its own safety net
class ManagerMethodsTest {
    private static final int SENT = 37;
    private static final int SENT_SIZE = 100;
    private static final int DENIED = 11;
    private static final int RECEIVED = 23;
    private static final int RECEIVED_SIZE = 60;

    private TollgatedProcess daemon;
    private Traffic.Receiver receiver;
    private Traffic.Receiver deniedReceiver;
    private ManagerClient api;

    @BeforeAll
    void startDaemon() throws Exception {
        daemon = new TollgatedProcess();
        receiver = new Traffic.Receiver("127.0.0.1");
        deniedReceiver = new Traffic.Receiver("127.0.0.2");
        daemon.unit("api.slice", "[Unit]\nDescription=API test slice\n[Slice]\nIPAccounting=yes\n", false);
        daemon.unit("sleeper.service", """
                [Unit]
                Description=Sleeps
                [Service]
                Slice=api.slice
                ExecStart=/bin/sleep 3600
                """, false);
        // A stop that had to wait for TimeoutStopSec= says so in the log; long enough that a busy
        // machine never reaches it with a process that ends on SIGTERM.
        daemon.unit("racer.service", "[Service]\nSlice=api.slice\nTimeoutStopSec=60s\nExecStart=/bin/sleep 3600\n", false);
        daemon.unit("traffic.service", """
                [Unit]
                Description=Traffic generator
                [Service]
                Slice=api.slice
                IPAccounting=yes
                IPAddressDeny=127.0.0.2
                ExecStart=%s
                """.formatted(Traffic.generator(SENT, SENT_SIZE, receiver.port(), DENIED, "127.0.0.2", deniedReceiver.port(),
                daemon.work.resolve("traffic.port"), daemon.work.resolve("traffic.received"))), false);
        daemon.unit("policy.service", "[Service]\nIPAccounting=yes\nIPAddressDeny=127.0.0.3\nExecStart=/bin/sleep 3600\n", false);
        daemon.unit("installable.service", """
                [Service]
                ExecStart=/bin/sleep 3600
                [Install]
                WantedBy=multi-user.target
                """, false);
        daemon.unit("static.service", "[Service]\nExecStart=/bin/sleep 3600\n", false);
        daemon.unit("withdropin.service", "[Unit]\nDescription=before the drop-in\n[Service]\nExecStart=/bin/sleep 3600\n", false);
        Path dropIns = Files.createDirectories(daemon.units.resolve("withdropin.service.d"));
        Files.writeString(dropIns.resolve("10-description.conf"), "[Unit]\nDescription=from the drop-in\n");
        daemon.unit("enabled-at-boot.service", "[Service]\nExecStart=/bin/sleep 3600\n[Install]\nWantedBy=multi-user.target\n", true);
        daemon.args("--metrics-listen", "127.0.0.1:0");
        daemon.start();
    }

    @AfterAll
    void stopDaemon() throws Exception {
        try (TollgatedProcess d = daemon; Traffic.Receiver r = receiver; Traffic.Receiver dr = deniedReceiver) {
            assertThat(d.stop()).as("the daemon's exit status").isZero();
        }
    }

    /** A connection per test: a test that times out (and so closes its connection) harms no other. */
    @BeforeEach
    void connect() throws Exception {
        api = client(daemon);
    }

    @AfterEach
    void disconnect() {
        api.close();
    }

    // ---- StartUnit, StopUnit, RestartUnit, GetUnit ----------------------------------------

    @Test
    void startPutsTheProcessInTheUnitsCgroupStopEndsItRestartReplacesIt() throws Exception {
        UnitStateReply started = api.startUnit("sleeper.service");
        assertThat(started).isEqualTo(new UnitStateReply("sleeper.service", ActiveState.ACTIVE, "running"));

        UnitInfo u = api.getUnit("sleeper.service");
        assertThat(u.mainPID()).isNotNull();
        long pid = u.mainPID();
        assertThat(u.controlGroup()).isEqualTo("/" + daemon.cgroupRootName + "/api.slice/sleeper.service");
        // The kernel's view, not the daemon's: the process is in that cgroup and nowhere else.
        // (Polled: see startUnitReturnsOnlyOnceTheMainProcessIsInTheUnitsCgroup.)
        TollgatedProcess.await("the main process in its cgroup", Duration.ofSeconds(5),
                () -> cgroupOfPid(pid).equals(java.util.Optional.of(u.controlGroup())) && Support.cmdline(pid).startsWith("/bin/sleep"));
        assertThat(procsBelow(cgroupDir(u.controlGroup()))).containsExactly(pid);
        assertThat(Support.cmdline(pid)).startsWith("/bin/sleep 3600");
        assertThat(api.getUnit("sleeper.service").pids()).containsExactly((int) pid);
        assertThat(u.slice()).isEqualTo("api.slice");
        assertThat(u.description()).isEqualTo("Sleeps");
        assertThat(u.subState()).isEqualTo("running");
        long now = System.currentTimeMillis() * 1000;
        assertThat(u.activeEnterTimestamp()).as("CLOCK_REALTIME µs").isBetween(now - Await.SAFETY_NET.toNanos() / 1000, now + 1_000_000L);

        UnitStateReply again = api.startUnit("sleeper.service");
        assertThat(again.activeState()).isEqualTo(ActiveState.ACTIVE);
        assertThat(api.getUnit("sleeper.service").mainPID()).as("starting an active unit is a no-op").isEqualTo((int) pid);

        UnitStateReply restarted = api.restartUnit("sleeper.service");
        assertThat(restarted).isEqualTo(new UnitStateReply("sleeper.service", ActiveState.ACTIVE, "running"));
        long pid2 = api.getUnit("sleeper.service").mainPID();
        assertThat(pid2).isNotEqualTo(pid);
        TollgatedProcess.await("the old process to end", Duration.ofSeconds(10), () -> !alive(pid));
        TollgatedProcess.await("the new process in the cgroup", Duration.ofSeconds(5),
                () -> cgroupOfPid(pid2).equals(java.util.Optional.of(u.controlGroup())));
        assertThat(procsBelow(cgroupDir(u.controlGroup()))).containsExactly(pid2);

        UnitStateReply stopped = api.stopUnit("sleeper.service");
        assertThat(stopped).isEqualTo(new UnitStateReply("sleeper.service", ActiveState.INACTIVE, "dead"));
        TollgatedProcess.await("the process to end", Duration.ofSeconds(10), () -> !alive(pid2));
        assertThat(procsBelow(cgroupDir(u.controlGroup()))).isEmpty();
        UnitInfo after = api.getUnit("sleeper.service");
        assertThat(after.mainPID()).isNull();
        assertThat(after.pids()).isEmpty();
        assertThat(api.stopUnit("sleeper.service").activeState()).as("stopping an inactive unit is no error")
                .isEqualTo(ActiveState.INACTIVE);

        // RestartUnit of an inactive unit starts it.
        assertThat(api.restartUnit("sleeper.service").activeState()).isEqualTo(ActiveState.ACTIVE);
        long pid3 = api.getUnit("sleeper.service").mainPID();
        TollgatedProcess.await("the process in the cgroup", Duration.ofSeconds(5),
                () -> cgroupOfPid(pid3).equals(java.util.Optional.of(u.controlGroup())));
        api.stopUnit("sleeper.service");
        TollgatedProcess.await("the process to end", Duration.ofSeconds(10), () -> !alive(pid3));
    }

    /**
     * Regression (was a daemon bug, ServiceRunner.doStart and killRemaining; Type=simple): StartUnit answers
     * active/running as soon as Spawner's bash wrapper is spawned, before the wrapper has written
     * its pid to the unit's cgroup.procs. Right after StartUnit returns, the main PID is still in
     * the daemon's cgroup (/proc/PID/cgroup), GetUnit's pids is empty, and a socket opened then
     * is charged to the wrong cgroup. Worse, a StopUnit in that window signals the (still empty)
     * cgroup under the default KillMode=control-group, finds it empty, and reports inactive/dead;
     * the wrapper then enters the cgroup and execs the command, which runs on, unsupervised, in
     * the cgroup of a unit that says it is dead; or the wrapper enters the cgroup after the
     * signal but before the emptiness check, and StopUnit waits out TimeoutStopSec= (90 s by
     * default; 2 s here) before SIGKILL, for a process that would have ended on SIGTERM at
     * once. systemd attaches the child to the unit's cgroup
     * before the start job completes.
     */
    @Test
    void startUnitReturnsOnlyOnceTheMainProcessIsInTheUnitsCgroupAndAnImmediateStopEndsIt() throws Exception {
        String cgroup = "/" + daemon.cgroupRootName + "/api.slice/racer.service";
        List<String> seen = new java.util.ArrayList<>();
        List<Long> pids = new java.util.ArrayList<>();
        List<String> stopStates = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                api.startUnit("racer.service");
                long pid = api.getUnit("racer.service").mainPID();
                pids.add(pid);
                seen.add(cgroupOfPid(pid).orElse("(gone)"));
                stopStates.add(api.stopUnit("racer.service").activeState().wireName());
            }
            // A killed process may linger a moment as a zombie; a leaked one stays.
            long deadline = System.nanoTime() + Await.SAFETY_NET.toNanos();
            while (pids.stream().anyMatch(Support::alive) && System.nanoTime() < deadline) Thread.sleep(20);
            List<Long> leaked = pids.stream().filter(Support::alive).toList();
            org.assertj.core.api.SoftAssertions soft = new org.assertj.core.api.SoftAssertions();
            soft.assertThat(seen).as("the main process's cgroup right after StartUnit returned").containsOnly(cgroup);
            soft.assertThat(stopStates).as("StopUnit's answers").containsOnly("inactive");
            soft.assertThat(daemon.logText().lines().filter(l -> l.contains("racer.service: still running after TimeoutStopSec")))
                    .as("StopUnits of a process that ends on SIGTERM that waited for TimeoutStopSec=").isEmpty();
            soft.assertThat(leaked).as("processes still running after StopUnit said inactive (%s)",
                    leaked.stream().map(p -> p + ": " + Support.cmdline(p) + " in " + cgroupOfPid(p).orElse("?")).toList()).isEmpty();
            soft.assertAll();
        } finally {
            for (long p : pids) ProcessHandle.of(p).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    // ---- GetCounters ------------------------------------------------------------------------

    @Test
    void countersEqualWhatTheTrafficGeneratorSentAndReceived() throws Exception {
        // The slice counts every run of its members since the slice started: compare deltas.
        Counters sliceBefore = api.getCounters(List.of("api.slice")).getFirst().counters();
        api.stopUnit("traffic.service");
        receiver.count.set(0);
        Files.deleteIfExists(daemon.work.resolve("traffic.port"));
        api.startUnit("traffic.service");
        Path portFile = daemon.work.resolve("traffic.port");
        Path receivedFile = daemon.work.resolve("traffic.received");
        TollgatedProcess.await("the generator to send", Duration.ofSeconds(20), () -> Files.exists(portFile));
        TollgatedProcess.await(SENT + " datagrams at the receiver", Duration.ofSeconds(10), () -> receiver.count.get() >= SENT);
        int port = Integer.parseInt(Files.readString(portFile).trim());
        Traffic.send(port, RECEIVED, RECEIVED_SIZE);
        TollgatedProcess.await(RECEIVED + " datagrams at the generator", Duration.ofSeconds(10),
                () -> Support.readOr(receivedFile, "0").equals(Integer.toString(RECEIVED)));
        // The generator sent everything before it wrote its port: the counters are complete.
        assertThat(receiver.count.get()).as("datagrams the receiver got").isEqualTo(SENT);
        assertThat(deniedReceiver.count.get()).as("datagrams that reached the denied address").isZero();

        Counters expected = new Counters(Traffic.ipBytes(RECEIVED, RECEIVED_SIZE), RECEIVED, Traffic.ipBytes(SENT, SENT_SIZE), SENT,
                0, 0, Traffic.ipBytes(DENIED, 1), DENIED);
        List<CounterSample> samples = api.getCounters(List.of("traffic.service", "api.slice"));
        Map<String, CounterSample> byName = new HashMap<>();
        samples.forEach(s -> byName.put(s.name(), s));
        assertThat(byName).containsOnlyKeys("traffic.service", "api.slice");
        assertThat(byName.get("traffic.service").type()).isEqualTo(UnitType.SERVICE);
        assertThat(byName.get("traffic.service").counters()).isEqualTo(expected);
        // The slice sums what its accounted members let through.
        Counters slice = byName.get("api.slice").counters();
        assertThat(byName.get("api.slice").type()).isEqualTo(UnitType.SLICE);
        assertThat(List.of(slice.ingressBytes() - sliceBefore.ingressBytes(), slice.ingressPackets() - sliceBefore.ingressPackets(),
                slice.egressBytes() - sliceBefore.egressBytes(), slice.egressPackets() - sliceBefore.egressPackets()))
                .containsExactly(expected.ingressBytes(), expected.ingressPackets(), expected.egressBytes(), expected.egressPackets());
        // Both samples were read at one moment.
        assertThat(byName.get("traffic.service").timestamp()).isEqualTo(byName.get("api.slice").timestamp());
        long mono = System.nanoTime() / 1000;
        assertThat(byName.get("api.slice").timestamp()).as("CLOCK_MONOTONIC µs").isBetween(mono - Await.SAFETY_NET.toNanos() / 1000, mono);

        // The same numbers in the pinned map, read without the daemon.
        CounterSums pinned = daemon.pinnedCounters("traffic.service", false).orElseThrow();
        assertThat(new Counters(pinned.ingressBytes(), pinned.ingressPackets(), pinned.egressBytes(), pinned.egressPackets(),
                pinned.ingressDroppedBytes(), pinned.ingressDroppedPackets(), pinned.egressDroppedBytes(),
                pinned.egressDroppedPackets())).isEqualTo(expected);
        // GetUnit and GetCounters without names agree.
        assertThat(api.getUnit("traffic.service").counters()).isEqualTo(expected);
        assertThat(api.getCounters(null)).extracting(CounterSample::name).contains("traffic.service", "api.slice")
                .doesNotContain("sleeper.service");

        // Counters reset when the unit starts again (as systemd's).
        api.restartUnit("traffic.service");
        TollgatedProcess.await("the generator to send again", Duration.ofSeconds(10), () -> receiver.count.get() >= 2L * SENT);
        TollgatedProcess.await("the counters of the new run", Duration.ofSeconds(10), () -> Support.check(
                () -> api.getCounters(List.of("traffic.service")).getFirst().counters().egressPackets() == SENT));
        Counters fresh = api.getCounters(List.of("traffic.service")).getFirst().counters();
        assertThat(fresh.egressPackets()).isEqualTo(SENT);
        assertThat(fresh.ingressPackets()).isZero();
        api.stopUnit("traffic.service");
    }

    // ---- ListUnits --------------------------------------------------------------------------

    @Test
    void listUnitsFiltersByTypeAndStateAndShowsInactiveOnlyWithAll() throws Exception {
        api.startUnit("policy.service");
        Support.settle(api, "policy.service");
        try {
            List<String> all = api.listUnits(null, null, true).stream().map(UnitInfo::name).toList();
            assertThat(all).contains("api.slice", "sleeper.service", "traffic.service", "policy.service", "installable.service",
                    "static.service", "withdropin.service", "enabled-at-boot.service");
            assertThat(all).as("sorted by name").isSorted();

            List<UnitInfo> slices = api.listUnits(List.of(UnitType.SLICE), null, true);
            assertThat(slices).isNotEmpty().allSatisfy(u -> assertThat(u.type()).isEqualTo(UnitType.SLICE));
            assertThat(slices).extracting(UnitInfo::name).contains("api.slice");

            List<UnitInfo> active = api.listUnits(null, List.of("active"), false);
            assertThat(active).extracting(UnitInfo::name).contains("policy.service", "enabled-at-boot.service")
                    .doesNotContain("static.service");
            assertThat(active).allSatisfy(u -> assertThat(u.activeState()).isEqualTo(ActiveState.ACTIVE));

            List<String> running = api.listUnits(List.of(UnitType.SERVICE), List.of("running"), false).stream()
                    .map(UnitInfo::name).toList();
            assertThat(running).contains("policy.service").doesNotContain("api.slice", "static.service");

            List<String> shown = api.listUnits(null, null, false).stream().map(UnitInfo::name).toList();
            assertThat(shown).as("without all, inactive units are left out").contains("policy.service")
                    .doesNotContain("static.service", "installable.service");
        } finally {
            api.stopUnit("policy.service");
        }
    }

    @Test
    void getUnitDescribesPolicyAccountingAndFiles() throws Exception {
        UnitInfo u = api.getUnit("traffic");  // without a suffix: .service, as systemctl
        assertThat(u.name()).isEqualTo("traffic.service");
        assertThat(u.type()).isEqualTo(UnitType.SERVICE);
        assertThat(u.loadState()).isEqualTo("loaded");
        assertThat(u.description()).isEqualTo("Traffic generator");
        assertThat(u.fragmentPath()).isEqualTo(daemon.units.resolve("traffic.service").toString());
        assertThat(u.ipAccounting()).isTrue();
        assertThat(u.ipAddressDeny()).containsExactly("127.0.0.2/32");
        assertThat(u.ipAddressAllow()).isEmpty();
        // No [Install] section: static, as systemctl shows it; one with [Install], not linked: disabled.
        assertThat(u.unitFileState()).isEqualTo("static");
        assertThat(api.getUnit("installable.service").unitFileState()).isEqualTo("disabled");
        assertThat(api.getUnit("enabled-at-boot.service").unitFileState()).isEqualTo("enabled");
        assertThat(api.getUnit("enabled-at-boot.service").activeState()).as("started at boot").isEqualTo(ActiveState.ACTIVE);
        UnitInfo slice = api.getUnit("api.slice");
        assertThat(slice.type()).isEqualTo(UnitType.SLICE);
        assertThat(slice.ipAccounting()).isTrue();
        assertThat(slice.description()).isEqualTo("API test slice");
        api.startUnit("policy.service");
        Support.settle(api, "policy.service");
        try {
            UnitInfo p = api.getUnit("policy.service");
            assertThat(p.attachMode()).as("attach mode of a unit with programs").isEqualTo(AttachMode.LINK);
            assertThat(p.slice()).isEqualTo("system.slice");
            assertThat(p.counters()).isEqualTo(Counters.ZERO);
            // The programs are pinned under the daemon's bpffs directory.
            assertThat(daemon.bpffs.resolve("units").resolve("policy,service")).isDirectory();
        } finally {
            api.stopUnit("policy.service");
        }
    }

    /**
     * Regression (was a daemon bug, ManagerApi.info, {@code s.counters().or(s::dropped)}): the IDL says a unit's
     * counters are "none without IPAccounting=yes, as systemd shows [no data]"; a unit without
     * IPAccounting= that has programs anyway (here: because its slice accounts) gets its counters
     * reported, traffic included.
     */
    @Test
    void getUnitHasNoCountersWithoutIpAccounting() throws Exception {
        api.startUnit("sleeper.service");
        Support.settle(api, "sleeper.service");
        try {
            UnitInfo u = api.getUnit("sleeper.service");
            assertThat(u.ipAccounting()).isFalse();
            assertThat(u.counters()).as("no IPAccounting: [no data]").isNull();
        } finally {
            api.stopUnit("sleeper.service");
        }
    }

    /**
     * Regression (was a daemon bug, ManagerApi.info): GetUnit's dropInPaths is always empty ({@code List.of()} is
     * passed), although the unit has a drop-in that applies and GetUnitFile lists it.
     */
    @Test
    void getUnitListsTheDropInsThatApply() throws Exception {
        UnitInfo u = api.getUnit("withdropin.service");
        assertThat(u.description()).isEqualTo("from the drop-in");
        assertThat(u.dropInPaths()).as("DropInPaths=")
                .containsExactly(daemon.units.resolve("withdropin.service.d/10-description.conf").toString());
    }

    // ---- Reload -----------------------------------------------------------------------------

    @Test
    void reloadAppliesChangedFilesToRunningUnitsAndReportsBrokenOnes() throws Exception {
        api.startUnit("policy.service");
        Support.settle(api, "policy.service");
        try {
            long pid = api.getUnit("policy.service").mainPID();
            assertThat(api.getUnit("policy.service").ipAddressDeny()).containsExactly("127.0.0.3/32");
            daemon.unit("policy.service", "[Service]\nIPAccounting=yes\nIPAddressDeny=127.0.0.4 10.0.0.0/8\nExecStart=/bin/sleep 3600\n", false);
            daemon.unit("appeared.service", "[Unit]\nDescription=new since start\n[Service]\nExecStart=/bin/sleep 3600\n", false);
            int lines = daemon.logText().split("\n").length;

            List<Diagnostic> diagnostics = api.reload();
            assertThat(diagnostics).isEmpty();
            daemon.awaitLog("policy.service: network policy updated", lines, Duration.ofSeconds(5));
            UnitInfo p = api.getUnit("policy.service");
            assertThat(p.ipAddressDeny()).containsExactlyInAnyOrder("127.0.0.4/32", "10.0.0.0/8");
            assertThat(p.mainPID()).as("a reload restarts nothing").isEqualTo((int) pid);
            assertThat(alive(pid)).isTrue();
            assertThat(api.getUnit("appeared.service").description()).isEqualTo("new since start");

            // A file broken since: its diagnostics name the file and line; the running configuration stays.
            daemon.unit("policy.service", "[Service]\nIPAccounting=yes\nIPAddressDeny=127.0.0.5\nExecStart=/bin/\n", false);
            List<Diagnostic> broken = api.reload();
            assertThat(broken).anySatisfy(d -> {
                assertThat(d.severity()).isEqualTo(Severity.ERROR);
                assertThat(d.file()).isEqualTo(daemon.units.resolve("policy.service").toString());
                assertThat(d.line()).isEqualTo(4);
                assertThat(d.section()).isEqualTo("Service");
                assertThat(d.directive()).isEqualTo("ExecStart");
            });
            assertThat(api.getUnit("policy.service").ipAddressDeny()).as("the running configuration is kept")
                    .containsExactlyInAnyOrder("127.0.0.4/32", "10.0.0.0/8");
        } finally {
            daemon.unit("policy.service", "[Service]\nIPAccounting=yes\nIPAddressDeny=127.0.0.3\nExecStart=/bin/sleep 3600\n", false);
            Files.deleteIfExists(daemon.units.resolve("appeared.service"));
            api.reload();
            api.stopUnit("policy.service");
        }
    }

    // ---- RunTransient -----------------------------------------------------------------------

    private RunTransientReply run(String name, List<Property> properties, boolean wait, String... command) throws Exception {
        return api.runTransient(new RunTransientRequest(name, null, null, properties, List.of(command), wait));
    }

    @Test
    void runTransientWithWaitReportsHowTheCommandEnded() throws Exception {
        RunTransientReply ok = run("rt-true", List.of(), true, "/bin/true");
        assertThat(ok.name()).isEqualTo("rt-true.service");
        assertThat(ok.result()).isEqualTo("success");
        assertThat(ok.exitCode()).isEqualTo("exited");
        assertThat(ok.exitStatus()).isZero();

        RunTransientReply seven = run("rt-seven", List.of(), true, "/bin/sh", "-c", "exit 7");
        assertThat(seven.result()).isEqualTo("exit-code");
        assertThat(seven.exitCode()).isEqualTo("exited");
        assertThat(seven.exitStatus()).isEqualTo(7);
        UnitInfo u = api.getUnit("rt-seven.service");
        assertThat(u.activeState()).isEqualTo(ActiveState.FAILED);
        assertThat(u.unitFileState()).isEqualTo("transient");

        // Arguments reach the command as given: spaces, quotes, $ and % untouched.
        Path out = daemon.work.resolve("args");
        RunTransientReply args = run("rt-args", List.of(), true, "/bin/sh", "-c", "printf '%s|' \"$@\" > " + out, "sh",
                "two words", "it's \"quoted\"", "$HOME", "100%");
        assertThat(args.exitStatus()).isZero();
        assertThat(Files.readString(out)).isEqualTo("two words|it's \"quoted\"|$HOME|100%|");

        // With IPAccounting=yes the reply carries the run's traffic.
        long before = receiver.count.get();
        RunTransientReply counted = run("rt-counted", List.of(new Property("IPAccounting", "yes")), true, "/usr/bin/python3", "-c",
                "import socket; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); "
                        + "[s.sendto(b'z'*50,('127.0.0.1',%d)) for i in range(5)]".formatted(receiver.port()));
        assertThat(counted.exitStatus()).isZero();
        TollgatedProcess.await("5 datagrams", Duration.ofSeconds(10), () -> receiver.count.get() >= before + 5);
        assertThat(counted.counters()).isNotNull();
        assertThat(counted.counters().egressPackets()).isEqualTo(5);
        assertThat(counted.counters().egressBytes()).isEqualTo(Traffic.ipBytes(5, 50));
    }

    /**
     * Regression (was a daemon bug, Manager.runTransient, exit status of a killed command): the IDL says exitStatus
     * is "the exit status, or the signal number (ExecMainStatus=)"; the daemon reports
     * 128 + signal (137 for SIGKILL), as a shell would.
     */
    @Test
    void runTransientWithWaitReportsTheSignalThatKilledTheCommand() throws Exception {
        RunTransientReply killed = run("rt-killed", List.of(), true, "/bin/sh", "-c", "kill -KILL $$");
        assertThat(killed.result()).isEqualTo("signal");
        assertThat(killed.exitCode()).isEqualTo("killed");
        assertThat(killed.exitStatus()).as("ExecMainStatus= of a killed process: the signal number").isEqualTo(9);
    }

    @Test
    void runTransientWithoutWaitLeavesTheCommandRunningInItsOwnCgroup() throws Exception {
        RunTransientReply r = api.runTransient(new RunTransientRequest("rt-bg", "api.slice", "a background sleeper",
                List.of(new Property("IPAccounting", "yes")), List.of("/bin/sleep", "3600"), null));
        assertThat(r).isEqualTo(RunTransientReply.started("rt-bg.service"));
        UnitInfo u = api.getUnit("rt-bg.service");
        assertThat(u.activeState()).isEqualTo(ActiveState.ACTIVE);
        assertThat(u.unitFileState()).isEqualTo("transient");
        assertThat(u.slice()).isEqualTo("api.slice");
        assertThat(u.ipAccounting()).isTrue();
        long pid = u.mainPID();
        TollgatedProcess.await("the command in its cgroup", Duration.ofSeconds(5), () ->
                cgroupOfPid(pid).equals(java.util.Optional.of("/" + daemon.cgroupRootName + "/api.slice/rt-bg.service"))
                        && Support.cmdline(pid).startsWith("/bin/sleep 3600"));
        GetUnitFileReply text = api.getUnitFile("rt-bg.service");
        assertThat(text.text()).contains("IPAccounting=yes", "/bin/sleep", "3600");

        assertThat(api.stopUnit("rt-bg.service").activeState()).isEqualTo(ActiveState.INACTIVE);
        TollgatedProcess.await("the command to end", Duration.ofSeconds(10), () -> !alive(pid));

        // A name made up when none is given.
        RunTransientReply anonymous = api.runTransient(new RunTransientRequest(null, null, null, List.of(),
                List.of("/bin/true"), true));
        assertThat(anonymous.name()).matches("run-[A-Za-z0-9]+\\.service");
        assertThat(api.getUnit(anonymous.name()).result()).isEqualTo("success");
    }

    /**
     * Regression (was a daemon bug, ManagerApi.runTransient + Manager.runTransient): the description parameter is
     * added as a property, and Manager.runTransient appends properties under [Service], where
     * Description= is unknown and ignored; the unit keeps "[tollctl run] COMMAND" (written under
     * [Unit] first). Description= belongs in [Unit].
     */
    @Test
    void runTransientTakesTheDescription() throws Exception {
        api.runTransient(new RunTransientRequest("rt-described", null, "a described run", List.of(), List.of("/bin/true"), true));
        assertThat(api.getUnit("rt-described.service").description()).isEqualTo("a described run");
    }

    /**
     * Regression (was a daemon bug, Manager.quote, used by Manager.runTransient to write ExecStart=): a newline in
     * an argument is written raw into the transient unit text, which splits the ExecStart= line,
     * so the call fails with InvalidUnit "Unbalanced quoting". Multi-line arguments are common
     * ({@code python3 -c "import x\n..."}, {@code sh -c} scripts). quote() should write control
     * characters as C escapes (\n, \t, ...), which the unit file syntax decodes inside quotes.
     */
    @Test
    void runTransientPassesArgumentsWithNewlines() throws Exception {
        Path out = daemon.work.resolve("multiline");
        RunTransientReply r = run("rt-multiline", List.of(), true, "/bin/sh", "-c", "echo one > " + out + "\necho two >> " + out);
        assertThat(r.exitStatus()).isZero();
        assertThat(Files.readString(out)).isEqualTo("one\ntwo\n");
    }

    /**
     * Regression (was a daemon bug, ManagerApi.runTransient, {@code for (var p : r.properties())}): properties is
     * optional ({@code ?[]Property}) and null when a client leaves it out, which throws a
     * NullPointerException, so the call ends in InternalError. varlinkctl and tollctl run
     * without -p send no properties.
     */
    @Test
    void runTransientWithoutProperties() throws Exception {
        RunTransientReply r = api.runTransient(new RunTransientRequest("rt-noprops", null, null, null, List.of("/bin/true"), true));
        assertThat(r.result()).isEqualTo("success");
        assertThat(r.exitStatus()).isZero();
    }

    // ---- EnableUnit, DisableUnit ------------------------------------------------------------

    @Test
    void enableCreatesTheInstallLinkAndDisableRemovesIt() throws Exception {
        Path link = daemon.units.resolve("multi-user.target.wants/installable.service");
        Path file = daemon.units.resolve("installable.service");
        assertThat(link).doesNotExist();

        var reply = api.enableUnit("installable.service");
        assertThat(reply.carriesInstallInfo()).isTrue();
        List<UnitFileChange> enabled = reply.changes();
        assertThat(enabled).containsExactly(new UnitFileChange(UnitFileChangeType.SYMLINK, link.toString(), file.toString()));
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(link.getParent().resolve(Files.readSymbolicLink(link)).normalize()).isEqualTo(file);
        assertThat(api.getUnit("installable.service").unitFileState()).isEqualTo("enabled");
        assertThat(api.getUnit("installable.service").activeState()).as("enable does not start").isEqualTo(ActiveState.INACTIVE);

        List<UnitFileChange> disabled = api.disableUnit("installable.service");
        assertThat(disabled).containsExactly(new UnitFileChange(UnitFileChangeType.UNLINK, link.toString(), null));
        assertThat(link).doesNotExist();
        assertThat(Files.isSymbolicLink(link)).isFalse();
        assertThat(api.getUnit("installable.service").unitFileState()).isEqualTo("disabled");
        assertThat(api.disableUnit("installable.service")).as("disabling twice changes nothing").isEmpty();

        // A unit without [Install] is not an error (systemctl explains and exits 0); nothing is created.
        var none = api.enableUnit("static.service");
        assertThat(none.carriesInstallInfo()).isFalse();
        assertThat(none.changes()).isEmpty();
        assertThat(daemon.units.resolve("multi-user.target.wants/static.service")).doesNotExist();
    }

    // ---- GetUnitFile ------------------------------------------------------------------------

    @Test
    void getUnitFileReturnsTheFileAndItsDropIns() throws Exception {
        GetUnitFileReply f = api.getUnitFile("withdropin.service");
        Path file = daemon.units.resolve("withdropin.service");
        Path dropIn = daemon.units.resolve("withdropin.service.d/10-description.conf");
        assertThat(f.name()).isEqualTo("withdropin.service");
        assertThat(f.path()).isEqualTo(file.toString());
        assertThat(f.text()).isEqualTo(Files.readString(file));
        assertThat(f.dropIns()).containsExactly(new DropIn(dropIn.toString(), Files.readString(dropIn)));

        GetUnitFileReply t = api.getUnitFile("traffic.service");
        assertThat(t.text()).isEqualTo(Files.readString(daemon.units.resolve("traffic.service")));
        assertThat(t.dropIns()).isEmpty();
    }

    // ---- Probe ------------------------------------------------------------------------------

    @Test
    void probeListsTheKernelFeaturesAndTheAttachModeInUse() throws Exception {
        ProbeReply p = api.probe();
        List<String> names = p.features().stream().map(ProbeFeature::name).toList();
        // Every capability once, in declaration order, by the names the reply has always used.
        assertThat(names).containsExactlyElementsOf(
                java.util.Arrays.stream(KernelCapability.values()).map(c -> c.displayName).toList());
        assertThat(names).contains("cgroup v2 mounted", "bpf(2) usable (map create)", "cgroup_skb programs",
                "cgroup attach (flags 0, single)", "BPF_F_ALLOW_MULTI", "BPF_F_REPLACE", "cgroup bpf_link (BPF_LINK_CREATE)",
                "BPF_LINK_UPDATE", "LPM trie maps", "per-CPU array maps");
        assertThat(p.features()).allSatisfy(f -> assertThat(f.evidence()).isNotBlank());
        Map<String, ProbeFeature> byName = new HashMap<>();
        p.features().forEach(f -> byName.put(f.name(), f));
        assertThat(byName.get(KernelCapability.CGROUP2.displayName).available()).isTrue();
        assertThat(byName.get(KernelCapability.CGROUP2.displayName).evidence()).contains(Support.CGROUP2.toString());
        assertThat(p.cgroup2()).isEqualTo(Support.CGROUP2.toString());
        assertThat(p.kernel()).isEqualTo(Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip());
        assertThat(p.attachModeForced()).isFalse();
        assertThat(p.attachModeReason()).isNotBlank();
        // This kernel (>= 5.7) has cgroup bpf_link with update, the best rung of the ladder.
        if (kernelAtLeast(5, 7)) {
            assertThat(byName.get(KernelCapability.LINK.displayName).available()).isTrue();
            assertThat(byName.get(KernelCapability.LINK_UPDATE.displayName).available()).isTrue();
            assertThat(p.attachMode()).isEqualTo(AttachMode.LINK);
        }

        // A forced mode is reported as forced.
        try (TollgatedProcess forced = new TollgatedProcess()) {
            forced.args("--attach-mode", "multi").start();
            try (ManagerClient c = client(forced)) {
                ProbeReply f = c.probe();
                assertThat(f.attachMode()).isEqualTo(AttachMode.MULTI);
                assertThat(f.attachModeForced()).isTrue();
                assertThat(f.attachModeReason()).contains("forced");
            }
        }
    }

    private static boolean kernelAtLeast(int major, int minor) throws Exception {
        Matcher m = Pattern.compile("^(\\d+)\\.(\\d+)").matcher(Files.readString(Path.of("/proc/sys/kernel/osrelease")));
        if (!m.find()) return false;
        int a = Integer.parseInt(m.group(1));
        int b = Integer.parseInt(m.group(2));
        return a > major || (a == major && b >= minor);
    }

    // ---- GetMetrics -------------------------------------------------------------------------

    @Test
    void getMetricsPassesPromtoolAndCarriesTheCounters() throws Exception {
        api.startUnit("traffic.service");
        try {
            // Its denied sends come after the allowed ones: wait for both.
            TollgatedProcess.await("the generator to send", Duration.ofSeconds(20),
                    () -> Support.check(() -> api.getCounters(List.of("traffic.service")).stream()
                            .anyMatch(s -> s.counters().egressPackets() == SENT && s.counters().egressDroppedPackets() == DENIED)));
            String text = api.getMetrics();
            Support.Result check = Support.run(Duration.ofSeconds(30), text, List.of("promtool", "check", "metrics"));
            assertThat(check.exit()).as("promtool check metrics:\n%s%s\n--- text:\n%s", check.stdout(), check.stderr(), text).isZero();
            assertThat(sample(text, "tollgate_unit_ip_egress_packets_total", "unit", "traffic.service")).isEqualTo(SENT);
            assertThat(sample(text, "tollgate_unit_ip_egress_bytes_total", "unit", "traffic.service"))
                    .isEqualTo(Traffic.ipBytes(SENT, SENT_SIZE));
            assertThat(sample(text, "tollgate_unit_ip_egress_dropped_packets_total", "unit", "traffic.service")).isEqualTo(DENIED);
            assertThat(sample(text, "tollgate_slice_ip_egress_packets_total", "slice", "api.slice"))
                    .isEqualTo(api.getCounters(List.of("api.slice")).getFirst().counters().egressPackets());
            assertThat(text).contains("tollgate_units{", "tollgate_request_seconds");

            // The same exposition over HTTP (--metrics-listen), also valid.
            Matcher m = Pattern.compile("metrics on http://127\\.0\\.0\\.1:(\\d+)/metrics").matcher(daemon.logText());
            assertThat(m.find()).as("the daemon logs its metrics address").isTrue();
            try (HttpClient http = HttpClient.newHttpClient()) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + m.group(1) + "/metrics"))
                        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain; version=0.0.4"));
                Support.Result httpCheck = Support.run(Duration.ofSeconds(30), r.body(), List.of("promtool", "check", "metrics"));
                assertThat(httpCheck.exit()).as("promtool on the HTTP body: %s%s", httpCheck.stdout(), httpCheck.stderr()).isZero();
                assertThat(sample(r.body(), "tollgate_unit_ip_egress_packets_total", "unit", "traffic.service")).isEqualTo(SENT);
            }
        } finally {
            api.stopUnit("traffic.service");
        }
    }

    /** The value of one sample line {@code name{...label="value"...} N}. */
    private static long sample(String text, String name, String label, String value) {
        for (String line : text.split("\n")) {
            if (line.startsWith(name + "{") && line.contains(label + "=\"" + value + "\"")) {
                return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no sample " + name + "{" + label + "=\"" + value + "\"} in:\n" + text);
    }
}
