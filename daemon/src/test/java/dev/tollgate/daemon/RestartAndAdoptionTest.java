package dev.tollgate.daemon;

import dev.tollgate.api.ActiveState;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.units.exec.RestartPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Restart= as service_shall_restart decides it, RestartSec= on a moved clock, and taking units over after a crash. */
class RestartAndAdoptionTest {
    private final Harness h = new Harness();

    @AfterEach
    void cleanUp() throws Exception {
        h.close();
    }

    /** systemd.service(5)'s table: which results restart under which Restart=. */
    @ParameterizedTest(name = "Restart={0} after {1}: {2}")
    @CsvSource({
        "no,success,false", "no,exit-code,false", "no,signal,false",
        "always,success,true", "always,exit-code,true", "always,timeout,true",
        "on-success,success,true", "on-success,exit-code,false", "on-success,signal,false",
        "on-failure,success,false", "on-failure,exit-code,true", "on-failure,signal,true", "on-failure,timeout,true",
        "on-failure,resources,true",
        "on-abnormal,success,false", "on-abnormal,exit-code,false", "on-abnormal,signal,true", "on-abnormal,timeout,true",
        "on-abnormal,watchdog,true",
        "on-abort,success,false", "on-abort,exit-code,false", "on-abort,signal,true", "on-abort,core-dump,true",
        "on-abort,timeout,false",
        "on-watchdog,watchdog,true", "on-watchdog,exit-code,false", "on-watchdog,success,false"})
    void restartRuleFollowsSystemdsTable(String policy, String result, boolean restarts) {
        assertThat(RestartRule.shallRestart(RestartPolicy.parse(policy).orElseThrow(), ServiceResult.parse(result)))
                .isEqualTo(restarts);
    }

    @Test
    void statesAndResultsKeepSystemdsSpellings() {
        assertThat(ServiceState.parse("auto-restart").activeState()).isEqualTo(ActiveState.ACTIVATING);
        assertThat(ServiceState.parse("stop-sigkill").activeState()).isEqualTo(ActiveState.DEACTIVATING);
        assertThat(ServiceState.parse("exited").activeState()).isEqualTo(ActiveState.ACTIVE);
        assertThat(ServiceResult.SUCCESS.or(ServiceResult.TIMEOUT)).isEqualTo(ServiceResult.TIMEOUT);
        assertThat(ServiceResult.EXIT_CODE.or(ServiceResult.TIMEOUT)).as("the first failure is kept").isEqualTo(ServiceResult.EXIT_CODE);
        assertThat(JobType.RESTART.spelling()).isEqualTo("restart");
        assertThat(SliceState.ACTIVE.spelling()).isEqualTo("active");
        assertThat(ActiveState.fromWire("failed")).isEqualTo(ActiveState.FAILED);
    }

    @Test
    void onFailureRestartsAfterRestartSecAndAStopCancelsThePendingRestart() {
        h.service("r.service", "ExecStart=/bin/r", "Restart=on-failure", "RestartSec=2");
        h.start("r.service");
        h.launcher.last("/bin/r").exitWith(1);
        h.settle();
        assertThat(h.state("r.service")).isEqualTo("activating/auto-restart/exit-code");
        h.advance(Duration.ofMillis(1999));
        assertThat(h.launcher.count("/bin/r")).isEqualTo(1);
        h.advance(Duration.ofMillis(1));
        assertThat(h.launcher.count("/bin/r")).isEqualTo(2);
        assertThat(h.state("r.service")).isEqualTo("active/running/success");

        h.launcher.last("/bin/r").exitWith(1);
        h.settle();
        assertThat(h.state("r.service")).isEqualTo("activating/auto-restart/exit-code");
        h.stop("r.service");
        assertThat(h.state("r.service")).isEqualTo("failed/failed/exit-code");
        h.advance(Duration.ofSeconds(10));
        assertThat(h.launcher.count("/bin/r")).as("the cancelled restart never ran").isEqualTo(2);
    }

    @Test
    void restartSecZeroRestartsAtOnce() {
        h.service("z.service", "ExecStart=/bin/z", "Restart=always", "RestartSec=0");
        h.start("z.service");
        h.launcher.last("/bin/z").exitWith(0);
        h.advance(Duration.ZERO);
        assertThat(h.launcher.count("/bin/z")).isEqualTo(2);
        assertThat(h.state("z.service")).isEqualTo("active/running/success");
    }

    @Test
    void aStartDuringAutoRestartStartsAtOnce() {
        h.service("r.service", "ExecStart=/bin/r", "Restart=always", "RestartSec=60");
        h.start("r.service");
        h.launcher.last("/bin/r").exitWith(0);
        h.settle();
        assertThat(h.state("r.service")).isEqualTo("activating/auto-restart/success");
        h.start("r.service");
        assertThat(h.state("r.service")).isEqualTo("active/running/success");
        h.advance(Duration.ofSeconds(60));
        assertThat(h.launcher.count("/bin/r")).isEqualTo(2);
    }

    @Test
    void anExplicitStopNeverRestartsAndOnSuccessIgnoresFailures() {
        h.service("a.service", "ExecStart=/bin/a", "Restart=always");
        h.start("a.service");
        h.stop("a.service");
        h.advance(Duration.ofSeconds(1));
        assertThat(h.state("a.service")).isEqualTo("inactive/dead/success");

        h.service("s.service", "ExecStart=/bin/s", "Restart=on-success");
        h.start("s.service");
        h.launcher.last("/bin/s").exitWith(9);
        h.settle();
        assertThat(h.state("s.service")).isEqualTo("failed/failed/exit-code");
    }

    @Test
    void aRestartThatFailsLeavesTheUnitFailed() {
        h.service("r.service", "ExecStart=/bin/r", "Restart=on-failure");
        h.start("r.service");
        h.cgroups.refuseCreate.add("r.service");
        h.launcher.last("/bin/r").exitWith(1);
        h.advance(Duration.ofSeconds(1));
        assertThat(h.state("r.service")).isEqualTo("failed/failed/resources");
    }

    @Test
    void restartJobStopsAndStartsAgainWithTheConfigurationOfTheLastReload() {
        h.service("a.service", "ExecStart=/bin/one");
        h.start("a.service");
        Fakes.FakeProcess first = h.launcher.last("/bin/one");
        h.service("a.service", "ExecStart=/bin/two");
        h.done(h.manager().restartAsync("a.service"));
        assertThat(first.isAlive()).isFalse();
        assertThat(h.launcher.count("/bin/one")).as("the file is read again at daemon-reload, as systemd").isEqualTo(2);
        assertThat(h.state("a.service")).isEqualTo("active/running/success");
        h.stop("a.service");
        h.done(h.manager().restartAsync("a.service"));
        assertThat(h.state("a.service")).as("restart of a stopped unit starts it").isEqualTo("active/running/success");
    }

    // ---- adoption ----------------------------------------------------------------------------

    private void stateFile(String json) throws IOException {
        Files.writeString(h.stateDir.resolve("state.json"), json);
    }

    private void adopt() {
        h.manager();
        Thread t = Thread.ofPlatform().start(() -> h.manager().adoptFromState());
        while (t.isAlive()) h.settle();
        h.settle();
    }

    @Test
    void aServiceStillRunningIsTakenOverWithItsPidAndEndsWhenItExits() throws IOException {
        h.service("a.service", "ExecStart=/bin/a", "IPAccounting=yes");
        h.cgroups.existing.add(h.cgroup("a.service"));
        Fakes.FakeProcess left = h.launcher.leftRunning(4242, h.cgroup("a.service"));
        h.datapath.pinned.add("a.service");
        h.datapath.pinned.add("gone.service");
        stateFile("""
                {"version":1,"units":[{"name":"a.service","state":"active","subState":"running","mainPid":4242,
                "activeEnterMicros":1700000000000000,"result":"success"}]}""");
        adopt();
        assertThat(h.state("a.service")).isEqualTo("active/running/success");
        assertThat(h.status("a.service").mainPID()).isEqualTo(4242);
        assertThat(h.status("a.service").activeEnterTimestamp()).isEqualTo(1700000000000000L);
        assertThat(h.datapath.log).containsExactly("adopt a.service");
        assertThat(h.datapath.pinned).as("stale pins removed").containsExactly("a.service");
        assertThat(Files.exists(h.stateDir.resolve("state.json"))).isTrue();

        left.exitWith(0);
        h.settle();
        assertThat(h.state("a.service")).as("exit status unknown: success").isEqualTo("inactive/dead/success");
    }

    @Test
    void aServiceThatDiedWhileTheDaemonWasDownEndsWithSuccessAndOnlyRestartAlwaysRestartsIt() throws IOException {
        h.service("onfail.service", "ExecStart=/bin/f", "Restart=on-failure", "IPAccounting=yes");
        h.service("always.service", "ExecStart=/bin/g", "Restart=always");
        stateFile("""
                {"version":1,"units":[
                {"name":"onfail.service","state":"active","subState":"running","mainPid":777,"activeEnterMicros":0,"result":"success"},
                {"name":"always.service","state":"active","subState":"running","mainPid":778,"activeEnterMicros":0,"result":"success"}]}""");
        adopt();
        assertThat(h.state("onfail.service")).as("systemd does not restart on-failure after success")
                .isEqualTo("inactive/dead/success");
        assertThat(h.datapath.log).as("its pins are removed").contains("stop onfail.service");
        assertThat(h.state("always.service")).isEqualTo("activating/auto-restart/success");
        h.advance(Duration.ofSeconds(1));
        assertThat(h.state("always.service")).isEqualTo("active/running/success");
        assertThat(h.launcher.count("/bin/f")).isZero();
    }

    @Test
    void aPopulatedCgroupTheStateFileMissedIsTakenOverUntilItEmpties() {
        h.service("lost.service", "ExecStart=/bin/lost");
        h.cgroups.existing.add(h.cgroup("lost.service"));
        Fakes.FakeProcess p = h.launcher.leftRunning(999, h.cgroup("lost.service"));
        adopt();
        assertThat(h.state("lost.service")).isEqualTo("active/running/success");
        assertThat(h.status("lost.service").mainPID()).isNull();
        assertThat(h.cgroups.watchers).containsKey(h.cgroup("lost.service"));
        p.exitWith(0);
        h.settle();
        assertThat(h.state("lost.service")).isEqualTo("inactive/dead/success");
    }

    @Test
    void anExitedOneshotIsTakenOverAsExitedAndATransientUnitWithItsText() throws IOException {
        h.service("once.service", "Type=oneshot", "RemainAfterExit=yes", "ExecStart=/bin/once");
        stateFile("""
                {"version":1,"units":[
                {"name":"once.service","state":"active","subState":"exited","mainPid":0,"activeEnterMicros":0,"result":"success"},
                {"name":"run-x.service","state":"active","subState":"running","mainPid":31,"activeEnterMicros":0,"result":"success",
                 "transientText":"[Service]\\nExecStart=/bin/sleep 100\\n"},
                {"name":"unknown.service","state":"active","subState":"running","mainPid":32,"activeEnterMicros":0,"result":"success"}]}""");
        h.cgroups.existing.add(h.cgroup("run-x.service"));
        h.launcher.leftRunning(31, h.cgroup("run-x.service"));
        adopt();
        assertThat(h.state("once.service")).isEqualTo("active/exited/success");
        assertThat(h.state("run-x.service")).isEqualTo("active/running/success");
        assertThat(h.status("run-x.service").unitFileState()).isEqualTo("transient");
        assertThat(h.manager().transientText("run-x.service")).hasValueSatisfying(t -> assertThat(t).contains("/bin/sleep 100"));
        assertThat(Files.exists(h.stateDir.resolve("transient/run-x.service"))).isTrue();
        assertThat(h.status("unknown.service").loadState()).as("nothing to take over without a file").isEqualTo("not-found");
    }

    @Test
    void shutdownForAnUpgradeLetsGoAndKeepsTheStateFile() throws IOException {
        h.service("a.service", "ExecStart=/bin/a");
        adopt();
        h.start("a.service");
        Thread t = Thread.ofPlatform().start(() -> h.manager().shutdown(false));
        while (t.isAlive()) h.settle();
        assertThat(h.launcher.last("/bin/a").isAlive()).isTrue();
        assertThat(Files.readString(h.stateDir.resolve("state.json"))).contains("a.service");
    }

    @Test
    void aFailedAdoptionOfProgramsIsLoggedAndTheUnitStillRuns() throws IOException {
        h.service("a.service", "ExecStart=/bin/a", "IPAddressDeny=any");
        h.cgroups.existing.add(h.cgroup("a.service"));
        h.launcher.leftRunning(55, h.cgroup("a.service"));
        h.datapath.refuse.add("a.service");
        stateFile("""
                {"version":1,"units":[{"name":"a.service","state":"active","subState":"running","mainPid":55,
                "activeEnterMicros":0,"result":"success"}]}""");
        adopt();
        assertThat(h.state("a.service")).isEqualTo("active/running/success");
        assertThat(h.datapath.log).containsExactly("adopt a.service", "start a.service");
        CompletableFuture<?> stop = h.manager().stopAsync("a.service");
        h.done(stop);
        assertThat(h.state("a.service")).isEqualTo("inactive/dead/success");
    }

    @Test
    void notifyUnitsGetTheirSocketBackAndStatusShowsTheDatapathOff() throws IOException {
        h.datapath.available = false;
        h.service("n.service", "Type=notify", "ExecStart=/bin/n", "IPAccounting=yes");
        h.cgroups.existing.add(h.cgroup("n.service"));
        h.launcher.leftRunning(66, h.cgroup("n.service"));
        stateFile("""
                {"version":1,"units":[{"name":"n.service","state":"active","subState":"running","mainPid":66,
                "activeEnterMicros":0,"result":"success"}]}""");
        adopt();
        assertThat(h.state("n.service")).isEqualTo("active/running/success");
        assertThat(h.status("n.service").lastError()).startsWith("IP accounting and firewall are off");
        assertThat(Files.exists(h.stateDir.resolve("notify/n.service"))).isTrue();
        h.stop("n.service");
        assertThat(Files.exists(h.stateDir.resolve("notify/n.service"))).isFalse();
        assertThat(List.of(h.state("n.service"))).containsExactly("inactive/dead/success");
    }
}
